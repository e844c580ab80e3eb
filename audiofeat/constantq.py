"""Time-frequency joint representations: the constant-Q and variable-Q transforms, their inverse, and the
chroma features built on them.

A constant-Q transform (CQT) analyses a signal with filters whose centre frequencies are spaced
geometrically (``bins_per_octave`` per octave) and whose bandwidths grow with frequency, so that every bin
has the same quality factor Q: long windows (fine frequency resolution) at low frequencies, short windows
(fine time resolution) at high ones. Musical pitch is logarithmic in frequency, so a CQT puts each semitone
(or a fraction of one) in its own bin, at every octave; it is the natural input for pitch, chord and key
analysis and for chroma. A variable-Q transform (VQT) widens the low-frequency filters by a constant
``gamma`` (Hz), trading some frequency resolution for time resolution where constant Q would need very long
windows.

How it is computed (librosa 0.11's multi-rate algorithm, one implementation for numpy and torch): the
filters of the top octave are applied in the frequency domain to the short-time spectra of the signal; then
the signal is decimated by two and the next octave down is analysed with the same-length filters at half the
sampling rate, and so on. A signal whose top filters sit far below Nyquist is first decimated by a power of
two at once ("early downsampling").

Decimation is the only step whose code differs between the backends (:func:`_downsample`): numpy calls
the core resampler (:func:`audiofeat.resample`, soxr, exactly as librosa does); torch applies the same
linear map, measured once from soxr's impulse responses (its filter as a strided convolution, plus a small
correction at the start for ratios above 2), on the tensor's device and differentiably. The two agree to
about 1e-7 of the signal's peak. (The inverse transform's interpolation applies soxr's measured filter
without a start correction; see :func:`icqt`.)
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from . import _backend as B
from ._cache import cached
from ._checks import check_finite, check_int, check_number, check_positive, warn_user
from ._registry import capabilities
from .errors import ParameterError
from .filters import (
    _et_relative_bandwidth,
    _relative_bandwidth,
    _wavelet_filters,
    cq_to_chroma,
    get_window,
    note_to_hz,
    wavelet_lengths,
)
from .resampling import _SOXR_QUALITY, resample

__all__ = ["cqt", "vqt", "hybrid_cqt", "pseudo_cqt", "icqt", "chroma_cqt", "chroma_cens"]

_C1 = float(note_to_hz("C1"))


# --------------------------------------------------------------------------------------------------
# decimation and interpolation by two: soxr on numpy, soxr's own filter on torch
# --------------------------------------------------------------------------------------------------
@cached
def _soxr_decimator(quality: str, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """soxr's ``factor``:1 decimation as a linear map, measured once from its impulse responses.

    In the interior soxr is shift-invariant: ``out[m] = sum_k h[k] x[factor m - k]`` (measured from
    ``factor`` impulses, one per phase, far from the ends). Near the start its multi-stage conversions
    (ratios above 2) differ from that by a fixed linear map of the first samples onto the first outputs,
    measured as the matrix ``E`` (first inputs x first outputs). Taps below 1e-7 of the peak are soxr's
    own float32 rounding and are dropped. Returns ``(h (2 half + 1,), E)``.
    """
    import soxr

    n = 1 << 15
    base = n // 2
    taps: dict[int, float] = {}
    for p in range(factor):
        x = np.zeros(n)
        x[base + p] = 1.0
        out = soxr.resample(x, factor, 1, _SOXR_QUALITY[quality])
        for m, v in enumerate(out):
            taps[factor * m - (base + p)] = v
    ks = np.array(sorted(taps))
    h = np.array([taps[k] for k in ks])
    keep = np.abs(h) > 1e-7 * np.abs(h).max()
    half = int(np.abs(ks[keep]).max())
    filt = np.zeros(2 * half + 1)
    sel = np.abs(ks) <= half
    filt[ks[sel] + half] = h[sel]
    # start correction: inputs 0..P-1 onto outputs 0..J-1
    P, J = (0, 0) if factor == 2 else (8 * factor, 2 * half // factor + 8)
    E = np.zeros((P, J))
    length = 4 * half + 8 * factor + P
    for p in range(P):
        x = np.zeros(length)
        x[p] = 1.0
        out = soxr.resample(x, factor, 1, _SOXR_QUALITY[quality])[:J]
        c = np.convolve(x, filt)
        lti = c[factor * np.arange(J) + half]
        E[p, : len(out)] = out - lti[: len(out)]
    return B.frozen(filt), B.frozen(E)


def _downsample(y: Any, factor: int, res_type: str) -> Any:
    """Decimate by ``factor`` (a power of two) along the last axis with energy kept: librosa's
    ``resample(y, orig_sr=factor, target_sr=1, res_type=res_type, scale=True)``.

    numpy, and CPU tensors no derivative is taken of, call the core resampler (soxr). Otherwise torch applies
    the same linear map on the tensor's device: soxr's measured filter as a strided convolution, its start
    correction as a small matrix product, and soxr's output length (``floor(n / factor + 1/2)``, zero-padded
    to ``ceil(n / factor)`` as ``fix`` does).
    """
    if not B.is_torch(y):
        return resample(y, orig_sr=factor, target_sr=1, res_type=res_type, scale=True)
    import torch

    view = B.cpu_view(y)
    if view is not None:  # soxr itself (the same map): the convolution was 88% of a CPU tensor's cqt
        return torch.from_numpy(resample(view, orig_sr=factor, target_sr=1, res_type=res_type, scale=True))

    h, E = _soxr_decimator(res_type, factor)
    half = len(h) // 2
    gain = math.sqrt(factor)
    kernel = B.const(np.ascontiguousarray(h[::-1]) * gain, y)
    lead, n = y.shape[:-1], y.shape[-1]
    x = torch.nn.functional.pad(y.reshape(-1, 1, n), (half, half))
    out = B.conv1d(x, kernel.reshape(1, 1, -1), stride=factor)[:, 0]  # ceil(n / factor); no TF32 on CUDA
    n_out = out.shape[-1]
    if E.size:
        P, J = min(E.shape[0], n), min(E.shape[1], n_out)
        corr = y.reshape(-1, n)[:, :P] @ B.const(np.ascontiguousarray(E[:P, :J]) * gain, y)
        out = torch.cat([out[:, :J] + corr, out[:, J:]], dim=-1)
    kept = int(math.floor(n / factor + 0.5))
    if kept < n_out:
        out = torch.cat([out[:, :kept], out.new_zeros((out.shape[0], n_out - kept))], dim=-1)
    return out.reshape(*lead, n_out)


def _halve(y: Any, res_type: str) -> Any:
    """Decimate by two with energy kept (``resample(y, 2, 1, scale=True)``)."""
    return _downsample(y, 2, res_type)


@cached
def _soxr_interpolator(quality: str, factor: int) -> np.ndarray:
    """soxr's 1:``factor`` interpolation filter, ``out[m] = sum_j x[j] h[m - factor j]``, measured from one
    impulse far from the ends (soxr is shift-invariant there; for ``factor >= 8`` its multi-stage
    conversion differs near the start, which this filter does not reproduce)."""
    import soxr

    n = max(1 << 12, 64000 // factor)  # the filter spans ~200 * factor output samples
    base = n // 2
    x = np.zeros(n)
    x[base] = 1.0
    out = soxr.resample(x, 1, factor, _SOXR_QUALITY[quality])
    ks = np.arange(len(out)) - factor * base
    keep = np.abs(out) > 1e-7 * np.abs(out).max()
    half = int(np.abs(ks[keep]).max())
    filt = np.zeros(2 * half + 1)
    sel = np.abs(ks) <= half
    filt[ks[sel] + half] = out[sel]
    return B.frozen(filt)


def _upsample(y: Any, factor: int, res_type: str) -> Any:
    """Interpolate by ``factor`` (a power of two) without rescaling: librosa's
    ``resample(y, orig_sr=1, target_sr=factor, res_type=res_type, scale=False, fix=False)``.

    numpy calls soxr; torch applies soxr's measured interpolation filter as one transposed convolution
    (equal to soxr to ~1e-7 for factors up to 4; from 8 on, soxr treats its first input samples
    differently, see :func:`icqt`)."""
    if factor == 1:
        return y
    if not B.is_torch(y):
        return resample(y, orig_sr=1, target_sr=factor, res_type=res_type, scale=False, fix=False)
    import torch

    view = B.cpu_view(y)
    if view is not None:  # soxr itself, as _downsample
        return torch.from_numpy(resample(view, orig_sr=1, target_sr=factor, res_type=res_type, scale=False,
                                         fix=False))

    h = _soxr_interpolator(res_type, factor)
    half = len(h) // 2
    kernel = B.const(np.ascontiguousarray(h), y)
    lead, n = y.shape[:-1], y.shape[-1]
    # out[m] = sum_j y[j] h[m - factor j + half]: a transposed convolution with stride ``factor``
    out = B.conv1d(y.reshape(-1, 1, n), kernel.reshape(1, 1, -1), stride=factor, transposed=True)
    return out[:, 0, half : half + factor * n].reshape(*lead, factor * n)


# --------------------------------------------------------------------------------------------------
# filters in the frequency domain
# --------------------------------------------------------------------------------------------------
@cached
def _filter_fft(sr: float, freqs: tuple, alpha: tuple, filter_scale: float, norm: Any, sparsity: float,
                window: Any, gamma: float | None, hop_length: int | None, real_dtype: Any):
    """Frequency responses of one octave's filters, as librosa builds them (complex64 arithmetic, rows
    sparsified to keep ``1 - sparsity`` of their L1 mass), cropped to the FFT bins any filter touches.

    Returns ``(basis (n_filters, c1 - c0) complex, n_fft, c0, c1, lengths)``.
    """
    f = np.asarray(freqs)
    lengths, _ = wavelet_lengths(freqs=f, sr=sr, window=window, filter_scale=filter_scale, gamma=gamma,
                                 alpha=np.asarray(alpha))
    basis = _wavelet_filters(f, lengths, sr, window, norm, True).astype(np.complex64)
    n_fft = basis.shape[1]
    if hop_length is not None and n_fft < 2.0 ** (1 + np.ceil(np.log2(hop_length))):
        n_fft = int(2.0 ** (1 + np.ceil(np.log2(hop_length))))
    basis *= lengths[:, np.newaxis] / float(n_fft)
    fft_basis = np.fft.fft(basis, n=n_fft, axis=1)[:, : n_fft // 2 + 1]
    # librosa.util.sparsify_rows
    mags = np.abs(fft_basis)
    norms = np.sum(mags, axis=1, keepdims=True)
    mag_sort = np.sort(mags, axis=1)
    cumulative = np.cumsum(mag_sort / norms, axis=1)
    idx = np.argmin(cumulative < sparsity, axis=1)
    keep = mags >= mag_sort[np.arange(len(idx)), idx][:, None]
    cdtype = np.complex128 if np.dtype(real_dtype) == np.float64 else np.complex64
    fft_basis = np.where(keep, fft_basis, 0).astype(cdtype)
    cols = np.flatnonzero(keep.any(axis=0))
    c0, c1 = int(cols[0]), int(cols[-1]) + 1
    return B.frozen(np.ascontiguousarray(fft_basis[:, c0:c1])), n_fft, c0, c1, lengths


def _response(y: Any, n_fft: int, hop_length: int, basis: np.ndarray, c0: int, c1: int, pad_mode: str,
              window: np.ndarray | None = None, magnitude: bool = False, time_kernels: tuple | None = None) -> Any:
    """``basis @ stft(y)[c0:c1]``: the filters' responses ``(..., n_filters, n_frames)``.

    The STFT is librosa's (centred, ``pad_mode``, rectangular window unless ``window`` is given); only the
    FFT bins the filters touch are used. ``basis`` is a stored numpy constant. The frames run in blocks
    (:func:`audiofeat._backend.map_frame_blocks`). Complex responses are one real matrix product per
    block with the filters brought back to the time domain (``time_kernels``: the same linear map as FFT
    then filters); magnitude responses (:func:`pseudo_cqt`) FFT each block and multiply the touched bins.
    """
    p = n_fft // 2
    if pad_mode == "reflect" and y.shape[-1] <= p:
        raise ParameterError(f"input of {y.shape[-1]} samples is too short to reflect-pad {p} samples")
    from .shorttime import _framed_signal

    framed = _framed_signal(y, n_fft, hop_length, True, pad_mode)
    m = basis.shape[0]
    real = y.dtype
    if time_kernels is not None:
        kr, ki = B.const(time_kernels[0], y), B.const(time_kernels[1], y)  # (m, n_fft)

        def kernel(fr):
            frt = fr.swapaxes(-1, -2)
            return (B.small_matmul(kr, frt) + 1j * B.small_matmul(ki, frt)).swapaxes(-1, -2)

        return B.map_frame_blocks(kernel, framed, (m,), _cdtype(y), time_last=True)

    basis_c = B.const(basis, y, real if magnitude else _cdtype(y))
    win = None if window is None else B.const(window, y)

    def kernel(fr):
        if win is not None:
            fr = fr * win
        spec = B.rfft(fr, workers=1)[..., c0:c1]
        if magnitude:
            spec = B.magnitude(spec)
        return B.small_matmul(basis_c, spec.swapaxes(-1, -2)).swapaxes(-1, -2)

    return B.map_frame_blocks(kernel, framed, (m,), real if magnitude else _cdtype(y), time_last=True)


def _time_kernels(basis: np.ndarray, n_fft: int, c0: int, c1: int) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary parts ``(m, n_fft)`` of ``K`` with ``K @ frame == basis @ rfft(frame)[c0:c1]``."""
    k = np.arange(c0, c1)
    t = np.arange(n_fft)
    dft = np.exp(-2j * np.pi * np.outer(t, k) / n_fft)  # (n_fft, c1 - c0)
    K = (dft @ basis.astype(np.complex128).T).T  # (m, n_fft)
    return B.frozen(np.ascontiguousarray(K.real)), B.frozen(np.ascontiguousarray(K.imag))


