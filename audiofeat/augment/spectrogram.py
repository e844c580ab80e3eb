"""Spectrogram augmentation (SpecAugment): time and frequency masking, time warping.

Inputs are spectrograms ``(..., F, frames)`` (numpy: one example; torch: ``(B, F, frames)`` or
``(B, C, F, frames)``, a 2-D tensor is one example). Pure functions first, then the transforms.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._checks import check_int
from ..errors import ParameterError
from ._ops import cast, gather_last, to_like, where
from .base import Transform, check_range

__all__ = ["mask_time", "mask_freq", "time_warp", "TimeMasking", "FrequencyMasking", "TimeWarp"]


def _band_mask(size: int, start: Any, width: Any, batch: bool) -> np.ndarray:
    """``(n, size)`` bool: True inside any of the masks ``[start, start+width)`` (``(n, m)`` each)."""
    s = np.asarray(start, dtype=np.int64)
    w = np.asarray(width, dtype=np.int64)
    if not batch:
        s, w = s.reshape(1, -1), w.reshape(1, -1)
    else:
        s, w = s.reshape(s.shape[0], -1), w.reshape(w.shape[0], -1)
    i = np.arange(size)[None, None, :]
    return ((i >= s[..., None]) & (i < (s + w)[..., None])).any(axis=1)


def _masked(S: Any, m: np.ndarray, axis: int, value: Any, batch: bool) -> Any:
    shape = [1] * S.ndim
    if batch:
        shape[0] = m.shape[0]
    shape[axis] = m.shape[-1]
    mask = m.reshape(shape)
    if isinstance(value, str):  # "mean": the mean of each example
        axes = tuple(range(1 if batch else 0, S.ndim))
        fill = S.mean(dim=axes, keepdim=True) if B.is_torch(S) else S.mean(axis=axes, keepdims=True)
    else:
        fill = float(value)
    mask = to_like(mask, S, dtype=bool if not B.is_torch(S) else None)
    if B.is_torch(S):
        import torch

        mask = mask.to(torch.bool)
        return torch.where(mask, fill if not isinstance(fill, float) else torch.as_tensor(fill, dtype=S.dtype,
                                                                                         device=S.device), S)
    return np.where(mask, fill, S).astype(S.dtype, copy=False)


def mask_time(S: Any, start: Any, width: Any, value: Any = 0.0) -> Any:
    """Set frames ``[start, start + width)`` (on the last axis) to ``value`` (a number or ``"mean"``).
    ``start``/``width``: ints or lists for several masks; ``(n,)``/``(n, m)`` arrays for a batch ``(n, ...)``."""
    batch = np.ndim(start) > 0 and np.asarray(start).shape[0] == S.shape[0] and np.ndim(start) == 2
    return _masked(S, _band_mask(S.shape[-1], start, width, batch), S.ndim - 1, value, batch)


def mask_freq(S: Any, start: Any, width: Any, value: Any = 0.0) -> Any:
    """Set frequency bins ``[start, start + width)`` (axis -2) to ``value``; see :func:`mask_time`."""
    batch = np.ndim(start) > 0 and np.asarray(start).shape[0] == S.shape[0] and np.ndim(start) == 2
    return _masked(S, _band_mask(S.shape[-2], start, width, batch), S.ndim - 2, value, batch)


def time_warp(S: Any, center: Any, dist: Any) -> Any:
    """SpecAugment time warp: frame ``center`` moves to ``center + dist``; the frames on each side are
    stretched linearly (linear interpolation between frames). Scalars, or ``(n,)`` per example."""
    T = S.shape[-1]
    c = np.atleast_1d(np.asarray(center, dtype=np.float64))[:, None]
    d = np.atleast_1d(np.asarray(dist, dtype=np.float64))[:, None]
    t = np.arange(T, dtype=np.float64)[None, :]
    new_c = c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        left = t * c / np.maximum(new_c, 1e-12)
        right = c + (t - new_c) * (T - 1 - c) / np.maximum(T - 1 - new_c, 1e-12)
    src = np.clip(np.where(t < new_c, left, right), 0, T - 1)
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, T - 1)
    frac = src - i0
    batch = np.ndim(center) > 0
    shape = ((c.shape[0],) if batch else ()) + (1,) * (S.ndim - 1 - (1 if batch else 0)) + (T,)
    if not batch:
        i0, i1, frac = i0[0], i1[0], frac[0]
    i0, i1, frac = i0.reshape(shape), i1.reshape(shape), frac.reshape(shape)
    if B.is_torch(S):
        import torch

        i0, i1 = torch.as_tensor(i0, device=S.device), torch.as_tensor(i1, device=S.device)
    a, b = gather_last(S, i0), gather_last(S, i1)
    f = to_like(frac, S)
    return a + (b - a) * f


class _Masking(Transform):
    domain = "spectrogram"
    needs_sr = False
    axis = -1

    def __init__(self, max_width: Any = 10, n_masks: int = 1, mask_value: Any = 0.0, p: float = 1.0) -> None:
        super().__init__(p)
        if isinstance(max_width, float) and not 0 < max_width <= 1:
            raise ParameterError(f"max_width={max_width!r}: a float is a fraction of the axis, in (0, 1]")
        if not isinstance(max_width, float):
            max_width = check_int("max_width", max_width, 0)
        self.max_width = max_width
        self.n_masks = check_int("n_masks", n_masks, 0)
        if not (isinstance(mask_value, str) and mask_value == "mean"):
            mask_value = check_range("mask_value", mask_value)[0]
        self.mask_value = mask_value

    def _draw(self, draw, n, y, sr):
        size = y.shape[self.axis]
        wmax = int(self.max_width * size) if isinstance(self.max_width, float) else min(self.max_width, size)
        width = np.floor(draw.random((n, self.n_masks)) * (wmax + 1)).astype(np.int64)
        start = np.floor(draw.random((n, self.n_masks)) * (size - width + 1)).astype(np.int64)
        return {"start": start, "width": width}

    def _apply(self, y, sr, params):
        fn = mask_time if self.axis == -1 else mask_freq
        start = np.asarray(params["start"]).reshape(y.shape[0], -1)
        width = np.asarray(params["width"]).reshape(y.shape[0], -1)
        return fn(y, start, width, self.mask_value)


class TimeMasking(_Masking):
    """SpecAugment time masking: ``n_masks`` masks of a width drawn in ``[0, max_width]`` frames (a float:
    a fraction of the frames), at uniform positions, filled with ``mask_value`` (a number or ``"mean"``)."""

    axis = -1


class FrequencyMasking(_Masking):
    """SpecAugment frequency masking: as :class:`TimeMasking` on the frequency axis (-2)."""

    axis = -2


class TimeWarp(Transform):
    """SpecAugment time warp: a frame drawn in ``[W, frames - W)`` moves by a distance drawn in ``[-W, W]``.
    Spectrograms with ``frames <= 2*W`` are left unchanged."""

    domain = "spectrogram"
    needs_sr = False

    def __init__(self, W: int = 5, p: float = 1.0) -> None:
        super().__init__(p)
        self.W = check_int("W", W, 1)

    def _draw(self, draw, n, y, sr):
        T, W = y.shape[-1], self.W
        if T <= 2 * W:
            return {"center": np.zeros(n), "dist": np.zeros(n)}
        center = W + np.floor(draw.random(n) * (T - 2 * W))
        dist = np.floor(draw.random(n) * (2 * W + 1)) - W
        return {"center": center, "dist": dist}

    def _apply(self, y, sr, params):
        if y.shape[-1] <= 2 * self.W:
            return y
        return cast(time_warp(y, np.asarray(params["center"]).reshape(-1), np.asarray(params["dist"]).reshape(-1)), y)
