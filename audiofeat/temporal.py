"""Temporal nature: audio is a sequence, and features are sequences of frames.

Framing (:func:`frame`), conversion between frame indices, sample indices and seconds
(:func:`frames_to_time`, :func:`time_to_frames`, :func:`frames_to_samples`, :func:`samples_to_frames`), local
derivatives along time (:func:`delta`, Savitzky-Golay like librosa) and context stacking
(:func:`stack_memory`). All of them work on numpy arrays and torch tensors alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._registry import capabilities
from . import _backend as B
from ._cache import cached
from .errors import ParameterError
from ._checks import check_int

__all__ = [
    "frame",
    "frames_to_samples",
    "samples_to_frames",
    "frames_to_time",
    "time_to_frames",
    "samples_to_time",
    "time_to_samples",
    "delta",
    "stack_memory",
    "zero_crossing_rate",
]


@capabilities(librosa="librosa.util.frame")
def frame(
    x: Any,
    *,
    frame_length: int,
    hop_length: int,
    axis: int = -1,
    writeable: bool = False,
    subok: bool = False,
) -> Any:
    """Slice ``x`` into overlapping frames without copying (librosa-compatible).

    Parameters
    ----------
    x : np.ndarray or torch.Tensor
        Signal.
    frame_length, hop_length : int
        Frame size and step, in samples.
    axis : int
        Axis to frame. For ``axis=-1`` the result has shape ``(..., frame_length, n_frames)``; for
        ``axis=0``, ``(n_frames, frame_length, ...)``.
    writeable, subok : bool
        numpy only, as in ``sliding_window_view`` (a writeable view aliases overlapping samples).

    Returns
    -------
    A strided view with ``n_frames = 1 + (x.shape[axis] - frame_length) // hop_length``.

    Raises
    ------
    ParameterError
        ``frame_length`` or ``hop_length`` < 1, or fewer than ``frame_length`` samples along ``axis``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> audiofeat.frame(np.arange(8), frame_length=4, hop_length=2)
    array([[0, 2, 4],
           [1, 3, 5],
           [2, 4, 6],
           [3, 5, 7]])
    """
    x = B.as_array(x, "x")
    frame_length = check_int("frame_length", frame_length)
    hop_length = check_int("hop_length", hop_length)
    if x.ndim == 0:
        raise ParameterError("x must have at least one dimension")
    if not -x.ndim <= axis < x.ndim:
        raise ParameterError(f"axis={axis} is out of range for an array with {x.ndim} dimensions")
    if x.shape[axis] < frame_length:
        raise ParameterError(f"input is too short (n={x.shape[axis]}) for frame_length={frame_length}")
    target = axis - 1 if axis < 0 else axis + 1
    if B.is_torch(x):
        return x.unfold(axis, frame_length, hop_length).movedim(-1, target)
    xw = np.lib.stride_tricks.sliding_window_view(x, frame_length, axis=axis, writeable=writeable, subok=subok)
    xw = np.moveaxis(xw, -1, target)
    index = [slice(None)] * xw.ndim
    index[axis] = slice(0, None, hop_length)
    return xw[tuple(index)]


# --------------------------------------------------------------------------------------------------
# frame / sample / time conversion
# --------------------------------------------------------------------------------------------------
def _index_array(values: Any, name: str):
    arr = B.as_array(values, name)
    return arr, (not B.is_torch(arr) and arr.ndim == 0)


def _to_int(x: Any, scalar: bool) -> Any:
    if B.is_torch(x):
        import torch

        return x.to(torch.int64)
    out = np.asarray(x).astype(int)
    return out[()] if scalar else out


@capabilities(librosa="librosa.frames_to_samples", autograd=False)
def frames_to_samples(frames: Any, *, hop_length: int = 512, n_fft: int | None = None) -> Any:
    """Frame indices to the sample index where each frame starts (or is centred, with ``n_fft``).

    Parameters
    ----------
    frames : int, array_like or torch.Tensor
        Frame indices.
    hop_length : int
        Samples between frames.
    n_fft : int, optional
        If given, add ``n_fft // 2`` (undo the centring of ``stft(center=False)`` framing).

    Returns
    -------
    Integer sample indices (same kind as the input).

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.frames_to_samples([0, 1, 2], hop_length=512)
    array([   0,  512, 1024])
    """
    f, scalar = _index_array(frames, "frames")
    offset = int(n_fft // 2) if n_fft else 0
    return _to_int(f * hop_length + offset, scalar)


@capabilities(librosa="librosa.samples_to_frames", autograd=False)
def samples_to_frames(samples: Any, *, hop_length: int = 512, n_fft: int | None = None) -> Any:
    """Sample indices to frame indices: ``floor((samples - n_fft // 2) / hop_length)``.

    Parameters
    ----------
    samples : int, array_like or torch.Tensor
        Sample indices.
    hop_length : int
        Samples between frames.
    n_fft : int, optional
        Subtract ``n_fft // 2`` first.

    Returns
    -------
    Integer frame indices.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.samples_to_frames([0, 511, 512, 1100], hop_length=512)
    array([0, 0, 1, 2])
    """
    s, scalar = _index_array(samples, "samples")
    offset = int(n_fft // 2) if n_fft else 0
    if B.is_torch(s):
        import torch

        return torch.div(s - offset, hop_length, rounding_mode="floor").to(torch.int64)
    return np.asarray(np.floor((s - offset) // hop_length), dtype=int)  # 0-d for a scalar, like librosa


@capabilities(librosa="librosa.samples_to_time", autograd=False)
def samples_to_time(samples: Any, *, sr: float = 22050) -> Any:
    """Sample indices to seconds: ``samples / sr``.

    Parameters
    ----------
    samples : int, array_like or torch.Tensor
        Sample indices.
    sr : float
        Sample rate.

    Returns
    -------
    Times in seconds (a numpy scalar for a scalar).

    Examples
    --------
    >>> import audiofeat
    >>> float(audiofeat.samples_to_time(22050, sr=22050))
    1.0
    """
    s, scalar = _index_array(samples, "samples")
    out = s / float(sr)
    return out[()] if scalar else out


@capabilities(librosa="librosa.time_to_samples", autograd=False)
def time_to_samples(times: Any, *, sr: float = 22050) -> Any:
    """Seconds to sample indices (truncated toward zero, like librosa).

    Parameters
    ----------
    times : float, array_like or torch.Tensor
        Times in seconds.
    sr : float
        Sample rate.

    Returns
    -------
    Integer sample indices.

    Examples
    --------
    >>> import audiofeat
    >>> int(audiofeat.time_to_samples(0.5, sr=16000))
    8000
    """
    t, scalar = _index_array(times, "times")
    return _to_int(t * sr, scalar)


@capabilities(librosa="librosa.frames_to_time", autograd=False)
def frames_to_time(frames: Any, *, sr: float = 22050, hop_length: int = 512, n_fft: int | None = None) -> Any:
    """Frame indices to seconds.

    Parameters
    ----------
    frames : int, array_like or torch.Tensor
        Frame indices.
    sr : float
        Sample rate.
    hop_length : int
        Samples between frames.
    n_fft : int, optional
        Add ``n_fft // 2`` samples (for frames of ``stft(center=False)``).

    Returns
    -------
    Times in seconds.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.frames_to_time([0, 43], sr=22050, hop_length=512)
    array([0.        , 0.99845805])
    """
    return samples_to_time(frames_to_samples(frames, hop_length=hop_length, n_fft=n_fft), sr=sr)


@capabilities(librosa="librosa.time_to_frames", autograd=False)
def time_to_frames(times: Any, *, sr: float = 22050, hop_length: int = 512, n_fft: int | None = None) -> Any:
    """Seconds to frame indices (the frame that contains each time).

    Parameters
    ----------
    times : float, array_like or torch.Tensor
        Times in seconds.
    sr : float
        Sample rate.
    hop_length : int
        Samples between frames.
    n_fft : int, optional
        Subtract ``n_fft // 2`` samples first (for frames of ``stft(center=False)``).

    Returns
    -------
    Integer frame indices.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.time_to_frames([0.0, 1.0], sr=22050, hop_length=512)
    array([ 0, 43])
    """
    return samples_to_frames(time_to_samples(times, sr=sr), hop_length=hop_length, n_fft=n_fft)


# --------------------------------------------------------------------------------------------------
# delta and context stacking
# --------------------------------------------------------------------------------------------------
_DELTA_MODES = {"interp": None, "nearest": "edge", "mirror": "reflect", "constant": "constant", "wrap": "wrap"}


@cached
def _savgol_operator(width: int, order: int) -> np.ndarray:
    """Savitzky-Golay derivative as a (width x width) matrix on one window: row p gives output p.

    The middle row holds the interior coefficients; the rows above and below give the edge outputs of
    scipy's ``mode='interp'`` (a polynomial fitted to the first/last window).
    """
    import scipy.signal  # imported when first needed: it costs ~0.5 s at start-up

    op = scipy.signal.savgol_filter(np.eye(width), width, order, deriv=order, axis=0, mode="interp")
    return B.frozen(op)


@capabilities(librosa="librosa.feature.delta")
def delta(data: Any, *, width: int = 9, order: int = 1, axis: int = -1, mode: str = "interp",
          **kwargs: Any) -> Any:
    """Local estimate of the derivative of ``data`` along ``axis`` (Savitzky-Golay, librosa-compatible).

    Parameters
    ----------
    data : np.ndarray or torch.Tensor
        Features, e.g. MFCCs ``(..., n_mfcc, n_frames)``.
    width : int
        Odd window length >= 3.
    order : int
        Derivative order (1 = delta, 2 = delta-delta).
    axis : int
        Axis along which to differentiate.
    mode : {'interp', 'nearest', 'mirror', 'constant', 'wrap'}
        Edge handling, as in ``scipy.signal.savgol_filter``.
    **kwargs
        ``cval`` for ``mode='constant'``.

    Returns
    -------
    Same shape, dtype and backend as ``data``.

    Raises
    ------
    ParameterError
        Even or too small width, order < 1, an unknown mode, or (interp) fewer frames than ``width``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> d = audiofeat.delta(np.arange(10.0)[None] ** 2)
    >>> np.round(d[0, 4:6], 6)
    array([ 8., 10.])
    """
    x = B.as_float(data, "data")
    xp = B.namespace(x)
    width = check_int("width", width, minimum=3)
    if width % 2 != 1:
        raise ParameterError(f"width must be an odd integer >= 3, got {width}")
    order = check_int("order", order, minimum=1)
    if mode not in _DELTA_MODES:
        raise ParameterError(f"mode must be one of {sorted(_DELTA_MODES)}, got {mode!r}")
    unknown = set(kwargs) - {"cval"}
    if unknown:
        raise ParameterError(f"unexpected keyword arguments {sorted(unknown)} (only cval is accepted)")
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ParameterError(f"axis={axis} is out of range for data of shape {tuple(x.shape)}")
    n = x.shape[axis]
    if mode == "interp" and width > n:
        raise ParameterError(f"when mode='interp', width={width} cannot exceed data.shape[axis]={n}")

    x = x.swapaxes(axis, -1)
    op = B.built_const(_savgol_operator, (width, order), x)
    half = width // 2
    if mode == "interp":
        interior = xp.matmul(B.frames(x, width, 1), op[half])
        left = xp.matmul(x[..., :width], op[:half].swapaxes(-1, -2))
        right = xp.matmul(x[..., n - width:], op[half + 1:].swapaxes(-1, -2))
        out = xp.concat([left, interior, right], axis=-1)
    else:
        padded = B.pad(x, half, half, mode=_DELTA_MODES[mode], value=float(kwargs.get("cval", 0.0)))
        out = xp.matmul(B.frames(padded, width, 1), op[half])
    return out.swapaxes(axis, -1)


@capabilities(librosa="librosa.feature.stack_memory")
def stack_memory(data: Any, *, n_steps: int = 2, delay: int = 1, **kwargs: Any) -> Any:
    """Stack delayed copies of ``data`` along the feature axis (context frames), librosa-compatible.

    Output row block ``k`` holds ``data`` delayed by ``k * delay`` frames (advanced for negative delay);
    frames before the start (after the end) come from padding.

    Parameters
    ----------
    data : np.ndarray or torch.Tensor, shape (..., d, t)
        Features; a 1-D input is treated as one row.
    n_steps : int
        Number of copies to stack (>= 1).
    delay : int
        Frames between copies (non-zero; negative looks ahead).
    **kwargs
        ``mode`` (``'constant'`` default, also ``'edge'``, ``'reflect'``, ``'wrap'``) and
        ``constant_values``.

    Returns
    -------
    shape (..., d * n_steps, t)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> audiofeat.stack_memory(np.arange(4.0), n_steps=2)
    array([[0., 1., 2., 3.],
           [0., 0., 1., 2.]])
    """
    x = B.as_array(data, "data")
    xp = B.namespace(x)
    n_steps = check_int("n_steps", n_steps)
    if isinstance(delay, bool) or not isinstance(delay, (int, np.integer)) or delay == 0:
        raise ParameterError(f"delay must be a non-zero integer, got {delay!r}")
    mode = kwargs.pop("mode", "constant")
    value = kwargs.pop("constant_values", 0)
    if kwargs:
        raise ParameterError(f"unexpected keyword arguments {sorted(kwargs)}")
    if mode not in ("constant", "edge", "reflect", "wrap"):
        raise ParameterError(f"mode must be 'constant', 'edge', 'reflect' or 'wrap', got {mode!r}")
    if not isinstance(value, (int, float)):  # librosa accepts an array-like; its first value is used
        value = float(np.ravel(value)[0])
    if x.ndim < 2:
        x = xp.reshape(x, (1, -1)) if x.ndim == 1 else xp.reshape(x, (1, 1))
    t = x.shape[-1]
    if t < 1:
        raise ParameterError("cannot stack memory when the input has no frames (columns)")
    shift = (n_steps - 1) * abs(int(delay))
    padded = B.pad(x, shift, 0, mode=mode, value=value) if delay > 0 else B.pad(x, 0, shift, mode=mode,
                                                                                    value=value)
    blocks = []
    for step in range(n_steps):
        start = (n_steps - 1 - step) * delay if delay > 0 else step * -delay
        blocks.append(padded[..., start : start + t])
    return xp.concat(blocks, axis=-2)


# --------------------------------------------------------------------------------------------------
# zero-crossing rate
# --------------------------------------------------------------------------------------------------
@capabilities(librosa="librosa.feature.zero_crossing_rate", autograd=False,
              note="A count of sign changes: piecewise constant, so no useful gradient.")
def zero_crossing_rate(
    y: Any,
    *,
    frame_length: int = 2048,
    hop_length: int = 512,
    center: bool = True,
    threshold: float = 1e-10,
    ref_magnitude: Any = None,
    zero_pos: bool = True,
    pad: bool = False,
) -> Any:
    """Fraction of consecutive samples in each frame whose signs differ (librosa-compatible).

    High for noise and fricatives, low for voiced sounds and tones: a cheap noisiness cue along time.
    Samples with ``|y| <= threshold`` count as zero; ``zero_pos=True`` counts zero as positive.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio.
    frame_length, hop_length : int
        Frame size and step.
    center : bool
        Pad ``frame_length // 2`` samples (edge values) on both sides.
    threshold : float
        Magnitudes at or below this count as zero (scaled by ``ref_magnitude`` if given).
    ref_magnitude : float or callable, optional
        Reference for ``threshold``; a callable is applied, as in librosa, to the magnitudes of all frames
        of ``y`` at once (edge-padded when ``center``; overlapping samples repeated), e.g. ``np.max``.
    zero_pos : bool
        Zero counts as positive (True) or as its own sign class (False).
    pad : bool
        Count the first sample of every frame as a crossing (librosa's ``zero_crossings(pad=...)``, which
        ``librosa.feature.zero_crossing_rate`` passes through its ``**kwargs``; default False there too).

    Returns
    -------
    zcr : shape (..., 1, t)
        In the input's float dtype (librosa returns float64 always).

    Raises
    ------
    ParameterError
        Sizes < 1, a signal shorter than a frame with ``center=False``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.tile(np.array([1.0, -1.0], dtype=np.float32), 2048)
    >>> float(audiofeat.feature.zero_crossing_rate(y)[0, 4])
    0.99951171875
    """
    y = B.as_float_signal(y)
    xp = B.namespace(y)
    frame_length = check_int("frame_length", frame_length)
    hop_length = check_int("hop_length", hop_length)
    if callable(ref_magnitude):
        threshold = threshold * float(B.to_numpy(ref_magnitude(_framed_magnitude(y, frame_length, hop_length,
                                                                                 center))))
    elif ref_magnitude is not None:
        threshold = threshold * float(ref_magnitude)
    from .energy import _frame_sums

    n = y.shape[-1] + (2 * (frame_length // 2) if center else 0)
    if n < frame_length:
        raise ParameterError(f"input is too short (n={n}) for frame_length={frame_length}")
    n_frames = 1 + (n - frame_length) // hop_length
    # |y| <= threshold counts as 0; with zero_pos the sign classes are "negative" and "zero or positive"
    if zero_pos:
        sign = y < -threshold
    else:
        sign = xp.astype(y > threshold, xp.int8) - xp.astype(y < -threshold, xp.int8)
    # change[j] marks a crossing between samples j and j + 1. Edge padding (center=True) repeats the end
    # samples, which adds no crossing: pad `change` with zeros instead of padding the signal.
    change = xp.astype(sign[..., 1:] != sign[..., :-1], y.dtype)
    p = frame_length // 2 if center else 0
    change = B.pad(change, p, p + 1)
    # frame [s, s + L) holds the pairs s .. s + L - 2: the frame sum of `change` over [s, s + L) less its last
    # element (exact in floating point: counts < 2**24)
    counts = _frame_sums(change, frame_length, hop_length, n_frames)
    last = B.from_numpy(np.arange(n_frames) * hop_length + frame_length - 1, change, dtype=xp.int64)
    counts = counts - xp.take(change, last, axis=-1)
    if pad:
        counts = counts + 1
    return (counts / frame_length)[..., None, :]


def _framed_magnitude(y: Any, frame_length: int, hop_length: int, center: bool) -> np.ndarray:
    """``|frames|`` of ``y`` (numpy, shape (..., frame_length, n_frames)) as librosa hands them to a callable
    ``ref_magnitude``: a statistic other than max/min (np.mean, np.median) depends on the edge padding and on
    the overlap, so it is taken over this view, not over ``|y|``."""
    mag = np.abs(B.to_numpy(y))
    if center and mag.shape[-1] > 0:
        p = frame_length // 2
        mag = np.pad(mag, [(0, 0)] * (mag.ndim - 1) + [(p, p)], mode="edge")
    if mag.shape[-1] < frame_length:
        return mag  # too short: the caller raises
    view = np.lib.stride_tricks.sliding_window_view(mag, frame_length, axis=-1)[..., ::hop_length, :]
    return view.swapaxes(-1, -2)
