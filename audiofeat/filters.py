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
import re
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

__all__ = ["hz_to_mel", "mel_to_hz", "mel_frequencies", "mel", "chroma", "dct", "get_window", "gammatone",
           "bark", "hz_to_midi", "midi_to_hz", "hz_to_octs", "octs_to_hz", "note_to_midi", "note_to_hz",
           "midi_to_note", "hz_to_note", "cqt_frequencies", "window_bandwidth", "wavelet_lengths", "wavelet",
           "constant_q_lengths", "constant_q", "cq_to_chroma"]

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


# --------------------------------------------------------------------------------------------------
# musical pitch: MIDI numbers, note names, octaves (the scale the constant-Q transform is built on)
# --------------------------------------------------------------------------------------------------
def _float_array(x: Any, name: str) -> tuple[Any, bool]:
    """``x`` as a float array (float64 on numpy, as librosa; torch keeps a float dtype) and whether it was
    a scalar."""
    a = B.as_array(x, name)
    scalar = not B.is_torch(a) and a.ndim == 0
    xp = B.namespace(a)
    if not B.is_torch(a) or not xp.isdtype(a.dtype, "real floating"):
        a = xp.astype(a, xp.float64 if not B.is_torch(a) else xp.float32)
    return a, scalar


@capabilities(librosa="librosa.hz_to_midi")
def hz_to_midi(frequencies: Any) -> Any:
    """Convert Hz to (fractional) MIDI note numbers: ``12 * (log2(f) - log2(440)) + 69``.

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.

    Returns
    -------
    same kind as the input (a numpy scalar for a scalar); float64 on numpy.

    Examples
    --------
    >>> import audiofeat
    >>> float(audiofeat.hz_to_midi(440.0))
    69.0
    """
    f, scalar = _float_array(frequencies, "frequencies")
    xp = B.namespace(f)
    return _unwrap_scalar(12 * (xp.log2(f) - math.log2(440.0)) + 69, scalar)


@capabilities(librosa="librosa.midi_to_hz")
def midi_to_hz(notes: Any) -> Any:
    """Convert MIDI note numbers to Hz: ``440 * 2 ** ((m - 69) / 12)``.

    Parameters
    ----------
    notes : float, array_like or torch.Tensor
        MIDI note numbers (fractions allowed).

    Returns
    -------
    same kind as the input (a numpy scalar for a scalar); float64 on numpy.

    Examples
    --------
    >>> import audiofeat
    >>> float(audiofeat.midi_to_hz(57))
    220.0
    """
    m, scalar = _float_array(notes, "notes")
    return _unwrap_scalar(440.0 * 2.0 ** ((m - 69.0) / 12.0), scalar)


def _tuned_a4(tuning: Any, bins_per_octave: Any) -> float:
    """A4 in Hz, ``tuning`` fractions of a bin (``bins_per_octave`` bins per octave) away from 440."""
    return 440.0 * 2.0 ** (check_number("tuning", tuning) / check_int("bins_per_octave", bins_per_octave))


@capabilities(librosa="librosa.hz_to_octs")
def hz_to_octs(frequencies: Any, *, tuning: float = 0.0, bins_per_octave: int = 12) -> Any:
    """Convert Hz to octave numbers: ``log2(f / (A440 / 16))`` (A0 = 4.75 at zero tuning).

    Parameters
    ----------
    frequencies : float, array_like or torch.Tensor
        Frequencies in Hz.
    tuning : float
        Tuning deviation from A440 in fractions of a bin.
    bins_per_octave : int
        Bins per octave (the unit of ``tuning``).

    Returns
    -------
    same kind as the input; float64 on numpy.

    Examples
    --------
    >>> import audiofeat
    >>> float(audiofeat.hz_to_octs(440.0))
    4.0
    """
    a440 = _tuned_a4(tuning, bins_per_octave)
    f, scalar = _float_array(frequencies, "frequencies")
    xp = B.namespace(f)
    return _unwrap_scalar(xp.log2(f / (a440 / 16)), scalar)


