"""Time-frequency joint representations: the continuous wavelet transform (CWT).

A short-time Fourier transform analyses every frequency with the same window, so it trades time for
frequency resolution once for all bands. A wavelet transform scales one analysing wavelet to each frequency:
a few cycles long at every frequency, hence long windows (fine frequency resolution) at low frequencies and
short windows (fine time resolution) at high ones -- constant-Q analysis, like the ear's and like the CQT,
but sampled at every sample (or every ``hop_length`` samples) instead of on frames.

:func:`cwt` is the complex Morlet CWT computed in the frequency domain: one FFT of the (zero-padded) signal,
a Gaussian band-pass per frequency, and one inverse FFT per frequency. Decimating to a hop is done exactly by
folding each band's spectrum before the inverse FFT (sampling every h-th output sample = summing the
spectrum's h aliases), so a hop costs an inverse FFT h times shorter. One implementation for numpy and torch
(batched, on any device, differentiable).

The complex Morlet wavelet, with PyWavelets' parameters ``cmorB-C``:
``psi(t) = (pi B)^-1/2 exp(-t^2 / B) exp(2 pi j C t)``, whose Fourier transform is
``exp(-pi^2 B (xi - C)^2)``; the standard Morlet of Torrence & Compo (``omega0 = 6``) is ``B = 2``,
``C = 6 / (2 pi)``.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from . import _backend as B
from ._checks import check_audio, check_int, check_positive
from ._registry import capabilities
from .errors import ParameterError

__all__ = ["cwt", "morlet_parameters"]

#: the envelope is treated as zero beyond this many standard deviations (exp(-6.1^2 / 2) ~ 1e-8)
_SUPPORT_SIGMAS = 6.1
#: bands per inverse FFT block: bounds the memory of the (..., bands, n_fft) complex spectra
_BLOCK_ELEMENTS = 1 << 22

_CMOR = re.compile(r"^cmor(?P<b>[0-9.eE+-]+)-(?P<c>[0-9.eE+-]+)$")


def morlet_parameters(wavelet: str) -> tuple[float, float]:
    """``(B, C)`` of a complex Morlet wavelet name: ``'morlet'`` (``omega0 = 6``: ``B = 2``,
    ``C = 6 / (2 pi)``) or PyWavelets' ``'cmorB-C'`` (e.g. ``'cmor1.5-1.0'``).

    Parameters
    ----------
    wavelet : str
        The wavelet's name.

    Returns
    -------
    (bandwidth B, centre frequency C) : tuple of float

    Raises
    ------
    ParameterError
        An unknown wavelet name, or a non-positive B or C.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.wavelets.morlet_parameters("cmor1.5-1.0")
    (1.5, 1.0)
    """
    if not isinstance(wavelet, str):
        raise ParameterError(f"wavelet={wavelet!r} must be a string: 'morlet' or 'cmorB-C'")
    if wavelet == "morlet":
        return 2.0, 6.0 / (2.0 * math.pi)
    match = _CMOR.match(wavelet)
    if match is None:
        raise ParameterError(f"wavelet={wavelet!r} is not supported: expected 'morlet' or a complex Morlet "
                             "'cmorB-C' (e.g. 'cmor1.5-1.0')")
    try:
        b, c = float(match["b"]), float(match["c"])
    except ValueError:
        raise ParameterError(f"wavelet={wavelet!r}: B and C must be numbers") from None
    if not (b > 0 and c > 0 and math.isfinite(b) and math.isfinite(c)):
        raise ParameterError(f"wavelet={wavelet!r}: B and C must be positive")
    return b, c


def _default_freqs(sr: float) -> np.ndarray:
    """librosa.cqt's default bins: 84 semitones from C1 (32.70 Hz), those below Nyquist."""
    f = 32.70319566257483 * 2.0 ** (np.arange(84) / 12.0)
    return f[f < sr / 2]


