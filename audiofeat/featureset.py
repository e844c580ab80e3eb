"""A named feature set: one fixed-length, named vector per recording, for classical ML on voice and sound.

``extract_features(y, sr, feature_set='default')`` computes low-level descriptors per frame (pitch, loudness,
voice quality, formants, spectral shape) and summarises them with :func:`audiofeat.functionals`, in the
spirit of eGeMAPS (Eyben et al., 2016, "The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for Voice
Research and Affective Computing", IEEE Trans. Affective Computing 7(2)). It is implemented from the
published definitions with audiofeat's own building blocks, not a copy of openSMILE: values are close in
meaning, not equal in number. ``docs/featureset.md`` gives every parameter's definition.

Analysis: the signal is resampled to 16 kHz; frames of 25 ms (400 samples, Hamming) every 10 ms for the
spectral descriptors (one STFT shared by all of them); pitch by YIN (65-1000 Hz, 64 ms frames, same 10 ms hop)
and a cross-correlation HNR from ONE autocorrelation per frame of the signal decimated to 8 kHz; voicing from
that HNR (above 2 dB) and the level (not within 50 dB of silence); formants from order-10 LPC (autocorrelation
method, Levinson-Durbin over all voiced frames at once) of the same 8 kHz signal; jitter and shimmer from
period marks peak-picked on the 16 kHz waveform in voiced stretches.

Deterministic and finite on silence, noise, clipping and very short clips: a descriptor with no frame to
describe (no voiced frame, say) gives 0, and every coefficient of variation with a zero mean gives 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.fft

from . import _backend as B
from ._cache import cached
from ._checks import check_positive
from ._registry import capabilities
from .errors import ParameterError

__all__ = ["extract_features", "feature_names", "FEATURE_SETS"]

SR = 16000
HOP = 160  # 10 ms
WIN = 400  # 25 ms
N_FFT = 512
PITCH_FRAME = 1024  # 64 ms: two periods of 65 Hz (pYIN's requirement is one full period plus the lag)
FMIN, FMAX = 65.0, 1000.0
LPC_SR = 8000  # formant analysis rate: resonances up to 4 kHz (the pitch analysis's 8 kHz signal)
LPC_ORDER = 10  # 2 + LPC_SR / 1 kHz
PITCH_SR = 8000  # pitch / HNR analysis rate (f0 <= 1 kHz)
HNR_MIN_DB, HNR_MAX_DB = -20.0, 60.0
PEAK_FIT, PEAK_FIT_KMAX = 1 / 8, 24  # period-mark timing: smoothing kernel half-width T/8 (<= 24 samples)
PEAK_SEARCH = 6  # ... and how far (samples) the smoothed top may lie from the highest raw sample


@dataclass(frozen=True)
class FeatureSet:
    """A named set: its column names, in output order."""

    name: str
    names: tuple[str, ...]
    description: str


def _names() -> tuple[str, ...]:
    out = []
    for lld in ("F0semitone", "loudness"):
        out += [f"{lld}_mean", f"{lld}_cv", f"{lld}_p20", f"{lld}_p50", f"{lld}_p80", f"{lld}_range20_80",
                f"{lld}_rising_slope_mean", f"{lld}_falling_slope_mean"]
    for lld in ("HNR", "jitterLocal", "shimmerLocaldB", "F1_frequency", "F1_bandwidth", "F2_frequency",
                "F3_frequency", "H1_H2",
                "alpha_ratio", "hammarberg_index", "slope0_500", "slope500_1500", "spectral_flux",
                "mfcc1", "mfcc2", "mfcc3", "mfcc4"):
        out += [f"{lld}_mean", f"{lld}_cv"]
    out += ["loudness_peaks_per_sec", "voiced_segments_per_sec", "voiced_segment_length_mean",
            "voiced_segment_length_std", "unvoiced_segment_length_mean", "unvoiced_segment_length_std",
            "equivalent_sound_level_dB"]
    return tuple(out)


FEATURE_SETS: dict[str, FeatureSet] = {
    "default": FeatureSet("default", _names(),
                          "eGeMAPS-style voice and spectral parameters (pitch, loudness, HNR, formants, "
                          "spectral balance, MFCC 1-4, rhythm of voicing); see docs/featureset.md"),
}


@capabilities(torch=False, autograd=False, compile=False, batch=False, note="Returns names, not arrays.")
def feature_names(feature_set: str = "default") -> list[str]:
    """The column names of ``feature_set``, in the order :func:`extract_features` returns them.

    Examples
    --------
    >>> import audiofeat
    >>> names = audiofeat.feature_names()
    >>> names[:3], len(names)
    (['F0semitone_mean', 'F0semitone_cv', 'F0semitone_p20'], 57)
    """
    return list(_get_set(feature_set).names)


def _get_set(feature_set: str) -> FeatureSet:
    try:
        return FEATURE_SETS[feature_set]
    except (KeyError, TypeError):
        raise ParameterError(f"unknown feature_set {feature_set!r}; available: {sorted(FEATURE_SETS)}") from None


# ------------------------------------------------------------------------------------------------ LLDs
def _cv(x: np.ndarray) -> float:
    if x.size == 0:
        return 0.0
    m = float(np.mean(x))
    return float(np.std(x) / abs(m)) if abs(m) > 1e-12 else 0.0


def _stats(x: np.ndarray, percentiles: bool = False) -> list[float]:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return [0.0] * (6 if percentiles else 2)
    out = [float(np.mean(x)), _cv(x)]
    if percentiles:
        p20, p50, p80 = np.percentile(x, [20, 50, 80])
        out += [float(p20), float(p50), float(p80), float(p80 - p20)]
    return out


def _slopes(x: np.ndarray) -> list[float]:
    """Mean rising and falling slope (units per second) over runs of finite frames."""
    d = np.diff(x) * (SR / HOP)
    d = d[np.isfinite(d)]
    rising, falling = d[d > 0], d[d < 0]
    return [float(rising.mean()) if rising.size else 0.0, float(-falling.mean()) if falling.size else 0.0]


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lengths (s) of the runs of True and of False."""
    from .energy import _runs as runs

    def lengths(m: np.ndarray) -> np.ndarray:
        r = runs(m)
        return (r[:, 1] - r[:, 0]) * HOP / SR

    return lengths(mask), lengths(~mask)


