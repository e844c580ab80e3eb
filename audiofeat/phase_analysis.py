"""Phase analysis: unwrapping, instantaneous frequency (reassignment), group delay and Griffin-Lim.

The phase of an STFT is where each partial sits within its cycle. Read across frames, its advance measures
a partial's exact frequency (the *instantaneous frequency*); read across frequency, its slope measures when
the energy in a bin arrives within the frame (the *group delay*). Both are computed here without unwrapping
anything, from two extra STFTs with modified windows (Auger and Flandrin's reassignment operators):

* ``omega_hat = omega - Im(X_dh / X_h)``: instantaneous frequency, with ``dh`` the window's derivative;
* ``t_hat = t + Re(X_th / X_h)``: reassigned time, with ``th`` the window times the time from its centre.

``Re(X_th / X_h) / sr`` is the local group delay ``-d(phase)/d(omega)`` of the frame's spectrum, so
:func:`group_delay` and the time correction of :func:`reassigned_spectrogram` are the same quantity.
:func:`unwrap` is ``numpy.unwrap`` on both backends, for when an explicit phase curve is wanted.

:func:`griffinlim` recovers a signal from a magnitude spectrogram (librosa's fast Griffin-Lim with momentum).
It runs the iSTFT -> STFT round trip in one frames-major loop: no validation, window or window-sum-square
rebuilt per iteration, and the phase update done on interleaved floats.

The phase vocoder and the effects built on it live in :mod:`audiofeat.phase`.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable

import numpy as np

from . import _backend as B
from ._checks import check_audio, check_int, check_number, check_positive, check_spectrogram, warn_user
from ._registry import capabilities
from .errors import ParameterError
from .shorttime import _analysis_window, _ola_constant, _resolve_lengths, get_window, stft

__all__ = ["unwrap", "reassigned_spectrogram", "group_delay", "griffinlim"]

_TWO_PI = 2.0 * math.pi


# --------------------------------------------------------------------------------------------------
# unwrap
# --------------------------------------------------------------------------------------------------
@capabilities(note="numpy.unwrap on both backends (same result as numpy for numpy input).")
def unwrap(p: Any, *, discont: float | None = None, axis: int = -1, period: float = _TWO_PI) -> Any:
    """Unwrap a phase: add multiples of ``period`` so consecutive values differ by less than ``period / 2``.

    Parameters
    ----------
    p : array (numpy or torch)
        Phase values (radians by default).
    discont : float, optional
        Jumps smaller than this are left alone; default ``period / 2`` (values below that act as it).
    axis : int
        Axis along which to unwrap (default the last).
    period : float > 0
        Size of the range the input wraps over (``2 pi`` for radians).

    Returns
    -------
    array, same shape, backend and float dtype as ``p``.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> phase = np.angle(np.exp(1j * np.linspace(0, 20, 50)))
    >>> bool(np.allclose(audiofeat.unwrap(phase), np.linspace(0, 20, 50)))
    True
    """
    p = B.as_float(p, "p")
    axis = _axis(axis, p.ndim)
    period = check_positive("period", period)
    discont = period / 2 if discont is None else check_number("discont", discont)
    xp = B.namespace(p)
    if p.shape[axis] < 2:
        return p
    q = xp.moveaxis(p, axis, -1) if axis != p.ndim - 1 else p
    dd = q[..., 1:] - q[..., :-1]
    half = period / 2
    ddmod = (dd + half) % period - half  # numpy's mod (the sign of the divisor) on both backends
    ddmod = xp.where((ddmod == -half) & (dd > 0), xp.full_like(ddmod, half), ddmod)
    correct = xp.where(xp.abs(dd) < max(discont, half), xp.zeros_like(dd), ddmod - dd)
    out = xp.concat([q[..., :1], q[..., 1:] + B.cumsum(correct, axis=-1)], axis=-1)
    return xp.moveaxis(out, -1, axis) if axis != p.ndim - 1 else out


def _axis(axis: Any, ndim: int) -> int:
    from ._checks import check_axis

    return check_axis(axis, ndim)


# --------------------------------------------------------------------------------------------------
# reassignment: instantaneous frequency, reassigned times, group delay
# --------------------------------------------------------------------------------------------------
def _reassignment_windows(window: Any, win_length: int, n_fft: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The window (centred in ``n_fft``), its cyclic derivative and the window times the time offset from
    its centre, in float64, as librosa builds them."""
    if B.is_torch(window):
        window = B.to_numpy(window)
    w = np.asarray(B.to_numpy(get_window(window, win_length)), dtype=np.float64)
    lpad = (n_fft - w.shape[-1]) // 2
    w = np.pad(w, (lpad, n_fft - w.shape[-1] - lpad))
    dw = np.gradient(np.pad(w, 1, mode="wrap"), edge_order=1)[1:-1]
    half = n_fft // 2
    offsets = np.arange(-half, half + 1) if n_fft % 2 else np.arange(0.5 - half, half)
    return w, dw, w * offsets


