"""Psychoacoustics and energy: loudness in LUFS per ITU-R BS.1770-4 (the measure of EBU R 128).

How loud a programme sounds is not its RMS: the ear is less sensitive to low frequencies and slightly more
to high ones, and a loudness meter should ignore pauses. BS.1770-4 models that with

1. **K-weighting**: two biquads per channel, a high-shelf "pre-filter" (+4 dB above ~1.7 kHz, the head's
   acoustic effect) and the "RLB" high-pass (~38 Hz);
2. **mean square per block** of the K-weighted signal, ``z_ij`` for channel ``i`` and block ``j``;
3. **channel weights** ``G_i`` (L, R, C: 1.0; Ls, Rs: 1.41; LFE: excluded) and the block loudness
   ``l_j = -0.691 + 10 log10(sum_i G_i z_ij)`` in LUFS (a 997 Hz full-scale sine reads -3.01 LUFS);
4. for the **integrated** loudness, 400 ms blocks with 75 % overlap, an absolute gate at -70 LUFS and a
   relative gate 10 LU below the loudness of the blocks that passed the first gate.

:func:`loudness` is the gated integrated value; :func:`loudness_momentary` (400 ms) and
:func:`loudness_short_term` (3 s) are the ungated curves a meter displays (EBU Tech 3341).

One implementation for numpy arrays and torch tensors. The K-weighting filter runs through
``scipy.signal.sosfilt`` on numpy and, on torch, through an exact block-parallel evaluation of each biquad
(a lower-triangular Toeplitz product per chunk of samples plus the propagation of the filter state from
chunk to chunk as a linear recurrence solved the same way, level by level): differentiable, on any device,
and compatible with ``torch.compile``. See ``docs/loudness.md``.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from . import _backend as B
from ._cache import cached
from ._checks import check_audio, check_axis, check_number, check_positive
from ._registry import capabilities
from .errors import ParameterError, SignalTooShortError


def _scipy_signal():
    """scipy.signal, imported when first needed (it costs ~0.5 s at start-up)."""
    import scipy.signal

    return scipy.signal

__all__ = ["loudness", "loudness_momentary", "loudness_short_term"]

#: BS.1770-4 Table 1 (pre-filter, high shelf) and Table 2 (RLB high-pass) at 48 kHz, as (b, a)
SHELF_48K = ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585))
HIGHPASS_48K = ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621))

# The analog prototypes whose bilinear transform (frequency pre-warped) gives Tables 1 and 2 at 48 kHz to
# within 1e-15 (the parameters libebur128 uses), so that every other rate gets the same filter.
_SHELF_F0 = 1681.974450955533  # Hz
_SHELF_GAIN_DB = 3.999843853973347
_SHELF_Q = 0.7071752369554196
_SHELF_VB_EXPONENT = 0.4996667741545416
_HIGHPASS_F0 = 38.13547087602444  # Hz
_HIGHPASS_Q = 0.5003270373238773

#: the lowest sample rate the K-weighting filter exists at: its shelf must lie below Nyquist
MIN_SR = 2.0 * _SHELF_F0

#: the constant of the loudness formula: a 997 Hz sine of amplitude A reads 20 log10(A) - 3.01 LUFS
OFFSET = -0.691

MOMENTARY_WINDOW = 0.4  # seconds (EBU Tech 3341)
SHORT_TERM_WINDOW = 3.0  # seconds

#: default channel weights by channel count; channel order is that of WAV/SMPTE: L, R, C, LFE, Ls, Rs
DEFAULT_WEIGHTS: dict[int, tuple[float, ...]] = {
    1: (1.0,),
    2: (1.0, 1.0),  # L, R
    3: (1.0, 1.0, 1.0),  # L, R, C
    5: (1.0, 1.0, 1.0, 1.41, 1.41),  # L, R, C, Ls, Rs (as pyloudnorm)
    6: (1.0, 1.0, 1.0, 0.0, 1.41, 1.41),  # 5.1: L, R, C, LFE (excluded), Ls, Rs
}


# --------------------------------------------------------------------------------------------------
# K-weighting coefficients
# --------------------------------------------------------------------------------------------------
def _k_weighting_ba(sr: float) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The two K-weighting biquads ``((b, a) shelf, (b, a) high-pass)`` at ``sr`` (float64, a0 = 1).

    At 48 kHz the tables of BS.1770-4 verbatim; elsewhere :func:`_bilinear_ba`, which reproduces the
    tables to 1e-15 at 48 kHz.
    """
    if sr == 48000:
        return ((np.array(SHELF_48K[0]), np.array(SHELF_48K[1])),
                (np.array(HIGHPASS_48K[0]), np.array(HIGHPASS_48K[1])))
    return _bilinear_ba(sr)


