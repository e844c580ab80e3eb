"""Phase: the phase vocoder and the effects built on it (time stretching, pitch shifting).

A magnitude spectrogram says which frequencies are present; the phase says where each one is within its
cycle, and the phase *advance* from one frame to the next measures a partial's exact frequency. A phase
vocoder keeps those advances while it changes the number of frames, so partials keep their frequencies while
the duration changes (:func:`time_stretch`); stretching and then resampling back to the original length
moves every frequency instead (:func:`pitch_shift`).

:func:`phase_vocoder` reproduces ``librosa.phase_vocoder`` (0.11) without its Python loop over frames. In
librosa the phase of output frame ``t`` is ``angle(D[:, 0])`` plus the sum of ``phi + wrap(dtheta - phi)``
over the earlier output frames, where ``phi`` is each bin's expected advance and ``dtheta`` the measured
one; modulo ``2*pi`` that is the cumulative sum of the (wrapped) measured advances alone, which is what is
computed here for all frames at once, on numpy and torch alike, as a running product of unit phasors (no
trigonometric call).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from . import _backend as B
from . import _kernels
from ._cache import cached
from ._checks import check_audio, check_int, check_number, check_positive, check_spectrogram
from ._registry import capabilities
from .errors import ParameterError
from .effects_impl import _resample
from .shorttime import (_analysis_window, _ends_ill_conditioned, _framed_signal, _ill_conditioned_ends,
                        _is_window_spec, _istft_blocks_to_signal, _istft_numpy, _resolve_lengths, _window_array,
                        _wss_inverse_cached, istft, stft)

__all__ = ["phase_vocoder", "time_stretch", "pitch_shift"]

#: keyword arguments of time_stretch that istft also takes (librosa passes all of them to both)
_ISTFT_KWARGS = ("hop_length", "win_length", "n_fft", "window", "center")


# --------------------------------------------------------------------------------------------------
# phase vocoder
# --------------------------------------------------------------------------------------------------
def _time_steps(n_frames: int, rate: float) -> tuple[np.ndarray, ...]:
    """librosa's output positions ``s = arange(0, n_frames, rate)`` as four vectors: the frame ``floor(s)``,
    the next frame ``floor(s) + 1`` clipped to the last one, the weight ``s mod 1`` of the next frame, and
    1.0 where the next frame exists, 0.0 where it lies past the end (librosa pads zero frames there).

    Not cached: augmentation draws a new rate for every clip, so a cache keyed by the rate never hits and
    would only grow (to its 256 MB bound, in a training run); computing them costs a few microseconds."""
    return tuple(B.frozen(a) for a in _positions(np.arange(0, n_frames, rate, dtype=np.float64), n_frames))


def _positions(steps: np.ndarray, n_frames: int) -> tuple[np.ndarray, ...]:
    """Output positions ``steps`` (any shape) as :func:`_time_steps`' four arrays. Float rounding can put
    the last of ``arange(0, n_frames, rate)`` exactly at ``n_frames`` (``20 * 0.8999999999999999 == 18.0``):
    librosa reads its two zero frames past the end there, so that frame's magnitude is 0 (``left`` the last
    frame with weight ``1 - alpha = 0``, and ``valid = 0``), where indexing frame ``n_frames`` overran."""
    left = steps.astype(np.int64)
    alpha = np.mod(steps, 1.0)
    valid = (left + 1 < n_frames).astype(np.float64)
    past = left >= n_frames
    if past.any():
        alpha = np.where(past, 1.0, alpha)
        left = np.minimum(left, n_frames - 1)
    return left, np.minimum(left + 1, n_frames - 1), alpha, valid


def _steps_like(n_frames: int, rate: float, like: Any) -> tuple[Any, ...]:
    """:func:`_time_steps` in ``like``'s backend and device (graph constants inside ``torch.compile``)."""
    if not B.is_torch(like):
        return _time_steps(n_frames, rate)
    import torch

    return tuple(B.built_const(_time_step, (n_frames, rate, i), like, dtype)
                 for i, dtype in enumerate((torch.int64, torch.int64, torch.float64, torch.float64)))


def _time_step(n_frames: int, rate: float, i: int) -> np.ndarray:
    return _time_steps(n_frames, rate)[i]


def _vocode(frames: Any, steps: tuple[Any, ...], n_out: int) -> Any:
    """The vocoder on torch frames-major spectra ``(..., n_frames, n_bins)`` -> ``(..., n_out, n_bins)``
    (differentiable, traceable). :func:`_vocode_numpy` is the same arithmetic in blocked passes."""
    mag_out, phasor = _vocode_torch(frames, steps, lambda x, idx: x[..., idx, :], lambda w: w[:, None])
    return mag_out * phasor


