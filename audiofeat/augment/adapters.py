"""Run an audiomentations transform inside an audiofeat pipeline (optional extra: ``pip install audiomentations``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _backend as B
from .base import Transform

__all__ = ["from_audiomentations", "AudiomentationsTransform"]


class AudiomentationsTransform(Transform):
    """An audiomentations transform (or ``Compose``) as an audiofeat :class:`Transform`.

    audiomentations draws from numpy's and Python's *global* random state. To keep our seeding model, each
    call draws one 32-bit seed per example from our generator and seeds ``numpy.random`` and ``random`` with
    it right before running the wrapped transform on that example; the global states are restored afterwards,
    so other code that uses them is not disturbed. The wrapped transform's own ``p`` still applies (inside its
    seeded draw); ours is applied on top. torch batches are moved to the CPU, run one example at a time, and
    moved back. ``last_params`` holds the seeds (a replay with ``apply`` gives the same output). No config form.
    """

    config_unsupported = True

    def __init__(self, transform: Any, p: float = 1.0) -> None:
        super().__init__(p)
        if not callable(transform):
            from ..errors import ParameterError

            raise ParameterError(f"{transform!r} is not a callable audiomentations transform")
        self.transform = transform

    def _draw(self, draw, n, y, sr):
        return {"seed": draw.seeds(n)}

    def _apply(self, y, sr, params):
        import random

        x = B.to_numpy(y)
        state_np, state_py = np.random.get_state(), random.getstate()
        outs = []
        try:
            for i, seed in enumerate(np.atleast_1d(params["seed"])):
                np.random.seed(int(seed))
                random.seed(int(seed))
                xi = np.ascontiguousarray(x[i], dtype=np.float32)
                z = self.transform(samples=xi, sample_rate=int(round(sr)))
                outs.append(np.asarray(z))
        finally:
            np.random.set_state(state_np)
            random.setstate(state_py)
        if len({o.shape for o in outs}) > 1:
            from ..errors import ParameterError

            raise ParameterError("the audiomentations transform returned different lengths within a batch")
        out = np.stack(outs)
        if B.is_torch(y):
            import torch

            return torch.as_tensor(out, device=y.device).to(y.dtype)
        return out.astype(y.dtype, copy=False)


def from_audiomentations(transform: Any, p: float = 1.0) -> AudiomentationsTransform:
    """Wrap an audiomentations transform so it runs inside :class:`Compose` with our generator (see
    :class:`AudiomentationsTransform` for how the global random state is seeded)."""
    return AudiomentationsTransform(transform, p=p)
