"""Periodicity at the beat level: tempo, beats and tempograms.

Music repeats at the beat: the onset strength envelope (:func:`audiofeat.onset.onset_strength`) is
periodic. Its local autocorrelation (:func:`tempogram`) or local Fourier transform
(:func:`fourier_tempogram`) shows that period frame by frame; :func:`tempo` picks the most likely period
under a log-normal prior around ``start_bpm``; :func:`beat_track` places beats with Ellis' (2007)
dynamic programme; :func:`plp` is the predominant local pulse (Grosche & Müller 2011).

The tempograms and the pulse are written once for numpy and torch. The beat tracker's dynamic programme is
a sequential decoder: it runs on numpy (vectorised over each block of frames shorter than half a beat) and
accepts torch by converting at the boundary. Ragged outputs (beat lists) for a batch are a list of arrays,
one per item (see ``docs/architecture.md``).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ._registry import capabilities
from . import _backend as B
from ._checks import check_finite, check_int, check_number, check_positive
from .errors import ParameterError

__all__ = [
    "tempo_frequencies",
    "fourier_tempo_frequencies",
    "tempogram",
    "fourier_tempogram",
    "tempo",
    "beat_track",
    "plp",
]


@capabilities(librosa="librosa.tempo_frequencies", torch=False, batch=False)
def tempo_frequencies(n_bins: int, *, hop_length: int = 512, sr: float = 22050) -> np.ndarray:
    """Tempo (BPM) of each lag bin of a :func:`tempogram` (bin 0, lag 0, is ``inf``).

    Parameters
    ----------
    n_bins : int
        Number of lag bins.
    hop_length : int
        Hop of the onset envelope.
    sr : float
        Sample rate.

    Returns
    -------
    bpms : np.ndarray, shape (n_bins,), float64

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.tempo_frequencies(4, hop_length=512, sr=22050)
    array([         inf, 2583.984375 , 1291.9921875,  861.328125 ])
    """
    n_bins = check_int("n_bins", n_bins, minimum=1)
    out = np.zeros(n_bins, dtype=np.float64)
    out[0] = np.inf
    out[1:] = 60.0 * sr / (hop_length * np.arange(1.0, n_bins))
    return out


@capabilities(librosa="librosa.fourier_tempo_frequencies", torch=False, batch=False)
def fourier_tempo_frequencies(*, sr: float = 22050, win_length: int = 384, hop_length: int = 512) -> np.ndarray:
    """Tempo (BPM) of each frequency bin of a :func:`fourier_tempogram`.

    Parameters
    ----------
    sr : float
        Sample rate.
    win_length : int
        Window of the Fourier tempogram (onset frames).
    hop_length : int
        Hop of the onset envelope.

    Returns
    -------
    bpms : np.ndarray, shape (1 + win_length // 2,)

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.fourier_tempo_frequencies(win_length=4)
    array([   0.        ,  645.99609375, 1291.9921875 ])
    """
    from .shorttime import fft_frequencies

    return fft_frequencies(sr=sr * 60 / float(hop_length), n_fft=check_int("win_length", win_length))


def _envelope(y: Any, sr: float, onset_envelope: Any, hop_length: int, aggregate: Any = None) -> Any:
    from .energy import onset_strength

    if onset_envelope is None:
        if y is None:
            raise ParameterError("Either y or onset_envelope must be provided")
        kw = {} if aggregate is None else {"aggregate": aggregate}
        return onset_strength(y=y, sr=sr, hop_length=hop_length, **kw)
    env = B.as_float(onset_envelope, "onset_envelope")
    if env.ndim == 0 or env.shape[-1] == 0:
        raise ParameterError("onset_envelope must have at least one frame (time on the last axis)")
    return check_finite(env, "onset_envelope", "values")


def _normalize_inf(x: Any, axis: int, norm: Any) -> Any:
    """librosa's ``util.normalize`` for ``norm`` in (None, inf, -inf, p > 0), ``fill=None``."""
    xp = B.namespace(x)
    if norm is None:
        return x
    mag = xp.abs(x)
    if norm == np.inf:
        length = xp.max(mag, axis=axis, keepdims=True)
    elif norm == -np.inf:
        length = xp.min(mag, axis=axis, keepdims=True)
    elif isinstance(norm, (int, float, np.number)) and not isinstance(norm, bool) and norm > 0:
        length = xp.sum(mag**norm, axis=axis, keepdims=True) ** (1.0 / norm)
    else:
        raise ParameterError(f"Unsupported norm: {norm!r}")
    tiny = float(np.finfo(B.to_numpy(x[..., :0]).dtype).tiny)
    length = xp.where(length < tiny, xp.ones_like(length), length)
    return x / length


@capabilities(librosa="librosa.feature.tempogram", compile=False)
def tempogram(
    *,
    y: Any = None,
    sr: float = 22050,
    onset_envelope: Any = None,
    hop_length: int = 512,
    win_length: int = 384,
    center: bool = True,
    window: Any = "hann",
    norm: float | None = np.inf,
) -> Any:
    """Autocorrelation tempogram: the local autocorrelation of the onset envelope (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio (used when ``onset_envelope`` is not given).
    sr : float
        Sample rate.
    onset_envelope : array, shape (..., t), optional
        Onset strength envelope.
    hop_length : int
        Hop of the envelope.
    win_length : int
        Autocorrelation window (onset frames); also the number of lag bins.
    center : bool
        Centre each window on its frame (the envelope is padded with linear ramps to zero).
    window : str, tuple or array
        Window applied before the autocorrelation.
    norm : {np.inf, -np.inf, positive number, None}
        Normalisation of each frame over lags.

    Returns
    -------
    tempogram : shape (..., win_length, t)

    Raises
    ------
    ParameterError
        ``win_length < 1``, neither ``y`` nor ``onset_envelope``, ``center=False`` with an envelope shorter than
        the window.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> env = np.zeros(500, dtype=np.float32); env[::20] = 1.0
    >>> tg = audiofeat.feature.tempogram(onset_envelope=env, sr=22050, win_length=64)
    >>> tg.shape, int(tg[1:, 250].argmax()) + 1
    ((64, 500), 20)
    """
    if not isinstance(win_length, (int, np.integer)) or isinstance(win_length, bool) or win_length < 1:
        raise ParameterError("win_length must be a positive integer")
    win_length = int(win_length)
    env = _envelope(y, sr, onset_envelope, hop_length)
    ac, _ = _frame_autocorr(env, win_length, center, window, inverse=True)
    return _normalize_inf(ac, -1, norm).swapaxes(-1, -2) if not B.is_torch(ac) else \
        _normalize_inf(ac, -1, norm).transpose(-1, -2)


def _frame_autocorr(env: Any, win_length: int, center: bool, window: Any, inverse: bool) -> tuple[Any, int]:
    """Autocorrelations ``(..., t, win_length)`` of the tempogram's windowed frames (``inverse=True``), or their
    power spectra ``|rfft(frame * window, n_pad)|^2``, ``(..., t, n_pad // 2 + 1)`` (lags ``0 .. win_length - 1``
    are uncorrupted by wrap-around since ``n_pad >= 2 * win_length - 1``).

    The frames go through the blocked frame pipeline (``B.map_frame_blocks``): window, FFT, power and inverse
    FFT per cache-sized block of frames, on the thread pool for numpy.
    """
    from scipy.fft import next_fast_len

    from .shorttime import get_window

    xp = B.namespace(env)
    n = env.shape[-1]
    if center:
        p = win_length // 2
        ramp = B.from_numpy(np.arange(p, dtype=np.float64) / p if p else np.zeros(0), env)
        env = xp.concat([env[..., :1] * ramp, env, env[..., -1:] * xp.flip(ramp, axis=-1)], axis=-1)
    elif n < win_length:
        raise ParameterError(f"onset_envelope is too short (t={n}) for win_length={win_length} with center=False")
    frames = B.frames(env, win_length, 1)
    if center:
        frames = frames[..., :n, :]
    win = B.const(np.asarray(get_window(window, win_length, fftbins=True), dtype=np.float64), env)
    n_pad = next_fast_len(2 * win_length - 1, real=True)

    def kernel(fr):
        power = B.abs2(B.rfft(fr * win, n=n_pad, workers=1))
        return B.irfft(power, n=n_pad, workers=1)[..., :win_length] if inverse else power

    tail = win_length if inverse else n_pad // 2 + 1
    return B.map_frame_blocks(kernel, frames, (tail,), frames.dtype), n_pad


def _mean_tempogram(env: Any, win_length: int) -> Any:
    """``mean(tempogram(onset_envelope=env, win_length=win_length), axis=-1, keepdims=True)`` without the
    tempogram: ``(..., win_length, 1)``.

    Each frame of the tempogram is its autocorrelation divided by its largest magnitude, which is the lag-0
    value (the frame's energy: ``|r(l)| <= r(0)`` by Cauchy-Schwarz). The inverse FFT is linear, so the mean
    of the normalised autocorrelations is the inverse FFT of the energy-weighted mean power spectrum: one
    inverse transform instead of one per frame, and no ``(win_length, t)`` array. The energies come from the
    power spectra by Parseval.
    """
    xp = B.namespace(env)
    spec, n_pad = _frame_autocorr(env, win_length, True, "hann", inverse=False)
    n = spec.shape[-2]
    # r(0) = (P_0 + 2 sum_{0 < k < n_pad/2} P_k + P_{n_pad/2}) / n_pad  (the last term only for even n_pad)
    c = np.full(spec.shape[-1], 2.0 / n_pad)
    c[0] = 1.0 / n_pad
    if n_pad % 2 == 0:
        c[-1] = 1.0 / n_pad
    # (products cut by small_matmul: one large matrix-vector product wakes BLAS's threads, 50x slower here)
    energy = B.small_matmul(B.from_numpy(c[None, :], spec), spec.swapaxes(-1, -2))[..., 0, :]
    tiny = float(np.finfo(np.float64 if spec.dtype == xp.float64 else np.float32).tiny)
    weight = 1.0 / xp.where(energy < tiny, xp.ones_like(energy), energy)
    if weight.ndim == 1:
        mean_spec = B.small_matmul(weight[None, :], spec)  # (1, n_bins)
    else:
        mean_spec = xp.sum(spec * weight[..., None], axis=-2, keepdims=True)
    ac = B.irfft(mean_spec, n=n_pad)[..., :win_length] / n
    return ac.swapaxes(-1, -2) if not B.is_torch(ac) else ac.transpose(-1, -2)


@capabilities(librosa="librosa.feature.fourier_tempogram", compile=False)
def fourier_tempogram(
    *,
    y: Any = None,
    sr: float = 22050,
    onset_envelope: Any = None,
    hop_length: int = 512,
    win_length: int = 384,
    center: bool = True,
    window: Any = "hann",
) -> Any:
    """Fourier tempogram: the short-time Fourier transform of the onset envelope (librosa-compatible).

    Parameters
    ----------
    y, sr, onset_envelope, hop_length, win_length, center, window :
        As in :func:`tempogram`.

    Returns
    -------
    tempogram : complex, shape (..., win_length // 2 + 1, t)
        Bin ``k`` is the tempo ``fourier_tempo_frequencies(...)[k]``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> env = np.zeros(500, dtype=np.float32); env[::20] = 1.0
    >>> ftg = audiofeat.feature.fourier_tempogram(onset_envelope=env, win_length=100)
    >>> ftg.shape, int(np.abs(ftg[1:, 250]).argmax()) + 1
    ((51, 501), 5)
    """
    from .shorttime import stft

    if not isinstance(win_length, (int, np.integer)) or isinstance(win_length, bool) or win_length < 1:
        raise ParameterError("win_length must be a positive integer")
    env = _envelope(y, sr, onset_envelope, hop_length)
    return stft(env, n_fft=int(win_length), hop_length=1, center=center, window=window)


@capabilities(librosa="librosa.feature.tempo", autograd=False, compile=False,
              note="The argmax over tempi is not differentiable; output is float64 (BPM), like librosa.")
def tempo(
    *,
    y: Any = None,
    sr: float = 22050,
    onset_envelope: Any = None,
    tg: Any = None,
    hop_length: int = 512,
    start_bpm: float = 120,
    std_bpm: float = 1.0,
    ac_size: float = 8.0,
    max_tempo: float | None = 320.0,
    aggregate: Callable | None = np.mean,
    prior: Any = None,
) -> Any:
    """Estimate the tempo (beats per minute) from the autocorrelation tempogram (librosa-compatible).

    The tempogram (averaged over time with ``aggregate``) is weighted by a log-normal prior centred on
    ``start_bpm`` (``std_bpm`` octaves wide); the best lag gives the tempo.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    onset_envelope : array, shape (..., t), optional
        Onset strength envelope.
    tg : array, shape (..., win_length, t), optional
        A pre-computed :func:`tempogram`.
    hop_length : int
        Hop of the envelope.
    start_bpm : float
        Centre of the prior.
    std_bpm : float
        Width of the prior in octaves.
    ac_size : float
        Autocorrelation window in seconds.
    max_tempo : float or None
        Highest tempo considered.
    aggregate : callable or None
        Reduction over time (``np.mean``; ``np.median`` etc. work on torch too); ``None`` gives one tempo per
        frame.
    prior : scipy.stats distribution, optional
        A prior over BPM (its ``logpdf``) instead of the log-normal.

    Returns
    -------
    tempo : float64, shape (..., 1) with ``aggregate``, else (..., t)

    Raises
    ------
    ParameterError
        ``start_bpm <= 0``, or neither audio nor envelope nor tempogram.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> sr = 22050; y = np.zeros(10 * sr, dtype=np.float32)
    >>> y[:: sr // 2] = 1.0                      # a click every 0.5 s: 120 BPM
    >>> audiofeat.feature.tempo(y=y, sr=sr, hop_length=256).round(1)   # the lag grid: 60 sr / hop / lag
    array([120.2])
    """
    from .energy import _REDUCERS, _aggregate

    start_bpm = check_positive("start_bpm", start_bpm)
    if tg is None:
        win_length = int(math.floor(float(ac_size) * sr / hop_length))
        if aggregate is not None and _REDUCERS.get(id(aggregate)) == "mean" and win_length >= 1:
            # the mean tempogram straight from the envelope's frames (one inverse FFT, see _mean_tempogram)
            tg = _mean_tempogram(_envelope(y, sr, onset_envelope, hop_length), win_length)
            aggregate = None
        else:
            tg = tempogram(y=y, sr=sr, onset_envelope=onset_envelope, hop_length=hop_length,
                           win_length=win_length)
    else:
        tg = B.as_float(tg, "tg")
        if tg.ndim < 2:
            raise ParameterError(f"tg must have shape (..., win_length, t), got {tuple(tg.shape)}")
        win_length = tg.shape[-2]
    xp = B.namespace(tg)
    if aggregate is not None:
        tg = _aggregate(tg, aggregate, -1)
    bpms = tempo_frequencies(win_length, hop_length=hop_length, sr=sr)
    if prior is None:
        with np.errstate(divide="ignore"):
            logprior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    else:
        logprior = np.asarray(prior.logpdf(bpms), dtype=np.float64)
    if max_tempo is not None:
        max_idx = int(np.argmax(bpms < max_tempo))
        logprior[:max_idx] = -np.inf
    lp = B.from_numpy(logprior[:, None], tg, dtype=xp.float64)
    best = xp.argmax(xp.log1p(1e6 * tg) + lp, axis=-2)
    return _take_bpm(bpms, best, tg)


def _take_bpm(bpms: np.ndarray, best: Any, like: Any) -> Any:
    if B.is_torch(best):
        import torch

        return torch.as_tensor(bpms, device=best.device)[best]
    return np.take(bpms, best)


# --------------------------------------------------------------------------------------------------
# beat tracking (Ellis 2007), librosa 0.11's decoder
# --------------------------------------------------------------------------------------------------
def _local_score(env: np.ndarray, fpb: np.ndarray) -> np.ndarray:
    """The envelope smoothed by a Gaussian of the beat period, in float64 (librosa's kernel runs in float64
    because the period is float64; float32 would flush the tails to 0, which changes trimming)."""
    n = env.shape[0]
    if fpb.shape[0] == 1:
        f = fpb[0]
        window = np.exp(-0.5 * (np.arange(-f, f + 1) * 32.0 / f) ** 2)
        if window.size > n:
            return _local_score_loop(env, fpb)
        # librosa's kernel (as _local_score_loop) never reads env[0]: its inner range stops one short, so the
        # convolution runs as if the first frame were 0 (onset_strength's first frame is 0 anyway; a user's
        # envelope need not be)
        e64 = env.astype(np.float64)  # a copy
        e64[0] = 0.0
        return np.convolve(e64, window, mode="same")[:n]
    return _local_score_loop(env, fpb)


def _local_score_loop(env: np.ndarray, fpb: np.ndarray) -> np.ndarray:
    n = env.shape[0]
    out = np.zeros(n, dtype=np.float64)
    for i in range(n):
        f = fpb[0] if fpb.shape[0] == 1 else fpb[i]
        window = np.exp(-0.5 * (np.arange(-f, f + 1) * 32.0 / f) ** 2)
        K = window.size
        k = np.arange(max(0, i + K // 2 - n + 1), min(i + K // 2, K))
        out[i] = np.sum(window[k] * env[i + K // 2 - k])
    return out


def _beat_dp(localscore: np.ndarray, fpb: np.ndarray, tightness: float) -> tuple[np.ndarray, np.ndarray]:
    """Ellis' dynamic programme: best predecessor of each frame and cumulative score.

    With one tempo the candidates of frames ``i .. i + dmin - 1`` only reach cumulative scores before ``i``
    (``dmin = round(period / 2)``), so a whole block of frames is decided at once.
    """
    n = localscore.shape[0]
    dt = localscore.dtype
    cumscore = np.zeros(n, dtype=dt)
    backlink = np.full(n, -1, dtype=np.int64)
    tight = float(np.float32(tightness))
    if fpb.shape[0] == 1 and round(float(fpb[0]) / 2) >= 1:
        f = float(fpb[0])
        dmin = int(np.round(f / 2))
        dmax = int(math.ceil(2 * f + 1)) - 1
        d = np.arange(dmin, dmax + 1)
        pen = tight * (np.log(d) - np.log(f)) ** 2
        rows = np.arange(dmin)
        ls64 = localscore.astype(np.float64, copy=False)
        steady = -(-dmax // dmin) * dmin  # from here on every candidate lies inside the signal
        for b in range(0, min(steady, n), dmin):
            idx = np.arange(b, min(b + dmin, n))
            loc = idx[:, None] - d[None, :]
            valid = loc >= 0
            scores = np.where(valid, cumscore[np.maximum(loc, 0)].astype(np.float64) - pen, -np.inf)
            j = np.argmax(scores, axis=1)
            rr = rows[:idx.size]
            has = valid[:, 0]
            best = scores[rr, j]
            cumscore[idx] = np.where(has, ls64[idx] + best, localscore[idx])
            backlink[idx] = np.where(has, loc[rr, j], -1)
        # from here on frame i's candidates cumscore[i - dmax .. i - dmin] are a sliding window of cumscore (a
        # view, so it sees the scores written by earlier blocks), read newest first (d ascending) so that argmax
        # keeps the shortest interval on ties as librosa's loop does; few numpy calls per block, as the
        # ~n / dmin blocks are this loop's whole cost
        start = min(steady, n)
        if start < n:  # an envelope shorter than the window (a few frames) is wholly done by the loop above
            window = np.lib.stride_tricks.sliding_window_view(cumscore, dmax - dmin + 1)[:, ::-1]
            buf = np.empty((dmin, d.size))
            jbest = np.zeros(n, dtype=np.intp)
            for b in range(start, n, dmin):
                m = min(dmin, n - b)
                scores = np.subtract(window[b - dmax: b - dmax + m], pen, out=buf[:m])
                j = scores.argmax(1)
                jbest[b:b + m] = j
                np.add(ls64[b:b + m], scores[rows[:m], j], out=cumscore[b:b + m])
            backlink[start:] = np.arange(start, n) - dmin - jbest[start:]
    else:
        for i in range(n):
            f = float(fpb[0] if fpb.shape[0] == 1 else fpb[i])
            start, stop = int(i - np.round(f / 2)), int(i - 2 * f - 1)
            loc = np.arange(start, max(stop, -1), -1)
            if loc.size == 0 or start < 0:
                cumscore[i] = localscore[i]
                continue
            scores = cumscore[loc].astype(np.float64) - tight * (np.log(i - loc) - np.log(f)) ** 2
            j = int(np.argmax(scores))
            cumscore[i] = localscore[i] + scores[j]
            backlink[i] = loc[j]
    thresh = 0.01 * localscore.max()
    above = np.flatnonzero(localscore >= thresh)
    first = above[0] if above.size else n
    backlink[:first] = -1
    return backlink, cumscore


def _localmax(x: np.ndarray) -> np.ndarray:
    out = np.zeros(x.shape, dtype=bool)
    if x.shape[0] > 2:
        out[1:-1] = (x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:])
    if x.shape[0] > 1:
        out[-1] = x[-1] > x[-2]
    return out


def _last_beat(cumscore: np.ndarray) -> int:
    lm = _localmax(cumscore)
    if not lm.any():
        return cumscore.shape[0] - 1
    threshold = cumscore.dtype.type(0.5 * np.median(cumscore[lm]))
    hits = np.flatnonzero(lm & (cumscore >= threshold))
    return int(hits[-1]) if hits.size else cumscore.shape[0] - 1


def _trim_beats(localscore: np.ndarray, beats: np.ndarray, trim: bool) -> np.ndarray:
    out = beats.copy()
    n = localscore.shape[0]
    w = np.hanning(5)
    smooth = np.convolve(localscore[beats], w)[len(w) // 2: n + len(w) // 2]
    threshold = 0.5 * float(np.mean(smooth**2)) ** 0.5 if trim else 0.0
    i = 0
    while i < n and localscore[i] <= threshold:
        out[i] = False
        i += 1
    i = n - 1
    while i >= 0 and localscore[i] <= threshold:
        out[i] = False
        i -= 1
    return out


def _track_one(env: np.ndarray, bpm: np.ndarray, frame_rate: float, tightness: float, trim: bool) -> np.ndarray:
    if not np.all(bpm > 0):  # NaN fails this too (it raised numpy's ValueError from np.arange below)
        raise ParameterError(f"bpm={bpm} must be strictly positive")
    check_finite(bpm, "bpm")
    if bpm.shape[-1] not in (1, env.shape[-1]):
        raise ParameterError(f"Invalid bpm shape={bpm.shape} does not match onset envelope shape={env.shape}")
    fpb = np.round(frame_rate * 60.0 / bpm.astype(np.float64))
    std = env.std(ddof=1) if env.shape[0] > 1 else 0.0
    norm_env = env / (std + np.finfo(env.dtype).tiny)
    localscore = _local_score(norm_env, fpb)
    backlink, cumscore = _beat_dp(localscore, fpb, tightness)
    beats = np.zeros(env.shape, dtype=bool)
    i = _last_beat(cumscore)
    while i >= 0:
        beats[i] = True
        i = int(backlink[i])
    return _trim_beats(localscore, beats, trim)


from .energy import _UNITS  # noqa: E402  (one list of units for onsets and beats)


@capabilities(librosa="librosa.beat.beat_track", autograd=False, compile=False,
              note="The dynamic-programming decoder runs on numpy; torch input is converted at the boundary and "
                   "results are returned on its device. A batch gives a list of beat arrays.")
def beat_track(
    *,
    y: Any = None,
    sr: float = 22050,
    onset_envelope: Any = None,
    hop_length: int = 512,
    start_bpm: float = 120.0,
    tightness: float = 100,
    trim: bool = True,
    bpm: Any = None,
    prior: Any = None,
    units: str = "frames",
    sparse: bool = True,
) -> tuple[Any, Any]:
    """Dynamic-programming beat tracker (Ellis 2007; librosa-compatible).

    Estimates the tempo (:func:`tempo`), then picks the beat sequence that maximises onset strength at the
    beats minus a penalty ``tightness * log(interval / period)^2`` on deviations from the period; weak
    leading and trailing beats are trimmed.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n), optional
        Audio.
    sr : float
        Sample rate.
    onset_envelope : array, shape (..., t), optional
        Onset strength envelope (default: :func:`onset_strength` with ``aggregate=np.median``).
    hop_length : int
        Hop of the envelope.
    start_bpm : float
        Centre of the tempo prior.
    tightness : float
        How strictly beats follow the tempo (> 0).
    trim : bool
        Trim weak leading and trailing beats.
    bpm : float or array, optional
        Tempo to use instead of estimating it (scalar, ``(1,)``, or one per frame ``(t,)``).
    prior : scipy.stats distribution, optional
        Tempo prior (see :func:`tempo`).
    units : {'frames', 'samples', 'time'}
        Units of the beat positions.
    sparse : bool
        Beat positions (True) or a boolean mask over frames (False).

    Returns
    -------
    tempo : float64 array, shape (..., 1)
    beats : int array (frames, samples) or float array (time); for a batch with ``sparse=True``, a list of
        arrays, one per item in row-major order (deliberate extension: librosa refuses a batch with
        ``sparse=True``); with ``sparse=False`` a bool mask of shape (..., t).

    Raises
    ------
    ParameterError
        Non-positive or non-finite ``bpm``, non-positive ``tightness``, an unknown unit, neither ``y`` nor
        ``onset_envelope``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> sr = 22050; y = np.zeros(10 * sr, dtype=np.float32)
    >>> y[:: sr // 2] = 1.0
    >>> bpm, beats = audiofeat.beat.beat_track(y=y, sr=sr, hop_length=256, units="time")
    >>> bpm.round(1), np.diff(beats).round(2)[:3]
    (array([120.2]), array([0.5, 0.5, 0.5]))
    """
    from .energy import _items, _ragged

    if units not in _UNITS:
        raise ParameterError(f"Invalid unit type: {units}")
    tightness = check_number("tightness", tightness)
    if tightness <= 0:
        raise ParameterError("tightness must be strictly positive")
    if onset_envelope is None and y is None:
        raise ParameterError("y or onset_envelope must be provided")
    like = _envelope(y, sr, onset_envelope, hop_length, aggregate=np.median)
    env = B.to_numpy(like)
    if bpm is None:
        tempo_est = B.to_numpy(tempo(onset_envelope=env, sr=sr, hop_length=hop_length, start_bpm=start_bpm,
                                     prior=prior))
    else:
        tempo_est = np.asarray(bpm, dtype=np.float64)
    bpm_arr = np.atleast_1d(tempo_est)
    frame_rate = float(sr) / hop_length
    results, mask = [], np.zeros(env.shape, dtype=bool)
    for item in _items(env):
        e = env[item]
        if not e.any():
            beats = np.zeros(e.shape, dtype=bool)
        else:
            b = bpm_arr[item] if bpm_arr.ndim == env.ndim else bpm_arr
            beats = _track_one(e, np.atleast_1d(b), frame_rate, tightness, trim)
        if not sparse:
            mask[item] = beats
            continue
        pos = np.flatnonzero(beats)
        if units == "samples":
            pos = pos * hop_length
        elif units == "time":
            pos = pos * hop_length / float(sr)
        results.append(pos)
    if not env.any() and env.ndim == 1:  # librosa: no onsets, no tempo (even with bpm=)
        tempo_est = np.float64(0.0) if sparse else np.zeros(env.shape[:-1])
    tempo_out = tempo_est
    if B.is_torch(like):
        import torch

        tempo_out = torch.as_tensor(np.asarray(tempo_est), device=like.device)
    if not sparse:
        return tempo_out, _ragged([mask], like, False)
    return tempo_out, _ragged(results, like, env.ndim > 1)


@capabilities(librosa="librosa.beat.plp", autograd=False, compile=False)
def plp(
    *,
    y: Any = None,
    sr: float = 22050,
    onset_envelope: Any = None,
    hop_length: int = 512,
    win_length: int = 384,
    tempo_min: float | None = 30,
    tempo_max: float | None = 300,
    prior: Any = None,
) -> Any:
    """Predominant local pulse (Grosche & Müller 2011; librosa-compatible).

    Keeps, in each frame of the :func:`fourier_tempogram`, only the strongest tempo within
    ``[tempo_min, tempo_max]`` and resynthesises by overlap-add: a pulse curve whose peaks are beat
    candidates that follow tempo changes.

    Parameters
    ----------
    y, sr, onset_envelope, hop_length :
        As in :func:`tempogram` (default envelope: :func:`onset_strength` with ``aggregate=np.median``).
    win_length : int
        Window of the Fourier tempogram (onset frames).
    tempo_min, tempo_max : float or None
        Tempo range (BPM).
    prior : scipy.stats distribution, optional
        Prior over tempo (its ``logpdf`` is added to the log magnitude).

    Returns
    -------
    pulse : shape (..., t), in [0, 1] per signal.

    Raises
    ------
    ParameterError
        ``tempo_max <= tempo_min``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> sr = 22050; y = np.zeros(10 * sr, dtype=np.float32)
    >>> y[:: sr // 2] = 1.0
    >>> pulse = audiofeat.beat.plp(y=y, sr=sr)
    >>> pulse.shape, float(pulse.max())
    ((431,), 1.0)
    """
    from .shorttime import istft

    if tempo_min is not None and tempo_max is not None and tempo_max <= tempo_min:
        raise ParameterError(f"tempo_max={tempo_max} must be larger than tempo_min={tempo_min}")
    env = _envelope(y, sr, onset_envelope, hop_length, aggregate=np.median)
    xp = B.namespace(env)
    ftgram = fourier_tempogram(onset_envelope=env, sr=sr, hop_length=hop_length, win_length=win_length)
    freqs = fourier_tempo_frequencies(sr=sr, hop_length=hop_length, win_length=win_length)
    keep = np.ones(freqs.shape, dtype=bool)
    if tempo_min is not None:
        keep &= ~(freqs < tempo_min)
    if tempo_max is not None:
        keep &= ~(freqs > tempo_max)
    ftgram = ftgram * B.from_numpy(keep[:, None].astype(np.float64), ftgram, dtype=_real(xp, ftgram))
    ftmag = xp.log1p(1e6 * xp.abs(ftgram))
    if prior is not None:
        ftmag = ftmag + B.from_numpy(np.asarray(prior.logpdf(freqs), dtype=np.float64)[:, None], ftmag)
    peak = xp.max(ftmag, axis=-2, keepdims=True)
    ftgram = xp.where(ftmag < peak, xp.zeros_like(ftgram), ftgram)
    # librosa divides by |max| of the complex values, where numpy orders complex numbers lexicographically
    # (real part first): reproduced here on both backends
    re, im = xp.real(ftgram), xp.imag(ftgram)
    rmax = xp.max(re, axis=-2, keepdims=True)
    imax = xp.max(xp.where(re == rmax, im, xp.full_like(im, -np.inf)), axis=-2, keepdims=True)
    tiny = float(np.finfo(np.float64 if re.dtype == xp.float64 else np.float32).tiny)
    ftgram = ftgram / (tiny**0.5 + xp.sqrt(rmax * rmax + imax * imax))
    pulse = istft(ftgram, hop_length=1, n_fft=win_length, length=env.shape[-1])
    pulse = xp.clip(pulse, min=0.0)
    return _normalize_inf(pulse, -1, np.inf)


def _real(xp, z):
    return xp.float64 if z.dtype == xp.complex128 else xp.float32
