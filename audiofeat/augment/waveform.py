"""Waveform augmentation: pure functions, then the transforms that draw their parameters.

Pure functions take one example ``(..., T)`` with scalar parameters, or a batch ``(n, ..., T)`` with
per-example parameters ``(n,)`` (one per row of axis 0); numpy or torch, the same arithmetic.
"""

from __future__ import annotations

import io as _io
import math
import os
from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .. import phase
from .._checks import check_finite, check_int, check_number
from ..errors import AudioFileNotFoundError, ParameterError
from ._ops import (LN1000, arange, cast, example_axes, fast_len, gather_last, max_abs, mean_square,
                   per_example, to_like, where, xp_of)
from ._rng import seeded_normal
from .base import Transform, check_range

__all__ = [
    # pure functions
    "gain", "add_noise", "colored_noise", "shift", "clip", "distortion", "normalize_peak", "fft_filter",
    "butterworth_response", "peaking_response", "convolve", "synthetic_rir", "pad_or_crop", "fix_length",
    "trim_silence", "codec_roundtrip", "snap_steps", "NOISE_EXPONENTS", "PITCH_SNAP_CENTS",
    # transforms
    "Gain", "AddColoredNoise", "AddBackgroundNoise", "ApplyImpulseResponse", "Shift", "TimeStretch",
    "PitchShift", "LowPassFilter", "HighPassFilter", "BandPassFilter", "BandStopFilter", "PeakingFilter",
    "Clip", "Distortion", "PolarityInversion", "Reverse", "Normalize", "LoudnessNormalize", "Speed",
    "Resample", "CodecCompression", "Trim", "PadOrCrop",
]

#: spectral exponent of each noise colour (power spectral density ~ 1 / f**exponent)
NOISE_EXPONENTS = {"white": 0.0, "pink": 1.0, "brown": 2.0, "brownian": 2.0, "red": 2.0, "blue": -1.0,
                   "violet": -2.0}
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".opus", ".mp3", ".aiff", ".aif", ".au")


# ==================================================================================================
# pure functions
# ==================================================================================================
def gain(y: Any, db: Any) -> Any:
    """Multiply by ``10**(db/20)``."""
    return y * per_example(10.0 ** (np.asarray(db, dtype=np.float64) / 20.0), y)


def add_noise(y: Any, noise: Any, snr_db: Any) -> Any:
    """``y + g * noise`` with ``g`` chosen so that the SNR (mean square of ``y`` over mean square of the
    added noise, per example) is exactly ``snr_db``: a scalar ``snr_db`` makes ``y`` one example (its power
    over all axes, channels included), per-example values ``(n,)`` make each ``y[i]`` one. A silent ``y`` or
    a silent ``noise`` is returned unchanged (no SNR can be met).

    The mixing itself is :func:`audiofeat.add_noise` (``axis`` = the example's axes,
    ``silent_noise="keep"``): one implementation for the library and the augmentation layer."""
    from .. import noise as _noise

    axes = example_axes(y, snr_db)
    return _noise.add_noise(y, noise, snr_db, axis=None if axes[0] == 0 else axes, silent_noise="keep")


