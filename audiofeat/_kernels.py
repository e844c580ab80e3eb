"""Compiled loops (numba) for the numpy paths where a chain of whole-array numpy passes costs several times the
arithmetic itself.

A 1 s clip's time stretch (an augmentation's TimeStretch or PitchShift) is two FFTs of ~32 frames and, around
them, ~25 numpy passes over ~33,000 complex values (magnitudes, unit phasors, interpolation, advance phasors,
the running product, the window, the overlap-add, the normalisation), each at numpy's per-call floor: measured,
0.45 of its 0.7 ms. The framing, the vocoder and the overlap-add are loops here (``frame_window``,
``vocode_rate``, ``overlap_add``, ``edge_blocks``), as are the uniforms of float32 augmentation noise
(``splitmix_uniforms``).

Used only where a benchmark shows it pays (``phase._time_stretch_compiled``, ``augment._rng``); every caller
keeps its numpy path, which runs when :func:`kernels` returns ``None``: numba not installed or not importable, or
``AUDIOFEAT_NUMBA=0`` in the environment. numba compiles a kernel on its first call in a process (about a second)
and caches the machine code on disk (``__pycache__`` beside this file, else numba's user cache folder), so later
processes and forked workers load it instead (with no writable cache folder: compiled in each process). The
loops themselves are in :mod:`audiofeat._numba_loops` (imported here only where numba imports; module-level
functions, so that the disk cache finds them again). ``NUMBA_DISABLE_JIT=1`` also gives ``None`` (the loops
would run as Python). The kernels hold no state and release the GIL.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

__all__ = ["kernels"]

_lock = threading.Lock()
_built: list = []  # [namespace or None] once decided; a list, so the decision is made once per process


def _reset_lock_after_fork() -> None:
    """In a forked child: a fresh lock (a fork while another thread held it must not leave the child waiting
    forever), and the numpy path for good where the fork came while another thread was building the kernels
    (its imports' locks stay held here) or numba was compiling or loading one (numba's compiler lock, and
    LLVM's state, stay held here: the child's first compile would wait forever)."""
    global _lock
    building = _lock.locked()
    _lock = threading.Lock()
    if building or _numba_compiling():
        _built[:] = [None]


def _numba_compiling() -> bool:
    """Whether a thread holds numba's compiler lock (numba imported at all, else ``False``)."""
    compiler_lock = sys.modules.get("numba.core.compiler_lock")
    lock = getattr(getattr(compiler_lock, "global_compiler_lock", None), "_lock", None)
    if lock is None:
        return False
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock_after_fork)


def kernels() -> Any:
    """The compiled kernels (the module :mod:`audiofeat._numba_loops`), or ``None`` where numba is unavailable
    or switched off (``AUDIOFEAT_NUMBA=0``)."""
    if os.environ.get("AUDIOFEAT_NUMBA", "").strip() == "0":
        return None
    if _built:
        return _built[0]
    with _lock:
        if not _built:
            _built.append(_build())
    return _built[0]


def _build() -> Any:
    try:
        import numba

        if numba.config.DISABLE_JIT:  # NUMBA_DISABLE_JIT=1: the loops would run as Python, ~200x the numpy path
            return None
        from . import _numba_loops
    except Exception:  # noqa: BLE001 -- missing, or a broken install (llvmlite mismatch): the numpy path runs
        return None
    return _numba_loops
