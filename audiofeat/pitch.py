"""Periodicity: autocorrelation, fundamental frequency (YIN, pYIN), tuning and harmonicity.

A voiced sound repeats itself every period ``1 / f0``; everything here measures how, and how much, a frame
repeats. :func:`autocorrelate` is the raw tool. :func:`yin` picks the first deep trough of the cumulative
mean normalised difference function (de Cheveigne & Kawahara 2002); :func:`pyin` turns every trough into a
pitch candidate with a probability and decodes the most likely pitch-and-voicing sequence with a Viterbi
pass (Mauch & Dixon 2014), using the banded decoder in :mod:`audiofeat.sequence`. :func:`piptrack`,
:func:`estimate_tuning` and :func:`pitch_tuning` find spectral peaks and the tuning offset from A440.
:func:`hnr` is the harmonics-to-noise ratio per frame from the normalised autocorrelation peak
(Boersma 1993).

All of it is librosa-compatible (same names, keywords, defaults and shapes). The difference function is
computed for all frames at once with one FFT per frame, sized to the longest lag (not to twice the frame);
numpy in gives numpy out, torch in gives torch out on the same device.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import scipy.fft

from . import _backend as B
from ._cache import cached
from ._checks import check_int, check_number, check_positive, warn_user
from ._registry import capabilities
from .errors import ParameterError

__all__ = ["autocorrelate", "yin", "pyin", "piptrack", "estimate_tuning", "pitch_tuning", "hnr"]


# --------------------------------------------------------------------------------------------------
# autocorrelation
# --------------------------------------------------------------------------------------------------
@capabilities(librosa="librosa.autocorrelate", compile=False)
def autocorrelate(y: Any, *, max_size: int | None = None, axis: int = -1) -> Any:
    """Bounded-lag autocorrelation ``r[k] = sum_n y[n] y[n + k]`` (librosa-compatible), via the FFT.

    Parameters
    ----------
    y : array (numpy or torch), real or complex
        Signal(s).
    max_size : int > 0 or None
        Number of lags to keep (all ``y.shape[axis]`` if None).
    axis : int
        Axis along which to autocorrelate.

    Returns
    -------
    r : shape of ``y`` with ``min(max_size, y.shape[axis])`` along ``axis``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> audiofeat.autocorrelate(np.array([1.0, 2.0, 3.0])).round(6)
    array([14.,  8.,  3.])
    """
    from ._checks import check_axis

    y = B.as_float(y, "y", complex_ok=True)
    xp = B.namespace(y)
    if y.ndim == 0:
        raise ParameterError("y must have at least one dimension")
    axis = check_axis(axis, y.ndim)
    n = y.shape[axis]
    if n == 0:
        raise ParameterError("y is empty along the autocorrelation axis")
    max_size = n if max_size is None else min(check_int("max_size", max_size), n)
    x = xp.moveaxis(y, axis, -1)
    if xp.isdtype(y.dtype, "complex floating"):
        n_pad = scipy.fft.next_fast_len(2 * n - 1, real=False)
        X = xp.fft.fft(x, n=n_pad, axis=-1)
        r = xp.fft.ifft(X * xp.conj(X), axis=-1)[..., :max_size]
    else:
        n_pad = scipy.fft.next_fast_len(n + max_size - 1, real=True)  # lags < max_size need no more
        r = B.irfft(B.abs2(B.rfft(x, n_pad)), n_pad)[..., :max_size]
    return xp.moveaxis(r, -1, axis)


# --------------------------------------------------------------------------------------------------
# YIN
# --------------------------------------------------------------------------------------------------
def _check_yin_params(sr: Any, fmin: Any, fmax: Any, frame_length: Any) -> tuple[float, float, float, int]:
    if fmin is None or fmax is None:
        raise ParameterError('both "fmin" and "fmax" must be provided')
    sr = check_positive("sr", sr)
    fmin = check_number("fmin", fmin)
    fmax = check_number("fmax", fmax)
    frame_length = check_int("frame_length", frame_length, minimum=3)
    if fmax > sr / 2:
        raise ParameterError(f"fmax={fmax:.3f} cannot exceed Nyquist frequency {sr / 2}")
    if fmin >= fmax:
        raise ParameterError(f"fmin={fmin:.3f} must be less than fmax={fmax:.3f}")
    if fmin <= 0:
        raise ParameterError(f"fmin={fmin:.3f} must be strictly positive")
    if sr / fmin >= frame_length - 1:
        raise ParameterError(
            f"fmin={fmin:.3f} is too small for frame_length={frame_length} and sr={sr}. "
            f"Either increase to fmin={sr / (frame_length - 1):.3f} or "
            f"frame_length={int(np.ceil(sr / fmin) + 1)}")
    if sr / fmin >= frame_length // 2:
        warn_user(f"With fmin={fmin:.3f}, sr={sr} and frame_length={frame_length}, less than two periods of fmin "
                  "fit into the frame, which can cause inaccurate pitch detection. Consider increasing to "
                  f"fmin={sr / (frame_length / 2):.3f} or frame_length={int(np.ceil(sr / fmin) * 2 + 1)}.")
    return sr, fmin, fmax, frame_length


def _frames(y: Any, frame_length: int, hop_length: int, center: bool, pad_mode: str) -> Any:
    """``y`` framed as ``(..., n_frames, frame_length)`` (zero/edge/reflect-padded by half a frame if centred)."""
    return B.frames(_padded(y, frame_length, center, pad_mode), frame_length, hop_length)


def _padded(y: Any, frame_length: int, center: bool, pad_mode: str) -> Any:
    """``y`` padded by half a frame on each side if centred; at least one frame long."""
    if center:
        y = B.pad(y, frame_length // 2, frame_length // 2, mode=pad_mode)
    if y.shape[-1] < frame_length:
        raise ParameterError(f"input is too short (n={y.shape[-1]}) for frame_length={frame_length}"
                             + ("" if center else " with center=False"))
    return y


def _frame_acf(frames: Any, max_lag: int, workers: int | None = None) -> Any:
    """Autocorrelation of each frame (last axis) at lags ``0..max_lag``, via an FFT of ``frame + max_lag``
    samples (not twice the frame: longer lags are never needed).

    On numpy the inverse transform of the (real, even) power spectrum is a DCT-I, which scipy computes
    about 1.5x faster than the inverse real FFT; torch tensors use ``irfft``.
    """
    n = frames.shape[-1]
    n_pad = scipy.fft.next_fast_len(n + max_lag, real=True)
    n_pad += n_pad % 2
    if B.is_torch(frames):
        return B.irfft(B.abs2(B.rfft(frames, n_pad)), n_pad)[..., : max_lag + 1]
    # zero-padded copy made here (the FFT would make one anyway): writable, so any FFT backend takes it
    padded = np.zeros(frames.shape[:-1] + (n_pad,), dtype=frames.dtype)
    padded[..., :n] = frames
    power = B.abs2(B.rfft(padded, workers=workers))
    workers = B.get_num_threads() if workers is None else workers
    acf = scipy.fft.dct(power, type=1, axis=-1, workers=workers)[..., : max_lag + 1]
    acf *= 1.0 / n_pad
    return acf


def _cmnd(frames: Any, min_period: int, max_period: int, workers: int | None = None) -> Any:
    """Cumulative mean normalised difference (librosa's formula) ``(..., n_frames, max_period - min_period + 1)``.

    ``d(k) = 2 (r(0) - r(k)) - sum_{m < k} y(m)^2`` (with librosa's convention that the energy term of lag 1
    is zero), then ``d(k) / mean(d(1..k))`` for ``k`` in ``[min_period, max_period]``.
    """
    acf = _frame_acf(frames, max_period, workers)
    return _cmnd_from_acf(acf, frames[..., :max_period], min_period, max_period)


def _cmnd_from_acf(acf: Any, head: Any, min_period: int, max_period: int) -> Any:
    """:func:`_cmnd` from each frame's autocorrelation at lags ``0..max_period`` and its first ``max_period``
    samples ``head``."""
    xp = B.namespace(acf)
    # in-place steps: each pass over (frames x lags) allocates nothing new (both numpy and torch)
    energy = xp.cumsum(head ** 2, axis=-1)  # energy[k-1] = sum_{m<=k-1} y(m)^2
    energy[..., 0] = 0  # lag 1 subtracts 0 (librosa)
    diff = acf[..., :1] - acf[..., 1:]  # lags 1..max_period
    diff *= 2
    diff -= energy
    k = xp.arange(1, max_period + 1, dtype=diff.dtype)
    if B.is_torch(diff):
        k = k.to(diff.device)
    mean = xp.cumsum(diff, axis=-1)
    mean /= k
    tiny = float(np.finfo(np.float32 if diff.dtype == xp.float32 else np.float64).tiny)
    mean = mean[..., min_period - 1:]
    mean += tiny
    return diff[..., min_period - 1:] / mean


# --------------------------------------------------------------------------------------------------
# the difference function from blocks that overlapping frames share
# --------------------------------------------------------------------------------------------------
_SPAN_FRAMES = 256  # frames per numpy task of _map_frame_spans: its spectra and lags stay in cache


def _shares_blocks(frame_length: int, hop_length: int, max_lag: int) -> bool:
    """Whether :func:`_shared_block_acf` applies: frames made of whole hops, lags no longer than a hop."""
    return hop_length < frame_length and frame_length % hop_length == 0 and max_lag <= hop_length


@cached
def _hop_phase(hop_length: int, n_fft: int) -> np.ndarray:
    """``exp(-2 pi i f hop / n_fft)``, ``f = 0..n_fft/2``: delays a block's spectrum by one hop."""
    if 2 * hop_length == n_fft:  # (-1)^f, exactly
        return B.frozen((1.0 - 2.0 * (np.arange(n_fft // 2 + 1) % 2)).astype(np.complex128))
    return B.frozen(np.exp(-2j * np.pi * hop_length / n_fft * np.arange(n_fft // 2 + 1)))


def _shared_block_acf(blocks: Any, n_frames: int, per_frame: int, max_lag: int, workers: int | None = None) -> Any:
    """Autocorrelation at lags ``0..max_lag`` of ``n_frames`` frames, frame ``t`` being the ``per_frame``
    consecutive hop-long ``blocks[..., t : t + per_frame, :]``, from one FFT per block instead of one per
    frame (see :func:`_shares_blocks` for when it applies).

    For a lag ``k <= hop`` the product ``y(m) y(m + k)`` of a sample in block ``b`` reaches at most into
    block ``b + 1``, so a frame's autocorrelation is the sum of its blocks' own autocorrelations plus the
    cross-correlations of each block with the next one inside the frame. With ``F_b`` the spectrum of block
    ``b`` zero-padded to ``n >= 2 hop`` samples (no circular wrap-around at these lags), frame ``t``'s is the
    inverse transform of ``sum_{b=t}^{t+P-1} |F_b|^2 + e^{-i w hop} sum_{b=t}^{t+P-2} conj(F_b) F_{b+1}``.
    Each block is transformed once (not ``P`` times), at about half the length of a per-frame transform.
    """
    xp = B.namespace(blocks)
    hop = blocks.shape[-1]
    n_fft = scipy.fft.next_fast_len(2 * hop, real=True)
    n_fft += n_fft % 2
    spec = B.rfft(blocks, n_fft, workers)
    power = B.abs2(spec)
    total = power[..., :n_frames, :] + power[..., 1 : n_frames + 1, :]
    for j in range(2, per_frame):
        total += power[..., j : j + n_frames, :]
    cross = xp.conj(spec[..., :-1, :]) * spec[..., 1:, :]  # block b with block b + 1
    if per_frame > 2:
        summed = cross[..., :n_frames, :] + cross[..., 1 : n_frames + 1, :]
        for j in range(2, per_frame - 1):
            summed += cross[..., j : j + n_frames, :]
    else:
        summed = cross
    summed *= B.const(_hop_phase(hop, n_fft), spec)
    summed += total
    return B.irfft(summed, n_fft, workers)[..., : max_lag + 1]


def _span_cmnd(x: Any, n_frames: int, frame_length: int, hop_length: int, min_period: int, max_period: int,
               workers: int | None = None) -> Any:
    """:func:`_cmnd` of the ``n_frames`` frames of the span ``x``, by :func:`_shared_block_acf`."""
    per_frame = frame_length // hop_length
    n_blocks = n_frames + per_frame - 1
    blocks = x[..., : n_blocks * hop_length].reshape((*x.shape[:-1], n_blocks, hop_length))
    acf = _shared_block_acf(blocks, n_frames, per_frame, max_period, workers)
    # a frame's first max_period <= hop samples lie in its first block
    return _cmnd_from_acf(acf, blocks[..., :n_frames, :max_period], min_period, max_period)


def _map_frame_spans(kernel: Callable[[Any, int, Any], Any], x: Any, frame_length: int, hop_length: int) -> Any:
    """``kernel(span, m, workers) -> (..., m)`` for the frames of a signal ``x`` (``(..., n)``, already
    padded), collected into ``(..., n_frames)``.

    The kernel gets a contiguous slice of ``x`` that holds ``m`` consecutive frames, so that frames can share
    the blocks they overlap on. numpy: spans of :data:`_SPAN_FRAMES` frames run on audiofeat's thread pool,
    one FFT thread each (small spans keep every intermediate in cache and out of fresh memory); torch: one
    call.
    """
    *lead, n = x.shape
    n_frames = 1 + (n - frame_length) // hop_length
    if B.is_torch(x):
        if x.numel() == 0:
            return x.new_zeros((*lead, n_frames))
        return kernel(x, n_frames, None)
    items = x.reshape(-1, n)
    out = np.empty((items.shape[0], n_frames), dtype=x.dtype)
    from .phase_analysis import even_spans

    tasks = [(i, s, e) for i in range(items.shape[0]) for s, e in even_spans(n_frames, _SPAN_FRAMES)]

    def run(task: int) -> None:
        i, s, e = tasks[task]
        out[i, s:e] = kernel(items[i, s * hop_length : (e - 1) * hop_length + frame_length], e - s, 1)

    B.parallel_for(run, len(tasks))
    return out.reshape((*lead, n_frames))


def _parabolic_shift(x: Any) -> Any:
    """Offset of the parabola through each point and its neighbours along the last axis (librosa's rule:
    0 where the optimum would leave ``[i - 1, i + 1]``, and at both ends)."""
    xp = B.namespace(x)
    left, mid, right = x[..., :-2], x[..., 1:-1], x[..., 2:]
    a = right + left - 2 * mid
    b = (right - left) / 2
    ok = xp.abs(b) < xp.abs(a)
    shift = xp.where(ok, -b / xp.where(ok, a, xp.ones_like(a)), xp.zeros_like(a))
    zero = xp.zeros_like(x[..., :1])
    return xp.concat([zero, shift, zero], axis=-1)


def _troughs(x: Any) -> Any:
    """librosa's ``localmin`` along the last axis (``x[i] < x[i-1]`` and ``x[i] <= x[i+1]``, edges padded
    with themselves), with the first point a trough when it is below the second."""
    xp = B.namespace(x)
    first = x[..., :1] < x[..., 1:2]
    inner = (x[..., 1:-1] < x[..., :-2]) & (x[..., 1:-1] <= x[..., 2:])
    last = x[..., -1:] < x[..., -2:-1]
    return xp.concat([first, inner, last], axis=-1)


def _periods(sr: float, fmin: float, fmax: float, frame_length: int) -> tuple[int, int]:
    min_period = int(np.floor(sr / fmax))
    max_period = min(int(np.ceil(sr / fmin)), frame_length - 1)
    return min_period, max_period


def _hop(hop_length: Any, frame_length: int) -> int:
    return frame_length // 4 if hop_length is None else check_int("hop_length", hop_length)


def _deprecated_win_length(win_length: Any) -> None:
    if win_length is not None:
        warn_user("The win_length parameter has been deprecated in version 0.11.0 and has no effect. "
                  "It will be removed in version 1.0.0.", FutureWarning)


@capabilities(librosa="librosa.yin", autograd=False, compile=False)
def yin(
    y: Any,
    *,
    fmin: float,
    fmax: float,
    sr: float = 22050,
    frame_length: int = 2048,
    win_length: Any = None,
    hop_length: int | None = None,
    trough_threshold: float = 0.1,
    center: bool = True,
    pad_mode: str = "constant",
) -> Any:
    """Fundamental frequency per frame by YIN (librosa-compatible).

    The cumulative mean normalised difference function is computed for every frame; its first trough below
    ``trough_threshold`` (else its global minimum) is the period, refined by parabolic interpolation.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio; leading axes are batch/channels.
    fmin, fmax : float
        Lowest and highest frequency searched (Hz); ``0 < fmin < fmax <= sr / 2``.
    sr : float
        Sample rate.
    frame_length : int
        Frame size in samples (at least one period of ``fmin`` must fit).
    win_length : deprecated
        Has no effect (as in librosa 0.11; a FutureWarning if given).
    hop_length : int or None
        Frame step (``frame_length // 4`` if None).
    trough_threshold : float
        Absolute threshold on the normalised difference.
    center : bool
        Pad by half a frame on each side so frame ``t`` is centred at ``y[t * hop_length]``.
    pad_mode : str
        Padding mode when ``center``.

    Returns
    -------
    f0 : shape (..., n_frames), Hz, the input's float dtype.

    Raises
    ------
    ParameterError
        Infeasible ``fmin``/``fmax``/``frame_length``, or a signal shorter than a frame.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 220 * np.arange(22050) / 22050)
    >>> f0 = audiofeat.yin(y, fmin=80, fmax=800, sr=22050)
    >>> round(float(np.median(f0)))
    220
    """
    _deprecated_win_length(win_length)
    sr, fmin, fmax, frame_length = _check_yin_params(sr, fmin, fmax, frame_length)
    hop_length = _hop(hop_length, frame_length)
    trough_threshold = check_number("trough_threshold", trough_threshold)
    y = B.as_float_signal(y)
    min_period, max_period = _periods(sr, fmin, fmax, frame_length)
    y = _padded(y, frame_length, center, pad_mode)
    if _shares_blocks(frame_length, hop_length, max_period):
        def span(x: Any, n: int, workers: Any) -> Any:
            cmnd = _span_cmnd(x, n, frame_length, hop_length, min_period, max_period, workers)
            return _yin_period(cmnd, min_period, trough_threshold)

        period = _map_frame_spans(span, y, frame_length, hop_length)
    else:
        frames = B.frames(y, frame_length, hop_length)

        def kernel(block: Any) -> Any:
            # the whole per-frame chain on one block of frames: on numpy, blocks of ~1 MiB of frames run on
            # audiofeat's thread pool and every intermediate (padded frames, spectrum, lags) stays in cache
            cmnd = _cmnd(block, min_period, max_period, workers=1)
            return _yin_period(cmnd, min_period, trough_threshold)[..., None]

        period = B.map_frame_blocks(kernel, frames, (1,), frames.dtype)[..., 0]
    return sr / period


def _yin_period(cmnd: Any, min_period: int, trough_threshold: float) -> Any:
    """The period (fractional lag) that YIN picks in each row of ``cmnd``: the first trough (librosa's
    ``localmin``: below the left neighbour, not above the right one; the first point when below the
    second) below ``trough_threshold``, else the global minimum, refined by librosa's parabolic shift."""
    xp = B.namespace(cmnd)
    n_lags = cmnd.shape[-1]
    below = cmnd < trough_threshold
    below[..., 1:-1] &= (cmnd[..., 1:-1] < cmnd[..., :-2]) & (cmnd[..., 1:-1] <= cmnd[..., 2:])
    below[..., 0] &= cmnd[..., 0] < cmnd[..., 1]
    below[..., -1] &= cmnd[..., -1] < cmnd[..., -2]
    first = xp.argmax(below if not B.is_torch(below) else xp.astype(below, xp.int8), axis=-1)
    idx = xp.where(xp.any(below, axis=-1), first, xp.argmin(cmnd, axis=-1))
    from .sequence import _gather

    # the parabolic shift at the chosen lag only (librosa computes it at every lag, then picks one); both
    # ends get none, so their out-of-range neighbour is replaced by the point itself
    inner_left = xp.astype(idx > 0, idx.dtype)
    inner_right = xp.astype(idx < n_lags - 1, idx.dtype)
    at = xp.stack([idx - inner_left, idx, idx + inner_right], axis=-1)
    left, mid, right = xp.unstack(_gather(cmnd, at, -1), axis=-1)
    a = right + left - 2 * mid
    b = (right - left) / 2
    ok = (xp.abs(b) < xp.abs(a)) & (inner_left == inner_right)
    shift = xp.where(ok, -b / xp.where(ok, a, xp.ones_like(a)), xp.zeros_like(a))
    return xp.astype(idx, cmnd.dtype) + min_period + shift


# --------------------------------------------------------------------------------------------------
# pYIN
# --------------------------------------------------------------------------------------------------
def _beta_probs(n_thresholds: int, beta_parameters: tuple) -> tuple[np.ndarray, np.ndarray]:
    import scipy.stats

    thresholds = np.linspace(0, 1, n_thresholds + 1)
    cdf = scipy.stats.beta.cdf(thresholds, beta_parameters[0], beta_parameters[1])
    return thresholds, np.diff(cdf)


def _trough_probs(cmnd: np.ndarray, thresholds: np.ndarray, beta_probs: np.ndarray, boltzmann: float,
                  no_trough_prob: float) -> np.ndarray:
    """pYIN's probability of each trough being the period, all frames at once: ``(frames, lags)``.

    As the pYIN software (and librosa): for each threshold of the beta prior, the troughs below it share
    its mass by a Boltzmann prior on their rank (smaller periods first); if none is below it, the global
    minimum gets ``no_trough_prob`` of it.
    """
    n_frames, n_lags = cmnd.shape
    n_thr = beta_probs.size
    trough = _troughs(cmnd)
    heights = np.where(trough, cmnd, np.inf)
    gmin = np.argmin(heights, axis=-1)
    has = np.isfinite(heights[np.arange(n_frames), gmin])
    # number of thresholds (thresholds[1:]) that each value is NOT below
    level = np.searchsorted(thresholds[1:], cmnd, side="right")
    keep = trough & (level < n_thr)
    out = np.zeros_like(cmnd)
    rows, cols = np.nonzero(keep)  # every kept trough, frame by frame in period order (ragged, no padding)
    if rows.size:
        lev = level[rows, cols].astype(np.int16)
        counts = np.bincount(rows, minlength=n_frames)
        ends = np.cumsum(counts)
        below = np.arange(n_thr, dtype=np.int16)[None, :] >= lev[:, None]  # (troughs, thresholds)
        run = np.cumsum(below, axis=0, dtype=np.int32)  # troughs below each threshold so far (all frames)
        # running count at the end of the previous frame with troughs
        last = np.maximum.accumulate(np.where(counts > 0, np.arange(n_frames), -1))
        prev_end = np.concatenate([[-1], last[:-1]])
        base = np.where(prev_end[:, None] >= 0, run[ends[np.maximum(prev_end, 0)] - 1], 0)  # (frames, thr)
        n_below = np.where(counts[:, None] > 0, run[np.maximum(ends - 1, 0)] - base, 0)  # per frame and threshold
        q = math.exp(-boltzmann)
        width = int(counts.max())
        powers = np.exp(-boltzmann * np.arange(width + 1))
        norm = np.zeros(width + 1)
        norm[1:] = (1 - q) / (1 - np.exp(-boltzmann * np.arange(1, width + 1)))
        weight = beta_probs[None, :] * norm[n_below]  # (frames, thresholds)
        pos = run - base[rows] - 1  # rank among the frame's troughs below the threshold
        prior = powers[np.maximum(pos, 0)] * below
        out[rows, cols] = np.einsum("kj,kj->k", prior, weight[rows])
    # thresholds below the global minimum trough: no_trough_prob of their mass goes to it
    cum = np.concatenate([[0.0], np.cumsum(beta_probs)])
    f = np.flatnonzero(has)
    g = gmin[f]
    out[f, g] += no_trough_prob * cum[np.minimum(level[f, g], n_thr)]
    return out


@capabilities(librosa="librosa.pyin", autograd=False, compile=False,
              note="The difference function runs on the input's backend and device; the candidate "
                   "probabilities and the Viterbi decoding run on numpy (host), batched over items.")
def pyin(
    y: Any,
    *,
    fmin: float,
    fmax: float,
    sr: float = 22050,
    frame_length: int = 2048,
    win_length: Any = None,
    hop_length: int | None = None,
    n_thresholds: int = 100,
    beta_parameters: tuple[float, float] = (2, 18),
    boltzmann_parameter: float = 2,
    resolution: float = 0.1,
    max_transition_rate: float = 35.92,
    switch_prob: float = 0.01,
    no_trough_prob: float = 0.01,
    fill_na: float | None = np.nan,
    center: bool = True,
    pad_mode: str = "constant",
) -> tuple[Any, Any, Any]:
    """Fundamental frequency and voicing per frame by probabilistic YIN (librosa-compatible).

    Every trough of the YIN difference function becomes a pitch candidate with a probability (a beta prior
    over thresholds, a Boltzmann prior over troughs); a Viterbi pass over pitch bins (``resolution`` of a
    semitone) times voiced/unvoiced picks the most likely track, moving at most ``max_transition_rate``
    octaves a second. The candidate probabilities are computed for all frames at once and the decoding uses
    the banded structure of the transition matrix (see :func:`audiofeat.sequence._viterbi_pyin`): many times
    faster than librosa 0.11 (``benchmarks/bench_pitch.py``) with the same decisions on every test clip.

    Deliberate differences from librosa: a voiced pitch bin with zero observation likelihood is treated as
    impossible (librosa: log(tiny) = -708, which never wins on real audio); with ``fill_na=None`` the
    best-guess pitch of a few unvoiced frames can differ by a bin or two where librosa's path scores tie
    to rounding.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio; leading axes are batch/channels.
    fmin, fmax : float
        Lowest and highest frequency (Hz).
    sr : float
        Sample rate.
    frame_length : int
        Frame size in samples.
    win_length : deprecated
        Has no effect (as in librosa 0.11).
    hop_length : int or None
        Frame step (``frame_length // 4`` if None).
    n_thresholds : int
        Number of thresholds of the beta prior.
    beta_parameters : (float, float)
        Shape of the beta prior over thresholds.
    boltzmann_parameter : float
        Shape of the Boltzmann prior over troughs (larger favours shorter periods).
    resolution : float in (0, 1)
        Pitch bin size in semitones.
    max_transition_rate : float
        Largest pitch change in octaves per second.
    switch_prob : float in (0, 1)
        Probability of switching between voiced and unvoiced.
    no_trough_prob : float in (0, 1)
        Mass given to the global minimum for thresholds with no trough below.
    fill_na : float, None or nan
        f0 of unvoiced frames (None: the decoded unvoiced pitch bin, as librosa).
    center, pad_mode :
        As in :func:`yin`.

    Returns
    -------
    f0 : shape (..., n_frames), Hz
    voiced_flag : shape (..., n_frames), bool
    voiced_prob : shape (..., n_frames)

    Raises
    ------
    ParameterError
        Infeasible parameters (as :func:`yin`), ``resolution``/probabilities out of range.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 220 * np.arange(22050) / 22050)
    >>> f0, voiced, prob = audiofeat.pyin(y, fmin=80, fmax=800, sr=22050)
    >>> round(float(np.nanmedian(f0)), 0), bool(voiced[5:-5].all())
    (220.0, True)
    """
    _deprecated_win_length(win_length)
    sr, fmin, fmax, frame_length = _check_yin_params(sr, fmin, fmax, frame_length)
    hop_length = _hop(hop_length, frame_length)
    n_thresholds = check_int("n_thresholds", n_thresholds)
    resolution = check_number("resolution", resolution, minimum=0, strict=True)
    if resolution >= 1:
        raise ParameterError(f"resolution={resolution} must be in (0, 1)")
    for name, value in (("switch_prob", switch_prob), ("no_trough_prob", no_trough_prob)):
        v = check_number(name, value)
        if not 0 <= v <= 1:
            raise ParameterError(f"{name}={value} must be in [0, 1]")
    boltzmann_parameter = check_positive("boltzmann_parameter", boltzmann_parameter)
    max_transition_rate = check_positive("max_transition_rate", max_transition_rate)
    if len(tuple(beta_parameters)) != 2:
        raise ParameterError(f"beta_parameters={beta_parameters} must be two positive numbers")
    beta_parameters = tuple(check_positive("beta_parameters", b) for b in beta_parameters)
    fill_na = check_number("fill_na", fill_na, allow_none=True) if fill_na is not None and \
        not (isinstance(fill_na, float) and math.isnan(fill_na)) else fill_na

    y = B.as_float_signal(y)
    min_period, max_period = _periods(sr, fmin, fmax, frame_length)
    cmnd_x = _cmnd(_frames(y, frame_length, hop_length, center, pad_mode), min_period, max_period)
    lead = tuple(cmnd_x.shape[:-2])
    n_frames = cmnd_x.shape[-2]
    cmnd = np.asarray(B.to_numpy(cmnd_x), dtype=np.float64).reshape(-1, n_frames, cmnd_x.shape[-1])
    items = cmnd.shape[0]
    shifts = _parabolic_shift(cmnd)

    thresholds, beta_probs = _beta_probs(n_thresholds, beta_parameters)
    bins_per_semitone = int(np.ceil(1.0 / resolution))
    n_bins = int(np.floor(12 * bins_per_semitone * np.log2(fmax / fmin))) + 1
    probs = _trough_probs(cmnd.reshape(-1, cmnd.shape[-1]), thresholds, beta_probs, boltzmann_parameter,
                          float(no_trough_prob)).reshape(cmnd.shape)
    # candidates in librosa's order (item, period, frame): a later candidate in the same bin overwrites
    item, period, frame = np.nonzero(probs.transpose(0, 2, 1))
    f0_cand = sr / (min_period + period + shifts[item, frame, period])
    bin_index = 12 * bins_per_semitone * np.log2(f0_cand / fmin)
    bin_index = np.clip(np.round(bin_index), 0, n_bins).astype(int)
    obs_v = np.zeros((items, n_frames, n_bins + 1))
    obs_v[item, frame, bin_index] = probs[item, frame, period]
    obs_v = obs_v[..., :n_bins]
    voiced_prob = np.clip(obs_v.sum(axis=-1), 0, 1)
    lp_u = np.log((1 - voiced_prob) / n_bins + np.finfo(np.float64).tiny)

    from .sequence import _viterbi_pyin

    max_semitones = round(max_transition_rate * 12 * hop_length / sr)
    width = max_semitones * bins_per_semitone + 1
    states = _viterbi_pyin(obs_v, lp_u, n_bins, width, float(switch_prob))

    freqs = fmin * 2 ** (np.arange(n_bins) / (12 * bins_per_semitone))
    f0 = freqs[states % n_bins]
    voiced = states < n_bins
    if fill_na is not None:
        f0[~voiced] = fill_na
    shape = lead + (n_frames,)
    f0, voiced, voiced_prob = f0.reshape(shape), voiced.reshape(shape), voiced_prob.reshape(shape)
    if B.is_torch(y):
        import torch

        return (torch.as_tensor(f0, dtype=y.dtype, device=y.device), torch.as_tensor(voiced, device=y.device),
                torch.as_tensor(voiced_prob, dtype=y.dtype, device=y.device))
    return f0.astype(y.dtype), voiced, voiced_prob.astype(y.dtype)


# --------------------------------------------------------------------------------------------------
# spectral peaks and tuning
# --------------------------------------------------------------------------------------------------
def _gradient(x: Any) -> Any:
    """``np.gradient`` along axis -2 (central differences, one-sided at the ends)."""
    xp = B.namespace(x)
    if x.shape[-2] < 2:
        raise ParameterError("piptrack needs at least two frequency bins")
    first = x[..., 1:2, :] - x[..., :1, :]
    last = x[..., -1:, :] - x[..., -2:-1, :]
    mid = (x[..., 2:, :] - x[..., :-2, :]) / 2
    return xp.concat([first, mid, last], axis=-2)


@capabilities(librosa="librosa.piptrack", autograd=False, compile=False)
def piptrack(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    n_fft: int | None = 2048,
    hop_length: int | None = None,
    fmin: float = 150.0,
    fmax: float = 4000.0,
    threshold: float = 0.1,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    ref: float | Callable | None = None,
) -> tuple[Any, Any]:
    """Spectral peaks with parabolically interpolated frequency (librosa-compatible).

    A bin is a peak when it is a local maximum over frequency, above ``threshold * ref`` (the frame's
    maximum by default) and within ``[fmin, fmax)``.

    Parameters
    ----------
    y : array, shape (..., n), optional
        Audio (or give ``S``).
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        Magnitude (or power) spectrogram.
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT parameters when ``y`` is given.
    fmin, fmax : float
        Frequency range (Hz).
    threshold : float
        Relative threshold.
    ref : float, callable or None
        Reference: a value, or ``ref(S, axis=-2)`` (``np.max``/``torch.amax``-like); None is the per-frame max.

    Returns
    -------
    pitches, magnitudes : shape (..., 1 + n_fft // 2, t)
        Interpolated frequency and magnitude at each peak, 0 elsewhere.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> pitches, mags = audiofeat.piptrack(y=y, sr=22050)
    >>> f = pitches[:, 10][mags[:, 10].argmax()]
    >>> bool(abs(f - 440) < 3)
    True
    """
    from .shorttime import stft

    sr = check_positive("sr", sr)
    threshold = check_number("threshold", threshold)
    if S is not None:
        from ._checks import check_spectrogram

        S = check_spectrogram(S, finite=False)
        if n_fft is None or n_fft // 2 + 1 != S.shape[-2]:
            n_fft = 2 * (S.shape[-2] - 1)
    elif y is None:
        raise ParameterError("either y (audio) or S (a spectrogram) must be given")
    else:
        S = stft(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window, center=center,
                 pad_mode=pad_mode)
    xp = B.namespace(S)
    S = xp.abs(S)
    fmin = max(float(fmin), 0.0)
    fmax = min(float(fmax), sr / 2)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)[: S.shape[-2]]
    avg = _gradient(S)
    shift = xp.moveaxis(_parabolic_shift(xp.moveaxis(S, -2, -1)), -1, -2)
    dskew = 0.5 * avg * shift
    if ref is None:
        ref_value = threshold * xp.max(S, axis=-2, keepdims=True)
    elif callable(ref):
        ref_value = threshold * xp.expand_dims(ref(S, axis=-2), axis=-2)
    else:
        ref_value = abs(check_number("ref", ref))
    masked = S * xp.astype(S > ref_value, S.dtype)
    # librosa's util.localmax along frequency: x[i] > x[i-1] and x[i] >= x[i+1], ends padded with themselves
    first = masked[..., :1, :] > masked[..., :1, :]
    inner = (masked[..., 1:-1, :] > masked[..., :-2, :]) & (masked[..., 1:-1, :] >= masked[..., 2:, :])
    last = masked[..., -1:, :] > masked[..., -2:-1, :]
    peak = xp.concat([first, inner, last], axis=-2)
    band = B.from_numpy(((fmin <= freqs) & (freqs < fmax))[:, None], S, dtype=xp.bool)
    idx = peak & band
    bins = B.from_numpy(np.arange(S.shape[-2], dtype=np.float64)[:, None], S)
    zeros = xp.zeros_like(S)
    pitches = xp.where(idx, (bins + shift) * (float(sr) / n_fft), zeros)
    mags = xp.where(idx, S + dskew, zeros)
    return pitches, mags


@capabilities(librosa="librosa.pitch_tuning", torch=False, batch=False,
              note="Accepts torch tensors (converted at the boundary); returns a float, as librosa.")
def pitch_tuning(frequencies: Any, *, resolution: float = 0.01, bins_per_octave: int = 12) -> float:
    """Tuning offset (fraction of a bin, in ``[-0.5, 0.5)``) of a set of frequencies from A440.

    The histogram peak of each frequency's distance to the nearest bin of an equal-tempered scale.

    Parameters
    ----------
    frequencies : array-like
        Frequencies (Hz); values <= 0 are ignored.
    resolution : float in (0, 1)
        Histogram resolution as a fraction of a bin (0.01 is a cent for semitone bins).
    bins_per_octave : int
        Bins per octave.

    Returns
    -------
    tuning : float

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> float(audiofeat.pitch_tuning(440.0 * 2.0 ** (np.array([0.25, 12.25, 7.25]) / 12)))
    0.25
    """
    resolution = check_number("resolution", resolution, minimum=0, strict=True)
    if resolution >= 1:
        raise ParameterError(f"resolution={resolution} must be in (0, 1)")
    bins_per_octave = check_int("bins_per_octave", bins_per_octave)
    frequencies = np.atleast_1d(np.asarray(B.to_numpy(frequencies) if B.is_torch(frequencies) else frequencies,
                                           dtype=np.float64))
    frequencies = frequencies[frequencies > 0]
    if not np.any(frequencies):
        warn_user("Trying to estimate tuning from empty frequency set.")
        return np.float64(0.0)
    residual = np.mod(bins_per_octave * np.log2(frequencies / (440.0 / 16)), 1.0)
    residual[residual >= 0.5] -= 1.0
    bins = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    counts, tuning = np.histogram(residual, bins)
    return np.float64(tuning[np.argmax(counts)])  # a numpy scalar, as librosa


@capabilities(librosa="librosa.estimate_tuning", torch=False, batch=False,
              note="Accepts torch tensors (piptrack runs on their device); one float for the whole input "
                   "(all channels), as librosa.")
def estimate_tuning(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    n_fft: int | None = 2048,
    resolution: float = 0.01,
    bins_per_octave: int = 12,
    **kwargs: Any,
) -> float:
    """Tuning offset of audio or a spectrogram from A440, in fractions of a bin (librosa-compatible).

    :func:`piptrack` peaks at or above the median peak magnitude go to :func:`pitch_tuning`.

    Parameters
    ----------
    y : array, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    S : array, shape (..., d, t), optional
        Magnitude or power spectrogram.
    n_fft : int or None
        FFT size when ``y`` is given.
    resolution : float in (0, 1)
        Resolution as a fraction of a bin.
    bins_per_octave : int
        Bins per octave.
    **kwargs
        Passed to :func:`piptrack`.

    Returns
    -------
    tuning : float in ``[-0.5, 0.5)``

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * 2 ** (0.2 / 12) * np.arange(22050) / 22050)
    >>> round(float(audiofeat.estimate_tuning(y=y, sr=22050)), 1)
    0.2
    """
    if S is None and y is not None and not kwargs and n_fft is not None and not B.is_torch(y):
        # from audio with piptrack's defaults: the peaks of |STFT| picked without the dense (pitch, mag) grids
        from .descriptors import _piptrack_peaks, _tuning_from_peaks
        from .shorttime import stft

        mag_s = np.abs(stft(B.as_float_signal(y), n_fft=n_fft))  # (..., d, t), piptrack's spectrogram
        frames = np.ascontiguousarray(np.moveaxis(mag_s, -1, -2).reshape(-1, mag_s.shape[-2]))
        return np.float64(_tuning_from_peaks(*_piptrack_peaks(frames, sr, n_fft), bins_per_octave, resolution))
    pitch, mag = piptrack(y=y, sr=sr, S=S, n_fft=n_fft, **kwargs)
    pitch = np.asarray(B.to_numpy(pitch))
    mag = np.asarray(B.to_numpy(mag))
    mask = pitch > 0
    threshold = np.median(mag[mask]) if mask.any() else 0.0
    return pitch_tuning(pitch[(mag >= threshold) & mask], resolution=resolution, bins_per_octave=bins_per_octave)


# --------------------------------------------------------------------------------------------------
# harmonicity
# --------------------------------------------------------------------------------------------------
def _hann_acf(frame_length: int, n_pad: int, max_lag: int) -> np.ndarray:
    w = np.hanning(frame_length + 2)[1:-1]  # strictly positive symmetric Hann
    r = np.fft.irfft(np.abs(np.fft.rfft(w, n_pad)) ** 2, n_pad)[: max_lag + 1]
    return B.frozen(r / r[0])


@capabilities(librosa=None, autograd=True, compile=False)
def hnr(
    y: Any,
    *,
    sr: float = 22050,
    fmin: float = 75.0,
    fmax: float = 1000.0,
    frame_length: int = 2048,
    hop_length: int | None = None,
    center: bool = True,
    pad_mode: str = "constant",
    min_db: float = -20.0,
    max_db: float = 60.0,
) -> Any:
    """Harmonics-to-noise ratio per frame (dB), from the normalised autocorrelation peak (Boersma 1993).

    Each frame is Hann-windowed and mean-removed; its autocorrelation is normalised by ``r(0)`` and divided
    by the window's own normalised autocorrelation (which undoes the window's taper of the long lags). With
    ``r_max`` the highest value over lags ``sr / fmax .. sr / fmin`` (refined by a parabola through the peak),
    the periodic part carries ``r_max`` of the energy and the noise ``1 - r_max``::

        HNR = 10 log10(r_max / (1 - r_max)),   clipped to [min_db, max_db]

    A pure periodic frame gives ``max_db``; white noise around -10..0 dB; a sine at SNR ``s`` dB in white
    noise about ``s``. Silent frames give ``min_db``.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio; leading axes are batch/channels.
    sr : float
        Sample rate.
    fmin, fmax : float
        Range of fundamental frequencies searched (Hz); ``frame_length`` should hold 3 periods of ``fmin``.
    frame_length : int
        Frame size in samples.
    hop_length : int or None
        Frame step (``frame_length // 4`` if None).
    center, pad_mode :
        As in :func:`yin`.
    min_db, max_db : float
        Output range.

    Returns
    -------
    hnr : shape (..., n_frames), dB, the input's float dtype.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> t = np.arange(22050) / 22050
    >>> tone = np.sin(2 * np.pi * 200 * t)
    >>> noise = np.random.default_rng(0).standard_normal(22050)
    >>> bool(np.median(audiofeat.hnr(tone, sr=22050)) > 30), bool(np.median(audiofeat.hnr(noise, sr=22050)) < 0)
    (True, True)
    """
    sr = check_positive("sr", sr)
    fmin = check_positive("fmin", fmin)
    fmax = check_positive("fmax", fmax)
    frame_length = check_int("frame_length", frame_length, minimum=4)
    hop_length = _hop(hop_length, frame_length)
    min_db = check_number("min_db", min_db)
    max_db = check_number("max_db", max_db)
    if min_db >= max_db:
        raise ParameterError(f"min_db={min_db} must be below max_db={max_db}")
    if fmin >= fmax or fmax > sr / 2:
        raise ParameterError(f"need 0 < fmin < fmax <= sr/2, got fmin={fmin}, fmax={fmax}, sr={sr}")
    min_lag = max(1, int(np.floor(sr / fmax)))
    max_lag = int(np.ceil(sr / fmin))
    if max_lag + 1 >= frame_length:
        raise ParameterError(f"fmin={fmin} is too low for frame_length={frame_length} at sr={sr}: "
                             f"use frame_length > {max_lag + 1}")
    y = B.as_float_signal(y)
    xp = B.namespace(y)
    fr = _frames(y, frame_length, hop_length, center, pad_mode)
    fr = fr - xp.mean(fr, axis=-1, keepdims=True)
    n_pad = scipy.fft.next_fast_len(frame_length + max_lag + 1, real=True)
    win = B.const(np.hanning(frame_length + 2)[1:-1], fr)
    acf = B.irfft(B.abs2(B.rfft(fr * win, n_pad)), n_pad)[..., : max_lag + 2]
    r0 = acf[..., :1]
    wacf = B.const(_hann_acf(frame_length, n_pad, max_lag + 1), fr)
    tiny = float(np.finfo(np.float32 if fr.dtype == xp.float32 else np.float64).tiny)
    r = acf / (r0 * wacf + tiny)
    seg = r[..., min_lag - 1: max_lag + 2]  # one lag either side for the parabola
    inner = seg[..., 1:-1]
    k = xp.argmax(inner, axis=-1)[..., None]
    from .sequence import _gather

    left = _gather(seg, k, -1)[..., 0]
    mid = _gather(seg, k + 1, -1)[..., 0]
    right = _gather(seg, k + 2, -1)[..., 0]
    a = left + right - 2 * mid
    b = (right - left) / 2
    ok = (a < 0) & (xp.abs(b) < xp.abs(a))
    peak = mid - xp.where(ok, b * b / (2 * xp.where(ok, a, xp.ones_like(a))), xp.zeros_like(a))
    lo, hi = 10.0 ** (min_db / 10), 10.0 ** (max_db / 10)
    rmax = xp.clip(peak, lo / (1 + lo), hi / (1 + hi))
    out = 10.0 * xp.log10(rmax / (1 - rmax))
    return xp.where(r0[..., 0] > 0, out, xp.full_like(out, min_db))