def _bilinear_ba(sr: float) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The K-weighting biquads at ``sr`` from their analog prototypes (bilinear transform, pre-warped)."""
    k = math.tan(math.pi * _SHELF_F0 / sr)
    vh = 10.0 ** (_SHELF_GAIN_DB / 20.0)
    vb = vh ** _SHELF_VB_EXPONENT
    a0 = 1.0 + k / _SHELF_Q + k * k
    shelf = (np.array([(vh + vb * k / _SHELF_Q + k * k) / a0, 2.0 * (k * k - vh) / a0,
                       (vh - vb * k / _SHELF_Q + k * k) / a0]),
             np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / _SHELF_Q + k * k) / a0]))
    k = math.tan(math.pi * _HIGHPASS_F0 / sr)
    a0 = 1.0 + k / _HIGHPASS_Q + k * k
    highpass = (np.array([1.0, -2.0, 1.0]),
                np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / _HIGHPASS_Q + k * k) / a0]))
    return shelf, highpass


@cached
def _k_weighting_sos(sr: float) -> np.ndarray:
    """Second-order sections ``(2, 6)`` of the K-weighting filter at ``sr``."""
    return B.frozen(np.array([np.concatenate(ba) for ba in _k_weighting_ba(sr)]))


# --------------------------------------------------------------------------------------------------
# an exact, parallel K-weighting filter for torch
# --------------------------------------------------------------------------------------------------
# The K-weighting filter runs as one state-space system s[n+1] = A s[n] + B x[n], y[n] = C s[n] + D x[n] of
# order 4: the series connection of the two biquads, each in its balanced realization (controllability and
# observability Gramians equal and diagonal), where the state has the magnitude of the signal and
# ||A^k|| <= 1. (In the direct forms, whose states are past outputs, float32 rounding would be amplified
# ~60x by the RLB high-pass's double pole near z = 1.) Cut the signal into chunks of
# _CHUNK samples: inside a chunk, the output is a Toeplitz product with the impulse response plus
# C A^i s_in, and the state leaving the chunk is A^L s_in plus the chunk times A^(L-1-j) B. The states
# entering the chunks obey the linear recurrence S_k = M S_{k-1} + f_k (M = A^L), solved by the same cut
# into chunks of _LEVEL_CHUNK, level after level, each level _LEVEL_CHUNK times shorter. Every step is a
# matrix product: exact up to rounding, differentiable, traceable, on any device.
_CHUNK = 128
_LEVEL_CHUNK = 32


def _balanced(b: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The balanced state-space realization ``(A, B, C, D)`` of the biquad ``b / a`` (float64)."""
    import scipy.linalg

    a_mat, b_mat, c_mat, d_mat = _scipy_signal().tf2ss(b, a)
    lc = np.linalg.cholesky(scipy.linalg.solve_discrete_lyapunov(a_mat, b_mat @ b_mat.T))
    lo = np.linalg.cholesky(scipy.linalg.solve_discrete_lyapunov(a_mat.T, c_mat.T @ c_mat))
    u, hsv, vt = np.linalg.svd(lo.T @ lc)
    t = lc @ vt.T / np.sqrt(hsv)
    t_inv = (u / np.sqrt(hsv)).T @ lo.T
    return t_inv @ a_mat @ t, (t_inv @ b_mat)[:, 0], (c_mat @ t)[0], float(d_mat[0, 0])