def _vocode_torch(frames: Any, steps: tuple[Any, ...], gather: Callable[[Any, Any], Any],
                  per_frame: Callable[[Any], Any]) -> tuple[Any, Any]:
    """The torch vocoder's magnitudes and unit phasors at the output positions ``steps`` (left, right, alpha,
    valid; output frames on their last axis), from frames-major spectra ``frames``: the arithmetic of
    :func:`_vocode_numpy` (the phase carried as a running product of advance phasors, no trigonometric
    call and no float64), in whole-tensor operations.

    ``gather(x, idx)`` picks the frames ``idx`` of ``x`` (frames on axis -2) and ``per_frame(w)`` shapes a
    per-output-frame vector to broadcast against the result: the plain vocoder shares one set of positions
    across the batch, the batched time stretch gives each example its own.
    """
    import torch

    left, right, alpha, valid = steps
    if not frames.is_complex():
        frames = torch.complex(frames, torch.zeros_like(frames))
    rdtype = frames.real.dtype
    mag = B.magnitude(frames)
    # u = D / |D|, +-1 (the sign of the real part, as numpy's angle of a signed zero) where D == 0; the
    # division never sees a zero, so gradients stay finite there
    zero = mag == 0
    u = frames / torch.where(zero, torch.ones_like(mag), mag)
    u = torch.where(zero, torch.complex(torch.copysign(torch.ones_like(mag), frames.real), torch.zeros_like(mag)), u)
    # magnitude: linear interpolation between the frames around each output position (as librosa)
    mag_out = gather(mag, left) * per_frame((1 - alpha).to(rdtype)) \
        + gather(mag, right) * per_frame((alpha * valid).to(rdtype))
    # phase: u[0] times the advances u[left + 1] * conj(u[left]) at the earlier output positions; librosa's
    # zero frame past the end has angle 0, i.e. the phasor 1
    v = per_frame(valid[..., :-1].to(rdtype))
    adv = (gather(u, right[..., :-1]) * v + (1 - v)) * gather(u, left[..., :-1]).conj()
    return mag_out, _running_product_torch(torch.cat([u[..., :1, :], adv], dim=-2))


#: output frames between two renormalisations of the vocoder's running phasor product: a product of n unit
#: complex64 numbers drifts from modulus 1 by up to ~n float32 roundings (1% after 200k frames, measured),
#: within ~1e-5 over this many
_RENORM_FRAMES = 256


def _running_product_torch(P: Any) -> Any:
    """``P.cumprod(-2)`` (frames on axis -2) in runs of :data:`_RENORM_FRAMES`, each run continuing from the
    previous one's last phasor brought back to modulus 1 (differentiable; static shapes for compile)."""
    import torch

    n = P.shape[-2]
    if n <= _RENORM_FRAMES:
        return P.cumprod(dim=-2)
    runs, carry = [], None
    for lo in range(0, n, _RENORM_FRAMES):
        run = P[..., lo : lo + _RENORM_FRAMES, :]
        if carry is not None:
            run = torch.cat([run[..., :1, :] * carry, run[..., 1:, :]], dim=-2)
        run = run.cumprod(dim=-2)
        last = run[..., -1:, :]
        carry = last / last.abs()
        runs.append(run)
    return torch.cat(runs, dim=-2)


#: spectrum cells per block of bins of the numpy vocoder (a 1 s clip at n_fft 2048 is one block)
_BLOCK_ITEMS = 1 << 16


@capabilities(librosa="librosa.phase_vocoder", compile=False)
def phase_vocoder(D: Any, *, rate: float, hop_length: int | None = None, n_fft: int | None = None) -> Any:
    """Phase vocoder: speed up an STFT by a factor of ``rate`` (librosa-compatible).

    Output frame ``t`` sits at input position ``s = t * rate``: its magnitude interpolates linearly between
    input frames ``floor(s)`` and ``floor(s) + 1``, and its phase accumulates the measured phase advances
    between the input frame pairs visited so far, so each partial keeps its frequency.

    Parameters
    ----------
    D : complex array, shape (..., 1 + n_fft // 2, n_frames)
        An STFT (numpy or torch); leading axes are batch/channels.
    rate : float > 0
        Speed-up factor: ``rate > 1`` gives fewer frames (faster), ``rate < 1`` more (slower).
    hop_length : int > 0, optional
        The STFT's hop; default ``n_fft // 4``. Accepted for compatibility: in this vocoder (analysis hop =
        synthesis hop) the expected phase advance cancels modulo ``2 pi``, so the result does not depend on it.
    n_fft : int > 0, optional
        The STFT's FFT size; default ``2 * (D.shape[-2] - 1)``. Also cancels, as ``hop_length``.

    Returns
    -------
    D_stretch : complex array, shape (..., 1 + n_fft // 2, ceil(n_frames / rate))
        Same backend, device and precision as ``D`` (complex64 for complex64 or real float32 input);
        differentiable for torch input. On numpy a view of a frames-major array (like :func:`stft`).

    Raises
    ------
    ParameterError
        ``rate`` not positive and finite, ``hop_length``/``n_fft`` not positive integers, ``D`` with fewer
        than 2 dimensions, no bins or no frames, or a non-numeric dtype.

    Notes
    -----
    Deliberate difference: librosa keeps an unbounded angle accumulator (float32 for complex64 input, whose
    rounding grows with the number of frames). audiofeat carries the phase as a unit phasor (the product of
    the advance phasors ``u[s+1] * conj(u[s])``, ``u = D / |D|``: no trigonometric call, in the input's
    precision), on numpy and torch alike. Results agree with librosa to about 1e-10 (relative,
    max-norm) on complex128 input; complex64 results are closer to the exact result than librosa's.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> from audiofeat.phase import phase_vocoder
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> D = audiofeat.stft(y, n_fft=512, hop_length=128)
    >>> D.shape, phase_vocoder(D, rate=2.0).shape, phase_vocoder(D, rate=0.5).shape
    ((257, 173), (257, 87), (257, 346))
    """
    D = check_spectrogram(D, "D", finite=False)
    rate = check_positive("rate", rate)
    if hop_length is not None:
        check_int("hop_length", hop_length)
    if n_fft is not None:
        check_int("n_fft", n_fft)
    frames = D.swapaxes(-1, -2)  # (..., n_frames, n_bins): contiguous for audiofeat's stft
    steps = _steps_like(frames.shape[-2], rate, D)
    n_out = math.ceil(frames.shape[-2] / rate)  # len(arange(0, n_frames, rate)), known while tracing
    if B.is_torch(D):
        return _vocode(frames, steps, n_out).swapaxes(-1, -2)
    return _vocode_numpy(frames, steps, n_out).swapaxes(-1, -2)