def colored_noise(shape: Sequence[int], exponent: Any, seed: Any, *, like: Any = None,
                  normalize: bool = True) -> Any:
    """Gaussian noise of ``shape`` with power spectral density ~ ``1/f**exponent`` (0 white, 1 pink,
    2 brown, -1 blue), unit RMS per example, from ``seed`` (an int, or per-example ints ``(n,)`` for a
    batch, ``shape[0] == n``). The white noise comes from :func:`seeded_normal`, so numpy and torch give the
    same samples; ``like`` picks the backend, device and dtype (default numpy float64)."""
    like = np.empty(0) if like is None else like
    shape = tuple(int(s) for s in shape)
    batch = np.ndim(seed) > 0
    seeds = np.atleast_1d(np.asarray(seed, dtype=np.int64))
    lead = shape if not batch else shape[1:]
    dtype = np.float32 if like.dtype in (np.float32,) or str(like.dtype) == "torch.float32" else np.float64
    white = seeded_normal(seeds, math.prod(lead), dtype).reshape((len(seeds),) + lead)
    if B.is_torch(like):
        import torch

        white = torch.from_numpy(white).to(like.device)
    expo = np.atleast_1d(np.asarray(exponent, dtype=np.float64))
    T = shape[-1]
    if np.any(expo != 0) and T > 1:
        spec = B.rfft(white)
        k = np.arange(T // 2 + 1, dtype=np.float64)
        k[0] = 1.0
        weights = k[None, :] ** (-expo[:, None] / 2.0)
        weights[:, 0] = expo == 0  # the mean is removed from coloured noise only (1/f**a has no DC term)
        w = to_like(weights.reshape((weights.shape[0],) + (1,) * (len(lead) - 1) + (-1,)), white)
        white = B.irfft(spec * w, n=T)
    if not normalize:
        return white if batch else white[0]
    axes = tuple(range(1, white.ndim))
    rms = cast(mean_square(white, axes) ** 0.5, white)
    white = white / where(rms > 0, rms, rms * 0 + 1)
    return white if batch else white[0]


def shift(y: Any, n: Any, mode: str = "roll") -> Any:
    """Move the signal later by ``n`` samples (earlier if negative): ``"roll"`` wraps around,
    ``"zero"`` fills with zeros."""
    if mode not in ("roll", "zero"):
        raise ParameterError(f"mode={mode!r} must be 'roll' or 'zero'")
    n_arr = np.asarray(n, dtype=np.int64)
    if n_arr.ndim == 0:
        return _shift_one(y, int(n_arr), mode)
    if n_arr.shape[0] == 1:
        return _shift_one(y[0], int(n_arr[0]), mode)[None]
    # a batch: one gather with per-example source indices out[i, ..., t] = y[i, ..., t - n[i]]
    T = y.shape[-1]
    src = np.arange(T, dtype=np.int64)[None, :] - n_arr.reshape(-1, 1)
    if mode == "roll":
        src %= T
        valid = None
    else:
        valid = (src >= 0) & (src < T)
        np.clip(src, 0, T - 1, out=src)
    lead = (src.shape[0],) + (1,) * (y.ndim - 2) + (T,)
    src = to_like(src.reshape(lead), y, dtype=_int64(y))
    out = gather_last(y, src)
    if valid is None:
        return out
    valid = to_like(valid.reshape(lead), y, dtype=_bool(y))
    if B.is_torch(out):
        import torch

        return torch.where(valid, out, torch.zeros((), dtype=out.dtype, device=out.device))
    return np.where(valid, out, np.zeros((), dtype=out.dtype))


def _shift_one(y: Any, k: int, mode: str) -> Any:
    T = y.shape[-1]
    if mode == "roll":
        if B.is_torch(y):
            return y.roll(k, -1)
        k %= T  # np.roll's result, from two slices (np.roll's generic path costs more than the copy)
        out = np.empty_like(y)
        out[..., k:] = y[..., :T - k]
        out[..., :k] = y[..., T - k:]
        return out
    out = y.new_zeros(y.shape) if B.is_torch(y) else np.zeros_like(y)
    if abs(k) >= T:
        return out
    if k >= 0:
        out[..., k:] = y[..., :T - k]
    else:
        out[..., :T + k] = y[..., -k:]
    return out


def clip(y: Any, level: Any) -> Any:
    """Hard clipping at ``±level``."""
    lv = per_example(level, y)
    if B.is_torch(y):
        import torch

        return torch.minimum(torch.maximum(y, -lv), lv) if not isinstance(lv, float) else y.clamp(-lv, lv)
    return np.clip(y, -lv, lv)


def distortion(y: Any, drive_db: Any) -> Any:
    """Soft clipping ``tanh(g*y) / g`` with ``g = 10**(drive_db/20)``: unity gain for small signals,
    saturating at ``±1/g``... scaled so that the peak level is kept: ``out = tanh(g*y)/tanh(g*peak)*peak``."""
    g = per_example(10.0 ** (np.asarray(drive_db, dtype=np.float64) / 20.0), y)
    xp = xp_of(y)
    peak = max_abs(y, example_axes(y, drive_db))
    peak = cast(peak, y)
    safe = where(peak > 0, peak, peak * 0 + 1)
    return xp.tanh(g * y) / xp.tanh(g * safe) * safe


def normalize_peak(y: Any, peak: Any = 1.0, *, per_example_axes: bool = False) -> Any:
    """Scale so that max |y| equals ``peak`` (per example); a silent signal is unchanged."""
    axes = example_axes(y, peak) if not per_example_axes else tuple(range(1, y.ndim))
    m = cast(max_abs(y, axes), y)
    p = per_example(peak, y)
    return y * where(m > 0, p / where(m > 0, m, m * 0 + 1), m * 0 + 1)


def fft_filter(y: Any, response: Any, n_fft: int) -> Any:
    """Zero-phase filtering: multiply the ``n_fft``-point real FFT of ``y`` (zero-padded) by the real
    magnitude ``response`` (``(..., n_fft//2 + 1)``, broadcast against ``y``'s leading axes) and keep the
    first ``T`` samples. With ``n_fft >= 2T`` the circular wrap of the (two-sided) impulse response stays
    outside the kept part up to its tail beyond ``T`` samples."""
    T = y.shape[-1]
    spec = B.rfft(y, n=n_fft)
    return cast(B.irfft(spec * response, n=n_fft)[..., :T], y)


def _freq_grid(n_fft: int, sr: float, like: Any) -> Any:
    f = np.arange(n_fft // 2 + 1, dtype=np.float64) * (sr / n_fft)
    return to_like(f, like, dtype=_f64(like))


def _int64(like: Any):
    if B.is_torch(like):
        import torch

        return torch.int64
    return np.int64


def _bool(like: Any):
    if B.is_torch(like):
        import torch

        return torch.bool
    return np.bool_


def _f64(like: Any):
    if B.is_torch(like):
        import torch

        return torch.float64
    return np.float64


def butterworth_response(freqs: Any, kind: str, cutoff: Any, order: int, bandwidth: Any = None) -> Any:
    """|H(f)| of an analog Butterworth filter of ``order`` (magnitude only; applied with zero phase).

    ``kind``: ``"lowpass"``/``"highpass"`` (``cutoff`` = -3 dB frequency), ``"bandpass"``/``"bandstop"``
    (``cutoff`` = centre ``f0``, ``bandwidth`` = ``f_high - f_low`` in Hz, with ``f0**2 = f_low*f_high``;
    -3 dB at both edges). The stop band falls at ``6*order`` dB per octave (lowpass/highpass):
    ``20*log10|H| = -10*log10(1 + x**(2*order))`` with ``x = f/fc`` (``fc/f`` for highpass,
    ``(f**2 - f0**2)/(f*BW)`` for bandpass, its inverse for bandstop).
    ``freqs`` ``(F,)``; ``cutoff``/``bandwidth`` scalars or ``(n,)`` (then the result is ``(n, F)``).
    """
    xp = xp_of(freqs)
    batch = np.ndim(cutoff) > 0
    fc = np.atleast_1d(np.asarray(cutoff, dtype=np.float64))[:, None]
    f = freqs[None, :]
    fc = to_like(fc, freqs, dtype=_f64(freqs))
    tiny = 1e-12
    if kind == "lowpass":
        x = f / fc
    elif kind == "highpass":
        x = fc / xp.maximum(f, f * 0 + tiny) if B.is_torch(f) else fc / np.maximum(f, tiny)
    elif kind in ("bandpass", "bandstop"):
        bw = to_like(np.atleast_1d(np.asarray(bandwidth, dtype=np.float64))[:, None], freqs, dtype=_f64(freqs))
        fs = f + tiny
        x = (fs * fs - fc * fc) / (fs * bw)
        if kind == "bandstop":
            x = 1.0 / where(x == 0, x * 0 + tiny, x)
    else:
        raise ParameterError(f"kind={kind!r} must be 'lowpass', 'highpass', 'bandpass' or 'bandstop'")
    h = 1.0 / xp.sqrt(1.0 + xp.abs(x) ** (2 * order))
    return h if batch else h[0]


def peaking_response(freqs: Any, sr: float, center: Any, gain_db: Any, q: Any) -> Any:
    """|H(e^{jw})| of the RBJ Audio-EQ-Cookbook peaking biquad (gain ``gain_db`` at ``center``, width ``q``),
    evaluated exactly at ``freqs``; scalars or per-example ``(n,)`` (result ``(n, F)``)."""
    xp = xp_of(freqs)
    batch = np.ndim(center) > 0
    f0 = np.atleast_1d(np.asarray(center, dtype=np.float64))
    A = 10.0 ** (np.atleast_1d(np.asarray(gain_db, dtype=np.float64)) / 40.0)
    w0 = 2 * np.pi * f0 / sr
    alpha = np.sin(w0) / (2 * np.atleast_1d(np.asarray(q, dtype=np.float64)))
    b = np.stack([1 + alpha * A, -2 * np.cos(w0), 1 - alpha * A], axis=1)
    a = np.stack([1 + alpha / A, -2 * np.cos(w0), 1 - alpha / A], axis=1)
    w = (2 * np.pi / sr) * freqs[None, :]
    cw, sw, c2, s2 = xp.cos(w), xp.sin(w), xp.cos(2 * w), xp.sin(2 * w)

    def mag2(c):
        c = to_like(c, freqs, dtype=_f64(freqs))
        re = c[:, :1] + c[:, 1:2] * cw + c[:, 2:3] * c2
        im = c[:, 1:2] * sw + c[:, 2:3] * s2
        return re * re + im * im

    h = xp.sqrt(mag2(b) / mag2(a))
    return h if batch else h[0]


def convolve(y: Any, h: Any) -> Any:
    """Linear convolution by FFT, truncated to ``y``'s length (``h`` ``(L,)``, or ``(n, L)`` per example)."""
    T = y.shape[-1]
    L = h.shape[-1]
    n = fast_len(T + L - 1)
    H = B.rfft(h, n=n)
    if h.ndim == 2 and y.ndim > 2:
        H = H.reshape((H.shape[0],) + (1,) * (y.ndim - 2) + (H.shape[-1],))
    out = B.irfft(B.rfft(y, n=n) * H, n=n)[..., :T]
    return cast(out, y)


def synthetic_rir(rt60: Any, sr: float, seed: Any, *, drr_db: Any = 0.0, like: Any = None) -> Any:
    """A synthetic room impulse response: a direct path at t=0 then exponentially decaying Gaussian noise
    that falls by 60 dB after ``rt60`` seconds (length ``ceil(rt60*sr)``). The tail has unit energy and the
    direct path the amplitude ``10**(drr_db/20)`` (direct-to-reverberant ratio). Per-example ``rt60``,
    ``seed``, ``drr_db`` ``(n,)`` give ``(n, max length)``, zero beyond each example's own length.
    float64, identical on numpy and torch."""
    like = np.empty(0) if like is None else like
    batch = np.ndim(rt60) > 0
    rt = np.atleast_1d(np.asarray(rt60, dtype=np.float64))
    seeds = np.atleast_1d(np.asarray(seed, dtype=np.int64))
    drr = np.broadcast_to(np.asarray(drr_db, dtype=np.float64), rt.shape)
    lengths = np.maximum(np.ceil(rt * sr).astype(np.int64), 2)
    L = int(lengths.max())
    t = np.arange(L, dtype=np.float64)[None, :]
    env = np.exp(-LN1000 * t / (rt[:, None] * sr)) * (t < lengths[:, None]) * (t >= 1)
    noise = to_like(seeded_normal(seeds, L), like, dtype=_f64(like))
    tail = noise * to_like(env, noise, dtype=_f64(noise))
    energy = (tail * tail).sum(-1, keepdims=True) if not B.is_torch(tail) else (tail * tail).sum(-1, keepdim=True)
    tail = tail / energy ** 0.5
    direct = np.zeros((len(rt), L))
    direct[:, 0] = 10.0 ** (drr / 20.0)
    h = tail + to_like(direct, tail, dtype=_f64(tail))
    return h if batch else h[0]


def pad_or_crop(y: Any, length: int, offset: Any = 0) -> Any:
    """``out[..., t] = y[..., t + offset]`` for ``t < length`` (zeros outside ``y``): a crop when
    ``offset >= 0`` and ``length <= T``, zero padding at the start when ``offset < 0``."""
    T = y.shape[-1]
    off = np.asarray(offset, dtype=np.int64)
    col = off.reshape((-1,) + (1,) * (y.ndim - 1)) if off.ndim else off.reshape((1,) * y.ndim)
    src = np.arange(length, dtype=np.int64).reshape((1,) * (y.ndim - 1) + (length,)) + col
    valid = (src >= 0) & (src < T)
    src = np.clip(src, 0, max(T - 1, 0))
    if B.is_torch(y):
        import torch

        src_t = torch.as_tensor(src, device=y.device)
        out = gather_last(y, src_t)
        return out * torch.as_tensor(valid, device=y.device).to(y.dtype)
    return gather_last(y, src) * valid.astype(y.dtype)


def fix_length(y: Any, length: int) -> Any:
    """Crop the end or zero-pad the end to ``length`` samples."""
    T = y.shape[-1]
    if T >= length:
        return y[..., :length]
    return B.pad(y, 0, length - T)


def trim_silence(y: Any, top_db: float = 60.0, frame_length: int = 2048, hop_length: int = 512) -> tuple[int, int]:
    """``(start, end)`` sample indices of the non-silent part of one example: frames whose RMS is within
    ``top_db`` of the loudest frame (frames start every ``hop_length`` samples, not centred)."""
    x = B.to_numpy(y).astype(np.float64, copy=False)
    x = x.reshape(-1, x.shape[-1])
    T = x.shape[-1]
    if T <= frame_length:
        starts = np.array([0])
    else:
        starts = np.arange(0, T - frame_length + 1, hop_length)
    c = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x * x, axis=-1)], axis=-1)
    ends = np.minimum(starts + frame_length, T)
    power = ((c[:, ends] - c[:, starts]) / (ends - starts)).mean(axis=0)
    ref = power.max()
    if ref <= 0:
        return 0, 0
    keep = np.flatnonzero(10 * np.log10(np.maximum(power, 1e-300) / ref) > -top_db)
    return int(starts[keep[0]]), int(min(T, starts[keep[-1]] + frame_length))


