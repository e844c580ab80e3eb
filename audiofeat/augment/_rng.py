"""Random generators for augmentation: one helper turns what the user passes into a :class:`Draw`.

``rng`` may be a ``numpy.random.Generator``, a ``torch.Generator``, an int seed, or ``None`` (fresh OS
entropy: not reproducible; pass a seed or a generator for that). Transforms draw their *parameters* (a
few numbers per example, vectorised over a batch) through :class:`Draw`, as float64 numpy arrays, so the
parameter record (``last_params``) is the same kind of object whichever generator drove it.

Signal-sized randomness (noise, synthetic impulse responses) is not drawn from the generator: a transform
draws a 32-bit *seed* per example and expands it with :func:`seeded_normal` (a function of the seed alone,
on the CPU; a torch batch's noise is then moved to its device), so numpy and torch produce the same samples
from the same seed and a replay (``apply(y, sr, params)``) reproduces the noise without the generator.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ParameterError

__all__ = ["Draw", "as_draw", "seeded_normal"]


class Draw:
    """Parameter draws from one generator (numpy or torch), always returned as float64/int64 numpy arrays."""

    def __init__(self, gen: Any) -> None:
        self.gen = gen
        self.is_torch = not isinstance(gen, np.random.Generator)

    # --- primitives -------------------------------------------------------------------------------
    def random(self, size: Any) -> np.ndarray:
        """Uniform [0, 1) of shape ``size``."""
        if not self.is_torch:
            return self.gen.random(size)
        import torch

        size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
        return torch.rand(size, generator=self.gen, dtype=torch.float64, device=self.gen.device).cpu().numpy()

    def numpy(self) -> np.random.Generator:
        """A numpy generator (itself, or one seeded from the torch generator) for the rarer distributions."""
        if not self.is_torch:
            return self.gen
        import torch

        seed = torch.randint(0, 2**62, (2,), generator=self.gen, device=self.gen.device).cpu().tolist()
        return np.random.default_rng(seed)

    # --- derived ----------------------------------------------------------------------------------
    def uniform(self, low: float, high: float, size: Any) -> np.ndarray:
        return low + (high - low) * self.random(size)

    def log_uniform(self, low: float, high: float, size: Any) -> np.ndarray:
        return np.exp(self.uniform(math.log(low), math.log(high), size))

    def integers(self, low: int, high: Any, size: Any) -> np.ndarray:
        """Integers in ``[low, high)``; ``high`` may be an array broadcast against ``size``."""
        high = np.asarray(high, dtype=np.int64)
        span = np.maximum(high - low, 1)
        out = low + np.floor(self.random(size) * span).astype(np.int64)
        return np.minimum(out, np.maximum(high - 1, low))

    def bernoulli(self, p: float, size: Any) -> np.ndarray:
        return self.random(size) < p

    def seeds(self, size: Any) -> np.ndarray:
        """32-bit seeds for :func:`seeded_normal` (int64 array)."""
        return np.floor(self.random(size) * 2.0**32).astype(np.int64)

    def choice(self, n: int, size: Any, weights: Any = None) -> np.ndarray:
        """Indices in ``range(n)``, uniform or with ``weights`` (inverse CDF on one uniform each)."""
        u = self.random(size)
        if weights is None:
            return np.minimum(np.floor(u * n).astype(np.int64), n - 1)
        cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
        cdf = cdf / cdf[-1]
        return np.minimum(np.searchsorted(cdf, u, side="right"), n - 1).astype(np.int64)

    def beta(self, a: float, b: float, size: Any) -> np.ndarray:
        return self.numpy().beta(a, b, size)


def as_draw(rng: Any = None) -> Draw:
    """Normalise ``rng`` (numpy Generator, torch Generator, int seed or None) to a :class:`Draw`."""
    if isinstance(rng, Draw):
        return rng
    if rng is None:
        return Draw(np.random.default_rng())
    if isinstance(rng, np.random.Generator):
        return Draw(rng)
    if isinstance(rng, (bool, np.bool_)):
        raise ParameterError(f"rng={rng!r} must be a numpy.random.Generator, a torch.Generator, an int seed "
                             "or None")
    if isinstance(rng, (int, np.integer)):
        if rng < 0:
            raise ParameterError(f"rng={rng!r}: an int seed must be >= 0")
        return Draw(np.random.default_rng(int(rng)))
    if isinstance(rng, np.random.SeedSequence):
        return Draw(np.random.default_rng(rng))
    if type(rng).__module__.startswith("torch") and type(rng).__name__ == "Generator":
        return Draw(rng)
    raise ParameterError(
        f"rng={rng!r} must be a numpy.random.Generator, a torch.Generator, an int seed or None, "
        f"got {type(rng).__name__}"
    )


# --------------------------------------------------------------------------------------------------
# signal-sized noise from per-example seeds
# --------------------------------------------------------------------------------------------------
def seeded_normal(seeds: Any, n: int, dtype: Any = np.float64) -> np.ndarray:
    """Standard normal samples ``(len(seeds), n)`` on the CPU, row ``i`` a function of ``seeds[i]`` alone.

    The same seed gives the same samples whatever the batch, the backend or the device the result is moved
    to, so a numpy example and the same example in a torch batch get identical noise, and a replay
    (``apply(y, sr, params)``) regenerates it. float64 rows are ``Generator(PCG64(seed)).standard_normal``;
    float32 rows are the Box-Muller transform of float32 uniforms from the seed's SplitMix64 sequence
    (:func:`_box_muller32`): white noise is most of a noise augmentation's time, and this costs ~25 us for
    16,000 samples where numpy's float32 ziggurat costs ~140 and PCG64's float32 uniforms alone ~45.
    """
    seeds = np.atleast_1d(np.asarray(seeds, dtype=np.int64))
    if seeds.size and seeds.min() < 0:
        raise ParameterError(f"noise seeds must be non-negative integers, got {int(seeds.min())}")
    out = np.empty((len(seeds), n), dtype=dtype)
    single = out.dtype == np.float32
    for i, s in enumerate(seeds):
        if single:
            _box_muller32(int(s), out[i])
        else:
            np.random.Generator(np.random.PCG64(int(s))).standard_normal(n, dtype=dtype, out=out[i])
    return out


_TWO_PI32 = np.float32(2.0 * math.pi)
_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1, _MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def _splitmix_start(seed: int) -> int:
    """The state a seed starts its SplitMix64 sequence from: the seed itself, mixed (so that neighbouring
    seeds start far apart on the sequence's 2**64 cycle)."""
    z = (seed + _GOLDEN) & _MASK64
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK64
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
    return z ^ (z >> 31)


def _uniform_pairs(seed: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """``h`` pairs of float32 uniforms in ``[0, 1)`` from one seed: output ``i`` of SplitMix64 from
    :func:`_splitmix_start` gives ``u[i]`` (bits 40-63) and ``v[i]`` (bits 16-39), 24 bits each (a float32's
    precision). Compiled where numba is available (~4 us for 8,000 pairs), else the same integer arithmetic
    in numpy (~35 us): the same bits either way."""
    from .. import _kernels

    start = _splitmix_start(seed)
    u = np.empty(h, dtype=np.float32)
    v = np.empty(h, dtype=np.float32)
    compiled = _kernels.kernels()
    if compiled is not None:
        compiled.splitmix_uniforms(np.uint64(start), u, v)
        return u, v
    z = np.arange(1, h + 1, dtype=np.uint64)
    z *= np.uint64(_GOLDEN)
    z += np.uint64(start)
    z ^= z >> np.uint64(30)
    z *= np.uint64(_MIX1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(_MIX2)
    z ^= z >> np.uint64(31)
    scale = np.float32(2.0**-24)
    np.multiply((z >> np.uint64(40)).astype(np.float32), scale, out=u)
    z >>= np.uint64(16)
    z &= np.uint64(0xFFFFFF)
    np.multiply(z.astype(np.float32), scale, out=v)
    return u, v


def _box_muller32(seed: int, out: np.ndarray) -> None:
    """Fill the float32 vector ``out`` with standard normal samples: ``sqrt(-2 ln(1 - u)) * (cos, sin)(2 pi v)``
    for ``(n + 1) // 2`` pairs of float32 uniforms ``u, v`` in ``[0, 1)`` (:func:`_uniform_pairs` of
    ``seed``; numpy's vectorised float32 log, sqrt, cos and sin; the first half of ``out`` takes the
    cosines, the second the sines).

    An exact Gaussian up to float32 rounding (~1e-7 relative per sample), except that the 24-bit uniforms cap
    ``|x|`` at ``sqrt(2 ln 2**24) = 5.77`` (a normal exceeds it with probability 8e-9).
    """
    n = out.shape[0]
    h = (n + 1) // 2
    r, t = _uniform_pairs(seed, h)
    np.subtract(np.float32(1), r, out=r)  # (0, 1]: no log(0)
    np.log(r, out=r)
    r *= np.float32(-2)
    np.sqrt(r, out=r)
    t *= _TWO_PI32
    np.cos(t, out=out[:h])
    out[:h] *= r
    if n > h:
        np.sin(t[: n - h], out=out[h:])
        out[h:] *= r[: n - h]