# --------------------------------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------------------------------
def _estimate_tuning(y: Any, sr: float, bins_per_octave: int) -> float:
    try:
        from .pitch import estimate_tuning  # type: ignore[attr-defined]
    except ImportError:
        raise ParameterError(
            "tuning=None asks for the tuning to be estimated from the signal, which needs "
            "audiofeat.estimate_tuning (not available in this version); pass tuning=0.0 or a known tuning"
        ) from None
    return float(estimate_tuning(y=B.to_numpy(y) if B.is_torch(y) else y, sr=sr,
                                 bins_per_octave=bins_per_octave))


def _item_tunings(y: Any, sr: float, bins_per_octave: int) -> float | list[float]:
    """``tuning=None``: the estimated tuning, one per item of a batch. A float when every item gives the same
    (or there is one item); else the list, and the caller transforms item by item (:func:`_by_item`), so
    that a batch is a loop over its items, as :func:`audiofeat.chroma_stft` does. (librosa estimates one
    tuning from the whole batch: a quiet detuned item then takes its loud neighbour's.)"""
    items = y.reshape(-1, y.shape[-1])
    tunings = [_estimate_tuning(items[i], sr, bins_per_octave) for i in range(items.shape[0])]
    return tunings[0] if len(set(tunings)) == 1 else tunings