_CODECS = {"mp3": ("MP3", "MPEG_LAYER_III"), "ogg": ("OGG", "VORBIS"), "vorbis": ("OGG", "VORBIS"),
           "opus": ("OGG", "OPUS")}
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)


def codec_roundtrip(y: np.ndarray, sr: float, codec: str, compression_level: float = 0.5) -> np.ndarray:
    """Encode one numpy example ``(..., T)`` (1 or 2 channels) with ``codec`` (``"mp3"``, ``"ogg"``
    (Vorbis) or ``"opus"``) through soundfile in memory, decode, return the same shape and dtype.

    ``compression_level`` in [0, 1] (libsndfile's: 0 = highest quality/bitrate, 1 = smallest). Opus runs at
    48 kHz when ``sr`` is not one of its rates (resampled there and back)."""
    import soundfile as sf

    from ..resampling import resample

    if codec not in _CODECS:
        raise ParameterError(f"codec={codec!r} must be one of {sorted(_CODECS)}")
    fmt, subtype = _CODECS[codec]
    y = np.asarray(y)
    T = y.shape[-1]
    x = y.reshape(-1, T).astype(np.float32)
    rate = int(round(sr))
    if codec == "opus" and rate not in _OPUS_RATES:
        x = resample(x, orig_sr=sr, target_sr=48000)
        rate = 48000
    elif float(sr) != rate:
        raise ParameterError(f"codec round trip needs an integer sampling rate, got sr={sr!r}")
    buf = _io.BytesIO()
    level = float(compression_level)
    if codec == "mp3":  # libsndfile 1.2 refuses exactly 1.0 for MP3 (LAME's lowest bitrate is reached by 0.99)
        level = min(level, 0.99)
    sf.write(buf, x.T, rate, format=fmt, subtype=subtype, compression_level=level)
    buf.seek(0)
    z, _ = sf.read(buf, dtype="float32", always_2d=True)
    z = np.ascontiguousarray(z.T)
    if rate != int(round(sr)) or float(sr) != rate:
        z = resample(z, orig_sr=rate, target_sr=sr)
    z = fix_length(z, T)
    return z.reshape(y.shape).astype(y.dtype)


# ==================================================================================================
# transforms
# ==================================================================================================
class Gain(Transform):
    """Multiply by a gain drawn uniformly in ``gain_db`` (dB)."""

    needs_sr = False

    def __init__(self, gain_db: Any = (-12.0, 12.0), p: float = 1.0) -> None:
        super().__init__(p)
        self.gain_db = check_range("gain_db", gain_db)

    def _draw(self, draw, n, y, sr):
        return {"gain_db": draw.uniform(*self.gain_db, n)}

    def _apply(self, y, sr, params):
        return gain(y, params["gain_db"])