@capabilities(librosa="librosa.octs_to_hz")
def octs_to_hz(octs: Any, *, tuning: float = 0.0, bins_per_octave: int = 12) -> Any:
    """Convert octave numbers to Hz (the inverse of :func:`hz_to_octs`).

    Parameters
    ----------
    octs : float, array_like or torch.Tensor
        Octave numbers.
    tuning : float
        Tuning deviation from A440 in fractions of a bin.
    bins_per_octave : int
        Bins per octave (the unit of ``tuning``).

    Returns
    -------
    same kind as the input; float64 on numpy.

    Examples
    --------
    >>> import audiofeat
    >>> float(audiofeat.octs_to_hz(1))
    55.0
    """
    a440 = _tuned_a4(tuning, bins_per_octave)
    o, scalar = _float_array(octs, "octs")
    return _unwrap_scalar(a440 / 16 * 2.0 ** o, scalar)


_NOTE_RE = re.compile(
    r"^(?P<note>[A-Ga-g])(?P<accidental>[#♯𝄪b!♭𝄫♮n]*)(?P<octave>[+-]?\d+)?(?P<cents>[+-]\d+)?$"
)
_KEY_RE = re.compile(r"^(?P<tonic>[A-Ga-g])(?P<accidental>[#♯b!♭♮n]?):(?P<scale>maj|min)(or)?$")
_PITCH_MAP = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACC_MAP = {"#": 1, "": 0, "b": -1, "!": -1, "♯": 1, "𝄪": 2, "♭": -1, "𝄫": -2, "♮": 0, "n": 0}
_ASCII = str.maketrans({"♯": "#", "𝄪": "##", "♭": "b", "𝄫": "bb", "♮": "n"})


@capabilities(librosa="librosa.note_to_midi", torch=False, batch=False)
def note_to_midi(note: Any, *, round_midi: bool = True) -> Any:
    """Convert note names (``'C4'``, ``'A#3'``, ``'Eb5+25'``, ``'G♭2'``) to MIDI numbers.

    Parameters
    ----------
    note : str or iterable of str
        Note name(s): a letter, accidentals (``# ♯ 𝄪 b ! ♭ 𝄫 ♮``), an optional octave (default 0) and
        optional cents (``+25``).
    round_midi : bool
        Round to the nearest integer.

    Returns
    -------
    int or float for one name; np.ndarray for several.

    Raises
    ------
    ParameterError
        A name that is not a note.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.note_to_midi('C4'), audiofeat.note_to_midi('A#3')
    (60, 58)
    """
    if not isinstance(note, str):
        return np.array([note_to_midi(n, round_midi=round_midi) for n in note])
    match = _NOTE_RE.match(note)
    if not match:
        raise ParameterError(f"Improper note format: {note!r}")
    offset = sum(_ACC_MAP[a] for a in match.group("accidental"))
    octave = int(match.group("octave") or 0)
    cents = int(match.group("cents")) * 0.01 if match.group("cents") else 0
    value = 12 * (octave + 1) + _PITCH_MAP[match.group("note").upper()] + offset + cents
    return int(np.round(value)) if round_midi else value


@capabilities(librosa="librosa.note_to_hz", torch=False, batch=False)
def note_to_hz(note: Any, **kwargs: Any) -> Any:
    """Convert note names to Hz (``midi_to_hz(note_to_midi(note))``).

    Parameters
    ----------
    note : str or iterable of str
        Note name(s), see :func:`note_to_midi`.
    **kwargs
        Passed to :func:`note_to_midi` (``round_midi``).

    Returns
    -------
    np.float64 for one name; np.ndarray for several.

    Examples
    --------
    >>> import audiofeat
    >>> round(float(audiofeat.note_to_hz('C1')), 4)
    32.7032
    """
    return midi_to_hz(note_to_midi(note, **kwargs))