def _by_item(fn: Callable[..., Any], y: Any, tunings: list[float], **kwargs: Any) -> Any:
    """``fn(item, tuning=t, **kwargs)`` for each item of ``y`` and its tuning, stacked back into y's leading
    axes."""
    items = y.reshape(-1, y.shape[-1])
    outs = [fn(items[i], tuning=t, **kwargs) for i, t in enumerate(tunings)]
    out = B.namespace(outs[0]).stack(outs)
    return out.reshape(*y.shape[:-1], *out.shape[1:])


def _interval_ratios(intervals: Any, bins_per_octave: int) -> tuple[np.ndarray, int]:
    if isinstance(intervals, str):
        if intervals == "equal":
            return 2.0 ** (np.arange(0, bins_per_octave, dtype=float) / bins_per_octave), bins_per_octave
        if intervals in ("pythagorean", "ji3", "ji5", "ji7"):
            raise ParameterError(f"intervals={intervals!r} is not implemented in audiofeat yet; pass "
                                 "'equal' or an array of frequency ratios in [1, 2)")
        raise ParameterError(f"intervals={intervals!r} must be 'equal' or an array of frequency ratios")
    ratios = np.asarray(intervals, dtype=np.float64).reshape(-1)
    if ratios.size == 0 or not np.all(np.isfinite(ratios)) or np.any(ratios <= 0):
        raise ParameterError("intervals must be a non-empty array of positive frequency ratios")
    return ratios, len(ratios)


def _check_common(sr, hop_length, n_bins, bins_per_octave, filter_scale, sparsity, tuning):
    sr = check_positive("sr", sr)
    hop_length = check_int("hop_length", hop_length)
    n_bins = check_int("n_bins", n_bins)
    bins_per_octave = check_int("bins_per_octave", bins_per_octave)
    filter_scale = check_positive("filter_scale", filter_scale)
    sparsity = check_number("sparsity", sparsity, minimum=0)
    if sparsity >= 1:
        raise ParameterError(f"sparsity={sparsity} must be in [0, 1)")
    if tuning is not None:
        tuning = check_number("tuning", tuning)
    return sr, hop_length, n_bins, bins_per_octave, filter_scale, sparsity, tuning


def _check_norm(norm: Any) -> Any:
    if norm is None:
        return None
    if isinstance(norm, (bool, np.bool_)) or not isinstance(norm, (int, float, np.integer, np.floating)):
        raise ParameterError(f"norm={norm!r} must be a number or None")
    return float(norm)


def _hashable_window(window: Any) -> Any:
    if isinstance(window, (np.ndarray, list)) or B.is_torch(window):
        raise ParameterError("window must be a window name, a tuple or a function for constant-Q filters "
                             "(each filter has its own length)")
    return window


def _out_dtype(y: Any, dtype: Any) -> Any:
    """The complex output dtype: from ``dtype`` if given, else the complex type of ``y``'s float type."""
    if dtype is None:
        return None
    if B.is_torch(y):
        import torch

        if isinstance(dtype, torch.dtype):
            return dtype
        return {np.dtype(np.complex64): torch.complex64, np.dtype(np.complex128): torch.complex128}.get(
            np.dtype(dtype), None) or _bad_dtype(dtype)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        return _bad_dtype(dtype)
    return dt


def _bad_dtype(dtype: Any):
    raise ParameterError(f"dtype={dtype!r} must be a complex dtype such as np.complex64")


def _num_two_factors(x: int) -> int:
    count = 0
    while x > 0 and x % 2 == 0:
        count += 1
        x //= 2
    return count


def _early_downsample_count(nyquist: float, filter_cutoff: float, hop_length: int, n_octaves: int) -> int:
    count1 = max(0, int(np.ceil(np.log2(nyquist / filter_cutoff)) - 1) - 1)
    count2 = max(0, _num_two_factors(hop_length) - n_octaves + 1)
    return min(count1, count2)


# --------------------------------------------------------------------------------------------------
# transforms
# --------------------------------------------------------------------------------------------------
@capabilities(librosa="librosa.vqt", compile=False,
              note="tuning=None estimates the tuning per item (librosa: one for the whole array): batch == loop.")
