"""Transform base class, composition (Compose, OneOf, SomeOf) and the config form.

A transform is a thin stateful wrapper around a pure function: ``t(y, sr, rng=...)`` (1) draws its
parameters from the generator, (2) calls the pure function, and keeps what it drew in ``t.last_params``;
``t.apply(y, sr, params)`` replays them without a generator.

Inputs
------
* numpy: one example ``(..., T)`` (channels allowed; spectrogram transforms: ``(..., F, frames)``).
  ``last_params`` then holds one value per parameter.
* torch: a batch ``(B, T)`` or ``(B, C, T)`` (spectrograms ``(B, F, frames)`` or ``(B, C, F, frames)``), on
  any device; a tensor of the minimal rank (``(T,)``, ``(F, frames)``) is one example. Every example gets
  its own parameters, drawn vectorised; ``last_params`` holds arrays with one row per example.

Parameters are drawn for every example whether or not it is selected by ``p``, so the randomness a
transform consumes does not depend on the outcome of the coin (it depends on the batch size only).
"""

from __future__ import annotations

import functools
import inspect
import json
import math
from typing import Any, Sequence

import numpy as np

from .. import _backend as B
from .._checks import check_positive
from ..errors import ParameterError
from ._rng import Draw, as_draw

__all__ = [
    "Transform", "Compose", "OneOf", "SomeOf", "from_config", "to_config", "TRANSFORMS", "params_item",
]

#: every Transform subclass by name (the config form refers to them by this name).
TRANSFORMS: dict[str, type] = {}


# --------------------------------------------------------------------------------------------------
# parameter checks shared by the transforms
# --------------------------------------------------------------------------------------------------
def check_probability(p: Any) -> float:
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(p) <= 1.0:
        raise ParameterError(f"p={p!r} must be a probability in [0, 1]")
    return float(p)


def check_range(name: str, value: Any, *, minimum: float | None = None, maximum: float | None = None,
                strict: bool = False) -> tuple[float, float]:
    """A number (a fixed value) or a pair ``(low, high)`` with ``low <= high``, as a float pair."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        pair = (float(value), float(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            for v in value):
        pair = (float(value[0]), float(value[1]))
    else:
        raise ParameterError(f"{name}={value!r} must be a number or a pair (low, high) of numbers")
    if not all(math.isfinite(v) for v in pair):
        raise ParameterError(f"{name}={value!r} must be finite")
    if pair[0] > pair[1]:
        raise ParameterError(f"{name}={value!r}: low must be <= high")
    if minimum is not None and (pair[0] <= minimum if strict else pair[0] < minimum):
        raise ParameterError(f"{name}={value!r} must be {'>' if strict else '>='} {minimum:g}")
    if maximum is not None and pair[1] > maximum:
        raise ParameterError(f"{name}={value!r} must be <= {maximum:g}")
    return pair


def column(v: Any, y: Any) -> Any:
    """Per-example values ``(n,)`` as an array ``(n, 1, ..., 1)`` of ``y``'s backend, dtype and device."""
    v = np.asarray(v, dtype=np.float64).reshape((-1,) + (1,) * (y.ndim - 1))
    if B.is_torch(y):
        import torch

        return torch.as_tensor(v, device=y.device).to(y.dtype)
    return v.astype(y.dtype)


def _take(params: Any, idx: np.ndarray) -> Any:
    """The rows ``idx`` of every per-example array in a (nested) parameter record."""
    if isinstance(params, dict):
        return {k: _take(v, idx) for k, v in params.items()}
    if isinstance(params, np.ndarray) and params.ndim >= 1:
        return params[idx]
    return params


def params_item(params: Any, i: int) -> Any:
    """The parameters of example ``i`` of a batch record, in the form a single numpy example records.

    Only flat records (a transform, not a composition, whose children ran on sub-batches) can be split.
    """
    if isinstance(params, dict):
        return {k: params_item(v, i) for k, v in params.items()}
    if isinstance(params, np.ndarray) and params.ndim >= 1:
        return params[i].copy() if params.ndim > 1 else params[i].item()
    return params


def _squeeze(params: Any) -> Any:
    """A one-example batch record as a single example's record (arrays ``(1, ...)`` -> their row)."""
    kind = type(params)
    if kind is dict:
        return {k: _squeeze(v) for k, v in params.items()}
    if kind is np.ndarray:
        if params.ndim == 1:
            return params.item() if params.shape[0] == 1 else params
        return params[0].copy() if params.ndim > 1 and params.shape[0] == 1 else params
    if kind is list:
        return [_squeeze(v) for v in params]
    if isinstance(params, dict):
        return {k: _squeeze(v) for k, v in params.items()}
    if isinstance(params, list):
        return [_squeeze(v) for v in params]
    if isinstance(params, np.ndarray) and params.ndim >= 1 and params.shape[0] == 1:
        return params[0].copy() if params.ndim > 1 else params[0].item()
    return params


