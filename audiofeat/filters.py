"""Psychoacoustics: perceptual frequency scales and the filterbanks built on them.

The ear resolves low frequencies finely and high frequencies coarsely. The mel scale (Slaney's
Auditory Toolbox variant, linear below 1 kHz and logarithmic above, or the HTK formula
``2595 log10(1 + f/700)``) models that; a mel filterbank of triangular filters spaced evenly in mel turns a
linear-frequency power spectrum into a perceptual one. The DCT matrix used by MFCCs lives here too.

Filterbanks are computed with numpy in float64, rounded once to the requested dtype, and cached by parameter;
public functions return fresh copies, internal callers share the cached read-only arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.fft

from ._registry import capabilities
from . import _backend as B
from ._cache import cached
from ._librosa import missing_attribute
from ._checks import check_int, check_number, check_positive, warn_user
from .errors import ParameterError
from .shorttime import fft_frequencies, get_window  # noqa: F401  (librosa has filters.get_window)

__all__ = ["hz_to_mel", "mel_to_hz", "mel_frequencies", "mel", "chroma", "dct", "get_window", "gammatone", "bark"]

# Slaney's mel scale: linear up to 1 kHz (200/3 Hz per mel), logarithmic above.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = math.log(6.4) / 27.0


def _unwrap_scalar(x: Any, was_scalar: bool) -> Any:
    return x[()] if was_scalar else x


@capabilities(librosa="librosa.hz_to_mel")
def hz_to_mel(frequencies: Any, *, htk: bool = False) -> Any:
    """Convert Hz to mels.

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.
    htk : bool
        Use the HTK formula ``2595 log10(1 + f/700)`` instead of Slaney's.

    Returns
    -------
    mels : same kind as the input (a numpy scalar for a scalar).

    Examples
    --------
    >>> import audiofeat
    >>> round(float(audiofeat.hz_to_mel(1000.0)), 6)
    15.0
    >>> round(float(audiofeat.hz_to_mel(1000.0, htk=True)), 1)
    1000.0
    """
    f = B.as_array(frequencies, "frequencies")
    scalar = not B.is_torch(f) and f.ndim == 0
    xp = B.namespace(f)
    if not B.is_torch(f) or not xp.isdtype(f.dtype, "real floating"):
        f = xp.astype(f, xp.float64)  # numpy: float64 like librosa (float32 overflows in mel_to_hz)
    if htk:
        return _unwrap_scalar(2595.0 * xp.log10(1.0 + f / 700.0), scalar)
    linear = f / _F_SP
    # clamp inside the log so that the branch not taken never sees log(0)
    log = _MIN_LOG_MEL + xp.log(xp.clip(f, min=_MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOGSTEP
    return _unwrap_scalar(xp.where(f >= _MIN_LOG_HZ, log, linear), scalar)


@capabilities(librosa="librosa.mel_to_hz")
def mel_to_hz(mels: Any, *, htk: bool = False) -> Any:
    """Convert mels to Hz (the inverse of :func:`hz_to_mel`).

    Parameters
    ----------
    mels : float, array_like or torch.Tensor
        Mel values.
    htk : bool
        Use the HTK formula instead of Slaney's.

    Returns
    -------
    frequencies : same kind as the input.

    Examples
    --------
    >>> import audiofeat
    >>> round(float(audiofeat.mel_to_hz(15.0)), 6)
    1000.0
    """
    m = B.as_array(mels, "mels")
    scalar = not B.is_torch(m) and m.ndim == 0
    xp = B.namespace(m)
    if not B.is_torch(m) or not xp.isdtype(m.dtype, "real floating"):
        m = xp.astype(m, xp.float64)
    if htk:
        return _unwrap_scalar(700.0 * (10.0 ** (m / 2595.0) - 1.0), scalar)
    linear = _F_SP * m
    log = _MIN_LOG_HZ * xp.exp(_LOGSTEP * (xp.clip(m, min=_MIN_LOG_MEL) - _MIN_LOG_MEL))
    return _unwrap_scalar(xp.where(m >= _MIN_LOG_MEL, log, linear), scalar)


@capabilities(librosa="librosa.mel_frequencies", torch=False, batch=False)
def mel_frequencies(
    n_mels: int = 128, *, fmin: float = 0.0, fmax: float = 11025.0, htk: bool = False
) -> np.ndarray:
    """Centre frequencies (Hz) of ``n_mels`` points spaced evenly on the mel scale from fmin to fmax.

    Parameters
    ----------
    n_mels : int
        Number of points.
    fmin, fmax : float
        Lowest and highest frequency (Hz).
    htk : bool
        HTK mel scale instead of Slaney's.

    Returns
    -------
    np.ndarray, shape (n_mels,), float64

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.mel_frequencies(3, fmin=0.0, fmax=1000.0)
    array([   0.,  500., 1000.])
    """
    mels = np.linspace(hz_to_mel(fmin, htk=htk), hz_to_mel(fmax, htk=htk), int(n_mels))
    return mel_to_hz(mels, htk=htk)


def _row_normalize(weights: np.ndarray, norm: float) -> np.ndarray:
    """Normalise each row to unit ``norm`` (librosa.util.normalize semantics, rows of zeros untouched)."""
    mag = np.abs(weights)
    if norm == np.inf:
        length = mag.max(axis=-1, keepdims=True)
    elif norm == -np.inf:
        length = mag.min(axis=-1, keepdims=True)
    elif norm == 0:
        length = (mag > 0).sum(axis=-1, keepdims=True).astype(mag.dtype)
    elif norm > 0:
        length = (mag**norm).sum(axis=-1, keepdims=True) ** (1.0 / norm)
    else:
        raise ParameterError(f"unsupported norm={norm!r}: expected 'slaney', None, inf, -inf, 0 or p > 0")
    small = length < np.finfo(weights.dtype).tiny
    length[small] = 1.0
    return weights / length


@cached
def _mel_cached(sr: float, n_fft: int, n_mels: int, fmin: float, fmax: float, htk: bool, norm, dtype):
    """``(weights, has_empty_filters)``: the caller warns (a cached builder must not)."""
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=dtype)
    fftfreqs = fft_frequencies(sr=sr, n_fft=n_fft)
    mel_f = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax, htk=htk)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights[:] = np.maximum(0, np.minimum(lower, upper))
    if norm == "slaney":
        # Slaney-style: each triangle has unit area (constant energy per channel)
        enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
        weights *= enorm[:, None]
    elif norm is not None:
        weights = _row_normalize(weights, norm).astype(dtype, copy=False)
    empty = not np.all((mel_f[:-2] == 0) | (weights.max(axis=1) > 0))
    return B.frozen(weights), empty


@capabilities(librosa="librosa.filters.mel", torch=False, batch=False)
def mel(
    *,
    sr: float,
    n_fft: int,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    norm: str | float | None = "slaney",
    dtype: Any = np.float32,
) -> np.ndarray:
    """A mel filterbank: triangular filters evenly spaced on the mel scale.

    Parameters
    ----------
    sr : float
        Sample rate of the audio (Hz).
    n_fft : int
        FFT size; the filterbank has ``1 + n_fft // 2`` columns.
    n_mels : int
        Number of mel bands.
    fmin, fmax : float
        Lowest and highest frequency (Hz); ``fmax=None`` means ``sr / 2``.
    htk : bool
        HTK mel scale instead of Slaney's.
    norm : {'slaney', None} or number
        ``'slaney'`` divides each triangle by its width (unit area); a number p normalises each filter to unit
        p-norm (``np.inf`` for max); ``None`` leaves peak-1 triangles.
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    np.ndarray, shape (n_mels, 1 + n_fft // 2)

    Raises
    ------
    ParameterError
        For a non-positive sr, n_fft or n_mels, fmin/fmax out of order, or an unknown norm.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.filters.mel(sr=22050, n_fft=2048).shape
    (128, 1025)
    """
    return _mel_basis(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm,
                      dtype=dtype).copy()


def _mel_basis(*, sr, n_fft, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney", dtype=np.float32):
    """Validated, cached (read-only) mel filterbank: the internal form of :func:`mel`."""
    check_positive("sr", sr)
    check_int("n_fft", n_fft)
    check_int("n_mels", n_mels)
    if fmax is None:
        fmax = float(sr) / 2
    fmin = check_number("fmin", fmin, minimum=0)
    fmax = check_number("fmax", fmax)
    if fmax <= fmin:
        raise ParameterError(f"expected 0 <= fmin < fmax, got fmin={fmin!r}, fmax={fmax!r}")
    if isinstance(norm, str) and norm != "slaney":
        raise ParameterError(f"unsupported norm={norm!r}: expected 'slaney', None or a number")
    if norm is not None and not isinstance(norm, str):
        if isinstance(norm, bool) or not isinstance(norm, (int, float, np.integer, np.floating)):
            raise ParameterError(f"unsupported norm={norm!r}: expected 'slaney', None or a number")
        norm = float(norm)
    try:
        dtype = np.dtype(dtype)
    except TypeError as exc:
        raise ParameterError(f"dtype={dtype!r} is not a numpy dtype") from exc
    weights, empty = _mel_cached(float(sr), int(n_fft), int(n_mels), fmin, fmax, bool(htk), norm, dtype)
    if empty:
        warn_user("Empty filters detected in mel frequency basis: some channels will produce empty responses. "
                  "Try increasing your sampling rate (and fmax) or reducing n_mels.")
    return weights


@cached
def _chroma_cached(sr: float, n_fft: int, n_chroma: int, tuning: float, ctroct: float, octwidth, norm, base_c: bool,
                   dtype) -> np.ndarray:
    # Dan Ellis's fft2chromamx, as librosa 0.11 builds it (float64, rounded once to dtype)
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    a440 = 440.0 * 2.0 ** (tuning / n_chroma)
    frqbins = n_chroma * np.log2(frequencies / (a440 / 16))
    # the 0 Hz bin: 1.5 octaves below bin 1 (so its chroma is 50% rotated and its bin width broad)
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    D = np.remainder(D + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    wts = np.exp(-0.5 * (2 * D / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
    if norm is not None:
        wts = _row_normalize(wts.T, norm).T  # each column (FFT bin) to unit norm
    if octwidth is not None:
        wts *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - ctroct) / octwidth) ** 2)), (n_chroma, 1))
    if base_c:
        wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    return B.frozen(np.ascontiguousarray(wts[:, : int(1 + n_fft / 2)], dtype=dtype))


@capabilities(librosa="librosa.filters.chroma", torch=False, batch=False)
def chroma(
    *,
    sr: float,
    n_fft: int,
    n_chroma: int = 12,
    tuning: float = 0.0,
    ctroct: float = 5.0,
    octwidth: float | None = 2,
    norm: float | None = 2,
    base_c: bool = True,
    dtype: Any = np.float32,
) -> np.ndarray:
    """A chroma filterbank: maps the bins of an STFT onto ``n_chroma`` pitch classes.

    Each FFT bin's frequency is converted to a (fractional) pitch class; a Gaussian bump around each chroma
    bin, as wide as the FFT bin's spacing in chroma bins, weighs it (Dan Ellis's ``fft2chromamx``, as in
    librosa). Columns are normalised to unit ``norm``, then weighted by a Gaussian over octaves centred on
    octave ``ctroct`` (``octwidth`` octaves wide).

    Parameters
    ----------
    sr : float
        Sample rate (Hz).
    n_fft : int
        FFT size; the filterbank has ``1 + n_fft // 2`` columns.
    n_chroma : int
        Number of chroma bins per octave.
    tuning : float
        Deviation from A440 tuning in fractions of a chroma bin.
    ctroct : float
        Centre of the Gaussian octave weighting, in octaves above A0 (27.5 Hz): 5 is 880 Hz.
    octwidth : float or None
        Half-width of the octave weighting, in octaves; ``None`` (or 0, as in ``fft2chromamx``) weighs all
        octaves alike.
    norm : float or None
        Norm of each column (``np.inf``, a p > 0, or None).
    base_c : bool
        Start the filterbank at C (True) or at A (False).
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    np.ndarray, shape (n_chroma, 1 + n_fft // 2)

    Raises
    ------
    ParameterError
        A non-positive sr, n_fft or n_chroma, a non-finite tuning, or an unknown norm.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.filters.chroma(sr=22050, n_fft=4096).shape
    (12, 2049)
    """
    return _chroma_basis(sr=sr, n_fft=n_fft, n_chroma=n_chroma, tuning=tuning, ctroct=ctroct,
                         octwidth=octwidth, norm=norm, base_c=base_c, dtype=dtype).copy()


def _chroma_basis(*, sr, n_fft, n_chroma=12, tuning=0.0, ctroct=5.0, octwidth=2, norm=2, base_c=True,
                  dtype=np.float32) -> np.ndarray:
    """Validated, cached (read-only) chroma filterbank: the internal form of :func:`chroma`."""
    sr = check_positive("sr", sr)
    n_fft = check_int("n_fft", n_fft)
    n_chroma = check_int("n_chroma", n_chroma)
    tuning = check_number("tuning", tuning)
    ctroct = check_number("ctroct", ctroct)
    if octwidth is not None:
        octwidth = check_number("octwidth", octwidth)
        if octwidth == 0:
            octwidth = None  # fft2chromamx: 0 means no octave weighting (librosa would divide by zero)
    if norm is not None:
        if isinstance(norm, (bool, str)) or not isinstance(norm, (int, float, np.integer, np.floating)):
            raise ParameterError(f"unsupported norm={norm!r}: expected None, inf, -inf, 0 or p > 0")
        norm = float(norm)
    try:
        dtype = np.dtype(dtype)
    except TypeError as exc:
        raise ParameterError(f"dtype={dtype!r} is not a numpy dtype") from exc
    return _chroma_cached(sr, n_fft, n_chroma, tuning, ctroct, octwidth, norm, bool(base_c), dtype)


@cached
def _dct_cached(n_out: int, n_in: int, dct_type: int, norm, dtype) -> np.ndarray:
    basis = scipy.fft.dct(np.eye(n_in), type=dct_type, norm=norm, axis=0)[:n_out]
    return B.frozen(basis.astype(dtype))


@capabilities(torch=False, batch=False)
def dct(n_filters: int, n_input: int, *, dct_type: int = 2, norm: str | None = "ortho",
        dtype: Any = np.float32) -> np.ndarray:
    """The DCT as a matrix: ``dct(n, m) @ x`` equals ``scipy.fft.dct(x, type, norm, axis=0)[:n]``.

    Parameters
    ----------
    n_filters : int
        Number of output coefficients (rows).
    n_input : int
        Length of the transformed axis (columns).
    dct_type : {1, 2, 3, 4}
        DCT type.
    norm : {'ortho', None}
        Normalisation (as in ``scipy.fft.dct``).
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    np.ndarray, shape (n_filters, n_input)

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.filters.dct(13, 40).shape
    (13, 40)
    """
    return _dct_basis(n_filters, n_input, dct_type, norm, dtype).copy()


def _dct_basis(n_out, n_in, dct_type=2, norm="ortho", dtype=np.float32) -> np.ndarray:
    check_int("n_mfcc", n_out)
    check_int("number of mel bands", n_in)
    if dct_type not in (1, 2, 3, 4):
        raise ParameterError(f"dct_type must be 1, 2, 3 or 4, got {dct_type!r}")
    if norm not in (None, "ortho"):
        raise ParameterError(f"DCT norm must be 'ortho' or None, got {norm!r}")
    if dct_type == 1 and n_in < 2:
        raise ParameterError("a type-1 DCT needs at least 2 input bands")
    return _dct_cached(int(n_out), int(n_in), int(dct_type), norm, np.dtype(dtype))


# the Bark and gammatone (ERB) filterbanks live in psychoacoustics.py with their scales; handed on here
from .psychoacoustics import bark, gammatone  # noqa: E402

#: audiofeat's additions to librosa.filters' names
EXTENSIONS = frozenset({"gammatone", "bark"})

__getattr__ = missing_attribute(__name__, "filters")