class AddColoredNoise(Transform):
    """Add Gaussian noise of a colour (``"white"``, ``"pink"``, ``"brown"``, ``"blue"``, ``"violet"``, or a
    spectral exponent, or a list to draw from) at an SNR drawn uniformly in ``snr_db``; the SNR of the
    result is exact (per example, over all channels). ``exponent`` (a range) overrides ``color``."""

    needs_sr = False

    def __init__(self, snr_db: Any = (3.0, 30.0), color: Any = "white", exponent: Any = None,
                 p: float = 1.0) -> None:
        super().__init__(p)
        self.snr_db = check_range("snr_db", snr_db)
        colors = [color] if isinstance(color, (str, int, float)) else list(color)
        try:
            self.exponents = [float(NOISE_EXPONENTS[c]) if isinstance(c, str) else float(c) for c in colors]
        except KeyError as exc:
            raise ParameterError(f"color={color!r}: unknown colour {exc.args[0]!r}; expected one of "
                                 f"{sorted(NOISE_EXPONENTS)} or a number") from None
        if not self.exponents:
            raise ParameterError("color must name at least one colour")
        self.exponent = None if exponent is None else check_range("exponent", exponent)

    def _draw(self, draw, n, y, sr):
        if self.exponent is not None:
            expo = draw.uniform(*self.exponent, n)
        else:
            expo = np.asarray(self.exponents)[draw.choice(len(self.exponents), n)]
        return {"snr_db": draw.uniform(*self.snr_db, n), "exponent": expo, "seed": draw.seeds(n)}

    def _apply(self, y, sr, params):
        # add_noise scales the noise to the SNR, so its unit-RMS normalisation would be wasted work
        noise = colored_noise(tuple(y.shape), params["exponent"], params["seed"], like=y, normalize=False)
        return add_noise(y, noise, params["snr_db"])


def _list_audio(source: Any, what: str) -> list[str]:
    """Audio files of a folder (recursively, sorted) or a list of paths."""
    if isinstance(source, (str, os.PathLike)):
        folder = os.fspath(source)
        if os.path.isfile(folder):
            return [folder]
        if not os.path.isdir(folder):
            raise AudioFileNotFoundError(folder, f"{what}: no such file or folder")
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs
                       if f.lower().endswith(AUDIO_EXTENSIONS))
        if not files:
            raise AudioFileNotFoundError(
                folder, f"{what}: the folder holds no audio files (looked for {', '.join(AUDIO_EXTENSIONS)})")
        return files
    files = [os.fspath(f) for f in source]
    if not files:
        raise ParameterError(f"{what}: the list of files is empty")
    return files


class _FileBank:
    """Audio files loaded on first use (mono, at the requested rate), at most ``cache`` kept."""

    def __init__(self, files: list[str], cache: int = 128) -> None:
        self.files = files
        self.cache = cache
        self._store: dict = {}

    def get(self, i: int, sr: float) -> np.ndarray:
        from ..io import load

        key = (i, sr)
        if key not in self._store:
            y, _ = load(self.files[i], sr=sr, mono=True, dtype=np.float64)
            if len(self._store) >= self.cache:
                self._store.pop(next(iter(self._store)))
            self._store[key] = y
        return self._store[key]

    def __getstate__(self):  # DataLoader workers start with an empty cache
        return {"files": self.files, "cache": self.cache, "_store": {}}


class AddBackgroundNoise(Transform):
    """Add a noise recording (a file drawn from ``sounds``: a folder, searched recursively, or a list of
    paths; loaded with :func:`audiofeat.load`, mono, at the signal's rate) from a random offset (looped if
    shorter than the signal) at an SNR drawn uniformly in ``snr_db`` (exact). A folder without audio
    raises ``AudioFileNotFoundError`` when the transform is built; an unreadable file raises its typed
    ``AudioFileError`` (naming the path) when it is drawn."""

    def __init__(self, sounds: Any, snr_db: Any = (3.0, 30.0), p: float = 1.0) -> None:
        super().__init__(p)
        self.snr_db = check_range("snr_db", snr_db)
        self.bank = _FileBank(_list_audio(sounds, "AddBackgroundNoise"))

    def _draw(self, draw, n, y, sr):
        return {"snr_db": draw.uniform(*self.snr_db, n), "file": draw.choice(len(self.bank.files), n),
                "offset": draw.random(n)}

    def _apply(self, y, sr, params):
        T = y.shape[-1]
        rows = []
        for f, u in zip(np.atleast_1d(params["file"]), np.atleast_1d(params["offset"])):
            z = self.bank.get(int(f), sr)
            N = len(z)
            if N == 0:
                rows.append(np.zeros(T))
                continue
            if N >= T:
                s = int(u * (N - T + 1))
                rows.append(z[s:s + T])
            else:
                s = int(u * N)
                rows.append(np.resize(np.roll(z, -s), T))
        noise = np.stack(rows).reshape((len(rows),) + (1,) * (y.ndim - 2) + (T,))
        noise = to_like(np.broadcast_to(noise, tuple(y.shape)), y, dtype=_f64(y))
        return add_noise(y, noise, params["snr_db"])


class ApplyImpulseResponse(Transform):
    """Convolve with a room impulse response: a file drawn from ``ir`` (folder or list), or, when ``ir`` is
    None, a synthetic one (:func:`synthetic_rir`) with an RT60 drawn in ``rt60`` (seconds) and a
    direct-to-reverberant ratio in ``drr_db``. FFT convolution, truncated to the input length; the result
    is scaled to the input's RMS (per example) so the level does not jump."""

    def __init__(self, ir: Any = None, rt60: Any = (0.2, 1.0), drr_db: Any = (-5.0, 10.0), p: float = 1.0) -> None:
        super().__init__(p)
        self.rt60 = check_range("rt60", rt60, minimum=0, strict=True)
        self.drr_db = check_range("drr_db", drr_db)
        self.bank = None if ir is None else _FileBank(_list_audio(ir, "ApplyImpulseResponse"))

    def _draw(self, draw, n, y, sr):
        if self.bank is not None:
            return {"file": draw.choice(len(self.bank.files), n)}
        return {"rt60": draw.uniform(*self.rt60, n), "drr_db": draw.uniform(*self.drr_db, n),
                "seed": draw.seeds(n)}

    def _apply(self, y, sr, params):
        if self.bank is not None:
            irs = [self.bank.get(int(f), sr) for f in np.atleast_1d(params["file"])]
            L = max(len(h) for h in irs)
            h = np.zeros((len(irs), max(L, 1)))
            for i, r in enumerate(irs):
                h[i, :len(r)] = r
            h = to_like(h, y, dtype=_f64(y))
        else:
            h = synthetic_rir(params["rt60"], sr, params["seed"], drr_db=params["drr_db"], like=y)
        wet = convolve(y.double() if B.is_torch(y) else y.astype(np.float64), h)
        axes = tuple(range(1, y.ndim))
        ps, pw = mean_square(y, axes), mean_square(wet, axes)
        if B.is_torch(y):
            scale = where(pw > 0, (ps.double() / pw.clamp_min(1e-300)) ** 0.5, pw * 0)
        else:
            scale = np.where(pw > 0, np.sqrt(ps / np.maximum(pw, 1e-300)), 0.0)
        return cast(wet * scale, y)


