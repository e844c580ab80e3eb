"""Compiled loops (numba) for the numpy paths where a chain of whole-array numpy passes costs several times the
arithmetic itself.

A 1 s clip's time stretch (an augmentation's TimeStretch or PitchShift) is two FFTs of ~32 frames and, around
them, ~25 numpy passes over ~33,000 complex values (magnitudes, unit phasors, interpolation, advance phasors,
the running product, the window, the overlap-add, the normalisation), each at numpy's per-call floor: measured,
0.45 of its 0.7 ms. :func:`vocode` and :func:`overlap_add` do those passes as two loops (0.05 ms).

Used only where a benchmark shows it pays (``phase._time_stretch_short_numpy``); every caller keeps its numpy
path, which runs when :func:`kernels` returns ``None``: numba not installed or not importable, or
``AUDIOFEAT_NUMBA=0`` in the environment. numba compiles a kernel on its first call in a process (about a second)
and caches the machine code on disk (``__pycache__`` beside this file, else numba's user cache folder), so later
processes and forked workers load it instead. The kernels hold no state and release the GIL.
"""

from __future__ import annotations

import os
import threading
from types import SimpleNamespace
from typing import Any

__all__ = ["kernels"]

_lock = threading.Lock()
_built: list = []  # [namespace or None] once decided; a list, so the decision is made once per process


def _reset_lock_after_fork() -> None:
    global _lock
    _lock = threading.Lock()  # a fork while another thread held it must not leave the child waiting forever


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock_after_fork)


def kernels() -> Any:
    """The compiled kernels (a namespace with :func:`vocode` and :func:`overlap_add`), or ``None`` where numba
    is unavailable or switched off (``AUDIOFEAT_NUMBA=0``)."""
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
    except Exception:  # noqa: BLE001 -- missing, or a broken install (llvmlite mismatch): the numpy path runs
        return None
    import math

    import numpy as np

    # fastmath lets LLVM vectorise the loops over bins (measured: the phasor loop 12 us with it, 60-130 us
    # without or with a subset of its flags, 32 frames x 1025 bins); results differ from numpy's by float
    # rounding. It assumes no NaN/inf, so the guard against under/overflowed squares runs in a loop without it
    fast = numba.njit(cache=True, nogil=True, fastmath=True)
    exact = numba.njit(cache=True, nogil=True)

    @fast
    def _phasors(spec, mag, unit):  # pragma: no cover - compiled
        one = spec.real.dtype.type(1.0)
        for f in range(spec.shape[0]):
            for b in range(spec.shape[1]):
                x = spec[f, b]
                re = x.real
                im = x.imag
                m = math.sqrt(re * re + im * im)
                mag[f, b] = m
                if m > 0:
                    inv = one / m
                    unit[f, b] = complex(re * inv, im * inv)
                else:
                    unit[f, b] = complex(1.0 if re >= 0 else -1.0, 0.0)

    @exact
    def _guard(spec, mag, unit):  # pragma: no cover - compiled
        # a bin whose squared magnitude under- or overflowed the input's precision: magnitude and phasor in
        # float64 by hypot, as numpy's abs gives them (a zero bin's phasor is +-1 by the sign of its real part)
        low = np.sqrt(np.finfo(spec.real.dtype).tiny)
        for f in range(spec.shape[0]):
            for b in range(spec.shape[1]):
                m = mag[f, b]
                if not (m >= low and m < np.inf):
                    re = np.float64(spec[f, b].real)
                    im = np.float64(spec[f, b].imag)
                    m64 = math.hypot(re, im)
                    mag[f, b] = m64
                    if m64 > 0.0:
                        unit[f, b] = complex(re / m64, im / m64)
                    else:
                        unit[f, b] = complex(math.copysign(1.0, re), 0.0)

    @fast
    def _advance(spec, mag, unit, left, alpha, valid, out):  # pragma: no cover - compiled
        n_frames, n_bins = spec.shape
        n_out = out.shape[0]
        acc = unit[0].copy()
        for k in range(n_out):
            lf = left[k]
            nxt = lf + 1 if lf + 1 < n_frames else lf
            wl = spec.real.dtype.type(1.0 - alpha[k])
            wr = spec.real.dtype.type(alpha[k] * valid[k])
            for b in range(n_bins):
                out[k, b] = acc[b] * (mag[lf, b] * wl + mag[nxt, b] * wr)
            if k + 1 < n_out:
                if lf + 1 < n_frames:
                    for b in range(n_bins):
                        acc[b] = unit[lf + 1, b] * unit[lf, b].conjugate() * acc[b]
                else:  # the zero frame past the end: angle 0
                    for b in range(n_bins):
                        acc[b] = unit[lf, b].conjugate() * acc[b]
                if (k + 1) % 256 == 0:
                    for b in range(n_bins):
                        acc[b] = acc[b] / abs(acc[b])

    @exact
    def vocode(spec, left, alpha, valid, out):  # pragma: no cover - compiled (tests run it compiled)
        """librosa's phase vocoder on one spectrum ``spec`` (frames, bins) into ``out`` (n_out, bins): the
        arithmetic of ``phase._vocode_numpy`` (interpolated magnitudes; phase as the running product of unit
        advance phasors, renormalised every 256 frames; ``+-1`` as the phasor of a zero bin; a zero frame past
        the end of the input), in two passes over the input and one per output frame."""
        mag = np.empty(spec.shape, dtype=spec.real.dtype)
        unit = np.empty(spec.shape, dtype=out.dtype)
        _phasors(spec, mag, unit)
        _guard(spec, mag, unit)
        _advance(spec, mag, unit, left, alpha, valid, out)

    @fast
    def overlap_add(frames, win, head, full, tail, blocks):  # pragma: no cover - compiled
        """``_ola_blocks(frames * win, hop)`` normalised as ``shorttime._normalise_blocks`` does, into
        ``blocks`` (n_frames + k, hop): frames (n_frames, n_fft) with ``n_fft = (k + 1) * hop`` and
        ``n_frames >= k``; ``head``/``tail`` (k, hop) and ``full`` (hop,) the reciprocal window sum-squares."""
        n_frames, n_fft = frames.shape
        n_blocks, hop = blocks.shape
        chunks = n_fft // hop
        k = chunks - 1
        for b in range(n_blocks):
            for j in range(hop):
                blocks[b, j] = 0.0
        for t in range(n_frames):
            for r in range(chunks):
                o = r * hop
                for j in range(hop):
                    blocks[t + r, j] += frames[t, o + j] * win[o + j]
        for b in range(n_blocks):
            if b < k:
                for j in range(hop):
                    blocks[b, j] *= head[b, j]
            elif b >= n_blocks - k:
                for j in range(hop):
                    blocks[b, j] *= tail[b - (n_blocks - k), j]
            else:
                for j in range(hop):
                    blocks[b, j] *= full[j]

    return SimpleNamespace(vocode=vocode, overlap_add=overlap_add)
