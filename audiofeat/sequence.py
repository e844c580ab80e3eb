"""Sequence models (librosa.sequence): Viterbi decoding and transition matrices.

Periodicity over time: a pitch track, a chord sequence or a voicing decision is a hidden state that
changes slowly, observed through noisy frame-wise likelihoods. The Viterbi algorithm finds the most likely
state sequence under a transition matrix; the ``transition_*`` helpers build the usual matrices (uniform,
self-loop, cyclic, local/banded).

:func:`viterbi`, :func:`viterbi_discriminative` and :func:`viterbi_binary` are written once against the
array namespace of ``prob`` (numpy or torch, any leading batch axes decoded independently and at once).
The banded decoder that :func:`audiofeat.pyin` uses lives in :func:`_viterbi_pyin` (O(states x width)
per step instead of O(states^2)).

This module is also the librosa-named namespace ``audiofeat.sequence``; librosa names not implemented here
(``dtw``, ``rqa``, ...) raise an AttributeError that says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _backend as B
from ._cache import cached
from ._checks import check_int
from ._librosa import missing_attribute
from ._registry import capabilities
from .errors import ParameterError

__all__ = [
    "viterbi",
    "viterbi_discriminative",
    "viterbi_binary",
    "transition_uniform",
    "transition_loop",
    "transition_cycle",
    "transition_local",
]
__getattr__ = missing_attribute(__name__, "sequence")


# --------------------------------------------------------------------------------------------------
# transition matrices (numpy constants, as in librosa)
# --------------------------------------------------------------------------------------------------
def _n_states(n_states: Any, minimum: int) -> int:
    return check_int("n_states", n_states, minimum=minimum)


def _prob_vector(prob: Any, n_states: int) -> np.ndarray:
    prob = np.asarray(prob, dtype=np.float64)
    if prob.ndim == 0:
        prob = np.tile(prob, n_states)
    if prob.shape != (n_states,):
        raise ParameterError(f"prob={prob} must have length equal to n_states={n_states}")
    if not np.all(np.isfinite(prob)) or np.any(prob < 0) or np.any(prob > 1):
        raise ParameterError(f"prob={prob} must have values in the range [0, 1]")
    return prob


@capabilities(librosa="librosa.sequence.transition_uniform", torch=False, batch=False,
              note="Returns a numpy constant (as librosa); viterbi moves it to a tensor's device.")
def transition_uniform(n_states: int) -> np.ndarray:
    """A uniform transition matrix: ``transition[i, j] = 1 / n_states``.

    Parameters
    ----------
    n_states : int > 0

    Returns
    -------
    transition : np.ndarray, shape (n_states, n_states), float64

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.sequence.transition_uniform(2)
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    n_states = _n_states(n_states, 1)
    return np.full((n_states, n_states), 1.0 / n_states)


@capabilities(librosa="librosa.sequence.transition_loop", torch=False, batch=False)
def transition_loop(n_states: int, prob: float | Any) -> np.ndarray:
    """A self-loop transition matrix: ``p`` on the diagonal, ``(1 - p) / (n_states - 1)`` elsewhere.

    Parameters
    ----------
    n_states : int > 1
    prob : float in [0, 1] or array of ``n_states`` values
        Self-transition probability (per state if an array).

    Returns
    -------
    transition : np.ndarray, shape (n_states, n_states), float64

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.sequence.transition_loop(2, 0.9)
    array([[0.9, 0.1],
           [0.1, 0.9]])
    """
    n_states = _n_states(n_states, 2)
    prob = _prob_vector(prob, n_states)
    transition = np.repeat(((1.0 - prob) / (n_states - 1))[:, None], n_states, axis=1)
    transition[np.arange(n_states), np.arange(n_states)] = prob
    return transition


@capabilities(librosa="librosa.sequence.transition_cycle", torch=False, batch=False)
def transition_cycle(n_states: int, prob: float | Any) -> np.ndarray:
    """A cyclic transition matrix: ``p`` to stay, ``1 - p`` to move to the next state (the last to the first).

    Parameters
    ----------
    n_states : int > 1
    prob : float in [0, 1] or array of ``n_states`` values

    Returns
    -------
    transition : np.ndarray, shape (n_states, n_states), float64

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.sequence.transition_cycle(3, 0.75)
    array([[0.75, 0.25, 0.  ],
           [0.  , 0.75, 0.25],
           [0.25, 0.  , 0.75]])
    """
    n_states = _n_states(n_states, 2)
    prob = _prob_vector(prob, n_states)
    transition = np.zeros((n_states, n_states))
    i = np.arange(n_states)
    transition[i, (i + 1) % n_states] = 1.0 - prob
    transition[i, i] = prob
    return transition