def _frame_times(n_frames: int, sr: float, hop_length: int, n_fft: int, center: bool) -> np.ndarray:
    offset = 0 if center else n_fft // 2
    return (np.arange(n_frames) * hop_length + offset) / float(sr)


@capabilities(librosa="librosa.reassigned_spectrogram", compile=False)
def reassigned_spectrogram(
    y: Any,
    *,
    sr: float = 22050,
    S: Any = None,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    reassign_frequencies: bool = True,
    reassign_times: bool = True,
    ref_power: float | Callable = 1e-6,
    fill_nan: bool = False,
    clip: bool = True,
    dtype: Any = None,
    pad_mode: str = "constant",
) -> tuple[Any, Any, Any]:
    """Time-frequency reassigned spectrogram: instantaneous frequency and reassigned time of every bin
    (librosa-compatible).

    ``freqs = bin_freq - Im(X_dh / X_h) * sr / (2 pi)`` and ``times = frame_time + Re(X_th / X_h) / sr``,
    where ``X_h`` is the STFT with the window, ``X_dh`` with its (cyclic) derivative and ``X_th`` with the
    window times the offset from its centre (Flandrin, Auger and Chassande-Mottin 2002, eqs 5.20, 5.23).

    Parameters
    ----------
    y : array, shape (..., n)
        Audio (numpy or torch). Leading axes are batch/channels.
    sr : float
        Sample rate.
    S : complex array, shape (..., 1 + n_fft // 2, t), optional
        The STFT of ``y`` with these parameters, if already computed (``y`` is still needed).
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT parameters (see :func:`audiofeat.stft`); ``hop_length`` defaults to ``win_length // 4``.
        ``center=False`` is recommended (reassigned times do not depend on padding).
    reassign_frequencies, reassign_times : bool
        Which estimates to reassign; the other is returned as the bin frequencies / frame times
        (broadcast to the spectrogram's shape). At least one must be True.
    ref_power : float >= 0 or callable
        Bins with ``|S|**2 < ref_power`` (or ``< ref_power(|S|**2)`` for a callable such as ``np.max``) are
        NaN in ``freqs`` and ``times``.
    fill_nan : bool
        Replace NaN estimates by the bin frequency / frame time.
    clip : bool
        Clip frequencies to ``[0, sr / 2]`` and times to ``[0, len(y) / sr]``.
    dtype : complex dtype, optional
        STFT dtype; default from ``y`` (complex64 for float32).

    Returns
    -------
    freqs, times, mags : arrays, shape (..., 1 + n_fft // 2, t)
        Instantaneous frequencies (Hz), reassigned times (s) and STFT magnitudes; same backend and device as
        ``y``.

    Raises
    ------
    ParameterError
        Negative ``ref_power``, both reassignments off, bad STFT parameters or non-finite audio.

    Notes
    -----
    Deliberate difference: ``freqs`` and ``times`` have the real dtype of the STFT (float32 for float32
    audio); librosa returns them in float64 whatever the input.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> sr = 8000
    >>> y = np.sin(2 * np.pi * 1001.3 * np.arange(sr) / sr)
    >>> freqs, times, mags = audiofeat.reassigned_spectrogram(y, sr=sr, n_fft=256, center=False)
    >>> k = int(np.argmax(mags[:, 10]))
    >>> round(float(freqs[k, 10]), 1)
    1001.3
    """
    if not callable(ref_power):
        ref_power = check_number("ref_power", ref_power, minimum=0)
    if not reassign_frequencies and not reassign_times:
        raise ParameterError("reassign_frequencies or reassign_times must be True")
    sr = check_positive("sr", sr)
    y = check_audio(y)
    xp = B.namespace(y)
    n_fft, hop_length, win_length = _resolve_lengths(n_fft, hop_length, win_length)
    w, dw, tw = _reassignment_windows(window, win_length, n_fft)
    kw = dict(n_fft=n_fft, hop_length=hop_length, center=center, pad_mode=pad_mode)

    def spectrum(win: np.ndarray) -> Any:
        D = stft(y, window=B.from_numpy(win, y) if B.is_torch(y) else win, **kw)
        return D if dtype is None else _astype(D, dtype)

    if S is None:
        S = spectrum(w)
    else:
        S = check_spectrogram(S, finite=False)
        if dtype is not None:
            S = _astype(S, dtype)
    rdtype = B.real_dtype(xp, S.dtype) if xp.isdtype(S.dtype, "complex floating") else S.dtype
    mags = xp.abs(S)
    if callable(ref_power):
        ref_p = float(ref_power(B.to_numpy(mags) ** 2))
        ref_p = check_number("ref_power(S**2)", ref_p, minimum=0)
    else:
        ref_p = ref_power
    low = mags < ref_p**0.5
    n_frames = S.shape[-1]
    bins = B.from_numpy(np.fft.rfftfreq(n_fft, 1.0 / sr).astype(np.float64), mags)[:, None]
    frame_t = B.from_numpy(_frame_times(n_frames, sr, hop_length, n_fft, center), mags)
    nan = xp.full_like(mags, float("nan"))

    def finish(est: Any, fill: Any, upper: float) -> Any:
        if ref_p > 0:
            est = xp.where(low, nan, est)
        if fill_nan:
            est = xp.where(xp.isnan(est), xp.broadcast_to(fill, est.shape), est)
        if clip:
            est = xp.clip(est, 0.0, upper)
        return est

    with np.errstate(divide="ignore", invalid="ignore"):
        if reassign_frequencies:
            correction = -xp.imag(spectrum(dw) / S)
            freqs = finish(bins + correction * (0.5 * sr / math.pi), bins, sr / 2.0)
        else:
            freqs = xp.broadcast_to(bins, S.shape)
        if reassign_times:
            correction = xp.real(spectrum(tw) / S)
            times = finish(frame_t + correction / sr, frame_t, y.shape[-1] / sr)
        else:
            times = xp.broadcast_to(frame_t, S.shape)
    return freqs, times, mags