def _band(freqs: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (freqs >= lo) & (freqs < hi)


# ------------------------------------------------------------------------------------ pitch and HNR
def _frames_centered(x: np.ndarray, frame_length: int, hop: int, n: int) -> np.ndarray:
    """``n`` frames of ``x`` (zero-padded by half a frame each side, then to length), frame ``t`` centred on
    ``x[t * hop]``: a strided view, no copy."""
    need = (n - 1) * hop + frame_length
    left = frame_length // 2
    xp = np.zeros(max(need, x.size + 2 * left), dtype=x.dtype)
    xp[left: left + x.size] = x
    return np.lib.stride_tricks.sliding_window_view(xp, frame_length)[: (n - 1) * hop + 1: hop]


def _cumsum_rows(x: np.ndarray) -> np.ndarray:
    """In-place running sum down the first axis of a 2-D array, one row at a time (numpy's cumsum along a
    C-contiguous first axis is several times slower than adding whole rows)."""
    for j in range(1, x.shape[0]):
        np.add(x[j], x[j - 1], out=x[j])
    return x


def _pitch_hnr(y8: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """YIN f0 (Hz) and cross-correlation HNR (dB) per frame from ONE autocorrelation per 64 ms frame at 8 kHz.

    Each frame (512 samples, mean removed) is transformed once (real FFT of 640 points, float32); its power
    spectrum's DCT-I is the linear autocorrelation ``r(k)`` for the lags ``0..125`` both parameters need.
    YIN (de Cheveigne & Kawahara 2002, librosa's cumulative-mean-normalised difference ``2 (r(0) - r(k)) -
    sum_{m<k} y(m)^2``; the first trough below 0.1, else the global minimum, refined by a parabola) gives f0.
    The normalised cross-correlation ``r(k) / sqrt(e_head(k) e_tail(k))`` (the energies of the two overlapping
    parts, from a running sum of squares) is Boersma's cross-correlation harmonicity (Praat's "Harmonicity
    (cc)"): its highest value ``c`` over the pitch lags (parabola-refined) gives HNR = 10 log10(c / (1 - c)).
    """
    fl, hop = PITCH_FRAME // 2, HOP // 2
    kmin, kmax = int(np.floor(PITCH_SR / FMAX)), int(np.ceil(PITCH_SR / FMIN))  # 8, 124
    n_pad = scipy.fft.next_fast_len(fl + kmax + 2, real=True)
    n_pad += n_pad % 2
    view = _frames_centered(y8, fl, hop, n)
    buf = np.zeros((n, n_pad), dtype=np.float32)  # mean-removed frames, zero-padded in place for the FFT
    fr = buf[:, :fl]
    np.subtract(view, view.mean(axis=-1, keepdims=True, dtype=np.float32), out=fr)
    workers = B.get_num_threads()
    X = scipy.fft.rfft(buf, axis=-1, workers=workers)
    P = X.real * X.real
    P += X.imag * X.imag
    del X
    # lags on the first axis from here on ((lags, frames): the running sums add whole rows)
    acf = scipy.fft.dct(P, type=1, axis=-1, workers=workers)[:, : kmax + 2].T.copy()
    acf *= 1.0 / n_pad
    total = acf[0]  # r(0) = sum_m y(m)^2
    # lo[j] = sum_{m<j} y(m)^2 (j <= kmax + 1) and hi[j] = sum_{m >= fl-j} y(m)^2 (the last j samples)
    lo = np.zeros((kmax + 2, n), dtype=np.float32)
    lo[1:] = np.square(fr[:, : kmax + 1]).T  # square contiguous rows, then transpose (a strided square is 5x slower)
    _cumsum_rows(lo)
    hi = np.zeros((kmax + 3, n), dtype=np.float32)
    hi[1:] = np.square(fr[:, fl - kmax - 2:])[:, ::-1].T
    _cumsum_rows(hi)
    tiny = np.float32(np.finfo(np.float32).tiny)
    # --- YIN: d(k) = 2 (r(0) - r(k)) - sum_{m<k} y(m)^2 (librosa's lag-1 term is 0), normalised by its
    # running mean; lags kmin..kmax
    diff = acf[1: kmax + 1] - acf[0]
    diff *= -2
    diff[1:] -= lo[2: kmax + 1]
    mean = _cumsum_rows(diff.copy())
    mean /= np.arange(1, kmax + 1, dtype=np.float32)[:, None]
    mean = mean[kmin - 1:]
    mean += tiny
    cmnd = diff[kmin - 1:]
    cmnd /= mean
    below = cmnd < 0.1
    below[1:-1] &= (cmnd[1:-1] < cmnd[:-2]) & (cmnd[1:-1] <= cmnd[2:])
    below[0] &= cmnd[0] < cmnd[1]
    below[-1] &= cmnd[-1] < cmnd[-2]
    idx = np.where(below.any(axis=0), below.argmax(axis=0), cmnd.argmin(axis=0))
    cols = np.arange(n)
    L = cmnd.shape[0]
    mid = cmnd[idx, cols]
    left = cmnd[np.clip(idx - 1, 0, L - 1), cols]
    right = cmnd[np.clip(idx + 1, 0, L - 1), cols]
    a = right + left - 2 * mid
    b = (right - left) / 2
    ok = (np.abs(b) < np.abs(a)) & (idx > 0) & (idx < L - 1)
    shift = np.where(ok, -b / np.where(ok, a, 1), 0)
    f0 = PITCH_SR / (idx + kmin + shift).astype(np.float64)
    # --- cross-correlation HNR over lags kmin-1 .. kmax+1 (one either side for the parabola)
    head = total - hi[kmin - 1: kmax + 2]  # sum_{m < fl-k} y(m)^2
    tail = total - lo[kmin - 1: kmax + 2]  # sum_{m >= k} y(m)^2
    head *= tail
    head += tiny
    c = acf[kmin - 1: kmax + 2] / np.sqrt(head)
    k = c[1:-1].argmax(axis=0)
    cl, cm, cr = c[k, cols], c[k + 1, cols], c[k + 2, cols]
    a = cl + cr - 2 * cm
    b = (cr - cl) / 2
    ok = (a < 0) & (np.abs(b) < np.abs(a))
    peak = cm - np.where(ok, b * b / (2 * np.where(ok, a, 1)), 0)
    lo_c, hi_c = 10.0 ** (HNR_MIN_DB / 10), 10.0 ** (HNR_MAX_DB / 10)
    cmax = np.clip(peak.astype(np.float64), lo_c / (1 + lo_c), hi_c / (1 + hi_c))
    hnr = 10.0 * np.log10(cmax / (1 - cmax))
    hnr = np.where(total > 0, hnr, HNR_MIN_DB)
    return f0, hnr


# ------------------------------------------------------------------------------------ LPC and formants
def _lpc_levinson(frames: np.ndarray, order: int) -> np.ndarray:
    """LPC by the autocorrelation method (Levinson-Durbin), all frames at once: ``(m, L) -> (m, order + 1)``."""
    L = frames.shape[-1]
    r = np.empty((frames.shape[0], order + 1))
    for k in range(order + 1):
        r[:, k] = np.einsum("ij,ij->i", frames[:, : L - k], frames[:, k:])
    r[:, 0] *= 1.0 + 1e-9  # white-noise correction: a strictly positive definite Toeplitz system
    a = np.zeros_like(r)
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    floor = 1e-12 * err  # keeps every step's division finite (the correction above already should)
    for i in range(1, order + 1):
        acc = r[:, i] + np.einsum("ij,ij->i", a[:, 1:i], r[:, i - 1:0:-1]) if i > 1 else r[:, 1].copy()
        k = np.clip(-acc / err, -1.0, 1.0)
        a[:, 1:i] += k[:, None] * a[:, i - 1:0:-1]
        a[:, i] = k
        err = np.maximum(err * (1.0 - k * k), floor)
    return a


@cached
def _hamming(n: int) -> np.ndarray:
    w = np.hamming(n).astype(np.float32)
    w.flags.writeable = False
    return w


def _formants(a: np.ndarray, n_formants: int = 3, fmin: float = 90.0, max_bandwidth: float = 600.0,
              extra: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``audiofeat.formants`` for a stack of LPC polynomials ``(m, p + 1)``: roots as the eigenvalues of the
    stacked companion matrices, computed in blocks on audiofeat's thread pool (LAPACK releases the GIL)."""
    from ._parallel import parallel_for

    m, p = a.shape[0], a.shape[1] - 1
    C = np.zeros((m, p, p))
    C[:, 0, :] = -a[:, 1:] / a[:, :1]
    C[~np.isfinite(C).all(axis=(1, 2))] = 0.0  # never reached for a frame with energy; a safe fallback
    C[:, np.arange(1, p), np.arange(p - 1)] = 1.0
    roots = np.empty((m, p), dtype=np.complex128)
    block = 256
    n_blocks = -(-m // block)

    def run(i: int) -> None:
        if extra is not None:
            if i == 0:
                extra()
                return
            i -= 1
        s = slice(i * block, (i + 1) * block)
        roots[s] = np.linalg.eigvals(C[s])

    parallel_for(run, n_blocks + (extra is not None))
    freq = np.arctan2(roots.imag, roots.real) * (LPC_SR / (2 * np.pi))
    bw = -np.log(np.maximum(np.abs(roots), np.finfo(np.float64).tiny)) * (LPC_SR / np.pi)
    key = np.where((roots.imag > 0) & (freq >= fmin) & (bw < max_bandwidth), freq, np.inf)
    order = np.argsort(key, axis=-1)[:, :n_formants]
    fs, bws = np.take_along_axis(key, order, -1), np.take_along_axis(bw, order, -1)
    found = np.isfinite(fs)
    return np.where(found, fs, np.nan), np.where(found, bws, np.nan)


# ------------------------------------------------------------------------------------ jitter and shimmer
def _range_max_table(x: np.ndarray, longest: int) -> list[np.ndarray]:
    """Sparse table for range-maximum queries: ``table[j][i] = max(x[i : i + 2**j])`` for 2**j <= longest."""
    table = [x]
    j = 1
    while (1 << j) <= longest:
        prev, step = table[-1], 1 << (j - 1)
        table.append(np.maximum(prev[:-step], prev[step:]))
        j += 1
    return table


def _range_max(table: list[np.ndarray], lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``max(x[lo : hi])`` for each pair (``hi > lo``), two look-ups per query."""
    length = hi - lo
    j = np.floor(np.log2(length)).astype(np.int64)
    out = np.empty(lo.size, dtype=table[0].dtype)
    for level in np.unique(j):
        m = j == level
        t = table[level]
        out[m] = np.maximum(t[lo[m]], t[hi[m] - (1 << level)])
    return out


@cached
def _hann_kernels(kmax: int) -> np.ndarray:
    """Row ``K``: a normalised Hann kernel of half-width ``K`` samples, zero-padded to ``2 kmax + 1`` taps."""
    x = np.arange(-kmax, kmax + 1)
    K = np.arange(kmax + 1)[:, None]
    h = np.cos(np.pi * x / (2 * (K + 1))) ** 2 * (np.abs(x) <= K)
    h /= h.sum(axis=1, keepdims=True)
    h.flags.writeable = False
    return h


def _jitter_shimmer(y: np.ndarray, f0: np.ndarray, voiced: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame local jitter (fraction) and local shimmer (dB) from period marks; NaN where undefined.

    Marks (one per glottal period, as Praat's peak-picking point process): in each voiced stretch, the
    positive local maxima of the waveform that are the largest sample within +-0.6 of the local period
    (from the frame f0), refined to sub-sample time and amplitude by a parabola through the peak and its
    neighbours. A period ``T_i`` (between consecutive marks of one stretch) counts when it is within
    0.8-1.25x the frame's expected period; consecutive periods form a jitter term when their ratio is at
    most 1.3 (Praat's maximum period factor). Over the marks within +-30 ms of a voiced frame (eGeMAPS' 60 ms
    pitch window)::

        jitterLocal    = mean |T_i - T_{i-1}| / mean T_i
        shimmerLocaldB = mean |20 log10(A_{i+1} / A_i)|      (A: the amplitudes of the two marks of a period)
    """
    n = f0.size
    jit = np.full(n, np.nan)
    shim = np.full(n, np.nan)
    if not voiced.any():
        return jit, shim
    half = HOP // 2
    # samples nearest to a voiced frame's centre are voiced; the expected period comes from that frame
    vs = np.repeat(voiced, HOP)[half: half + y.size]
    if vs.size < y.size:
        vs = np.pad(vs, (0, y.size - vs.size))
    period = np.where(voiced, SR / np.where(voiced, f0, 1.0), 0.0)
    run = np.cumsum(np.concatenate([[voiced[0]], voiced[1:] & ~voiced[:-1]]))  # voiced stretch id per frame
    inner = y[1:-1]
    cand = np.flatnonzero(vs[1:-1] & (inner > y[:-2]) & (inner >= y[2:]) & (inner > 0)) + 1
    if cand.size < 3:
        return jit, shim
    # a candidate is a mark when no other candidate within +-0.6 of its period is higher (range maximum
    # over the candidates, found with a sparse table)
    h = (0.6 * period[np.minimum((cand + half) // HOP, n - 1)]).astype(np.int64)
    lo = np.searchsorted(cand, cand - h, side="left")
    hi = np.searchsorted(cand, cand + h, side="right")
    val = y[cand]
    table = _range_max_table(val, int((hi - lo).max()))
    marks = cand[val >= _range_max(table, lo, hi)]
    if marks.size < 3:
        return jit, shim
    # sub-sample time: the top of the signal smoothed around the peak by a symmetric Hann kernel +-T/8 wide
    # (a symmetric peak stays where it is; on smooth, noisy peaks the highest raw sample scatters by several
    # samples): the smoothed maximum within +-PEAK_SEARCH samples of the mark, refined by a 3-point parabola
    kmax, J = PEAK_FIT_KMAX, PEAK_SEARCH
    K = np.clip(np.round(period[np.minimum((marks + half) // HOP, n - 1)] * PEAK_FIT), 1, kmax)
    h = _hann_kernels(kmax)[K.astype(np.int64)]
    offsets = np.arange(-(kmax + J + 1), kmax + J + 2)  # samples marks-kmax-J-1 .. marks+kmax+J+1
    seg = y[np.clip(marks[:, None] + offsets, 0, y.size - 1)].astype(np.float64)
    sm = np.einsum("ik,ijk->ij", h, np.lib.stride_tricks.sliding_window_view(seg, 2 * kmax + 1, axis=1))
    # sm[:, j] is the smoothed signal at marks + j - J - 1, j = 0 .. 2J + 2
    top = sm[:, 1:-1].argmax(axis=1) + 1
    rows = np.arange(marks.size)
    sl, s0, sr = sm[rows, top - 1], sm[rows, top], sm[rows, top + 1]
    qa, qb = sl + sr - 2 * s0, (sr - sl) / 2
    ok = (qa < 0) & (np.abs(qb) < np.abs(qa))
    t = marks + (top - J - 1) + np.where(ok, -qb / np.where(ok, qa, -1.0), 0.0)
    # amplitude: the 3-point parabola through the highest sample (insensitive to where exactly the top is)
    l, m, r = (y[marks - 1].astype(np.float64), y[marks].astype(np.float64), y[marks + 1].astype(np.float64))
    a2, b2 = l + r - 2 * m, (r - l) / 2
    amp = m - np.where(a2 < 0, b2 * b2 / (2 * np.where(a2 < 0, a2, -1.0)), 0.0)
    # periods between consecutive marks of one voiced stretch, near the expected period
    fm = np.minimum((marks + half) // HOP, n - 1)
    Ti = np.diff(t)
    expect = period[fm[:-1]]
    good = (run[fm[1:]] == run[fm[:-1]]) & (Ti >= 0.8 * expect) & (Ti <= 1.25 * expect)
    pos = (t[:-1] + t[1:]) / 2  # time of each period
    pair = good[1:] & good[:-1] & (np.maximum(Ti[1:], Ti[:-1]) <= 1.3 * np.minimum(Ti[1:], Ti[:-1]))
    jterm = np.abs(np.diff(Ti))[pair]
    jpos = t[1:-1][pair]
    sterm = np.abs(20 * np.log10(np.maximum(amp[1:], 1e-12) / np.maximum(amp[:-1], 1e-12)))[good]
    ppos, pT = pos[good], Ti[good]
    # per voiced frame: the terms within +-30 ms (cumulative sums and sorted times)
    centre = np.arange(n) * HOP
    w = 3 * HOP

    def window_mean(times: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = np.concatenate([[0.0], np.cumsum(vals)])
        i0 = np.searchsorted(times, centre - w)
        i1 = np.searchsorted(times, centre + w, side="right")
        cnt = i1 - i0
        return (c[i1] - c[i0]) / np.maximum(cnt, 1), cnt

    jm, jc = window_mean(jpos, jterm)
    tm, tc = window_mean(ppos, pT)
    sm, sc = window_mean(ppos, sterm)
    jit = np.where(voiced & (jc > 0) & (tc > 0), jm / np.where(tc > 0, tm, 1.0), np.nan)
    shim = np.where(voiced & (sc > 0), sm, np.nan)
    return jit, shim



def _spectral_part(y: np.ndarray) -> dict[str, Any]:
    """Everything read from the one STFT (25 ms Hamming frames every 10 ms, power, float32)."""
    from .shorttime import stft
    from .spectral import melspectrogram, mfcc, power_to_db

    eps = 1e-10
    X = stft(y, n_fft=N_FFT, hop_length=HOP, win_length=WIN, window="hamming")
    S = X.real * X.real
    S += X.imag * X.imag
    del X
    freqs = np.arange(S.shape[0]) * SR / N_FFT
    power = S.sum(axis=0, dtype=np.float64)
    # loudness: an auditory-spectrum estimate, sum over 26 mel bands of band power ** 0.3 (Zwicker-like)
    mel = melspectrogram(S=S, sr=SR, n_mels=26, fmin=20.0, fmax=8000.0)
    loud = np.sum(mel ** np.float32(0.3), axis=0)
    # spectral balance
    def rows(lo_hz: float, hi_hz: float) -> slice:  # the bins of a band are contiguous: a view, not a copy
        idx = np.flatnonzero(_band(freqs, lo_hz, hi_hz))
        return slice(int(idx[0]), int(idx[-1]) + 1)

    alpha = 10 * np.log10((S[rows(50, 1000)].sum(0) + eps) / (S[rows(1000, 5000)].sum(0) + eps))
    hammarberg = 10 * np.log10((S[rows(0, 2000)].max(0) + eps) / (S[rows(2000, 5000)].max(0) + eps))
    nlow = int(np.flatnonzero(freqs < 1500)[-1]) + 1
    db = 10 * np.log10(S[:nlow] + np.float32(eps))

    def slope(lo_hz: float, hi_hz: float) -> np.ndarray:
        m = _band(freqs[:nlow], lo_hz, hi_hz)
        fx = freqs[:nlow][m] - freqs[:nlow][m].mean()
        return (fx @ (db[m] - db[m].mean(0))) / (fx @ fx)  # dB per Hz

    mag = np.sqrt(S)
    mag /= mag.sum(0, keepdims=True) + np.float32(eps)
    d = mag[:, 1:] - mag[:, :-1]
    flux = np.concatenate([[0.0], np.einsum("ij,ij->j", d, d)])
    del mag, d
    silent = power <= eps  # digital silence: no spectral shape to describe
    spectral = [np.where(silent, np.nan, v) for v in (alpha, hammarberg, slope(0, 500), slope(500, 1500))]
    return dict(S=S, power=power, loud=loud, flux=flux, mfcc=mfcc(S=power_to_db(mel), n_mfcc=5), spectral=spectral)


def _formant_part(y8: np.ndarray, voiced: np.ndarray, extra: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """F1-F3 and F1's bandwidth per frame (NaN where unvoiced or not found): order-10 LPC (2 + 8 kHz / 1 kHz) of
    pre-emphasised 25 ms Hamming frames of the 8 kHz signal, voiced frames. ``extra`` (a callable) runs as one
    more task beside the eigenvalue blocks on the thread pool."""
    n = voiced.size
    F = np.full((n, 3), np.nan)
    BW1 = np.full(n, np.nan)
    vidx = np.flatnonzero(voiced)
    a = None
    if vidx.size:
        pre = y8.copy()
        pre[1:] -= np.float32(0.97) * y8[:-1]
        win, hop = LPC_SR // 40, LPC_SR // 100
        frames = _frames_centered(pre, win, hop, n)[vidx] * _hamming(win)
        keep = np.einsum("ij,ij->i", frames, frames) > 1e-10
        vidx = vidx[keep]
        if vidx.size:
            a = _lpc_levinson(frames[keep], LPC_ORDER)
    if a is None:
        if extra is not None:
            extra()
        return F, BW1
    fr, bw = _formants(a, extra=extra)
    F[vidx], BW1[vidx] = fr, bw[:, 0]
    return F, BW1


def _box_mean(x: np.ndarray, half: int) -> np.ndarray:
    """The mean of ``x`` (float64) over ``[i - half, i + half]`` at every ``i`` (fewer samples at the edges)."""
    n, w = x.size, 2 * half + 1
    c = np.empty(n + 1)
    c[0] = 0.0
    np.cumsum(x, out=c[1:])
    if n <= w:  # every window is cut by an edge
        i = np.arange(n)
        lo, hi = np.maximum(i - half, 0), np.minimum(i + half + 1, n)
        return (c[hi] - c[lo]) / (hi - lo)
    out = np.empty(n)
    np.subtract(c[w:], c[:-w], out=out[half:n - half])
    out[half:n - half] /= w
    k = np.arange(half)
    out[:half] = c[half + 1: w] / (half + 1 + k)  # windows [0, i + half]
    out[n - half:] = (c[n] - c[n - w + 1: n - half]) / (w - 1 - k)  # windows [i - half, n)
    return out


def _dc_blocked(y: np.ndarray) -> np.ndarray:
    """``y`` without its DC offset and drift: minus its running mean (a 50 ms box applied twice, zero phase, so
    no period mark moves; a constant is exactly 0). Gain 0.6 at 10 Hz, 0.95-1 from 20 Hz and within 1% from
    55 Hz (below the lowest f0, 65 Hz). A recording's offset would otherwise count as power in every frame
    (silence within 50 dB of the loudest frame, then 'voiced') and pull the low formants. The box spans 3-20
    pitch periods, so it hardly ripples with a pulse train (a 25 ms box moved each pulse's baseline by its own
    area: shimmer of the pulse-train ground truth read 9% high)."""
    half = SR // 40
    return (y - _box_mean(_box_mean(y.astype(np.float64), half), half)).astype(np.float32)


def _one(y: np.ndarray) -> np.ndarray:
    from ._parallel import parallel_for
    from .resampling import resample

    y = np.asarray(y, dtype=np.float32)
    # DC offset and drift out before a short clip is padded (padding first made a constant clip a step,
    # loud and even 'voiced')
    length, y = y.size, _dc_blocked(y)
    dc = y
    if y.size < PITCH_FRAME:  # very short clips: analysed as one frame's worth, zero-padded
        y = np.pad(y, (0, PITCH_FRAME - y.size))
    eps = 1e-10
    n = 1 + y.size // HOP  # frames of the centred STFT
    # phase 1, two independent branches on audiofeat's thread pool: the spectra, and pitch + HNR (one
    # autocorrelation per frame at 8 kHz: f0 <= 1 kHz needs no more)
    res: dict[str, Any] = {}

    def phase1(i: int) -> None:
        if i == 0:
            res.update(_spectral_part(y))
        else:
            y8 = resample(y, orig_sr=SR, target_sr=PITCH_SR)
            res["y8"] = y8
            res["f0"], res["hnr"] = _pitch_hnr(y8, n)

    parallel_for(phase1, 2)
    S, power, loud, f0 = res["S"], res["power"], res["loud"], res["f0"]
    # voicing: cross-correlation HNR above 2 dB, not within 50 dB of the loudest frame
    level = 10 * np.log10(power + eps)
    voiced = (res["hnr"] > 2.0) & (level > level.max() - 50.0) & (power > eps)
    semitone = np.where(voiced, 12.0 * np.log2(np.where(voiced, f0, 27.5) / 27.5), np.nan)
    hnr = np.where(voiced, res["hnr"], np.nan)

    # phase 2: formants (LPC roots, in blocks on the pool) with the period marks as one more task
    def marks() -> None:
        # the period marks: the recording less its baseline and then its median (a pulse train's zero between
        # its pulses; the running mean alone sits at each pulse's own area above it)
        raw = np.pad(dc - np.median(dc), (0, y.size - length))
        res["jitter"], res["shimmer"] = _jitter_shimmer(raw, f0, voiced)

    F, BW1 = _formant_part(res["y8"], voiced, extra=marks)
    # H1-H2: harmonic levels (dB) at the bins of f0 and 2 f0
    h12 = np.full(n, np.nan)
    vi = np.flatnonzero(voiced & np.isfinite(f0))
    if vi.size:
        b1 = np.clip(np.round(f0[vi] * N_FFT / SR).astype(int), 0, S.shape[0] - 1)
        b2 = np.clip(np.round(2 * f0[vi] * N_FFT / SR).astype(int), 0, S.shape[0] - 1)
        h12[vi] = 10 * np.log10(S[b1, vi] + eps) - 10 * np.log10(S[b2, vi] + eps)

    out = _stats(semitone, True) + _slopes(semitone)
    out += _stats(loud, True) + _slopes(loud)
    out += _stats(hnr) + _stats(res["jitter"]) + _stats(res["shimmer"])
    out += _stats(F[:, 0]) + _stats(BW1) + _stats(F[:, 1]) + _stats(F[:, 2]) + _stats(h12)
    for v in res["spectral"]:
        out += _stats(v)
    out += _stats(res["flux"])
    for k in range(1, 5):
        out += _stats(res["mfcc"][k])
    # rhythm of loudness and voicing
    seconds = y.size / SR
    peaks = np.flatnonzero((loud[1:-1] > loud[:-2]) & (loud[1:-1] >= loud[2:]) & (loud[1:-1] > 0.1 * loud.max()))
    v_runs, u_runs = _runs(voiced)
    out += [peaks.size / seconds, v_runs.size / seconds,
            float(v_runs.mean()) if v_runs.size else 0.0, float(v_runs.std()) if v_runs.size else 0.0,
            float(u_runs.mean()) if u_runs.size else 0.0, float(u_runs.std()) if u_runs.size else 0.0,
            float(10 * np.log10(np.mean(np.square(y, dtype=np.float64)) + eps))]
    return np.nan_to_num(np.asarray(out, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)


@capabilities(librosa=None, autograd=False, compile=False,
              note="Computed on numpy (YIN's trough picking, period marks and LPC root finding); torch input is "
                   "converted at the boundary and the result returned on its device.")
def extract_features(y: Any, sr: float, feature_set: str = "default") -> Any:
    """A named, fixed-length vector of voice and spectral parameters per recording (eGeMAPS-style).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Audio; leading axes are batch/channels (each row is one recording).
    sr : float
        Sample rate (the analysis resamples to 16 kHz).
    feature_set : str
        ``'default'`` (57 values; :func:`feature_names` lists them, docs/featureset.md defines them).

    Returns
    -------
    np.ndarray or torch.Tensor, shape (..., n_features), float64 (numpy) / the input's float dtype (torch)
        In the order of :func:`feature_names`. Finite for every input: silence, noise, clipping, clips
        shorter than one analysis frame.

    Raises
    ------
    ParameterError
        Unknown feature set, ``sr <= 0``, empty or non-finite audio.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> sr = 16000
    >>> y = 0.3 * np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
    >>> v = dict(zip(audiofeat.feature_names(), audiofeat.extract_features(y, sr)))
    >>> round(float(v["F0semitone_p50"]), 1)  # 220 Hz is 36 semitones above 27.5 Hz
    36.0
    """
    fs = _get_set(feature_set)
    sr = check_positive("sr", sr)
    x = B.as_float_signal(y)
    if x.shape[-1] == 0:
        raise ParameterError("y is empty: there is nothing to describe")
    from .resampling import resample

    data = B.to_numpy(x)  # float32 or float64 (as_float_signal); analysed in float32 either way
    if sr != SR:
        data = resample(data, orig_sr=sr, target_sr=SR)
    flat = data.reshape(-1, data.shape[-1])
    out = np.stack([_one(row) for row in flat]).reshape(*data.shape[:-1], len(fs.names))
    if B.is_torch(x):
        return B.from_numpy(out, x)
    return out
