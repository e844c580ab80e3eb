"""Frequency content: per-frame descriptors of how a spectrum is shaped, and pitch-class profiles.

Where a frame's energy sits (:func:`spectral_centroid`), how widely it spreads (:func:`spectral_bandwidth`),
below which frequency most of it lies (:func:`spectral_rolloff`), how noise-like it is
(:func:`spectral_flatness`), how peaky each octave band is (:func:`spectral_contrast`), a polynomial fit
of its shape (:func:`poly_features`), and how it folds onto the twelve pitch classes (:func:`chroma_stft`)
and onto the tonal centroid space (:func:`tonnetz`). :func:`pcen` is the per-channel energy normalisation
of a spectrogram (automatic gain control plus compression).

From a waveform every descriptor is a *kernel of the blocked frame pipeline*: each block of frames is
windowed, transformed, turned into magnitudes and reduced to its few numbers per frame while it is in
cache, so the complex STFT (and for all but ``chroma_stft`` with an estimated tuning, the magnitude
spectrogram) is never stored. The kernels take frames-major spectra ``(..., frames, bins)``; the same kernel
serves a given ``S`` (librosa's ``S=`` keyword). numpy in gives numpy out, torch in gives torch out on the
same device, differentiable where the math allows.

These live apart from :mod:`audiofeat.spectral` (spectrogram, mel, MFCC, dB) because that module is the
spectrogram pipeline itself; this one holds what is computed *from* a spectrum per frame.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ._registry import capabilities
from . import _backend as B
from ._cache import cached
from ._checks import check_finite, check_int, check_number, check_positive, check_spectrogram, warn_user
from .errors import ParameterError
from .filters import _chroma_basis
from .shorttime import _frame_spectra
from .spectral import _magnitude_to, power_to_db

__all__ = [
    "spectral_centroid",
    "spectral_bandwidth",
    "spectral_rolloff",
    "spectral_flatness",
    "spectral_contrast",
    "poly_features",
    "chroma_stft",
    "tonnetz",
    "pcen",
]


# --------------------------------------------------------------------------------------------------
# shared plumbing: the spectrogram source, frequencies, normalisation
# --------------------------------------------------------------------------------------------------
class _Source:
    """Where the spectra come from: a given ``S`` or audio ``y`` with STFT settings."""

    def __init__(self, y, S, n_fft, hop_length, win_length, window, center, pad_mode, name, real_S=True):
        if S is not None:
            # finite: NaN/inf in S would silently spoil its frames (librosa raises for most of these too)
            S = check_spectrogram(S, complex_ok=not real_S)
            if real_S:
                _check_non_negative(S, name)
            if n_fft is None or n_fft // 2 + 1 != S.shape[-2]:
                n_fft = 2 * (S.shape[-2] - 1)
            self.like = S
        elif y is None:
            raise ParameterError("either y (audio) or S (a spectrogram) must be given")
        else:
            y = B.as_float_signal(y)
            if n_fft is None:
                raise ParameterError("n_fft must be given to compute a spectrogram from y")
            self.like = y
        self.y, self.S, self.n_fft = y, S, n_fft
        self.stft = dict(hop_length=hop_length, win_length=win_length, window=window, center=center,
                         pad_mode=pad_mode)
        self.xp = B.namespace(self.like)
        self.n_bins = S.shape[-2] if S is not None else 1 + n_fft // 2

    def apply(self, kernel: Callable[[Any], Any], k: int, power: float = 1.0) -> Any:
        """``kernel`` (frames-major spectra ``(..., m, bins)`` -> ``(..., m, k)``) over every frame: returns
        ``(..., k, t)``. From ``y`` it runs inside the frame blocks on ``|X| ** power``."""
        if self.S is not None:
            return _contiguous(kernel(self.S.swapaxes(-1, -2)).swapaxes(-1, -2))
        magnitude = _magnitude_to(power)
        return _frame_spectra(self.y, n_fft=self.n_fft, post=lambda spec: kernel(magnitude(spec)),
                              out_tail=(k,), out_dtype=self.y.dtype, time_last=True, **self.stft)

    def spectrogram(self, power: float = 1.0) -> Any:
        """The whole spectrogram ``(..., bins, t)`` (for per-frame inputs that cannot enter the blocks)."""
        if self.S is not None:
            return self.S
        magnitude = _magnitude_to(power)
        return _frame_spectra(self.y, n_fft=self.n_fft, post=magnitude, out_tail=(self.n_bins,),
                              out_dtype=self.y.dtype, time_last=True, **self.stft)


def _contiguous(x: Any) -> Any:
    return x.contiguous() if B.is_torch(x) else np.ascontiguousarray(x)


def _check_non_negative(S: Any, name: str) -> None:
    if B.is_torch(S):
        import torch

        if S.device.type != "cpu" or torch.compiler.is_compiling():
            return  # a check would sync the device / break the graph
        negative = bool((S.detach() < 0).any())
    else:
        negative = bool((S < 0).any())
    if negative:
        raise ParameterError(f"{name} is only defined with non-negative energies: S has negative values")


@cached
def _fft_freqs(sr: float, n_fft: int) -> np.ndarray:
    return B.frozen(np.fft.rfftfreq(n_fft, 1.0 / sr))


def _frequencies(freq: Any, sr: float, src: _Source, allow_2d: bool = True) -> tuple[Any, bool]:
    """Bin frequencies in ``src``'s namespace/dtype: ``(freq (bins,), False)`` or, for per-frame frequencies
    ``(..., bins, t)``, ``(freq frames-major (..., t, bins), True)``."""
    like = src.like
    dtype = B.real_dtype(src.xp, like.dtype)
    if freq is None:
        sr = check_positive("sr", sr)
        return B.built_const(_fft_freqs, (sr, src.n_fft), like, dtype), False
    f = B.as_array(freq, "freq")
    if B.is_torch(f) != B.is_torch(like):
        f = B.from_numpy(B.to_numpy(f), like, dtype)
    elif f.dtype != dtype:
        f = src.xp.astype(f, dtype)
    if f.ndim == 0:
        f = f[None]
    if f.ndim == 1:
        if f.shape[0] != src.n_bins:
            raise ParameterError(f"freq has {f.shape[0]} values, expected one per frequency bin ({src.n_bins})")
        return f, False
    if not allow_2d:
        raise ParameterError(f"freq must be 1-D with {src.n_bins} values, got shape {tuple(f.shape)}")
    if f.shape[-2] != src.n_bins:
        raise ParameterError(f"freq has shape {tuple(f.shape)}: expected (..., {src.n_bins}, frames)")
    return f.swapaxes(-1, -2), True


def _tiny(dtype: Any) -> float:
    return float(np.finfo(np.float64 if str(dtype).endswith("float64") else np.float32).tiny)


def _normalize_last(x: Any, norm: Any) -> Any:
    """librosa.util.normalize along the last axis (fill=None: vectors with norm below ``tiny`` are left as
    they are)."""
    if norm is None:
        return x
    xp = B.namespace(x)
    mag = xp.abs(x)
    if norm == np.inf:
        length = xp.max(mag, axis=-1, keepdims=True)
    elif norm == -np.inf:
        length = xp.min(mag, axis=-1, keepdims=True)
    elif norm == 0:
        length = xp.sum(xp.astype(mag > 0, mag.dtype), axis=-1, keepdims=True)
    elif norm == 1:
        length = xp.sum(mag, axis=-1, keepdims=True)
    else:
        length = xp.sum(mag**norm, axis=-1, keepdims=True) ** (1.0 / norm)
    return x / xp.where(length < _tiny(x.dtype), xp.ones_like(length), length)


def _check_norm(norm: Any) -> Any:
    if norm is None:
        return None
    if isinstance(norm, (bool, str)) or not isinstance(norm, (int, float, np.integer, np.floating)) \
            or math.isnan(norm) or (norm < 0 and norm != -np.inf):
        raise ParameterError(f"unsupported norm={norm!r}: expected None, inf, -inf, 0 or p > 0")
    return float(norm)


def _matvec(S: Any, f: Any) -> Any:
    """``sum(S * f, -1, keepdims)`` for frames-major ``S``: a matrix-vector product for 1-D ``f``."""
    if f.ndim == 1:
        return S @ f[:, None]
    xp = B.namespace(S)
    return xp.sum(S * f, axis=-1, keepdims=True)


# --------------------------------------------------------------------------------------------------
# kernels (frames-major: (..., m, bins) -> (..., m, k))
# --------------------------------------------------------------------------------------------------
def _centroid_kernel(S: Any, f: Any) -> Any:
    xp = B.namespace(S)
    length = xp.sum(S, axis=-1, keepdims=True)
    length = xp.where(length < _tiny(S.dtype), xp.ones_like(length), length)
    return _matvec(S, f) / length


def _bandwidth_kernel(S: Any, f: Any, centroid: Any, norm: bool, p: float) -> Any:
    xp = B.namespace(S)
    if centroid is None:
        centroid = _centroid_kernel(S, f)
    if norm:
        S = _normalize_last(S, 1)
    dev = xp.abs(f - centroid)
    if p == 2:
        w = dev * dev
    elif p == 1:
        w = dev
    else:
        w = dev**p
    return xp.sum(S * w, axis=-1, keepdims=True) ** (1.0 / p)


def _rolloff_kernel(S: Any, f: Any, roll_percent: float) -> Any:
    xp = B.namespace(S)
    total = B.cumsum(S, axis=-1)
    threshold = roll_percent * total[..., -1:]
    inf = xp.asarray(math.inf, dtype=S.dtype, device=B.device(S))
    return xp.min(xp.where(total < threshold, inf, f), axis=-1, keepdims=True)


def _flatness_kernel(S_pow: Any, amin: float) -> Any:
    xp = B.namespace(S_pow)
    S_thresh = xp.clip(S_pow, min=amin)
    gmean = xp.exp(xp.mean(xp.log(S_thresh), axis=-1, keepdims=True))
    return gmean / xp.mean(S_thresh, axis=-1, keepdims=True)


# --------------------------------------------------------------------------------------------------
# centroid, bandwidth, rolloff, flatness
# --------------------------------------------------------------------------------------------------
_STFT_DOC = """    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT settings when ``y`` is given (see :func:`audiofeat.stft`)."""


@capabilities(librosa="librosa.feature.spectral_centroid")
def spectral_centroid(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    freq: Any = None,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
) -> Any:
    """Spectral centroid: the magnitude-weighted mean frequency of each frame (librosa-compatible).

    ``centroid[t] = sum_k S[k, t] freq[k] / sum_k S[k, t]``; where a frame is silent (sum below the dtype's
    ``tiny``) the sum is not divided, which gives 0. Brightness of a sound: a pure tone's centroid is its
    frequency.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio; leading axes are batch/channels.
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A magnitude spectrogram to use instead of ``y`` (non-negative).
    freq : array, shape (d,) or (..., d, t), optional
        Bin centre frequencies; default the FFT bin frequencies.
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT settings when ``y`` is given (see :func:`audiofeat.stft`).

    Returns
    -------
    centroid : shape (..., 1, t), the input's backend, device and float dtype.

    Raises
    ------
    ParameterError
        Neither ``y`` nor ``S``, a complex or negative ``S``, a ``freq`` of the wrong length.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 1000 * np.arange(22050) / 22050).astype(np.float32)
    >>> c = audiofeat.spectral_centroid(y=y, sr=22050)
    >>> c.shape, round(float(np.median(c)))
    ((1, 44), 1000)
    """
    src = _Source(y, S, n_fft, hop_length, win_length, window, center, pad_mode, "Spectral centroid")
    f, per_frame = _frequencies(freq, sr, src)
    if per_frame:
        return _centroid_kernel(src.spectrogram().swapaxes(-1, -2), f).swapaxes(-1, -2)
    return src.apply(lambda S_: _centroid_kernel(S_, f), 1)


@capabilities(librosa="librosa.feature.spectral_bandwidth", compile=False)
def spectral_bandwidth(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    freq: Any = None,
    centroid: Any = None,
    norm: bool = True,
    p: float = 2,
) -> Any:
    """p-th order spectral bandwidth: the spread of each frame's spectrum around its centroid.

    ``bandwidth[t] = (sum_k S[k, t] |freq[k] - centroid[t]| ** p) ** (1 / p)``, with ``S`` normalised to sum
    to one per frame when ``norm`` (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A magnitude spectrogram (non-negative).
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT settings when ``y`` is given.
    freq : array, shape (d,) or (..., d, t), optional
        Bin centre frequencies.
    centroid : array, shape (..., 1, t), optional
        Precomputed centroids (default: :func:`spectral_centroid` of the same spectrogram).
    norm : bool
        Normalise each frame to unit sum first.
    p : float
        Order of the deviation (> 0).

    Returns
    -------
    bandwidth : shape (..., 1, t)

    Raises
    ------
    ParameterError
        Missing or invalid input, ``p <= 0``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> audiofeat.spectral_bandwidth(y=y, sr=22050).shape
    (1, 44)
    """
    p = check_number("p", p, minimum=0, strict=True)
    src = _Source(y, S, n_fft, hop_length, win_length, window, center, pad_mode, "Spectral bandwidth")
    f, per_frame = _frequencies(freq, sr, src)
    c = None
    if centroid is not None:
        c = B.as_array(centroid, "centroid")
        if B.is_torch(c) != B.is_torch(src.like):
            c = B.from_numpy(B.to_numpy(c), src.like)
    if per_frame or c is not None:
        S_ = src.spectrogram()
        if c is not None:
            # one centroid per frame, (..., 1, t) (or (..., 1, 1)); librosa reads centroid[..., 0, :], so a
            # transposed (t, 1) centroid would silently give every frame the first one
            want = (*S_.shape[:-2], 1, S_.shape[-1])
            try:
                ok = c.ndim >= 2 and c.shape[-2] == 1 and c.shape[-1] in (1, want[-1])
                ok = ok and np.broadcast_shapes(tuple(c.shape), want) is not None
            except ValueError:
                ok = False
            if not ok:
                raise ParameterError(f"centroid has shape {tuple(c.shape)}: expected {want}")
            c = c.swapaxes(-1, -2)
        return _bandwidth_kernel(S_.swapaxes(-1, -2), f, c, norm, p).swapaxes(-1, -2)
    return src.apply(lambda S_: _bandwidth_kernel(S_, f, None, norm, p), 1)


@capabilities(librosa="librosa.feature.spectral_rolloff", autograd=False, compile=False,
              note="Piecewise constant in the input (a bin's frequency), so not differentiable.")
def spectral_rolloff(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    freq: Any = None,
    roll_percent: float = 0.85,
) -> Any:
    """Roll-off frequency: the lowest bin frequency below which ``roll_percent`` of a frame's magnitude lies.

    (librosa-compatible.) With ``roll_percent`` near 1 it approximates the highest frequency present, near 0
    the lowest. ``freq`` is assumed sorted.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A magnitude spectrogram (non-negative).
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT settings when ``y`` is given.
    freq : array, shape (d,) or (..., d, t), optional
        Bin centre frequencies.
    roll_percent : float
        Fraction of the energy, strictly between 0 and 1.

    Returns
    -------
    rolloff : shape (..., 1, t)

    Raises
    ------
    ParameterError
        ``roll_percent`` outside (0, 1), missing or invalid input.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> r = audiofeat.spectral_rolloff(y=y, sr=22050, roll_percent=0.5)
    >>> bool(5000 < np.median(r) < 6000)
    True
    """
    roll_percent = check_number("roll_percent", roll_percent)
    if not 0.0 < roll_percent < 1.0:
        raise ParameterError(f"roll_percent={roll_percent!r} must lie in the range (0, 1)")
    src = _Source(y, S, n_fft, hop_length, win_length, window, center, pad_mode, "Spectral rolloff")
    f, per_frame = _frequencies(freq, sr, src)
    if per_frame:
        return _rolloff_kernel(src.spectrogram().swapaxes(-1, -2), f, roll_percent).swapaxes(-1, -2)
    return src.apply(lambda S_: _rolloff_kernel(S_, f, roll_percent), 1)


@capabilities(librosa="librosa.feature.spectral_flatness", compile=False)
def spectral_flatness(
    *,
    y: Any = None,
    S: Any = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    amin: float = 1e-10,
    power: float = 2.0,
) -> Any:
    """Spectral flatness (Wiener entropy): geometric over arithmetic mean of each frame's power spectrum.

    (librosa-compatible.) Near 1 for white noise, near 0 for a few pure tones; often read in dB.
    ``S ** power`` is floored at ``amin`` first.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A magnitude spectrogram (non-negative).
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT settings when ``y`` is given.
    amin : float
        Floor of ``S ** power`` (> 0).
    power : float
        Exponent of the magnitude (> 0): 2 for power.

    Returns
    -------
    flatness : shape (..., 1, t), in [0, 1]

    Raises
    ------
    ParameterError
        ``amin <= 0``, ``power <= 0``, missing or invalid input.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> bool(np.median(audiofeat.spectral_flatness(y=y)) > 0.5)
    True
    """
    amin = check_number("amin", amin, minimum=0, strict=True)
    power = check_number("power", power, minimum=0, strict=True)
    src = _Source(y, S, n_fft, hop_length, win_length, window, center, pad_mode, "Spectral flatness")
    if src.S is not None:
        return src.apply(lambda S_: _flatness_kernel(S_ ** power if power != 1 else S_, amin), 1)
    return src.apply(lambda S_: _flatness_kernel(S_, amin), 1, power=power)


# --------------------------------------------------------------------------------------------------
# contrast
# --------------------------------------------------------------------------------------------------
def _contrast_bands(freq: np.ndarray, sr: float, n_bands: int, fmin: float, quantile: float) -> list:
    """Per octave band: (bins as a slice or index array, how many bins to average at each end)."""
    octa = np.zeros(n_bands + 2)
    octa[1:] = fmin * (2.0 ** np.arange(0, n_bands + 1))
    if np.any(octa[:-1] >= 0.5 * sr):
        raise ParameterError("Frequency band exceeds Nyquist. Reduce either fmin or n_bands.")
    bands = []
    for k, (f_low, f_high) in enumerate(zip(octa[:-1], octa[1:])):
        current = np.logical_and(freq >= f_low, freq <= f_high)
        idx = np.flatnonzero(current)
        if idx.size == 0:
            raise ParameterError(f"spectral_contrast: band {k} ({f_low:g}-{f_high:g} Hz) holds no frequency bin; "
                                 "use a larger n_fft, a larger fmin or fewer bands")
        if k > 0:
            current[idx[0] - 1] = True
        if k == n_bands:
            current[idx[-1] + 1:] = True
        count = max(1, int(np.rint(quantile * np.sum(current))))
        rows = np.flatnonzero(current)
        if k < n_bands:
            rows = rows[:-1]
        if rows.size == 0:
            raise ParameterError(f"spectral_contrast: band {k} holds no frequency bin; use a larger n_fft")
        if rows.size and np.all(np.diff(rows) == 1):
            sel: Any = slice(int(rows[0]), int(rows[-1]) + 1)
        else:
            sel = rows
        bands.append((sel, min(count, rows.size)))
    return bands


def _contrast_kernel(S: Any, bands: list) -> Any:
    """Peaks then valleys, ``(..., m, 2 * n_bands)``: the means of the top and bottom quantile per band."""
    xp = B.namespace(S)
    peaks, valleys = [], []
    for sel, count in bands:
        if isinstance(sel, slice):
            sub = S[..., sel]
        else:
            sub = xp.take(S, B.from_numpy(sel, S, dtype=xp.int64) if B.is_torch(S) else sel, axis=-1)
        if B.is_torch(sub):
            # the count smallest and largest bins without sorting the band: torch's CPU sort of many short
            # rows cost 3-4x numpy's whole spectral_contrast (the same values; their mean sums them in
            # another order)
            valleys.append(sub.topk(count, dim=-1, largest=False, sorted=False).values.mean(-1, keepdim=True))
            peaks.append(sub.topk(count, dim=-1, largest=True, sorted=False).values.mean(-1, keepdim=True))
            continue
        ordered = xp.sort(sub, axis=-1, stable=False)  # (a stable sort is several times slower)
        valleys.append(xp.mean(ordered[..., :count], axis=-1, keepdims=True))
        peaks.append(xp.mean(ordered[..., ordered.shape[-1] - count:], axis=-1, keepdims=True))
    return xp.concat(peaks + valleys, axis=-1)


@capabilities(librosa="librosa.feature.spectral_contrast", compile=False,
              note="Differentiable through the selected quietest and loudest bins (a subgradient where bins tie).")
def spectral_contrast(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    freq: Any = None,
    fmin: float = 200.0,
    n_bands: int = 6,
    quantile: float = 0.02,
    linear: bool = False,
) -> Any:
    """Spectral contrast: per octave band, the level of the peaks over the level of the valleys.

    (librosa-compatible.) Bands are ``[0, fmin]``, ``[fmin, 2 fmin]``, ... (``n_bands + 1`` in all, the last
    reaching Nyquist); in each, the mean of the top ``quantile`` of magnitudes (peak) and of the bottom one
    (valley). High contrast: clear narrow-band (harmonic) content; low: broad-band noise.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A magnitude spectrogram.
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT settings when ``y`` is given.
    freq : array, shape (d,), optional
        Bin centre frequencies.
    fmin : float
        Upper edge of the first band (> 0).
    n_bands : int
        Number of octave bands above the first (>= 1).
    quantile : float
        Fraction of each band's bins averaged for peak and valley, in (0, 1).
    linear : bool
        Return ``peak - valley`` instead of ``power_to_db(peak) - power_to_db(valley)``.

    Returns
    -------
    contrast : shape (..., n_bands + 1, t)
        Deliberate difference from librosa (as :func:`audiofeat.power_to_db`): for a batch the dB floor
        (``top_db=80``) is taken per item, not over the whole batch.

    Raises
    ------
    ParameterError
        A band above Nyquist or without bins, bad ``fmin``/``n_bands``/``quantile``/``freq``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> audiofeat.spectral_contrast(y=y, sr=22050).shape
    (7, 44)
    """
    n_bands = check_int("n_bands", n_bands)
    quantile = check_number("quantile", quantile)
    if not 0.0 < quantile < 1.0:
        raise ParameterError(f"quantile={quantile!r} must lie in the range (0, 1)")
    fmin = check_number("fmin", fmin, minimum=0, strict=True)
    sr = check_positive("sr", sr)
    src = _Source(y, S, n_fft, hop_length, win_length, window, center, pad_mode, "Spectral contrast",
                  real_S=False)
    if src.S is not None and src.xp.isdtype(src.S.dtype, "complex floating"):
        raise ParameterError("Spectral contrast is only defined with real-valued input")
    f, _ = _frequencies(freq, sr, src, allow_2d=False)
    bands = _contrast_bands(np.asarray(B.to_numpy(f), dtype=np.float64), sr, n_bands, fmin, quantile)
    out_dtype = src.like.dtype
    if src.S is None and src.y.dtype == src.xp.float32:
        # The valleys are a band's quietest bins; where a band is empty (a low-passed recording, digital
        # silence) they sit at the FFT's rounding floor, ~1e-7 of the frame's peak in float32, and their
        # logarithm is noise. librosa's STFT runs in float64 (its window is float64) and only rounds the
        # output, so its valleys are accurate: run this kernel's FFT in float64 too.
        src.y = src.xp.astype(src.y, src.xp.float64)
    both = src.apply(lambda S_: _contrast_kernel(S_ if S_.dtype == out_dtype else src.xp.astype(S_, out_dtype),
                                                 bands), 2 * (n_bands + 1))
    if both.dtype != out_dtype:
        both = src.xp.astype(both, out_dtype)
    peak, valley = both[..., : n_bands + 1, :], both[..., n_bands + 1:, :]
    if linear:
        return _contiguous(peak - valley)
    return _contiguous(power_to_db(peak) - power_to_db(valley))


# --------------------------------------------------------------------------------------------------
# polynomial fit
# --------------------------------------------------------------------------------------------------
def _polyfit_matrix(freq: np.ndarray, order: int) -> np.ndarray:
    """``M`` (order + 1, d) with ``M @ s == np.polyfit(freq, s, order)`` (column-scaled least squares, the
    same cut-off of small singular values)."""
    lhs = np.vander(freq, order + 1)
    scale = np.sqrt((lhs * lhs).sum(axis=0))
    scale[scale == 0] = 1.0
    pinv = np.linalg.pinv(lhs / scale, rtol=len(freq) * np.finfo(freq.dtype).eps)
    return pinv / scale[:, None]


@cached
def _polyfit_fft(sr: float, n_fft: int, order: int) -> np.ndarray:
    return B.frozen(_polyfit_matrix(np.fft.rfftfreq(n_fft, 1.0 / sr), order))


@capabilities(librosa="librosa.feature.poly_features", compile=False)
def poly_features(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    order: int = 1,
    freq: Any = None,
) -> Any:
    """Coefficients of an ``order``-th order polynomial fitted to each frame's spectrum (librosa-compatible).

    Highest power first, as ``np.polyfit``: for ``order=1`` row 0 is the spectral slope and row 1 the
    intercept. The least-squares solution is one precomputed matrix, so from ``y`` the fit runs inside the
    frame blocks.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A magnitude spectrogram.
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT settings when ``y`` is given.
    order : int
        Polynomial order (>= 0).
    freq : array, shape (d,) or (..., d, t), optional
        Bin centre frequencies.

    Returns
    -------
    coefficients : shape (..., order + 1, t)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> audiofeat.poly_features(y=y, order=2).shape
    (3, 44)
    """
    order = check_int("order", order, minimum=0)
    src = _Source(y, S, n_fft, hop_length, win_length, window, center, pad_mode, "poly_features",
                  real_S=False)
    if src.S is not None and src.xp.isdtype(src.S.dtype, "complex floating"):
        raise ParameterError("poly_features needs a real-valued spectrogram")
    xp = src.xp
    dtype = B.real_dtype(xp, src.like.dtype)
    if freq is None:
        M = B.built_const(_polyfit_fft, (check_positive("sr", sr), src.n_fft, order), src.like, dtype)
        return src.apply(lambda S_: S_ @ M.swapaxes(-1, -2), order + 1)
    f, per_frame = _frequencies(freq, sr, src)
    if not per_frame:
        M = B.from_numpy(_polyfit_matrix(np.asarray(B.to_numpy(f), dtype=np.float64), order), src.like, dtype)
        return src.apply(lambda S_: S_ @ M.swapaxes(-1, -2), order + 1)
    # per-frame frequencies: one least-squares matrix per frame (computed in float64)
    f64 = np.asarray(B.to_numpy(f), dtype=np.float64)  # (..., t, d)
    Ms = np.stack([_polyfit_matrix(row, order) for row in f64.reshape(-1, f64.shape[-1])])
    Ms = Ms.reshape(*f64.shape[:-1], order + 1, f64.shape[-1])
    Mt = B.from_numpy(Ms, src.like, dtype)
    S_fm = src.spectrogram().swapaxes(-1, -2)[..., None]  # (..., t, d, 1)
    return _contiguous((Mt @ S_fm)[..., 0].swapaxes(-1, -2))


# --------------------------------------------------------------------------------------------------
# chroma and tuning
# --------------------------------------------------------------------------------------------------
def _piptrack_peaks(P: np.ndarray, sr: float, n_fft: int, fmin: float = 150.0, fmax: float = 4000.0,
                    threshold: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """librosa.piptrack's peaks (frequency, magnitude) of frames-major spectra ``P`` (m, d), flattened.

    Frames are independent, so this runs on any block of frames, and the candidates of the blocks can be
    pooled in any order (the tuning estimate takes their median and histogram). Only the bins inside
    [fmin, fmax) and their two neighbours are touched. The arithmetic follows librosa's, in ``P``'s dtype,
    so that the discrete decisions (local maxima, histogram bins) come out the same.
    """
    band_info = _piptrack_band(P.shape[-1], sr, n_fft, fmin, fmax)  # librosa's edge bins never peak
    if P.shape[0] == 0 or band_info is None:
        return np.zeros(0, P.dtype), np.zeros(0, P.dtype)
    lo, hi, in_range = band_info
    ref_value = threshold * P.max(axis=-1, keepdims=True)
    band = P[:, lo - 1 : hi + 1]  # the bins with their two neighbours
    gated = band * (band > ref_value)
    centre = gated[:, 1:-1]
    is_max = (centre > gated[:, :-2]) & (centre >= gated[:, 2:])
    is_max &= in_range[None]
    rows, cols = np.nonzero(is_max)
    x0, xm, xp_ = band[rows, cols + 1], band[rows, cols], band[rows, cols + 2]  # only at the peaks
    return _interpolated_peaks(cols + lo, x0, xm, xp_, sr, n_fft)


def _piptrack_band(d: int, sr: float, n_fft: int, fmin: float = 150.0,
                   fmax: float = 4000.0) -> tuple[int, int, np.ndarray] | None:
    """The bins ``[lo, hi)`` piptrack can pick in, and which of them lie in ``[fmin, fmax)`` (None: none)."""
    fft_freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)[:d]
    fmin = max(fmin, 0)
    fmax = min(fmax, float(sr) / 2)
    inside = np.flatnonzero((fmin <= fft_freqs) & (fft_freqs < fmax))
    inside = inside[(inside > 0) & (inside < d - 1)]
    if inside.size == 0:
        return None
    lo, hi = int(inside[0]), int(inside[-1]) + 1
    return lo, hi, (fmin <= fft_freqs[lo:hi]) & (fft_freqs[lo:hi] < fmax)


def _interpolated_peaks(bins: np.ndarray, x0: np.ndarray, xm: np.ndarray, xp_: np.ndarray, sr: float,
                        n_fft: int) -> tuple[np.ndarray, np.ndarray]:
    """librosa.piptrack's parabolic interpolation at local maxima ``bins`` with values ``x0`` and neighbours
    ``xm`` (below), ``xp_`` (above): frequencies and magnitudes, in the values' dtype."""
    dtype = x0.dtype
    a = xp_ + xm - 2 * x0
    b = (xp_ - xm) / 2  # also np.gradient's central difference
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(np.abs(b) >= np.abs(a), np.zeros((), dtype), -b / a).astype(dtype)
    pitch = ((bins + shift.astype(np.float64)) * float(sr) / n_fft).astype(dtype)
    mags = (x0 + 0.5 * b * shift).astype(dtype)
    return pitch, mags


def _piptrack_tunings_torch(P: Any, sr: float, n_fft: int, bins_per_octave: int,
                            threshold: float = 0.1) -> list[float]:
    """:func:`_piptrack_tuning` of every item of a torch batch of frames-major power spectra ``P``
    (items, t, d) at once: the local maxima are found on the tensor's device, and only the peaks (three
    values each) come to the CPU, where the interpolation, median and histogram are numpy's. The
    comparisons are exact in any backend, so each item's tuning is what :func:`_piptrack_tuning` gives on
    the same spectra; before, every item's whole spectrogram went to the CPU (on a GPU, ~100x the work).
    """
    import torch

    items, d = P.shape[0], P.shape[-1]
    band_info = _piptrack_band(d, sr, n_fft)
    if band_info is None or P.shape[1] == 0:
        return [_tuning_from_peaks(np.zeros(0, np.float32), np.zeros(0, np.float32), bins_per_octave)
                for _ in range(items)]
    lo, hi, in_range = band_info
    ref_value = threshold * P.amax(dim=-1, keepdim=True)
    band = P[..., lo - 1 : hi + 1]
    gated = band * (band > ref_value)
    centre = gated[..., 1:-1]
    is_max = (centre > gated[..., :-2]) & (centre >= gated[..., 2:])
    is_max &= torch.as_tensor(in_range, device=P.device)
    item, row, col = is_max.nonzero(as_tuple=True)
    values = torch.stack([band[item, row, col + 1], band[item, row, col], band[item, row, col + 2]])
    values = values.detach().cpu().numpy()
    item, col = item.cpu().numpy(), col.cpu().numpy()
    pitch, mags = _interpolated_peaks(col + lo, values[0], values[1], values[2], sr, n_fft)
    bounds = np.searchsorted(item, np.arange(items + 1))  # nonzero lists the items in order
    return [_tuning_from_peaks(pitch[bounds[i]:bounds[i + 1]], mags[bounds[i]:bounds[i + 1]], bins_per_octave)
            for i in range(items)]


def _tuning_from_peaks(pitch: np.ndarray, mags: np.ndarray, bins_per_octave: int,
                       resolution: float = 0.01) -> float:
    """librosa.estimate_tuning's last step: peaks at or above the median peak magnitude, then the
    histogram of their deviations from the equal-tempered grid (pitch_tuning)."""
    mask = pitch > 0
    thresh = np.median(mags[mask]) if mask.any() else 0.0
    return _pitch_tuning(pitch[(mags >= thresh) & mask], resolution, bins_per_octave)


def _piptrack_tuning(P: np.ndarray, sr: float, n_fft: int, bins_per_octave: int) -> float:
    """librosa.estimate_tuning(S=P.T, sr=sr, n_fft=n_fft, bins_per_octave=...) for one item's frames-major
    power spectra ``P`` (t, d).

    Private: the pitch module's public ``estimate_tuning`` does not exist yet; it should replace this.
    """
    return _tuning_from_peaks(*_piptrack_peaks(P, sr, n_fft), bins_per_octave)


def _pitch_tuning(frequencies: np.ndarray, resolution: float, bins_per_octave: int) -> float:
    frequencies = frequencies[frequencies > 0]
    if not np.any(frequencies):
        warn_user("Trying to estimate tuning from empty frequency set.")
        return 0.0
    residual = np.mod(bins_per_octave * np.log2(frequencies / (440.0 / 16)), 1.0)
    residual[residual >= 0.5] -= 1.0
    bins = np.linspace(-0.5, 0.5, int(np.ceil(1.0 / resolution)) + 1)
    counts, edges = np.histogram(residual, bins)
    return float(edges[np.argmax(counts)])


def _chroma_kwargs(kwargs: dict) -> dict:
    allowed = {"ctroct", "octwidth", "base_c", "dtype"}  # (the filterbank's norm is chroma_stft's norm)
    unknown = set(kwargs) - allowed
    if unknown:
        raise ParameterError(f"unexpected keyword arguments {sorted(unknown)}; chroma filterbank options are "
                             f"{sorted(allowed)}")
    return kwargs


@capabilities(librosa="librosa.feature.chroma_stft", compile=False,
              note="With tuning=None the tuning is estimated per item (librosa: one for the whole array), "
                   "outside the autograd graph.")
def chroma_stft(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    norm: float | None = np.inf,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    tuning: float | None = None,
    n_chroma: int = 12,
    **kwargs: Any,
) -> Any:
    """Chromagram from a power spectrogram: the energy of each pitch class per frame (librosa-compatible).

    The power spectrum is projected through :func:`audiofeat.filters.chroma` and each frame normalised
    (``norm``, default max = 1). With ``tuning=None`` the tuning is estimated from the spectrogram as
    librosa's ``estimate_tuning`` does (peak picking with parabolic interpolation, a histogram of the
    peaks' deviations from the equal-tempered grid at 0.01-bin resolution).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A power spectrogram.
    norm : float or None
        Norm of each chroma vector (``np.inf``, ``-np.inf``, 0, p > 0 or None).
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT settings when ``y`` is given.
    tuning : float or None
        Deviation from A440 in fractions of a chroma bin; None estimates it, per item of a batch
        (deliberate difference: librosa estimates one tuning for a whole multichannel array).
    n_chroma : int
        Number of chroma bins.
    **kwargs
        Filterbank options (see :func:`audiofeat.filters.chroma`): ``ctroct``, ``octwidth``, ``base_c``,
        ``dtype``.

    Returns
    -------
    chromagram : shape (..., n_chroma, t)

    Raises
    ------
    ParameterError
        Missing or invalid input, an unknown keyword, a bad norm.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> C = audiofeat.chroma_stft(y=y, sr=22050)
    >>> C.shape, int(np.argmax(C.mean(axis=1)))  # pitch class 9 is A
    ((12, 44), 9)
    """
    norm = _check_norm(norm)
    n_chroma = check_int("n_chroma", n_chroma)
    fb_options = _chroma_kwargs(dict(kwargs))
    src = _Source(y, S, n_fft, hop_length, win_length, window, center, pad_mode, "chroma_stft", real_S=False)
    if src.S is not None and src.xp.isdtype(src.S.dtype, "complex floating"):
        raise ParameterError("chroma_stft needs a real-valued (power) spectrogram")
    sr = check_positive("sr", sr)
    xp = src.xp
    fb_dtype = np.dtype(fb_options.get("dtype", np.float32))
    wide = B.real_dtype(xp, src.like.dtype) == xp.float64 or fb_dtype == np.float64
    dtype = xp.float64 if wide else xp.float32

    def basis(t):
        return _chroma_basis(sr=sr, n_fft=src.n_fft, n_chroma=n_chroma, tuning=t, **fb_options)

    if tuning is not None:
        tuning = check_number("tuning", tuning)
        basis_np = basis(tuning)
        fb = B.const(basis_np, src.like, dtype)
        # row groups sized so that each product stays a single-threaded BLAS call inside a frame block
        bands = None if B.is_torch(src.like) else B.prepare_bands(
            fb, B.cached_bands(basis_np, src.n_fft, 8 if wide else 4))

        def kernel(P):
            if P.dtype != fb.dtype:
                P = xp.astype(P, fb.dtype)
            return _normalize_last(B.apply_filterbank(P, fb, bands), norm)

        if src.S is None:
            return _frame_spectra(src.y, n_fft=src.n_fft, post=lambda spec: kernel(B.abs2(spec)),
                                  out_tail=(n_chroma,), out_dtype=dtype, time_last=True, **src.stft)
        return src.apply(kernel, n_chroma)

    # Estimated tuning: the tuning depends on every frame, so the power spectrogram is kept (frames-major;
    # never the complex STFT). From numpy audio the peak picking runs inside the frame blocks, while each
    # block's spectra are in cache; the blocks' peaks are pooled (order does not matter: a median and a
    # histogram). As librosa, estimate_tuning infers n_fft = 2 * (bins - 1) from S (one less for odd n_fft).
    tuning_n_fft = 2 * (src.n_bins - 1)
    lead = tuple(src.like.shape[:-2] if src.S is not None else src.like.shape[:-1])
    if B.is_torch(src.like):
        return _chroma_torch_batch(src, lead, sr, tuning_n_fft, n_chroma, basis, dtype, norm)
    if lead and math.prod(lead) == 0:  # an empty batch: an empty chromagram (was a bare ValueError of np.stack)
        n_frames = src.S.shape[-1] if src.S is not None else _frame_spectra(
            src.y, n_fft=src.n_fft, post=B.abs2, out_tail=(src.n_bins,), out_dtype=src.y.dtype, **src.stft).shape[-2]
        return np.zeros((*lead, n_chroma, n_frames), dtype=dtype)
    items = list(np.ndindex(*lead)) if lead else [()]
    outs = []
    for item in items:
        if src.S is not None or B.is_torch(src.like):
            if src.S is not None:
                Pi = src.S[item].swapaxes(-1, -2)
            else:
                Pi = _frame_spectra(src.y[item], n_fft=src.n_fft, post=B.abs2, out_tail=(src.n_bins,),
                                    out_dtype=src.y.dtype, **src.stft)
            t_est = _piptrack_tuning(np.ascontiguousarray(B.to_numpy(Pi)), sr, tuning_n_fft, n_chroma)
        else:
            peaks: list = []

            def power_and_peaks(spec, peaks=peaks):
                P_block = B.abs2(spec)
                peaks.append(_piptrack_peaks(P_block, sr, tuning_n_fft))  # list.append is atomic
                return P_block

            Pi = _frame_spectra(src.y[item], n_fft=src.n_fft, post=power_and_peaks, out_tail=(src.n_bins,),
                                out_dtype=src.y.dtype, **src.stft)
            pitch = np.concatenate([p for p, _ in peaks]) if peaks else np.zeros(0, Pi.dtype)
            mags = np.concatenate([m for _, m in peaks]) if peaks else np.zeros(0, Pi.dtype)
            t_est = _tuning_from_peaks(pitch, mags, n_chroma)
        basis_np = basis(t_est)
        fb = B.const(basis_np, src.like, dtype)
        if Pi.dtype != fb.dtype:
            Pi = xp.astype(Pi, fb.dtype)
        outs.append(_normalize_last(_fb_product(Pi, fb, basis_np), norm).swapaxes(-1, -2))
    if not lead:
        return _contiguous(outs[0])
    out = xp.stack(outs, axis=0)
    return _contiguous(xp.reshape(out, (*lead, *out.shape[1:])))


def _chroma_torch_batch(src: Any, lead: tuple, sr: float, tuning_n_fft: int, n_chroma: int, basis: Any,
                        dtype: Any, norm: Any) -> Any:
    """chroma_stft with estimated tuning on a torch batch: one power spectrogram for the whole batch, every
    item's tuning from :func:`_piptrack_tunings_torch`, and one batched product with the items' chroma
    filterbanks (each built, and cached, for its tuning)."""
    import torch

    if src.S is not None:
        P = src.S.swapaxes(-1, -2)  # (..., t, d)
    else:
        P = _frame_spectra(src.y, n_fft=src.n_fft, post=B.abs2, out_tail=(src.n_bins,), out_dtype=src.y.dtype,
                           **src.stft)
    t, d = P.shape[-2], P.shape[-1]
    flat = P.reshape(-1, t, d)
    tunings = _piptrack_tunings_torch(flat, sr, tuning_n_fft, n_chroma)
    fbs = torch.stack([B.const(basis(t_est), src.like, dtype) for t_est in tunings]) if tunings else \
        torch.zeros((0, n_chroma, d), dtype=dtype, device=src.like.device)
    if flat.dtype != fbs.dtype:
        flat = flat.to(fbs.dtype)
    out = _normalize_last(flat @ fbs.swapaxes(-1, -2), norm).swapaxes(-1, -2)  # (items, n_chroma, t)
    return _contiguous(out.reshape(*lead, n_chroma, t))


def _fb_product(P: Any, fb: Any, basis_np: np.ndarray) -> Any:
    """Frames-major ``P (t, d) @ fb.T``: on numpy in chunks of frames on the thread pool, each BLAS call kept
    single-threaded (see ``_backend``)."""
    if B.is_torch(P):
        return P @ fb.swapaxes(-1, -2)
    bands = B.filterbank_bands(basis_np)
    return B.filterbank_over_time(P.swapaxes(-1, -2), fb, bands).swapaxes(-1, -2)


# --------------------------------------------------------------------------------------------------
# tonnetz
# --------------------------------------------------------------------------------------------------
@cached
def _tonnetz_basis(n_chroma: int) -> np.ndarray:
    dim_map = np.linspace(0, 12, num=n_chroma, endpoint=False)
    scale = np.asarray([7.0 / 6, 7.0 / 6, 3.0 / 2, 3.0 / 2, 2.0 / 3, 2.0 / 3])
    V = np.multiply.outer(scale, dim_map)
    V[::2] -= 0.5  # even rows: sines
    R = np.array([1, 1, 1, 1, 0.5, 0.5])  # fifths, minor thirds, major thirds
    return B.frozen(R[:, None] * np.cos(np.pi * V))


@capabilities(librosa="librosa.feature.tonnetz")
def tonnetz(*, y: Any = None, sr: float = 22050, chroma: Any = None, **kwargs: Any) -> Any:
    """Tonal centroid features (Harte et al. 2006): chroma projected onto three circles (librosa-compatible).

    Rows: fifths (x, y), minor thirds (x, y), major thirds (x, y) of the L1-normalised chroma vector.
    Chords related by harmony land close together, which makes it a feature for harmonic change.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio; its chroma is librosa's default ``chroma_cqt``, which needs audiofeat's constant-Q module
        (a ParameterError says so when it is absent: pass ``chroma=`` instead, e.g. :func:`chroma_stft`).
    sr : float
        Sample rate.
    chroma : array, shape (..., n_chroma, t), optional
        A chromagram (finite: NaN/inf raise ParameterError, as in librosa).
    **kwargs
        Passed to ``chroma_cqt`` when ``chroma`` is not given.

    Returns
    -------
    tonnetz : shape (..., 6, t)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> C = np.abs(np.random.default_rng(0).standard_normal((12, 5)))
    >>> audiofeat.tonnetz(chroma=C).shape
    (6, 5)
    """
    if y is None and chroma is None:
        raise ParameterError("Either the audio samples or the chromagram must be passed as an argument.")
    if chroma is None:
        from . import feature

        chroma_cqt = getattr(feature, "chroma_cqt", None)
        if chroma_cqt is None:
            raise ParameterError("tonnetz(y=...) computes librosa's default chroma_cqt, which audiofeat does "
                                 "not have yet; pass chroma= (e.g. chroma=audiofeat.chroma_stft(y=y, sr=sr))")
        chroma = chroma_cqt(y=y, sr=sr, **kwargs)
    chroma = check_spectrogram(chroma, "chroma", what="n_chroma", complex_ok=False)  # NaN: librosa raises too
    phi = B.built_const(_tonnetz_basis, (int(chroma.shape[-2]),), chroma)
    C = _normalize_last(chroma.swapaxes(-1, -2), 1)
    return _contiguous((C @ phi.swapaxes(-1, -2)).swapaxes(-1, -2))


# --------------------------------------------------------------------------------------------------
# PCEN
# --------------------------------------------------------------------------------------------------
def _smooth(x: Any, b: float, z0: Any) -> tuple[Any, Any]:
    """First-order IIR ``scipy.signal.lfilter([b], [1, b - 1], x, zi=z0)`` along the last axis, as block
    matrix products: exact, batched, differentiable, traceable, no per-sample loop. Returns (y, zf).

    ``y[n] = b x[n] + a y[n-1]`` (a = 1 - b). In blocks of ``L`` samples, the zero-state response of each
    block is one product with ``T[i, j] = b a^(i-j)`` (i >= j); the state entering block ``k`` is
    ``z_k = a^L z_{k-1} + a * last_{k-1}``, a second product with ``U[k, j] = a^(L (k-j))``; then
    ``y = local + a^i z_k``. Every entry is a power of ``a`` in [0, 1]: nothing overflows. ``L`` is about
    the square root of the length, so both matrices stay small; they are built per call from the
    parameters (never cached: they depend on the length).
    """
    xp = B.namespace(x)
    a = 1.0 - b
    n = x.shape[-1]
    L = max(16, math.isqrt(max(n, 1) - 1) + 1)
    nb = -(-n // L)
    dev = B.device(x)
    i = xp.arange(L, dtype=xp.float64, device=dev)
    diff = i[:, None] - i[None, :]
    T = xp.where(diff >= 0, b * a ** xp.clip(diff, min=0.0), xp.zeros_like(diff))
    k = xp.arange(nb, dtype=xp.float64, device=dev)
    kd = k[:, None] - k[None, :]
    U = xp.where(kd >= 0, (a**L) ** xp.clip(kd, min=0.0), xp.zeros_like(kd))
    powers = a**i
    T, U, powers = (xp.astype(m, x.dtype) for m in (T, U, powers))
    xb = xp.reshape(B.pad(x, 0, nb * L - n), (*x.shape[:-1], nb, L))
    local = xb @ T.swapaxes(-1, -2)  # zero-state response of each block
    carried = a * local[..., -1]  # a * last_k
    lag = B.pad(carried[..., :-1], 1, 0)  # a * last_{k-1}; 0 for k = 0
    z0 = z0[..., None] if not isinstance(z0, float) else z0
    z = lag @ U.swapaxes(-1, -2) + z0 * U[:, 0]  # z_k = sum_j a^{L(k-j)} lag_j + a^{Lk} z0
    out = local + z[..., None] * powers
    y = xp.reshape(out, (*x.shape[:-1], nb * L))[..., :n]
    return y, a * y[..., -1:]


def _max_filter(x: Any, size: int, axis: int) -> Any:
    """``scipy.ndimage.maximum_filter1d(x, size, axis)`` (mode 'reflect': the window clipped at the edges)."""
    xp = B.namespace(x)
    x = xp.moveaxis(x, axis, -1)
    left = size // 2
    right = size - 1 - left
    padded = B.pad(x, left, right, mode="edge")
    n = x.shape[-1]
    out = padded[..., 0:n]
    for s in range(1, size):
        out = xp.maximum(out, padded[..., s : s + n])
    return xp.moveaxis(out, -1, axis)


@capabilities(librosa="librosa.pcen")
def pcen(
    S: Any,
    *,
    sr: float = 22050,
    hop_length: int = 512,
    gain: float = 0.98,
    bias: float = 2,
    power: float = 0.5,
    time_constant: float = 0.400,
    eps: float = 1e-6,
    b: float | None = None,
    max_size: int = 1,
    ref: Any = None,
    axis: int = -1,
    max_axis: int | None = None,
    zi: Any = None,
    return_zf: bool = False,
) -> Any:
    """Per-channel energy normalisation (Wang et al. 2017; librosa-compatible).

    ``M = lfilter([b], [1, b - 1], ref)`` smooths the (max-filtered) energy over time;
    ``P = (S / (eps + M) ** gain + bias) ** power - bias ** power`` then divides out the slowly varying
    loudness (automatic gain control) and compresses the range. A robust front end for detection and
    keyword spotting in varying loudness and stationary noise, where ``log`` would amplify the noise floor.

    Parameters
    ----------
    S : array (numpy or torch), shape (..., d, t)
        A non-negative magnitude (or power) spectrogram, e.g. a mel spectrogram scaled by ``2**31``.
    sr, hop_length : float, int
        Sample rate and hop, which turn ``time_constant`` into frames.
    gain, bias, power : float
        AGC exponent (>= 0), bias (>= 0) and compression exponent (>= 0; 0 gives ``log1p``).
    time_constant : float
        Smoother's time constant in seconds (> 0).
    eps : float
        Floor of the smoothed energy (> 0).
    b : float or None
        Smoothing coefficient in [0, 1]; default from ``time_constant``.
    max_size : int
        Width of a maximum filter over frequency (``max_axis``) applied to ``S`` before smoothing.
    ref : array, optional
        The signal to smooth, instead of ``S`` (or its max-filtered version).
    axis : int
        Time axis.
    max_axis : int or None
        Frequency axis of the maximum filter (needed for ``max_size > 1`` with more than 2 dimensions).
    zi : array, optional
        Initial state of the smoother (default: the steady state of a constant input of 1).
    return_zf : bool
        Also return the final state.

    Returns
    -------
    P : same shape, backend and dtype as ``S``; ``(P, zf)`` with ``return_zf``.

    Raises
    ------
    ParameterError
        Negative ``power``, ``gain`` or ``bias``; non-positive ``eps`` or ``time_constant``; ``b`` outside
        [0, 1]; ``max_size`` not a positive integer; a missing ``max_axis``; NaN or infinite values in ``S``
        (checked on numpy and CPU tensors; librosa returns NaN from the first bad frame on).

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> S = np.abs(np.random.default_rng(0).standard_normal((40, 100)))
    >>> audiofeat.pcen(S * (2**31)).shape
    (40, 100)
    """
    power = check_number("power", power, minimum=0)
    gain = check_number("gain", gain, minimum=0)
    bias = check_number("bias", bias, minimum=0)
    eps = check_number("eps", eps, minimum=0, strict=True)
    time_constant = check_number("time_constant", time_constant, minimum=0, strict=True)
    max_size = check_int("max_size", max_size)
    if b is None:
        t_frames = time_constant * check_positive("sr", sr) / float(check_int("hop_length", hop_length))
        b = (math.sqrt(1 + 4 * t_frames**2) - 1) / (2 * t_frames**2)
    b = check_number("b", b)
    if not 0 <= b <= 1:
        raise ParameterError(f"b={b} must be between 0 and 1")
    # finite: its smoother runs as block matrix products, where a NaN or inf would reach earlier frames too
    # (librosa's causal filter spoils only the later ones): a typed error instead of a partly NaN result
    S = check_finite(B.as_float(S, "S", complex_ok=True), "S", "values")
    xp = B.namespace(S)
    if xp.isdtype(S.dtype, "complex floating"):
        warn_user("pcen was called on complex input so phase information will be discarded. "
                  "To suppress this warning, call pcen(np.abs(D)) instead.")
        S = xp.abs(S)
    if S.ndim == 0:
        raise ParameterError("S must have at least one dimension")
    from ._checks import check_axis

    axis = check_axis(axis, S.ndim)
    if ref is None:
        if max_size == 1:
            ref = S
        elif S.ndim == 1:
            raise ParameterError("Max-filtering cannot be applied to 1-dimensional input")
        else:
            if max_axis is None:
                if S.ndim != 2:
                    raise ParameterError(f"Max-filtering a {S.ndim:d}-dimensional spectrogram requires you to "
                                         "specify max_axis")
                max_axis = (1 - axis) % 2
            ref = _max_filter(S, max_size, check_axis(max_axis, S.ndim))
    else:
        ref = B.as_float(ref, "ref")
        if B.is_torch(ref) != B.is_torch(S):
            ref = B.from_numpy(B.to_numpy(ref), S)
        if tuple(ref.shape) != tuple(S.shape):
            raise ParameterError(f"ref has shape {tuple(ref.shape)}, expected S's shape {tuple(S.shape)}")
    ref_t = xp.moveaxis(ref, axis, -1)
    if zi is None:
        z0 = 1.0 - b  # lfilter_zi([b], [1, b - 1]): the state after a constant input of 1
    else:
        z = B.as_float(zi, "zi")
        if B.is_torch(z) != B.is_torch(S):
            z = B.from_numpy(B.to_numpy(z), S)
        if z.ndim != S.ndim:
            raise ParameterError(f"zi must have {S.ndim} dimensions (length 1 on the time axis), got shape "
                                 f"{tuple(z.shape)}")
        z0 = xp.moveaxis(xp.astype(z, ref_t.dtype), axis, -1)
        if z0.shape[-1] != 1:
            raise ParameterError(f"zi must have length 1 on the time axis, got shape {tuple(z.shape)}")
        z0 = z0[..., 0]
    S_smooth, zf = _smooth(ref_t, b, z0)
    S_smooth = xp.moveaxis(S_smooth, -1, axis)
    zf = xp.moveaxis(zf, -1, axis)
    smooth = xp.exp(-gain * (math.log(eps) + xp.log1p(S_smooth / eps)))
    if power == 0:
        out = xp.log1p(S * smooth)
    elif bias == 0:
        out = xp.exp(power * (xp.log(S) + xp.log(smooth)))
    else:
        out = (bias**power) * xp.expm1(power * xp.log1p(S * smooth / bias))
    if return_zf:
        return out, zf
    return out