@capabilities(note="Output is complex: (..., n_freqs, ceil(n / hop_length)).", compile=False)
def cwt(y: Any, *, sr: float = 22050, freqs: Any = None, wavelet: str = "morlet", hop_length: int = 1,
        norm: str = "l1") -> Any:
    """Continuous wavelet transform with a complex Morlet wavelet, at frequencies given in Hz.

    ``W[..., k, m] = sum_n y[n] conj(psi_k(n - m h))`` where ``psi_k`` is the wavelet dilated to centre
    frequency ``freqs[k]`` (scale ``a_k = C sr / freqs[k]`` samples per unit of ``psi``), computed exactly in
    the frequency domain with zero padding (a linear, not circular, convolution). Each band's frequency
    response is the Gaussian ``G_k(f) = exp(-pi^2 B C^2 (f / freqs[k] - 1)^2)``: relative bandwidth is the
    same in every band (constant Q); the standard Morlet's envelope has a standard deviation of
    ``sqrt(B/2) C = 0.95`` cycles of the centre frequency.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio; leading axes are batch/channels.
    sr : float
        Sample rate (Hz).
    freqs : array_like of float, optional
        Centre frequencies (Hz), each in ``(0, sr / 2]``. Default: librosa.cqt's 84 semitones from C1
        (32.7 Hz), those below Nyquist.
    wavelet : str
        ``'morlet'`` (``omega0 = 6``) or PyWavelets' complex Morlet name ``'cmorB-C'``.
    hop_length : int
        Keep every ``hop_length``-th output sample (samples ``0, h, 2h, ...``), computed exactly.
    norm : {'l1', 'l2'}
        ``'l1'``: each band's gain is 2 at its centre frequency, so a real sinusoid of amplitude ``A`` at
        ``freqs[k]`` gives ``|W[k]| = A`` whatever the frequency (ridges comparable across bands).
        ``'l2'``: gain ``sqrt(a_k)`` (the wavelet ``psi(t / a) / sqrt(a)``): PyWavelets' convention, so that
        ``cwt(y, sr=sr, freqs=f, wavelet='cmorB-C', norm='l2')`` matches
        ``pywt.cwt(y, C * sr / f, 'cmorB-C', method='fft')[0]`` up to PyWavelets' discretisation of the
        wavelet: PyWavelets integrates the wavelet on a grid and differentiates, which shifts its output
        by up to half a sample at some scales; the magnitudes agree to ~1 % of the peak for scales of 16
        samples and more (tested, ``precision=16``).

    Returns
    -------
    W : complex, shape (..., n_freqs, 1 + (n - 1) // hop_length); complex64 for float32 input,
        complex128 for float64; same backend and device as ``y``.

    Raises
    ------
    ParameterError
        Non-finite or integer audio, a frequency outside ``(0, sr / 2]``, an unknown wavelet or norm.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> sr = 8000
    >>> y = np.sin(2 * np.pi * 440.0 * np.arange(sr) / sr)
    >>> W = audiofeat.cwt(y, sr=sr, freqs=[220.0, 440.0, 880.0], hop_length=100)
    >>> W.shape
    (3, 80)
    >>> np.abs(W[:, 40]).round(2)
    array([0.  , 1.  , 0.01])
    """
    y = check_audio(y, "y")
    sr = check_positive("sr", sr, " Hz")
    hop = check_int("hop_length", hop_length)
    b, c = morlet_parameters(wavelet)
    if norm not in ("l1", "l2"):
        raise ParameterError(f"norm={norm!r} is not one of ('l1', 'l2')")
    f = _default_freqs(sr) if freqs is None else np.asarray(B.to_numpy(B.as_array(freqs, "freqs")),
                                                              dtype=np.float64).reshape(-1)
    if f.size == 0:
        raise ParameterError("freqs is empty: give at least one frequency")
    if not np.all(np.isfinite(f)) or np.any(f <= 0) or np.any(f > sr / 2):
        raise ParameterError(f"freqs must lie in (0, sr/2] = (0, {sr / 2:g}] Hz, got {f.min():g}..{f.max():g}")
    xp = B.namespace(y)
    n = y.shape[-1]
    # zero padding at the end: output m reads y[m - P .. m + P]; with size >= n + P neither end wraps onto
    # the signal (the wavelet's envelope std is sqrt(B/2) * a samples, a = C sr / f)
    reach = int(math.ceil(_SUPPORT_SIGMAS * math.sqrt(b / 2.0) * c * sr / f.min()))
    size = _fast_multiple(n + min(reach, n) + 1, hop)
    spec = B.rfft(y, n=size)  # (..., size // 2 + 1)
    n_out = 1 + (n - 1) // hop
    real = B.real_dtype(xp, spec.dtype)
    bins = xp.arange(size // 2 + 1, dtype=real, device=B.device(y)) * (sr / size)
    fk = B.from_numpy(f, y, dtype=real)
    blocks = max(1, _BLOCK_ELEMENTS // max(1, size * max(1, math.prod(y.shape[:-1]))))
    out = []
    for k0 in range(0, f.size, blocks):
        fb = fk[k0: k0 + blocks]
        gain = xp.exp((-(math.pi**2) * b * c * c) * (bins[None, :] / fb[:, None] - 1.0) ** 2)
        if norm == "l1":
            gain = 2.0 * gain
        else:
            gain = gain * xp.sqrt(c * sr / fb)[:, None]
        band = spec[..., None, :] * xp.astype(gain, spec.dtype)  # (..., k, size // 2 + 1): analytic
        out.append(_analytic_inverse(band, size, hop, n_out))
    return xp.concat(out, axis=-2) if len(out) > 1 else out[0]


def _analytic_inverse(band: Any, size: int, hop: int, n_out: int) -> Any:
    """Samples ``0, hop, 2 hop, ...`` (``n_out`` of them) of the inverse FFT of the one-sided spectrum
    ``band`` (bins ``0 .. size // 2``, zero at negative frequencies), computed by folding the length-``size``
    spectrum into ``size / hop`` bins (exact: decimation in time sums the spectrum's aliases)."""
    xp = B.namespace(band)
    full = B.pad(band, 0, size - band.shape[-1])  # negative frequencies: zero
    short = size // hop
    if hop > 1:
        full = xp.sum(xp.reshape(full, (*full.shape[:-1], hop, short)), axis=-2)
    return B.ifft(full)[..., :n_out] / hop


def _fast_multiple(n: int, hop: int) -> int:
    """The smallest fast FFT length ``>= n`` that is a multiple of ``hop``."""
    import scipy.fft

    return hop * scipy.fft.next_fast_len(-(-int(n) // hop))