def vqt(
    y: Any,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    n_bins: int = 84,
    intervals: Any = "equal",
    gamma: float | None = None,
    bins_per_octave: int = 12,
    tuning: float | None = 0.0,
    filter_scale: float = 1,
    norm: float | None = 1,
    sparsity: float = 0.01,
    window: Any = "hann",
    scale: bool = True,
    pad_mode: str = "constant",
    res_type: str | None = "soxr_hq",
    dtype: Any = None,
) -> Any:
    """Variable-Q transform (librosa-compatible): a constant-Q transform whose filters are widened by
    ``gamma`` Hz, so low bins get shorter windows.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio, time on the last axis; leading axes are batch/channels.
    sr : float
        Sampling rate.
    hop_length : int
        Samples between frames (must allow halving once per octave below the top for exact multi-rate
        framing; an odd hop stops the decimation, as in librosa).
    fmin : float or None
        Lowest frequency; default C1 (32.70 Hz).
    n_bins : int
        Number of frequency bins.
    intervals : 'equal' or array_like
        Bin spacing within an octave: equal temperament, or an array of frequency ratios in [1, 2)
        (``bins_per_octave`` becomes its length). librosa's 'pythagorean' and 'ji*' are not implemented.
    gamma : float >= 0 or None
        Bandwidth offset (Hz); None uses the ERB-like ``alpha * 24.7 / 0.108``; 0 gives the CQT.
    bins_per_octave : int
        Bins per octave.
    tuning : float or None
        Tuning offset in fractions of a bin; None estimates it (needs ``audiofeat.estimate_tuning``).
    filter_scale : float > 0
        Filter length scale.
    norm : float or None
        Normalisation of each time-domain filter (1: unit L1 norm).
    sparsity : float in [0, 1)
        Drop the smallest frequency-domain filter coefficients holding this fraction of each filter's L1 mass.
    window : str, tuple or callable
        Window of each filter.
    scale : bool
        Divide each bin by the square root of its filter length (the transform then approximates a
        unitary one).
    pad_mode : str
        Padding of the centred frames (numpy modes; torch: constant, reflect, edge, wrap).
    res_type : str
        Resampler of the multi-rate analysis (default ``'soxr_hq'``). numpy: any of
        :func:`audiofeat.resample`'s methods; torch: the soxr names (the soxr filter applied on the device).
    dtype : complex dtype or None
        Output dtype; default complex64 for float32 input, complex128 for float64.

    Returns
    -------
    V : complex array, shape (..., n_bins, n_frames)
        Same backend and device as ``y``; ``n_frames = 1 + n // hop_length``.

    Raises
    ------
    ParameterError
        Filters reaching past Nyquist, bad parameters, non-finite or integer audio, a signal too short for
        the early downsampling, or a ``res_type`` torch does not support.

    Notes
    -----
    torch uses halvings in a row where librosa decimates by 4 or more in one soxr call (early downsampling
    of a transform whose top bin is far below Nyquist); numpy follows librosa exactly.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> V = audiofeat.vqt(y, sr=22050)
    >>> V.shape, V.dtype
    ((84, 44), dtype('complex64'))
    """
    call = {k: v for k, v in locals().items() if k not in ("y", "tuning")}  # as given, for _by_item
    sr, hop_length, n_bins, bins_per_octave, filter_scale, sparsity, tuning = _check_common(
        sr, hop_length, n_bins, bins_per_octave, filter_scale, sparsity, tuning)
    y = B.as_float_signal(y)
    ratios, bins_per_octave = _interval_ratios(intervals, bins_per_octave)
    if gamma is not None:
        gamma = check_number("gamma", gamma, minimum=0)
    norm = _check_norm(norm)
    window = _hashable_window(window)
    if res_type is None:
        warn_user("Support for VQT with res_type=None is deprecated in librosa 0.10\nand will be removed in "
                  "version 1.0.", FutureWarning)
        res_type = "soxr_hq"
    if B.is_torch(y) and res_type not in _SOXR_QUALITY:
        raise ParameterError(f"res_type={res_type!r} is not supported for torch tensors; use one of "
                             f"{sorted(_SOXR_QUALITY)}")
    out_dtype = _out_dtype(y, dtype)
    if y.shape[-1] == 0:
        raise ParameterError("y is empty: the time axis (last) has length 0")

    n_octaves = int(np.ceil(float(n_bins) / bins_per_octave))
    n_filters = min(bins_per_octave, n_bins)
    if tuning is None:
        tuning = _item_tunings(y, sr, bins_per_octave)
        if isinstance(tuning, list):
            return _by_item(vqt, y, tuning, **call)
    fmin = _C1 if fmin is None else check_positive("fmin", fmin, " (Hz)")
    fmin = fmin * 2.0 ** (tuning / bins_per_octave)
    all_ratios = np.multiply.outer(2.0 ** np.arange(n_octaves), ratios).flatten()[:n_bins]
    freqs = np.sort(all_ratios) * fmin
    if n_bins == 1:
        alpha = _et_relative_bandwidth(bins_per_octave)
    else:
        alpha = _relative_bandwidth(freqs)
    lengths, filter_cutoff = wavelet_lengths(freqs=freqs, sr=sr, window=window, filter_scale=filter_scale,
                                             gamma=gamma, alpha=alpha)
    nyquist = sr / 2.0
    if filter_cutoff > nyquist:
        raise ParameterError(f"Wavelet basis with max frequency={np.max(freqs[-bins_per_octave:])} would exceed "
                             f"the Nyquist frequency={nyquist}. Try reducing the number of frequency bins.")
    return _vqt_multirate(y, sr, hop_length, freqs, alpha, filter_cutoff, n_octaves, n_filters, filter_scale,
                          norm, sparsity, window, gamma, scale, pad_mode, res_type, out_dtype)


def _vqt_multirate(y, sr, hop_length, freqs, alpha, filter_cutoff, n_octaves, n_filters, filter_scale,
                   norm, sparsity, window, gamma, scale, pad_mode, res_type, out_dtype):
    """librosa's multi-rate VQT on a validated signal (numpy or torch)."""
    n_bins = len(freqs)
    count = _early_downsample_count(sr / 2.0, filter_cutoff, hop_length, n_octaves)
    if count > 0:
        factor = 2**count
        if y.shape[-1] < factor:
            raise ParameterError(f"Input signal length={y.shape[-1]} is too short for {n_octaves:d}-octave CQT")
        hop_length //= factor
        y = _downsample(y, factor, res_type)
        if not scale:
            y = y * math.sqrt(factor)
        sr = sr / float(factor)

    real = _np_real(y.dtype)
    freqs_t, alpha_t = tuple(freqs.tolist()), tuple(np.asarray(alpha, dtype=float).tolist())
    pieces = []
    my_y, my_sr, my_hop = y, sr, hop_length
    for i in range(n_octaves):
        hi = n_bins - n_filters * i
        lo = max(0, hi - n_filters)
        if hi <= 0:
            break
        basis, n_fft, c0, c1, kernels = _octave_kernel(float(sr), float(my_sr), freqs_t, alpha_t, lo, hi, filter_scale,
                                              norm, sparsity, window, gamma, bool(scale), real)
        pieces.append(_response(my_y, n_fft, my_hop, basis, c0, c1, pad_mode, time_kernels=kernels))
        if my_hop % 2 == 0 and i + 1 < n_octaves:
            my_hop //= 2
            my_sr /= 2.0
            my_y = _halve(my_y, res_type)
    n_frames = min(p.shape[-1] for p in pieces)
    xp = B.namespace(y)
    V = xp.concat([p[..., :n_frames] for p in reversed(pieces)], axis=-2)
    if out_dtype is not None and V.dtype != out_dtype:
        V = xp.astype(V, out_dtype)
    return V