@capabilities(librosa="librosa.sequence.transition_local", torch=False, batch=False)
def transition_local(n_states: int, width: int | Any, *, window: Any = "triangle", wrap: bool = False) -> np.ndarray:
    """A local (banded) transition matrix: row ``i`` is ``window`` of ``width`` centred on ``i``, normalised.

    Parameters
    ----------
    n_states : int > 1
    width : int >= 1 or array of ``n_states`` ints
        How many states count as local (per state if an array).
    window : window specification
        The shape of the local distribution (see :func:`audiofeat.get_window`).
    wrap : bool
        Whether locality wraps around (state 0 neighbours state ``n_states - 1``).

    Returns
    -------
    transition : np.ndarray, shape (n_states, n_states), float64

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.sequence.transition_local(4, 3).round(3)
    array([[0.667, 0.333, 0.   , 0.   ],
           [0.25 , 0.5  , 0.25 , 0.   ],
           [0.   , 0.25 , 0.5  , 0.25 ],
           [0.   , 0.   , 0.333, 0.667]])
    """
    from .shorttime import _pad_center, get_window

    n_states = _n_states(n_states, 2)
    width = np.asarray(width)
    if width.dtype.kind not in "iu":
        raise ParameterError(f"width={width} must be an integer or an array of integers")
    width = width.astype(int)
    if width.ndim == 0:
        width = np.tile(width, n_states)
    if width.shape != (n_states,):
        raise ParameterError(f"width={width} must have length equal to n_states={n_states}")
    if np.any(width < 1):
        raise ParameterError(f"width={width} must be at least 1")
    transition = np.zeros((n_states, n_states))
    windows: dict[int, np.ndarray] = {}
    for i, w in enumerate(width):
        if w not in windows:
            win = np.asarray(get_window(window, int(w), fftbins=False), dtype=np.float64)
            windows[w] = _pad_center(win, n_states) if w <= n_states else win
        row = np.roll(windows[w], n_states // 2 + i + 1)
        if not wrap:
            row[min(n_states, i + w // 2 + 1):] = 0
            row[: max(0, i - w // 2)] = 0
        transition[i] = row
    sums = transition.sum(axis=1, keepdims=True)
    if np.any(sums <= 0):
        raise ParameterError(f"window={window!r} with width={width.tolist()} leaves a row with no mass")
    return transition / sums


# --------------------------------------------------------------------------------------------------
# Viterbi decoding, written once for numpy and torch
# --------------------------------------------------------------------------------------------------
def _tiny(xp, dtype) -> float:
    return float(np.finfo(np.float32 if dtype == xp.float32 else np.float64).tiny)


def _like(array: Any, ref: Any, name: str) -> Any:
    """A numpy/list parameter (transition, p_init, ...) in ``ref``'s namespace, dtype and device."""
    if B.is_torch(array) or isinstance(array, np.ndarray):
        a = B.as_float(array, name)
    else:
        a = np.asarray(array, dtype=np.float64)
    if B.is_torch(ref):
        import torch

        return torch.as_tensor(B.to_numpy(a) if not B.is_torch(a) else a, device=ref.device, dtype=ref.dtype)
    return np.asarray(B.to_numpy(a), dtype=ref.dtype)


def _np(x: Any) -> np.ndarray:
    return B.to_numpy(x)


def _check_transition(transition: np.ndarray, shape: tuple) -> None:
    if transition.shape != shape:
        raise ParameterError(f"transition.shape={transition.shape}, must be {shape}")
    if not np.all(np.isfinite(transition)) or np.any(transition < 0) or \
            not np.allclose(transition.sum(axis=-1), 1):
        raise ParameterError("Invalid transition matrix: must be non-negative and sum to 1 on each row.")


def _check_dist(p: Any, n_states: int, name: str, what: str) -> np.ndarray:
    p = np.asarray(_np(p) if B.is_torch(p) else p, dtype=np.float64)
    if p.shape != (n_states,) or not np.all(np.isfinite(p)) or np.any(p < 0) or not np.allclose(p.sum(), 1):
        raise ParameterError(f"Invalid {what}: {name}={p}")
    return p


def _gather(x: Any, index: Any, axis: int) -> Any:
    """``take_along_axis`` for numpy and torch."""
    if B.is_torch(x):
        import torch

        return torch.gather(x, axis, index)
    return np.take_along_axis(x, index, axis=axis)


def _decode(log_prob: Any, log_trans: Any, log_p_init: Any) -> tuple[Any, Any]:
    """Viterbi over ``log_prob (..., S, T)`` with ``log_trans (..., S, S)`` and ``log_p_init (..., S)``.

    Every leading item is decoded at once (one max-plus product per step). Ties resolve to the lowest
    source state, as in librosa. Returns ``states (..., T)`` (int64) and ``logp (...)``.
    """
    xp = B.namespace(log_prob)
    n_steps = log_prob.shape[-1]
    lp = xp.moveaxis(log_prob, -1, -2)  # (..., T, S)
    value = lp[..., 0, :] + log_p_init
    pointers = []
    for t in range(1, n_steps):
        trans_out = value[..., :, None] + log_trans  # (..., source k, target j)
        ptr = xp.argmax(trans_out, axis=-2)
        pointers.append(ptr)
        value = lp[..., t, :] + xp.max(trans_out, axis=-2)
    last = xp.argmax(value, axis=-1)
    logp = _gather(value, last[..., None], -1)[..., 0]
    states = [last]
    for ptr in reversed(pointers):
        states.append(_gather(ptr, states[-1][..., None], -1)[..., 0])
    out = xp.stack(states[::-1], axis=-1)
    return xp.astype(out, xp.int64), logp


def _state_dtype(states: Any, n_states: int) -> Any:
    """librosa returns uint16 states; kept on numpy where they fit (int64 beyond 65535 states, and on torch)."""
    if B.is_torch(states):
        return states
    return states.astype(np.uint16 if n_states <= 65536 else np.int64)


def _prob_input(prob: Any) -> Any:
    prob = B.as_float(prob, "prob")
    if prob.ndim < 2:
        raise ParameterError(f"prob must have shape (..., n_states, n_steps), got {tuple(prob.shape)}")
    if prob.shape[-1] == 0:
        raise ParameterError("prob has no time steps")
    return prob


@capabilities(librosa="librosa.sequence.viterbi", autograd=False, compile=False,
              note="States are uint16 on numpy (as librosa), int64 on torch.")
def viterbi(prob: Any, transition: Any, *, p_init: Any = None, return_logp: bool = False) -> Any:
    """Viterbi decoding from observation likelihoods (librosa-compatible).

    Parameters
    ----------
    prob : array, shape (..., n_states, n_steps), values in [0, 1]
        ``prob[..., s, t]``: likelihood of the observation at ``t`` given state ``s``. Leading axes are
        decoded independently (all at once).
    transition : array, shape (n_states, n_states)
        ``transition[i, j]``: probability of moving from ``i`` to ``j``; rows sum to 1.
    p_init : array, shape (n_states,), optional
        Initial state distribution (uniform if omitted).
    return_logp : bool
        Also return the log-likelihood of the decoded sequence.

    Returns
    -------
    states : shape (..., n_steps)
    logp : shape (1,) for 2-D input, (...) otherwise (only with ``return_logp``), as librosa.

    Raises
    ------
    ParameterError
        Shapes disagree, probabilities outside [0, 1], rows of ``transition`` not summing to 1.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> p = np.array([[0.5, 0.4, 0.1], [0.1, 0.3, 0.6]])
    >>> A = np.array([[0.7, 0.3], [0.4, 0.6]])
    >>> states, logp = audiofeat.sequence.viterbi(p, A, p_init=np.array([0.6, 0.4]), return_logp=True)
    >>> states, logp.round(4)
    (array([0, 0, 1], dtype=uint16), array([-4.1917]))
    """
    prob = _prob_input(prob)
    xp = B.namespace(prob)
    n_states = prob.shape[-2]
    trans = np.asarray(_np(transition) if B.is_torch(transition) else transition, dtype=np.float64)
    _check_transition(trans, (n_states, n_states))
    pn = _np(prob)
    if np.any(pn < 0) or np.any(pn > 1) or not np.all(np.isfinite(pn)):
        raise ParameterError("Invalid probability values: must be between 0 and 1.")
    p_init = np.full(n_states, 1.0 / n_states) if p_init is None else \
        _check_dist(p_init, n_states, "p_init", "initial state distribution")
    eps = _tiny(xp, prob.dtype)
    log_trans = xp.log(_like(trans, prob, "transition") + eps)
    log_p_init = xp.log(_like(p_init, prob, "p_init") + eps)
    states, logp = _decode(xp.log(prob + eps), log_trans, log_p_init)
    states = _state_dtype(states, n_states)
    if prob.ndim == 2:
        logp = logp[None]  # librosa returns shape (1,) here
    return (states, logp) if return_logp else states


def _discriminative(prob, transition, p_state, p_init, return_logp, *, check_columns=True):
    prob = _prob_input(prob)
    xp = B.namespace(prob)
    n_states = prob.shape[-2]
    trans = np.asarray(_np(transition) if B.is_torch(transition) else transition, dtype=np.float64)
    _check_transition(trans, (n_states, n_states))
    pn = _np(prob)
    if not np.all(np.isfinite(pn)) or np.any(pn < 0) or (check_columns and not np.allclose(pn.sum(axis=-2), 1)):
        raise ParameterError("Invalid probability values: each column must sum to 1 and be non-negative")
    if p_state is None:
        p_state = np.full(n_states, 1.0 / n_states)
    else:
        p_state = np.asarray(_np(p_state) if B.is_torch(p_state) else p_state, dtype=np.float64)
        if p_state.shape != (n_states,):
            raise ParameterError("Marginal distribution p_state must have shape (n_states,). "
                                 f"Got p_state.shape={p_state.shape}")
        _check_dist(p_state, n_states, "p_state", "marginal state distribution")
    p_init = np.full(n_states, 1.0 / n_states) if p_init is None else \
        _check_dist(p_init, n_states, "p_init", "initial state distribution")
    eps = _tiny(xp, prob.dtype)
    log_trans = xp.log(_like(trans, prob, "transition") + eps)
    log_p_init = xp.log(_like(p_init, prob, "p_init") + eps)
    log_marginal = xp.log(_like(p_state, prob, "p_state") + eps)
    states, logp = _decode(xp.log(prob + eps) - log_marginal[:, None], log_trans, log_p_init)
    states = _state_dtype(states, n_states)
    return (states, logp) if return_logp else states


@capabilities(librosa="librosa.sequence.viterbi_discriminative", autograd=False, compile=False,
              note="States are uint16 on numpy (as librosa), int64 on torch.")
def viterbi_discriminative(prob: Any, transition: Any, *, p_state: Any = None, p_init: Any = None,
                           return_logp: bool = False) -> Any:
    """Viterbi decoding from discriminative state predictions (librosa-compatible).

    The observation likelihood is taken as ``P[state | obs] / P[state]`` (``p_state``, the marginal).

    Parameters
    ----------
    prob : array, shape (..., n_states, n_steps)
        ``prob[..., s, t]``: probability of state ``s`` given the observation at ``t``; columns sum to 1.
    transition : array, shape (n_states, n_states)
    p_state : array, shape (n_states,), optional
        Marginal state distribution (uniform if omitted).
    p_init : array, shape (n_states,), optional
        Initial state distribution (uniform if omitted).
    return_logp : bool
        Also return the (unnormalised) log-likelihood of the decoded sequence.

    Returns
    -------
    states : shape (..., n_steps)
    logp : shape (...) (only with ``return_logp``)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> p = np.array([[0.9, 0.6, 0.2, 0.1], [0.1, 0.4, 0.8, 0.9]])
    >>> audiofeat.sequence.viterbi_discriminative(p, audiofeat.sequence.transition_loop(2, 0.8))
    array([0, 0, 1, 1], dtype=uint16)
    """
    return _discriminative(prob, transition, p_state, p_init, return_logp)


@capabilities(librosa="librosa.sequence.viterbi_binary", autograd=False, compile=False,
              note="All labels (and leading items) are decoded at once.")
def viterbi_binary(prob: Any, transition: Any, *, p_state: Any = None, p_init: Any = None,
                   return_logp: bool = False) -> Any:
    """Viterbi decoding of independent binary (multi-label) state predictions (librosa-compatible).

    Each label ``s`` is an on/off chain with its own 2x2 transition matrix.

    Parameters
    ----------
    prob : array, shape (..., n_steps) or (..., n_states, n_steps), values in [0, 1]
        Probability that label ``s`` is active at ``t``; 1-D input is one label.
    transition : array, shape (2, 2) or (n_states, 2, 2)
        ``transition[0, i]``: from inactive to ``i``; ``transition[1, i]``: from active to ``i``.
    p_state : array, shape (n_states,), optional
        Marginal probability of each label being active (0.5 if omitted).
    p_init : array, shape (n_states,), optional
        Probability of each label being active at the start (0.5 if omitted).
    return_logp : bool
        Also return the (unnormalised) log-likelihood per label.

    Returns
    -------
    states : shape (..., n_states, n_steps), 0 or 1
    logp : shape (..., n_states) (only with ``return_logp``)

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> p = np.array([0.1, 0.7, 0.4, 0.3, 0.8, 0.9, 0.8, 0.2, 0.6, 0.3])
    >>> A = np.array([[0.9, 0.1], [0.3, 0.7]])
    >>> audiofeat.sequence.viterbi_binary(p, A)
    array([[0, 0, 0, 0, 1, 1, 1, 0, 0, 0]], dtype=uint16)
    """
    prob = B.as_float(prob, "prob")
    if prob.ndim == 0:
        raise ParameterError("prob must have at least one dimension (time)")
    if prob.ndim == 1:
        prob = prob[None, :]
    prob = _prob_input(prob)
    xp = B.namespace(prob)
    n_states = prob.shape[-2]
    trans = np.asarray(_np(transition) if B.is_torch(transition) else transition, dtype=np.float64)
    if trans.shape == (2, 2):
        trans = np.tile(trans, (n_states, 1, 1))
    elif trans.shape != (n_states, 2, 2):
        raise ParameterError(f"transition.shape={trans.shape}, must be (2, 2) or (n_states, 2, 2)={n_states}")
    _check_transition(trans, (n_states, 2, 2))
    pn = _np(prob)
    if not np.all(np.isfinite(pn)) or np.any(pn < 0) or np.any(pn > 1):
        raise ParameterError("Invalid probability values: prob must be between [0, 1]")

    def dist(p, name, what):
        p = np.full(n_states, 0.5) if p is None else np.atleast_1d(np.asarray(_np(p) if B.is_torch(p) else p,
                                                                               dtype=np.float64))
        if p.shape != (n_states,) or not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
            raise ParameterError(f"Invalid {what}: {name}={p}")
        return p

    p_state = dist(p_state, "p_state", "marginal state distributions")
    p_init = dist(p_init, "p_init", "initial state distributions")
    eps = _tiny(xp, prob.dtype)
    two = lambda p: np.stack([1 - p, p], axis=-1)  # noqa: E731  (n_states, 2)
    binary = xp.stack([1 - prob, prob], axis=-2)  # (..., n_states, 2, T)
    log_trans = xp.log(_like(trans, prob, "transition") + eps)  # (n_states, 2, 2)
    log_p_init = xp.log(_like(two(p_init), prob, "p_init") + eps)  # (n_states, 2)
    log_marginal = xp.log(_like(two(p_state), prob, "p_state") + eps)
    states, logp = _decode(xp.log(binary + eps) - log_marginal[..., None], log_trans, log_p_init)
    states = _state_dtype(states, 2)
    return (states, logp) if return_logp else states


# --------------------------------------------------------------------------------------------------
# pYIN's banded decoder
# --------------------------------------------------------------------------------------------------
@cached
def _pyin_constants(n_bins: int, width: int, switch_prob: float) -> tuple:
    """Parameter-keyed constants of pYIN's decoder: the local transition matrix and its bands."""
    local = transition_local(n_bins, width, window="triangle", wrap=False)
    nz = local > 0
    rows, cols = np.nonzero(nz)
    half = int(np.abs(rows - cols).max()) if rows.size else 0
    w = 2 * half + 1
    logT = np.full((n_bins, n_bins), -np.inf)
    logT[nz] = np.log(local[nz])
    idx = np.arange(n_bins)[:, None] + np.arange(w)[None, :] - half
    ok = (idx >= 0) & (idx < n_bins)
    # into[j, b] = log local[b + j - half, b]: the sources of target b (offset-major, so the band reduction
    # is an elementwise maximum of w shifted rows); out[k, j] = log local[k, k + j - half]
    into = np.full((n_bins, w), -np.inf)
    into[ok] = logT[idx[ok], np.nonzero(ok)[0]]
    into = np.ascontiguousarray(into.T)
    out = np.full((n_bins, w), -np.inf)
    out[ok] = logT[np.nonzero(ok)[0], idx[ok]]
    tsw = transition_loop(2, 1.0 - switch_prob)
    return tuple(B.frozen(a) for a in (local, into, out, tsw)) + (half,)


def _viterbi_pyin(obs_v: np.ndarray, lp_u: np.ndarray, n_bins: int, width: int, switch_prob: float) -> np.ndarray:
    """pYIN's Viterbi decoding over ``2 * n`` states (voiced pitch bins, then unvoiced pitch bins).

    The transition matrix is librosa's ``kron(transition_loop(2, 1 - switch_prob), local)``, with ``local``
    the banded ``transition_local(n, width)``. Instead of the dense O((2n)^2) max-product per step this
    uses its structure:

    * a transition is a voicing factor times a local pitch factor, so both source halves are merged first
      (``max(U + log p_uu, V + log p_vu)``) and reduced once over the band: O(n * width) per step;
    * voiced observation likelihoods are zero except at a frame's few pitch candidates, so voiced states
      elsewhere sit about 708 (= -log(tiny), librosa's epsilon) below the best path and never win: only the
      candidate voiced targets are evaluated (the rest are -inf);
    * transitions outside the band (probability 0, log(tiny) after librosa's epsilon) are one constant,
      ``max + log(tiny)``;
    * the forward pass keeps only values; the back-pointers of the decoded path are recomputed exactly
      (librosa's ``log(transition + tiny)`` column, ties to the lowest state) on the way back.

    Parameters: ``obs_v (items, T, n)`` voiced observation probabilities, ``lp_u (items, T)`` the log of the
    unvoiced one (the same for every unvoiced bin). Returns states ``(items, T)`` int64.
    """
    items, n_steps, n = obs_v.shape
    local, into, _, tsw, half = _pyin_constants(n_bins, width, float(switch_prob))
    w = 2 * half + 1
    tiny = float(np.finfo(np.float64).tiny)
    log_tiny = float(np.log(tiny))
    ls = np.log(tsw)
    uu, vu, uv, vv = float(ls[1, 1]), float(ls[0, 1]), float(ls[1, 0]), float(ls[0, 0])
    log_init = float(np.log(1.0 / (2 * n) + tiny))
    states = np.empty((items, n_steps), dtype=np.int64)
    pad = np.full(n + 2 * half, -np.inf)
    body = pad[half:half + n]
    offs = np.arange(w)
    into_t = np.ascontiguousarray(into.T)  # into_t[b, j]
    # the dense band reduction runs in float32 on values relative to the frame's best (each row of V is
    # shifted so its maximum is 0, which changes no decision): rounding ~1e-6 nats, far below any margin
    pad32 = np.full(n + 2 * half, -np.inf, dtype=np.float32)
    body32 = pad32[half:half + n]
    win32 = np.lib.stride_tricks.sliding_window_view(pad32, w).T  # win32[j, b] = pad32[b + j]
    into32 = into.astype(np.float32)
    buf = np.empty((w, n), dtype=np.float32)
    red = np.empty(n, dtype=np.float32)
    for item in range(items):
        ov = obs_v[item]
        f_idx, b_idx = np.nonzero(ov)
        cuts = np.searchsorted(f_idx, np.arange(n_steps + 1))
        lp_v = np.log(ov[f_idx, b_idx] + tiny)
        V = np.full((n_steps, 2 * n), -np.inf)
        tl = b_idx[cuts[0]:cuts[1]]
        V[0, tl] = lp_v[cuts[0]:cuts[1]] + log_init
        V[0, n:] = lp_u[item, 0] + log_init
        V[0] -= V[0].max()
        for t in range(1, n_steps):
            prev = V[t - 1]  # its maximum is 0
            U, Vv = prev[n:], prev[:n]
            cur = V[t]
            tl = b_idx[cuts[t]:cuts[t + 1]]
            if tl.size:  # voiced candidate targets: their bands of max(U + uv, V + vv)
                np.maximum(U + uv, Vv + vv, out=body)
                best = (pad[tl[:, None] + offs] + into_t[tl]).max(axis=1)
                cur[tl] = lp_v[cuts[t]:cuts[t + 1]] + np.maximum(best, log_tiny)
            np.maximum(U + uu, Vv + vu, out=body32)  # unvoiced targets: bands of max(U + uu, V + vu)
            np.add(win32, into32, out=buf)
            buf.max(axis=0, out=red)
            Un = cur[n:]
            np.maximum(red, log_tiny, out=Un)
            Un += lp_u[item, t]
            cur -= cur.max()
        # back-tracking with librosa's exact transition column
        s = int(np.argmax(V[-1]))
        states[item, -1] = s
        for t in range(n_steps - 1, 0, -1):
            h, b = divmod(s, n)
            col = np.log(np.multiply.outer(tsw[:, h], local[:, b]).ravel() + tiny)
            s = int(np.argmax(V[t - 1] + col))
            states[item, t - 1] = s
    return states
