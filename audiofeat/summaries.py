"""High dimensionality: summarise a feature sequence into a fixed-length vector (functionals).

Classical ML (an SVM, gradient boosting, a linear probe) needs one vector per file or per segment, while
features come as sequences of frames whose number depends on the duration. :func:`functionals` reduces the
time axis with statistics (mean, standard deviation, extremes, percentiles, higher moments, the linear
trend), in the spirit of openSMILE's functionals; :func:`functional_names` names every output column so a
table of them stays readable (``mfcc_3_p90``).

Definitions on degenerate inputs (all tested):

* one frame, or a constant row (e.g. digital silence): ``std``/``var`` = 0, ``skew`` = 0, ``kurtosis`` = 0
  (excess kurtosis, so 0 is the Gaussian value), ``slope`` = 0, ``iqr`` = 0; the location statistics are the
  value itself;
* "constant" is judged relative to the row's magnitude (a standard deviation below ``64 * eps * max|x|``, the
  rounding a long constant row can gather in its mean, counts as zero), so float rounding of a constant row
  does not turn into a huge skewness, while a float32 row with a large offset (``1e4 + noise``) keeps its
  spread;
* no frames at all is an error (:class:`~audiofeat.errors.ParameterError`): there is nothing to summarise;
* non-finite values raise by default; with ``nan_policy='omit'`` NaN frames are left out per row (for a pitch
  track whose unvoiced frames are NaN), and a row with no finite value gives 0 for every statistic.
"""

from __future__ import annotations

import re
import warnings
from typing import Any, Sequence

import numpy as np

from . import _backend as B
from ._checks import check_axis
from ._registry import capabilities
from .errors import ParameterError

__all__ = ["functionals", "functional_names", "DEFAULT_STATS"]

#: the statistics computed when none are named
DEFAULT_STATS = ("mean", "std", "min", "max", "p10", "p50", "p90", "skew", "kurtosis", "slope")

_SIMPLE = ("mean", "std", "var", "min", "max", "range", "median", "iqr", "skew", "kurtosis", "slope", "rms")
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")


def _parse_stats(stats: Any) -> tuple[tuple[str, float | None], ...]:
    if isinstance(stats, str):
        stats = [s.strip() for s in stats.split(",") if s.strip()]
    try:
        stats = list(stats)
    except TypeError:
        raise ParameterError(f"stats must be a sequence of names, got {stats!r}") from None
    if not stats:
        raise ParameterError("stats must name at least one statistic")
    parsed = []
    for s in stats:
        if not isinstance(s, str):
            raise ParameterError(f"stats must be names (str), got {s!r}")
        m = _PERCENTILE.match(s)
        if m:
            parsed.append((s, float(m.group(1))))
        elif s in _SIMPLE:
            parsed.append((s, None))
        else:
            raise ParameterError(
                f"unknown statistic {s!r}; expected one of {list(_SIMPLE)} or a percentile 'p0'..'p100'")
    if len({name for name, _ in parsed}) != len(parsed):
        raise ParameterError(f"stats has repeated names: {stats}")
    return tuple(parsed)


def _quantiles(x: Any, qs: list[float], omit: bool) -> dict[float, Any]:
    """All the percentiles ``qs`` of ``x`` along the last axis, in one pass (one sort/partition)."""
    if not qs:
        return {}
    if B.is_torch(x):
        import torch

        fn = torch.nanquantile if omit else torch.quantile
        q = torch.tensor([v / 100.0 for v in qs], dtype=x.dtype, device=x.device)
        out = fn(x, q, dim=-1)
    elif not omit:
        out = np.percentile(x, qs, axis=-1).astype(x.dtype, copy=False)
    else:
        with warnings.catch_warnings():  # an all-NaN row gives NaN here, replaced by 0 by the caller
            warnings.simplefilter("ignore", RuntimeWarning)
            out = np.nanpercentile(x, qs, axis=-1).astype(x.dtype, copy=False)
    return {q: out[i] for i, q in enumerate(qs)}


@capabilities(librosa=None, compile=False,
              note="Percentiles are not differentiable at ties; gradients flow through the other statistics.")