class Shift(Transform):
    """Shift in time by an amount drawn uniformly in ``shift`` (``unit``: ``"fraction"`` of the length,
    ``"seconds"`` or ``"samples"``; negative = earlier), rolling around (``mode="roll"``) or filling with
    zeros (``"zero"``)."""

    def __init__(self, shift: Any = (-0.5, 0.5), unit: str = "fraction", mode: str = "roll", p: float = 1.0) -> None:
        super().__init__(p)
        if unit not in ("fraction", "seconds", "samples"):
            raise ParameterError(f"unit={unit!r} must be 'fraction', 'seconds' or 'samples'")
        if mode not in ("roll", "zero"):
            raise ParameterError(f"mode={mode!r} must be 'roll' or 'zero'")
        self.shift, self.unit, self.mode = check_range("shift", shift), unit, mode
        self.needs_sr = unit == "seconds"

    def _draw(self, draw, n, y, sr):
        v = draw.uniform(*self.shift, n)
        scale = {"fraction": y.shape[-1], "seconds": sr or 0, "samples": 1}[self.unit]
        return {"samples": np.round(v * scale).astype(np.int64)}

    def _apply(self, y, sr, params):
        return shift(y, params["samples"], self.mode)


class PolarityInversion(Transform):
    """Multiply by -1."""

    needs_sr = False

    def _apply(self, y, sr, params):
        return -y


class Reverse(Transform):
    """Reverse in time."""

    needs_sr = False

    def _apply(self, y, sr, params):
        return y.flip(-1) if B.is_torch(y) else y[..., ::-1].copy()


class Normalize(Transform):
    """Scale so that the peak (max |y| over the example) equals ``peak`` (a silent example is unchanged)."""

    needs_sr = False

    def __init__(self, peak: float = 1.0, p: float = 1.0) -> None:
        super().__init__(p)
        self.peak = check_range("peak", peak, minimum=0, strict=True)[0]

    def _apply(self, y, sr, params):
        return normalize_peak(y, np.full(y.shape[0], self.peak))


class Clip(Transform):
    """Hard clipping at a level ``threshold_db`` (drawn uniformly, dB, <= 0) relative to the example's peak."""

    needs_sr = False

    def __init__(self, threshold_db: Any = (-20.0, -1.0), p: float = 1.0) -> None:
        super().__init__(p)
        self.threshold_db = check_range("threshold_db", threshold_db, maximum=0.0)

    def _draw(self, draw, n, y, sr):
        return {"threshold_db": draw.uniform(*self.threshold_db, n)}

    def _apply(self, y, sr, params):
        peak = B.to_numpy(max_abs(y, tuple(range(1, y.ndim)))).reshape(-1).astype(np.float64)
        return clip(y, peak * 10.0 ** (np.asarray(params["threshold_db"]) / 20.0))


class Distortion(Transform):
    """tanh saturation with a drive drawn in ``drive_db`` (dB); the peak level is kept (:func:`distortion`)."""

    needs_sr = False

    def __init__(self, drive_db: Any = (0.0, 24.0), p: float = 1.0) -> None:
        super().__init__(p)
        self.drive_db = check_range("drive_db", drive_db)

    def _draw(self, draw, n, y, sr):
        return {"drive_db": draw.uniform(*self.drive_db, n)}

    def _apply(self, y, sr, params):
        return distortion(y, params["drive_db"])


# --- filters ----------------------------------------------------------------------------------------
class _Filter(Transform):
    """Zero-phase FFT-domain filtering by an exact magnitude response (see :func:`fft_filter`)."""

    def _response(self, freqs, sr, params):  # pragma: no cover - abstract
        raise NotImplementedError

    def _apply(self, y, sr, params):
        T = y.shape[-1]
        n_fft = fast_len(2 * T)
        freqs = _freq_grid(n_fft, sr, y)
        h = self._response(freqs, sr, params)  # (n, F) float64
        h = h.reshape((h.shape[0],) + (1,) * (y.ndim - 2) + (h.shape[-1],))
        h = h.to(y.dtype) if B.is_torch(y) else h.astype(y.dtype)
        return fft_filter(y, h, n_fft)


def _check_order(order: Any) -> int:
    return check_int("order", order, 1)


def _nyquist_clip(f: np.ndarray, sr: float) -> np.ndarray:
    return np.minimum(f, 0.49 * sr)


class LowPassFilter(_Filter):
    """Butterworth low-pass (``order``: 6·order dB/octave), cutoff drawn log-uniformly in ``cutoff_hz``
    (kept below 0.49·sr). Magnitude applied with zero phase."""

    def __init__(self, cutoff_hz: Any = (150.0, 7500.0), order: int = 4, p: float = 1.0) -> None:
        super().__init__(p)
        self.cutoff_hz = check_range("cutoff_hz", cutoff_hz, minimum=0, strict=True)
        self.order = _check_order(order)

    def _draw(self, draw, n, y, sr):
        return {"cutoff_hz": _nyquist_clip(draw.log_uniform(*self.cutoff_hz, n), sr)}

    def _response(self, freqs, sr, params):
        return butterworth_response(freqs, "lowpass", np.atleast_1d(params["cutoff_hz"]), self.order)


class HighPassFilter(LowPassFilter):
    """Butterworth high-pass; see :class:`LowPassFilter`."""

    def __init__(self, cutoff_hz: Any = (20.0, 2400.0), order: int = 4, p: float = 1.0) -> None:
        super().__init__(cutoff_hz, order, p)

    def _response(self, freqs, sr, params):
        return butterworth_response(freqs, "highpass", np.atleast_1d(params["cutoff_hz"]), self.order)


class BandPassFilter(_Filter):
    """Butterworth band-pass: centre drawn log-uniformly in ``center_hz``, bandwidth = ``bandwidth_fraction``
    × centre (drawn uniformly); -3 dB at the band edges, 6·order dB/octave outside."""

    kind = "bandpass"

    def __init__(self, center_hz: Any = (200.0, 4000.0), bandwidth_fraction: Any = (0.5, 1.99),
                 order: int = 4, p: float = 1.0) -> None:
        super().__init__(p)
        self.center_hz = check_range("center_hz", center_hz, minimum=0, strict=True)
        self.bandwidth_fraction = check_range("bandwidth_fraction", bandwidth_fraction, minimum=0, strict=True)
        self.order = _check_order(order)

    def _draw(self, draw, n, y, sr):
        return {"center_hz": _nyquist_clip(draw.log_uniform(*self.center_hz, n), sr),
                "bandwidth_fraction": draw.uniform(*self.bandwidth_fraction, n)}

    def _response(self, freqs, sr, params):
        c = np.atleast_1d(params["center_hz"])
        return butterworth_response(freqs, self.kind, c, self.order,
                                    bandwidth=c * np.atleast_1d(params["bandwidth_fraction"]))


class BandStopFilter(BandPassFilter):
    """Butterworth band-stop (notch of width ``bandwidth_fraction`` × centre); see :class:`BandPassFilter`."""

    kind = "bandstop"

    def __init__(self, center_hz: Any = (200.0, 4000.0), bandwidth_fraction: Any = (0.5, 1.99),
                 order: int = 4, p: float = 1.0) -> None:
        super().__init__(center_hz, bandwidth_fraction, order, p)


class PeakingFilter(_Filter):
    """Peaking EQ (RBJ cookbook biquad magnitude, zero phase): centre drawn log-uniformly in ``center_hz``,
    gain in ``gain_db``, quality factor in ``q``."""

    def __init__(self, center_hz: Any = (50.0, 7500.0), gain_db: Any = (-24.0, 24.0), q: Any = (0.5, 5.0),
                 p: float = 1.0) -> None:
        super().__init__(p)
        self.center_hz = check_range("center_hz", center_hz, minimum=0, strict=True)
        self.gain_db = check_range("gain_db", gain_db)
        self.q = check_range("q", q, minimum=0, strict=True)

    def _draw(self, draw, n, y, sr):
        return {"center_hz": _nyquist_clip(draw.log_uniform(*self.center_hz, n), sr),
                "gain_db": draw.uniform(*self.gain_db, n), "q": draw.uniform(*self.q, n)}

    def _response(self, freqs, sr, params):
        return peaking_response(freqs, sr, np.atleast_1d(params["center_hz"]),
                                np.atleast_1d(params["gain_db"]), np.atleast_1d(params["q"]))