def _key_to_notes(key: str, unicode: bool) -> list[str]:
    """The 12 pitch-class names spelled for ``key`` (``'C:maj'``, ``'F#:min'``, ...; librosa's rules for
    major and minor keys with at most one accidental)."""
    match = _KEY_RE.match(key) if isinstance(key, str) else None
    if not match:
        raise ParameterError(f"key={key!r} is not supported: expected a tonic with at most one accidental and "
                             "':maj' or ':min', e.g. 'C:maj', 'F#:min', 'Bb:maj'")
    tonic = match.group("tonic").upper()
    offset = _ACC_MAP[match.group("accidental")]
    major = match.group("scale") == "maj"
    tonic_number = ((_PITCH_MAP[tonic] + offset) * 7 + (0 if major else 9)) % 12
    use_sharps = offset > 0 or (offset == 0 and tonic_number < 6)
    sharps = ["C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B"]
    flats = ["C", "D♭", "D", "E♭", "E", "F", "G♭", "G", "A♭", "A", "B♭", "B"]
    if use_sharps:
        n_sharps = 12 if (tonic_number == 0 and tonic == "B") else tonic_number
        for index, name in [(5, "E♯"), (0, "B♯"), (7, "F𝄪"), (2, "C𝄪"), (9, "G𝄪"), (4, "D𝄪"),
                            (11, "A𝄪")][: max(0, n_sharps - 5)]:
            sharps[index] = name
        notes = sharps
    else:
        n_flats = (12 - tonic_number) % 12
        for index, name in [(11, "C♭"), (4, "F♭"), (9, "B𝄫"), (2, "E𝄫"), (7, "A𝄫"),
                            (0, "D𝄫")][: max(0, n_flats - 5)]:
            flats[index] = name
        notes = flats
    return notes if unicode else [n.translate(_ASCII) for n in notes]


@capabilities(librosa="librosa.midi_to_note", torch=False, batch=False)
def midi_to_note(midi: Any, *, octave: bool = True, cents: bool = False, key: str = "C:maj",
                 unicode: bool = True) -> Any:
    """Convert MIDI numbers to note names.

    Parameters
    ----------
    midi : number or array_like
        MIDI note number(s).
    octave : bool
        Append the octave number.
    cents : bool
        Append the deviation in cents (needs ``octave``).
    key : str
        Key whose spelling of accidentals is used: a tonic with at most one accidental and ``:maj`` or
        ``:min`` (librosa also takes modes and double accidentals; those raise ParameterError here).
    unicode : bool
        Use ``♯``/``♭`` (else ``#``/``b``).

    Returns
    -------
    str for one number; np.ndarray of str for several.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.midi_to_note(61), audiofeat.midi_to_note(61, key='F:maj', unicode=False)
    ('C♯4', 'Db4')
    """
    if cents and not octave:
        raise ParameterError("Cannot encode cents without octave information.")
    names = _key_to_notes(key, bool(unicode))

    def one(m: float) -> str:
        num = int(np.round(m))
        note = names[num % 12]
        if octave:
            note = f"{note}{int(num / 12) - 1:0d}"
        if cents:
            note = f"{note}{int(100 * np.around(m - num, 2)):+02d}"
        return note

    arr = np.asarray(B.to_numpy(midi) if B.is_torch(midi) else midi)
    if arr.ndim == 0:
        return one(float(arr))
    return np.vectorize(one, otypes=["U16"])(arr)


@capabilities(librosa="librosa.hz_to_note", torch=False, batch=False)
def hz_to_note(frequencies: Any, **kwargs: Any) -> Any:
    """Convert Hz to note names (``midi_to_note(hz_to_midi(f))``).

    Parameters
    ----------
    frequencies : float or array_like
        Frequencies in Hz.
    **kwargs
        Passed to :func:`midi_to_note` (``octave``, ``cents``, ``key``, ``unicode``).

    Returns
    -------
    str for one frequency; np.ndarray of str for several.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.hz_to_note(440.0)
    'A4'
    """
    return midi_to_note(hz_to_midi(frequencies), **kwargs)