def functionals(
    F: Any,
    stats: Sequence[str] | str = DEFAULT_STATS,
    *,
    axis: int = -1,
    nan_policy: str = "raise",
) -> Any:
    """Summarise features over time: one vector of statistics per feature row.

    Parameters
    ----------
    F : np.ndarray or torch.Tensor
        Features with time on ``axis``, e.g. MFCCs ``(..., n_mfcc, n_frames)``.
    stats : sequence of str or a comma-separated str
        Statistics, in output order: ``mean``, ``std`` (population, ddof=0), ``var``, ``min``, ``max``,
        ``range``, ``median``, ``iqr`` (p75 - p25), ``rms``, ``skew`` (Fisher-Pearson, biased, as
        ``scipy.stats.skew``), ``kurtosis`` (excess, biased, as ``scipy.stats.kurtosis``), ``slope`` (least
        squares slope against the frame index, in units per frame), and percentiles ``pNN`` (linear
        interpolation, as ``numpy.percentile``).
    axis : int
        The time axis, which is reduced.
    nan_policy : {'raise', 'omit'}
        ``'raise'``: non-finite values are an error. ``'omit'``: NaN frames are left out row by row (a row with
        no finite value gives zeros); infinities are still an error.

    Returns
    -------
    np.ndarray or torch.Tensor
        ``F`` with ``axis`` removed and a last axis of ``len(stats)``: for ``(..., n, T)`` input,
        ``(..., n, len(stats))``. Same backend, device and float dtype as ``F``. Name the flattened columns with
        :func:`functional_names`.

    Raises
    ------
    ParameterError
        No frames, an unknown statistic, a bad ``axis`` or ``nan_policy``, or non-finite values (see above).

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> F = np.array([[1.0, 2.0, 3.0, 4.0]])
    >>> audiofeat.functionals(F, ["mean", "min", "max", "slope"])
    array([[2.5, 1. , 4. , 1. ]])
    """
    parsed = _parse_stats(stats)
    if nan_policy not in ("raise", "omit"):
        raise ParameterError(f"nan_policy must be 'raise' or 'omit', got {nan_policy!r}")
    x = B.as_float(F, "F")
    if x.ndim == 0:
        raise ParameterError("F must have at least one axis (time)")
    axis = check_axis(axis, x.ndim)
    x = x.movedim(axis, -1) if B.is_torch(x) else np.moveaxis(x, axis, -1)
    xp = B.namespace(x)
    n_frames = x.shape[-1]
    if n_frames == 0:
        raise ParameterError(f"F has no frames along axis {axis} (shape {tuple(F.shape)}): nothing to summarise")
    omit = nan_policy == "omit"
    finite = xp.isfinite(x)
    if omit and bool(xp.all(finite)):
        omit = False  # nothing to leave out: the plain (much faster) reductions give the same values
    if omit:
        valid = ~xp.isnan(x)
        if not bool(xp.all(finite | ~valid)):
            raise ParameterError("F holds infinite values (nan_policy='omit' leaves out NaN only)")
    else:
        if not bool(xp.all(finite)):
            raise ParameterError("F holds NaN or infinite values; pass nan_policy='omit' to leave NaN frames out")
        valid = None

    zero = xp.zeros_like(x[..., 0])
    if omit:
        w = xp.astype(valid, x.dtype) if not B.is_torch(x) else valid.to(x.dtype)
        count = xp.sum(w, axis=-1)
        empty = count == 0
        safe = xp.where(valid, x, xp.zeros_like(x))
        n = xp.where(empty, xp.ones_like(count), count)
    else:
        w = None
        safe = x
        n = float(n_frames)
        empty = None

    mean = xp.sum(safe, axis=-1) / n
    dev = safe - mean[..., None]
    if w is not None:
        dev = dev * w
    m2 = xp.sum(dev * dev, axis=-1) / n
    # a variance at rounding level of the row's magnitude is a constant row
    scale = xp.max(xp.abs(safe), axis=-1)
    eps = float(np.finfo(np.float32 if str(x.dtype).endswith("float32") else np.float64).eps)
    flat = m2 <= (64.0 * eps * scale) ** 2
    m2_safe = xp.where(flat, xp.ones_like(m2), m2)

    def masked_extreme(kind: str) -> Any:
        if w is None:
            return xp.min(x, axis=-1) if kind == "min" else xp.max(x, axis=-1)
        fill = float("inf") if kind == "min" else float("-inf")
        filled = xp.where(valid, x, xp.full_like(x, fill))
        red = xp.min(filled, axis=-1) if kind == "min" else xp.max(filled, axis=-1)
        return xp.where(empty, zero, red)

    wanted = [q for _, q in parsed if q is not None]
    wanted += [50.0] * any(n == "median" for n, _ in parsed) + [25.0, 75.0] * any(n == "iqr" for n, _ in parsed)
    pct = _quantiles(x, sorted(set(wanted)), omit)
    out = []
    for name, q in parsed:
        if q is not None:
            v = pct[q]
        elif name == "mean":
            v = mean
        elif name in ("std", "var"):
            var = xp.where(flat, zero, m2)
            v = var if name == "var" else xp.sqrt(var)
        elif name == "min":
            v = masked_extreme("min")
        elif name == "max":
            v = masked_extreme("max")
        elif name == "range":
            v = masked_extreme("max") - masked_extreme("min")
        elif name == "median":
            v = pct[50.0]
        elif name == "iqr":
            v = pct[75.0] - pct[25.0]
        elif name == "rms":
            v = xp.sqrt(xp.sum(safe * safe, axis=-1) / n)
        elif name == "skew":
            # products, not ``dev ** 3``: numpy's pow with a float exponent is ~100x slower than multiplying
            m3 = xp.sum(dev * dev * dev, axis=-1) / n
            v = xp.where(flat, zero, m3 / m2_safe ** 1.5)
        elif name == "kurtosis":
            d2 = dev * dev
            m4 = xp.sum(d2 * d2, axis=-1) / n
            v = xp.where(flat, zero, m4 / m2_safe ** 2 - 3.0)
        else:  # slope: least squares against the frame index (of the frames that count)
            t = B.from_numpy(np.arange(n_frames, dtype=np.float64), x, dtype=x.dtype)
            if w is None:
                tc = t - (n_frames - 1) / 2.0
                denom = float((tc * tc).sum()) if n_frames > 1 else 1.0
                v = xp.sum(dev * tc, axis=-1) / denom
            else:
                tmean = xp.sum(w * t, axis=-1) / n
                tdev = (t - tmean[..., None]) * w
                denom = xp.sum(tdev * tdev, axis=-1)
                v = xp.sum(dev * tdev, axis=-1) / xp.where(denom > 0, denom, xp.ones_like(denom))
            v = xp.where(flat, zero, v)
        if empty is not None:
            v = xp.where(empty, zero, v)
        out.append(v)
    return xp.stack(out, axis=-1)