def _astype(x: Any, dtype: Any) -> Any:
    return B.namespace(x).astype(x, dtype) if B.is_torch(x) else x.astype(dtype, copy=False)


@capabilities(compile=False, note="The time correction of librosa.reassigned_spectrogram, finite everywhere.")
def group_delay(
    y: Any,
    *,
    sr: float = 22050,
    n_fft: int = 2048,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    ref_power: float = 1e-6,
) -> Any:
    """Local group delay of each STFT bin: ``-d(phase)/d(omega)`` in seconds, relative to the frame centre.

    Computed without unwrapping as ``Re(X_th / X_h) / sr`` (``X_th``: the STFT with the window times the
    offset from its centre), so it is the time correction of :func:`reassigned_spectrogram`: positive when
    the bin's energy arrives after the frame centre, negative before. An impulse at time ``t0`` gives
    ``t0 - frame_centre`` in every bin of the frames that contain it (the centre of an even-length frame
    lies half a sample before sample ``n_fft // 2`` of the frame).

    Parameters
    ----------
    y : array, shape (..., n)
        Audio (numpy or torch).
    sr : float
        Sample rate.
    n_fft, hop_length, win_length, window, center, pad_mode :
        STFT parameters (see :func:`audiofeat.stft`).
    ref_power : float >= 0
        Bins with ``|X|**2 <= ref_power`` (no phase to speak of) get 0.

    Returns
    -------
    array, shape (..., 1 + n_fft // 2, t)
        Seconds, in the real dtype of the STFT; finite everywhere.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.zeros(4096); y[1100] = 1.0
    >>> gd = audiofeat.group_delay(y, sr=1000, n_fft=512, hop_length=256, center=False)
    >>> round(float(gd[10, 3]), 6)  # frame 3 spans samples 768-1279, centred at 1023.5: 76.5 samples later
    0.0765
    """
    ref_power = check_number("ref_power", ref_power, minimum=0)
    sr = check_positive("sr", sr)
    y = check_audio(y)
    xp = B.namespace(y)
    n_fft, hop_length, win_length = _resolve_lengths(n_fft, hop_length, win_length)
    w, _, tw = _reassignment_windows(window, win_length, n_fft)
    kw = dict(n_fft=n_fft, hop_length=hop_length, center=center, pad_mode=pad_mode)
    conv = (lambda a: B.from_numpy(a, y)) if B.is_torch(y) else (lambda a: a)
    X = stft(y, window=conv(w), **kw)
    Xt = stft(y, window=conv(tw), **kw)
    power = B.abs2(X)
    keep = power > ref_power
    safe = xp.where(keep, X, xp.ones_like(X))
    # Re(Xt / X) = Re(Xt * conj(X)) / |X|^2
    gd = xp.real(Xt * xp.conj(safe)) / xp.where(keep, power, xp.ones_like(power))
    return xp.where(keep, gd, xp.zeros_like(gd)) / sr


