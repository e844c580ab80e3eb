"""The numba loops of :mod:`audiofeat._kernels` (imported only by ``_kernels._build``, where numba imports).

Module-level functions, so that numba's on-disk cache finds them again in the next process: a kernel defined
inside a function and calling other kernels from its closure gets a new cache key in every process (the
pickled closure holds each dispatcher's per-process id), so it was compiled again, ~1 s, in every process and
worker, and every process added another ~80 kB file to the cache folder.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numba
import numpy as np


def _jit(**flags: Any) -> Callable[[Callable], Any]:
    """``numba.njit(cache=True, nogil=True, **flags)``; without the cache where numba finds no folder it can
    write (a read-only install with no writable home or ``NUMBA_CACHE_DIR``: numba raises ``RuntimeError`` at
    decoration), so the kernels are compiled in each process instead of failing every call."""

    def wrap(fn: Callable) -> Any:
        try:
            return numba.njit(cache=True, nogil=True, **flags)(fn)
        except RuntimeError:
            return numba.njit(nogil=True, **flags)(fn)

    return wrap


# fastmath lets LLVM vectorise the loops over bins (measured: the phasor loop 12 us with it, 60-130 us
# without or with a subset of its flags, 32 frames x 1025 bins); results differ from numpy's by float
# rounding. It assumes no NaN/inf, so the guard against under/overflowed squares runs in a loop without it
fast = _jit(fastmath=True)
exact = _jit()


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
    # first a branch-free scan LLVM vectorises (3 us for 32 x 1025 bins, where the loop below costs 18 us):
    # nearly every spectrum has no such bin
    flat = mag.ravel()
    bad = 0
    for i in range(flat.size):
        m = flat[i]
        bad |= np.int32(not (m >= low and m < np.inf))
    if bad == 0:
        return
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
def vocode(spec, left, alpha, valid, out):  # pragma: no cover - compiled
    """librosa's phase vocoder on one spectrum ``spec`` (frames, bins) into ``out`` (n_out, bins): the
    arithmetic of ``phase._vocode_numpy`` (interpolated magnitudes; phase as the running product of unit
    advance phasors, renormalised every 256 frames; ``+-1`` as the phasor of a zero bin; a zero frame past
    the end of the input), in two passes over the input and one per output frame."""
    mag = np.empty(spec.shape, dtype=spec.real.dtype)
    unit = np.empty(spec.shape, dtype=out.dtype)
    _phasors(spec, mag, unit)
    _guard(spec, mag, unit)
    _advance(spec, mag, unit, left, alpha, valid, out)


@exact
def time_steps(n_frames, rate, n_out):  # pragma: no cover - compiled
    """``phase._time_steps`` for the first ``n_out`` steps: librosa's positions ``k * rate`` (what
    ``np.arange(0, n_frames, rate)`` holds) as the frame ``floor``, its weight ``s mod 1`` and 1.0 where the
    next frame exists (0.0 past the end); a position at ``n_frames`` as ``phase._positions`` gives it."""
    left = np.empty(n_out, dtype=np.int64)
    alpha = np.empty(n_out, dtype=np.float64)
    valid = np.empty(n_out, dtype=np.float64)
    for k in range(n_out):
        s = k * rate
        f = int(math.floor(s))
        valid[k] = 1.0 if f + 1 < n_frames else 0.0
        if f >= n_frames:  # rounding put the last position at n_frames: librosa's zero frames (phase._positions)
            left[k] = n_frames - 1
            alpha[k] = 1.0
        else:
            left[k] = f
            alpha[k] = s - f
    return left, alpha, valid


@exact
def vocode_rate(spec, rate, out):  # pragma: no cover - compiled
    """:func:`vocode` at the steps of ``rate`` (:func:`time_steps`), for ``out.shape[0]`` output frames."""
    left, alpha, valid = time_steps(spec.shape[0], rate, out.shape[0])
    vocode(spec, left, alpha, valid, out)


@fast
def frame_window(y, win, hop, pad, out):  # pragma: no cover - compiled
    """The centred frames of ``y`` (items, n), zero-padded by ``pad`` samples at both ends, times ``win``:
    ``out[i, f, j] = padded[i, f * hop + j] * win[j]`` for out (items, n_frames, n_fft) -- what
    ``shorttime._framed_signal(y, n_fft, hop, True, "constant") * win`` holds, without the padded copies."""
    n = y.shape[1]
    n_frames, n_fft = out.shape[1], out.shape[2]
    zero = out.dtype.type(0.0)
    for i in range(y.shape[0]):
        for f in range(n_frames):
            s = f * hop - pad
            lo = min(max(-s, 0), n_fft)
            hi = max(min(n - s, n_fft), lo)
            row = out[i, f]
            row[:lo] = zero
            row[hi:] = zero
            # slices, so the loop indexes from 0 with no negative-index wraparound test (that test kept
            # LLVM from vectorising it: 87 us instead of 6 for 32 frames of 2048)
            src = y[i, s + lo : s + hi]
            w = win[lo:hi]
            dst = row[lo:hi]
            for j in range(hi - lo):
                dst[j] = src[j] * w[j]


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


@exact
def edge_blocks(frames, win, rows, head, out):  # pragma: no cover - compiled
    """The first (``head``) or last ``k`` normalised overlap-add blocks of an inverse STFT redone from its
    first or last ``k`` frames in float64 (``shorttime._edge_blocks_float64``): ``frames`` (k, n_fft) the
    float64 inverse FFTs of those frames, ``win`` the float64 window, ``rows`` (k, hop) the float64 reciprocal
    window sum-squares of those blocks, written into ``out`` (k, hop) (cast to its dtype)."""
    k, n_fft = frames.shape
    hop = out.shape[1]
    chunks = n_fft // hop
    acc = np.zeros((k + chunks - 1, hop), dtype=np.float64)
    for t in range(k):
        for r in range(chunks):
            o = r * hop
            for j in range(hop):
                acc[t + r, j] += frames[t, o + j] * win[o + j]
    first = 0 if head else acc.shape[0] - k
    for b in range(k):
        for j in range(hop):
            out[b, j] = acc[first + b, j] * rows[b, j]


@exact
def splitmix_uniforms(start, u, v):  # pragma: no cover - compiled
    """``augment._rng._uniform_pairs``: output ``i`` of the SplitMix64 sequence from state ``start`` (the
    finaliser of ``start + (i + 1) * golden``), its bits 40-63 as ``u[i]`` and bits 16-39 as ``v[i]``, each
    scaled by ``2**-24`` to a float32 in ``[0, 1)``."""
    golden = np.uint64(0x9E3779B97F4A7C15)
    m1 = np.uint64(0xBF58476D1CE4E5B9)
    m2 = np.uint64(0x94D049BB133111EB)
    scale = np.float32(2.0**-24)
    for i in range(u.shape[0]):
        z = start + np.uint64(i + 1) * golden
        z = (z ^ (z >> np.uint64(30))) * m1
        z = (z ^ (z >> np.uint64(27))) * m2
        z = z ^ (z >> np.uint64(31))
        u[i] = np.float32(z >> np.uint64(40)) * scale
        v[i] = np.float32((z >> np.uint64(16)) & np.uint64(0xFFFFFF)) * scale