def _expand(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: _expand(v) for k, v in params.items()}
    if isinstance(params, list):
        return [_expand(v) for v in params]
    if params is None or isinstance(params, str):
        return params
    return np.asarray(params)[None]


def _scatter(y: Any, idx: np.ndarray, sub: Any) -> Any:
    if sub.shape[1:] != y.shape[1:]:
        raise ParameterError(
            f"a transform changed the shape of part of a batch ({tuple(y.shape[1:])} -> {tuple(sub.shape[1:])}); "
            "in batch mode length-changing transforms must keep the length (leave_length_unchanged=True)")
    if B.is_torch(y):
        import torch

        return y.index_copy(0, torch.as_tensor(idx, device=y.device), sub.to(y.dtype))
    out = y.copy()
    out[idx] = sub
    return out


# --------------------------------------------------------------------------------------------------
# the base class
# --------------------------------------------------------------------------------------------------
class Transform:
    """Base class: subclasses implement ``_draw`` (parameters for ``n`` examples) and ``_apply`` (a batch).

    Class attributes: ``domain`` (``"waveform"`` or ``"spectrogram"``), ``needs_sr``.
    """

    domain = "waveform"
    needs_sr = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            TRANSFORMS[cls.__name__] = cls
        init = cls.__init__  # own or inherited: every class records its own arguments
        signature = inspect.signature(init)

        @functools.wraps(init)
        def recording_init(self, *args: Any, **kw: Any) -> None:
            if type(self) is cls:  # the outermost __init__ records the arguments (for to_config)
                bound = signature.bind(self, *args, **kw)
                bound.apply_defaults()
                self._init_args = {k: v for k, v in list(bound.arguments.items())[1:]}
            init(self, *args, **kw)

        cls.__init__ = recording_init

    def __init__(self, p: float = 1.0) -> None:
        self.p = check_probability(p)
        self.last_params = None

    @property
    def last_params(self) -> Any:
        """The parameters the last call drew (one value each for a numpy example, one row per example of a
        torch batch), for :meth:`apply`; ``None`` before the first call."""
        record = self.__dict__.get("_last_record")
        if record is None:
            return None
        params, single = record
        if single:  # the one-example batch record in a single example's form, made when first read
            params = _squeeze(params)
            self.__dict__["_last_record"] = (params, False)
        return params

    @last_params.setter
    def last_params(self, params: Any) -> None:
        self.__dict__["_last_record"] = None if params is None else (params, False)

    # --- public API -------------------------------------------------------------------------------
    def __call__(self, y: Any, sr: float | None = None, *, rng: Any = None) -> Any:
        """Draw parameters from ``rng`` and apply them. ``rng``: numpy/torch Generator, int seed or None."""
        yb, sr, single = self._prepare(y, sr)
        out, params = self._forward(yb, sr, as_draw(rng), None)
        self.__dict__["_last_record"] = (params, single)  # squeezed when read: most calls never read it
        return out[0] if single else out

    def apply(self, y: Any, sr: float | None, params: Any) -> Any:
        """Apply recorded parameters (``last_params``, or ``params_item(batch_params, i)``) again."""
        yb, sr, single = self._prepare(y, sr)
        out, _ = self._forward(yb, sr, None, _expand(params) if single else params)
        return out[0] if single else out

    def to_config(self) -> dict:
        return to_config(self)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in getattr(self, "_init_args", {}).items())
        return f"{type(self).__name__}({args})"

    # --- machinery --------------------------------------------------------------------------------
    def _min_ndim(self) -> int:
        return 2 if self.domain == "spectrogram" else 1

    def _prepare(self, y: Any, sr: Any) -> tuple[Any, Any, bool]:
        if sr is not None:
            sr = check_positive("sr", sr, " (samples per second)")
        elif self.needs_sr:
            raise ParameterError(f"{type(self).__name__} needs the sampling rate: call it as t(y, sr)")
        y = B.as_float_signal(y, "y" if self.domain == "waveform" else "S")
        lo = self._min_ndim()
        if y.ndim < lo:
            raise ParameterError(f"{type(self).__name__} expects at least {lo} dimension(s), got shape "
                                 f"{tuple(y.shape)}")
        if y.shape[-1] == 0 or (self.domain == "spectrogram" and y.shape[-2] == 0):
            raise ParameterError(f"{type(self).__name__}: the input is empty (shape {tuple(y.shape)})")
        if B.is_torch(y):
            if y.ndim > lo + 2:
                raise ParameterError(
                    f"{type(self).__name__} expects a torch batch of shape (B, T) or (B, C, T) "
                    f"(spectrograms (B, F, frames) or (B, C, F, frames)), got {tuple(y.shape)}")
            if y.ndim == lo:
                return y[None], sr, True
            return y, sr, False
        return y[None], sr, True

    def _forward(self, y: Any, sr: Any, draw: Draw | None, params: Any) -> tuple[Any, Any]:
        n = y.shape[0]
        if params is None:
            params = {"apply": draw.bernoulli(self.p, n)}
            params.update(self._draw(draw, n, y, sr))
        mask = params["apply"]
        if not (n == 1 and type(mask) is np.ndarray and mask.shape == (1,)):  # (a drawn flag: as it is)
            mask = np.asarray(mask, dtype=bool).reshape(-1)
            if mask.shape[0] != n:
                raise ParameterError(f"params hold {mask.shape[0]} examples, the input has {n}")
        if n == 1:  # one example (every numpy call): its flag, no array reductions
            return (self._apply(y, sr, params), params) if mask[0] else (y, params)
        if not mask.any():
            return y, params
        if mask.all():
            return self._apply(y, sr, params), params
        idx = np.flatnonzero(mask)
        sub = self._apply(y[idx], sr, _take(params, idx))
        return _scatter(y, idx, sub), params

    def _draw(self, draw: Draw, n: int, y: Any, sr: Any) -> dict:
        return {}

    def _apply(self, y: Any, sr: Any, params: dict) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