# --------------------------------------------------------------------------------------------------
# Griffin-Lim
# --------------------------------------------------------------------------------------------------
def _initial_phase(shape: tuple[int, ...], init: Any, random_state: Any, like: Any) -> Any:
    """Unit phasors ``exp(2 pi i u)``, ``u`` uniform from ``random_state`` (as librosa draws them), or ones."""
    xp = B.namespace(like)
    cdtype = B.complex_dtype(xp, like.dtype)
    if init is None:
        return xp.ones(shape, dtype=cdtype, device=B.device(like))
    if init != "random":
        raise ParameterError(f"init={init!r} must be None or 'random'")
    gen = random_state
    if gen is None:
        gen = np.random.default_rng()
    elif isinstance(gen, (int, np.integer)) and not isinstance(gen, (bool, np.bool_)):
        gen = np.random.RandomState(seed=int(gen))  # librosa's choice for an int seed: same phases
    if isinstance(gen, (np.random.Generator, np.random.RandomState)):
        phase = np.moveaxis(np.exp(2j * np.pi * gen.random(size=(*shape[:-2], shape[-1], shape[-2]))), -1, -2)
        if not B.is_torch(like):
            return np.ascontiguousarray(phase, dtype=cdtype)
        import torch

        return torch.from_numpy(phase).to(device=like.device, dtype=cdtype)
    try:
        import torch
    except ImportError:  # pragma: no cover
        torch = None
    if torch is not None and isinstance(gen, torch.Generator):
        u = torch.rand(shape, generator=gen, dtype=torch.float64, device=gen.device)
        phase = torch.polar(torch.ones_like(u), _TWO_PI * u)
        return phase.to(device=like.device, dtype=cdtype) if B.is_torch(like) else \
            phase.cpu().numpy().astype(cdtype)
    raise ParameterError(f"random_state={random_state!r} must be None, an int seed, a numpy Generator or "
                         "RandomState, or a torch.Generator")


@capabilities(librosa="librosa.griffinlim", compile=False, autograd=True,
              note="Random initial phases come from random_state only (an int seed gives librosa's phases).")