@cached
def _octave_kernel(sr: float, my_sr: float, freqs: tuple, alpha: tuple, lo: int, hi: int, filter_scale: float,
                   norm: Any, sparsity: float, window: Any, gamma: Any, scale: bool, real: Any):
    """Frequency-domain filters of bins ``lo:hi`` at rate ``my_sr``, times librosa's rate compensation
    ``sqrt(sr / my_sr)`` and, with ``scale``, ``1 / sqrt(length at sr)``: the octave's responses then need
    no further scaling. Returns ``(basis (hi - lo, c1 - c0), n_fft, c0, c1)``."""
    basis, n_fft, c0, c1, _ = _filter_fft(my_sr, freqs[lo:hi], alpha[lo:hi], filter_scale, norm, sparsity,
                                          window, gamma, None, real)
    gain = np.full(hi - lo, np.sqrt(sr / my_sr))
    if scale:
        lengths, _ = wavelet_lengths(freqs=np.asarray(freqs), sr=sr, window=window, filter_scale=filter_scale,
                                     gamma=gamma, alpha=np.asarray(alpha))
        gain = gain / np.sqrt(lengths[lo:hi])
    basis = B.frozen((basis * gain[:, None]).astype(basis.dtype))
    kernels = _time_kernels(basis, n_fft, c0, c1) if _use_time_kernels(hi - lo, n_fft) else None
    return basis, n_fft, c0, c1, kernels


def _use_time_kernels(n_filters: int, n_fft: int) -> bool:
    """Complex responses always use the time-domain kernels: one real matrix product per block of frames
    (``2 n_filters n_fft`` multiply-adds a frame) measured faster than an FFT plus a complex product over
    the touched bins, for 12 and for 36 bins per octave (bench_cqt: chroma_cqt)."""
    return True


def _np_real(dtype: Any) -> Any:
    return np.float64 if str(dtype).endswith("float64") else np.float32


def _cdtype(y: Any) -> Any:
    xp = B.namespace(y)
    return B.complex_dtype(xp, y.dtype)


@capabilities(librosa="librosa.cqt", compile=False,
              note="tuning=None estimates the tuning per item (librosa: one for the whole array): batch == loop.")
def cqt(
    y: Any,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    n_bins: int = 84,
    bins_per_octave: int = 12,
    tuning: float | None = 0.0,
    filter_scale: float = 1,
    norm: float | None = 1,
    sparsity: float = 0.01,
    window: Any = "hann",
    scale: bool = True,
    pad_mode: str = "constant",
    res_type: str | None = "soxr_hq",
    dtype: Any = None,
) -> Any:
    """Constant-Q transform (librosa-compatible): ``n_bins`` bins spaced ``bins_per_octave`` per octave from
    ``fmin``, each with the same quality factor.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio, time on the last axis; leading axes are batch/channels.
    sr : float
        Sampling rate.
    hop_length : int
        Samples between frames.
    fmin : float or None
        Lowest frequency; default C1 (32.70 Hz).
    n_bins : int
        Number of frequency bins.
    bins_per_octave : int
        Bins per octave.
    tuning : float or None
        Tuning offset in fractions of a bin; None estimates it (needs ``audiofeat.estimate_tuning``).
    filter_scale : float > 0
        Filter length scale.
    norm : float or None
        Normalisation of each time-domain filter.
    sparsity : float in [0, 1)
        Fraction of each frequency-domain filter's L1 mass dropped (its smallest coefficients).
    window : str, tuple or callable
        Window of each filter.
    scale : bool
        Divide each bin by the square root of its filter length.
    pad_mode : str
        Padding of the centred frames.
    res_type : str
        Resampler of the multi-rate analysis (see :func:`vqt`).
    dtype : complex dtype or None
        Output dtype; default complex64 for float32 input, complex128 for float64.

    Returns
    -------
    C : complex array, shape (..., n_bins, 1 + n // hop_length)

    Raises
    ------
    ParameterError
        As :func:`vqt`.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> C = np.abs(audiofeat.cqt(y, sr=22050))
    >>> C.shape, int(C[:, 20].argmax())  # A4 = 440 Hz is 45 semitones above C1
    ((84, 44), 45)
    """
    return vqt(y, sr=sr, hop_length=hop_length, fmin=fmin, n_bins=n_bins, intervals="equal", gamma=0,
               bins_per_octave=bins_per_octave, tuning=tuning, filter_scale=filter_scale, norm=norm,
               sparsity=sparsity, window=window, scale=scale, pad_mode=pad_mode, res_type=res_type, dtype=dtype)


def _setup_tuning(y, sr, hop_length, n_bins, bins_per_octave, filter_scale, sparsity, tuning):
    """The validated ``tuning``, estimated per item when None (:func:`_item_tunings`)."""
    sr, _, _, bins_per_octave, _, _, tuning = _check_common(sr, hop_length, n_bins, bins_per_octave,
                                                            filter_scale, sparsity, tuning)
    return _item_tunings(y, sr, bins_per_octave) if tuning is None else tuning


def _cqt_setup(y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window):
    """Validated parameters, centre frequencies and relative bandwidths of an equal-tempered transform."""
    sr, hop_length, n_bins, bins_per_octave, filter_scale, sparsity, tuning = _check_common(
        sr, hop_length, n_bins, bins_per_octave, filter_scale, sparsity, tuning)
    norm = _check_norm(norm)
    window = _hashable_window(window)
    fmin = _C1 if fmin is None else check_positive("fmin", fmin, " (Hz)")
    if tuning is None:
        tuning = _estimate_tuning(y, sr, bins_per_octave)
    fmin = fmin * 2.0 ** (tuning / bins_per_octave)
    freqs = fmin * 2.0 ** (np.arange(0, n_bins, dtype=float) / bins_per_octave)
    alpha = _et_relative_bandwidth(bins_per_octave) if n_bins == 1 else _relative_bandwidth(freqs)
    return sr, hop_length, fmin, n_bins, bins_per_octave, filter_scale, norm, sparsity, window, freqs, alpha


@cached
def _pseudo_kernel(sr: float, freqs: tuple, alpha: tuple, filter_scale: float, norm: Any, sparsity: float,
                   window: Any, hop_length: int, scale: bool, real: Any):
    """``|filters|`` in the frequency domain for :func:`pseudo_cqt`, with its output scaling folded in."""
    basis, n_fft, c0, c1, lengths = _filter_fft(sr, freqs, alpha, filter_scale, norm, sparsity, window, 0.0,
                                                hop_length, real)
    gain = np.full(len(freqs), 1 / np.sqrt(n_fft)) if scale else np.sqrt(lengths / n_fft)
    mag = np.abs(basis) * gain[:, None]
    return B.frozen(mag.astype(real)), n_fft, c0, c1


@capabilities(librosa="librosa.pseudo_cqt", compile=False,
              note="tuning=None estimates the tuning per item (librosa: one for the whole array): batch == loop.")
