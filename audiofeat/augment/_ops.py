"""Small backend helpers for the augmentation functions (numpy or torch, same arithmetic)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _backend as B


def xp_of(y: Any):
    if B.is_torch(y):
        import torch

        return torch
    return np


def per_example(v: Any, y: Any) -> Any:
    """A scalar stays a float; per-example values ``(n,)`` become ``(n, 1, ..., 1)`` on ``y``'s backend."""
    if np.ndim(v) == 0 and not B.is_torch(v):
        return float(v)
    if B.is_torch(v):
        return v.reshape((-1,) + (1,) * (y.ndim - 1)).to(device=y.device, dtype=y.dtype)
    v = np.asarray(v, dtype=np.float64).reshape((-1,) + (1,) * (y.ndim - 1))
    if B.is_torch(y):
        import torch

        return torch.as_tensor(v, device=y.device).to(y.dtype)
    return v.astype(y.dtype)


def example_axes(y: Any, v: Any) -> tuple:
    """Axes of one example: all of them for a scalar parameter, all but axis 0 for per-example values."""
    return tuple(range(0 if np.ndim(v) == 0 else 1, y.ndim))


def mean_square(y: Any, axes: tuple) -> Any:
    if B.is_torch(y):
        return (y * y).mean(dim=axes, keepdim=True)
    if axes == tuple(range(y.ndim)) or axes == tuple(range(1, y.ndim)):
        # BLAS dot products: no float64 copy of the signal (float32 accumulation error ~1e-6 relative)
        rows = y.reshape(1 if axes[0] == 0 else y.shape[0], -1)
        ms = np.array([float(np.dot(r, r)) for r in rows]) / max(rows.shape[1], 1)
        return ms.reshape((-1,) + (1,) * (y.ndim - 1) if axes[0] == 1 else (1,) * y.ndim)
    return np.mean(np.square(y, dtype=np.float64), axis=axes, keepdims=True)


def max_abs(y: Any, axes: tuple) -> Any:
    if B.is_torch(y):
        return y.abs().amax(dim=axes, keepdim=True)
    return np.max(np.abs(y), axis=axes, keepdims=True)


def to_like(a: np.ndarray, y: Any, dtype: Any = None) -> Any:
    """numpy ``a`` on ``y``'s backend/device, in ``dtype`` (default ``y.dtype``)."""
    if B.is_torch(y):
        import torch

        t = torch.as_tensor(np.ascontiguousarray(a), device=y.device)
        return t.to(y.dtype if dtype is None else dtype)
    return np.asarray(a, dtype=y.dtype if dtype is None else dtype)


def cast(a: Any, y: Any) -> Any:
    return a.to(y.dtype) if B.is_torch(a) else a.astype(y.dtype, copy=False)


def arange(n: int, like: Any, dtype: Any = None) -> Any:
    if B.is_torch(like):
        import torch

        return torch.arange(n, device=like.device, dtype=dtype or torch.int64)
    return np.arange(n, dtype=dtype or np.int64)


def gather_last(y: Any, idx: Any) -> Any:
    """``out[..., t] = y[..., idx[..., t]]`` with ``idx`` broadcastable to ``y``'s leading axes."""
    if B.is_torch(y):
        shape = tuple(y.shape[:-1]) + (idx.shape[-1],)
        return y.gather(-1, idx.expand(shape))
    return np.take_along_axis(y, np.broadcast_to(idx, y.shape[:-1] + (idx.shape[-1],)), axis=-1)


def where(c: Any, a: Any, b: Any) -> Any:
    if B.is_torch(c):
        import torch

        return torch.where(c, a, b)
    return np.where(c, a, b)


def fast_len(n: int) -> int:
    import scipy.fft

    return scipy.fft.next_fast_len(max(int(n), 1), real=True)


def stack_numpy(arrays: list, like: Any) -> Any:
    return to_like(np.stack(arrays), like)


def db_to_gain(db: Any) -> Any:
    return 10.0 ** (np.asarray(db, dtype=np.float64) / 20.0)


LN1000 = math.log(1000.0)  # a 60 dB amplitude decay is exp(-ln 1000)
