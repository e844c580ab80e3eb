"""Effects that need no phase vocoder: pre-/de-emphasis filters and a resampling-based speed change.

* :func:`preemphasis` / :func:`deemphasis`: the first-order filters ``y[n] = x[n] - coef x[n-1]`` and its
  inverse ``y[n] = x[n] + coef y[n-1]`` (spectral tilt: pre-emphasis lifts high frequencies by about
  6 dB/octave before analysis, as in HTK's MFCCs). numpy runs ``scipy.signal.lfilter`` exactly as librosa
  0.11; torch runs the same filters as tensor code (the recursive one as a blocked parallel scan), so they are
  differentiable and run on the GPU.
* :func:`speed`: play a signal ``rate`` times faster, like a tape or a record: duration divided by
  ``rate`` and every frequency multiplied by it (resampling; no phase vocoder). Compare
  :func:`audiofeat.phase.time_stretch` (duration only) and :func:`audiofeat.phase.pitch_shift` (pitch only).

The phase vocoder effects live in :mod:`audiofeat.phase`; :mod:`audiofeat.effects` hands on all of them
under librosa's names.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from . import _backend as B
from ._checks import check_audio, check_finite, check_number, check_positive
from ._registry import capabilities
from .errors import ParameterError
from .resampling import _resample_valid, resample


def _scipy_signal():
    """scipy.signal, imported when first needed (it costs ~0.5 s at start-up)."""
    import scipy.signal

    return scipy.signal

__all__ = ["preemphasis", "deemphasis", "speed"]

#: most samples by which the torch resampler's fraction (see _torch_rates) may shift the end of a signal
_MAX_DRIFT = 0.1
#: samples per block of the torch first-order recursive filter (one L x L matrix product per block)
_SCAN_BLOCK = 64


# --------------------------------------------------------------------------------------------------
# resampling by a ratio, shared by speed and pitch_shift
# --------------------------------------------------------------------------------------------------
def _torch_rates(orig_sr: float, target_sr: float, n: int) -> tuple[float, float]:
    """Integer rates ``(q, p)`` with ``p / q`` the simplest fraction that moves no sample of an ``n``-sample
    signal by more than ``_MAX_DRIFT`` (0.1) sample from the exact ratio ``target_sr / orig_sr``; the rates themselves
    when there is none with ``q <= 4096``.

    Integer rates let the torch resampler run as one strided convolution per output phase instead of
    evaluating the sinc filter at every output sample (tens of times faster for irrational ratios such as
    a pitch shift's ``2 ** (k / 12)``).
    """
    ratio = target_sr / orig_sr
    if float(orig_sr).is_integer() and float(target_sr).is_integer() and max(orig_sr, target_sr) <= 4096:
        return orig_sr, target_sr
    tol = _MAX_DRIFT / max(1, n)
    for max_den in (16, 32, 64, 128, 256, 512, 1024, 2048, 4096):
        frac = Fraction(ratio).limit_denominator(max_den)
        if frac.numerator > 0 and abs(float(frac) - ratio) <= tol * ratio:
            return float(frac.denominator), float(frac.numerator)
    return orig_sr, target_sr


def _resample(y: Any, orig_sr: float, target_sr: float, *, res_type: str, scale: bool,
              finite: bool = False) -> Any:
    """:func:`resample` along the last axis; torch tensors with the ratio as a small fraction (see
    :func:`_torch_rates`), numpy arrays exactly as given (so numpy results equal librosa's). ``finite``: the
    caller computed ``y`` from validated audio, so a numpy ``y`` is not scanned for non-finite samples again."""
    if B.is_torch(y):
        orig_sr, target_sr = _torch_rates(orig_sr, target_sr, y.shape[-1])
    elif finite:
        return _resample_valid(y, float(orig_sr), float(target_sr), res_type, scale=scale)
    return resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type=res_type, scale=scale)


@capabilities(compile=False)
def speed(y: Any, *, rate: float, sr: float | None = None, res_type: str = "soxr_hq", scale: bool = False) -> Any:
    """Play a signal ``rate`` times faster: shorter by ``rate`` and every frequency higher by ``rate``.

    The speed change of a tape or record played at another speed, by resampling: ``y`` is treated as
    sampled at ``rate * sr`` and resampled to ``sr``. ``rate = 2`` halves the duration and raises the pitch
    by an octave; ``rate = 0.5`` doubles the duration and lowers it by an octave. (Duration alone:
    :func:`audiofeat.phase.time_stretch`; pitch alone: :func:`audiofeat.phase.pitch_shift`.)

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio, time on the last axis; leading axes are batch/channels.
    rate : float > 0
        Playback speed factor.
    sr : number > 0, optional
        Sampling rate of ``y`` (and of the result). Accepted for symmetry with ``pitch_shift``: the result
        depends only on ``rate``.
    res_type : str
        Resampler, as in :func:`resample` (``"soxr_hq"`` by default; torch: the windowed sinc).
    scale : bool
        Scale the result so that its total energy about equals that of ``y``.

    Returns
    -------
    same type as ``y``, shape (..., ceil(n / rate))
        Same dtype and device; differentiable for torch input.

    Raises
    ------
    ParameterError
        ``rate`` or ``sr`` not positive and finite; an unknown ``res_type``; empty, non-finite or integer
        audio.

    Notes
    -----
    No librosa counterpart. On torch, an irrational ``rate`` is replaced by the simplest fraction that moves
    no sample by more than 0.1 sample over the signal (see ``_torch_rates``), so the sinc resampler can run
    as a strided convolution.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.sin(2 * np.pi * 220 * np.arange(22050) / 22050).astype(np.float32)
    >>> from audiofeat.effects_impl import speed
    >>> speed(y, rate=2.0).shape, speed(y, rate=0.5).shape
    ((11025,), (44100,))
    """
    rate = check_positive("rate", rate)
    if sr is not None:
        check_positive("sr", sr, " (samples per second)")
    y = check_audio(y)
    if y.shape[-1] == 0:
        raise ParameterError("y is empty: the time axis (last) has length 0")
    frac = Fraction(rate).limit_denominator(4096)
    orig, target = (float(frac.numerator), float(frac.denominator)) if float(frac) == rate else (rate, 1.0)
    return _resample(y, orig, target, res_type=res_type, scale=scale)


# --------------------------------------------------------------------------------------------------
# pre-emphasis and de-emphasis
# --------------------------------------------------------------------------------------------------
def _initial_state(zi: Any, y: Any) -> Any:
    """``zi`` as an array ``(..., 1)`` matching ``y``'s leading axes, backend, dtype and device."""
    shape = tuple(y.shape[:-1]) + (1,)
    if B.is_torch(y):
        import torch

        z = zi if torch.is_tensor(zi) else torch.as_tensor(np.asarray(B.to_numpy(zi)))
        z = z.to(device=y.device, dtype=y.dtype)
        z = z.reshape(*z.shape, 1) if z.ndim == 0 else z
        check_finite(z, "zi")
        try:
            return torch.broadcast_to(z, shape)
        except RuntimeError:
            pass
    else:
        z = np.atleast_1d(np.asarray(B.to_numpy(zi), dtype=y.dtype))
        check_finite(z, "zi")
        try:
            return np.broadcast_to(z, shape)
        except ValueError:
            pass
    raise ParameterError(f"zi has shape {tuple(np.shape(zi))}; expected a scalar or shape {shape} "
                         "(one state per signal)")


def _check_emphasis(y: Any, coef: Any, zi: Any) -> tuple[Any, float]:
    coef = check_number("coef", coef)
    y = check_audio(y)
    if y.shape[-1] == 0:
        raise ParameterError("y is empty: the time axis (last) has length 0")
    if zi is None and y.shape[-1] < 2:
        raise ParameterError("the default initial state (from the first two samples) needs at least 2 "
                             f"samples, got {y.shape[-1]}; pass zi")
    return y, coef


@capabilities(librosa="librosa.effects.preemphasis")
def preemphasis(y: Any, *, coef: float = 0.97, zi: Any = None, return_zf: bool = False) -> Any:
    """Pre-emphasise a signal with the first-order difference ``y[n] - coef * y[n-1]`` (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio, time on the last axis; leading axes are batch/channels.
    coef : float
        Pre-emphasis coefficient, typically in ``[0, 1]``: 0 leaves the signal unchanged, 1 gives the
        first-order difference; 0.97 is HTK's MFCC pre-emphasis.
    zi : number or array, optional
        Initial filter state (one per signal, shape ``(..., 1)``, or a scalar): pass the previous block's
        ``zf`` to filter a stream in blocks. Default ``2 * y[..., :1] - y[..., 1:2]`` (librosa's linear
        extrapolation; the first output sample is then ``y[0] + zi``, as in librosa).
    return_zf : bool
        Also return the final filter state.

    Returns
    -------
    y_out : same type as ``y``, shape (..., n)
        Same dtype and device; differentiable for torch input.
    zf : same type as ``y``, shape (..., 1)
        The final state ``-coef * y[..., -1:]``, when ``return_zf``.

    Raises
    ------
    ParameterError
        ``coef`` or ``zi`` not finite; empty, non-finite or integer audio; ``zi`` of a shape that does not match;
        fewer than 2 samples without ``zi``.

    Notes
    -----
    numpy: ``scipy.signal.lfilter`` called exactly as librosa does (identical output); ``zi`` may also be a
    scalar for a batch (librosa needs shape ``(..., 1)``). torch: the same arithmetic as tensor code.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> audiofeat.effects.preemphasis(y, coef=0.5)
    array([1. , 1.5, 2. , 2.5])
    >>> y_out, zf = audiofeat.effects.preemphasis(y, coef=0.5, zi=0.0, return_zf=True)
    >>> y_out, zf
    (array([1. , 1.5, 2. , 2.5]), array([-2.]))
    """
    y, coef = _check_emphasis(y, coef, zi)
    zi = 2 * y[..., 0:1] - y[..., 1:2] if zi is None else _initial_state(zi, y)
    if B.is_torch(y):
        import torch

        y_out = torch.cat([y[..., :1] + zi, y[..., 1:] - coef * y[..., :-1]], dim=-1)
        zf = -coef * y[..., -1:]
    else:
        b = np.asarray([1.0, -coef], dtype=y.dtype)
        a = np.asarray([1.0], dtype=y.dtype)
        y_out, zf = _scipy_signal().lfilter(b, a, y, zi=np.asarray(zi, dtype=y.dtype))
    return (y_out, zf) if return_zf else y_out


@capabilities(librosa="librosa.effects.deemphasis", compile=False)
def deemphasis(y: Any, *, coef: float = 0.97, zi: Any = None, return_zf: bool = False) -> Any:
    """De-emphasise a signal, the inverse of :func:`preemphasis`: ``y_out[n] = y[n] + coef * y_out[n-1]``
    (librosa-compatible).

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (..., n)
        Real floating-point audio, time on the last axis; leading axes are batch/channels.
    coef : float
        The pre-emphasis coefficient to invert (see :func:`preemphasis`).
    zi : number or array, optional
        Initial filter state (shape ``(..., 1)`` or a scalar); the first output sample is ``y[0] + zi``.
        Default: the state that inverts :func:`preemphasis` with its default ``zi``, i.e. librosa's
        correction by ``((2 - coef) * y[0] - y[1]) / (3 - coef) * coef ** n``.
    return_zf : bool
        Also return the final filter state.

    Returns
    -------
    y_out : same type as ``y``, shape (..., n)
        Same dtype and device; differentiable for torch input.
    zf : same type as ``y``, shape (..., 1)
        The final state ``coef * y_out[..., -1:]``, when ``return_zf``.

    Raises
    ------
    ParameterError
        As :func:`preemphasis`.

    Notes
    -----
    numpy: ``scipy.signal.lfilter`` called as librosa does, so ``y_out`` is identical. Deliberate
    difference: with the default ``zi`` librosa returns the final state of the *uncorrected* filter; here
    ``zf`` is always the state of the returned signal, so filtering a stream block by block (passing each
    ``zf`` on) equals filtering it at once. The two differ by ``coef ** (n + 1)`` times the correction, below
    1e-12 after a thousand samples at ``coef = 0.97``. torch: a blocked parallel scan (one ``64 x 64`` matrix
    product per block, then the same recursion over the block ends), equal to ``lfilter`` to rounding;
    for ``|coef| > 1`` (an unstable filter) the block ends are combined one block at a time.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> x = audiofeat.effects.preemphasis(y, coef=0.5, zi=0.0)
    >>> audiofeat.effects.deemphasis(x, coef=0.5, zi=0.0)
    array([1., 2., 3., 4.])
    """
    y, coef = _check_emphasis(y, coef, zi)
    if zi is None:
        start = ((2 - coef) * y[..., 0:1] - y[..., 1:2]) / (3 - coef)
        state = -start  # librosa subtracts start * coef**n from the zero-state output: the same as zi
    else:
        state = _initial_state(zi, y)
    if B.is_torch(y):
        import torch

        x = torch.cat([y[..., :1] + state, y[..., 1:]], dim=-1)
        y_out = _recursive_filter(x, coef)
    elif zi is None:
        b = np.array([1.0], dtype=y.dtype)
        a = np.array([1.0, -coef], dtype=y.dtype)
        y_out, _ = _scipy_signal().lfilter(b, a, y, zi=np.zeros(y.shape[:-1] + (1,), dtype=y.dtype))
        y_out -= start * (coef ** np.arange(y.shape[-1]))
    else:
        b = np.array([1.0], dtype=y.dtype)
        a = np.array([1.0, -coef], dtype=y.dtype)
        y_out, _ = _scipy_signal().lfilter(b, a, y, zi=np.asarray(state, dtype=y.dtype))
    if return_zf:
        return y_out, coef * y_out[..., -1:]
    return y_out


def _decay_matrix(coef: float, size: int) -> np.ndarray:
    """``M[i, j] = coef ** (i - j)`` for ``j <= i``, else 0 (float64)."""
    k = np.arange(size)
    lag = k[:, None] - k[None, :]
    with np.errstate(over="ignore"):
        return np.where(lag >= 0, float(coef) ** np.maximum(lag, 0).astype(np.float64), 0.0)


def _recursive_filter(x: Any, coef: float) -> Any:
    """``y[n] = x[n] + coef * y[n-1]`` along the last axis of a torch tensor, zero initial state.

    Blocks of ``L`` samples are filtered at once by a matrix product with :func:`_decay_matrix`; block ``b``
    then adds ``coef ** (i + 1)`` times the output that ends block ``b - 1``. Those block-end outputs
    follow the same recursion with coefficient ``coef ** L``, solved by the same function (for
    ``|coef| <= 1``) or one block at a time (``|coef| > 1``, where powers would overflow).
    """
    import torch

    n, L = x.shape[-1], _SCAN_BLOCK
    if n <= L:
        M = B.built_const(_decay_matrix, (coef, n), x)
        return x @ M.T
    n_blocks = -(-n // L)
    blocks = B.pad(x, 0, n_blocks * L - n).reshape(*x.shape[:-1], n_blocks, L)
    M = B.built_const(_decay_matrix, (coef, L), x)
    local = blocks @ M.T  # each block filtered from a zero state
    powers = M[:, 0] * coef  # coef ** (i + 1)
    ends = local[..., -1]
    if abs(coef) <= 1:
        end_out = _recursive_filter(ends, coef**L)  # output at the end of each block
    else:
        outs, carry = [], torch.zeros_like(ends[..., 0])
        for b in range(n_blocks):
            carry = ends[..., b] + coef**L * carry
            outs.append(carry)
        end_out = torch.stack(outs, dim=-1)
    entering = torch.cat([torch.zeros_like(end_out[..., :1]), end_out[..., :-1]], dim=-1)
    y = local + entering[..., None] * powers
    return y.reshape(*x.shape[:-1], n_blocks * L)[..., :n]
