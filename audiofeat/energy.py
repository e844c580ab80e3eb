"""Energy distribution: how a signal's energy rises, falls and comes and goes over time.

Frame energy (:func:`rms`), where new sounds begin (onset strength as log-mel spectral flux,
:func:`onset_strength`, :func:`onset_strength_multi`, or as the rise of frame energy,
:func:`energy_onset_strength`; picked into events by :func:`onset_detect` with :func:`peak_pick` and
:func:`onset_backtrack`), and where sound is present at all (endpoints: :func:`trim`, :func:`split`;
speech: :func:`voice_activity`).

The frame-level functions are written once for numpy and torch (torch in gives torch out, differentiable);
the event pickers (peak picking, backtracking, segments) are sequential decisions: they run on numpy and
accept torch by converting at the boundary, returning tensors on the input's device.

Ragged outputs (onset lists, segments): a single signal gives one array, as in librosa; a batch gives a
list of arrays, one per item in row-major order of the leading axes (see ``docs/architecture.md``).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from ._registry import capabilities
from . import _backend as B
from ._checks import check_finite, check_int, check_number, check_spectrogram, warn_user
from .errors import ParameterError

__all__ = [
    "rms",
    "peak_pick",
    "onset_strength",
    "onset_strength_multi",
    "onset_detect",
    "onset_backtrack",
    "energy_onset_strength",
    "trim",
    "split",
    "voice_activity",
]


# --------------------------------------------------------------------------------------------------
# small shared helpers
# --------------------------------------------------------------------------------------------------
def _frame_sums(x: Any, frame_length: int, hop_length: int, n_frames: int) -> Any:
    """Sum of ``x`` over frames ``[t*hop, t*hop + frame_length)`` for ``t < n_frames`` (last axis).

    When the hop divides the frame length, the sums are made of per-hop block sums (one pass over the
    signal, no frame copy); otherwise through a strided frame view.
    """
    xp = B.namespace(x)
    if frame_length % hop_length == 0 and frame_length // hop_length <= 16:
        m = frame_length // hop_length
        nb = n_frames - 1 + m
        blocks = xp.sum(xp.reshape(x[..., : nb * hop_length], (*x.shape[:-1], nb, hop_length)), axis=-1)
        out = blocks[..., 0:n_frames]
        for j in range(1, m):
            out = out + blocks[..., j:j + n_frames]
        return out
    return xp.sum(B.frames(x, frame_length, hop_length)[..., :n_frames, :], axis=-1)


def _block_sumsq(x: Any, hop: int) -> Any:
    """Sum of squares of consecutive blocks of ``hop`` samples (``x.shape[-1]`` a multiple of ``hop``).

    numpy: one ``einsum`` pass with no squared temporary (2x faster than ``(x * x).sum`` on a 60 s signal,
    benchmarks/bench_rhythm.py); torch: the plain product, differentiable.
    """
    blocks = x.reshape(*x.shape[:-1], x.shape[-1] // hop, hop)
    if B.is_torch(x):
        return (blocks * blocks).sum(-1)
    return np.einsum("...i,...i->...", blocks, blocks)


def _center_pad(y: Any, frame_length: int, center: bool, pad_mode: str) -> Any:
    if center:
        return B.pad(y, frame_length // 2, frame_length // 2, mode=pad_mode)
    return y


def _n_frames(n: int, frame_length: int, hop_length: int) -> int:
    if n < frame_length:
        raise ParameterError(f"input is too short (n={n}) for frame_length={frame_length}")
    return 1 + (n - frame_length) // hop_length


def _items(x: np.ndarray) -> list[tuple]:
    """Index tuples of the leading axes in row-major order (``[()]`` for a 1-D array)."""
    return list(np.ndindex(x.shape[:-1])) if x.ndim > 1 else [()]


def _ragged(results: list, like: Any, batched: bool) -> Any:
    """One array for a single signal, a list for a batch; torch tensors on ``like``'s device."""
    if B.is_torch(like):
        import torch

        results = [torch.as_tensor(r, device=like.device) for r in results]
    return results if batched else results[0]


# --------------------------------------------------------------------------------------------------
# frame energy
# --------------------------------------------------------------------------------------------------
@capabilities(librosa="librosa.feature.rms")
def rms(
    *,
    y: Any = None,
    S: Any = None,
    frame_length: int = 2048,
    hop_length: int = 512,
    center: bool = True,
    pad_mode: str = "constant",
    dtype: Any = None,
) -> Any:
    """Root-mean-square energy of each frame, from the waveform or a spectrogram (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio; leading axes are batch/channels.
    S : array, shape (..., 1 + frame_length // 2, t), optional
        A magnitude spectrogram (e.g. ``abs(stft(y, n_fft=frame_length))``) to use instead of ``y``
        (Parseval: ``2 sum |S|^2 / frame_length^2``, edge bins halved).
    frame_length, hop_length : int
        Frame size and step in samples.
    center : bool
        Pad ``frame_length // 2`` samples on both sides so frame ``t`` is centred at ``t * hop_length``.
    pad_mode : str
        Padding mode for ``center=True``.
    dtype : dtype, optional
        Output dtype. Deliberate difference from librosa: by default the result follows the input (float32
        stays float32, float64 stays float64; librosa's default ``np.float32`` casts float64 input down).

    Returns
    -------
    rms : shape (..., 1, t)

    Raises
    ------
    ParameterError
        Neither ``y`` nor ``S``, sizes < 1, a signal shorter than a frame, ``S`` with the wrong number of
        frequency bins for ``frame_length``, or NaN or infinite values in ``S`` (checked on numpy and CPU
        tensors; librosa returns NaN for such frames).

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.ones(22050, dtype=np.float32)
    >>> r = audiofeat.feature.rms(y=y)
    >>> r.shape, float(r[0, 20])
    ((1, 44), 1.0)
    """
    power = _frame_power(y, S, frame_length, hop_length, center, pad_mode)
    xp = B.namespace(power)
    # sqrt with a zero gradient (not NaN) at exactly silent frames
    positive = power > 0
    out = xp.where(positive, xp.sqrt(xp.where(positive, power, xp.ones_like(power))), xp.zeros_like(power))
    if dtype is not None:
        out = xp.astype(out, dtype) if B.is_torch(out) else out.astype(dtype)
    return out


