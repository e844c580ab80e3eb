"""Mixup for waveform or spectrogram batches, with label mixing."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .._checks import check_int, check_positive
from ..errors import ParameterError
from ._rng import as_draw
from .base import Transform, _squeeze

__all__ = ["mixup", "Mixup"]


def _mix(x: Any, lam: np.ndarray, partner: np.ndarray) -> Any:
    lam_c = lam.reshape((-1,) + (1,) * (x.ndim - 1))
    if B.is_torch(x):
        import torch

        l = torch.as_tensor(lam_c, device=x.device).to(x.dtype)
        return l * x + (1 - l) * x[torch.as_tensor(partner, device=x.device)]
    return (lam_c * x + (1 - lam_c) * x[partner]).astype(x.dtype, copy=False)


def mixup(x: Any, labels: Any, lam: Any, partner: Any, num_classes: int | None = None) -> tuple[Any, Any]:
    """``lam*x + (1-lam)*x[partner]`` over axis 0 (a batch), and the same mix of the labels (integer class
    indices become one-hot with ``num_classes`` columns first; soft/one-hot labels ``(n, K)`` mix as they are).
    ``labels=None`` mixes only ``x``."""
    lam = np.asarray(lam, dtype=np.float64).reshape(-1)
    partner = np.asarray(partner, dtype=np.int64).reshape(-1)
    mixed = _mix(x, lam, partner)
    if labels is None:
        return mixed, None
    lab = labels
    is_int = (lab.dtype.is_floating_point is False) if B.is_torch(lab) else not np.issubdtype(np.asarray(lab).dtype, np.floating)
    if is_int:
        if num_classes is None:
            raise ParameterError("integer labels need num_classes (to make them one-hot before mixing)")
        if B.is_torch(lab):
            import torch

            lab = torch.nn.functional.one_hot(lab.long(), num_classes).to(x.dtype if torch.is_floating_point(x) else torch.float32)
        else:
            lab = np.eye(num_classes, dtype=np.float32)[np.asarray(lab)]
    return mixed, _mix(lab, lam, partner)


class Mixup(Transform):
    """Mixup (Zhang et al. 2018) over a batch: each example is mixed with a partner (a random permutation)
    with ``lam ~ Beta(alpha, alpha)``; examples not selected by ``p`` keep ``lam = 1``.

    ``t(x, sr=None, *, rng=None, labels=None)`` returns ``x`` mixed, or ``(x, labels)`` mixed when
    ``labels`` are given. numpy and torch inputs are both batches here (axis 0), waveforms or spectrograms.
    """

    needs_sr = False

    def __init__(self, alpha: float = 0.4, num_classes: int | None = None, p: float = 1.0) -> None:
        super().__init__(p)
        self.alpha = check_positive("alpha", alpha)
        self.num_classes = None if num_classes is None else check_int("num_classes", num_classes, 1)

    def __call__(self, x, sr=None, *, rng=None, labels=None):
        x = self._check(x, sr)
        draw = as_draw(rng)
        n = x.shape[0]
        params = {"apply": draw.bernoulli(self.p, n), "lam": draw.beta(self.alpha, self.alpha, n),
                  "partner": np.argsort(draw.random(n), kind="stable")}
        self.last_params = params
        return self._run(x, params, labels)

    def apply(self, x, sr, params, *, labels=None):
        return self._run(self._check(x, sr), params, labels)

    def _check(self, x, sr):
        if sr is not None:
            check_positive("sr", sr)
        x = B.as_float_signal(x, "x")
        if x.ndim < 2 or x.shape[-1] == 0:
            raise ParameterError(f"Mixup expects a batch (n, ..., T) with n >= 1 and T >= 1, got {tuple(x.shape)}")
        return x

    def _run(self, x, params, labels):
        lam = np.where(np.asarray(params["apply"], bool), np.asarray(params["lam"], np.float64), 1.0)
        if labels is not None and (labels.shape[0] if hasattr(labels, "shape") else len(labels)) != x.shape[0]:
            raise ParameterError(f"labels hold {len(labels)} rows, the batch has {x.shape[0]}")
        if labels is not None and not B.is_torch(labels):
            labels = np.asarray(labels)
        out, lab = mixup(x, labels, lam, params["partner"], self.num_classes)
        return out if labels is None else (out, lab)
