"""OpenBLAS's thread timeout for the interleaved benchmarks: imported before numpy.

OpenBLAS's worker threads, once woken by a large matrix product (librosa's dense mel and chroma products
wake them), spin for about 2^28 cycles (~0.1 s here) before they sleep. In an interleaved round the call
timed right after a librosa call therefore shares the machine with them: on this 2-vCPU machine they take
the core that audiofeat's second pool thread would use (audiofeat's onset_strength measured ~15.8 ms right
after librosa's call, ~10.5 ms when nothing spins). A user who runs one library does not pay that.

``OPENBLAS_THREAD_TIMEOUT=4`` (OpenBLAS's minimum) makes the threads sleep as soon as a product ends. It does
not slow librosa: alone, librosa's onset_strength on 60 s measured 29.5-30.6 ms median with it and
29.9-30.9 ms without (three runs of nine calls each way, quiet machine). It is set only when the variable is
not already set; ``--openblas-default`` (checked here, before argparse) leaves OpenBLAS at its default, to
show the back-to-back figure too.
"""

from __future__ import annotations

import os
import sys

OPENBLAS_DEFAULT = "--openblas-default" in sys.argv
if not OPENBLAS_DEFAULT:
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

HELP = ("leave OPENBLAS_THREAD_TIMEOUT unset (OpenBLAS's threads then spin ~0.1 s after each of librosa's "
        "products, through the audiofeat call timed next); default: 4, see benchmarks/_blas_env.py")


def describe() -> str:
    """One header fragment saying which timeout the run used."""
    return "OPENBLAS_THREAD_TIMEOUT=" + os.environ.get("OPENBLAS_THREAD_TIMEOUT", "unset (OpenBLAS default)")
