"""Multimodality: bring frame-rate audio features onto the time base of another stream.

Audio features come at the STFT's frame rate (``sr / hop_length`` frames a second); video comes at 25-60
frames a second, text as words or tokens with start and end times, annotations as events. This module
converts between them:

* :func:`resample_frames` maps a feature sequence to any other frame rate (``'linear'``, ``'nearest'`` or
  ``'mean'`` over each output frame's span);
* :func:`pool_segments` summarises the frames inside each ``[start, end)`` segment given in seconds.

**Frame-time convention** (librosa's, with ``center=True``, the default of every STFT-based feature): frame
``k`` is centred on sample ``k * hop_length``, i.e. at time ``k * hop_length / sr`` seconds
(:func:`audiofeat.frames_to_time`). With ``center=False`` frame ``k`` *starts* there and is centred
``n_fft / 2`` samples later: pass ``offset=n_fft / (2 * sr)`` to :func:`pool_segments`. Output frame ``j``
of :func:`resample_frames` is at ``j / dst_rate`` seconds: both streams start at time 0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _backend as B
from ._checks import check_number, check_positive
from ._registry import capabilities
from .errors import ParameterError

__all__ = ["resample_frames", "pool_segments"]

_METHODS = ("linear", "nearest", "mean")
_STATS = ("mean", "max", "min", "std", "median", "sum")


def _features(F: Any) -> Any:
    F = B.as_float(F, "F")
    if F.ndim < 1 or F.shape[-1] == 0:
        raise ParameterError(f"F must have at least one frame on its last axis, got shape {tuple(F.shape)}")
    return F


def _index(idx: np.ndarray, like: Any) -> Any:
    if B.is_torch(like):
        import torch

        return torch.from_numpy(idx).to(like.device)
    return idx


@capabilities(compile=False)
def resample_frames(
    F: Any,
    src_rate: float,
    dst_rate: float,
    *,
    method: str = "linear",
    n_frames: int | None = None,
) -> Any:
    """Resample a frame sequence from ``src_rate`` to ``dst_rate`` frames a second (e.g. audio features at
    ``sr / hop_length`` to a video's 25 or 30 fps).

    Source frame ``k`` is at ``k / src_rate`` s and output frame ``j`` at ``j / dst_rate`` s (see the
    module's frame-time convention). Methods:

    * ``'linear'``: linear interpolation between the two source frames around ``j / dst_rate``;
    * ``'nearest'``: the nearest source frame (ties to the earlier);
    * ``'mean'``: the average over the output frame's span ``[(j - 1/2) / dst_rate, (j + 1/2) / dst_rate)``
      of the source as a step function (frame ``k`` holds for ``[(k - 1/2) / src_rate, (k + 1/2) /
      src_rate)``): an area-weighted mean, i.e. a box anti-alias filter for downsampling; when upsampling
      it takes the covering frame (or the two overlapping ones, weighted).

    Beyond the last source frame the last frame is held.

    Parameters
    ----------
    F : array, shape (..., t)
        Features, time on the last axis (numpy or torch); leading axes (features, batch) are kept.
    src_rate, dst_rate : float > 0
        Frame rates (frames per second).
    method : {'linear', 'nearest', 'mean'}
        See above.
    n_frames : int, optional
        Number of output frames; default ``floor((t - 1) * dst_rate / src_rate) + 1`` (the output spans
        the same time as the input).

    Returns
    -------
    array, shape (..., n_frames)
        Same backend, device and float dtype as ``F``; differentiable for torch input.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> F = np.arange(8.0)[None]  # one feature at 4 frames a second: 0, 0.25, ..., 1.75 s
    >>> audiofeat.resample_frames(F, 4, 2)
    array([[0., 2., 4., 6.]])
    >>> audiofeat.resample_frames(F, 4, 2, method="mean")  # frame 0's span starts at time 0
    array([[0.33333333, 2.        , 4.        , 6.        ]])
    """
    F = _features(F)
    src = check_positive("src_rate", src_rate)
    dst = check_positive("dst_rate", dst_rate)
    if method not in _METHODS:
        raise ParameterError(f"method={method!r} must be one of {_METHODS}")
    t = F.shape[-1]
    if n_frames is None:
        n_frames = int(math.floor((t - 1) * dst / src + 1e-9)) + 1
    elif isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 0:
        raise ParameterError(f"n_frames={n_frames!r} must be an integer >= 0")
    n_frames = int(n_frames)
    xp = B.namespace(F)
    pos = np.arange(n_frames) * (src / dst)  # output frame positions in source frames
    if method == "nearest":
        idx = np.minimum(np.floor(pos + 0.5 - 1e-9).astype(np.int64), t - 1)
        return F[..., _index(idx, F)]
    if method == "linear":
        left = np.minimum(np.floor(pos).astype(np.int64), t - 1)
        right = np.minimum(left + 1, t - 1)
        w = np.clip(pos - left, 0.0, 1.0)
        w = B.from_numpy(w.astype(np.float32 if F.dtype == xp.float32 else np.float64), F)
        return F[..., _index(left, F)] * (1 - w) + F[..., _index(right, F)] * w
    # 'mean': the source as a step function (frame k holds on [k - 1/2, k + 1/2) in frame units), averaged
    # over the output frame's span [pos - r/2, pos + r/2), r = src/dst, through its running integral
    half = 0.5 * src / dst
    real = np.float32 if F.dtype == xp.float32 else np.float64
    lo = np.clip(pos - half, -0.5, t - 0.5)
    hi = np.clip(pos + half, -0.5, t - 0.5)
    past = hi - lo <= 1e-12  # an output frame wholly past the end: hold the last frame
    lo = np.where(past, t - 1.5, lo)
    hi = np.where(past, t - 0.5, hi)
    csum = xp.concat([xp.zeros((*F.shape[:-1], 1), dtype=F.dtype, device=B.device(F)),
                      B.cumsum(F, axis=-1)], axis=-1)

    def integral(x: np.ndarray) -> Any:
        m = np.clip(np.floor(x + 0.5), 0, t - 1).astype(np.int64)
        frac = B.from_numpy((x + 0.5 - m).astype(real), F)
        return csum[..., _index(m, F)] + frac * F[..., _index(m, F)]

    return (integral(hi) - integral(lo)) / B.from_numpy((hi - lo).astype(real), F)


def _segments(segments: Any) -> np.ndarray:
    seg = np.asarray(B.to_numpy(segments) if B.is_torch(segments) else segments, dtype=np.float64)
    if seg.ndim != 2 or seg.shape[-1] != 2:
        raise ParameterError(f"segments must have shape (n_segments, 2) of (start, end) seconds, "
                             f"got {seg.shape}")
    if not np.isfinite(seg).all():
        raise ParameterError("segments must be finite")
    if (seg[:, 1] < seg[:, 0]).any():
        raise ParameterError("every segment must have end >= start")
    return seg


@capabilities(compile=False, note="Statistics other than mean and sum loop over segments.")
def pool_segments(
    F: Any,
    segments: Any,
    sr: float,
    hop_length: int,
    stat: str = "mean",
    *,
    offset: float = 0.0,
) -> Any:
    """Summarise frame-rate features over segments given in seconds (words, tokens, events).

    Frame ``k`` is at ``offset + k * hop_length / sr`` seconds (``offset=0``: librosa's ``center=True``
    convention; see the module notes). A segment ``[start, end)`` pools the frames whose times fall inside
    it; a segment shorter than a hop that contains no frame time takes the frame nearest its midpoint, so
    every segment gets a value. Segments may overlap and need not be sorted; frames beyond the end of
    ``F`` are ignored (a segment entirely past the end takes the last frame).

    Parameters
    ----------
    F : array, shape (..., t)
        Frame-rate features (numpy or torch), time last.
    segments : array-like, shape (n_segments, 2)
        ``(start, end)`` times in seconds.
    sr : float
        Sample rate of the audio the features came from.
    hop_length : int
        Hop of those features.
    stat : {'mean', 'max', 'min', 'std', 'median', 'sum'}
        Statistic over each segment's frames (``std`` is the population standard deviation).
    offset : float
        Time of frame 0 in seconds (``n_fft / (2 sr)`` for ``center=False`` features).

    Returns
    -------
    array, shape (..., n_segments)
        Same backend, device and float dtype as ``F``; differentiable for torch input.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> F = np.arange(10.0)[None]  # frame k at k * 160 / 16000 = 10 ms * k
    >>> audiofeat.pool_segments(F, [[0.0, 0.03], [0.05, 0.1], [0.061, 0.062]], sr=16000, hop_length=160)
    array([[1., 7., 6.]])
    """
    F = _features(F)
    seg = _segments(segments)
    sr = check_positive("sr", sr)
    hop = check_positive("hop_length", hop_length)
    offset = check_number("offset", offset)
    if stat not in _STATS:
        raise ParameterError(f"stat={stat!r} must be one of {_STATS}")
    xp = B.namespace(F)
    t = F.shape[-1]
    rate = sr / hop
    # frames k with offset + k / rate in [start, end): k from ceil((start - offset) rate) to ceil((end - offset) rate)
    lo = np.clip(np.ceil((seg[:, 0] - offset) * rate - 1e-9).astype(np.int64), 0, t)
    hi = np.clip(np.ceil((seg[:, 1] - offset) * rate - 1e-9).astype(np.int64), 0, t)
    mid = np.clip(np.round((0.5 * (seg[:, 0] + seg[:, 1]) - offset) * rate).astype(np.int64), 0, t - 1)
    empty = hi <= lo
    lo = np.where(empty, mid, lo)
    hi = np.where(empty, mid + 1, hi)
    if seg.shape[0] == 0:
        return xp.zeros((*F.shape[:-1], 0), dtype=F.dtype, device=B.device(F))
    real = np.float32 if F.dtype == xp.float32 else np.float64
    count = B.from_numpy((hi - lo).astype(real), F)
    if stat in ("mean", "sum"):
        zero = xp.zeros((*F.shape[:-1], 1), dtype=F.dtype, device=B.device(F))
        csum = xp.concat([zero, B.cumsum(F, axis=-1)], axis=-1)
        total = csum[..., _index(hi, F)] - csum[..., _index(lo, F)]
        if stat == "sum":
            return total
        return total / count
    parts = []
    for a, b in zip(lo.tolist(), hi.tolist()):
        chunk = F[..., a:b]
        if stat == "max":
            parts.append(xp.max(chunk, axis=-1))
        elif stat == "min":
            parts.append(xp.min(chunk, axis=-1))
        elif stat == "median":
            # numpy's median (the mean of the middle two for an even count) on both backends
            srt = xp.sort(chunk, axis=-1)
            n = b - a
            parts.append(0.5 * (srt[..., (n - 1) // 2] + srt[..., n // 2]))
        else:  # std
            parts.append(xp.std(chunk, axis=-1))
    return xp.stack(parts, axis=-1)