def pseudo_cqt(
    y: Any,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    n_bins: int = 84,
    bins_per_octave: int = 12,
    tuning: float | None = 0.0,
    filter_scale: float = 1,
    norm: float | None = 1,
    sparsity: float = 0.01,
    window: Any = "hann",
    scale: bool = True,
    pad_mode: str = "constant",
    dtype: Any = None,
) -> Any:
    """Pseudo constant-Q transform (librosa-compatible): constant-Q filter magnitudes applied to one
    Hann-windowed STFT at the full rate (fast, no phase; fit for the high bins whose filters are short).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio.
    sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode
        As in :func:`cqt`.
    dtype : dtype or None
        Accepted for librosa compatibility; the output is real, in ``y``'s float dtype.

    Returns
    -------
    C : real array, shape (..., n_bins, 1 + n // hop_length)
        Magnitudes.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 1760 * np.arange(22050) / 22050)
    >>> C = audiofeat.pseudo_cqt(y, sr=22050, fmin=440.0, n_bins=36)
    >>> C.shape, int(C[:, 20].argmax())
    ((36, 44), 24)
    """
    call = {k: v for k, v in locals().items() if k not in ("y", "tuning")}  # as given, for _by_item
    y = B.as_float_signal(y)
    tuning = _setup_tuning(y, sr, hop_length, n_bins, bins_per_octave, filter_scale, sparsity, tuning)
    if isinstance(tuning, list):
        return _by_item(pseudo_cqt, y, tuning, **call)
    (sr, hop_length, fmin, n_bins, bins_per_octave, filter_scale, norm, sparsity, window, freqs,
     alpha) = _cqt_setup(y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm,
                         sparsity, window)
    lengths, cutoff = wavelet_lengths(freqs=freqs, sr=sr, window=window, filter_scale=filter_scale, alpha=alpha)
    basis, n_fft, c0, c1 = _pseudo_kernel(sr, tuple(freqs.tolist()), tuple(np.asarray(alpha).tolist()),
                                          filter_scale, norm, sparsity, window, hop_length, bool(scale),
                                          _np_real(y.dtype))
    hann = _hann(n_fft)
    return _response(y, n_fft, hop_length, basis, c0, c1, pad_mode, window=hann, magnitude=True)


@cached
def _hann(n: int) -> np.ndarray:
    return B.frozen(np.asarray(get_window("hann", n), dtype=np.float64))


@capabilities(librosa="librosa.hybrid_cqt", compile=False,
              note="tuning=None estimates the tuning per item (librosa: one for the whole array): batch == loop.")
def hybrid_cqt(
    y: Any,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    n_bins: int = 84,
    bins_per_octave: int = 12,
    tuning: float | None = 0.0,
    filter_scale: float = 1,
    norm: float | None = 1,
    sparsity: float = 0.01,
    window: Any = "hann",
    scale: bool = True,
    pad_mode: str = "constant",
    res_type: str = "soxr_hq",
    dtype: Any = None,
) -> Any:
    """Hybrid constant-Q transform magnitudes (librosa-compatible): :func:`pseudo_cqt` for the bins whose
    filters are shorter than two hops, the full multi-rate :func:`cqt` for the rest.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio.
    sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale, pad_mode, res_type, dtype
        As in :func:`cqt`.

    Returns
    -------
    C : real array, shape (..., n_bins, 1 + n // hop_length)
        Magnitudes.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> C = audiofeat.hybrid_cqt(y, sr=22050)
    >>> C.shape, int(C[:, 20].argmax())
    ((84, 44), 45)
    """
    call = {k: v for k, v in locals().items() if k not in ("y", "tuning")}  # as given, for _by_item
    y = B.as_float_signal(y)
    tuning = _setup_tuning(y, sr, hop_length, n_bins, bins_per_octave, filter_scale, sparsity, tuning)
    if isinstance(tuning, list):
        return _by_item(hybrid_cqt, y, tuning, **call)
    (sr, hop_length, fmin_t, n_bins, bins_per_octave, filter_scale, norm, sparsity, window, freqs,
     alpha) = _cqt_setup(y, sr, hop_length, fmin, n_bins, bins_per_octave, tuning, filter_scale, norm,
                         sparsity, window)
    lengths, _ = wavelet_lengths(freqs=freqs, sr=sr, filter_scale=filter_scale, window=window, alpha=alpha)
    pseudo = 2.0 ** np.ceil(np.log2(lengths)) < 2 * hop_length
    n_pseudo = int(np.sum(pseudo))
    n_full = n_bins - n_pseudo
    parts = []
    if n_full > 0:
        parts.append(abs(cqt(y, sr=sr, hop_length=hop_length, fmin=fmin_t, n_bins=n_full,
                             bins_per_octave=bins_per_octave, filter_scale=filter_scale, norm=norm,
                             sparsity=sparsity, window=window, scale=scale, pad_mode=pad_mode,
                             res_type=res_type, dtype=dtype)))
    if n_pseudo > 0:
        parts.append(pseudo_cqt(y, sr=sr, hop_length=hop_length, fmin=float(np.min(freqs[pseudo])),
                                n_bins=n_pseudo, bins_per_octave=bins_per_octave, filter_scale=filter_scale,
                                norm=norm, sparsity=sparsity, window=window, scale=scale, pad_mode=pad_mode))
    n_frames = min(p.shape[-1] for p in parts)
    xp = B.namespace(y)
    out = xp.concat([p[..., :n_frames] for p in parts], axis=-2)
    return out