@capabilities(librosa="librosa.cqt_frequencies", torch=False, batch=False)
def cqt_frequencies(n_bins: int, *, fmin: float, bins_per_octave: int = 12, tuning: float = 0.0) -> np.ndarray:
    """Centre frequencies of constant-Q bins: ``fmin * 2 ** ((k + tuning) / bins_per_octave)``.

    Parameters
    ----------
    n_bins : int
        Number of bins.
    fmin : float > 0
        Frequency of the lowest bin (Hz).
    bins_per_octave : int
        Bins per octave.
    tuning : float
        Tuning deviation from A440 in fractions of a bin.

    Returns
    -------
    np.ndarray, shape (n_bins,), float64

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.cqt_frequencies(3, fmin=110.0, bins_per_octave=1)
    array([110., 220., 440.])
    """
    n_bins = check_int("n_bins", n_bins, minimum=0)
    fmin = check_positive("fmin", fmin, " (Hz)")
    bins_per_octave = check_int("bins_per_octave", bins_per_octave)
    correction = 2.0 ** (check_number("tuning", tuning) / bins_per_octave)
    return correction * fmin * 2.0 ** (np.arange(0, n_bins, dtype=float) / bins_per_octave)


# --------------------------------------------------------------------------------------------------
# constant-Q and variable-Q filter kernels
# --------------------------------------------------------------------------------------------------
#: equivalent noise bandwidths of librosa's named windows (librosa.filters.WINDOW_BANDWIDTHS)
_WINDOW_BANDWIDTHS = {
    "bart": 1.3334961334912805, "barthann": 1.4560255965133932, "bartlett": 1.3334961334912805,
    "bkh": 2.0045975283585014, "black": 1.7269681554262326, "blackharr": 2.0045975283585014,
    "blackman": 1.7269681554262326, "blackmanharris": 2.0045975283585014, "blk": 1.7269681554262326,
    "bman": 1.7859588613860062, "bmn": 1.7859588613860062, "bohman": 1.7859588613860062, "box": 1.0,
    "boxcar": 1.0, "brt": 1.3334961334912805, "brthan": 1.4560255965133932, "bth": 1.4560255965133932,
    "cosine": 1.2337005350199792, "flat": 2.7762255046484143, "flattop": 2.7762255046484143,
    "flt": 2.7762255046484143, "halfcosine": 1.2337005350199792, "ham": 1.3629455320350348,
    "hamm": 1.3629455320350348, "hamming": 1.3629455320350348, "han": 1.50018310546875,
    "hann": 1.50018310546875, "nut": 1.9763500280946082, "nutl": 1.9763500280946082,
    "nuttall": 1.9763500280946082, "ones": 1.0, "par": 1.9174603174603191, "parz": 1.9174603174603191,
    "parzen": 1.9174603174603191, "rect": 1.0, "rectangular": 1.0, "tri": 1.3331706523555851,
    "triang": 1.3331706523555851, "triangle": 1.3331706523555851,
}


@cached
def _window_bandwidth_cached(key: Any, window: Any, n: int) -> float:
    win = _window_array_of(window, n)
    return float(n * np.sum(win**2) / (np.sum(win) ** 2 + np.finfo(win.dtype).tiny))


def _window_array_of(window: Any, n: int) -> np.ndarray:
    return np.asarray(get_window(window, n), dtype=np.float64)


