"""Frequency content and high dimensionality: spectrograms, mel spectrograms, MFCCs and decibels.

A waveform of tens of thousands of samples a second is summarised per frame by how its energy spreads over
frequency (power spectrogram), then compressed to a few dozen perceptually spaced bands
(:func:`melspectrogram`) or a dozen decorrelated coefficients (:func:`mfcc`). :func:`power_to_db` and
friends put energies on the logarithmic scale that both ears and models prefer.

From a waveform, the mel spectrogram is computed frame block by frame block (window, FFT, power, banded
filterbank product) without storing the complex STFT; see :mod:`audiofeat.shorttime` and
:mod:`audiofeat._backend`. numpy in gives numpy out; torch in gives torch out, differentiable.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from ._registry import capabilities
from . import _backend as B
from .errors import ParameterError
from ._checks import check_number, check_spectrogram, warn_user
from .filters import _dct_basis, _mel_basis
from .shorttime import _frame_spectra, _resolve_lengths

__all__ = [
    "melspectrogram",
    "mfcc",
    "power_to_db",
    "amplitude_to_db",
    "db_to_power",
    "db_to_amplitude",
]

_MEL_KWARGS = {"n_mels", "fmin", "fmax", "htk", "norm", "dtype"}


def _check_power(power: Any) -> float:
    return check_number("power", power, minimum=0, strict=True)


def _magnitude_to(power: float) -> Callable[[Any], Any]:
    """Per-block map from complex spectra to ``|X| ** power`` (power 2 without a square root)."""

    def post(spec):
        if power == 2.0:
            return B.abs2(spec)
        mag = B.magnitude(spec)
        return mag if power == 1.0 else mag**power

    return post


def _spectrogram(
    *,
    y: Any = None,
    S: Any = None,
    n_fft: int | None = 2048,
    hop_length: int | None = 512,
    power: float = 1.0,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    fb: Any = None,
    bands: Sequence | None = None,
    fft: Callable[[Any], Any] | None = None,
    finish: Callable[[Any], Any] | None = None,
    check_finite: bool = True,
) -> tuple[Any, int]:
    """``|STFT(y)| ** power`` (or the given ``S``), optionally through filterbank ``fb``: ``(..., k, t)``.

    With ``fb`` (in ``y``'s namespace and device), the filterbank is applied inside the frame blocks.
    ``fft`` replaces the real FFT of the frames (see :func:`audiofeat.shorttime._frame_spectra`).
    ``finish`` (with ``fb`` and ``y``) maps each block's filterbank output ``(..., m, k)`` elementwise (it may
    work in place), inside the block while it is in cache: e.g. the log of a log-mel spectrogram.
    """
    if S is not None:
        # finite: NaN/inf in a given S is a ParameterError, as y's samples are (and librosa's descriptors)
        S = check_spectrogram(S)
        if n_fft is None or n_fft // 2 + 1 != S.shape[-2]:
            n_fft = 2 * (S.shape[-2] - 1)
        if fb is None:
            return S, n_fft
        if fb.shape[-1] != S.shape[-2]:
            raise ParameterError(f"S has {S.shape[-2]} frequency bins but the filterbank expects {fb.shape[-1]}")
        xp = B.namespace(S)
        if xp.isdtype(S.dtype, "real floating") and S.dtype != fb.dtype:
            S = xp.astype(S, fb.dtype)
        return B.filterbank_over_time(S, fb, bands), n_fft
    if y is None:
        raise ParameterError("either y (audio) or S (a spectrogram) must be given")
    power = _check_power(power)
    magnitude = _magnitude_to(power)
    out_dtype = None
    if fb is None:
        post, tail = magnitude, (1 + n_fft // 2,)
    else:
        def post(spec):
            P = magnitude(spec)
            if P.dtype != fb.dtype:
                P = B.namespace(P).astype(P, fb.dtype)
            M = B.apply_filterbank(P, fb, bands)
            return M if finish is None else finish(M)

        tail, out_dtype = (fb.shape[0],), fb.dtype
        bands = B.prepare_bands(fb, bands)
    S = _frame_spectra(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                       center=center, pad_mode=pad_mode, post=post, out_tail=tail, out_dtype=out_dtype,
                       time_last=True, fft=fft, check_finite=check_finite)
    return S, n_fft


def _contiguous(x: Any) -> Any:
    return x.contiguous() if B.is_torch(x) else np.ascontiguousarray(x)


@capabilities(librosa="librosa.feature.melspectrogram", note="As a module with its constants as buffers: audiofeat.nn.MelSpectrogram.")
def melspectrogram(
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
    power: float = 2.0,
    **kwargs: Any,
) -> Any:
    """Mel-scaled spectrogram (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio. Leading axes are batch/channels.
    sr : float
        Sample rate.
    S : array, shape (..., 1 + n_fft // 2, t), optional
        A power (or magnitude) spectrogram to use instead of ``y``.
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT parameters (see :func:`audiofeat.stft`).
    power : float
        Exponent of the magnitude: 2 for power, 1 for magnitude.
    **kwargs
        Mel filterbank parameters: ``n_mels`` (128), ``fmin``, ``fmax``, ``htk``, ``norm``, ``dtype``
        (see :func:`audiofeat.filters.mel`).

    Returns
    -------
    S : shape (..., n_mels, t), same backend, device and float dtype as the input.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> audiofeat.melspectrogram(y=y, sr=22050).shape
    (128, 44)
    """
    return _melspectrogram(y=y, sr=sr, S=S, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                           window=window, center=center, pad_mode=pad_mode, power=power, **kwargs)


def _melspectrogram(*, y: Any = None, sr: float = 22050, S: Any = None, n_fft: int = 2048, hop_length: int = 512,
                    win_length: int | None = None, window: Any = "hann", center: bool = True,
                    pad_mode: str = "constant", power: float = 2.0, finish: Callable[[Any], Any] | None = None,
                    check_finite: bool = True, **kwargs: Any) -> Any:
    """:func:`melspectrogram`, with ``finish`` applied to each block of mel frames inside the frame blocks
    (numpy audio only) and the finiteness check of ``y`` optionally left to the caller (see
    :func:`_spectrogram`)."""
    unknown = set(kwargs) - _MEL_KWARGS
    if unknown:
        raise ParameterError(f"unexpected keyword arguments {sorted(unknown)}; mel options are {sorted(_MEL_KWARGS)}")
    if S is None and y is None:
        raise ParameterError("either y (audio) or S (a spectrogram) must be given")
    src = B.as_array(y, "y") if S is None else check_spectrogram(S, finite=False)
    if S is not None and (n_fft is None or n_fft // 2 + 1 != src.shape[-2]):
        n_fft = 2 * (src.shape[-2] - 1)  # as librosa: the given n_fft is kept when it fits S (odd sizes too)
    kwargs.setdefault("dtype", np.float32)
    xp = B.namespace(src)
    # like librosa, a float64 filterbank (dtype=np.float64) promotes the result to float64
    wide = src.dtype in (xp.float64, xp.complex128) or np.dtype(kwargs["dtype"]) == np.float64
    if _tracing(src):  # the filterbank enters the graph as a constant; one dense product
        fb = B.built_const(_mel_basis_of, (sr, n_fft, tuple(sorted(kwargs.items()))), src,
                           xp.float64 if wide else xp.float32)
        bands = None
    else:
        basis = _mel_basis(sr=sr, n_fft=n_fft, **kwargs)
        fb = B.const(basis, src, xp.float64 if wide else xp.float32)
        # a few frames in all (a streaming chunk): one dense product beats a product per band group (1 frame,
        # 80 mels: ~7x faster). Decided by the input's size alone, so results never depend on the threads.
        few = False
        if S is None and src.ndim >= 1:  # a scalar y is reported by _spectrogram's check
            try:
                hop = _resolve_lengths(n_fft, hop_length, win_length)[1]  # hop_length=None: win_length // 4
            except ParameterError:
                hop = 0  # reported by _spectrogram
            few = hop > 0 and math.prod(src.shape[:-1]) * (1 + src.shape[-1] // hop) <= 16
        bands = None if few else B.cached_bands(basis, n_fft, 8 if wide else 4)
    out, _ = _spectrogram(y=y if S is None else None, S=src if S is not None else None, n_fft=n_fft,
                          hop_length=hop_length, power=power, win_length=win_length, window=window,
                          center=center, pad_mode=pad_mode, fb=fb, bands=bands,
                          finish=finish if S is None else None, check_finite=check_finite or S is not None)
    return _contiguous(out)


def _tracing(x: Any) -> bool:
    """Whether ``x`` is a tensor seen by ``torch.compile`` while it traces a graph."""
    if not B.is_torch(x):
        return False
    import torch

    return torch.compiler.is_compiling()


def _mel_basis_of(sr: float, n_fft: int, options: tuple) -> np.ndarray:
    return _mel_basis(sr=sr, n_fft=n_fft, **dict(options))


@capabilities(librosa="librosa.power_to_db")
def power_to_db(S: Any, *, ref: float | Callable = 1.0, amin: float = 1e-10, top_db: float | None = 80.0) -> Any:
    """Convert a power spectrogram to decibels: ``10 log10(max(amin, S) / ref)``, floored at max - top_db.

    Parameters
    ----------
    S : array (numpy or torch)
        Power values (complex input is converted to magnitude with a warning-free ``abs``).
    ref : float or callable
        Reference power; a callable is applied to the magnitudes (e.g. ``np.max``).
    amin : float
        Minimum power, to avoid log of zero (> 0).
    top_db : float or None
        Floor the output at ``max - top_db`` dB. Deliberate difference from librosa: for input of more than
        two dimensions the max is taken per spectrogram (over the last two axes), so each item of a batch is
        treated as if alone; librosa takes one max over the whole array.

    Returns
    -------
    S_db : same shape and backend.

    Raises
    ------
    ParameterError
        ``amin <= 0`` or ``top_db < 0``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> audiofeat.power_to_db(np.array([1.0, 10.0, 100.0]))
    array([ 0., 10., 20.])
    """
    S = B.as_float(S, "S", complex_ok=True)
    xp = B.namespace(S)
    amin = check_number("amin", amin, minimum=0, strict=True)
    top_db = check_number("top_db", top_db, minimum=0, allow_none=True)
    if xp.isdtype(S.dtype, "complex floating"):
        warn_user("power_to_db was called on complex input so phase information will be discarded. "
                  "To suppress this warning, call power_to_db(np.abs(D)**2) instead.")
        magnitude = xp.abs(S)
    else:
        magnitude = S
    if magnitude.shape and math.prod(magnitude.shape) == 0:
        return xp.asarray(magnitude, copy=True)  # nothing to convert (and no maximum to floor at)
    ref_value = ref(magnitude) if callable(ref) else abs(check_number("ref", ref))
    if not (B.is_torch(ref_value) or isinstance(ref_value, np.ndarray)):
        ref_value = check_number("ref", ref_value)
    if B.is_torch(ref_value) or isinstance(ref_value, np.ndarray):
        ref_db = 10.0 * xp.log10(xp.clip(xp.asarray(ref_value, dtype=magnitude.dtype), min=amin))
    else:
        ref_db = 10.0 * math.log10(max(amin, float(ref_value)))  # a Python float keeps float32 float32
    if not B.is_torch(magnitude) and magnitude.ndim >= 1 and not isinstance(ref_db, np.ndarray):
        return _power_to_db_numpy(magnitude, amin, ref_db, top_db)
    log_spec = 10.0 * xp.log10(xp.clip(magnitude, min=amin)) - ref_db
    if top_db is not None and log_spec.ndim > 0:
        axes = tuple(range(-min(2, log_spec.ndim), 0))
        log_spec = xp.maximum(log_spec, xp.max(log_spec, axis=axes, keepdims=True) - top_db)
    return log_spec


def _power_to_db_numpy(magnitude: np.ndarray, amin: float, ref_db: float, top_db: float | None) -> np.ndarray:
    """power_to_db's numpy fast path: in place, one spectrogram per pool task.

    Each pass over a batch of spectrograms costs as much as the log itself, so the passes run in place on
    one item at a time (cache-resident), items spread over the thread pool. The output keeps the input's
    memory layout (an STFT is stored frames-major): mixing layouts would make every pass strided.
    """
    out = np.empty_like(magnitude)
    items = list(np.ndindex(magnitude.shape[:-2])) if magnitude.ndim > 2 else [()]
    first = magnitude[items[0]]
    if len(items) > 1 and not (first.flags.c_contiguous or first.flags.f_contiguous):
        # items interleaved in memory (librosa's Fortran-ordered batches): whole-array passes in memory
        # order, one maximum per item
        np.maximum(magnitude, amin, out=out)
        np.log10(out, out=out)
        out *= 10.0
        out -= ref_db
        if top_db is not None:
            np.maximum(out, out.max(axis=(-2, -1), keepdims=True) - top_db, out=out)
        return out

    def one(i: int) -> None:
        o = _to_db_in_place(out[items[i]], amin, ref_db, src=magnitude[items[i]])
        if top_db is not None:
            np.maximum(o, o.max() - top_db, out=o)

    B.parallel_for(one, len(items))
    return out


def _to_db_in_place(x: np.ndarray, amin: float, ref_db: float, src: np.ndarray | None = None) -> np.ndarray:
    """``x = 10 log10(max(amin, src)) - ref_db`` (``src`` defaults to ``x``), in place: power_to_db before its
    ``top_db`` floor, the one copy of that arithmetic on numpy."""
    np.maximum(x if src is None else src, amin, out=x)
    np.log10(x, out=x)  # float32 log10 is SIMD-vectorised in numpy 2 (faster than log here)
    x *= 10.0
    if ref_db != 0.0:  # x - 0.0 is x (ref=1.0, the default): one pass fewer
        x -= ref_db
    return x


@capabilities(librosa="librosa.amplitude_to_db")
def amplitude_to_db(S: Any, *, ref: float | Callable = 1.0, amin: float = 1e-5, top_db: float | None = 80.0) -> Any:
    """Convert an amplitude spectrogram to decibels: ``20 log10(max(amin, |S|) / ref)``.

    Equivalent to ``power_to_db(S**2, ref=ref**2, amin=amin**2, top_db=top_db)``.

    Parameters
    ----------
    S : array (numpy or torch)
        Amplitudes (complex input: its magnitude).
    ref : float or callable
        Reference amplitude; a callable is applied to ``|S|`` (e.g. ``np.max``).
    amin : float
        Minimum amplitude (> 0).
    top_db : float or None
        Floor at ``max - top_db`` dB, per spectrogram (see :func:`power_to_db`).

    Returns
    -------
    S_db : same shape and backend, real.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> audiofeat.amplitude_to_db(np.array([1.0, 10.0]))
    array([ 0., 20.])
    """
    S = B.as_float(S, "S", complex_ok=True)
    xp = B.namespace(S)
    amin = check_number("amin", amin, minimum=0, strict=True)
    if xp.isdtype(S.dtype, "complex floating"):
        warn_user("amplitude_to_db was called on complex input so phase information will be discarded. "
                  "To suppress this warning, call amplitude_to_db(np.abs(S)) instead.")
    magnitude = xp.abs(S)
    ref_value = ref(magnitude) if callable(ref) else abs(check_number("ref", ref))
    return power_to_db(magnitude * magnitude, ref=ref_value**2, amin=amin**2, top_db=top_db)


@capabilities(librosa="librosa.db_to_power")
def db_to_power(S_db: Any, *, ref: float = 1.0) -> Any:
    """Convert decibels to power: ``ref * 10 ** (S_db / 10)``.

    Parameters
    ----------
    S_db : array (numpy or torch)
        Values in dB.
    ref : float
        Reference power (0 dB).

    Returns
    -------
    Power, same shape and backend.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> audiofeat.db_to_power(np.array([0.0, 10.0]))
    array([ 1., 10.])
    """
    S_db = B.as_array(S_db, "S_db")
    return float(ref) * 10.0 ** (0.1 * S_db)


@capabilities(librosa="librosa.db_to_amplitude")
def db_to_amplitude(S_db: Any, *, ref: float = 1.0) -> Any:
    """Convert decibels to amplitude: ``ref * 10 ** (S_db / 20)``.

    Parameters
    ----------
    S_db : array (numpy or torch)
        Values in dB.
    ref : float
        Reference amplitude (0 dB).

    Returns
    -------
    Amplitude, same shape and backend.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> audiofeat.db_to_amplitude(np.array([0.0, 20.0]))
    array([ 1., 10.])
    """
    return db_to_power(S_db, ref=ref**2) ** 0.5


def _cepstrum(S_db: Any, basis: Any, lifter: float) -> Any:
    """DCT (``basis``, in ``S_db``'s namespace) of log-mel spectra ``(..., n_mels, t)``, then liftering."""
    M = B.small_matmul(basis, S_db)
    if lifter > 0:
        k = np.arange(1, 1 + M.shape[-2], dtype=np.float64)
        weights = 1 + (lifter / 2) * np.sin(np.pi * k / lifter)
        M = M * B.from_numpy(weights[:, None], M)
    return M


@capabilities(librosa="librosa.feature.mfcc", note="As a module with its constants as buffers: audiofeat.nn.MFCC.")
def mfcc(
    *,
    y: Any = None,
    sr: float = 22050,
    S: Any = None,
    n_mfcc: int = 20,
    dct_type: int = 2,
    norm: str | None = "ortho",
    lifter: float = 0,
    mel_norm: str | float | None = "slaney",
    **kwargs: Any,
) -> Any:
    """Mel-frequency cepstral coefficients (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    S : array, shape (..., n_mels, t), optional
        A log-power mel spectrogram (e.g. ``power_to_db(melspectrogram(...))``) to use instead of ``y``.
    n_mfcc : int
        Number of coefficients.
    dct_type : {1, 2, 3, 4}
        DCT type.
    norm : {'ortho', None}
        DCT normalisation.
    lifter : float
        Cepstral liftering (``>= 0``; 0 disables): ``M *= 1 + (lifter/2) sin(pi k / lifter)``.
    mel_norm : {'slaney', None} or number
        Normalisation of the mel filterbank.
    **kwargs
        Passed to :func:`melspectrogram` (``n_fft``, ``hop_length``, ``n_mels``, ``fmin``, ...).

    Returns
    -------
    M : shape (..., n_mfcc, t)

    Raises
    ------
    ParameterError
        Negative lifter, invalid DCT settings, or anything :func:`melspectrogram` rejects.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> audiofeat.mfcc(y=y, sr=22050, n_mfcc=13).shape
    (13, 44)
    """
    lifter = check_number("lifter", lifter, minimum=0)
    if S is None:
        S = power_to_db(melspectrogram(y=y, sr=sr, norm=mel_norm, **kwargs))
    else:
        S = check_spectrogram(S, what="n_mels", complex_ok=False)
    basis = B.built_const(_dct_basis, (n_mfcc, S.shape[-2], dct_type, norm, np.float64), S)
    return _cepstrum(S, basis, lifter)