def griffinlim(
    S: Any,
    *,
    n_iter: int = 32,
    hop_length: int | None = None,
    win_length: int | None = None,
    n_fft: int | None = None,
    window: Any = "hann",
    center: bool = True,
    dtype: Any = None,
    length: int | None = None,
    pad_mode: str = "constant",
    momentum: float = 0.99,
    init: str | None = "random",
    random_state: Any = None,
) -> Any:
    """Approximate a signal from its STFT magnitude: fast Griffin-Lim with momentum (librosa-compatible).

    Each iteration inverts the magnitude with the current phases, re-analyses the result, and keeps the new
    phases pushed along by ``momentum`` (Perraudin, Balazs and Sondergaard 2013). The loop runs
    frames-major: iSTFT and STFT share one window and one inverse window-sum-square, computed once.

    Parameters
    ----------
    S : array, shape (..., 1 + n_fft // 2, t)
        Non-negative magnitude spectrogram (numpy or torch). Leading axes are batch/channels.
    n_iter : int > 0
        Number of iterations.
    hop_length, win_length, n_fft, window, center, pad_mode :
        The STFT's parameters (see :func:`audiofeat.stft`); ``n_fft`` defaults to ``2 * (S.shape[-2] - 1)``.
    dtype : real dtype, optional
        Output dtype; default the real dtype of ``S``'s complex counterpart (float32 for float32 ``S``).
    length : int, optional
        Output length in samples (as :func:`audiofeat.istft`).
    momentum : float >= 0
        The fast Griffin-Lim momentum (0 gives plain Griffin-Lim); above 1 warns (may be unstable).
    init : 'random' or None
        Initial phases: uniform random, or all zero (``None``: deterministic).
    random_state : None, int, numpy Generator/RandomState or torch.Generator
        Where random phases come from. An int seeds ``np.random.RandomState`` as librosa does, so a seed
        gives librosa's phases; ``None`` draws fresh OS entropy (not reproducible).

    Returns
    -------
    y : array, shape (..., n)
        Same backend and device as ``S``.

    Raises
    ------
    ParameterError
        ``momentum < 0``, an unknown ``init``, an unusable ``random_state``, bad STFT parameters, or ``S``
        not a real (..., bins, frames) array.

    Notes
    -----
    On numpy each iteration's phase update is done in place on interleaved floats; on torch it is the same
    arithmetic with tensor ops (differentiable with respect to ``S``).

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    >>> S = np.abs(audiofeat.stft(y))
    >>> y_hat = audiofeat.griffinlim(S, n_iter=16, random_state=0)
    >>> y_hat.shape, y_hat.dtype
    ((22016,), dtype('float32'))
    """
    n_iter = check_int("n_iter", n_iter, minimum=0)
    momentum = check_number("momentum", momentum)
    if momentum < 0:
        raise ParameterError(f"momentum={momentum} must be >= 0")
    if momentum > 1:
        warn_user(f"Griffin-Lim with momentum={momentum} > 1 can be unstable. Proceed with caution!")
    S = check_spectrogram(S, complex_ok=False)  # NaN in S would give NaN audio (librosa raises too)
    xp = B.namespace(S)
    if n_fft is None:
        n_fft = 2 * (S.shape[-2] - 1)
    n_fft, hop_length, win_length = _resolve_lengths(n_fft, hop_length, win_length)
    if S.shape[-2] != 1 + n_fft // 2:
        raise ParameterError(f"S has {S.shape[-2]} bins, expected 1 + n_fft // 2 = {1 + n_fft // 2}")
    if length is not None:
        length = check_int("length", length, minimum=0)
    modes = ("constant", "edge", "reflect") if B.is_torch(S) else ("constant", "edge", "reflect", "symmetric",
                                                                   "wrap", "linear_ramp", "maximum", "mean",
                                                                   "median", "minimum", "empty")
    if pad_mode not in modes:
        raise ParameterError(f"pad_mode must be one of {modes}, got {pad_mode!r}")

    rdtype = S.dtype
    n_frames = S.shape[-1]
    # the iSTFT's frame count and output length (librosa's istft: frames past `length` are dropped)
    n_used = n_frames
    if length is not None:
        padded = length + 2 * (n_fft // 2) if center else length
        n_used = min(n_frames, max(1, math.ceil(padded / hop_length)))
    start = n_fft // 2 if center else 0
    out_len = length if length is not None else (
        n_fft + hop_length * (n_used - 1) - (2 * (n_fft // 2) if center else 0))
    like = S[..., :1, :1]
    win = _analysis_window(window, win_length, n_fft, xp.zeros((1,), dtype=rdtype, device=B.device(S)))
    wss = _ola_constant(B.to_numpy(win).astype(np.float64) ** 2, hop_length, n_used)
    tiny = np.finfo(np.float32 if rdtype == xp.float32 else np.float64).tiny
    inv = np.where(wss > tiny, 1.0 / np.where(wss > tiny, wss, 1.0), 1.0)[start : start + out_len]
    np_real = np.float32 if rdtype == xp.float32 else np.float64
    inv = B.from_numpy(np.pad(inv, (0, out_len - inv.shape[-1])).astype(np_real), like)

    mag = xp.moveaxis(S, -1, -2)  # frames-major (..., t, bins)
    mag = mag.contiguous() if B.is_torch(mag) else np.ascontiguousarray(mag)
    angles = _initial_phase(tuple(mag.shape), init, random_state, like) * mag

    def synthesise(A: Any) -> Any:
        """iSTFT of frames-major ``A`` (the first ``n_used`` frames) to ``out_len`` samples."""
        y = B.overlap_add(B.irfft(A[..., :n_used, :], n=n_fft) * win, hop_length)[..., start : start + out_len]
        if y.shape[-1] < out_len:
            y = B.pad(y, 0, out_len - y.shape[-1])
        return y * inv

    def analyse(y: Any) -> Any:
        """STFT of ``y``, frames-major."""
        if center:
            if y.shape[-1] == 0 or (pad_mode == "reflect" and y.shape[-1] <= n_fft // 2):
                raise ParameterError(f"the reconstruction has {y.shape[-1]} samples: too short to pad "
                                     f"{n_fft // 2} with pad_mode={pad_mode!r}")
            y = B.pad(y, n_fft // 2, n_fft // 2, mode=pad_mode)
        if y.shape[-1] < n_fft:
            raise ParameterError(f"the reconstruction has {y.shape[-1]} samples, fewer than n_fft={n_fft}")
        return B.rfft(B.frames(y, n_fft, hop_length) * win)

    coef = momentum / (1 + momentum)
    eps = np.finfo(np.float32 if rdtype == xp.float32 else np.float64).tiny
    padded_len = out_len + (2 * (n_fft // 2) if center else 0)
    if (not B.is_torch(S) and n_iter > 0 and out_len > 0 and (pad_mode == "constant" or not center)
            and padded_len >= n_fft and 1 + (padded_len - n_fft) // hop_length == n_frames):
        angles = _griffinlim_spans(mag, angles, n_iter, coef, eps, win, inv, n_fft, hop_length, n_used, center)
        return _astype(synthesise(angles), dtype) if dtype is not None else synthesise(angles)
    prev = None
    for _ in range(n_iter):
        rebuilt = analyse(synthesise(angles))
        if rebuilt.shape != mag.shape:
            raise ParameterError(f"S has {n_frames} frames but its reconstruction (length={length}) gives "
                                 f"{rebuilt.shape[-2]}: use a length consistent with S")
        angles = _update(rebuilt, prev, coef, mag, eps)
        prev = rebuilt
    y = synthesise(angles)
    if dtype is not None:
        y = _astype(y, dtype)
    return y


_SPAN_FRAMES = 64  # frames per task of _griffinlim_spans: a task's frames, spectra and samples stay in cache


def even_spans(n: int, target: int) -> list[tuple[int, int]]:
    """``[start, stop)`` spans of about ``target`` items covering ``range(n)``, of near-equal sizes and, where
    there are enough items (spans of at least ``target / 2``), a multiple of audiofeat's thread count in number
    (so no thread idles at the end)."""
    threads = B.get_num_threads()
    count = -(-max(1, n) // target)
    # a multiple of the thread count only while the spans stay at least half the target: smaller tasks cost
    # more in hand-offs and GIL contention than an idle thread (yin on 1 s at 16 kHz, two spans of 16 frames
    # on 2 threads, took twice the time of one span)
    rounded = -(-count // threads) * threads
    count = min(max(1, n), rounded if n >= rounded * target // 2 else count)
    base, extra = divmod(n, count)  # exactly `count` spans, the first `extra` one item longer
    bounds = [s * base + min(s, extra) for s in range(count + 1)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _griffinlim_spans(mag: np.ndarray, angles: np.ndarray, n_iter: int, coef: float, eps: float, win: np.ndarray,
                      inv: np.ndarray, n_fft: int, hop: int, n_used: int, center: bool) -> np.ndarray:
    """The iterations of :func:`griffinlim` on numpy (zero padding when centred), in spans of frames.

    Each iteration's iSTFT -> STFT -> momentum step is cut into tasks of :data:`_SPAN_FRAMES` analysis frames
    on audiofeat's thread pool. A task synthesises the frames that overlap its samples (its own plus
    ``ceil(n_fft / hop) - 1`` on each side, read from the previous iteration's phases), overlap-adds them,
    applies the inverse window sum-square and re-analyses its frames, so every intermediate stays in cache
    and nothing the size of the whole spectrogram is allocated per iteration (on a 10 s clip those
    allocations page-faulted ~1000 times per iteration). The arithmetic, and its order, is that of the
    whole-signal loop; the phases of the last iteration are returned, frames-major.
    """
    *lead, n_frames, n_bins = mag.shape
    mags = mag.reshape(-1, n_frames, n_bins)
    cur = np.array(angles, copy=True).reshape(-1, n_frames, n_bins)
    nxt = np.empty_like(cur)
    # the previous iteration's re-analysis, kept already multiplied by -coef (the product the momentum step
    # takes); zero before the first step, which then has no momentum (0 + rebuilt == rebuilt)
    held = np.zeros_like(cur)
    pad = n_fft // 2 if center else 0
    # inverse window sum-square over the padded signal's samples (which are the overlap-add's): 0 in the padding
    gain = np.zeros(inv.shape[-1] + 2 * pad, dtype=inv.dtype)
    gain[pad : pad + inv.shape[-1]] = inv
    n_chunks = -(-n_fft // hop)
    real = mag.dtype.type
    step = real().itemsize
    tasks = [(i, a, b) for i in range(mags.shape[0]) for a, b in even_spans(n_frames, _SPAN_FRAMES)]

    longest = max(b - a for _, a, b in tasks)
    spare: dict = {}  # per-thread work buffers of this call, reused by each of its tasks and iterations

    def buffers() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = threading.get_ident()
        if key not in spare:
            spare[key] = (np.empty((longest + 2 * n_chunks) * hop + n_fft, dtype=mag.dtype),
                          np.empty((longest, n_fft), dtype=mag.dtype),
                          np.empty((longest, n_bins), dtype=mag.dtype))
        return spare[key]

    def run(task: int) -> None:
        i, a, b = tasks[task]
        ola, windowed, scale = buffers()
        lo, hi = a * hop, (b - 1) * hop + n_fft  # the samples frames a..b-1 analyse
        j0, j1 = max(0, a - n_chunks + 1), min(n_used, b + n_chunks - 1)  # the frames that overlap them
        base = j0 * hop
        ola = ola[: max(hi - base, (j1 - j0 + n_chunks - 1) * hop)]
        ola[...] = 0
        if j1 > j0:
            frames = B.irfft(cur[i, j0:j1], n_fft, workers=1)
            frames *= win
            blocks = ola[: (j1 - j0 + n_chunks - 1) * hop].reshape(-1, hop)
            for r in range(n_chunks):
                w = min(hop, n_fft - r * hop)
                blocks[r : r + j1 - j0, :w] += frames[:, r * hop : r * hop + w]
        y = ola[lo - base : hi - base]
        y *= gain[lo:hi]
        framed = np.lib.stride_tricks.as_strided(y, (b - a, n_fft), (hop * step, step), writeable=False)
        windowed, scale = windowed[: b - a], scale[: b - a]
        np.multiply(framed, win, out=windowed)
        rebuilt = B.rfft(windowed, workers=1).view(real)
        # the momentum step and the new phases (as _update), into this iteration's output rows
        a_new, kept = nxt[i, a:b], held[i, a:b].view(real)
        flat = a_new.view(real)
        np.add(kept, rebuilt, out=flat)
        np.multiply(rebuilt, real(-coef), out=kept)
        np.abs(a_new, out=scale)
        scale += eps
        np.divide(mags[i, a:b], scale, out=scale)
        np.multiply(a_new, scale, out=a_new)

    for _ in range(n_iter):
        B.parallel_for(run, len(tasks))
        cur, nxt = nxt, cur
    return cur.reshape(mag.shape)


def _update(rebuilt: Any, prev: Any, coef: float, mag: Any, eps: float) -> Any:
    """``a = rebuilt - coef * prev; a * mag / (|a| + eps)``: the momentum step and the new phases.

    On numpy the momentum step runs on the interleaved (re, im) floats (numpy's complex arithmetic is ~20x
    slower here) and the rest in place; the arithmetic is the same on both backends.
    """
    if B.is_torch(rebuilt):
        a = rebuilt if prev is None else rebuilt - coef * prev
        return a * (mag / (a.abs() + eps))
    if prev is None:
        a = rebuilt.copy()
    else:
        a = np.empty_like(rebuilt)
        flat = a.view(mag.dtype)
        np.multiply(prev.view(mag.dtype), mag.dtype.type(-coef), out=flat)
        np.add(flat, rebuilt.view(mag.dtype), out=flat)
    scale = np.abs(a)
    scale += eps
    np.divide(mag, scale, out=scale)
    np.multiply(a, scale, out=a)
    return a