@capabilities(librosa="librosa.filters.window_bandwidth", torch=False, batch=False)
def window_bandwidth(window: Any, n: int = 1000) -> float:
    """Equivalent noise bandwidth of a window, ``n * sum(w**2) / sum(w)**2`` (librosa's table for named
    windows).

    Parameters
    ----------
    window : str, tuple or callable
        Window specification (see :func:`get_window`).
    n : int
        Length at which to evaluate a window not in the table.

    Returns
    -------
    float

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.filters.window_bandwidth('hann')
    1.50018310546875
    """
    key = getattr(window, "__name__", window)
    if isinstance(key, str) and key in _WINDOW_BANDWIDTHS:
        return _WINDOW_BANDWIDTHS[key]
    try:
        hash(key)
    except TypeError:
        raise ParameterError(f"window={window!r}: expected a window name, tuple or function") from None
    return _window_bandwidth_cached(key, window, check_int("n", n))


def _relative_bandwidth(freqs: np.ndarray) -> np.ndarray:
    """Relative bandwidth ``alpha`` of each bin from its neighbours' spacing (librosa's rule)."""
    if len(freqs) <= 1:
        raise ParameterError(f"2 or more frequencies are required to compute bandwidths, got freqs={freqs}")
    logf = np.log2(freqs)
    bpo = np.empty_like(freqs)
    bpo[0] = 1 / (logf[1] - logf[0])
    bpo[-1] = 1 / (logf[-1] - logf[-2])
    bpo[1:-1] = 2 / (logf[2:] - logf[:-2])
    return (2.0 ** (2 / bpo) - 1) / (2.0 ** (2 / bpo) + 1)


def _et_relative_bandwidth(bins_per_octave: int) -> np.ndarray:
    """``alpha`` of one bin of an equal-tempered scale."""
    r = 2 ** (1 / bins_per_octave)
    return np.atleast_1d((r**2 - 1) / (r**2 + 1))


def _check_freqs(freqs: Any) -> np.ndarray:
    f = np.asarray(B.to_numpy(freqs) if B.is_torch(freqs) else freqs, dtype=np.float64).reshape(-1)
    if f.size == 0:
        raise ParameterError("freqs is empty: give at least one frequency")
    if not np.all(np.isfinite(f)) or np.any(f <= 0):
        raise ParameterError("frequencies must be strictly positive and finite")
    if len(f) > 1 and np.any(f[:-1] > f[1:]):
        raise ParameterError(f"Frequency array={f} must be in strictly ascending order")
    return f


@capabilities(librosa="librosa.filters.wavelet_lengths", torch=False, batch=False)
def wavelet_lengths(*, freqs: Any, sr: float = 22050, window: Any = "hann", filter_scale: float = 1,
                    gamma: float | None = 0, alpha: Any = None) -> tuple[np.ndarray, float]:
    """Lengths (in samples, fractional) of variable-Q filters, and the highest frequency they reach.

    A filter at frequency ``f`` with relative bandwidth ``alpha`` has ``Q = filter_scale / alpha`` and
    length ``Q * sr / (f + gamma / alpha)``; ``gamma = 0`` gives constant Q, ``gamma=None`` the ERB-like
    ``gamma = alpha * 24.7 / 0.108``.

    Parameters
    ----------
    freqs : array_like, ascending
        Centre frequencies (Hz).
    sr : float
        Sampling rate.
    window : str, tuple or callable
        Window of each filter (its bandwidth widens the cut-off).
    filter_scale : float > 0
        Scale of the filter lengths (larger = longer filters, finer frequency resolution).
    gamma : float >= 0 or None
        Bandwidth offset (Hz) of a variable-Q transform.
    alpha : float or array_like, optional
        Relative bandwidths; default from the spacing of ``freqs``.

    Returns
    -------
    lengths : np.ndarray, shape (len(freqs),)
    f_cutoff : float
        Highest frequency (Hz) any filter reaches.

    Examples
    --------
    >>> import audiofeat
    >>> freqs = audiofeat.cqt_frequencies(24, fmin=55.0)
    >>> lengths, cutoff = audiofeat.filters.wavelet_lengths(freqs=freqs, sr=22050)
    >>> lengths.shape, round(float(lengths[0]))
    ((24,), 6948)
    """
    f = _check_freqs(freqs)
    sr = check_positive("sr", sr)
    if check_number("filter_scale", filter_scale) <= 0:
        raise ParameterError(f"filter_scale={filter_scale} must be positive")
    if gamma is not None and check_number("gamma", gamma) < 0:
        raise ParameterError(f"gamma={gamma} must be non-negative")
    alpha = _relative_bandwidth(f) if alpha is None else np.asarray(alpha, dtype=np.float64)
    gamma_ = alpha * 24.7 / 0.108 if gamma is None else float(gamma)
    Q = float(filter_scale) / alpha
    f_cutoff = float(np.max(f * (1 + 0.5 * window_bandwidth(window) / Q) + 0.5 * gamma_))
    lengths = Q * sr / (f + gamma_ / alpha)
    return lengths, f_cutoff