@cached
def _inverse_kernel(my_sr: float, freqs: tuple, alpha: tuple, lo: int, hi: int, filter_scale: float, norm: Any,
                    sparsity: float, window: Any, lengths: tuple, scale: bool, real: Any):
    """``(F, c)`` synthesis matrix of bins ``lo:hi`` at rate ``my_sr`` (librosa's icqt weights), and n_fft."""
    basis, n_fft, c0, c1, _ = _filter_fft(my_sr, freqs[lo:hi], alpha[lo:hi], filter_scale, norm, sparsity,
                                          window, 0.0, None, real)
    full = np.zeros((hi - lo, n_fft // 2 + 1), dtype=basis.dtype)
    full[:, c0:c1] = basis
    inv = full.conj().T  # (F, c)
    power = 1 / np.sum(np.abs(inv) ** 2, axis=0)
    ln = np.asarray(lengths[lo:hi])
    power = power * (n_fft / ln)
    if scale:
        power = power * np.sqrt(ln)
    return B.frozen((inv * power[None, :]).astype(basis.dtype)), n_fft


@capabilities(librosa="librosa.icqt", compile=False)
def icqt(
    C: Any,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    fmin: float | None = None,
    bins_per_octave: int = 12,
    tuning: float = 0.0,
    filter_scale: float = 1,
    norm: float | None = 1,
    sparsity: float = 0.01,
    window: Any = "hann",
    scale: bool = True,
    length: int | None = None,
    res_type: str = "soxr_hq",
    dtype: Any = None,
) -> Any:
    """Inverse constant-Q transform (librosa-compatible): each octave's bins are projected back onto an STFT
    with the conjugate filters, inverted, interpolated to the full rate and summed.

    Parameters
    ----------
    C : complex array, shape (..., n_bins, n_frames)
        A constant-Q transform (as :func:`cqt` returns it).
    sr, hop_length, fmin, bins_per_octave, tuning, filter_scale, norm, sparsity, window, scale
        The parameters ``C`` was computed with.
    length : int or None
        Pad or trim the output to exactly this many samples.
    res_type : str
        Resampler (numpy: any :func:`audiofeat.resample` method; torch: soxr names).
    dtype : real dtype or None
        Output dtype; default the real type of ``C``.

    Returns
    -------
    y : real array, shape (..., n)

    Notes
    -----
    Like librosa's, this inverse is approximate (the filters are not a tight frame), and poor when the top
    octave's filters are much shorter than the hop: twelve tones come back at 21.7 dB SNR with
    ``hop_length=128``, 13.3 dB with 36 bins per octave at hop 512, 0.4 dB at the defaults, exactly as
    with librosa's inverse (tested). On torch the interpolation to the full rate applies soxr's measured
    filter; for factors of 8 and more (4+ octaves) soxr treats its first input samples differently, so the
    first ~2000 output samples differ from numpy's by up to ~1e-3 of the peak (equal to ~1e-7 beyond).

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> C = audiofeat.cqt(y, sr=22050)
    >>> audiofeat.icqt(C, sr=22050, length=len(y)).shape
    (22050,)
    """
    from .shorttime import istft

    C = B.as_float(C, "C", complex_ok=True)
    if C.ndim < 2:
        raise ParameterError(f"C must have shape (..., n_bins, n_frames), got {tuple(C.shape)}")
    sr = check_positive("sr", sr)
    hop_length = check_int("hop_length", hop_length)
    bins_per_octave = check_int("bins_per_octave", bins_per_octave)
    filter_scale = check_positive("filter_scale", filter_scale)
    sparsity = check_number("sparsity", sparsity, minimum=0)
    norm = _check_norm(norm)
    window = _hashable_window(window)
    tuning = check_number("tuning", tuning)
    if length is not None:
        length = check_int("length", length, minimum=0)
    if B.is_torch(C) and res_type not in _SOXR_QUALITY:
        raise ParameterError(f"res_type={res_type!r} is not supported for torch tensors; use one of "
                             f"{sorted(_SOXR_QUALITY)}")
    xp = B.namespace(C)
    if not xp.isdtype(C.dtype, "complex floating"):
        C = xp.astype(C, B.complex_dtype(xp, C.dtype))
    real = _np_real(B.real_dtype(xp, C.dtype))
    fmin = _C1 if fmin is None else check_positive("fmin", fmin, " (Hz)")
    fmin = fmin * 2.0 ** (tuning / bins_per_octave)
    n_bins = C.shape[-2]
    if n_bins == 0:
        raise ParameterError("C has no frequency bins")
    n_octaves = int(np.ceil(float(n_bins) / bins_per_octave))
    freqs = fmin * 2.0 ** (np.arange(0, n_bins, dtype=float) / bins_per_octave)
    alpha = _et_relative_bandwidth(bins_per_octave) if n_bins == 1 else _relative_bandwidth(freqs)
    lengths, _ = wavelet_lengths(freqs=freqs, sr=sr, window=window, filter_scale=filter_scale, alpha=alpha)
    if length is not None:
        n_frames = int(np.ceil((length + max(lengths)) / hop_length))
        C = C[..., :n_frames]

    srs, hops = [sr], [hop_length]
    for _ in range(n_octaves - 1):
        if hops[0] % 2 == 0:
            srs.insert(0, srs[0] * 0.5)
            hops.insert(0, hops[0] // 2)
        else:
            srs.insert(0, srs[0])
            hops.insert(0, hops[0])
    freqs_t, alpha_t = tuple(freqs.tolist()), tuple(np.asarray(alpha, dtype=float).tolist())
    lengths_t = tuple(lengths.tolist())
    y = None
    for i, (my_sr, my_hop) in enumerate(zip(srs, hops)):
        lo = bins_per_octave * i
        hi = min(n_bins, lo + bins_per_octave)
        inv, n_fft = _inverse_kernel(float(my_sr), freqs_t, alpha_t, lo, hi, filter_scale, norm, sparsity,
                                     window, lengths_t, bool(scale), real)
        D = B.const(inv, C) @ C[..., lo:hi, :]
        y_oct = istft(D, window="ones", hop_length=my_hop)
        y_oct = _upsample(y_oct, int(round(sr / my_sr)), res_type)
        if y is None:
            y = y_oct
        else:
            n = min(y.shape[-1], y_oct.shape[-1])
            y = xp.concat([y[..., :n] + y_oct[..., :n], y[..., n:]], axis=-1)
    if length is not None:
        n = y.shape[-1]
        y = y[..., :length] if n >= length else B.pad(y, 0, length - n)
    if dtype is not None:
        y = xp.astype(y, dtype) if B.is_torch(y) else y.astype(dtype)
    return y


# --------------------------------------------------------------------------------------------------
# chroma from a constant-Q transform
# --------------------------------------------------------------------------------------------------
def _normalize(S: Any, norm: Any, axis: int = -2) -> Any:
    """librosa.util.normalize along ``axis`` with the default threshold (columns whose norm is below the
    smallest normal number are left as they are)."""
    if norm is None:
        return S
    xp = B.namespace(S)
    mag = abs(S)
    if norm == np.inf:
        length = xp.max(mag, axis=axis, keepdims=True)
    elif norm == -np.inf:
        length = xp.min(mag, axis=axis, keepdims=True)
    elif norm == 0:
        length = xp.astype(xp.sum(mag > 0, axis=axis, keepdims=True), mag.dtype)
    elif norm > 0:
        length = xp.sum(mag**norm, axis=axis, keepdims=True) ** (1.0 / norm)
    else:
        raise ParameterError(f"Unsupported norm: {norm!r}")
    tiny = float(np.finfo(_np_real(mag.dtype)).tiny)
    length = xp.where(length < tiny, xp.ones_like(length), length)
    return S / length


def _check_chroma_norm(norm: Any) -> Any:
    if norm is None:
        return None
    if isinstance(norm, (bool, np.bool_)) or not isinstance(norm, (int, float, np.integer, np.floating)) \
            or (norm < 0 and norm != -np.inf):
        raise ParameterError(f"Unsupported norm: {norm!r}")
    return float(norm)


@capabilities(librosa="librosa.feature.chroma_cqt", compile=False,
              note="With tuning=None the tuning is estimated per item (librosa: one for the whole array), "
                   "so a batch equals the loop over its items.")
def chroma_cqt(
    *,
    y: Any = None,
    sr: float = 22050,
    C: Any = None,
    hop_length: int = 512,
    fmin: float | None = None,
    norm: float | None = np.inf,
    threshold: float = 0.0,
    tuning: float | None = None,
    n_chroma: int = 12,
    n_octaves: int = 7,
    window: Any = None,
    bins_per_octave: int | None = 36,
    cqt_mode: str = "full",
) -> Any:
    """Chromagram from a constant-Q transform (librosa-compatible): the energy of each pitch class, summed
    over octaves.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio (used when ``C`` is not given).
    sr : float
        Sampling rate.
    C : array, shape (..., n_bins, n_frames), optional
        A precomputed constant-Q magnitude spectrogram.
    hop_length : int
        Samples between frames.
    fmin : float or None
        Lowest CQT frequency; default C1.
    norm : float or None
        Normalisation of each chroma vector (default ``inf``: max 1).
    threshold : float
        Chroma values below this become 0.
    tuning : float or None
        Tuning offset in bins; None estimates it (needs ``audiofeat.estimate_tuning``; pass 0.0 otherwise).
    n_chroma : int
        Chroma bins.
    n_octaves : int
        Octaves analysed.
    window : np.ndarray or None
        Window convolved with the CQT-to-chroma matrix.
    bins_per_octave : int or None
        CQT bins per octave (a multiple of ``n_chroma``); None means ``n_chroma``.
    cqt_mode : {'full', 'hybrid'}
        Which transform to use.

    Returns
    -------
    chroma : array, shape (..., n_chroma, n_frames)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> chroma = audiofeat.feature.chroma_cqt(y=y, sr=22050, tuning=0.0)
    >>> chroma.shape, int(chroma[:, 20].argmax())  # A
    ((12, 44), 9)
    """
    n_chroma = check_int("n_chroma", n_chroma)
    if bins_per_octave is None:
        bins_per_octave = n_chroma
    bins_per_octave = check_int("bins_per_octave", bins_per_octave)
    if bins_per_octave % n_chroma:
        raise ParameterError(f"bins_per_octave={bins_per_octave} must be an integer multiple of "
                             f"n_chroma={n_chroma}")
    norm = _check_chroma_norm(norm)
    if cqt_mode not in ("full", "hybrid"):
        raise ParameterError(f"cqt_mode={cqt_mode!r} must be 'full' or 'hybrid'")
    if C is None:
        if y is None:
            raise ParameterError("At least one of C or y must be provided to compute chroma")
        n_octaves = check_int("n_octaves", n_octaves)
        func = cqt if cqt_mode == "full" else hybrid_cqt
        C = abs(func(y, sr=sr, hop_length=hop_length, fmin=fmin, n_bins=n_octaves * bins_per_octave,
                     bins_per_octave=bins_per_octave, tuning=tuning))
    else:
        C = check_finite(B.as_float(C, "C", complex_ok=True), "C", "values")
        if C.ndim < 2:
            raise ParameterError(f"C must have shape (..., n_bins, n_frames), got {tuple(C.shape)}")
    weights = cq_to_chroma(C.shape[-2], bins_per_octave=bins_per_octave, n_chroma=n_chroma, fmin=fmin,
                           window=window)
    chroma = B.const(np.ascontiguousarray(weights, dtype=np.float64), C, _real_of(C)) @ C
    if threshold is not None:
        xp = B.namespace(chroma)
        chroma = xp.where(chroma < threshold, xp.zeros_like(chroma), chroma)
    return _normalize(chroma, norm, axis=-2)


def _real_of(x: Any) -> Any:
    xp = B.namespace(x)
    return B.real_dtype(xp, x.dtype)


@cached
def _smoothing_window(spec: Any, n: int) -> np.ndarray:
    win = np.asarray(get_window(spec, n, fftbins=False), dtype=np.float64)
    return B.frozen(win / np.sum(win))


@capabilities(librosa="librosa.feature.chroma_cens", compile=False, autograd=False,
              note="Quantised: its gradient is zero almost everywhere, so autograd is not offered. "
                   "tuning=None estimates the tuning per item (librosa: one for the whole array).")
def chroma_cens(
    *,
    y: Any = None,
    sr: float = 22050,
    C: Any = None,
    hop_length: int = 512,
    fmin: float | None = None,
    tuning: float | None = None,
    n_chroma: int = 12,
    n_octaves: int = 7,
    bins_per_octave: int = 36,
    cqt_mode: str = "full",
    window: Any = None,
    norm: float | None = 2,
    win_len_smooth: int | None = 41,
    smoothing_window: Any = "hann",
) -> Any:
    """Chroma Energy Normalized Statistics (CENS), librosa-compatible (Müller & Ewert's Chroma Toolbox):
    L1-normalised chroma, quantised (thresholds 0.4, 0.2, 0.1, 0.05), smoothed over time, normalised.
    Robust to dynamics and timbre; used for audio matching and cover-song identification.

    Parameters
    ----------
    y, sr, C, hop_length, fmin, tuning, n_chroma, n_octaves, bins_per_octave, cqt_mode, window
        As in :func:`chroma_cqt`.
    norm : float or None
        Final normalisation of each vector (default 2).
    win_len_smooth : int > 0 or None
        Length of the smoothing window in frames (None: no smoothing).
    smoothing_window : str, tuple or callable
        Smoothing window (symmetric, ``win_len_smooth + 2`` points, unit sum).

    Returns
    -------
    cens : array, shape (..., n_chroma, n_frames)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> cens = audiofeat.feature.chroma_cens(y=y, sr=22050, tuning=0.0)
    >>> cens.shape, int(cens[:, 20].argmax())
    ((12, 44), 9)
    """
    if not (win_len_smooth is None or (isinstance(win_len_smooth, (int, np.integer))
                                       and not isinstance(win_len_smooth, bool) and win_len_smooth > 0)):
        raise ParameterError(f"win_len_smooth={win_len_smooth} must be a positive integer or None")
    norm = _check_chroma_norm(norm)
    chroma = chroma_cqt(y=y, C=C, sr=sr, hop_length=hop_length, fmin=fmin, bins_per_octave=bins_per_octave,
                        tuning=tuning, norm=None, n_chroma=n_chroma, n_octaves=n_octaves, cqt_mode=cqt_mode,
                        window=window)
    chroma = _normalize(chroma, 1.0, axis=-2)
    quant = 0.25 * ((chroma > 0.4) * 1.0 + (chroma > 0.2) * 1.0 + (chroma > 0.1) * 1.0 + (chroma > 0.05) * 1.0)
    xp = B.namespace(chroma)
    quant = xp.astype(quant, chroma.dtype)
    if win_len_smooth:
        L = int(win_len_smooth) + 2
        win = _smoothing_window(_hashable_window(smoothing_window), L)
        # scipy.ndimage.convolve(mode='constant') along time: centre L // 2
        c = L // 2
        framed = B.frames(B.pad(quant, L - 1 - c, c), L, 1)  # (..., n_chroma, n_frames, L)
        quant = framed @ B.const(np.ascontiguousarray(win[::-1]), quant)
    return _normalize(quant, norm, axis=-2)