# --------------------------------------------------------------------------------------------------
# composition
# --------------------------------------------------------------------------------------------------
def _check_transforms(transforms: Any) -> list:
    if isinstance(transforms, Transform) or not isinstance(transforms, (list, tuple)):
        raise ParameterError("transforms must be a list of Transform objects")
    for t in transforms:
        if not isinstance(t, Transform):
            raise ParameterError(f"{t!r} is not a Transform (wrap audiomentations ones with from_audiomentations)")
    return list(transforms)


class _Composite(Transform):
    needs_sr = False

    def _prepare(self, y, sr):
        domains = {t.domain for t in self.transforms}
        self.domain = "spectrogram" if domains == {"spectrogram"} else "waveform"
        if any(t.needs_sr for t in self.transforms) and sr is None:
            raise ParameterError(f"{type(self).__name__} holds transforms that need the sampling rate: "
                                 "call it as t(y, sr)")
        return super()._prepare(y, sr)

    def _run_child(self, t: Transform, y: Any, sr: Any, rows: np.ndarray, draw: Draw | None, cp: Any):
        """Run child ``t`` on the rows ``rows`` (bool mask) of ``y``; returns (y, its params or None)."""
        if rows.shape[0] == 1:
            return t._forward(y, sr, draw, cp) if rows[0] else (y, None)
        if not rows.any():
            return y, None
        if rows.all():
            return t._forward(y, sr, draw, cp)
        idx = np.flatnonzero(rows)
        sub, cp = t._forward(y[idx], sr, draw, cp)
        return _scatter(y, idx, sub), cp

    def _forward(self, y, sr, draw, params):
        n = y.shape[0]
        replay = params is not None
        if not replay:
            params = {"apply": draw.bernoulli(self.p, n)}
            params.update(self._choose(draw, n))
        mask = np.asarray(params["apply"], dtype=bool).reshape(-1)
        if n == 1 and not replay and type(self) is Compose:  # one example: every child runs if the chain does
            params["transforms"] = out_child = []
            for t in self.transforms:
                y, cp = t._forward(y, sr, draw, None) if mask[0] else (y, None)
                out_child.append(cp)
            return y, params
        sel = self._selection(params, mask)
        child = params.get("transforms") if replay else [None] * len(self.transforms)
        out_child = []
        for j, t in enumerate(self.transforms):
            y, cp = self._run_child(t, y, sr, sel[:, j], draw, child[j])
            out_child.append(cp)
        params["transforms"] = out_child
        return y, params

    def _choose(self, draw: Draw, n: int) -> dict:
        return {}

    def _selection(self, params: dict, mask: np.ndarray) -> np.ndarray:
        return np.repeat(mask[:, None], len(self.transforms), axis=1)


class Compose(_Composite):
    """Apply every transform in order (each with its own ``p``); the whole chain with probability ``p``."""

    def __init__(self, transforms: Sequence[Transform], p: float = 1.0) -> None:
        super().__init__(p)
        self.transforms = _check_transforms(transforms)