def _frame_power(y: Any, S: Any, frame_length: int, hop_length: int, center: bool, pad_mode: str) -> Any:
    """Mean square of each frame ``(..., 1, t)`` (from ``y``), or its Parseval estimate from ``S``."""
    frame_length = check_int("frame_length", frame_length)
    hop_length = check_int("hop_length", hop_length)
    if y is not None:
        y = B.as_float_signal(y)
        xp = B.namespace(y)
        p = frame_length // 2 if center else 0
        m, k0 = frame_length // hop_length, p // hop_length
        n_frames = _n_frames(y.shape[-1] + 2 * p, frame_length, hop_length)
        if frame_length % hop_length == 0 and p % hop_length == 0 and m <= 16 and (p == 0 or pad_mode == "constant"):
            # per-hop block energies of y itself, zero blocks for the constant padding: no padded copy
            n_blocks = n_frames - 1 + m
            full = min(n_blocks - k0, y.shape[-1] // hop_length)
            parts = [_block_sumsq(y[..., : full * hop_length], hop_length)]
            rest = n_blocks - k0 - full
            if rest > 0:
                tail = B.pad(y[..., full * hop_length:], 0, rest * hop_length - (y.shape[-1] - full * hop_length))
                parts.append(_block_sumsq(tail[..., : rest * hop_length], hop_length))
            if k0:
                parts.insert(0, xp.zeros((*y.shape[:-1], k0), dtype=y.dtype, device=B.device(y)))
            blocks = xp.concat(parts, axis=-1) if len(parts) > 1 else parts[0]
            sums = blocks[..., 0:n_frames]
            for j in range(1, m):
                sums = sums + blocks[..., j:j + n_frames]
        else:
            yp = _center_pad(y, frame_length, center, pad_mode)
            sums = _frame_sums(yp * yp, frame_length, hop_length, n_frames)
        power = xp.clip(sums / frame_length, min=0.0)[..., None, :]
    elif S is not None:
        # finite: a NaN frame power would fail rms's `power > 0` mask and come out as 0, silently
        S = check_spectrogram(S)
        xp = B.namespace(S)
        if S.shape[-2] != frame_length // 2 + 1:
            raise ParameterError(
                f"Since S.shape[-2] is {S.shape[-2]}, frame_length is expected to be {S.shape[-2] * 2 - 2} or "
                f"{S.shape[-2] * 2 - 1}; found {frame_length}")
        x = B.abs2(S) if xp.isdtype(S.dtype, "complex floating") else S * S
        k = S.shape[-2]
        w = np.ones(k)
        w[0] = 0.5
        if frame_length % 2 == 0:
            w[-1] = 0.5
        weights = B.from_numpy(w[:, None], x)
        power = 2 * xp.sum(x * weights, axis=-2, keepdims=True) / frame_length**2
    else:
        raise ParameterError("Either `y` or `S` must be input.")
    return power


# --------------------------------------------------------------------------------------------------
# peak picking
# --------------------------------------------------------------------------------------------------
def _peak_int(name: str, value: Any, positive: bool) -> int:
    value = check_number(name, value)
    if value < 0 or (positive and value <= 0):
        raise ParameterError(f"{name} must be {'positive' if positive else 'non-negative'}")
    return int(np.ceil(value))


def _pick_1d(x: np.ndarray, pre_max: int, post_max: int, pre_avg: int, post_avg: int, delta: float,
             wait: int) -> np.ndarray:
    """Indices of peaks of one 1-D signal (librosa's rules, vectorised; only the ``wait`` pass loops over
    the candidates)."""
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=int)
    xs = x.astype(np.float64)
    padded = np.concatenate([np.full(pre_max, -np.inf), xs, np.full(post_max - 1, -np.inf)])
    local_max = np.lib.stride_tricks.sliding_window_view(padded, pre_max + post_max).max(axis=-1)
    idx = np.arange(n)
    lo = np.maximum(0, idx - pre_avg)
    hi = np.minimum(n, idx + post_avg)
    csum = np.concatenate([[0.0], np.cumsum(xs)])
    avg = (csum[hi] - csum[lo]) / (hi - lo)
    candidates = np.flatnonzero((xs == local_max) & (xs >= avg + delta))
    if wait == 0 or candidates.size < 2:
        return candidates
    keep, last = [], -np.inf
    for c in candidates.tolist():
        if c > last + wait:
            keep.append(c)
            last = c
    return np.asarray(keep, dtype=int)


@capabilities(librosa="librosa.util.peak_pick", autograd=False, compile=False,
              note="Sequential (greedy) decisions on numpy; torch input is converted at the boundary and the "
                   "result returned on its device.")
def peak_pick(
    x: Any,
    *,
    pre_max: int,
    post_max: int,
    pre_avg: int,
    post_avg: int,
    delta: float,
    wait: int,
    sparse: bool = True,
    axis: int = -1,
) -> Any:
    """Pick peaks in a signal with the Böck et al. heuristic (librosa-compatible).

    ``x[n]`` is a peak if ``x[n] == max(x[n - pre_max : n + post_max])``, ``x[n] >= mean(x[n - pre_avg :
    n + post_avg]) + delta`` and ``n`` is more than ``wait`` samples after the previous peak.

    Parameters
    ----------
    x : np.ndarray or torch.Tensor
        Input signal (1-D for ``sparse=True``).
    pre_max, post_max, pre_avg, post_avg : int
        Window extents (samples) for the local maximum and the local mean; ``post_*`` must be positive.
        Non-integers are rounded up.
    delta : float
        Threshold over the local mean.
    wait : int
        Samples to wait after a peak before picking the next.
    sparse : bool
        Return peak indices (True) or a boolean mask of ``x``'s shape (False, any number of dimensions).
    axis : int
        Axis along which to pick (``sparse=False``).

    Returns
    -------
    peaks : int array of indices, or bool mask.

    Raises
    ------
    ParameterError
        Negative windows or ``delta``, non-positive ``post_max``/``post_avg``, ``sparse=True`` with more than one
        dimension, NaN/inf in ``x``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> x = np.array([0, 1, 0, 0, 3, 0, 0, 2, 0.0])
    >>> audiofeat.util.peak_pick(x, pre_max=1, post_max=1, pre_avg=1, post_avg=1, delta=0.5, wait=0)
    array([1, 4, 7])
    """
    pre_max = _peak_int("pre_max", pre_max, False)
    pre_avg = _peak_int("pre_avg", pre_avg, False)
    delta = check_number("delta", delta)
    if delta < 0:
        raise ParameterError("delta must be non-negative")
    wait = _peak_int("wait", wait, False)
    post_max = _peak_int("post_max", post_max, True)
    post_avg = _peak_int("post_avg", post_avg, True)
    arr = B.as_float(x, "x")
    xn = check_finite(B.to_numpy(arr), "x")  # NaN compares False everywhere: peaks would vanish silently
    if sparse and xn.ndim != 1:
        raise ParameterError(f"sparse=True (default) does not support {xn.ndim}-dimensional inputs. Either set "
                             "sparse=False or process each dimension independently.")
    if sparse:
        out = _pick_1d(xn, pre_max, post_max, pre_avg, post_avg, delta, wait)
    else:
        from ._checks import check_axis

        axis = check_axis(axis, xn.ndim)
        moved = np.moveaxis(xn, axis, -1)
        mask = np.zeros(moved.shape, dtype=bool)
        for item in _items(moved):
            mask[item][_pick_1d(moved[item], pre_max, post_max, pre_avg, post_avg, delta, wait)] = True
        out = np.moveaxis(mask, -1, axis)
    return _ragged([out], arr, False)