# --- length-changing, through the effects / resampling modules --------------------------------------
class _PerExample(Transform):
    """Transforms computed one example at a time (a torch batch is looped over, on its device).

    A CPU torch batch that needs no gradient runs each example through the numpy path (the same effect
    functions, zero-copy views in and one copy out): for 1 s clips torch's per-call overhead on small
    tensors (STFT, ``fold`` overlap-add, sinc kernels) costs several times the work itself. GPU tensors and
    tensors that require a gradient stay on torch; TimeStretch and PitchShift run such a batch in one pass
    (each example with its own rate) when the length is kept.
    """

    def __init__(self, leave_length_unchanged: bool = True, p: float = 1.0) -> None:
        super().__init__(p)
        self.leave_length_unchanged = bool(leave_length_unchanged)

    def _one(self, x, sr, params_i):  # pragma: no cover - abstract
        raise NotImplementedError

    def _apply(self, y, sr, params):
        if _numpy_capable(y):
            import torch

            return torch.from_numpy(self._apply(y.detach().numpy(), sr, params))
        n = y.shape[0]
        outs = []
        for i in range(n):
            pi = {k: (v[i] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in params.items()}
            z = self._one(y[i], sr, pi)
            if self.leave_length_unchanged:
                z = fix_length(z, y.shape[-1])
            outs.append(cast(z, y))
        if B.is_torch(y):
            import torch

            if len({o.shape for o in outs}) > 1:
                raise ParameterError(f"{type(self).__name__} changed the lengths in a batch differently; "
                                     "use leave_length_unchanged=True for batches")
            return torch.stack(outs) if outs else y
        if n == 1:
            return outs[0][None]
        return np.stack(outs)


def _numpy_capable(y: Any) -> bool:
    """A CPU float32/float64 torch tensor outside autograd (computed exactly as numpy would)."""
    if not B.is_torch(y) or y.device.type != "cpu":
        return False
    import torch

    return y.dtype in (torch.float32, torch.float64) and not (torch.is_grad_enabled() and y.requires_grad)


def _batched_on_torch(y: Any, same_length: bool) -> bool:
    """Whether a length-keeping TimeStretch/PitchShift runs the whole torch batch in one pass (each example
    with its own rate: one STFT, vocoder, inverse STFT and resampler for the batch) rather than example by
    example: torch batches the numpy path does not take (a GPU, or a graph that needs gradients)."""
    return same_length and B.is_torch(y) and not _numpy_capable(y) and y.ndim >= 2 and y.shape[-1] > 0


def _stretch_one(x: Any, rate: float) -> Any:
    """:func:`audiofeat.effects.time_stretch` of one example of the transform layer (float, not empty: the
    composite's ``_prepare`` checked its input), checked once for non-finite samples (an earlier transform of a
    chain may have made some) and then stretched without the public function's other checks."""
    if not math.prod(x.shape[:-1]):  # no signals (zero channels): the public function's empty result
        return phase.time_stretch(x, rate=rate)
    return phase._time_stretch(check_finite(x, "y", "samples"), rate, {})


def _pitch_shift_one(x: Any, sr: float, n_steps: float, bins_per_octave: int) -> Any:
    """:func:`audiofeat.effects.pitch_shift` of one example (see :func:`_stretch_one`)."""
    if not math.prod(x.shape[:-1]):
        return phase.pitch_shift(x, sr=sr, n_steps=n_steps, bins_per_octave=bins_per_octave)
    return phase._pitch_shift(check_finite(x, "y", "samples"), float(sr), n_steps, bins_per_octave, "soxr_hq",
                              False, {})


class TimeStretch(_PerExample):
    """Change the tempo by a rate drawn in ``rate`` (> 1 faster), keeping the pitch
    (:func:`audiofeat.effects.time_stretch`). ``leave_length_unchanged`` (default; required for torch
    batches) crops or zero-pads the end back to the input length."""

    def __init__(self, rate: Any = (0.8, 1.25), leave_length_unchanged: bool = True, p: float = 1.0) -> None:
        super().__init__(leave_length_unchanged, p)
        self.rate = check_range("rate", rate, minimum=0, strict=True)

    def _draw(self, draw, n, y, sr):
        return {"rate": draw.log_uniform(*self.rate, n)}

    def _one(self, x, sr, p):
        return _stretch_one(x, float(p["rate"]))

    def _apply(self, y, sr, params):
        if _batched_on_torch(y, self.leave_length_unchanged):
            from ..phase import _stretch_rates_torch

            return _stretch_rates_torch(y, params["rate"], y.shape[-1])
        return super()._apply(y, sr, params)


#: most cents by which PitchShift (and Speed) move a drawn value to make its frequency ratio a simple fraction
PITCH_SNAP_CENTS = 1.0
#: largest denominator of that fraction
_SNAP_MAX_DENOMINATOR = 256


def snap_steps(n_steps: Any, bins_per_octave: int = 12, max_cents: float = PITCH_SNAP_CENTS) -> np.ndarray:
    """Each shift (in steps of ``1/bins_per_octave`` octave) moved to the nearest ``n`` whose frequency ratio
    ``2 ** (n / bins_per_octave)`` is a fraction ``p / q`` with the smallest ``q <= 256`` that lies within
    ``max_cents`` cents; a shift with no such fraction is kept.

    A rational ratio with small terms is what band-limited resamplers run fastest (soxr's exact polyphase
    path, one strided convolution with a cached kernel on torch); one cent is a 0.06 % frequency change,
    far below what a pitch-shift augmentation (a semitone is 100 cents) is about.

    >>> from audiofeat.augment import snap_steps
    >>> snap_steps([12.0, 0.004, 3.0]).round(4).tolist()  # 2/1; 1/1 (0.4 cent away); 44/37 (0.03 cent away)
    [12.0, 0.0, 2.9997]
    """
    bins_per_octave = check_int("bins_per_octave", bins_per_octave, 1)
    max_cents = check_number("max_cents", max_cents, minimum=0)
    steps = np.array(n_steps, dtype=np.float64)
    flat = steps.reshape(-1)
    width = 2.0 ** (max_cents / 1200.0)
    for i, step in enumerate(flat.tolist()):
        try:
            ratio = 2.0 ** (step / bins_per_octave)
        except OverflowError:
            continue
        if not (math.isfinite(ratio) and ratio > 0):  # NaN, or so far down that the ratio is 0: kept
            continue
        snapped = _snap_ratio(ratio, width, max_cents)
        if snapped is not None:
            flat[i] = bins_per_octave * math.log2(snapped)
    return flat.reshape(steps.shape)


def _snap_ratio(ratio: float, width: float, max_cents: float) -> float | None:
    """The definition of :func:`snap_steps` for one ratio: ``rint(ratio * q) / q`` for the first
    ``q = 1 .. 256`` whose nearest numerator lies within ``max_cents`` (``width = 2 ** (max_cents / 1200)``),
    else ``None``. No ``q`` below the smallest denominator of a fraction in the window can qualify, so the
    search starts there (:func:`_simplest_fraction`); with a one-cent window that first candidate is the answer
    (the window is narrower than ``1 / q``), with wide windows the nearest numerator may fall outside it and
    the search goes on."""
    found = _simplest_fraction(ratio / width, ratio * width, _SNAP_MAX_DENOMINATOR)
    if found is None:
        return None
    for q in range(found[1], _SNAP_MAX_DENOMINATOR + 1):
        num = max(float(np.rint(ratio * q)), 1.0)
        if abs(1200.0 * math.log2(num / (q * ratio))) <= max_cents:
            return num / q
    return None


def _simplest_fraction(lo: float, hi: float, max_den: int) -> tuple[int, int] | None:
    """The fraction ``p / q`` in ``[lo, hi]`` (``0 < lo <= hi``) with the smallest denominator, or ``None``
    when that denominator exceeds ``max_den``: a descent along the continued fraction the two ends share,
    stopping at the first partial quotient where an integer lies between them (a few steps; ~2 us, where
    trying every denominator up to 256 cost ~16 us per shift). With a window narrower than ``1 / q`` for
    every ``q <= max_den`` (1 cent and 256 here) the fraction is also the nearest with that denominator."""
    p0, p1, q0, q1 = 0, 1, 1, 0  # the last two convergents' numerators and denominators
    while True:
        a = math.floor(lo)
        if a == lo or a + 1 <= hi:  # an integer lies in [lo, hi]: the smallest one ends the descent
            a = a if a == lo else a + 1
            p, q = a * p1 + p0, a * q1 + q0
            return (p, q) if q <= max_den else None
        p0, p1, q0, q1 = p1, a * p1 + p0, q1, a * q1 + q0
        if q1 > max_den:
            return None
        lo, hi = 1.0 / (hi - a), 1.0 / (lo - a)


class PitchShift(_PerExample):
    """Shift the pitch by ``n_steps`` semitones (drawn uniformly), keeping the length
    (:func:`audiofeat.effects.pitch_shift`).

    Each drawn shift is moved by at most ``PITCH_SNAP_CENTS`` (1 cent) so that its frequency ratio is a
    fraction with the smallest denominator (at most 256) within that distance (:func:`snap_steps`);
    ``last_params`` holds the shift applied (for an example ``p`` did not select, the shift drawn).
    Such ratios resample several times faster (soxr's exact polyphase path; one cached strided convolution
    on torch). ``snap=False`` keeps the drawn values exactly."""

    def __init__(self, n_steps: Any = (-4.0, 4.0), bins_per_octave: int = 12, snap: bool = True,
                 p: float = 1.0) -> None:
        super().__init__(True, p)
        self.n_steps = check_range("n_steps", n_steps)
        self.bins_per_octave = check_int("bins_per_octave", bins_per_octave, 1)
        self.snap = bool(snap)

    def _draw(self, draw, n, y, sr):
        return {"n_steps": draw.uniform(*self.n_steps, n)}  # snapped in _forward, where p has selected

    def _forward(self, y, sr, draw, params):
        # snap only the shifts that will be applied: snap_steps costs several parameter draws, and with
        # p=0.5 half of them would be thrown away (an unselected example's record keeps its drawn value)
        if params is None and self.snap:
            n = y.shape[0]
            params = {"apply": draw.bernoulli(self.p, n)}
            params.update(self._draw(draw, n, y, sr))
            mask = np.asarray(params["apply"], dtype=bool).reshape(-1)
            if mask.any():
                steps = np.array(params["n_steps"], dtype=np.float64)
                steps[mask] = snap_steps(steps[mask], self.bins_per_octave)
                params["n_steps"] = steps
        return super()._forward(y, sr, draw, params)

    def _one(self, x, sr, p):
        return _pitch_shift_one(x, sr, float(p["n_steps"]), self.bins_per_octave)

    def _apply(self, y, sr, params):
        if _batched_on_torch(y, True):
            from ..phase import _pitch_shift_rates_torch

            return _pitch_shift_rates_torch(y, sr, params["n_steps"], self.bins_per_octave)
        return super()._apply(y, sr, params)


def _grouped_resample(y, rates_to, sr, back: bool = False, fraction: bool = False):
    """Resample each example i from ``sr`` to ``rates_to[i]`` (and back to ``sr`` when ``back``); examples
    sharing a target are resampled together. Returns a list of per-example arrays. ``fraction``: torch runs
    the ratio as its simplest close fraction (``effects_impl._resample``: a cached polyphase convolution)."""
    from ..resampling import resample as _plain

    if fraction:
        from ..effects_impl import _resample

        def resample(x, orig_sr, target_sr):
            return _resample(x, orig_sr, target_sr, res_type="soxr_hq", scale=False)
    else:
        resample = _plain

    targets = np.atleast_1d(rates_to)
    out: list = [None] * y.shape[0]
    for t in np.unique(targets):
        idx = np.flatnonzero(targets == t)
        sub = y[idx] if B.is_torch(y) else y[idx]
        z = resample(sub, orig_sr=sr, target_sr=float(t))
        if back:
            z = resample(z, orig_sr=float(t), target_sr=sr)
        for j, i in enumerate(idx):
            out[i] = z[j]
    return out


class Speed(Transform):
    """Play faster or slower by a factor drawn log-uniformly in ``rate`` (> 1 faster): duration and pitch
    change together (band-limited resampling to ``sr/rate``, played at ``sr``).

    With ``snap`` (default) the drawn rate is moved by at most 1 cent (0.06 %) to a fraction with a denominator
    of at most 256 (see :func:`snap_steps`), which soxr and the torch polyphase resampler (one cached strided
    convolution) run several times faster; ``snap=False`` rounds ``sr/rate`` to an integer rate instead.
    Batched per distinct rate on torch; ``leave_length_unchanged`` crops/zero-pads the end."""

    def __init__(self, rate: Any = (0.9, 1.1), leave_length_unchanged: bool = True, snap: bool = True,
                 p: float = 1.0) -> None:
        super().__init__(p)
        self.rate = check_range("rate", rate, minimum=0, strict=True)
        self.leave_length_unchanged = bool(leave_length_unchanged)
        self.snap = bool(snap)

    def _draw(self, draw, n, y, sr):
        rate = draw.log_uniform(*self.rate, n)
        if self.snap:
            rate = 2.0 ** (snap_steps(12.0 * np.log2(rate)) / 12.0)
            return {"rate": rate, "target_sr": sr / rate}
        target = np.maximum(np.round(sr / rate), 1)
        return {"rate": sr / target, "target_sr": target}

    def _apply(self, y, sr, params):
        outs = _grouped_resample(y, params["target_sr"], sr, fraction=self.snap)
        if self.leave_length_unchanged:
            outs = [fix_length(o, y.shape[-1]) for o in outs]
        elif len({o.shape for o in outs}) > 1 or B.is_torch(y) and y.shape[0] > 1:
            raise ParameterError("Speed on a batch needs leave_length_unchanged=True")
        if B.is_torch(y):
            import torch

            return torch.stack(outs)
        return np.stack(outs)


class Resample(Transform):
    """Band-limit by resampling down (or up) to a rate drawn in ``sr_range`` (Hz, rounded) and back: the
    length and rate are kept, the band above the drawn Nyquist is removed."""

    def __init__(self, sr_range: Any = (8000, 16000), p: float = 1.0) -> None:
        super().__init__(p)
        self.sr_range = check_range("sr_range", sr_range, minimum=0, strict=True)

    def _draw(self, draw, n, y, sr):
        return {"target_sr": np.maximum(np.round(draw.uniform(*self.sr_range, n)), 1)}

    def _apply(self, y, sr, params):
        outs = [fix_length(o, y.shape[-1]) for o in _grouped_resample(y, params["target_sr"], sr, back=True)]
        if B.is_torch(y):
            import torch

            return torch.stack(outs)
        return np.stack(outs)


class LoudnessNormalize(Transform):
    """Scale to an integrated loudness (ITU-R BS.1770, :func:`audiofeat.loudness`) drawn in
    ``target_lufs``. A signal whose loudness is below the absolute gate (silence) is unchanged."""

    def __init__(self, target_lufs: Any = (-31.0, -13.0), p: float = 1.0) -> None:
        super().__init__(p)
        self.target_lufs = check_range("target_lufs", target_lufs)

    def _draw(self, draw, n, y, sr):
        return {"target_lufs": draw.uniform(*self.target_lufs, n)}

    def _apply(self, y, sr, params):
        from ..lufs import loudness

        levels = np.array([float(_item_loudness(loudness, B.to_numpy(y[i]), sr)) for i in range(y.shape[0])])
        db = np.where(np.isfinite(levels), np.asarray(params["target_lufs"]) - levels, 0.0)
        return gain(y, db)


def _item_loudness(loudness, item: np.ndarray, sr: float) -> float:
    """Integrated loudness of one example: mono ``(T,)`` or channels ``(C, T)`` summed with BS.1770's weights
    (equal weights for channel counts the standard does not lay out)."""
    if item.ndim == 1:
        return loudness(item, sr)
    flat = item.reshape(-1, item.shape[-1])
    weights = None if flat.shape[0] in (1, 2, 3, 5, 6) else np.ones(flat.shape[0])
    return loudness(flat, sr, channel_axis=0, weights=weights)


class CodecCompression(Transform):
    """Lossy codec round trip (``codec``: ``"mp3"``, ``"ogg"`` (Vorbis), ``"opus"``, or a list to draw from)
    through soundfile in memory, with libsndfile's ``compression_level`` drawn in ``compression_level``
    ([0, 1]; 1 = lowest bitrate). CPU only: torch batches are moved to the CPU and back."""

    def __init__(self, codec: Any = ("mp3", "ogg", "opus"), compression_level: Any = (0.0, 1.0),
                 p: float = 1.0) -> None:
        super().__init__(p)
        codecs = [codec] if isinstance(codec, str) else list(codec)
        for c in codecs:
            if c not in _CODECS:
                raise ParameterError(f"codec={c!r} must be one of {sorted(_CODECS)}")
        if not codecs:
            raise ParameterError("codec must name at least one codec")
        self.codecs = codecs
        self.compression_level = check_range("compression_level", compression_level, minimum=0, maximum=1)

    def _draw(self, draw, n, y, sr):
        return {"codec": draw.choice(len(self.codecs), n), "compression_level": draw.uniform(*self.compression_level, n)}

    def _apply(self, y, sr, params):
        x = B.to_numpy(y)
        out = np.stack([codec_roundtrip(x[i], sr, self.codecs[int(c)], float(q)) for i, (c, q) in
                        enumerate(zip(np.atleast_1d(params["codec"]), np.atleast_1d(params["compression_level"])))])
        return to_like(out, y) if B.is_torch(y) else out


class Trim(Transform):
    """Remove leading and trailing silence (frames more than ``top_db`` below the loudest,
    :func:`trim_silence`). ``leave_length_unchanged`` (required for torch batches) zero-pads the end."""

    needs_sr = False

    def __init__(self, top_db: float = 60.0, leave_length_unchanged: bool = False, p: float = 1.0) -> None:
        super().__init__(p)
        self.top_db = check_range("top_db", top_db, minimum=0, strict=True)[0]
        self.leave_length_unchanged = bool(leave_length_unchanged)

    def _apply(self, y, sr, params):
        T = y.shape[-1]
        spans = [trim_silence(y[i], self.top_db) for i in range(y.shape[0])]
        if self.leave_length_unchanged or (B.is_torch(y) and y.shape[0] > 1):
            if not self.leave_length_unchanged:
                raise ParameterError("Trim on a batch needs leave_length_unchanged=True")
            return pad_or_crop(y, T, np.array([s for s, _ in spans])) * _span_mask(spans, T, y)
        s, e = spans[0]
        return y[..., s:e]


def _span_mask(spans, T, y):
    lengths = np.array([e - s for s, e in spans])
    m = (np.arange(T)[None, :] < lengths[:, None]).reshape((len(spans),) + (1,) * (y.ndim - 2) + (T,))
    return to_like(m.astype(np.float64), y)


class PadOrCrop(Transform):
    """Make every example ``length`` samples long (or ``duration`` seconds): crop a window, or zero-pad;
    ``position``: ``"random"`` (offset drawn uniformly), ``"center"`` or ``"start"``.

    A batch keeps one length: when ``p`` selects only some examples, the others are cropped/padded at the
    start (offset 0); when it selects none, the input is returned unchanged."""

    def __init__(self, length: int | None = None, duration: float | None = None, position: str = "random",
                 p: float = 1.0) -> None:
        super().__init__(p)
        if (length is None) == (duration is None):
            raise ParameterError("PadOrCrop needs exactly one of length (samples) or duration (seconds)")
        self.length = None if length is None else check_int("length", length, 1)
        self.duration = None if duration is None else check_range("duration", duration, minimum=0, strict=True)[0]
        self.needs_sr = duration is not None
        if position not in ("random", "center", "start"):
            raise ParameterError(f"position={position!r} must be 'random', 'center' or 'start'")
        self.position = position

    def _target(self, sr):
        return self.length if self.length is not None else max(1, int(round(self.duration * sr)))

    def _draw(self, draw, n, y, sr):
        T, L = y.shape[-1], self._target(sr)
        span = T - L  # > 0: crop offsets in [0, span]; < 0: pad, offsets in [span, 0]
        if self.position == "random":
            off = np.floor(draw.random(n) * (abs(span) + 1)).astype(np.int64) * (1 if span >= 0 else -1)
        elif self.position == "center":
            off = np.full(n, span // 2 if span >= 0 else -((-span) // 2), dtype=np.int64)
        else:
            off = np.zeros(n, dtype=np.int64)
        return {"offset": off}

    def _forward(self, y, sr, draw, params):
        # p applies per example, but a batch must keep one length: examples not selected are cropped/padded
        # at the start position (offset 0)
        if params is None:
            n = y.shape[0]
            params = {"apply": draw.bernoulli(self.p, n)}
            params.update(self._draw(draw, n, y, sr))
        mask = np.asarray(params["apply"], dtype=bool).reshape(-1)
        off = np.where(mask, np.asarray(params["offset"]).reshape(-1), 0)
        if not mask.any():
            return y, params
        return pad_or_crop(y, self._target(sr), off), params