@capabilities(torch=False, autograd=False, compile=False, batch=False, note="Returns names, not arrays.")
def functional_names(prefix: str, shape: Sequence[int] | int, stats: Sequence[str] | str = DEFAULT_STATS) -> list[str]:
    """Column names for the flattened output of :func:`functionals`.

    Parameters
    ----------
    prefix : str
        The feature's name, e.g. ``'mfcc'``.
    shape : int or sequence of int
        The feature's shape without the time axis, e.g. ``20`` (or ``(20,)``) for MFCCs, ``()`` for a
        one-row curve such as loudness.
    stats : sequence of str or str
        The statistics, as passed to :func:`functionals`.

    Returns
    -------
    list of str
        ``prefix_<index>_<stat>`` in row-major order of ``shape`` then ``stats`` (``prefix_<stat>`` when the
        shape is empty), matching ``functionals(F, stats).reshape(-1)``.

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.functional_names("mfcc", 2, ["mean", "p90"])
    ['mfcc_0_mean', 'mfcc_0_p90', 'mfcc_1_mean', 'mfcc_1_p90']
    """
    parsed = [name for name, _ in _parse_stats(stats)]
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0 for n in shape):
        raise ParameterError(f"shape must be non-negative integers (the feature's shape without time), got {shape}")
    if not shape:
        return [f"{prefix}_{s}" for s in parsed]
    names = []
    for index in np.ndindex(*shape):
        label = "_".join(str(i) for i in index)
        names.extend(f"{prefix}_{label}_{s}" for s in parsed)
    return names