# --------------------------------------------------------------------------------------------------
# onset strength
# --------------------------------------------------------------------------------------------------
def _median(x: Any, axis: int) -> Any:
    """numpy's median (the mean of the two middle values for an even count) on either backend."""
    if not B.is_torch(x):
        return _median_numpy(x, axis)
    import torch

    n = x.shape[axis]
    s = torch.sort(x, dim=axis).values
    lo = s.narrow(axis, (n - 1) // 2, 1)
    hi = s.narrow(axis, n // 2, 1)
    return 0.5 * (lo + hi)


def _median_numpy(x: np.ndarray, axis: int) -> np.ndarray:
    """``np.median(x, axis=axis, keepdims=True)``, bit for bit, by a sort instead of a partition.

    numpy's sort of float32/float64 rows is SIMD-vectorised and partitions are not: for onset_strength's
    median over 128 mel bands of 2,583 frames the contiguous copy plus sort takes 0.5 ms, the partition 3.5 ms.
    The two middle values are averaged as ``np.median`` does (``np.mean`` of the pair); a NaN anywhere in a
    lane gives NaN, as there.
    """
    axis = axis % x.ndim
    n = x.shape[axis]
    if n == 0 or x.dtype.kind != "f":
        return np.median(x, axis=axis, keepdims=True)
    s = np.ascontiguousarray(np.moveaxis(x, axis, -1))
    s.sort(axis=-1)  # NaNs sort last
    mid = s[..., (n - 1) // 2: n // 2 + 1]
    out = mid[..., 0] if n % 2 else np.mean(mid, axis=-1)
    out = np.where(np.isnan(s[..., -1]), s[..., -1], out)
    return np.expand_dims(out, axis)


_REDUCERS = {
    id(np.mean): "mean", id(np.median): "median", id(np.max): "max", id(np.amax): "max", id(np.min): "min",
    id(np.amin): "min", id(np.sum): "sum",
}


def _aggregate(x: Any, aggregate: Callable | None, axis: int) -> Any:
    """``aggregate`` over ``axis`` keeping it (numpy's mean/median/max/min/sum on either backend; any other
    callable is called as ``aggregate(x, axis=axis)``)."""
    xp = B.namespace(x)
    kind = "mean" if aggregate is None else _REDUCERS.get(id(aggregate))
    if kind == "mean":
        return xp.mean(x, axis=axis, keepdims=True)
    if kind == "median":
        return _median(x, axis)
    if kind == "max":
        return xp.max(x, axis=axis, keepdims=True)
    if kind == "min":
        return xp.min(x, axis=axis, keepdims=True)
    if kind == "sum":
        return xp.sum(x, axis=axis, keepdims=True)
    out = aggregate(x, axis=axis)
    return xp.expand_dims(out, axis=axis) if out.ndim == x.ndim - 1 else out


def _take(x: Any, index: np.ndarray, axis: int) -> Any:
    if B.is_torch(x):
        import torch

        return torch.index_select(x, axis % x.ndim, torch.as_tensor(index, device=x.device))
    return np.take(x, index, axis=axis)


def _max_filter_freq(S: Any, size: int) -> Any:
    """``scipy.ndimage.maximum_filter1d(S, size, axis=-2)`` (mode 'reflect') on either backend."""
    xp = B.namespace(S)
    n = S.shape[-2]
    left, right = size // 2, (size - 1) // 2
    idx = np.arange(-left, n + right)
    period = 2 * n
    idx = np.mod(idx, period)
    idx = np.where(idx >= n, period - 1 - idx, idx)  # scipy 'reflect' repeats the edge sample
    padded = _take(S, idx, -2)
    out = padded[..., 0:n, :]
    for j in range(1, size):
        out = xp.maximum(out, padded[..., j:j + n, :])
    return out


def _detrend(x: Any) -> Any:
    """``scipy.signal.lfilter([1, -1], [1, -0.99], x, axis=-1)`` on either backend (differentiable).

    ``y[n] = 0.99 y[n-1] + d[n]`` with ``d = x[n] - x[n-1]``; within a block of ``m`` frames
    ``y[b + j] = 0.99^(j+1) y[b-1] + 0.99^j cumsum(d / 0.99^k)``, so the recursion runs as cumulative sums,
    a block at a time (bounded exponents).
    """
    xp = B.namespace(x)
    n = x.shape[-1]
    d = x - B.pad(x, 1, 0)[..., :n]
    block = 512
    pieces = []
    prev = None
    for b in range(0, n, block):
        m = min(block, n - b)
        k = np.arange(m, dtype=np.float64)
        grow = B.from_numpy(0.99 ** (-k), x)
        decay = B.from_numpy(0.99 ** k, x)
        y = xp.cumsum(d[..., b:b + m] * grow, axis=-1) * decay
        if prev is not None:
            y = y + prev * B.from_numpy(0.99 ** (k + 1), x)
        pieces.append(y)
        prev = y[..., -1:]
    return xp.concat(pieces, axis=-1) if len(pieces) > 1 else pieces[0]


def _channels_slices(channels: Sequence, n: int) -> list[slice]:
    if all(isinstance(c, slice) for c in channels):
        return list(channels)
    idx = np.asarray(channels)
    if idx.dtype.kind not in "iu" or idx.ndim != 1:
        raise ParameterError("channels must be a sequence of slices or of integer band boundaries")
    if np.any(idx < 0):
        raise ParameterError("Negative frame index detected")
    idx = np.unique(np.clip(idx[(idx >= 0) & (idx <= n)], 0, n))
    return [slice(int(a), int(b)) for a, b in zip(idx[:-1], idx[1:])]


def _log_mel(y: Any, sr: float, n_fft: int, hop_length: int, kwargs: dict) -> Any:
    from .spectral import melspectrogram, power_to_db

    kwargs = dict(kwargs)
    kwargs.setdefault("fmax", 0.5 * sr)
    S = melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, **kwargs)
    return power_to_db(S)


def _mel_flux_numpy(y: Any, sr: float, n_fft: int, hop_length: int, lag: int, channels: Sequence | None,
                    kwargs: dict) -> tuple[np.ndarray, int] | None:
    """The default spectral flux on numpy audio: ``(env (..., n_channels, t - lag), t)``, or None when the
    log-mel spectrogram of finite audio is not finite (its power overflowed): the caller then takes the
    general path, which gives the same numbers with numpy's overflow warnings.

    The same numbers as ``power_to_db(melspectrogram(...))`` followed by the positive lag difference and the
    mean over each channel's bands, in fewer passes: the log and each block's maximum run inside the mel
    frame blocks (in cache, on the thread pool), then the ``top_db`` floor, the difference, the clip and the
    mean in place, one spectrogram per pool task.
    """
    from ._checks import check_audio
    from .spectral import _melspectrogram, _to_db_in_place

    kwargs = dict(kwargs)
    kwargs.setdefault("fmax", 0.5 * sr)
    # power_to_db's defaults: ref 1.0 (0 dB), amin 1e-10, top_db 80. The audio's finiteness is checked on
    # the (smaller, cache-resident) result: the STFT is centred, so with hop_length <= n_fft / 2 every sample
    # lies in some frame (a larger hop skips the last samples, and past n_fft the gaps between frames) and a
    # NaN or inf sample makes every non-empty mel band's maximum non-finite; only then is the audio itself
    # checked. A result at the amin floor everywhere (silence, or a filterbank of empty filters, which maps
    # NaN spectra to 0) proves nothing either: the audio is checked then too.
    try:
        deferred = 0 < 2 * hop_length <= n_fft
    except TypeError:  # not numbers: _melspectrogram's checks report them
        deferred = False
    block_maxima: list = []  # each block's maximum, taken while the block is in cache (list.append is atomic)

    def finish(M: np.ndarray) -> np.ndarray:
        _to_db_in_place(M, 1e-10, 0.0)
        if M.size:
            block_maxima.append(M.max())
        return M

    S = _melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, finish=finish,
                        check_finite=not deferred, **kwargs)
    t = S.shape[-1]
    lead = S.shape[:-2]
    items = S.reshape((-1, *S.shape[-2:]))
    if items.shape[0] and items.shape[1]:
        # power_to_db's top_db floor, per spectrogram; of one spectrogram, from its blocks' maxima (NaN kept)
        peak = np.max(np.asarray(block_maxima)) if items.shape[0] == 1 and block_maxima else None
        floors = (items.max(axis=(-2, -1)) if peak is None else peak.reshape(1)) - 80.0
        if not np.isfinite(floors).all():
            check_audio(y)
            return None  # finite audio whose power overflowed
        if deferred and not (floors > -179.0).all():  # the maximum at amin's -100 dB
            check_audio(y)
    else:
        floors = np.zeros(items.shape[0], dtype=S.dtype)
        check_audio(y)
    # t <= lag frames (a clip shorter than the lag): no difference at all, an all-zero envelope, as librosa
    slices = [slice(None)] if channels is None else _channels_slices(channels, S.shape[-2])
    env = np.empty((items.shape[0], len(slices), max(t - lag, 0)), dtype=S.dtype)

    def flux(i: int) -> None:
        # whole-spectrogram passes, in place where possible (S is this call's own array): for one 60 s
        # spectrogram this beat slabs on the pool (0.39 vs 0.48 ms: the passes are too short to share)
        X = items[i]
        np.maximum(X, floors[i], out=X)
        d = np.subtract(X[:, lag:], X[:, :-lag])
        np.maximum(d, 0.0, out=d)
        for c, sl in enumerate(slices):
            env[i, c] = d[sl].mean(axis=0)

    B.parallel_for(flux, items.shape[0])
    return env.reshape((*lead, len(slices), t - lag)), t


@capabilities(librosa="librosa.onset.onset_strength_multi", compile=False)
def onset_strength_multi(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    lag: int = 1,
    max_size: int = 1,
    ref: Any = None,
    detrend: bool = False,
    center: bool = True,
    feature: Callable | None = None,
    aggregate: Callable | bool | None = None,
    channels: Sequence | None = None,
    **kwargs: Any,
) -> Any:
    """Spectral flux onset strength per group of frequency bands (librosa-compatible).

    ``max(0, S[:, t] - ref[:, t - lag])`` aggregated over each channel (a range of bands), where ``S`` is
    the log-power mel spectrogram and ``ref`` is ``S`` maximum-filtered across ``max_size`` bands
    (SuperFlux, Böck & Widmer 2013, when ``max_size > 1``).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    S : array, shape (..., d, t), optional
        A pre-computed (log-power) spectrogram to use instead of ``y``.
    n_fft, hop_length : int
        STFT sizes for the mel spectrogram (``n_fft`` also sets the centring offset).
    lag : int
        Time lag (frames) of the difference.
    max_size : int
        Size of the local maximum filter across frequency (1: none).
    ref : array, optional
        A reference spectrum of ``S``'s shape (instead of the filtered ``S``).
    detrend : bool
        Remove the DC of the envelope with ``lfilter([1, -1], [1, -0.99])``.
    center : bool
        Shift the envelope so frame ``t`` is centred like the STFT frames.
    feature : callable, optional
        A spectrogram function ``feature(y=, sr=, n_fft=, hop_length=, **kwargs)``; default
        :func:`audiofeat.melspectrogram` with ``fmax = sr / 2``. Its output goes through ``power_to_db``.
    aggregate : callable or False
        Reduction across bands in a channel (default ``np.mean``; ``np.median``, ``np.max``... work on torch
        too); ``False`` keeps every band.
    channels : list of slices or of int boundaries, optional
        Band groups; default one group of all bands.
    **kwargs
        Passed to ``feature`` (e.g. ``n_mels``, ``fmin``).

    Returns
    -------
    onset_envelope : shape (..., n_channels, t)

    Raises
    ------
    ParameterError
        ``lag`` or ``max_size`` not a positive integer, ``ref`` of the wrong shape, neither ``y`` nor ``S``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> audiofeat.onset.onset_strength_multi(y=y, sr=22050, channels=[0, 32, 64, 128]).shape
    (3, 44)
    """
    lag = check_int("lag", lag)
    max_size = check_int("max_size", max_size)
    if S is None and y is None:
        raise ParameterError("either y (audio) or S (a spectrogram) must be given")
    if (S is None and feature is None and max_size == 1 and ref is None and not B.is_torch(y)
            and (aggregate is None or _REDUCERS.get(id(aggregate)) == "mean")):
        fused = _mel_flux_numpy(y, sr, n_fft, hop_length, lag, channels, kwargs)
        if fused is not None:
            return _finish_envelope(*fused, lag, n_fft, hop_length, center, detrend)
    if S is None:
        if feature is None:
            S = _log_mel(y, sr, n_fft, hop_length, kwargs)
        else:
            from .spectral import power_to_db

            kwargs = dict(kwargs)
            S = power_to_db(B.namespace(B.as_array(y)).abs(
                feature(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, **kwargs)))
    else:
        S = check_finite(B.as_float(S, "S"), "S")  # a NaN would spread over lag and max_size frames
        if S.ndim == 1:
            S = S[None, :]
    xp = B.namespace(S)
    # S.shape[-1] <= lag: an empty difference, so an all-zero envelope of lag (+ centring) frames, as librosa
    if ref is None:
        ref = S if max_size == 1 else _max_filter_freq(S, max_size)
    else:
        ref = B.as_float(ref, "ref")
        if tuple(ref.shape) != tuple(S.shape):
            raise ParameterError(f"Reference spectrum shape {tuple(ref.shape)} must match input spectrum "
                                 f"{tuple(S.shape)}")
    env = xp.clip(S[..., lag:] - ref[..., :-lag], min=0.0)
    if aggregate is None or (aggregate is not False and callable(aggregate)):
        slices = [slice(None)] if channels is None else _channels_slices(channels, S.shape[-2])
        parts = [_aggregate(env[..., sl, :], aggregate, -2) for sl in slices]
        # boundaries that make no group (channels=[10], or all past n_mels) give no channel, like librosa
        env = xp.concat(parts, axis=-2) if parts else env[..., :0, :]
    elif aggregate is not False:
        raise ParameterError(f"aggregate={aggregate!r} must be a callable, None or False")
    return _finish_envelope(env, S.shape[-1], lag, n_fft, hop_length, center, detrend)


def _finish_envelope(env: Any, n_frames: int, lag: int, n_fft: int, hop_length: int, center: bool,
                     detrend: bool) -> Any:
    """Delay the flux ``(..., c, n_frames - lag)`` by ``lag`` (plus half a window with ``center``), detrend,
    and trim to ``n_frames``."""
    pad_width = lag + (n_fft // (2 * hop_length) if center else 0)
    env = B.pad(env, int(pad_width), 0)
    if detrend:
        env = _detrend(env)
    if center:
        env = env[..., :n_frames]
    return env


@capabilities(librosa="librosa.onset.onset_strength")
def onset_strength(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    lag: int = 1,
    max_size: int = 1,
    ref: Any = None,
    detrend: bool = False,
    center: bool = True,
    feature: Callable | None = None,
    aggregate: Callable | None = None,
    **kwargs: Any,
) -> Any:
    """Spectral flux onset strength envelope (librosa-compatible).

    The positive part of the frame-to-frame difference of the log-power mel spectrogram, averaged over
    bands: high where a new sound starts. The mel spectrogram is the blocked kernel of
    :func:`audiofeat.melspectrogram` (no complex STFT stored).

    Parameters
    ----------
    y, sr, S, lag, max_size, ref, detrend, center, feature :
        As in :func:`onset_strength_multi`.
    aggregate : callable, optional
        Reduction across bands (default ``np.mean``); ``False`` is refused.
    **kwargs
        ``n_fft``, ``hop_length`` and the ``feature``'s options (``n_mels``, ``fmin``, ...).

    Returns
    -------
    onset_envelope : shape (..., t)

    Raises
    ------
    ParameterError
        ``aggregate=False``, or anything :func:`onset_strength_multi` rejects.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.zeros(22050, dtype=np.float32); y[11025] = 1.0
    >>> env = audiofeat.onset.onset_strength(y=y, sr=22050)
    >>> env.shape, int(env.argmax())
    ((44,), 22)
    """
    if aggregate is False:
        raise ParameterError("aggregate parameter cannot be False when computing full-spectrum onset strength.")
    env = onset_strength_multi(y=y, sr=sr, S=S, lag=lag, max_size=max_size, ref=ref, detrend=detrend,
                               center=center, feature=feature, aggregate=aggregate, channels=None, **kwargs)
    return env[..., 0, :]


@capabilities(librosa=None, compile=False,
              note="audiofeat's own (librosa has no energy onset function).")
def energy_onset_strength(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    frame_length: int = 2048,
    hop_length: int = 512,
    lag: int = 1,
    relative: bool = True,
    detrend: bool = False,
    center: bool = True,
    pad_mode: str = "constant",
) -> Any:
    """Energy-based onset strength: the positive part of the rise of frame energy.

    With ``E = rms**2`` the frame energy, ``relative=True`` gives
    ``max(0, E[t] - E[t-lag]) / (E[t] + E[t-lag] + 1e-10)``: a rise relative to the energy around it, in
    [0, 1], the same for a note that starts from silence and one that starts over a decaying note (a
    difference of dB values would let the first onset after silence dwarf every other one);
    ``relative=False`` gives the linear rise ``max(0, E[t] - E[t-lag])``. It reacts to loudness increases across the whole
    band (percussive attacks, syllable onsets, a door slam); the spectral flux of :func:`onset_strength`
    also sees changes of pitch or timbre at constant loudness, so prefer it for music with legato notes and
    this one for speech or endpoint-like events and when a cheap, band-independent detector is wanted.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate (kept for a uniform call signature with :func:`onset_strength`).
    S : array, shape (..., 1 + frame_length // 2, t), optional
        A magnitude spectrogram to take the energy from instead of ``y`` (see :func:`rms`).
    frame_length, hop_length : int
        Frame size and step.
    lag : int
        Frames between the compared energies.
    relative : bool
        Rise relative to the local energy (True) or linear rise (False).
    detrend : bool
        Remove the envelope's DC as :func:`onset_strength` does.
    center, pad_mode :
        Framing as in :func:`rms`. With ``center=True`` the envelope is delayed by
        ``frame_length // (2 * hop_length)`` frames (as :func:`onset_strength` delays by
        ``n_fft // (2 * hop_length)``), so its peaks fall on the attacks rather than half a window before.

    Returns
    -------
    onset_envelope : shape (..., t)
        Use it with :func:`onset_detect` (``onset_envelope=``).

    Raises
    ------
    ParameterError
        As :func:`rms`, or ``lag`` not a positive integer.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.zeros(22050, dtype=np.float32); y[11025:] = 0.5
    >>> env = audiofeat.onset.energy_onset_strength(y=y, sr=22050)
    >>> int(env.argmax()) in (20, 21, 22)
    True
    """
    lag = check_int("lag", lag)
    E = _frame_power(y, S, frame_length, hop_length, center, pad_mode)[..., 0, :]
    xp = B.namespace(E)
    if E.shape[-1] <= lag:
        raise ParameterError(f"{E.shape[-1]} frames: at least lag + 1 = {lag + 1} are needed")
    env = xp.clip(E[..., lag:] - E[..., :-lag], min=0.0)
    if relative:
        env = env / (E[..., lag:] + E[..., :-lag] + 1e-10)
    # as onset_strength does: frame t's rise starts as soon as an attack enters its window, half a window
    # before the attack reaches the frame's centre, so with center=True the envelope is delayed by that much
    shift = frame_length // (2 * hop_length) if center else 0
    env = B.pad(env, lag + shift, 0)
    if detrend:
        env = _detrend(env)
    return env[..., : E.shape[-1]]


# --------------------------------------------------------------------------------------------------
# onset events
# --------------------------------------------------------------------------------------------------
def _backtrack_1d(events: np.ndarray, energy: np.ndarray) -> np.ndarray:
    minima = np.flatnonzero((energy[1:-1] <= energy[:-2]) & (energy[1:-1] < energy[2:])) + 1
    minima = np.unique(np.concatenate([[0], minima])).astype(int)
    events = np.asarray(events)
    if events.size == 0:
        return np.zeros(0, dtype=int)
    pos = np.searchsorted(minima, events, side="right") - 1
    return minima[np.maximum(pos, 0)]


@capabilities(librosa="librosa.onset.onset_backtrack", autograd=False, compile=False, batch=False,
              note="numpy; torch input is converted at the boundary (the result follows ``energy``'s backend).")
def onset_backtrack(events: Any, energy: Any) -> Any:
    """Move each onset back to the nearest preceding local minimum of an energy function
    (librosa-compatible).

    Parameters
    ----------
    events : int array
        Onset frame indices.
    energy : array, shape (t,)
        An energy function (e.g. :func:`rms` or the onset envelope).

    Returns
    -------
    backtracked : int array of the same length as ``events``

    Raises
    ------
    ParameterError
        Negative event indices, a non-1-D energy or NaN/inf in it.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> energy = np.array([3, 1, 2, 5, 4, 0, 1, 6.0])
    >>> audiofeat.onset.onset_backtrack(np.array([3, 7]), energy)
    array([1, 5])
    """
    ev = B.to_numpy(B.as_array(events, "events"))
    en = check_finite(B.to_numpy(B.as_float(energy, "energy")), "energy")
    if en.ndim != 1:
        raise ParameterError(f"energy must be 1-D, got shape {en.shape}")
    if ev.size and np.any(ev < 0):
        raise ParameterError("Negative frame index detected")
    return _ragged([_backtrack_1d(ev.astype(int), en)], B.as_array(energy), False)


_UNITS = ("frames", "samples", "time")


@capabilities(librosa="librosa.onset.onset_detect", autograd=False, compile=False,
              note="Peak picking is sequential (numpy); torch input is converted at the boundary. A batch "
                   "gives a list of arrays, one per item.")
def onset_detect(
    *,
    y: Any = None,
    sr: float = 22050,
    onset_envelope: Any = None,
    hop_length: int = 512,
    backtrack: bool = False,
    energy: Any = None,
    units: str = "frames",
    normalize: bool = True,
    sparse: bool = True,
    **kwargs: Any,
) -> Any:
    """Onset events by peak picking an onset strength envelope (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio (used when ``onset_envelope`` is not given).
    sr : float
        Sample rate.
    onset_envelope : array, shape (..., t), optional
        A pre-computed envelope (:func:`onset_strength`, :func:`energy_onset_strength`, ...).
    hop_length : int
        Hop of the envelope's frames.
    backtrack : bool
        Move each onset back to the preceding minimum of ``energy`` (default: the envelope).
    energy : array, shape (..., t), optional
        Energy function for backtracking (e.g. ``rms(...)[0]``).
    units : {'frames', 'samples', 'time'}
        Units of the result.
    normalize : bool
        Scale the envelope to [0, 1] first.
    sparse : bool
        Event indices (True) or a boolean mask of the envelope's shape (False).
    **kwargs
        Peak picking parameters (:func:`peak_pick`); librosa's defaults: 30 ms ``pre_max``/``wait``,
        100 ms averaging windows, ``delta=0.07``.

    Returns
    -------
    onsets : int array (frames, samples) or float array (seconds); for a batch (``(..., t)`` envelope or
        ``(..., n)`` audio) with ``sparse=True``, a list with one array per item in row-major order.

    Raises
    ------
    ParameterError
        Neither ``y`` nor ``onset_envelope``, an unknown unit, or ``backtrack`` with ``sparse=False``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.zeros(2 * 22050, dtype=np.float32)
    >>> y[[11025, 22050, 33075]] = 1.0
    >>> audiofeat.onset.onset_detect(y=y, sr=22050, units="time").round(2)
    array([0.51, 1.02, 1.51])
    """
    if units not in _UNITS:
        raise ParameterError(f"Invalid unit type: {units}")
    if onset_envelope is None:
        if y is None:
            raise ParameterError("y or onset_envelope must be provided")
        onset_envelope = onset_strength(y=y, sr=sr, hop_length=hop_length)
    # finite: one NaN frame spoils the envelope's normalisation, and no onset at all came back, silently
    like = check_finite(B.as_float(onset_envelope, "onset_envelope"), "onset_envelope")
    env = B.to_numpy(like)
    if env.ndim == 0:
        raise ParameterError("onset_envelope must have at least one dimension (time on the last axis)")
    if backtrack and not sparse:
        raise ParameterError("onset backtracking is only supported if sparse=True")
    if normalize:
        env = env - np.min(env, keepdims=True, axis=-1)
        env = env / (np.max(env, keepdims=True, axis=-1) + np.finfo(env.dtype).tiny)
    en = None
    if backtrack and energy is not None:
        en = check_finite(B.to_numpy(B.as_float(energy, "energy")), "energy")
        if en.shape != env.shape:
            raise ParameterError(f"energy has shape {en.shape}, the onset envelope {env.shape}")
    kwargs.setdefault("pre_max", 0.03 * sr // hop_length)
    kwargs.setdefault("post_max", 0.0 * sr // hop_length + 1)
    kwargs.setdefault("pre_avg", 0.1 * sr // hop_length)
    kwargs.setdefault("post_avg", 0.1 * sr // hop_length + 1)
    kwargs.setdefault("wait", 0.03 * sr // hop_length)
    kwargs.setdefault("delta", 0.07)
    results = []
    mask = np.zeros(env.shape, dtype=bool)
    for item in _items(env):
        e = env[item]
        if not e.any() or not np.all(np.isfinite(e)):
            onsets = np.array([], dtype=int)
        else:
            onsets = B.to_numpy(peak_pick(e, sparse=True, **kwargs))
            if backtrack:
                onsets = _backtrack_1d(onsets, e if en is None else en[item])
        if not sparse:
            mask[item][onsets] = True
            continue
        if units == "samples":
            onsets = onsets * hop_length
        elif units == "time":
            onsets = onsets * hop_length / float(sr)
        results.append(onsets)
    if not sparse:
        return _ragged([mask], like, False)
    return _ragged(results, like, env.ndim > 1)


# --------------------------------------------------------------------------------------------------
# endpoints: trim and split
# --------------------------------------------------------------------------------------------------
def _nonsilent(y: Any, frame_length: int, hop_length: int, top_db: float, ref: Any, aggregate: Callable) -> np.ndarray:
    from .spectral import amplitude_to_db

    top_db = check_number("top_db", top_db)
    r = B.to_numpy(rms(y=y, frame_length=frame_length, hop_length=hop_length))[..., 0, :]
    db = B.to_numpy(amplitude_to_db(r, ref=ref, top_db=None)) if not callable(ref) else None
    if db is None:  # librosa applies ref to the whole (multi-channel) array
        ref_value = ref(np.abs(r))
        db = 20.0 * np.log10(np.maximum(1e-5, np.abs(r))) - 20.0 * np.log10(max(1e-5, float(ref_value)))
    if db.ndim > 1:
        db = np.apply_over_axes(aggregate, db, range(db.ndim - 1))
        db = np.squeeze(db, axis=tuple(range(db.ndim - 1)))
    return db > -top_db


@capabilities(librosa="librosa.effects.trim", autograd=False, compile=False, batch=False,
              note="Channels are aggregated as in librosa (one interval for all leading axes); the interval is "
                   "found on numpy, the trimmed signal keeps the input's backend.")
def trim(
    y: Any,
    *,
    top_db: float = 60,
    ref: float | Callable = np.max,
    frame_length: int = 2048,
    hop_length: int = 512,
    aggregate: Callable = np.max,
) -> tuple[Any, Any]:
    """Trim leading and trailing silence (librosa-compatible).

    A frame is silent when its RMS is more than ``top_db`` below ``ref`` (default: the loudest frame).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio; leading axes are channels, aggregated by ``aggregate`` (a frame is kept if any channel is
        loud, with ``np.max``).
    top_db : float
        Threshold below the reference, in dB.
    ref : float or callable
        Reference amplitude (default ``np.max`` of the frame RMS).
    frame_length, hop_length : int
        Framing of the RMS.
    aggregate : callable
        Reduction of the dB values across channels.

    Returns
    -------
    y_trimmed : array, shape (..., m)
    index : int array ``[start, end]`` (samples) of the kept interval

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.concatenate([np.zeros(22050), np.ones(22050), np.zeros(22050)]).astype(np.float32)
    >>> yt, index = audiofeat.effects.trim(y)
    >>> index
    array([21504, 45568])
    """
    y = B.as_float_signal(y)
    non_silent = _nonsilent(y, frame_length, hop_length, top_db, ref, aggregate)
    nonzero = np.flatnonzero(non_silent)
    if nonzero.size > 0:
        start = int(nonzero[0] * hop_length)
        end = min(y.shape[-1], int((nonzero[-1] + 1) * hop_length))
    else:
        start, end = 0, 0
    index = np.asarray([start, end])
    if B.is_torch(y):
        import torch

        index = torch.as_tensor(index, device=y.device)
    return y[..., start:end], index


@capabilities(librosa="librosa.effects.split", autograd=False, compile=False, batch=False,
              note="Channels are aggregated as in librosa; the intervals are found on numpy and returned in the "
                   "input's backend.")
def split(
    y: Any,
    *,
    top_db: float = 60,
    ref: float | Callable = np.max,
    frame_length: int = 2048,
    hop_length: int = 512,
    aggregate: Callable = np.max,
) -> Any:
    """Split a signal into non-silent intervals (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio; leading axes are channels (aggregated as in :func:`trim`).
    top_db, ref, frame_length, hop_length, aggregate :
        As in :func:`trim`.

    Returns
    -------
    intervals : int array, shape (m, 2)
        ``[start, end)`` sample indices of each non-silent interval.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.concatenate([np.ones(22050), np.zeros(22050), np.ones(22050)]).astype(np.float32)
    >>> audiofeat.effects.split(y)
    array([[    0, 23552],
           [43520, 66150]])
    """
    y = B.as_float_signal(y)
    non_silent = _nonsilent(y, frame_length, hop_length, top_db, ref, aggregate)
    edges = [np.flatnonzero(np.diff(non_silent.astype(int))) + 1]
    if non_silent[0]:
        edges.insert(0, np.array([0]))
    if non_silent[-1]:
        edges.append(np.array([len(non_silent)]))
    out = np.minimum(np.concatenate(edges).astype(int) * hop_length, y.shape[-1]).reshape((-1, 2))
    return _ragged([out], y, False)


# --------------------------------------------------------------------------------------------------
# voice activity
# --------------------------------------------------------------------------------------------------
def _runs(active: np.ndarray) -> np.ndarray:
    """``[start, end)`` frame pairs of the runs of True in a 1-D mask, shape (n, 2)."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    return edges.reshape(-1, 2)


def _vad_decide(stat: np.ndarray, flat: np.ndarray, q: float, on_db: float, off_db: float, flat_max: float,
                hop_s: float, min_speech: float, min_silence: float, pad: float, duration: float) -> np.ndarray:
    """Frame statistic -> speech segments in seconds (hysteresis, gap bridging, minimum length, padding)."""
    base = float(np.percentile(stat, q))
    # weak trailing phonemes sink under the noise as the SNR falls: lengthen the hangover accordingly
    # (0 when speech peaks reach >= 30 dB over the floor, up to 2 * pad at <= 19 dB)
    peak_snr = float(np.percentile(stat, 95)) - base
    hang = pad * 2.0 * min(1.0, max(0.0, (30.0 - peak_snr) / 11.0))
    strong = stat > base + on_db
    # a frame is speech-like when its band SNR is a little above the floor and its noise-whitened spectrum
    # is not flat (stationary noise whitens to a flat spectrum, speech does not)
    weak = (stat > base + off_db) & (flat < flat_max)
    weak |= strong
    # hysteresis: keep the runs of weak frames that contain at least one strong frame
    runs = [(s, e) for s, e in _runs(weak) if strong[s:e].any()]
    merged: list[list[int]] = []
    for s, e in runs:
        if merged and (s - merged[-1][1]) * hop_s < min_silence:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    # frame t is centred at t * hop_s: a run [s, e) spans the centres s .. e - 1
    out = [(max(0.0, s * hop_s - pad), min(duration, (e - 1) * hop_s + pad + hang)) for s, e in merged
           if (e - s) * hop_s >= min_speech]
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)


@capabilities(librosa=None, autograd=False, compile=False,
              note="audiofeat's own. The band energies are computed on the input's backend; the decisions run "
                   "on numpy. A batch gives a list of (n, 2) arrays, one per item.")
def voice_activity(
    y: Any,
    sr: float,
    *,
    frame_length: float = 0.025,
    hop_length: float = 0.010,
    fmin: float = 200.0,
    fmax: float = 4000.0,
    n_bands: int = 24,
    noise_quantile: float = 10.0,
    threshold: float = 2.5,
    min_speech: float = 0.1,
    min_silence: float = 0.25,
    pad: float = 0.02,
) -> Any:
    """Speech segments (in seconds) from band energy above an adaptive noise floor and spectral shape.

    1. Band energies: a mel filterbank of ``n_bands`` bands over ``[fmin, fmax]`` (the speech band), frames
       of ``frame_length`` seconds every ``hop_length`` seconds.
    2. Noise floor: per band, the ``noise_quantile`` percentile of its level (dB) over the signal (the noise
       is assumed stationary and absent of speech for at least that fraction of the time).
    3. Frame statistic: the mean of the 8 largest band SNRs (dB above the floor, clipped at 0; the loudest
       bands carry voiced harmonics and fricatives alike), smoothed over 3 frames; and the spectral flatness
       of the noise-whitened band energies (near 0.6 for stationary noise, lower for speech).
    4. Decision: a frame is speech when its statistic exceeds the statistic's own ``noise_quantile``
       percentile by ``threshold`` dB; frames ``threshold / 2.5`` dB above it that are not flat extend a
       segment (hysteresis, for weak onsets and endings); gaps shorter than ``min_silence`` are bridged
       (hangover), segments shorter than ``min_speech`` dropped, and each segment widened by ``pad``; the end
       gets up to ``2 * pad`` more when the speech peaks are less than 30 dB over the noise floor (weak
       final phonemes sink under the noise as the SNR falls).

    Robust to stationary noise (white, pink, hum) down to about 10 dB SNR; see ``docs/energy-onsets.md`` for
    the scoring (segment F1 >= 0.9 at +-50 ms boundaries on speech in pink and white noise).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio; leading axes are independent signals.
    sr : float
        Sample rate.
    frame_length, hop_length : float
        Analysis frame and hop, in seconds.
    fmin, fmax : float
        Speech band in Hz (``fmax`` capped at ``sr / 2``).
    n_bands : int
        Number of mel bands in the speech band (>= 8).
    noise_quantile : float
        Percentile (0-100) of each band's level taken as its noise floor.
    threshold : float
        dB over the noise statistic for a frame to start speech.
    min_speech, min_silence, pad : float
        Shortest kept segment, shortest pause (shorter gaps are bridged), padding at each end; seconds.

    Returns
    -------
    segments : float64 array, shape (n_segments, 2)
        ``[start, end]`` times in seconds; a list of such arrays for a batch (one per item in row-major order).

    Raises
    ------
    ParameterError
        Invalid durations or band edges, or a signal shorter than one frame.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> sr = 16000; rng = np.random.default_rng(0); t = np.arange(sr) / sr
    >>> tone = np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))   # a voiced-like burst
    >>> y = 0.01 * rng.standard_normal(3 * sr); y[sr:2 * sr] += 0.3 * tone
    >>> audiofeat.effects.voice_activity(y.astype(np.float32), sr).round(1)
    array([[1. , 2.1]])
    """
    from .spectral import melspectrogram

    sr = check_number("sr", sr, minimum=0, strict=True)
    frame_length = check_number("frame_length", frame_length, minimum=0, strict=True)
    hop_length = check_number("hop_length", hop_length, minimum=0, strict=True)
    fmin = check_number("fmin", fmin, minimum=0)
    fmax = min(check_number("fmax", fmax, minimum=0, strict=True), sr / 2)
    if fmax <= fmin:
        raise ParameterError(f"fmin={fmin} must be below fmax={fmax} (fmax is capped at sr / 2)")
    n_bands = check_int("n_bands", n_bands, minimum=8)
    q = check_number("noise_quantile", noise_quantile, minimum=0)
    if q > 100:
        raise ParameterError(f"noise_quantile={noise_quantile} must be a percentile in [0, 100]")
    threshold = check_number("threshold", threshold, minimum=0, strict=True)
    min_speech = check_number("min_speech", min_speech, minimum=0)
    min_silence = check_number("min_silence", min_silence, minimum=0)
    pad = check_number("pad", pad, minimum=0)
    y = B.as_float_signal(y)
    hop = max(1, int(round(hop_length * sr)))
    win = max(2, int(round(frame_length * sr)))
    n_fft = 1 << (win - 1).bit_length()
    if y.shape[-1] < win:
        raise ParameterError(f"y is too short ({y.shape[-1]} samples) for one frame of {win} samples")
    M = B.to_numpy(melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, win_length=win, n_mels=n_bands,
                                  fmin=fmin, fmax=fmax, norm=None, htk=True)).astype(np.float64)
    duration = y.shape[-1] / sr
    results = []
    for item in _items(M[..., 0, :]):
        P = M[item] + 1e-20
        L = 10.0 * np.log10(P)
        floor = np.percentile(L, q, axis=-1, keepdims=True)
        snr = np.clip(L - floor, 0.0, None)
        top = np.sort(snr, axis=0)[-8:].mean(axis=0)
        stat = np.convolve(top, np.ones(3) / 3, mode="same")
        W = P / 10.0 ** (floor / 10.0)
        flat = np.exp(np.mean(np.log(W), axis=0)) / np.mean(W, axis=0)
        flat = np.convolve(flat, np.ones(3) / 3, mode="same")
        results.append(_vad_decide(stat, flat, q, threshold, threshold / 2.5, 0.35, hop / sr, min_speech,
                                   min_silence, pad, duration))
    if B.is_torch(y):
        import torch

        results = [torch.as_tensor(r, device=y.device) for r in results]
    return results if y.ndim > 1 else results[0]