def _normalize_vector(x: np.ndarray, norm: Any) -> np.ndarray:
    """librosa.util.normalize of one vector (a norm of None leaves it)."""
    if norm is None:
        return x
    if isinstance(norm, bool) or not isinstance(norm, (int, float, np.integer, np.floating)):
        raise ParameterError(f"Unsupported norm: {norm!r}")
    return _row_normalize(x[None, :], float(norm))[0]


def _wavelet_filters(freqs: np.ndarray, lengths: np.ndarray, sr: float, window: Any, norm: Any,
                     pad_fft: bool) -> np.ndarray:
    """Complex windowed sinusoids centred in a common length (complex128)."""
    rows = []
    for ilen, freq in zip(lengths, freqs):
        t = np.arange(-ilen // 2, ilen // 2, dtype=float)
        sig = np.exp(1j * t * 2 * np.pi * freq / sr)
        sig = sig * _window_array_of(window, len(sig))
        rows.append(_normalize_vector(sig, norm))
    max_len = max(lengths)
    max_len = int(2.0 ** np.ceil(np.log2(max_len))) if pad_fft else int(np.ceil(max_len))
    out = np.zeros((len(rows), max_len), dtype=np.complex128)
    for i, sig in enumerate(rows):
        if len(sig) > max_len:
            raise ParameterError(f"Target size ({max_len}) must be at least input size ({len(sig)})")
        lpad = (max_len - len(sig)) // 2
        out[i, lpad : lpad + len(sig)] = sig
    return out


def _complex_dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ParameterError(f"dtype={dtype!r} is not a numpy dtype") from exc
    return dt


@capabilities(librosa="librosa.filters.wavelet", torch=False, batch=False)
def wavelet(*, freqs: Any, sr: float = 22050, window: Any = "hann", filter_scale: float = 1,
            pad_fft: bool = True, norm: float | None = 1, dtype: Any = np.complex64, gamma: float = 0,
            alpha: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Time-domain variable-Q (wavelet) filters: windowed complex sinusoids, one per frequency.

    Parameters
    ----------
    freqs : array_like, ascending
        Centre frequencies (Hz).
    sr : float
        Sampling rate.
    window : str, tuple or callable
        Window applied to each sinusoid.
    filter_scale : float > 0
        Scale of the filter lengths.
    pad_fft : bool
        Centre-pad all filters to the next power of two (else to the longest filter).
    norm : float or None
        Normalise each filter to unit ``norm`` (1: unit L1 norm).
    dtype : numpy dtype
        Output dtype.
    gamma : float >= 0 or None
        Bandwidth offset (see :func:`wavelet_lengths`).
    alpha : float or array_like, optional
        Relative bandwidths.

    Returns
    -------
    filters : np.ndarray, shape (len(freqs), n)
    lengths : np.ndarray, shape (len(freqs),)

    Examples
    --------
    >>> import audiofeat
    >>> freqs = audiofeat.cqt_frequencies(12, fmin=220.0)
    >>> basis, lengths = audiofeat.filters.wavelet(freqs=freqs, sr=22050)
    >>> basis.shape
    (12, 2048)
    """
    lengths, _ = wavelet_lengths(freqs=freqs, sr=sr, window=window, filter_scale=filter_scale, gamma=gamma,
                                 alpha=alpha)
    f = _check_freqs(freqs)
    basis = _wavelet_filters(f, lengths, float(sr), window, norm, bool(pad_fft))
    return basis.astype(_complex_dtype(dtype)), lengths


@capabilities(librosa="librosa.filters.constant_q_lengths", torch=False, batch=False)
def constant_q_lengths(*, sr: float, fmin: float, n_bins: int = 84, bins_per_octave: int = 12,
                       window: Any = "hann", filter_scale: float = 1, gamma: float = 0) -> np.ndarray:
    """Lengths (samples, fractional) of constant-Q filters (deprecated in librosa 0.9 in favour of
    :func:`wavelet_lengths`; kept with the same results, without the deprecation warning).

    Parameters
    ----------
    sr : float
        Sampling rate.
    fmin : float > 0
        Lowest frequency.
    n_bins : int
        Number of bins.
    bins_per_octave : int
        Bins per octave.
    window : str, tuple or callable
        Window (its bandwidth sets the Nyquist check).
    filter_scale : float > 0
        Scale of the filter lengths.
    gamma : float
        Bandwidth offset.

    Returns
    -------
    np.ndarray, shape (n_bins,)

    Raises
    ------
    ParameterError
        Non-positive parameters, or a filter reaching past Nyquist.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.filters.constant_q_lengths(sr=22050, fmin=110.0, n_bins=2).round(1)
    array([3474.2, 3279.2])
    """
    if isinstance(fmin, (bool, np.bool_)) or check_number("fmin", fmin) <= 0:
        raise ParameterError("fmin must be strictly positive")
    if isinstance(bins_per_octave, bool) or not isinstance(bins_per_octave, (int, np.integer)) \
            or bins_per_octave <= 0:
        raise ParameterError("bins_per_octave must be positive")
    if check_number("filter_scale", filter_scale) <= 0:
        raise ParameterError("filter_scale must be positive")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins <= 0:
        raise ParameterError("n_bins must be a positive integer")
    sr = check_positive("sr", sr)
    freq = fmin * 2.0 ** (np.arange(n_bins, dtype=float) / bins_per_octave)
    alpha = (2.0 ** (2 / bins_per_octave) - 1) / (2.0 ** (2 / bins_per_octave) + 1)
    Q = float(filter_scale) / alpha
    if max(freq * (1 + 0.5 * window_bandwidth(window) / Q)) > sr / 2.0:
        raise ParameterError(f"Maximum filter frequency={max(freq):.2f} would exceed Nyquist={sr / 2}")
    return Q * sr / (freq + check_number("gamma", gamma) / alpha)


@capabilities(librosa="librosa.filters.constant_q", torch=False, batch=False)
def constant_q(*, sr: float, fmin: float | None = None, n_bins: int = 84, bins_per_octave: int = 12,
               window: Any = "hann", filter_scale: float = 1, pad_fft: bool = True, norm: float | None = 1,
               dtype: Any = np.complex64, gamma: float = 0) -> tuple[np.ndarray, np.ndarray]:
    """Time-domain constant-Q filters (deprecated in librosa 0.9 in favour of :func:`wavelet`; kept with the
    same results, without the deprecation warning).

    Parameters
    ----------
    sr : float
        Sampling rate.
    fmin : float > 0 or None
        Lowest frequency; default C1 (32.70 Hz).
    n_bins : int
        Number of bins.
    bins_per_octave : int
        Bins per octave.
    window : str, tuple or callable
        Window applied to each sinusoid.
    filter_scale : float > 0
        Scale of the filter lengths.
    pad_fft : bool
        Centre-pad to the next power of two.
    norm : float or None
        Per-filter normalisation.
    dtype : numpy dtype
        Output dtype.
    gamma : float
        Bandwidth offset.

    Returns
    -------
    filters : np.ndarray, shape (n_bins, n)
    lengths : np.ndarray, shape (n_bins,)

    Examples
    --------
    >>> import audiofeat
    >>> basis, lengths = audiofeat.filters.constant_q(sr=22050, fmin=110.0, n_bins=24)
    >>> basis.shape
    (24, 4096)
    """
    if fmin is None:
        fmin = note_to_hz("C1")
    lengths = constant_q_lengths(sr=sr, fmin=fmin, n_bins=n_bins, bins_per_octave=bins_per_octave,
                                 window=window, filter_scale=filter_scale, gamma=gamma)
    freqs = fmin * 2.0 ** (np.arange(n_bins, dtype=float) / bins_per_octave)
    basis = _wavelet_filters(freqs, lengths, float(sr), window, norm, bool(pad_fft))
    return basis.astype(_complex_dtype(dtype)), np.asarray(lengths)


@cached
def _cq_to_chroma_cached(n_input: int, bins_per_octave: int, n_chroma: int, fmin: float, base_c: bool,
                         dtype: np.dtype) -> np.ndarray:
    n_merge = bins_per_octave // n_chroma
    cq_to_ch = np.repeat(np.eye(n_chroma), n_merge, axis=1)
    cq_to_ch = np.roll(cq_to_ch, -(n_merge // 2), axis=1)
    n_octaves = int(np.ceil(float(n_input) / bins_per_octave))
    cq_to_ch = np.tile(cq_to_ch, n_octaves)[:, :n_input]
    midi_0 = np.mod(hz_to_midi(fmin), 12)
    roll = midi_0 if base_c else midi_0 - 9
    roll = int(np.round(roll * (n_chroma / 12.0)))
    return B.frozen(np.roll(cq_to_ch, roll, axis=0).astype(dtype))


@capabilities(librosa="librosa.filters.cq_to_chroma", torch=False, batch=False)
def cq_to_chroma(n_input: int, *, bins_per_octave: int = 12, n_chroma: int = 12, fmin: float | None = None,
                 window: Any = None, base_c: bool = True, dtype: Any = np.float32) -> np.ndarray:
    """A matrix folding constant-Q bins into chroma (pitch classes).

    Parameters
    ----------
    n_input : int
        Number of constant-Q bins.
    bins_per_octave : int
        Constant-Q bins per octave (an integer multiple of ``n_chroma``).
    n_chroma : int
        Number of chroma bins.
    fmin : float or None
        Frequency of the first constant-Q bin; default C1.
    window : np.ndarray or None
        Convolve each row of the matrix with this window (``scipy.signal.convolve``, mode 'same').
    base_c : bool
        Chroma bin 0 is C (else A).
    dtype : numpy dtype
        Output dtype.

    Returns
    -------
    np.ndarray, shape (n_chroma, n_input)

    Raises
    ------
    ParameterError
        ``bins_per_octave`` not a multiple of ``n_chroma``.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.filters.cq_to_chroma(84).shape
    (12, 84)
    """
    n_input = check_int("n_input", n_input)
    bins_per_octave = check_int("bins_per_octave", bins_per_octave)
    n_chroma = check_int("n_chroma", n_chroma)
    if bins_per_octave % n_chroma:
        raise ParameterError("Incompatible CQ merge: input bins must be an integer multiple of output bins.")
    fmin = note_to_hz("C1") if fmin is None else check_positive("fmin", fmin, " (Hz)")
    weights = _cq_to_chroma_cached(n_input, bins_per_octave, n_chroma, float(fmin), bool(base_c),
                                   _complex_dtype(dtype)).copy()
    if window is not None:
        import scipy.signal

        weights = scipy.signal.convolve(weights, np.atleast_2d(window), mode="same")
    return weights


__getattr__ = missing_attribute(__name__, "filters")
