"""Non-stationarity: short-time analysis.

Audio statistics change from one moment to the next, so audio is analysed in short overlapping windows:
windows (:func:`get_window`), the short-time Fourier transform (:func:`stft`) and its inverse
(:func:`istft`, perfect reconstruction by weighted overlap-add), and :func:`magphase`.

One implementation serves numpy and torch: frames are a strided view of the (padded) signal, each frame is
windowed and transformed by a kernel written against the array namespace, and
:func:`audiofeat._backend.map_frame_blocks` runs that kernel in cache-sized blocks on a thread pool for numpy
or in one call for torch. The same machinery computes power and mel spectra without materialising the
complex STFT (see :mod:`audiofeat.spectral`).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from ._registry import capabilities
from . import _backend as B
from ._parallel import block_frames
from ._cache import cached
from ._checks import check_int, check_positive, warn_user
from .errors import ParameterError

__all__ = ["get_window", "fft_frequencies", "stft", "istft", "magphase"]

#: numpy inverse FFTs of at most this many output samples run on one thread (no pool hand-off)
_SMALL_IRFFT = 1 << 17
#: numpy signals of at most this many samples (1 MiB of float32) are padded whole: the copy costs less than
#: framing head, body and tail separately (4 kernel calls instead of 2 for a 5 s clip at 16 kHz: MFCC 5-8%
#: faster); longer signals are framed in place so they are never copied
_SMALL_SIGNAL = 1 << 18

_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "linear_ramp")  # librosa.stft's set, less "empty"


# --------------------------------------------------------------------------------------------------
# windows and frequencies
# --------------------------------------------------------------------------------------------------
@cached
def _window_cached(spec, n: int, fftbins: bool) -> np.ndarray:
    try:
        import scipy.signal  # imported when first needed: it costs ~0.5 s at start-up
        win = scipy.signal.get_window(spec, n, fftbins=fftbins)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ParameterError(f"invalid window specification {spec!r}: {exc}") from exc
    return B.frozen(np.asarray(win, dtype=np.float64))


@capabilities(librosa="librosa.filters.get_window", torch=False, batch=False)
def get_window(window: Any, Nx: int, *, fftbins: bool = True) -> Any:
    """A window function of length ``Nx``.

    Parameters
    ----------
    window : str, tuple, float, callable, array_like or torch.Tensor
        A ``scipy.signal.get_window`` specification (``'hann'``, ``('kaiser', 8.0)``, ...), a callable
        taking the length, or the window values themselves (length ``Nx``).
    Nx : int
        Window length.
    fftbins : bool
        True for a periodic window (for spectral analysis), False for a symmetric one.

    Returns
    -------
    np.ndarray (float64), or the given array/tensor.

    Raises
    ------
    ParameterError
        Unknown window name, or an array whose length is not ``Nx``.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.get_window('hann', 4)
    array([0. , 0.5, 1. , 0.5])
    """
    if not isinstance(Nx, (int, np.integer)) or isinstance(Nx, bool) or Nx < 1:
        raise ParameterError(f"window length must be a positive integer, got {Nx!r}")
    if callable(window):
        return window(Nx)
    if _is_window_spec(window):
        try:
            hash(window)
        except TypeError:
            raise ParameterError(f"invalid window specification {window!r}") from None
        return _window_cached(window, int(Nx), bool(fftbins)).copy()
    if isinstance(window, (np.ndarray, list)) or B.is_torch(window):
        if getattr(window, "ndim", 1) != 1:
            raise ParameterError(f"a window given by its values must be 1-D, got shape {tuple(window.shape)}")
        if len(window) != Nx:
            raise ParameterError(f"window size mismatch: the window has {len(window)} values, expected {Nx}")
        return window if B.is_torch(window) else np.asarray(window)
    raise ParameterError(f"invalid window specification: {window!r}")


def _is_window_spec(window: Any) -> bool:
    """A window named by a specification (``'hann'``, ``('kaiser', 8.0)``, a number), not given by values."""
    return isinstance(window, (str, tuple, int, float, np.generic)) and not isinstance(window, bool)


def _window_array(window: Any, win_length: int, n_fft: int) -> np.ndarray:
    """Any window specification as float64 numpy values centred in ``n_fft`` samples."""
    if _is_window_spec(window):
        get_window(window, win_length)  # validates the specification (cached, so nearly free)
        return _padded_window(window, win_length, n_fft)
    win = get_window(window, win_length)
    return _pad_center(np.asarray(B.to_numpy(win), dtype=np.float64), n_fft)


def _analysis_window(window: Any, win_length: int, n_fft: int, like: Any) -> Any:
    """The window centred in ``n_fft`` samples, in ``like``'s namespace, dtype and device."""
    if B.is_torch(window) and B.is_torch(like):
        # stays a tensor, so a learnable window keeps its gradient
        win = get_window(window, win_length).to(device=like.device, dtype=like.dtype)
        return B.pad(win, (n_fft - win_length) // 2, n_fft - win_length - (n_fft - win_length) // 2)
    if _is_window_spec(window):
        return B.built_const(_window_array, (window, win_length, n_fft), like)  # cached per dtype and device
    return B.from_numpy(_window_array(window, win_length, n_fft), like)


@cached
def _padded_window(spec, win_length: int, n_fft: int) -> np.ndarray:
    return B.frozen(_pad_center(_window_cached(spec, win_length, True), n_fft))


def _pad_center(win: np.ndarray, n: int) -> np.ndarray:
    lpad = (n - win.shape[-1]) // 2
    return np.pad(win, (lpad, n - win.shape[-1] - lpad))


@capabilities(librosa="librosa.fft_frequencies", torch=False, batch=False)
def fft_frequencies(*, sr: float = 22050, n_fft: int = 2048) -> np.ndarray:
    """Centre frequency (Hz) of each bin of a real FFT of size ``n_fft``.

    Parameters
    ----------
    sr : float
        Sample rate.
    n_fft : int
        FFT size.

    Returns
    -------
    np.ndarray, shape (1 + n_fft // 2,)

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.fft_frequencies(sr=8, n_fft=8)
    array([0., 1., 2., 3., 4.])
    """
    n_fft = check_int("n_fft", n_fft)
    sr = check_positive("sr", sr)
    return np.fft.rfftfreq(n=n_fft, d=1.0 / sr)


# --------------------------------------------------------------------------------------------------
# parameter checks shared by stft, istft and the spectral features
# --------------------------------------------------------------------------------------------------
def _resolve_lengths(n_fft: Any, hop_length: Any, win_length: Any) -> tuple[int, int, int]:
    n_fft = check_int("n_fft", n_fft)
    win_length = n_fft if win_length is None else check_int("win_length", win_length)
    if win_length > n_fft:
        raise ParameterError(f"win_length={win_length} must not exceed n_fft={n_fft}")
    hop_length = max(1, win_length // 4) if hop_length is None else check_int("hop_length", hop_length)
    return n_fft, hop_length, win_length


_TORCH_PAD_MODES = ("constant", "edge", "reflect")


def _framed_signal(y: Any, n_fft: int, hop_length: int, center: bool, pad_mode: str) -> Any:
    """Validate ``y`` and return its frames ``(..., n_frames, n_fft)``: a strided view, or on numpy with
    ``center=True`` a list of views (head, body, tail) that :func:`map_frame_blocks` treats as one.

    Only the frames that reach into the padding are built from padded copies of the signal's two ends; the
    body frames are a view of ``y`` itself, so a long signal is never copied (librosa pads the whole signal).
    """
    modes = _TORCH_PAD_MODES if B.is_torch(y) else _PAD_MODES
    if not isinstance(pad_mode, str) or pad_mode not in modes:
        raise ParameterError(f"pad_mode must be one of {modes} for {'torch' if B.is_torch(y) else 'numpy'} "
                             f"input, got {pad_mode!r}")
    n = y.shape[-1]
    if n == 0:
        raise ParameterError("y is empty: the time axis (last) has length 0")
    if not center:
        if n_fft > n:
            raise ParameterError(f"input is too short (n={n}) for n_fft={n_fft} with center=False")
        return B.frames(y, n_fft, hop_length)
    if n_fft > n:
        warn_user(f"n_fft={n_fft} is too large for input signal of length={n}")
    p = n_fft // 2
    n_frames = 1 + (n + 2 * p - n_fft) // hop_length
    first = -(-p // hop_length)  # first frame that starts inside y
    last = (n - n_fft + p) // hop_length  # last frame that ends inside y
    if B.is_torch(y) or last - first < 4 or n < 4 * n_fft or math.prod(y.shape) <= _SMALL_SIGNAL:
        return B.frames(B.pad(y, p, p, mode=pad_mode), n_fft, hop_length)
    segments = []
    if first > 0:
        # head: frames 0 .. first-1 cover padded[0 : (first-1)*hop + n_fft]; pad a prefix long enough for
        # any mode (reflect and symmetric read p+1 samples past the edge)
        head_len = (first - 1) * hop_length + n_fft - p
        head = B.pad(y[..., : max(head_len, p + 1)], p, 0, mode=pad_mode)[..., : head_len + p]
        segments.append(B.frames(head, n_fft, hop_length))
    segments.append(B.frames(y[..., first * hop_length - p :], n_fft, hop_length)[..., : last - first + 1, :])
    if n_frames > last + 1:
        # tail: frames last+1 .. n_frames-1 start at sample (last+1)*hop - p of y
        start = (last + 1) * hop_length - p
        take = min(start, n - p - 1)
        tail = B.pad(y[..., take:], 0, p, mode=pad_mode)[..., start - take :]
        segments.append(B.frames(tail, n_fft, hop_length)[..., : n_frames - last - 1, :])
    return segments


def _frame_spectra(
    y: Any,
    *,
    n_fft: int,
    hop_length: int | None,
    win_length: int | None,
    window: Any,
    center: bool,
    pad_mode: str,
    post: Callable[[Any], Any] | None = None,
    out_tail: tuple[int, ...] | None = None,
    out_dtype: Any = None,
    time_last: bool = False,
    fft: Callable[[Any], Any] | None = None,
    check_finite: bool = True,
) -> Any:
    """Frames-major spectra ``(..., n_frames, n_bins)`` of ``y``, optionally post-processed per block.

    ``time_last=True`` returns ``(..., k, n_frames)`` instead (for a post-processed 1-D ``out_tail``).

    ``post`` maps complex spectra ``(..., m, 1 + n_fft // 2)`` to ``(..., m, *out_tail)`` of ``out_dtype``
    (power, filterbank, ...); it runs inside the blocks so no full-size complex array is ever stored.

    ``fft`` replaces the real FFT of the windowed frames (``B.rfft``): :mod:`audiofeat.nn` passes a
    matrix-product DFT for ONNX runtimes without a DFT operator.

    ``check_finite=False`` leaves the finiteness of ``y`` to the caller (see :func:`check_audio`); with
    ``center=True`` every sample lies in some frame, so a NaN or inf sample makes its frames' spectra NaN.
    """
    y = B.as_float_signal(y, finite=check_finite)
    xp = B.namespace(y)
    n_fft, hop_length, win_length = _resolve_lengths(n_fft, hop_length, win_length)
    win = _analysis_window(window, win_length, n_fft, y)
    framed = _framed_signal(y, n_fft, hop_length, center, pad_mode)

    def kernel(fr):
        spec = B.rfft(fr * win, workers=1) if fft is None else fft(fr * win)
        return spec if post is None else post(spec)

    if not check_finite and not B.is_torch(y):
        checked_kernel = kernel

        def kernel(fr):
            # non-finite samples are reported by the caller's check: no RuntimeWarnings before its error
            # (errstate is per thread, so it is set inside each block)
            with np.errstate(invalid="ignore", over="ignore"):
                return checked_kernel(fr)

    if post is None:
        out_tail, out_dtype = (1 + n_fft // 2,), B.complex_dtype(xp, y.dtype)
    elif out_dtype is None:
        out_dtype = y.dtype
    return B.map_frame_blocks(kernel, framed, out_tail, out_dtype, time_last=time_last)


# --------------------------------------------------------------------------------------------------
# STFT / iSTFT
# --------------------------------------------------------------------------------------------------
@capabilities(librosa="librosa.stft")
def stft(
    y: Any,
    *,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    dtype: Any = None,
    pad_mode: str = "constant",
    out: Any = None,
) -> Any:
    """Short-time Fourier transform (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio, time on the last axis; leading axes are batch/channels.
    n_fft : int
        FFT size (frame length).
    hop_length : int or None
        Samples between frames; default ``win_length // 4``.
    win_length : int or None
        Window length (``<= n_fft``, zero-padded to ``n_fft`` at the centre); default ``n_fft``.
    window : str, tuple, callable, array or tensor
        Window specification (see :func:`get_window`); periodic ("fftbins") windows.
    center : bool
        Pad ``n_fft // 2`` samples on both sides so frame ``t`` is centred at ``t * hop_length``.
    dtype : complex dtype, optional
        Output dtype; default complex64 for float32 input and complex128 for float64.
    pad_mode : str
        ``np.pad`` mode for ``center=True`` (torch: constant, reflect, edge, wrap).
    out : np.ndarray, optional
        A preallocated numpy array to receive the result (librosa compatibility).

    Returns
    -------
    D : complex array, shape (..., 1 + n_fft // 2, n_frames)
        Same backend and device as ``y``; differentiable for torch input.

    Raises
    ------
    ParameterError
        Invalid sizes, a window of the wrong length, non-finite or integer audio, or ``center=False`` with
        fewer than ``n_fft`` samples.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> D = audiofeat.stft(y)
    >>> D.shape, D.dtype
    ((1025, 44), dtype('complex64'))
    """
    spec = _frame_spectra(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                          center=center, pad_mode=pad_mode)
    if not B.is_torch(spec) and spec.dtype == np.complex64:
        lengths = _resolve_lengths(n_fft, hop_length, win_length)
        if _ends_ill_conditioned(window, lengths[2], lengths[0], lengths[1], center, y.shape[-1], spec.shape[-2]):
            _edge_frames_float64(spec, y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                                 center=center, pad_mode=pad_mode)
    D = spec.swapaxes(-1, -2)
    if dtype is not None and not _is_complex_dtype(dtype):
        raise ParameterError(f"dtype={dtype!r} is not complex: an STFT is complex (use np.complex64 or "
                             "np.complex128)")
    if dtype is not None:
        xp = B.namespace(D)
        D = xp.astype(D, dtype) if B.is_torch(D) else D.astype(dtype, copy=False)
    if out is not None:
        return _write_out(D, out, "frames", complex_out=True)
    return D


def _edge_frames_float64(spec: np.ndarray, y: np.ndarray, *, n_fft: int, hop_length: int | None,
                         win_length: int | None, window: Any, center: bool, pad_mode: str) -> None:
    """Recompute, in place, the first and last ``ceil(n_fft / hop)`` frames of a complex64 numpy STFT
    ``(..., n_frames, n_bins)`` with a float64 FFT (rounded to complex64 once, as librosa's STFT).

    Those frames cover the signal's ends, where the window sum-square of overlap-add is tiny (one window's
    tail covers the first and last samples): an inverse STFT divides by it and so magnifies the rounding of
    a float32 FFT (~4x the final rounding) in exactly these frames into errors of ~5e-5 at the ends of
    ``istft(stft(y))``. A few frames of a long signal: negligible cost.
    """
    n_fft, hop, _ = _resolve_lengths(n_fft, hop_length, win_length)
    n_frames = spec.shape[-2]
    k = -(-n_fft // hop)
    first = -(-(n_fft // 2) // hop) if center else 0  # first frame that starts inside y
    n = y.shape[-1]
    opts = dict(n_fft=n_fft, hop_length=hop, win_length=win_length, window=window, center=center,
                pad_mode=pad_mode)
    # the tail's frames from a suffix of y that starts on a frame boundary (frame j of the suffix is frame
    # j + skip of y once it lies past the left padding), the head's from a prefix long enough for any pad mode
    skip = n_frames - k - first
    if skip <= k + first:  # a short signal: all frames
        spec[...] = _frame_spectra(y.astype(np.float64), **opts)
        return
    head_len = min(n, (k - 1) * hop + n_fft + 1)
    spec[..., :k, :] = _frame_spectra(y[..., :head_len].astype(np.float64), **opts)[..., :k, :]
    spec[..., -k:, :] = _frame_spectra(y[..., skip * hop :].astype(np.float64), **opts)[..., -k:, :]


def _end_profile(win_sq: np.ndarray, hop: int) -> tuple[np.ndarray, float]:
    """The window sum-square of ``ceil(n_fft / hop) + 1`` frames overlap-added from sample 0 (padded with
    ``n_fft`` zeros on both sides) and the smallest interior value of the sum-square (float64)."""
    n_fft = win_sq.shape[0]
    k = -(-n_fft // hop)
    ola = _ola_constant(np.asarray(win_sq, dtype=np.float64), hop, k + 1)
    chunks = np.pad(win_sq, (0, k * hop - n_fft)).reshape(k, hop)
    return np.pad(ola, (n_fft, n_fft)), float(chunks.sum(axis=0).min())


@cached
def _end_profile_cached(window: Any, win_length: int, n_fft: int, hop: int) -> tuple[np.ndarray, float]:
    profile, interior = _end_profile(_window_array(window, win_length, n_fft) ** 2, hop)
    return B.frozen(profile), interior


def _end_conditioning(profile: tuple[np.ndarray, float], n_fft: int, hop: int, head: int,
                      tail: int) -> tuple[float, float]:
    """The smallest window sum-square over the first and over the last ``n_fft`` kept samples, each as a
    fraction of the smallest interior value (``profile``: :func:`_end_profile`). ``head``: where sample 0
    lies in frame 0; ``tail``: where the last sample lies in the last frame (``>= n_fft``: past every
    frame)."""
    ola, interior = profile
    if interior <= 0:
        return 0.0, 0.0
    k = -(-n_fft // hop)
    # first kept samples: positions head .. head + n_fft - 1 of the frames from sample 0; last kept samples:
    # positions tail - n_fft + 1 .. tail of the last of k + 1 frames, i.e. k * hop + those of the profile
    first = ola[n_fft + head : 2 * n_fft + head].min()
    lo = n_fft + k * hop + tail - n_fft + 1
    last = ola[max(lo, 0) : max(lo + n_fft, 0)].min() if lo + n_fft <= ola.shape[0] else 0.0
    return float(first) / interior, float(last) / interior


def _ill_conditioned_ends(window: Any, win_length: int | None, n_fft: int, hop: int, center: bool, n: int,
                          n_frames: int) -> tuple[bool, bool]:
    """Whether an inverse STFT of ``n`` samples from ``n_frames`` frames divides by a window sum-square below
    half its interior value at the signal's first samples (``[0]``) and at its last samples (``[1]``): only
    one window's tail covers them, as at overlap 2 or a length that ends just past a frame's centre. Only
    there does float32 rounding get magnified enough to matter, so only there are the edge frames (stft) and
    blocks (istft) redone in float64; librosa's default overlap of 4 at most lengths never needs it. Keyed by
    parameters and where the ends fall in their frames, never by the signal."""
    win_length = n_fft if win_length is None else win_length
    k = -(-n_fft // hop)
    if n_frames <= 2 * k + 2 or n <= 2 * n_fft:
        return True, True  # a short signal: the redo is a few frames anyway
    head = n_fft // 2 if center else 0
    tail = head + n - 1 - (n_frames - 1) * hop
    if _is_window_spec(window):
        # a tail past every frame reads as past the profile (conditioning 0): one key for all of them, so the
        # keys are bounded by the window's length (never by the signal's), and a recurring position is free
        past = 2 * n_fft + 1
        return _end_flags_cached(window, win_length, n_fft, hop, head, min(tail, past))
    profile = _end_profile(np.asarray(_window_array(window, win_length, n_fft), dtype=np.float64) ** 2, hop)
    first, last = _end_conditioning(profile, n_fft, hop, head, tail)
    return first < 0.5, last < 0.5


@functools.lru_cache(maxsize=1 << 14)  # two booleans per key: bounded by count (a lookup per stretch of a clip)
def _end_flags_cached(window: Any, win_length: int, n_fft: int, hop: int, head: int, tail: int) -> tuple:
    first, last = _end_conditioning(_end_profile_cached(window, win_length, n_fft, hop), n_fft, hop, head, tail)
    return first < 0.5, last < 0.5


def _ends_ill_conditioned(window: Any, win_length: int | None, n_fft: int, hop: int, center: bool, n: int,
                          n_frames: int) -> bool:
    """Whether either end is ill-conditioned (see :func:`_ill_conditioned_ends`)."""
    return any(_ill_conditioned_ends(window, win_length, n_fft, hop, center, n, n_frames))


def _is_complex_dtype(dtype: Any) -> bool:
    if getattr(dtype, "is_complex", None) is not None:  # a torch dtype
        return bool(dtype.is_complex)
    try:
        return np.dtype(dtype).kind == "c"
    except TypeError:
        return False


def _write_out(result: Any, out: Any, unit: str, complex_out: bool = False) -> Any:
    """librosa's ``out=``: fill ``out`` (numpy, same leading shape, at least as long on the last axis) and
    return it, or the view of its start when it has room for more ``unit``."""
    if B.is_torch(result) or not isinstance(out, np.ndarray):
        raise ParameterError("out= is only supported for numpy input and a numpy output array")
    if complex_out and not np.iscomplexobj(out):
        raise ParameterError(f"out has dtype {out.dtype}, which is not complex")
    if out.shape[:-1] != result.shape[:-1] or out.shape[-1] < result.shape[-1]:
        raise ParameterError(f"out has shape {out.shape}, expected {tuple(result.shape)} (or more {unit})")
    target = out if out.shape == result.shape else out[..., : result.shape[-1]]
    target[...] = result
    return target


def _ola_constant(frame: np.ndarray, hop_length: int, n_frames: int) -> np.ndarray:
    """Overlap-add of ``n_frames`` copies of one frame (the window sum-square of weighted overlap-add).

    In hop-sized blocks, block ``b`` is the sum of the frame's chunks ``r`` with ``0 <= b - r < n_frames``:
    the same full sum everywhere but the first and last ``ceil(n_fft / hop) - 1`` blocks, which take
    differences of prefix sums. One fill pass, O(length) memory.
    """
    n_fft = frame.shape[-1]
    n_chunks = -(-n_fft // hop_length)
    chunks = np.pad(frame, (0, n_chunks * hop_length - n_fft)).reshape(n_chunks, hop_length)
    prefix = np.concatenate([np.zeros((1, hop_length)), np.cumsum(chunks, axis=0)])
    n_blocks = n_frames + n_chunks - 1
    out = np.empty((n_blocks, hop_length))
    out[:] = prefix[-1]
    b = np.arange(n_blocks)
    b = b[(b < n_chunks - 1) | (b > n_frames - 1)]
    out[b] = prefix[np.minimum(b, n_chunks - 1) + 1] - prefix[np.maximum(0, b - n_frames + 1)]
    return out.reshape(-1)[: n_fft + hop_length * (n_frames - 1)]


def _ola_blocks(frames: np.ndarray, hop_length: int) -> np.ndarray:
    """numpy overlap-add of frames ``(..., n_frames, n_fft)`` into hop-sized blocks
    ``(..., n_frames + ceil(n_fft / hop) - 1, hop)``: chunk ``r`` of frame ``t`` lands in block ``t + r``."""
    *lead, n_frames, n_fft = frames.shape
    n_chunks = -(-n_fft // hop_length)
    if n_chunks * hop_length != n_fft:
        frames = np.pad(frames, [(0, 0)] * (frames.ndim - 1) + [(0, n_chunks * hop_length - n_fft)])
    chunks = frames.reshape((*lead, n_frames, n_chunks, hop_length))
    out = np.empty((*lead, n_frames + n_chunks - 1, hop_length), dtype=frames.dtype)
    out[..., :n_frames, :] = chunks[..., 0, :]
    out[..., n_frames:, :] = 0
    for r in range(1, n_chunks):
        out[..., r : r + n_frames, :] += chunks[..., r, :]
    return out


def _irfft_ola_blocks(D: np.ndarray, n_fft: int, hop: int, win: np.ndarray) -> np.ndarray:
    """Inverse FFT, window and overlap-add of a numpy STFT ``(..., n_bins, n_frames)`` into hop-sized blocks
    ``(..., n_frames + ceil(n_fft / hop) - 1, hop)`` (as :func:`_ola_blocks` of the windowed frames).

    Long inputs go in cache-sized blocks of frames on the thread pool: each block's frames are transformed,
    windowed and overlap-added locally, the rows only it touches are written at once, and the
    ``ceil(n_fft / hop) - 1`` rows it shares with the next block are added afterwards. No full-size array of
    frames is ever stored (it cost a pass through memory and, fresh from the allocator, page faults).
    """
    frames_major = D.swapaxes(-1, -2)
    lead, n_frames = D.shape[:-2], D.shape[-1]
    k = -(-n_fft // hop) - 1
    block = block_frames(n_fft)
    if math.prod(lead) * n_frames * n_fft <= _SMALL_IRFFT or n_frames <= 2 * block or block <= 2 * k:
        small = math.prod(lead) * n_frames * n_fft <= _SMALL_IRFFT
        frames = B.irfft(frames_major, n=n_fft, workers=1 if small else None)
        frames *= win
        return _ola_blocks(frames, hop)
    items = frames_major.reshape((-1, n_frames, frames_major.shape[-1]))
    rdtype = np.float32 if D.dtype == np.complex64 else np.float64
    out = np.empty((items.shape[0], n_frames + k, hop), dtype=rdtype)
    starts = list(range(0, n_frames, block))
    tasks = [(i, s) for i in range(items.shape[0]) for s in starts]
    seams: list = [None] * len(tasks)

    def run(t: int) -> None:
        i, s = tasks[t]
        e = min(n_frames, s + block)
        fr = B.irfft(items[i, s:e], n=n_fft, workers=1)
        fr *= win
        local = _ola_blocks(fr, hop)  # rows s .. e + k - 1
        m = e - s
        if m >= k:
            out[i, s + k : s + m] = local[k:m]  # rows no other block touches
            seams[t] = (local[:k].copy(), local[m:].copy())
        else:  # a last block of fewer than k frames: its head and tail rows overlap, so it is all seam
            seams[t] = (local.copy(), None)

    B.parallel_for(run, len(tasks))
    # the rows blocks share (each block's first k and the k after it): zeroed, then every block's part added.
    # (Assigning the tail, as before, overwrote the previous block's tail where a last block of fewer than k
    # frames let head and tail overlap: istft(stft(y)) of 2**17 samples was off by up to 1.9 at its end.)
    for i, s in tasks:
        e = min(n_frames, s + block)
        out[i, s : s + k] = 0
        out[i, e : e + k] = 0
    for t, (i, s) in enumerate(tasks):
        head, tail = seams[t]
        e = min(n_frames, s + block)
        if tail is None:
            out[i, s : e + k] += head
        else:
            out[i, s : s + k] += head
            out[i, e : e + k] += tail
    return out.reshape((*lead, n_frames + k, hop))


def _wss_inverse_rows(win_sq: np.ndarray, hop: int, dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reciprocals of the window sum-square of weighted overlap-add, per hop-sized block, for any frame count
    ``n_frames >= ceil(n_fft / hop) - 1``: ``(head, full, tail)``.

    Block ``b`` of the sum-square is the sum of the window's chunks ``r`` with ``0 <= b - r < n_frames``: for
    the first ``k = ceil(n_fft / hop) - 1`` blocks the first ``b + 1`` chunks (``head``, ``(k, hop)``), for
    every interior block all of them (``full``, ``(hop,)``), for the last ``k`` blocks the chunks after
    ``b - n_frames`` (``tail``, ``(k, hop)``). Sums at or below ``tiny`` give 1 (left as they are, as librosa).
    """
    n_chunks = -(-win_sq.shape[-1] // hop)
    win_sq = np.asarray(win_sq, dtype=np.float64)
    chunks = np.pad(win_sq, (0, n_chunks * hop - win_sq.shape[-1])).reshape(n_chunks, hop)
    prefix = np.cumsum(chunks, axis=0)  # prefix[r] = chunks[:r + 1].sum()
    # the tail sums directly from the end: a difference of prefix sums loses the small values at the window's
    # end to cancellation (float32 windows gave 5e-5 errors in the last samples of istft(stft(y)))
    suffix = np.cumsum(chunks[::-1], axis=0)[::-1]  # suffix[r] = chunks[r:].sum()
    tiny = np.finfo(dtype).tiny

    def inverse(wss: np.ndarray) -> np.ndarray:
        return B.frozen((1.0 / np.where(wss > tiny, wss, 1.0)).astype(dtype))

    return inverse(prefix[: n_chunks - 1]), inverse(prefix[-1]), inverse(suffix[1:n_chunks])


@cached
def _wss_inverse_cached(window: Any, win_length: int, n_fft: int, hop: int, dtype: str) -> tuple:
    return _wss_inverse_rows(_window_array(window, win_length, n_fft) ** 2, hop, np.dtype(dtype))


def _normalise_blocks(blocks: np.ndarray, rows: tuple, n_frames: int, win_sq: np.ndarray) -> None:
    """Divide overlap-added blocks (see :func:`_ola_blocks`) in place by the window sum-square: one row of
    reciprocals for the whole interior (one in-place multiply, no signal-length array), the precomputed
    edge rows (:func:`_wss_inverse_rows`) for the first and last blocks."""
    head, full, tail = rows
    k = head.shape[0]
    n_blocks = blocks.shape[-2]
    if n_frames >= k:
        if k:
            blocks[..., :k, :] *= head
            blocks[..., n_blocks - k :, :] *= tail
        blocks[..., k:n_frames, :] *= full
        return
    # fewer frames than chunks per window: every block is an edge block
    n_chunks = k + 1
    hop = blocks.shape[-1]
    chunks = np.pad(win_sq, (0, n_chunks * hop - win_sq.shape[-1])).reshape(n_chunks, hop)
    prefix = np.concatenate([np.zeros((1, hop)), np.cumsum(chunks, axis=0)])
    b = np.arange(n_blocks)
    wss = prefix[np.minimum(b, n_chunks - 1) + 1] - prefix[np.maximum(0, b - n_frames + 1)]
    tiny = np.finfo(blocks.dtype).tiny
    blocks *= (1.0 / np.where(wss > tiny, wss, 1.0)).astype(blocks.dtype)


def _edge_blocks_float64(blocks: np.ndarray, D: np.ndarray, *, window: Any, win_length: int, n_fft: int,
                         hop: int, ends: tuple[bool, bool] = (True, True)) -> None:
    """Redo, in float64, the first and/or last ``ceil(n_fft / hop) - 1`` overlap-added blocks of a float32
    numpy inverse STFT (see :func:`_ola_blocks`), in place; ``ends`` says which (head, tail).

    There the window sum-square is tiny (only the tail of one or a few windows covers the signal's ends), and
    dividing by it magnifies float32 rounding of the inverse FFT and of the overlap-add; in float64 only the
    input's own rounding remains. The head blocks depend only on the first ``k`` frames and the tail blocks on
    the last ``k``, so this costs ``k`` small float64 FFTs per end.
    """
    win64 = _window_array(window, win_length, n_fft)
    n_frames = D.shape[-1]
    k = -(-n_fft // hop) - 1
    if k == 0 or not any(ends):
        return
    if _is_window_spec(window):
        rows = _wss_inverse_cached(window, win_length, n_fft, hop, "float64")
    else:
        rows = _wss_inverse_rows(win64**2, hop, np.float64)
    if n_frames <= 2 * k:  # few frames: redo them all
        frames = B.irfft(D.swapaxes(-1, -2).astype(np.complex128), n=n_fft, workers=1) * win64
        full = _ola_blocks(frames, hop)
        _normalise_blocks(full, rows, n_frames, win64**2)
        blocks[...] = full
        return
    head, _, tail = rows
    for end, sl, r, out in ((ends[0], slice(0, k), head, blocks[..., :k, :]),
                            (ends[1], slice(n_frames - k, n_frames), tail, blocks[..., blocks.shape[-2] - k :, :])):
        if not end:
            continue
        frames = B.irfft(D[..., sl].swapaxes(-1, -2).astype(np.complex128), n=n_fft, workers=1)
        frames *= win64
        part = _ola_blocks(frames, hop)  # (..., 2k, hop)
        part = part[..., :k, :] if sl.start == 0 else part[..., k:, :]
        np.multiply(part, r, out=out)


def _istft_numpy(D: np.ndarray, win: np.ndarray, *, window: Any, win_length: int, n_fft: int, hop: int,
                 center: bool, expected: int) -> np.ndarray:
    """:func:`istft` of a numpy STFT ``(..., n_bins, n_frames)`` (frames already trimmed to what ``expected``
    output samples need; ``win``: the window centred in ``n_fft`` samples in the output's real dtype)."""
    # window in place, overlap-add into hop blocks, divide by the window sum-square block-wise
    n_frames = D.shape[-1]
    blocks = _irfft_ola_blocks(D, n_fft, hop, win)
    if _is_window_spec(window):
        rows = _wss_inverse_cached(window, win_length, n_fft, hop, np.dtype(blocks.dtype).name)
        win_sq = None
    else:
        win_sq = np.asarray(win, dtype=np.float64) ** 2
        rows = _wss_inverse_rows(win_sq, hop, blocks.dtype)
    if win_sq is None and n_frames < rows[0].shape[0]:
        win_sq = _window_array(window, win_length, n_fft) ** 2
    _normalise_blocks(blocks, rows, n_frames, win_sq)
    return _istft_blocks_to_signal(blocks, D, window=window, win_length=win_length, n_fft=n_fft, hop=hop,
                                   center=center, expected=expected)


def _istft_blocks_to_signal(blocks: np.ndarray, D: np.ndarray, *, window: Any, win_length: int, n_fft: int,
                            hop: int, center: bool, expected: int) -> np.ndarray:
    """The end of the numpy inverse STFT, from overlap-added blocks already divided by the window sum-square
    (``(..., n_frames + k, hop)``, from the STFT ``D`` ``(..., n_bins, n_frames)``): a float32 result's
    ill-conditioned ends redone in float64, then the ``expected`` samples after the centring pad (zero past
    the end)."""
    if blocks.dtype == np.float32:
        ends = _ill_conditioned_ends(window, win_length, n_fft, hop, center, expected, D.shape[-1])
        if any(ends):
            _edge_blocks_float64(blocks, D, window=window, win_length=win_length, n_fft=n_fft, hop=hop, ends=ends)
    start = n_fft // 2 if center else 0
    y = blocks.reshape((*blocks.shape[:-2], -1))[..., start : start + expected]
    if y.shape[-1] < expected:
        y = B.pad(y, 0, expected - y.shape[-1])
    return y


def _istft_torch(frames: Any, win: Any, *, n_fft: int, hop: int, start: int, expected: int,
                 weights: Any = None) -> Any:
    """The torch inverse STFT of frames-major spectra ``(..., n_frames, n_bins)``: inverse FFT, window,
    overlap-add, division by the overlap-added window energy, samples ``start .. start + expected`` (zero
    past the end).

    ``weights`` (``(..., n_frames)``, broadcasting against the frames' leading axes; default all ones)
    scales each frame's window energy: the batched time stretch gives each example its own frame count by
    weighting the frames it does not have with 0.
    """
    import torch

    y = B.overlap_add(B.irfft(frames, n=n_fft) * win, hop)
    energy = win * win
    n_frames = frames.shape[-2]
    wss = B.overlap_add(energy.expand(n_frames, n_fft) if weights is None else weights[..., None] * energy, hop)
    y, wss = y[..., start : start + expected], wss[..., start : start + expected]
    y, wss = B.pad(y, 0, expected - y.shape[-1]), B.pad(wss, 0, expected - wss.shape[-1])
    tiny = torch.finfo(y.dtype).tiny
    return y / torch.where(wss > tiny, wss, torch.ones_like(wss))


@capabilities(librosa="librosa.istft")
def istft(
    stft_matrix: Any,
    *,
    hop_length: int | None = None,
    win_length: int | None = None,
    n_fft: int | None = None,
    window: Any = "hann",
    center: bool = True,
    dtype: Any = None,
    length: int | None = None,
    out: Any = None,
) -> Any:
    """Inverse STFT by weighted overlap-add (librosa-compatible).

    ``istft(stft(y), length=len(y))`` reconstructs ``y`` wherever the window overlap-adds to a non-zero
    sum (everywhere for the defaults).

    Parameters
    ----------
    stft_matrix : complex array, shape (..., 1 + n_fft // 2, n_frames)
        An STFT (numpy or torch).
    hop_length, win_length, n_fft, window, center :
        As in :func:`stft`; ``n_fft`` defaults to ``2 * (stft_matrix.shape[-2] - 1)``.
    dtype : real dtype, optional
        Output dtype; default the real counterpart of the input.
    length : int, optional
        Exact output length (zero-padded or trimmed).
    out : np.ndarray, optional
        A preallocated numpy array to receive the result.

    Returns
    -------
    y : real array, shape (..., length)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> y_hat = audiofeat.istft(audiofeat.stft(y), length=len(y))
    >>> bool(np.allclose(y, y_hat, atol=1e-5))
    True
    """
    D = B.as_array(stft_matrix, "stft_matrix")
    xp = B.namespace(D)
    if D.ndim < 2:
        raise ParameterError(f"stft_matrix must have shape (..., n_bins, n_frames), got {tuple(D.shape)}")
    if n_fft is None:
        n_fft = 2 * (D.shape[-2] - 1)
    n_fft, hop_length, win_length = _resolve_lengths(n_fft, hop_length, win_length)
    if D.shape[-2] != 1 + n_fft // 2:
        raise ParameterError(f"stft_matrix has {D.shape[-2]} bins, expected 1 + n_fft // 2 = {1 + n_fft // 2}")
    if length is not None:
        length = check_int("length", length, minimum=0)
    if not xp.isdtype(D.dtype, ("complex floating", "real floating")):
        raise ParameterError(f"stft_matrix must be complex (or real floating), got dtype {D.dtype}")
    rdtype = B.real_dtype(xp, D.dtype)

    n_frames = D.shape[-1]
    if length is not None:
        padded = length + 2 * (n_fft // 2) if center else length
        n_frames = min(n_frames, max(1, math.ceil(padded / hop_length)))
    if n_frames == 0:
        raise ParameterError("stft_matrix has no frames")
    D = D[..., :n_frames]
    if math.prod(D.shape[:-2]) == 0:  # an empty batch: an empty result (FFT libraries reject empty inputs)
        expected = length if length is not None else (
            n_fft + hop_length * (n_frames - 1) - (2 * (n_fft // 2) if center else 0))
        return xp.zeros((*D.shape[:-2], expected), dtype=rdtype if dtype is None else dtype,
                        device=B.device(D))

    like = xp.zeros((1,), dtype=rdtype, device=B.device(D))
    win = _analysis_window(window, win_length, n_fft, like)
    start = n_fft // 2 if center else 0
    expected = length if length is not None else (
        n_fft + hop_length * (n_frames - 1) - (2 * (n_fft // 2) if center else 0))

    if not B.is_torch(D):
        y = _istft_numpy(D, win, window=window, win_length=win_length, n_fft=n_fft, hop=hop_length, center=center,
                         expected=expected)
    else:
        # torch: differentiable in a learnable window, traceable by torch.compile, and on the device
        y = _istft_torch(D.swapaxes(-1, -2), win, n_fft=n_fft, hop=hop_length, start=start, expected=expected)
    if dtype is not None:
        y = xp.astype(y, dtype) if B.is_torch(y) else y.astype(dtype, copy=False)
    if out is not None:
        return _write_out(y, out, "samples")
    return y


@capabilities(librosa="librosa.magphase")
def magphase(D: Any, *, power: float = 1) -> tuple[Any, Any]:
    """Split a complex spectrogram into magnitude and unit-modulus phase: ``D = S * P``.

    Parameters
    ----------
    D : complex array (numpy or torch)
        A spectrogram.
    power : float
        Exponent of the magnitude (1 for magnitude, 2 for power).

    Returns
    -------
    S : real array, ``abs(D) ** power``
    P : complex array, ``exp(1j * angle(D))`` (1 where ``D == 0``); complex also for real ``D``

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> S, P = audiofeat.magphase(np.array([3 + 4j, 0j]))
    >>> S, P
    (array([5., 0.]), array([0.6+0.8j, 1. +0.j ]))
    """
    D = B.as_float(D, "D", complex_ok=True)
    xp = B.namespace(D)
    mag = xp.abs(D)
    zeros_to_ones = xp.astype(mag == 0, mag.dtype)
    mag_nonzero = mag + zeros_to_ones
    # real and imaginary parts divided separately: a complex division overflows to nan+infj on denormal
    # input (|D| < ~1e-38 in complex64), where the parts divide cleanly
    if xp.isdtype(D.dtype, "complex floating"):
        re, im = xp.real(D) / mag_nonzero + zeros_to_ones, xp.imag(D) / mag_nonzero
    else:
        re, im = D / mag_nonzero + zeros_to_ones, xp.zeros_like(mag)
    if B.is_torch(D):
        import torch

        phase = torch.complex(re, im)
    else:
        phase = np.empty(D.shape, dtype=np.complex128 if mag.dtype == np.float64 else np.complex64)
        phase.real, phase.imag = re, im
    return mag**power, phase