def _k_weighting_ss(sr: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(A, B, C, D)`` of the K-weighting filter: shelf then high-pass, each balanced (float64, order 4)."""
    a1, b1, c1, d1 = _balanced(*_k_weighting_ba(sr)[0])
    a2, b2, c2, d2 = _balanced(*_k_weighting_ba(sr)[1])
    a = np.block([[a1, np.zeros((2, 2))], [np.outer(b2, c1), a2]])
    return a, np.concatenate([b1, b2 * d1]), np.concatenate([d2 * c1, c2]), d2 * d1


def _block_recurrence(m: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``P`` (d size, d size) and ``Q`` (d, d size) for a ``d x d`` matrix ``M``: for a row ``f`` of ``size``
    d-vectors, ``f @ P`` is ``s_i = M s_(i-1) + f_i`` from ``s_(-1) = 0``, and ``s_in @ Q`` adds
    ``M^(i+1) s_in`` to each ``s_i``."""
    d = len(m)
    powers = [np.eye(d)]
    for _ in range(size):
        powers.append(powers[-1] @ m)
    p = np.zeros((d * size, d * size))
    q = np.zeros((d, d * size))
    for i in range(size):
        q[:, d * i: d * i + d] = powers[i + 1].T
        for j in range(i + 1):
            p[d * j: d * j + d, d * i: d * i + d] = powers[i - j].T
    return p, q


@cached
def _scan_plan(sr: float, levels: int) -> tuple[np.ndarray, ...]:
    """Constants of the parallel K-weighting filter at ``sr``, in float64:
    ``(TW, G, P_1, Q_1, ..., P_levels, Q_levels)``.

    ``TW`` (chunk, chunk + 4): the zero-state Toeplitz matrix (transposed, for ``x @ TW``) beside the map
    from a chunk to the state it leaves; ``G`` (4, chunk): the response to the state entering the chunk;
    per level, ``P`` and ``Q`` of :func:`_block_recurrence` for that level's ``M``.
    """
    a, b, c, d = _k_weighting_ss(sr)
    n, order = _CHUNK, len(a)
    powers = [np.eye(order)]
    for _ in range(n):
        powers.append(powers[-1] @ a)
    h = np.array([d] + [c @ powers[k] @ b for k in range(n - 1)])  # impulse response
    tw = np.zeros((n, n + order))
    for j in range(n):
        tw[j, j:n] = h[: n - j]  # y[i] += h[i - j] x[j]
        tw[j, n:] = powers[n - 1 - j] @ b  # s_out += A^(n-1-j) B x[j]
    g = np.stack([c @ powers[i] for i in range(n)], axis=1)  # y[i] += C A^i s_in
    out = [tw, g]
    m = powers[n]
    for _ in range(levels):
        p, q = _block_recurrence(m, _LEVEL_CHUNK)
        out += [p, q]
        m = np.linalg.matrix_power(m, _LEVEL_CHUNK)
    return tuple(B.frozen(v) for v in out)


def _scan_const(sr: float, levels: int, index: int) -> np.ndarray:
    return _scan_plan(sr, levels)[index]


def _levels(n: int) -> int:
    """How many levels of the state recurrence a signal of ``n`` samples needs."""
    count, chunks = 0, -(-n // _CHUNK)
    while chunks > 1:
        chunks = -(-chunks // _LEVEL_CHUNK)
        count += 1
    return count


def _pad_rows(x: Any, rows: int, front: bool = False) -> Any:
    """``x`` (torch, ``(..., r, c)``) with ``rows`` zero rows added at the end (or the front)."""
    import torch.nn.functional as F

    return F.pad(x, (0, 0, rows, 0) if front else (0, 0, 0, rows)) if rows else x


def _previous(rows: Any) -> Any:
    """Row ``k`` moves to row ``k + 1`` (zeros in the first): what each chunk receives from the one before."""
    return _pad_rows(rows[..., :-1, :], 1, front=True)


def _recurrence(f: Any, sr: float, levels: int, level: int) -> Any:
    """``S`` with ``S_k = M S_{k-1} + f_k`` (``S_{-1} = 0``) along axis -2 of ``f`` ``(..., C, order)``."""
    c, order = f.shape[-2:]
    if c == 1:
        return f
    size = _LEVEL_CHUNK
    c2 = -(-c // size)
    p = B.built_const(_scan_const, (sr, levels, 2 + 2 * level), f)
    s = _pad_rows(f, c2 * size - c).reshape(*f.shape[:-2], c2, order * size) @ p  # zero state within chunks
    if c2 > 1:
        q = B.built_const(_scan_const, (sr, levels, 3 + 2 * level), f)
        carried = _recurrence(s[..., order * (size - 1):], sr, levels, level + 1)  # state at each chunk's end
        s = s + _previous(carried) @ q
    return s.reshape(*f.shape[:-2], c2 * size, order)[..., :c, :]


def _k_weight_torch(x: Any, sr: float) -> Any:
    """The K-weighting filter along the last axis of a tensor, in its dtype, exactly (up to rounding)."""
    n = x.shape[-1]
    size = _CHUNK
    chunks = -(-n // size)
    levels = _levels(n)
    tw = B.built_const(_scan_const, (sr, levels, 0), x)
    zs = B.pad(x, 0, chunks * size - n).reshape(*x.shape[:-1], chunks, size) @ tw
    y = zs[..., :size]
    if chunks > 1:  # add the response to the state entering each chunk
        g = B.built_const(_scan_const, (sr, levels, 1), x)
        y = y + _previous(_recurrence(zs[..., size:], sr, levels, 0)) @ g
    return y.reshape(*x.shape[:-1], chunks * size)[..., :n]


def _k_weight(y: Any, sr: float) -> Any:
    """The K-weighted signal: float64 through scipy on numpy, the tensor's dtype on torch."""
    if B.is_torch(y):
        return _k_weight_torch(y, sr)
    # (a writeable copy of the 12 coefficients: scipy's sosfilt refuses read-only ones)
    return _scipy_signal().sosfilt(np.array(_k_weighting_sos(sr)), np.asarray(y, dtype=np.float64), axis=-1)


# --------------------------------------------------------------------------------------------------
# blocks, channels, gates
# --------------------------------------------------------------------------------------------------
def _samples(seconds: float, sr: float) -> int:
    return max(1, int(math.floor(seconds * sr + 0.5)))


def _mean_square_blocks(p: Any, block: int, hop: int) -> Any:
    """Mean of ``p`` over blocks of ``block`` samples every ``hop``: ``(..., n)`` -> ``(..., n_blocks)``.

    Sums first over runs of ``gcd(block, hop)`` samples, so overlapping blocks share their partial sums.
    """
    n_blocks = 1 + (p.shape[-1] - block) // hop
    g = math.gcd(block, hop)
    frame, step = block, hop
    if g > 1:
        used = (block + (n_blocks - 1) * hop) // g
        p = p[..., : used * g].reshape(*p.shape[:-1], used, g).sum(-1)
        frame, step = block // g, hop // g
    return B.frames(p, frame, step).sum(-1) / block


def _weights(y: Any, channel_axis: int | None, weights: Sequence[float] | None) -> tuple[Any, tuple | None]:
    """``y`` with its channels (if any) on axis -2, and the channel weights (None: no channel axis)."""
    if channel_axis is None:
        if weights is not None:
            raise ParameterError("weights are per channel: give channel_axis too (e.g. channel_axis=-2)")
        return y, None
    if y.ndim == 1:  # one mono signal, e.g. load(path, mono=False) of a mono file
        y = y[None]
    else:
        axis = check_axis(channel_axis, y.ndim)
        if axis == y.ndim - 1:
            raise ParameterError(f"channel_axis={channel_axis} is the time axis (the last); channels must be "
                                 "on another axis, e.g. channel_axis=-2 for (..., channels, samples)")
        if axis != y.ndim - 2:
            y = y.movedim(axis, -2) if B.is_torch(y) else np.moveaxis(y, axis, -2)
    n_channels = y.shape[-2]
    if weights is None:
        if n_channels not in DEFAULT_WEIGHTS:
            raise ParameterError(
                f"no default channel weights for {n_channels} channels (defaults exist for 1, 2, 3, 5 and 6 "
                "channels in the order L, R, C, [LFE,] Ls, Rs); pass weights=[...] with one weight per channel")
        return y, DEFAULT_WEIGHTS[n_channels]
    try:
        w = [check_number("weights", v, minimum=0.0) for v in weights]
    except TypeError:
        raise ParameterError(f"weights={weights!r} must be a sequence of non-negative numbers") from None
    if len(w) != n_channels:
        raise ParameterError(f"weights has {len(w)} values for {n_channels} channels (axis {channel_axis})")
    return y, tuple(w)


@cached
def _weight_column(weights: tuple[float, ...]) -> np.ndarray:
    return B.frozen(np.array(weights, dtype=np.float64)[:, None])


def _block_power(y: Any, sr: Any, window: float, hop: float, channel_axis: int | None,
                 weights: Sequence[float] | None, what: str) -> tuple[Any, Any]:
    """Validated input -> channel-weighted mean square of the K-weighted signal per block ``(..., n_blocks)``,
    and the float dtype of the result."""
    y = check_audio(y, "y")
    sr = check_positive("sr", sr, " Hz")
    if sr <= MIN_SR:
        raise ParameterError(f"sr={sr:g} Hz is too low for the K-weighting filter, whose 1682 Hz shelf must lie "
                             f"below Nyquist: sr must be > {MIN_SR:.0f} Hz")
    n = y.shape[-1]
    if n == 0:
        raise ParameterError("y is empty (no samples on the last axis)")
    block, step = _samples(window, sr), _samples(hop, sr)
    if n < block:
        raise SignalTooShortError(f"y has {n} samples ({n / sr:.3f} s at {sr:g} Hz): too short for one {what} of "
                                  f"{window:g} s ({block} samples)")
    dtype = y.dtype
    y, g = _weights(y, channel_axis, weights)
    yk = _k_weight(y, sr)
    z = _mean_square_blocks(yk * yk, block, step)
    if g is not None:  # sum_i G_i z_ij over the channel axis
        z = (z * B.built_const(_weight_column, (tuple(g),), z)).sum(-2)
    return z, dtype


def _to_lufs(power: Any, dtype: Any) -> Any:
    """``-0.691 + 10 log10(power)`` in ``dtype`` (-inf for zero power, without a warning)."""
    if B.is_torch(power):
        import torch

        return (OFFSET + 10.0 * torch.log10(power)).to(dtype)
    with np.errstate(divide="ignore"):
        out = (OFFSET + 10.0 * np.log10(power)).astype(dtype)
    return out[()] if out.ndim == 0 else out


def _masked_mean(e: Any, mask: Any) -> Any:
    """Mean of ``e`` over the blocks (last axis) where ``mask`` holds; 0 where it holds nowhere."""
    count = mask.sum(-1)
    count = count.clamp(min=1) if B.is_torch(count) else np.maximum(count, 1)
    total = (e * mask).sum(-1) / count
    return total if B.is_torch(total) else np.asarray(total)


def _check_seconds(name: str, value: Any) -> float:
    return check_positive(name, value, " (seconds)")


# --------------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------------
@capabilities(librosa=None, compile=False)
def loudness(
    y: Any,
    sr: float,
    *,
    block_size: float = 0.400,
    overlap: float = 0.75,
    absolute_gate: float = -70.0,
    relative_gate: float = -10.0,
    channel_axis: int | None = None,
    weights: Sequence[float] | None = None,
) -> Any:
    """Integrated (gated) loudness in LUFS, per ITU-R BS.1770-4 / EBU R 128.

    The signal is K-weighted, cut into blocks of ``block_size`` overlapping by ``overlap``; block ``j`` has
    the weighted power ``e_j = sum_i G_i mean(y_i^2)`` over channels ``i``, and the loudness
    ``l_j = -0.691 + 10 log10(e_j)``. Blocks with ``l_j <= absolute_gate`` are dropped, then blocks more
    than ``-relative_gate`` LU below the loudness of the mean power of the remaining ones; the result is
    ``-0.691 + 10 log10(mean e_j)`` over the blocks left.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., samples) or (..., channels, ..., samples)
        Audio, time on the last axis, real floating point. Without ``channel_axis`` every signal along the
        leading axes is measured on its own as a mono signal (all leading axes are batch axes).
    sr : float
        Sample rate in Hz (> 3364 Hz, where the K-weighting shelf lies below Nyquist).
    block_size : float
        Gating block length in seconds (BS.1770-4: 0.4), rounded to the nearest sample.
    overlap : float
        Overlap of consecutive blocks, ``0 <= overlap < 1`` (BS.1770-4: 0.75); the hop is
        ``block_size * (1 - overlap)`` rounded to the nearest sample.
    absolute_gate : float
        Absolute gate in LUFS (BS.1770-4: -70).
    relative_gate : float
        Relative gate in LU, at most 0 (BS.1770-4: -10).
    channel_axis : int, optional
        The axis that holds the channels of one programme, summed with ``weights``; the other leading
        axes are batch axes. ``None`` (default): no channel axis. A 1-D ``y`` is one mono signal whatever
        ``channel_axis`` says (so ``load(path, mono=False)`` output can be passed as is with
        ``channel_axis=0``).
    weights : sequence of float, optional
        One weight per channel (only with ``channel_axis``). Default by channel count, channel order as in
        WAV/SMPTE: 1 (mono); 2 L, R (1, 1); 3 L, R, C (1, 1, 1); 5 L, R, C, Ls, Rs (1, 1, 1, 1.41, 1.41);
        6 (5.1) L, R, C, LFE, Ls, Rs (1, 1, 1, 0, 1.41, 1.41). Other counts need explicit weights.

    Returns
    -------
    LUFS of shape ``y.shape[:-1]`` (without the channel axis): a numpy scalar for one signal, a tensor on
    torch, in the input's float dtype. ``-inf`` when no block passes the gates (silence, or everything
    below -70 LUFS); no warning.

    Raises
    ------
    ParameterError
        ``y`` empty, non-finite or not floating point; ``sr <= 3364`` or not a positive finite number;
        ``y`` shorter than one block (BS.1770 defines no loudness for it); bad ``block_size``,
        ``overlap``, gates, ``channel_axis`` or ``weights``.

    Notes
    -----
    The K-weighting coefficients are BS.1770-4's tables at 48 kHz and the bilinear transform of the same
    analog prototypes elsewhere (as libebur128, ffmpeg and pyloudnorm's ``"DeMan"`` filter); a 997 Hz tone
    reads within 0.05 LU of its 48 kHz value from 8 to 192 kHz. See ``docs/loudness.md``.

    Examples
    --------
    >>> import numpy as np
    >>> from audiofeat.lufs import loudness
    >>> sr = 48000
    >>> y = 0.5 * np.sin(2 * np.pi * 997 * np.arange(2 * sr) / sr)
    >>> round(float(loudness(y, sr)), 2)  # 20 log10(0.5) - 3.01
    -9.03
    >>> stereo = np.stack([y, y])  # (channels, samples): two channels add 3.01 LU
    >>> round(float(loudness(stereo, sr, channel_axis=0)), 2)
    -6.02
    >>> loudness(np.stack([y, 0.1 * y]), sr).round(2)  # no channel_axis: two mono signals
    array([ -9.03, -29.03])
    >>> float(loudness(np.zeros(sr), sr))  # silence
    -inf
    """
    block_size = _check_seconds("block_size", block_size)
    overlap = check_number("overlap", overlap, minimum=0.0)
    if overlap >= 1.0:
        raise ParameterError(f"overlap={overlap!r} must be >= 0 and < 1")
    absolute_gate = check_number("absolute_gate", absolute_gate)
    relative_gate = check_number("relative_gate", relative_gate)
    if relative_gate > 0:
        raise ParameterError(f"relative_gate={relative_gate!r} must be <= 0 (LU below the loudness)")
    e, dtype = _block_power(y, sr, block_size, block_size * (1.0 - overlap), channel_axis, weights, "block")
    above_absolute = e > 10.0 ** ((absolute_gate - OFFSET) / 10.0)
    # the relative gate: relative_gate LU below the loudness of the blocks above the absolute gate (where
    # none is, their mean power is 0, and the absolute gate drops every block anyway)
    threshold = _masked_mean(e, above_absolute) * 10.0 ** (relative_gate / 10.0)
    return _to_lufs(_masked_mean(e, above_absolute & (e > threshold[..., None])), dtype)


def _curve(y, sr, window, hop, channel_axis, weights, what):
    hop = _check_seconds("hop", hop)
    e, dtype = _block_power(y, sr, window, hop, channel_axis, weights, what)
    return _to_lufs(e, dtype)


@capabilities(librosa=None, compile=False)
def loudness_momentary(
    y: Any,
    sr: float,
    *,
    hop: float = 0.1,
    channel_axis: int | None = None,
    weights: Sequence[float] | None = None,
) -> Any:
    """Momentary loudness in LUFS: ungated loudness of 400 ms windows every ``hop`` (EBU Tech 3341 "M").

    Window ``k`` covers samples ``[k * hop_n, k * hop_n + window_n)`` with ``window_n = round(0.4 sr)`` and
    ``hop_n = round(hop * sr)``; its value is ``-0.691 + 10 log10(sum_i G_i mean(y_i^2))`` of the
    K-weighted channels. Only whole windows: ``n_blocks = 1 + (samples - window_n) // hop_n``. The time of
    window ``k``'s end (when a meter would display it) is ``(k * hop_n + window_n) / sr``.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., samples)
        Audio; see :func:`loudness` for leading axes, ``channel_axis`` and ``weights``.
    sr : float
        Sample rate in Hz (> 3364).
    hop : float
        Seconds between windows (default 0.1: the 10 Hz refresh of EBU Tech 3341).
    channel_axis : int, optional
        The channel axis, as in :func:`loudness`.
    weights : sequence of float, optional
        Channel weights, as in :func:`loudness`.

    Returns
    -------
    LUFS of shape ``(..., n_blocks)``, in the input's float dtype and backend. ``-inf`` for a silent window.

    Raises
    ------
    ParameterError
        As :func:`loudness`; also when ``y`` is shorter than 400 ms.

    Examples
    --------
    >>> import numpy as np
    >>> from audiofeat.lufs import loudness_momentary
    >>> sr = 48000
    >>> y = 0.1 * np.sin(2 * np.pi * 997 * np.arange(sr) / sr)
    >>> loudness_momentary(y, sr).round(2)
    array([-23.01, -23.01, -23.01, -23.01, -23.01, -23.01, -23.01])
    """
    return _curve(y, sr, MOMENTARY_WINDOW, hop, channel_axis, weights, "momentary window")


@capabilities(librosa=None, compile=False)
def loudness_short_term(
    y: Any,
    sr: float,
    *,
    hop: float = 0.1,
    channel_axis: int | None = None,
    weights: Sequence[float] | None = None,
) -> Any:
    """Short-term loudness in LUFS: ungated loudness of 3 s windows every ``hop`` (EBU Tech 3341 "S").

    As :func:`loudness_momentary` with ``window_n = round(3 sr)``.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., samples)
        Audio; see :func:`loudness` for leading axes, ``channel_axis`` and ``weights``.
    sr : float
        Sample rate in Hz (> 3364).
    hop : float
        Seconds between windows (default 0.1).
    channel_axis : int, optional
        The channel axis, as in :func:`loudness`.
    weights : sequence of float, optional
        Channel weights, as in :func:`loudness`.

    Returns
    -------
    LUFS of shape ``(..., n_blocks)`` with ``n_blocks = 1 + (samples - window_n) // hop_n``.

    Raises
    ------
    ParameterError
        As :func:`loudness`; also when ``y`` is shorter than 3 s.

    Examples
    --------
    >>> import numpy as np
    >>> from audiofeat.lufs import loudness_short_term
    >>> sr = 48000
    >>> y = 0.1 * np.sin(2 * np.pi * 997 * np.arange(4 * sr) / sr)
    >>> loudness_short_term(y, sr, hop=0.5).round(2)
    array([-23.01, -23.01, -23.01])
    """
    return _curve(y, sr, SHORT_TERM_WINDOW, hop, channel_axis, weights, "short-term window")