class OneOf(_Composite):
    """Apply one of the transforms, chosen per example (uniformly or with ``weights``)."""

    def __init__(self, transforms: Sequence[Transform], weights: Sequence[float] | None = None,
                 p: float = 1.0) -> None:
        super().__init__(p)
        self.transforms = _check_transforms(transforms)
        if not self.transforms:
            raise ParameterError("OneOf needs at least one transform")
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != (len(self.transforms),) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
                raise ParameterError(f"weights={weights!r} must be {len(self.transforms)} non-negative numbers "
                                     "with a positive sum")
            weights = [float(v) for v in w]
        self.weights = weights

    def _choose(self, draw, n):
        return {"choice": draw.choice(len(self.transforms), n, self.weights)}

    def _selection(self, params, mask):
        choice = np.asarray(params["choice"]).reshape(-1)
        return mask[:, None] & (choice[:, None] == np.arange(len(self.transforms))[None, :])


class SomeOf(_Composite):
    """Apply ``k`` of the transforms (``k`` an int or a range ``(low, high)``, inclusive; ``high=None``: all),
    chosen per example without replacement, in list order."""

    def __init__(self, transforms: Sequence[Transform], k: Any = (1, None), p: float = 1.0) -> None:
        super().__init__(p)
        self.transforms = _check_transforms(transforms)
        m = len(self.transforms)
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            lo = hi = int(k)
        elif isinstance(k, (tuple, list)) and len(k) == 2:
            lo, hi = k[0], (m if k[1] is None else k[1])
        else:
            raise ParameterError(f"k={k!r} must be an int or a pair (low, high)")
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (lo, hi)) \
                or not 0 <= lo <= hi <= m:
            raise ParameterError(f"k={k!r} must satisfy 0 <= low <= high <= {m} (the number of transforms)")
        self.k = (int(lo), int(hi))

    def _choose(self, draw, n):
        m = len(self.transforms)
        count = draw.integers(self.k[0], self.k[1] + 1, n)
        keys = draw.random((n, m))
        rank = np.argsort(np.argsort(keys, axis=1), axis=1)
        return {"chosen": rank < count[:, None]}

    def _selection(self, params, mask):
        return mask[:, None] & np.asarray(params["chosen"], dtype=bool).reshape(len(mask), -1)


# --------------------------------------------------------------------------------------------------
# the config form
# --------------------------------------------------------------------------------------------------
def _plain(v: Any) -> Any:
    if isinstance(v, Transform):
        return to_config(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        return v.item()
    if hasattr(v, "__fspath__"):
        import os

        return os.fspath(v)
    return v


def to_config(transform: Transform) -> dict:
    """A plain dict (JSON/YAML-ready) ``{"name": ..., **init arguments}`` that :func:`from_config` rebuilds."""
    if not isinstance(transform, Transform):
        raise ParameterError(f"{transform!r} is not a Transform")
    if not hasattr(transform, "_init_args"):
        raise ParameterError(f"{type(transform).__name__} cannot be written as config")
    if getattr(transform, "config_unsupported", False):
        raise ParameterError(f"{type(transform).__name__} wraps a Python object and has no config form")
    return {"name": type(transform).__name__, **{k: _plain(v) for k, v in transform._init_args.items()}}


def _build(node: Any) -> Any:
    if isinstance(node, dict) and "name" in node:
        name = node["name"]
        cls = TRANSFORMS.get(name)
        if cls is None or getattr(cls, "config_unsupported", False):
            raise ParameterError(f"unknown transform {name!r} in config; known: {sorted(TRANSFORMS)}")
        kwargs = {k: _build(v) for k, v in node.items() if k != "name"}
        return cls(**kwargs)
    if isinstance(node, list):
        return [_build(v) for v in node]
    return node


def from_config(config: Any) -> Transform:
    """Build a transform (or a pipeline) from a dict, a JSON/YAML string, or a path to a .json/.yaml file.

    The form is ``{"name": "Compose", "transforms": [{"name": "Gain", "gain_db": [-6, 6], "p": 0.5}, ...]}``
    (the keyword arguments of each class); :func:`to_config` writes it. YAML needs ``pyyaml``.
    """
    import os

    if isinstance(config, (str, os.PathLike)):
        text = os.fspath(config)
        if os.path.isfile(text):
            with open(text, encoding="utf-8") as f:
                suffix = os.path.splitext(text)[1].lower()
                text = f.read()
        else:
            suffix = ""
        text_stripped = text.lstrip()
        if suffix == ".json" or (suffix == "" and text_stripped.startswith(("{", "["))):
            try:
                config = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ParameterError(f"config is not valid JSON: {exc}") from None
        else:
            from .._checks import require

            yaml = require("yaml", "a YAML augmentation config", "pyyaml")
            try:
                config = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise ParameterError(f"config is not valid YAML: {exc}") from None
    if not isinstance(config, dict) or "name" not in config:
        raise ParameterError("config must be a mapping with a 'name' key (a transform class name)")
    return _build(config)
