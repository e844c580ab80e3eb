"""Psychoacoustics: the Bark and ERB scales, the filterbanks built on them, and frequency weighting.

The ear analyses sound with overlapping band-pass filters (critical bands) whose width grows with frequency.
Three scales describe that spacing; each has a filterbank that turns a power spectrum into band energies:

* **mel** (in :mod:`audiofeat.filters`): triangular filters, the usual front end of speech models;
* **Bark** (critical-band rate, Zwicker): :func:`hz_to_bark` with Traunmueller's (1990) formula
  ``z = 26.81 f / (1960 + f) - 0.53`` (corrected below 2 and above 20.1 Bark; it has an exact inverse) or
  Zwicker & Terhardt's (1980) ``z = 13 atan(0.00076 f) + 3.5 atan((f / 7500)^2)`` (inverted numerically);
  :func:`bark` filters are triangles evenly spaced in Bark, :func:`barkspectrogram` their band energies;
* **ERB** (equivalent rectangular bandwidth, Glasberg & Moore 1990): the auditory filter at ``f`` Hz is
  ``ERB(f) = 24.7 (4.37 f / 1000 + 1)`` Hz wide (:func:`erb_bandwidth`) and the ERB-number (ERB-rate, in
  Cams) is ``21.4 log10(1 + 4.37 f / 1000)`` (:func:`hz_to_erb`). :func:`gammatone` is the power response
  of 4th-order gammatone filters (Patterson's model of the cochlea) centred evenly on the ERB-number scale,
  each of bandwidth parameter ``b = ERB(fc) / c(order)`` (``b = 1.019 ERB`` for order 4), so that the
  equivalent rectangular bandwidth of each filter equals ``ERB(fc)``. :func:`gammatonegram` and :func:`gtcc`
  (gammatone cepstral coefficients: log gammatone energies -> DCT, the ERB counterpart of MFCC) build on it.

The frequency weightings of sound level meters say how much each frequency counts towards loudness at a
given level: :func:`A_weighting` ... :func:`Z_weighting`, :func:`frequency_weighting`,
:func:`multi_frequency_weighting` and :func:`perceptual_weighting` (librosa-compatible, in dB), and
:func:`weighting_filter`, the time-domain A-, B- or C-weighting filter: the IEC 61672-1 analogue filter
(Annex E pole frequencies) through the bilinear transform, applied as an exact FFT convolution with its
impulse response (meets the class 1 tolerances at 44.1 kHz and above; see ``tests/test_psychoacoustics.py``).

One implementation for numpy and torch: numpy in gives numpy out, torch in gives torch out on the same
device, differentiable. Filterbanks are numpy constants cached by parameter (``audiofeat._cache``).
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from . import _backend as B
from ._cache import cached
from ._checks import check_audio, check_int, check_number, check_positive, check_spectrogram, warn_user
from ._registry import capabilities
from .errors import ParameterError
from .filters import _dct_basis, _row_normalize, _unwrap_scalar
from .shorttime import fft_frequencies

__all__ = [
    "hz_to_bark", "bark_to_hz", "hz_to_erb", "erb_to_hz", "erb_bandwidth", "bark_frequencies",
    "erb_frequencies", "bark", "gammatone", "barkspectrogram", "gammatonegram", "gtcc",
    "A_weighting", "B_weighting", "C_weighting", "D_weighting", "Z_weighting", "frequency_weighting",
    "multi_frequency_weighting", "perceptual_weighting", "weighting_filter",
]


def _float_input(x: Any, name: str) -> tuple[Any, bool, Any]:
    """``(array, was_scalar, xp)``: float64 on numpy (like librosa's conversions), the float dtype on torch."""
    x = B.as_array(x, name)
    scalar = not B.is_torch(x) and x.ndim == 0
    xp = B.namespace(x)
    if not B.is_torch(x) or not xp.isdtype(x.dtype, "real floating"):
        x = xp.astype(x, xp.float64 if not B.is_torch(x) else xp.float32)
    if B.is_torch(x) and x.dtype not in (xp.float32, xp.float64):  # float16/bfloat16 -> float32
        x = xp.astype(x, xp.float32)
    return x, scalar, xp


# --------------------------------------------------------------------------------------------------
# scales
# --------------------------------------------------------------------------------------------------
_BARK_FORMULAS = ("traunmuller", "zwicker")


def _check_formula(formula: str) -> str:
    if formula not in _BARK_FORMULAS:
        raise ParameterError(f"formula={formula!r} is not one of {_BARK_FORMULAS}")
    return formula


def _zwicker(xp, f):
    return 13.0 * xp.atan(0.00076 * f) + 3.5 * xp.atan((f / 7500.0) ** 2)


def _traunmuller(xp, f):
    z = 26.81 * f / (1960.0 + f) - 0.53
    z = xp.where(z < 2.0, 0.85 * z + 0.3, z)  # z + 0.15 (2 - z)
    return xp.where(z > 20.1, 1.22 * z - 4.422, z)  # z + 0.22 (z - 20.1)


def _traunmuller_inverse(xp, z):
    z = xp.where(z < 2.0, (z - 0.3) / 0.85, z)
    z = xp.where(z > 20.1, (z + 4.422) / 1.22, z)
    return 1960.0 * (z + 0.53) / (26.28 - z)


@capabilities()
def hz_to_bark(frequencies: Any, *, formula: str = "traunmuller") -> Any:
    """Convert Hz to Bark (critical-band rate).

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz (>= 0).
    formula : {'traunmuller', 'zwicker'}
        ``'traunmuller'`` (Traunmueller 1990): ``z = 26.81 f / (1960 + f) - 0.53``, then
        ``z + 0.15 (2 - z)`` below 2 Bark and ``z + 0.22 (z - 20.1)`` above 20.1 Bark.
        ``'zwicker'`` (Zwicker & Terhardt 1980): ``13 atan(0.00076 f) + 3.5 atan((f / 7500)^2)``.

    Returns
    -------
    barks : same kind as the input (float64 on numpy; a numpy scalar for a scalar).

    Examples
    --------
    >>> import audiofeat
    >>> round(float(audiofeat.hz_to_bark(1000.0)), 3)
    8.527
    >>> round(float(audiofeat.hz_to_bark(1000.0, formula="zwicker")), 3)
    8.511
    """
    f, scalar, xp = _float_input(frequencies, "frequencies")
    z = _zwicker(xp, f) if _check_formula(formula) == "zwicker" else _traunmuller(xp, f)
    return _unwrap_scalar(z, scalar)


@capabilities()
def bark_to_hz(barks: Any, *, formula: str = "traunmuller") -> Any:
    """Convert Bark to Hz (the inverse of :func:`hz_to_bark`).

    Traunmueller's formula inverts exactly (valid below 27.64 Bark, its value at infinite frequency);
    Zwicker & Terhardt's is inverted by Newton's method from Traunmueller's inverse (to float64 rounding;
    valid below 25.9 Bark).

    Parameters
    ----------
    barks : float, array_like or torch.Tensor
        Bark values.
    formula : {'traunmuller', 'zwicker'}
        As in :func:`hz_to_bark`.

    Returns
    -------
    frequencies : same kind as the input.

    Examples
    --------
    >>> import audiofeat
    >>> round(float(audiofeat.bark_to_hz(audiofeat.hz_to_bark(440.0))), 6)
    440.0
    """
    z, scalar, xp = _float_input(barks, "barks")
    f = _traunmuller_inverse(xp, z)
    if _check_formula(formula) == "zwicker":
        f = xp.clip(f, min=0.0)
        for _ in range(12):  # Newton's method: quadratic convergence from Traunmueller's close guess
            slope = 13.0 * 0.00076 / (1.0 + (0.00076 * f) ** 2) \
                + 3.5 * 2.0 * f / 7500.0**2 / (1.0 + (f / 7500.0) ** 4)
            f = xp.clip(f - (_zwicker(xp, f) - z) / slope, min=0.0)
    return _unwrap_scalar(f, scalar)


@capabilities()
def hz_to_erb(frequencies: Any) -> Any:
    """Convert Hz to the ERB-number scale (ERB-rate, in Cams; Glasberg & Moore 1990).

    ``E = 21.4 log10(1 + 4.37 f / 1000)``: the number of equivalent rectangular bandwidths below ``f``.
    (The bandwidth itself is :func:`erb_bandwidth`.)

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz (>= 0).

    Returns
    -------
    erbs : same kind as the input (float64 on numpy).

    Examples
    --------
    >>> import audiofeat
    >>> round(float(audiofeat.hz_to_erb(1000.0)), 3)
    15.621
    """
    f, scalar, xp = _float_input(frequencies, "frequencies")
    return _unwrap_scalar(21.4 * xp.log10(1.0 + 0.00437 * f), scalar)


@capabilities()
def erb_to_hz(erbs: Any) -> Any:
    """Convert ERB-numbers (Cams) to Hz: ``(10^(E / 21.4) - 1) / 0.00437`` (inverse of :func:`hz_to_erb`).

    Parameters
    ----------
    erbs : float, array_like or torch.Tensor
        ERB-numbers.

    Returns
    -------
    frequencies : same kind as the input.

    Examples
    --------
    >>> import audiofeat
    >>> round(float(audiofeat.erb_to_hz(audiofeat.hz_to_erb(440.0))), 6)
    440.0
    """
    e, scalar, xp = _float_input(erbs, "erbs")
    return _unwrap_scalar((10.0 ** (e / 21.4) - 1.0) / 0.00437, scalar)


@capabilities()
def erb_bandwidth(frequencies: Any) -> Any:
    """Equivalent rectangular bandwidth (Hz) of the auditory filter at ``f``: ``24.7 (4.37 f / 1000 + 1)``.

    Glasberg & Moore (1990); the derivative of :func:`erb_to_hz` with respect to the ERB-number.

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Centre frequencies in Hz.

    Returns
    -------
    bandwidths : same kind as the input (Hz).

    Examples
    --------
    >>> import audiofeat
    >>> round(float(audiofeat.erb_bandwidth(1000.0)), 3)
    132.639
    """
    f, scalar, xp = _float_input(frequencies, "frequencies")
    return _unwrap_scalar(24.7 * (0.00437 * f + 1.0), scalar)


def _check_range(fmin: Any, fmax: Any, sr: float | None = None) -> tuple[float, float]:
    fmin = check_number("fmin", fmin, minimum=0)
    fmax = check_number("fmax", fmax)
    if fmax <= fmin:
        raise ParameterError(f"expected 0 <= fmin < fmax, got fmin={fmin!r}, fmax={fmax!r}")
    if sr is not None and fmax > sr / 2 * (1 + 1e-9):
        raise ParameterError(f"fmax={fmax!r} is above the Nyquist frequency sr/2 = {sr / 2:g} Hz")
    return fmin, fmax


@capabilities(torch=False, batch=False)
def bark_frequencies(n_bands: int = 24, *, fmin: float = 0.0, fmax: float = 11025.0,
                     formula: str = "traunmuller") -> np.ndarray:
    """``n_bands`` frequencies (Hz) evenly spaced on the Bark scale from ``fmin`` to ``fmax`` (inclusive).

    Parameters
    ----------
    n_bands : int
        Number of points.
    fmin, fmax : float
        Lowest and highest frequency (Hz).
    formula : {'traunmuller', 'zwicker'}
        Bark formula (see :func:`hz_to_bark`).

    Returns
    -------
    np.ndarray, shape (n_bands,), float64

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.bark_frequencies(3, fmin=100.0, fmax=4000.0).round(1)
    array([ 100. , 1118.3, 4000. ])
    """
    check_int("n_bands", n_bands)
    fmin, fmax = _check_range(fmin, fmax)
    z = np.linspace(hz_to_bark(fmin, formula=formula), hz_to_bark(fmax, formula=formula), int(n_bands))
    f = bark_to_hz(z, formula=formula)
    f[0], f[-1] = fmin, fmax  # the ends exactly (the round trip is exact only to rounding)
    return f


@capabilities(torch=False, batch=False)
def erb_frequencies(n_bands: int = 64, *, fmin: float = 50.0, fmax: float = 11025.0) -> np.ndarray:
    """``n_bands`` frequencies (Hz) evenly spaced on the ERB-number scale from ``fmin`` to ``fmax``.

    The centre frequencies of :func:`gammatone`.

    Parameters
    ----------
    n_bands : int
        Number of points.
    fmin, fmax : float
        Lowest and highest frequency (Hz), both included.

    Returns
    -------
    np.ndarray, shape (n_bands,), float64

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.erb_frequencies(3, fmin=100.0, fmax=4000.0).round(1)
    array([ 100. ,  950.4, 4000. ])
    """
    check_int("n_bands", n_bands)
    fmin, fmax = _check_range(fmin, fmax)
    f = erb_to_hz(np.linspace(hz_to_erb(fmin), hz_to_erb(fmax), int(n_bands)))
    f[0], f[-1] = fmin, fmax
    return f


# --------------------------------------------------------------------------------------------------
# filterbanks
# --------------------------------------------------------------------------------------------------
#: gammatone power responses below this (-80 dB re the peak) are set to zero, so that the filterbank is
#: sparse enough for the banded product (see audiofeat._ops.filterbank_bands)
GAMMATONE_FLOOR = 1e-8


def _check_dtype(dtype: Any) -> np.dtype:
    try:
        return np.dtype(dtype)
    except TypeError as exc:
        raise ParameterError(f"dtype={dtype!r} is not a numpy dtype") from exc


def _check_norm(norm: Any) -> float | None:
    if norm is None:
        return None
    if isinstance(norm, bool) or not isinstance(norm, (int, float, np.integer, np.floating)):
        raise ParameterError(f"unsupported norm={norm!r}: expected None or a number (np.inf for max)")
    return float(norm)


def _gammatone_scale(order: int) -> float:
    """``c(n)`` with ``ERB = c(n) b`` for an order-``n`` gammatone of bandwidth parameter ``b`` (0.982 for 4)."""
    return math.pi * math.factorial(2 * order - 2) * 2.0 ** (2 - 2 * order) / math.factorial(order - 1) ** 2


def gammatone_response(freqs: np.ndarray, fc: np.ndarray, order: int = 4) -> np.ndarray:
    """Power response ``|G(f)|^2`` of order-``order`` gammatone filters centred at ``fc`` (Hz), 1 at ``fc``.

    ``g(t) = t^(n-1) exp(-2 pi b t) cos(2 pi fc t)`` has the Fourier transform
    ``(n-1)! / 2 [(2 pi b + 2 pi j (f - fc))^-n + (2 pi b + 2 pi j (f + fc))^-n]`` (both terms kept);
    ``b = erb_bandwidth(fc) / c(n)``. Returns ``(len(fc), len(freqs))`` in float64.
    """
    fc = np.asarray(fc, dtype=np.float64)[:, None]
    b = erb_bandwidth(fc) / _gammatone_scale(order)

    def h(f):
        return (1.0 + 1j * (f - fc) / b) ** -order + (1.0 + 1j * (f + fc) / b) ** -order

    return np.abs(h(np.asarray(freqs, dtype=np.float64)[None, :])) ** 2 / np.abs(h(fc)) ** 2


@cached
def _gammatone_cached(sr, n_fft, n_bands, fmin, fmax, order, norm, dtype):
    fc = erb_frequencies(n_bands, fmin=fmin, fmax=fmax)
    w = gammatone_response(fft_frequencies(sr=sr, n_fft=n_fft), fc, order)
    w[w < GAMMATONE_FLOOR] = 0.0
    if norm is not None:
        w = _row_normalize(w, norm)
    empty = bool(np.any(w.max(axis=1) <= 0))
    return B.frozen(w.astype(dtype)), empty


def _gammatone_basis(*, sr, n_fft, n_bands=64, fmin=50.0, fmax=None, order=4, norm=None, dtype=np.float32):
    check_positive("sr", sr)
    check_int("n_fft", n_fft)
    check_int("n_bands", n_bands)
    order = check_int("order", order)
    fmin, fmax = _check_range(fmin, float(sr) / 2 if fmax is None else fmax, float(sr))
    w, empty = _gammatone_cached(float(sr), int(n_fft), int(n_bands), fmin, fmax, order, _check_norm(norm),
                                 _check_dtype(dtype))
    if empty:
        warn_user("Empty filters detected in gammatone basis: some channels will produce empty responses. "
                  "Try increasing n_fft or reducing n_bands.")
    return w


@capabilities(torch=False, batch=False)
def gammatone(*, sr: float, n_fft: int, n_bands: int = 64, fmin: float = 50.0, fmax: float | None = None,
              order: int = 4, norm: float | None = None, dtype: Any = np.float32) -> np.ndarray:
    """A gammatone filterbank in the frequency domain (in the style of :func:`audiofeat.filters.mel`).

    Row ``k`` is the power response ``|G_k(f)|^2`` of a gammatone filter of order ``order`` centred at
    ``erb_frequencies(n_bands, fmin=fmin, fmax=fmax)[k]`` with bandwidth parameter
    ``b = erb_bandwidth(fc) / c(order)`` (``1.019 ERB`` for order 4, so the filter's equivalent rectangular
    bandwidth is ``ERB(fc)``; Glasberg & Moore 1990, Patterson et al. 1992), sampled at the FFT bin
    frequencies. Applied to a power spectrogram it gives each filter's output power (the FFT-based
    gammatone approximation of Ellis's ``gammatonegram``). Values below -80 dB are set to 0.

    Parameters
    ----------
    sr : float
        Sample rate (Hz).
    n_fft : int
        FFT size; the filterbank has ``1 + n_fft // 2`` columns.
    n_bands : int
        Number of filters.
    fmin, fmax : float
        Lowest and highest centre frequency (Hz); ``fmax=None`` means ``sr / 2``.
    order : int
        Gammatone order (4 models the auditory filter).
    norm : None or number
        ``None``: unit gain at each centre frequency (equal peak gain, as auditory filterbanks); a number
        ``p``: each row scaled to unit p-norm (``np.inf`` for max).
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    np.ndarray, shape (n_bands, 1 + n_fft // 2)

    Raises
    ------
    ParameterError
        Non-positive sizes, ``fmin >= fmax``, ``fmax`` above Nyquist, an unknown norm.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.filters.gammatone(sr=16000, n_fft=512, n_bands=32).shape
    (32, 257)
    """
    return _gammatone_basis(sr=sr, n_fft=n_fft, n_bands=n_bands, fmin=fmin, fmax=fmax, order=order, norm=norm,
                            dtype=dtype).copy()


@cached
def _bark_cached(sr, n_fft, n_bands, fmin, fmax, formula, norm, dtype):
    edges = bark_frequencies(n_bands + 2, fmin=fmin, fmax=fmax, formula=formula)
    fftfreqs = fft_frequencies(sr=sr, n_fft=n_fft)
    zb = hz_to_bark(edges, formula=formula)
    zf = hz_to_bark(fftfreqs, formula=formula)
    ramps = np.subtract.outer(zb, zf)  # triangles linear in Bark
    lower = -ramps[:-2] / (zb[1:-1] - zb[:-2])[:, None]
    upper = ramps[2:] / (zb[2:] - zb[1:-1])[:, None]
    w = np.maximum(0.0, np.minimum(lower, upper))
    if norm is not None:
        w = _row_normalize(w, norm)
    empty = bool(np.any(w.max(axis=1) <= 0))
    return B.frozen(w.astype(dtype)), empty


def _bark_basis(*, sr, n_fft, n_bands=24, fmin=0.0, fmax=None, formula="traunmuller", norm=None,
                dtype=np.float32):
    check_positive("sr", sr)
    check_int("n_fft", n_fft)
    check_int("n_bands", n_bands)
    fmin, fmax = _check_range(fmin, float(sr) / 2 if fmax is None else fmax, float(sr))
    w, empty = _bark_cached(float(sr), int(n_fft), int(n_bands), fmin, fmax, _check_formula(formula),
                            _check_norm(norm), _check_dtype(dtype))
    if empty:
        warn_user("Empty filters detected in Bark basis: some channels will produce empty responses. "
                  "Try increasing n_fft or reducing n_bands.")
    return w


@capabilities(torch=False, batch=False)
def bark(*, sr: float, n_fft: int, n_bands: int = 24, fmin: float = 0.0, fmax: float | None = None,
         formula: str = "traunmuller", norm: float | None = None, dtype: Any = np.float32) -> np.ndarray:
    """A Bark filterbank: triangular filters evenly spaced on the Bark scale, linear in Bark.

    Like :func:`audiofeat.filters.mel` with the Bark scale in place of mel: ``n_bands + 2`` edge points
    evenly spaced in Bark from ``fmin`` to ``fmax``; filter ``k`` rises from edge ``k`` to ``k + 1`` and falls
    to ``k + 2`` (each about two critical bands wide at the default 24 bands over 0-11 kHz).

    Parameters
    ----------
    sr : float
        Sample rate (Hz).
    n_fft : int
        FFT size.
    n_bands : int
        Number of filters.
    fmin, fmax : float
        Band edges (Hz); ``fmax=None`` means ``sr / 2``.
    formula : {'traunmuller', 'zwicker'}
        Bark formula (see :func:`audiofeat.hz_to_bark`).
    norm : None or number
        ``None``: peak 1; a number ``p``: unit p-norm rows.
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    np.ndarray, shape (n_bands, 1 + n_fft // 2)

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.filters.bark(sr=16000, n_fft=512, n_bands=20).shape
    (20, 257)
    """
    return _bark_basis(sr=sr, n_fft=n_fft, n_bands=n_bands, fmin=fmin, fmax=fmax, formula=formula, norm=norm,
                       dtype=dtype).copy()


_GAMMATONE_KWARGS = {"n_bands", "fmin", "fmax", "order", "norm", "dtype"}
_BARK_KWARGS = {"n_bands", "fmin", "fmax", "formula", "norm", "dtype"}


def _band_spectrogram(basis_fn, allowed, kwargs, *, y, sr, S, n_fft, hop_length, win_length, window, center,
                      pad_mode, power):
    """``basis @ |STFT(y)|^power`` (or ``basis @ S``) through the mel spectrogram's blocked path."""
    from .spectral import _contiguous, _spectrogram

    unknown = set(kwargs) - allowed
    if unknown:
        raise ParameterError(f"unexpected keyword arguments {sorted(unknown)}; filterbank options are "
                             f"{sorted(allowed)}")
    if S is None and y is None:
        raise ParameterError("either y (audio) or S (a spectrogram) must be given")
    src = B.as_array(y, "y") if S is None else check_spectrogram(S, finite=False)
    if S is not None and (n_fft is None or n_fft // 2 + 1 != src.shape[-2]):
        n_fft = 2 * (src.shape[-2] - 1)
    kwargs.setdefault("dtype", np.float32)
    xp = B.namespace(src)
    wide = src.dtype in (xp.float64, xp.complex128) or np.dtype(kwargs["dtype"]) == np.float64
    basis = basis_fn(sr=sr, n_fft=n_fft, **kwargs)
    fb = B.const(basis, src, xp.float64 if wide else xp.float32)
    bands = B.cached_bands(basis, n_fft, 8 if wide else 4)
    out, _ = _spectrogram(y=y if S is None else None, S=src if S is not None else None, n_fft=n_fft,
                          hop_length=hop_length, power=power, win_length=win_length, window=window,
                          center=center, pad_mode=pad_mode, fb=fb, bands=bands)
    return _contiguous(out)


@capabilities(compile=False)
def gammatonegram(*, y: Any = None, sr: float = 22050, S: Any = None, n_fft: int = 2048, hop_length: int = 512,
                  win_length: int | None = None, window: Any = "hann", center: bool = True,
                  pad_mode: str = "constant", power: float = 2.0, **kwargs: Any) -> Any:
    """Gammatone (ERB-spaced) spectrogram: the output power of a gammatone filterbank per frame.

    ``filters.gammatone(...) @ |STFT(y)|^power``: the mel spectrogram's computation with the
    :func:`gammatone` filterbank (64 filters from 50 Hz to ``sr / 2`` by default), so it costs about as much
    as :func:`audiofeat.melspectrogram`.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio; leading axes are batch/channels.
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A power spectrogram to use instead of ``y``.
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT parameters (see :func:`audiofeat.stft`).
    power : float
        Exponent of the magnitude (2: power).
    **kwargs
        Filterbank options ``n_bands`` (64), ``fmin`` (50), ``fmax``, ``order`` (4), ``norm``, ``dtype``
        (see :func:`audiofeat.filters.gammatone`).

    Returns
    -------
    G : shape (..., n_bands, t), same backend, device and float dtype as the input.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> audiofeat.gammatonegram(y=y, sr=22050).shape
    (64, 44)
    """
    return _band_spectrogram(_gammatone_basis, _GAMMATONE_KWARGS, dict(kwargs), y=y, sr=sr, S=S, n_fft=n_fft,
                             hop_length=hop_length, win_length=win_length, window=window, center=center,
                             pad_mode=pad_mode, power=power)


@capabilities(compile=False)
def barkspectrogram(*, y: Any = None, sr: float = 22050, S: Any = None, n_fft: int = 2048,
                    hop_length: int = 512, win_length: int | None = None, window: Any = "hann",
                    center: bool = True, pad_mode: str = "constant", power: float = 2.0, **kwargs: Any) -> Any:
    """Bark-band spectrogram: band energies of triangular filters evenly spaced on the Bark scale.

    ``filters.bark(...) @ |STFT(y)|^power`` (24 bands from 0 to ``sr / 2`` by default).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio; leading axes are batch/channels.
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A power spectrogram to use instead of ``y``.
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT parameters (see :func:`audiofeat.stft`).
    power : float
        Exponent of the magnitude (2: power).
    **kwargs
        Filterbank options ``n_bands`` (24), ``fmin``, ``fmax``, ``formula``, ``norm``, ``dtype``
        (see :func:`audiofeat.filters.bark`).

    Returns
    -------
    S_bark : shape (..., n_bands, t)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> audiofeat.barkspectrogram(y=y, sr=16000, n_fft=512, hop_length=160).shape
    (24, 101)
    """
    return _band_spectrogram(_bark_basis, _BARK_KWARGS, dict(kwargs), y=y, sr=sr, S=S, n_fft=n_fft,
                             hop_length=hop_length, win_length=win_length, window=window, center=center,
                             pad_mode=pad_mode, power=power)


@capabilities(compile=False)
def gtcc(*, y: Any = None, sr: float = 22050, S: Any = None, n_gtcc: int = 20, dct_type: int = 2,
         norm: str | None = "ortho", lifter: float = 0, **kwargs: Any) -> Any:
    """Gammatone cepstral coefficients: the DCT of log gammatone energies (the ERB counterpart of MFCC).

    ``dct(power_to_db(gammatonegram(y, sr, **kwargs)))[:n_gtcc]`` with :func:`audiofeat.mfcc`'s DCT and
    liftering (Valero & Alias 2012).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    S : array, shape (..., n_bands, t), optional
        A log-power gammatone spectrogram to use instead of ``y``.
    n_gtcc : int
        Number of coefficients.
    dct_type : {1, 2, 3, 4}
        DCT type.
    norm : {'ortho', None}
        DCT normalisation.
    lifter : float
        Cepstral liftering (``>= 0``; 0 disables).
    **kwargs
        Passed to :func:`gammatonegram` (``n_fft``, ``hop_length``, ``n_bands``, ``fmin``, ...).

    Returns
    -------
    G : shape (..., n_gtcc, t)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> audiofeat.gtcc(y=y, sr=22050, n_gtcc=13).shape
    (13, 44)
    """
    from .spectral import _cepstrum, power_to_db

    lifter = check_number("lifter", lifter, minimum=0)
    if S is None:
        S = power_to_db(gammatonegram(y=y, sr=sr, **kwargs))
    else:
        S = check_spectrogram(S, what="n_bands", complex_ok=False, finite=False)
    basis = B.built_const(_dct_basis, (n_gtcc, S.shape[-2], dct_type, norm, np.float64), S)
    return _cepstrum(S, basis, lifter)


# --------------------------------------------------------------------------------------------------
# frequency weighting (librosa-compatible curves, in dB)
# --------------------------------------------------------------------------------------------------
# IEC 61672-1:2013 Annex E pole frequencies (Hz), as librosa writes them
_F1, _F2, _F3, _F4 = 20.598997, 107.65265, 737.86223, 12194.217
_F5 = 158.48932  # B-weighting (ANSI S1.4 / IEC 60651)


def _clip_db(xp, w, min_db):
    if min_db is None:
        return w
    return xp.clip(w, min=float(check_number("min_db", min_db)))


@capabilities(librosa="librosa.A_weighting")
def A_weighting(frequencies: Any, *, min_db: float | None = -80.0) -> Any:  # noqa: N802 (librosa's name)
    """A-weighting (dB) of frequencies (Hz): IEC 61672-1 Annex E, 0 dB at 1 kHz.

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.
    min_db : float or None
        Clip weights below this value (``None``: no clipping).

    Returns
    -------
    weights : same kind and shape as the input (float64 on numpy).

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.A_weighting([100.0, 1000.0, 10000.0]).round(1)
    array([-19.1,   0. ,  -2.5])
    """
    f, scalar, xp = _float_input(frequencies, "frequencies")
    f_sq = f**2
    c = [v**2 for v in (_F4, _F1, _F2, _F3)]
    # librosa's sum of logs, regrouped into logs of ratios in (0, 1]: no cancellation in float32
    w = 2.0 + 20.0 * (xp.log10(c[0] / (f_sq + c[0])) + xp.log10(f_sq / (f_sq + c[1]))
                      + 0.5 * xp.log10(f_sq / (f_sq + c[2])) + 0.5 * xp.log10(f_sq / (f_sq + c[3])))
    return _unwrap_scalar(_clip_db(xp, w, min_db), scalar)


@capabilities(librosa="librosa.B_weighting")
def B_weighting(frequencies: Any, *, min_db: float | None = -80.0) -> Any:  # noqa: N802
    """B-weighting (dB) of frequencies (Hz) (IEC 60651; withdrawn from IEC 61672), 0 dB at 1 kHz.

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.
    min_db : float or None
        Clip weights below this value.

    Returns
    -------
    weights : same kind and shape as the input.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.B_weighting([100.0, 1000.0]).round(1)
    array([-5.6,  0. ])
    """
    f, scalar, xp = _float_input(frequencies, "frequencies")
    f_sq = f**2
    c = [v**2 for v in (_F4, _F1, _F5)]
    w = 0.17 + 20.0 * (xp.log10(c[0] / (f_sq + c[0])) + xp.log10(f_sq / (f_sq + c[1]))
                       + 0.5 * xp.log10(f_sq / (f_sq + c[2])))
    return _unwrap_scalar(_clip_db(xp, w, min_db), scalar)


@capabilities(librosa="librosa.C_weighting")
def C_weighting(frequencies: Any, *, min_db: float | None = -80.0) -> Any:  # noqa: N802
    """C-weighting (dB) of frequencies (Hz): IEC 61672-1 Annex E, 0 dB at 1 kHz.

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.
    min_db : float or None
        Clip weights below this value.

    Returns
    -------
    weights : same kind and shape as the input.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.C_weighting([31.5, 1000.0]).round(1)
    array([-3.,  0.])
    """
    f, scalar, xp = _float_input(frequencies, "frequencies")
    f_sq = f**2
    c = [v**2 for v in (_F4, _F1)]
    w = 0.062 + 20.0 * (xp.log10(c[0] / (f_sq + c[0])) + xp.log10(f_sq / (f_sq + c[1])))
    return _unwrap_scalar(_clip_db(xp, w, min_db), scalar)


@capabilities(librosa="librosa.D_weighting")
def D_weighting(frequencies: Any, *, min_db: float | None = -80.0) -> Any:  # noqa: N802
    """D-weighting (dB) of frequencies (Hz) (IEC 61012 / aircraft noise).

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.
    min_db : float or None
        Clip weights below this value.

    Returns
    -------
    weights : same kind and shape as the input.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.D_weighting([1000.0, 3150.0]).round(1)
    array([-0. , 11.5])
    """
    f, scalar, xp = _float_input(frequencies, "frequencies")
    f_sq = f**2
    c = [v**2 for v in (8.3046305e-3, 1018.7, 1039.6, 3136.5, 3424, 282.7, 1160)]
    w = 10.0 * (xp.log10(f_sq / (c[5] + f_sq)) - xp.log10(c[6] + f_sq) - 2.0 * math.log10(c[0])
                + xp.log10(((c[1] - f_sq) ** 2 + c[2] * f_sq) / ((c[3] - f_sq) ** 2 + c[4] * f_sq)))
    return _unwrap_scalar(_clip_db(xp, w, min_db), scalar)


@capabilities(librosa="librosa.Z_weighting")
def Z_weighting(frequencies: Any, *, min_db: float | None = None) -> Any:  # noqa: N802
    """Z-weighting (no weighting): 0 dB at every frequency, clipped at ``min_db``.

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.
    min_db : float or None
        Clip weights below this value.

    Returns
    -------
    weights : zeros of the input's shape (librosa: of ``len(frequencies)``; a scalar works here too).

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.Z_weighting([100.0, 1000.0])
    array([0., 0.])
    """
    f, scalar, xp = _float_input(frequencies, "frequencies")
    return _unwrap_scalar(_clip_db(xp, f * 0.0, min_db), scalar)


_WEIGHTINGS = {"A": A_weighting, "B": B_weighting, "C": C_weighting, "D": D_weighting, "Z": Z_weighting,
               None: Z_weighting}


def _weighting_fn(kind: Any):
    key = kind.upper() if isinstance(kind, str) else kind
    if key not in _WEIGHTINGS:
        raise ParameterError(f"kind={kind!r} is not a frequency weighting: expected 'A', 'B', 'C', 'D', 'Z' "
                             "or None")
    return _WEIGHTINGS[key]


@capabilities(librosa="librosa.frequency_weighting")
def frequency_weighting(frequencies: Any, *, kind: str | None = "A", **kwargs: Any) -> Any:
    """The ``kind`` weighting (dB) of frequencies: :func:`A_weighting`, ..., :func:`Z_weighting`.

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.
    kind : {'A', 'B', 'C', 'D', 'Z', None}
        Weighting curve (case-insensitive; None is Z).
    **kwargs
        Passed to the weighting function (``min_db``).

    Returns
    -------
    weights : same kind and shape as the input.

    Raises
    ------
    ParameterError
        An unknown kind (librosa raises KeyError; ParameterError is a ValueError).

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.frequency_weighting([1000.0], kind="c").round(3)
    array([0.])
    """
    return _weighting_fn(kind)(frequencies, **kwargs)


@capabilities(librosa="librosa.multi_frequency_weighting")
def multi_frequency_weighting(frequencies: Any, *, kinds: Iterable[str] = "ZAC", **kwargs: Any) -> Any:
    """Several weightings of the same frequencies, stacked on a new first axis.

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.
    kinds : iterable of str
        Weighting kinds, e.g. ``'ZAC'`` or ``('A', 'B')``.
    **kwargs
        Passed to each weighting function.

    Returns
    -------
    weights : shape (len(kinds), *frequencies.shape)

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.multi_frequency_weighting([100.0, 1000.0], kinds="ZA").round(1)
    array([[  0. ,   0. ],
           [-19.1,   0. ]])
    """
    rows = [frequency_weighting(frequencies, kind=k, **kwargs) for k in kinds]
    if not rows:
        raise ParameterError("kinds is empty: give at least one weighting kind")
    xp = B.namespace(*[B.as_array(r) for r in rows])
    return xp.stack([B.as_array(r) for r in rows], axis=0)


@capabilities(librosa="librosa.perceptual_weighting", compile=False)
def perceptual_weighting(S: Any, frequencies: Any, *, kind: str | None = "A", **kwargs: Any) -> Any:
    """Perceptual weighting of a power spectrogram: ``frequency_weighting(f, kind) + power_to_db(S)``.

    Parameters
    ----------
    S : array, shape (..., d, t)
        Power spectrogram.
    frequencies : array, shape (d,)
        Centre frequency (Hz) of each row of ``S``.
    kind : {'A', 'B', 'C', 'D', 'Z', None}
        Weighting curve.
    **kwargs
        Passed to :func:`audiofeat.power_to_db` (``ref``, ``amin``, ``top_db``; note ``top_db`` floors each
        spectrogram of a batch separately, see there).

    Returns
    -------
    S_p : shape (..., d, t), in S's float dtype (librosa returns float64).

    Raises
    ------
    ParameterError
        ``frequencies`` does not have one value per row of ``S``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> S = np.ones((3, 2))
    >>> audiofeat.perceptual_weighting(S, np.array([100.0, 1000.0, 4000.0])).round(1)
    array([[-19.1, -19.1],
           [  0. ,   0. ],
           [  1. ,   1. ]])
    """
    from .spectral import power_to_db

    S = check_spectrogram(S, finite=False)
    freqs = B.to_numpy(B.as_array(frequencies, "frequencies")).astype(np.float64).reshape(-1)
    if freqs.shape[0] != S.shape[-2]:
        raise ParameterError(f"frequencies has {freqs.shape[0]} values for the {S.shape[-2]} rows of S")
    S_db = power_to_db(S, **kwargs)
    with np.errstate(divide="ignore"):  # a 0 Hz row weighs log10(0) = -inf, clipped at min_db
        offset = np.asarray(frequency_weighting(freqs, kind=kind), dtype=np.float64).reshape(-1, 1)
    return S_db + B.from_numpy(offset, S_db)


# --------------------------------------------------------------------------------------------------
# time-domain weighting filter
# --------------------------------------------------------------------------------------------------
# Analogue prototypes (IEC 61672-1 Annex E; B from IEC 60651): zeros at s = 0, real poles (Hz, with repeats)
_ANALOG = {
    "A": (4, (_F1, _F1, _F2, _F3, _F4, _F4)),
    "B": (3, (_F1, _F1, _F5, _F4, _F4)),
    "C": (2, (_F1, _F1, _F4, _F4)),
}
#: the impulse response is kept until it has decayed below this (relative to its start): well below float64
#: rounding of the convolution
_IMPULSE_DECAY = 40.0  # e-folds of the slowest pole


def _weighting_sos(kind: str, sr: float) -> np.ndarray:
    """Second-order sections of the digital ``kind``-weighting filter at ``sr``: the analogue prototype through
    the bilinear transform, scaled to 0 dB at 1 kHz."""
    import scipy.signal

    n_zeros, poles_hz = _ANALOG[kind]
    z, p, k = scipy.signal.bilinear_zpk(np.zeros(n_zeros), -2 * np.pi * np.array(poles_hz), 1.0, sr)
    sos = scipy.signal.zpk2sos(z, p, k)
    _, h = scipy.signal.sosfreqz(sos, worN=[1000.0], fs=sr)
    sos[0, :3] /= abs(h[0])
    return sos


@cached
def _weighting_sos_cached(kind: str, sr: float) -> np.ndarray:
    return B.frozen(_weighting_sos(kind, sr))


@cached
def _weighting_impulse(kind: str, sr: float) -> np.ndarray:
    """The impulse response of :func:`_weighting_sos`, float64, long enough to have decayed to ~e^-40."""
    import scipy.signal

    sos = _weighting_sos(kind, sr)
    _, p, _ = scipy.signal.sos2zpk(sos)
    slowest = float(np.max(np.abs(p)))
    length = int(math.ceil(_IMPULSE_DECAY / -math.log(slowest))) + 64
    impulse = np.zeros(length)
    impulse[0] = 1.0
    return B.frozen(scipy.signal.sosfilt(sos, impulse))


@capabilities(compile=False)
def weighting_filter(y: Any, sr: float, *, kind: str = "A") -> Any:
    """Filter audio with the time-domain A-, B- or C-weighting filter of a sound level meter.

    The analogue filter of IEC 61672-1 Annex E (A: zeros ``s^4``, poles at 20.6 Hz (double), 107.7 Hz,
    737.9 Hz and 12194 Hz (double); C: ``s^2`` over the 20.6 Hz and 12194 Hz pairs; B: IEC 60651), mapped to
    ``sr`` by the bilinear transform and scaled to 0 dB at 1 kHz. numpy arrays go through the recursive
    filter (``scipy.signal.sosfilt``, float64); torch tensors through an FFT convolution with the filter's
    impulse response (truncated after it has decayed by e^-40), which equals the recursive filter to 1e-9
    and runs on any device, batched, differentiably. At 44.1 kHz and above the response meets the IEC 61672-1 class 1
    tolerances at every standard 1/3-octave frequency from 10 Hz to 20 kHz (tested); at lower rates the
    bilinear transform's frequency warping bends the curve near Nyquist.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio (sound pressure); leading axes are batch/channels.
    sr : float
        Sample rate (Hz), above 2 kHz (the filter is normalised at 1 kHz).
    kind : {'A', 'B', 'C', 'Z'}
        Weighting; ``'Z'`` returns the input unchanged (a copy).

    Returns
    -------
    y_w : same shape, backend, device and float dtype as ``y``.

    Raises
    ------
    ParameterError
        Non-finite or integer audio, ``sr <= 2000``, an unknown kind.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> sr = 48000
    >>> t = np.arange(sr) / sr
    >>> y = np.sin(2 * np.pi * 100.0 * t)
    >>> yw = audiofeat.weighting_filter(y, sr)
    >>> round(float(20 * np.log10(yw[sr // 2:].std() / y[sr // 2:].std())), 1)  # A(100 Hz) = -19.1 dB
    -19.1
    """
    y = check_audio(y, "y")
    sr = check_positive("sr", sr, " Hz")
    if sr <= 2000.0:
        raise ParameterError(f"sr={sr:g} Hz is too low for a weighting filter normalised at 1 kHz: "
                             "sr must be > 2000 Hz")
    key = kind.upper() if isinstance(kind, str) else kind
    if key == "Z":
        return y * 1.0
    if key not in _ANALOG:
        raise ParameterError(f"kind={kind!r}: the time-domain weighting filter exists for 'A', 'B', 'C' "
                             "and 'Z'")
    if not B.is_torch(y):
        # numpy: the recursive filter itself (scipy.signal.sosfilt, float64), ~10x faster than the FFT
        # convolution on a 60 s clip at 48 kHz (benchmarks/bench_psychoacoustics.py --case weighting); torch
        # has no recursive filter, so tensors take the FFT convolution, equal to it to 1e-9 (tested)
        import scipy.signal

        sos = np.array(_weighting_sos_cached(key, sr))  # writeable: sosfilt refuses read-only coefficients
        return scipy.signal.sosfilt(sos, np.asarray(y, dtype=np.float64), axis=-1).astype(y.dtype, copy=False)
    h = _weighting_impulse(key, sr)
    n = y.shape[-1]
    m = min(len(h), n)  # samples past the signal's end never reach the output
    size = _fast_length(n + m - 1)
    h_arr = B.const(h, y)[..., :m]  # the cached constant, sliced (never a constant per signal length)
    out = B.irfft(B.rfft(y, n=size) * B.rfft(h_arr, n=size), n=size)
    return out[..., :n]


def _fast_length(n: int) -> int:
    import scipy.fft

    return scipy.fft.next_fast_len(int(n), real=True)