def _vocode_numpy(frames: np.ndarray, steps: tuple[np.ndarray, ...], n_out: int) -> np.ndarray:
    """:func:`_vocode`'s result without a single trigonometric call: the phase is carried as a unit phasor.

    ``exp(i * phase[t]) = u[0] * prod_{k < t} u[right_k] * conj(u[left_k])`` with ``u = D / |D|`` (``+-1``
    where ``D == 0``, as numpy's angle of a signed zero), which modulo ``2 pi`` is librosa's sum of wrapped
    phase advances. Three passes: per block of bins (on the thread pool; temporaries stay small and in cache)
    the interpolated magnitudes and the advance phasors; the running product over all bins at once (one
    vectorised complex multiply per output frame, in the input's precision); per block the product with the
    magnitudes.
    """
    left, right, alpha, valid = steps
    lead, n_bins = frames.shape[:-2], frames.shape[-1]
    double = frames.dtype in (np.complex128, np.float64)
    rdtype = np.float64 if double else np.float32
    out = np.empty(lead + (n_out, n_bins), dtype=np.complex128 if double else np.complex64)
    mag_out = np.empty(lead + (n_out, n_bins), dtype=rdtype)
    per_bin = max(1, frames.size // max(1, n_bins))
    width = n_bins if frames.size <= _BLOCK_ITEMS else max(64, _BLOCK_ITEMS // per_bin)
    blocks = [slice(lo, min(n_bins, lo + width)) for lo in range(0, n_bins, width)]
    w_left, w_right = (1 - alpha).astype(rdtype)[:, None], (alpha * valid).astype(rdtype)[:, None]
    k = n_out - 1

    # output position k pairs input frames left[k] and left[k] + 1, so its advance phasor is
    # adv[left[k]] = u[left + 1] * conj(u[left]), computed once per input frame. The next frame is missing
    # only for left[k] == n_frames - 1, where librosa pads a zero frame (angle 0): adv[-1] = conj(u[-1])
    lk = left[:k]

    def first(i: int) -> None:
        cols = blocks[i]
        fr = frames[..., cols]
        mag, u = _unit_phasors(fr, rdtype, out.dtype)
        m = mag_out[..., cols]
        np.multiply(mag[..., left, :], w_left, out=m)
        m += mag[..., right, :] * w_right
        o = out[..., cols]
        o[..., 0, :] = u[..., 0, :]
        if k:
            adv = np.conjugate(u)
            adv[..., :-1, :] *= u[..., 1:, :]  # adv[j] = u[j + 1] * conj(u[j]); adv[-1] = conj(u[-1])
            np.take(adv, lk, axis=-2, out=o[..., 1:, :], mode="clip")

    def last(i: int) -> None:
        cols = blocks[i]
        o = out[..., cols]
        o *= mag_out[..., cols]

    B.parallel_for(first, len(blocks))
    _running_product(out)
    B.parallel_for(last, len(blocks))
    return out


def _unit_phasors(fr: np.ndarray, rdtype: Any, cdtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(|fr|, fr / |fr|)`` of spectra ``fr`` (complex, or real), the phasor ``+-1`` (the sign of the real part,
    as numpy's angle of a signed zero) where ``fr == 0``; magnitudes in ``rdtype``, phasors in ``cdtype``."""
    mag = np.abs(fr).astype(rdtype, copy=False)
    zero = mag == 0
    has_zero = bool(zero.any())
    inv = np.where(zero, rdtype(1), mag) if has_zero else np.empty_like(mag)
    np.reciprocal(inv if has_zero else mag, out=inv)
    if np.iscomplexobj(fr):
        u = np.multiply(fr, inv, dtype=cdtype)  # a complex times a real: 2 products
    else:
        u = np.empty(fr.shape, dtype=cdtype)
        np.multiply(fr, inv, out=u.real)
        u.imag = 0
    if has_zero:
        u.real[zero] = np.copysign(1, fr.real[zero] if np.iscomplexobj(fr) else fr[zero])
    tiny = ~zero & (mag < 1 / np.finfo(rdtype).max)  # subnormal: its reciprocal overflowed to inf
    if tiny.any():  # those phasors from float64 divisions of the parts, as the compiled vocoder's guard does
        part = fr[tiny]
        re = np.real(part).astype(np.float64)
        im = np.imag(part).astype(np.float64) if np.iscomplexobj(part) else np.zeros_like(re)
        m = np.hypot(re, im)
        u[tiny] = (re / m) + 1j * (im / m)
    return mag, u


def _running_product(out: np.ndarray) -> None:
    """``out[..., t, :] *= out[..., t - 1, :]`` for t = 1, 2, ... in place: the running product over output
    frames, one row of all bins (and items) at a time (row views made once: a 1 s clip has ~30 rows of ~1000
    bins, where indexing cost as much as the multiplies). Every :data:`_RENORM_FRAMES` rows the product is
    brought back to modulus 1 (its factors are unit phasors; rounding would otherwise drift it)."""
    rows = list(np.moveaxis(out, -2, 0))
    prev = rows[0]
    for t, row in enumerate(rows[1:], 1):
        np.multiply(row, prev, out=row)
        if t % _RENORM_FRAMES == 0:
            row /= np.abs(row)
        prev = row


#: the keyword arguments of time_stretch that the fused numpy path (:func:`_stft_vocode_numpy`) handles
_FUSED_KWARGS = ("n_fft", "hop_length", "win_length", "window", "center", "pad_mode")
#: fewest input frames for the fused numpy STFT + vocoder (twice this, else the plain path). Measured on 2
#: CPUs, 1 and 2 threads: the plain path is ~20% faster at 157 frames (5 s at 16 kHz), the fused one from ~220
_FUSED_MIN_FRAMES = 96


def _stft_vocode_numpy(y: np.ndarray, rate: float, *, n_fft: int = 2048, hop_length: int | None = None,
                       win_length: int | None = None, window: Any = "hann", center: bool = True,
                       pad_mode: str = "constant") -> np.ndarray | None:
    """``phase_vocoder(stft(y, ...), rate=rate)`` for numpy ``y`` without storing the STFT.

    The vocoder's first pass needs, for output frame ``t``, only input frames ``left[t-1]``, ``left[t-1]+1``
    (the advance phasor), ``left[t]`` and ``left[t]+1`` (the magnitudes): each block of output frames is
    computed from the spectra of one contiguous block of input frames, transformed right there (on the thread
    pool, in cache). The full complex STFT (10 s at 22050 Hz: 3.5 MB), written once and read once, and its
    fresh pages (page faults cost ~20% of time_stretch) are never needed. Same arithmetic as :func:`stft` +
    :func:`_vocode_numpy` (identical up to the FFT's float64 edge frames in :func:`stft`). ``None`` when the
    signal is short (then the plain path is as fast).
    """
    from ._parallel import block_frames
    n_fft, hop, win_length = _resolve_lengths(n_fft, hop_length, win_length)
    lead, n = y.shape[:-1], y.shape[-1]
    items = y.reshape((-1, n))
    framed = [_framed_signal(item, n_fft, hop, center, pad_mode) for item in items]
    segs0 = framed[0] if isinstance(framed[0], list) else [framed[0]]
    n_frames = sum(seg.shape[-2] for seg in segs0)
    if n_frames < 2 * _FUSED_MIN_FRAMES:
        return None
    win = _analysis_window(window, win_length, n_fft, items)
    steps = _time_steps(n_frames, rate)
    left, right, alpha, valid = steps
    n_out = math.ceil(n_frames / rate)
    n_bins = 1 + n_fft // 2
    double = y.dtype == np.float64
    rdtype = np.float64 if double else np.float32
    out = np.empty((items.shape[0], n_out, n_bins), dtype=np.complex128 if double else np.complex64)
    mag_out = np.empty((items.shape[0], n_out, n_bins), dtype=rdtype)
    w_left, w_right = (1 - alpha).astype(rdtype)[:, None], (alpha * valid).astype(rdtype)[:, None]
    per_block = max(8, int(block_frames(n_fft, y.itemsize) / 4 / max(rate, 1.0)))
    tasks = [(i, a, min(n_out, a + per_block)) for i in range(items.shape[0]) for a in range(0, n_out, per_block)]

    def frames_of(i: int, lo: int, hi: int) -> np.ndarray:
        """Input frames ``lo .. hi - 1`` of item ``i`` (a view unless they straddle two segments)."""
        segs = framed[i] if isinstance(framed[i], list) else [framed[i]]
        parts, offset = [], 0
        for seg in segs:
            m = seg.shape[-2]
            s, e = max(lo, offset), min(hi, offset + m)
            if s < e:
                parts.append(seg[s - offset : e - offset])
            offset += m
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)

    def run(task: int) -> None:
        i, a, b = tasks[task]
        lo = int(left[max(a - 1, 0)])
        hi = min(int(left[b - 1]) + 2, n_frames)  # frames lo .. hi - 1
        fr = B.rfft(frames_of(i, lo, hi) * win, workers=1)
        mag, u = _unit_phasors(fr, rdtype, out.dtype)
        m = mag_out[i, a:b]
        np.multiply(mag[left[a:b] - lo], w_left[a:b], out=m)
        m += mag[right[a:b] - lo] * w_right[a:b]
        o = out[i, a:b]
        t0 = a
        if a == 0:
            o[0] = u[0]
            t0 = 1
        if b > t0:
            lk = left[t0 - 1 : b - 1]
            nxt = lk + 1
            last = nxt >= n_frames  # librosa's zero frame past the end: angle 0
            adv = np.conjugate(u[lk - lo])
            if last.any():
                adv[~last] *= u[nxt[~last] - lo]
            else:
                adv *= u[nxt - lo]
            o[t0 - a :] = adv

    B.parallel_for(run, len(tasks))
    _running_product(out)

    def scale(task: int) -> None:
        i, a, b = tasks[task]
        o = out[i, a:b]
        o *= mag_out[i, a:b]

    B.parallel_for(scale, len(tasks))
    return out.reshape((*lead, n_out, n_bins)).swapaxes(-1, -2)


def _time_stretch_short_numpy(y: np.ndarray, rate: float, *, n_fft: int = 2048, hop_length: int | None = None,
                              win_length: int | None = None, window: Any = "hann", center: bool = True,
                              pad_mode: str = "constant") -> np.ndarray | None:
    """:func:`time_stretch` of a short numpy signal (fewer than ``2 * _FUSED_MIN_FRAMES`` frames, e.g. a
    1 s augmentation clip) with the same steps and helpers as :func:`stft`, :func:`_vocode_numpy` and
    :func:`istft`, minus their per-call dispatch: the frames are transformed in one call straight into the
    spectrum the vocoder reads (no preallocated copy), and the vocoder's output goes to istft's numpy core.
    With the compiled loops (:mod:`audiofeat._kernels`) and librosa's centring and zero padding, the whole
    stretch is :func:`_time_stretch_compiled`. ``None`` (use the general path) for a long signal, a window
    given by its values, or float32 input whose ends make :func:`stft` redo its edge frames in float64."""
    if not _is_window_spec(window):
        return None
    n_fft, hop, win_length = _resolve_lengths(n_fft, hop_length, win_length)
    compiled = _kernels.kernels()
    if compiled is not None and center and pad_mode == "constant" and n_fft % hop == 0:
        y_out = _time_stretch_compiled(compiled, y, rate, window=window, win_length=win_length, n_fft=n_fft,
                                       hop=hop)
        if y_out is not None:
            return y_out
    n = y.shape[-1]
    framed = _framed_signal(y, n_fft, hop, center, pad_mode)
    if isinstance(framed, list):
        return None
    n_frames = framed.shape[-2]
    if n_frames >= 2 * _FUSED_MIN_FRAMES or (
            y.dtype == np.float32 and _ends_ill_conditioned(window, win_length, n_fft, hop, center, n, n_frames)):
        return None
    spec = B.rfft(framed * _analysis_window(window, win_length, n_fft, y), workers=1)  # (..., frames, bins)
    n_out = math.ceil(n_frames / rate)
    steps = _time_steps(n_frames, rate)
    length = int(round(n / rate))
    padded = length + 2 * (n_fft // 2) if center else length
    keep = min(n_out, max(1, math.ceil(padded / hop)))  # the frames istft would keep
    D = _vocode_numpy(spec, steps, n_out).swapaxes(-1, -2)[..., :keep]
    win = _analysis_window(window, win_length, n_fft, D.real[..., :1, :1])
    y_out = _istft_numpy(D, win, window=window, win_length=win_length, n_fft=n_fft, hop=hop, center=center,
                         expected=length)
    return y_out.astype(y.dtype, copy=False)


@cached
def _stretch_plan(window: Any, win_length: int, n_fft: int, hop: int, dtype: str) -> tuple:
    """The window (centred in ``n_fft`` samples) and the reciprocal window sum-square rows of the inverse
    STFT (``shorttime._wss_inverse_rows``: head, interior, tail), in ``dtype``: what every compiled stretch
    with these parameters reads."""
    win = B.frozen(_window_array(window, win_length, n_fft).astype(dtype))
    return (win, *_wss_inverse_cached(window, win_length, n_fft, hop, dtype))


def _time_stretch_compiled(compiled: Any, y: np.ndarray, rate: float, *, window: Any, win_length: int,
                           n_fft: int, hop: int) -> np.ndarray | None:
    """The short-signal stretch (centred frames, zero padding, ``n_fft`` a multiple of ``hop``) with the
    compiled loops: framing and window, the vocoder at ``rate``'s steps and the normalised overlap-add
    (:mod:`audiofeat._numba_loops`) around scipy's two FFTs, then the end of the numpy inverse STFT (its
    float64 redo of an ill-conditioned end, the centring trim). Equal to the numpy path up to float rounding.
    ``None`` where that path must run: a signal shorter than ``n_fft`` (stft warns) or long, float32 whose
    ends make :func:`stft` redo its edge frames in float64, fewer kept frames than chunks per window."""
    n = y.shape[-1]
    pad = n_fft // 2
    if n < n_fft:
        return None
    n_frames = 1 + (n + 2 * pad - n_fft) // hop
    if n_frames >= 2 * _FUSED_MIN_FRAMES or (
            y.dtype == np.float32 and _ends_ill_conditioned(window, win_length, n_fft, hop, True, n, n_frames)):
        return None
    length = int(round(n / rate))
    keep = min(math.ceil(n_frames / rate), max(1, math.ceil((length + 2 * pad) / hop)))  # what istft keeps
    if keep < n_fft // hop:
        return None
    # keyed by the dtype's character: dtype.name is a Python-level property (~3 us a call)
    win, head, full, tail = _stretch_plan(window, win_length, n_fft, hop, y.dtype.char)
    lead = y.shape[:-1]
    items = np.ascontiguousarray(y).reshape(-1, n)
    count = items.shape[0]
    framed = np.empty((count, n_frames, n_fft), dtype=y.dtype)
    compiled.frame_window(items, win, hop, pad, framed)
    spec = B.rfft(framed, workers=1)  # (items, frames, bins)
    D = np.empty((count, keep, spec.shape[-1]), dtype=spec.dtype)
    for i in range(count):
        compiled.vocode_rate(spec[i], rate, D[i])
    frames = B.irfft(D, n=n_fft, workers=1)  # (items, keep, n_fft)
    k = n_fft // hop - 1
    blocks = np.empty((count, keep + k, hop), dtype=frames.dtype)
    for i in range(count):
        compiled.overlap_add(frames[i], win, head, full, tail, blocks[i])
    ends = (_ill_conditioned_ends(window, win_length, n_fft, hop, True, length, keep) if y.dtype == np.float32
            else (False, False))
    if any(ends) and keep <= 2 * k:  # few frames: the numpy inverse's redo of all of them
        y_out = _istft_blocks_to_signal(blocks, D.swapaxes(-1, -2), window=window, win_length=win_length,
                                        n_fft=n_fft, hop=hop, center=True, expected=length)
        return y_out.reshape(*lead, length)
    if any(ends):  # the float64 redo of an ill-conditioned end (shorttime._edge_blocks_float64)
        win64, head64, _, tail64 = _stretch_plan(window, win_length, n_fft, hop, "d")
        for at_head, sl, rows, out in ((True, slice(0, k), head64, blocks[:, :k]),
                                       (False, slice(keep - k, keep), tail64, blocks[:, keep:])):
            if ends[0 if at_head else 1]:
                frames64 = B.irfft(D[:, sl].astype(np.complex128), n=n_fft, workers=1)
                for i in range(count):
                    compiled.edge_blocks(frames64[i], win64, rows, at_head, out[i])
    y_out = blocks.reshape(count, -1)[:, pad : pad + length]
    if y_out.shape[-1] < length:
        y_out = B.pad(y_out, 0, length - y_out.shape[-1])
    return y_out.reshape(*lead, length)


# --------------------------------------------------------------------------------------------------
# time stretching and pitch shifting
# --------------------------------------------------------------------------------------------------
@capabilities(librosa="librosa.effects.time_stretch", compile=False)
def time_stretch(y: Any, *, rate: float, **kwargs: Any) -> Any:
    """Time-stretch a signal by a fixed rate, keeping its pitch (librosa-compatible).

    :func:`stft`, then :func:`phase_vocoder`, then :func:`istft` to exactly ``round(n / rate)`` samples.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio, time on the last axis; leading axes are batch/channels.
    rate : float > 0
        Stretch factor: ``rate > 1`` speeds the signal up (shorter), ``rate < 1`` slows it down (longer).
    **kwargs
        STFT parameters passed to :func:`stft` (``n_fft``, ``hop_length``, ``win_length``, ``window``,
        ``center``, ``pad_mode``); those :func:`istft` also takes are passed to it too.

    Returns
    -------
    y_stretch : same type as ``y``, shape (..., round(n / rate))
        Same dtype and device as ``y``; differentiable for torch input.

    Raises
    ------
    ParameterError
        ``rate`` not positive and finite; empty, non-finite, integer or complex audio; invalid STFT
        parameters.

    Notes
    -----
    Unlike librosa, ``pad_mode`` (and other keywords only :func:`stft` takes) may be given: they are not
    passed on to :func:`istft`, where librosa raises ``TypeError``. See :func:`phase_vocoder` for how the
    phase is accumulated.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 220 * np.arange(22050) / 22050).astype(np.float32)
    >>> fast = audiofeat.effects.time_stretch(y, rate=2.0)
    >>> slow = audiofeat.effects.time_stretch(y, rate=0.5)
    >>> fast.shape, slow.shape, fast.dtype
    ((11025,), (44100,), dtype('float32'))
    """
    rate = check_positive("rate", rate)
    y = check_audio(y)
    if y.shape[-1] == 0:
        raise ParameterError("y is empty: the time axis (last) has length 0")
    if math.prod(y.shape[:-1]) == 0:  # no signals (a batch of 0): the empty result, shaped as for any batch
        # one silent signal checks every keyword (a bad n_fft or an unknown keyword raises as for a real batch)
        probe = y.new_zeros(y.shape[-1]) if B.is_torch(y) else np.zeros(y.shape[-1], y.dtype)
        return _fix_length(y, time_stretch(probe, rate=rate, **kwargs).shape[-1])
    return _time_stretch(y, rate, kwargs)


#: most output samples a time stretch may be asked for (2**40: ~2 years at 16 kHz): beyond it no array exists
_MAX_STRETCH_SAMPLES = 1 << 40


def _check_stretch_rate(rate: float, n: int) -> float:
    """``rate`` (positive, finite) if a stretch of ``n`` samples by it has a representable output length,
    else ParameterError (a rate so small that ``n / rate`` overflows or exceeds any array)."""
    if not rate > 0 or not n / rate <= _MAX_STRETCH_SAMPLES:
        raise ParameterError(f"rate={rate!r} is too small: stretching {n} samples by it would give "
                             f"{n / rate if rate > 0 else float('inf'):.3g} samples")
    return rate


def _time_stretch(y: Any, rate: float, kwargs: dict) -> Any:
    """:func:`time_stretch` of audio already validated (``check_audio``: float, finite, at least one signal
    and one sample) at a positive finite ``rate``: what callers that validated their input themselves (pitch_shift,
    the augmentations) run, so a clip is checked once rather than at every layer. The rate is checked here
    against the length (:func:`_check_stretch_rate`), for every caller."""
    rate = _check_stretch_rate(rate, y.shape[-1])
    D_stretch = None
    if not B.is_torch(y) and set(kwargs) <= set(_FUSED_KWARGS):
        y_short = _time_stretch_short_numpy(y, rate, **kwargs)
        if y_short is not None:
            return y_short
        D_stretch = _stft_vocode_numpy(y, rate, **kwargs)
    if D_stretch is None:
        D = stft(y, **kwargs)
        D_stretch = phase_vocoder(D, rate=rate, hop_length=kwargs.get("hop_length"), n_fft=kwargs.get("n_fft"))
    length = int(round(y.shape[-1] / rate))
    return istft(D_stretch, dtype=y.dtype, length=length, **{k: kwargs[k] for k in _ISTFT_KWARGS if k in kwargs})


def _fix_length(y: Any, size: int) -> Any:
    """Trim or zero-pad the last axis to ``size`` samples."""
    n = y.shape[-1]
    return y[..., :size] if n >= size else B.pad(y, 0, size - n)


@capabilities(librosa="librosa.effects.pitch_shift", compile=False)
def pitch_shift(
    y: Any,
    *,
    sr: float,
    n_steps: float,
    bins_per_octave: int = 12,
    res_type: str = "soxr_hq",
    scale: bool = False,
    **kwargs: Any,
) -> Any:
    """Shift the pitch of a signal by ``n_steps`` steps, keeping its length (librosa-compatible).

    :func:`time_stretch` by ``rate = 2 ** (-n_steps / bins_per_octave)``, then :func:`resample` from
    ``sr / rate`` back to ``sr``, then trimmed or zero-padded to ``n`` samples.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio, time on the last axis; leading axes are batch/channels.
    sr : number > 0
        Sampling rate of ``y``.
    n_steps : float
        Steps to shift by (a semitone each with ``bins_per_octave=12``); negative shifts down.
    bins_per_octave : int > 0
        Steps per octave.
    res_type : str
        Resampler (see :func:`resample`): ``"soxr_hq"`` by default, as librosa. torch tensors use
        audiofeat's windowed-sinc resampler for any soxr name.
    scale : bool
        Scale the resampled signal so that ``y`` and the result have about equal total energy.
    **kwargs
        STFT parameters for :func:`time_stretch`.

    Returns
    -------
    y_shift : same type as ``y``, shape (..., n)
        Same dtype and device as ``y``; differentiable for torch input.

    Raises
    ------
    ParameterError
        ``sr`` not positive, ``n_steps`` not finite, ``bins_per_octave`` not a positive integer, an unknown
        ``res_type``, empty/non-finite/integer audio.

    Notes
    -----
    numpy output equals librosa's (same STFT, vocoder and soxr call) up to the vocoder's phasor phase
    accumulation. torch output uses audiofeat's windowed-sinc resampler at the simplest fraction ``p / q``
    of the ratio that moves no sample by more than 0.1 sample (so it runs as a strided convolution);
    with soxr's different filter, numpy and torch agree to about 1e-2 of the peak on tones (more on
    broadband signals near Nyquist, and in the first and last milliseconds), not to 1e-5.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 220 * np.arange(22050) / 22050).astype(np.float32)
    >>> up = audiofeat.effects.pitch_shift(y, sr=22050, n_steps=4)
    >>> up.shape, up.dtype
    ((22050,), dtype('float32'))
    """
    sr = check_positive("sr", sr, " (samples per second)")
    n_steps = check_number("n_steps", n_steps)
    bins_per_octave = check_int("bins_per_octave", bins_per_octave)
    y = check_audio(y)
    if y.shape[-1] and math.prod(y.shape[:-1]) == 0:  # no signals (a batch of 0): nothing to shift
        # one silent signal checks every keyword (res_type, n_fft, unknown ones) as for a real batch
        probe = y.new_zeros(y.shape[-1]) if B.is_torch(y) else np.zeros(y.shape[-1], y.dtype)
        pitch_shift(probe, sr=sr, n_steps=n_steps, bins_per_octave=bins_per_octave, res_type=res_type,
                    scale=scale, **kwargs)
        return y
    return _pitch_shift(y, sr, n_steps, bins_per_octave, res_type, scale, kwargs)


def _pitch_shift(y: Any, sr: float, n_steps: float, bins_per_octave: int, res_type: str, scale: bool,
                 kwargs: dict) -> Any:
    """:func:`pitch_shift` of audio already validated (see :func:`_time_stretch`) with valid parameters."""
    try:
        rate = 2.0 ** (-n_steps / bins_per_octave)
    except OverflowError:  # thousands of octaves down
        rate = math.inf
    if not 0 < rate < math.inf:
        raise ParameterError(f"n_steps={n_steps!r} is out of range: the stretch rate 2 ** (-n_steps / "
                             f"bins_per_octave) is {rate!r}")
    stretched = _time_stretch(y, rate, kwargs)  # finite where y is: resample need not check it again
    shifted = _resample(stretched, sr / rate, sr, res_type=res_type, scale=scale, finite=True)
    return _fix_length(shifted, y.shape[-1])


# --------------------------------------------------------------------------------------------------
# a batch with a rate per example (augmentation on the GPU)
# --------------------------------------------------------------------------------------------------
def _check_rates(rates: Any, batch: int, what: str) -> np.ndarray:
    """One positive finite rate per example (what each example's own call checks), as float64."""
    try:
        rates = np.asarray(rates, dtype=np.float64).reshape(batch)
    except (TypeError, ValueError):
        raise ParameterError(f"{what}: expected {batch} numbers, one per example, got {rates!r}") from None
    bad = ~(np.isfinite(rates) & (rates > 0))
    if bad.any():
        raise ParameterError(f"{what} must be positive and finite for every example, got "
                             f"{rates[bad][:3].tolist()}")
    return rates


def _stretch_rates_torch(y: Any, rates: Any, length: int | None, n_fft: int = 2048) -> Any:
    """``time_stretch(y[i], rate=rates[i])`` for every example ``i`` of a torch batch ``y`` (batch, ..., n) in
    one pass: one STFT, the vocoder with each example's own output positions, one inverse STFT with each
    example's own window-sum. Example ``i`` is zero past its own ``round(n / rates[i])`` samples; the result
    has ``length`` samples (None: the longest example's).

    The same arithmetic as :func:`time_stretch` (librosa's positions ``t * rate``, the running product of
    advance phasors, the overlap-add normalised by the window energy of the frames that exist), so each example
    equals its own call up to float32 rounding; on a GPU it replaces a loop of small kernels per example.
    """
    import torch

    from .shorttime import _analysis_window, _istft_torch

    hop = n_fft // 4
    n = y.shape[-1]
    batch = y.shape[0]
    rates = _check_rates(rates, batch, "rate")
    D = stft(y, n_fft=n_fft, hop_length=hop)  # (batch, ..., bins, frames)
    frames = D.reshape(batch, -1, *D.shape[-2:]).swapaxes(-1, -2)  # (batch, channels, frames, bins)
    n_frames = frames.shape[-2]
    n_out = np.array([len(np.arange(0, n_frames, r)) for r in rates])  # librosa's output frame counts
    lengths = np.rint(n / rates).astype(np.int64)  # round(n / rate), half to even as Python's round
    if length is None:
        length = int(lengths.max())
    start = n_fft // 2
    # frames that reach an output sample below `length` (a later frame starts past it)
    n_keep = int(min(n_out.max(), (length - 1 + start) // hop + 1))
    steps = np.arange(n_keep, dtype=np.float64)[None, :] * rates[:, None]  # (batch, n_keep), as np.arange
    left, right, alpha, valid = _positions(steps, n_frames)
    exists = (np.arange(n_keep)[None, :] < n_out[:, None])

    dev = y.device
    rdtype = frames.real.dtype
    as_t = lambda a, dt: torch.as_tensor(a, device=dev, dtype=dt)  # noqa: E731
    steps_t = (as_t(left, torch.long), as_t(right, torch.long), as_t(alpha, torch.float64),
               as_t(valid, torch.float64))
    rows = torch.arange(batch, device=dev)[:, None]

    def at(x: Any, idx: Any) -> Any:  # x (batch, ch, frames, bins) at per-example frames idx (batch, m)
        return x[rows, :, idx].transpose(1, 2)  # (batch, ch, m, bins)

    mag_out, phasor = _vocode_torch(frames, steps_t, at, lambda w: w[:, None, :, None])
    keep = as_t(exists, rdtype)[:, None, :]  # (batch, 1, n_keep): the output frames each example has
    spec = (mag_out * keep[..., None]) * phasor

    like = torch.zeros((1,), dtype=rdtype, device=dev)
    win = _analysis_window("hann", n_fft, n_fft, like)
    # normalised by the window energy of each example's own frames
    out = _istft_torch(spec, win, n_fft=n_fft, hop=hop, start=start, expected=length, weights=keep)
    inside = torch.arange(length, device=dev)[None, :] < as_t(lengths, torch.long)[:, None]
    out = out * inside.to(rdtype)[:, None, :]
    return out.reshape(*y.shape[:-1], length).to(y.dtype)


def _pitch_shift_rates_torch(y: Any, sr: float, n_steps: Any, bins_per_octave: int = 12) -> Any:
    """``pitch_shift(y[i], sr=sr, n_steps=n_steps[i])`` for every example of a torch batch in one pass:
    :func:`_stretch_rates_torch`, then each example resampled by its own ratio (one vectorised windowed
    sinc), trimmed to the input length."""
    from .resampling import _resample_direct_ratios

    batch, n = y.shape[0], y.shape[-1]
    steps = np.asarray(n_steps, dtype=np.float64).reshape(batch)
    if not np.isfinite(steps).all():
        raise ParameterError(f"n_steps must be finite numbers, got {steps[~np.isfinite(steps)][:3].tolist()}")
    rates = _check_rates(2.0 ** (-steps / bins_per_octave), batch, "2 ** (-n_steps / bins_per_octave)")
    stretched = _stretch_rates_torch(y, rates, None)
    flat = stretched.reshape(batch, -1, stretched.shape[-1])
    channels = flat.shape[1]
    rows = flat.reshape(batch * channels, -1)
    out = _resample_direct_ratios(rows, np.repeat(rates, channels), n).reshape(batch, channels, n)
    # each example's resampled length is ceil(round(n / rate) * rate); fix_length zero-pads it to n
    produced = np.ceil(np.rint(n / rates) * rates).astype(np.int64)
    import torch

    inside = torch.arange(n, device=y.device)[None, :] < torch.as_tensor(produced, device=y.device)[:, None]
    out = out * inside.to(out.dtype)[:, None, :]
    same = rates == 1.0  # no resampling at all (resample returns its input when the rates are equal)
    if same.any():
        kept = torch.as_tensor(same, device=y.device)[:, None, None]
        out = torch.where(kept, _fix_length(flat, n).to(out.dtype), out)
    return out.reshape(*y.shape[:-1], n).to(y.dtype)
