"""The extractor spec: which features, with which parameters, at which rate, summarised how.

A spec is data. It is built from Python, a dict, YAML or JSON, checked when built (unknown features or
parameters are errors then, not in the middle of a corpus), and stored with every output so a dataset says
how it was made. ``ExtractorSpec.from_dict(spec.to_dict()) == spec``.

The dict form::

    features:            # names, {name: params}, or {name:, params:, deltas:}
      - mfcc: {n_mfcc: 13}
      - {name: melspectrogram, params: {n_mels: 64}, deltas: [1]}
      - loudness
    sr: 16000            # target sample rate; null keeps each file's own
    mono: true
    segment: {window: 2.0, hop: 1.0}   # seconds; or {voice_activity: true}; omit for one row per file
    functionals: [mean, std, p10, p90] # omit to keep frame-level features
    keep_frames: false                 # with functionals: also keep the frame-level arrays
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from ..errors import ParameterError
from ..summaries import _parse_stats
from .features import get_feature

__all__ = ["FeatureSpec", "ExtractorSpec", "DEFAULT_FEATURES"]

DEFAULT_FEATURES = ("mfcc",)


@dataclass(frozen=True)
class FeatureSpec:
    """One feature of a spec: its registered name, parameters (only those that differ) and deltas."""

    name: str
    params: dict = field(default_factory=dict)
    deltas: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        feature = get_feature(self.name)
        if not isinstance(self.params, dict):
            raise ParameterError(f"params of {self.name!r} must be a mapping, got {self.params!r}")
        feature.check_params(self.params)
        deltas = tuple(self.deltas)
        if any(d not in (1, 2) for d in deltas) or len(set(deltas)) != len(deltas):
            raise ParameterError(f"deltas of {self.name!r} must be a subset of [1, 2], got {list(self.deltas)}")
        if deltas and feature.kind != "frames":
            raise ParameterError(f"deltas need a frame-level feature; {self.name!r} is {feature.kind}")
        object.__setattr__(self, "deltas", deltas)

    @property
    def full_params(self) -> dict:
        return dict(self._full_params)

    @functools.cached_property
    def _full_params(self) -> dict:
        return get_feature(self.name).check_params(self.params)

    @property
    def column(self) -> str:
        return self.name

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"name": self.name}
        if self.params:
            out["params"] = dict(self.params)
        if self.deltas:
            out["deltas"] = list(self.deltas)
        return out

    @classmethod
    def parse(cls, item: Any) -> "FeatureSpec":
        if isinstance(item, FeatureSpec):
            return item
        if isinstance(item, str):
            return cls(item)
        if isinstance(item, dict):
            if "name" in item:
                extra = set(item) - {"name", "params", "deltas"}
                if extra:
                    raise ParameterError(f"feature entry has unknown keys {sorted(extra)}: {item!r}")
                params = item.get("params") or {}
                if not isinstance(params, dict):
                    raise ParameterError(f"params of {item['name']!r} must be a mapping, got {params!r}")
                return cls(item["name"], dict(params), _deltas_of(item["name"], item.get("deltas")))
            if len(item) == 1:
                (name, params), = item.items()
                if not isinstance(params, (dict, type(None))):
                    raise ParameterError(f"parameters of {name!r} must be a mapping, got {params!r}")
                params = dict(params or {})
                deltas = _deltas_of(name, params.pop("deltas", None))
                return cls(name, params, deltas)
        raise ParameterError(f"a feature is a name, {{name: params}} or {{name:, params:, deltas:}}; got {item!r}")


def _deltas_of(name: Any, deltas: Any) -> tuple:
    """``deltas`` as a tuple: a list of orders, one order, or nothing (a spec file may say ``deltas: 1``)."""
    if deltas is None:
        return ()
    if isinstance(deltas, int) and not isinstance(deltas, bool):
        return (deltas,)
    if isinstance(deltas, (list, tuple)):
        return tuple(deltas)
    raise ParameterError(f"deltas of {name!r} must be a list of orders (1, 2), got {deltas!r}")


@dataclass(frozen=True)
class ExtractorSpec:
    """What to extract from each file. See the module docstring for the dict/YAML form.

    Parameters
    ----------
    features : sequence
        Feature names or :class:`FeatureSpec` entries (``audiofeat features`` lists them).
    sr : int or None
        Target sample rate (``None`` keeps each file's rate).
    mono : bool
        Mix to mono; otherwise channels become a leading axis of every feature.
    segment : dict or None
        ``{'window': seconds, 'hop': seconds}``: one row per window (the last, shorter window is dropped unless
        the file is shorter than one window, which then gives one segment of the whole file).
        ``{'voice_activity': True}`` (or a mapping of :func:`audiofeat.effects.voice_activity`'s parameters):
        one row per detected speech segment (a file without speech gives no row and a ``no_speech`` warning).
    functionals : sequence of str or None
        Summaries over time of every frame-level feature (see :func:`audiofeat.functionals`).
    keep_frames : bool or None
        Keep frame-level arrays as well; default: only when no functionals are asked for.
    block_seconds : float
        Files longer than this are processed in blocks (bounded memory).
    device : str or None
        ``None`` computes on numpy; ``'cpu'``, ``'cuda'``, ``'cuda:1'`` compute the features that support torch
        on a torch tensor there (the Ray engine then asks for GPU actors). Outputs are numpy either way.

    Examples
    --------
    >>> from audiofeat.pipeline import ExtractorSpec
    >>> spec = ExtractorSpec.from_dict({"features": [{"mfcc": {"n_mfcc": 13}}], "sr": 16000,
    ...                                 "functionals": ["mean", "std"]})
    >>> spec.features[0].params, spec.sr
    ({'n_mfcc': 13}, 16000)
    """

    features: tuple = DEFAULT_FEATURES
    sr: int | None = 22050
    mono: bool = True
    segment: dict | None = None
    functionals: tuple[str, ...] | None = None
    keep_frames: bool | None = None
    block_seconds: float = 600.0
    device: str | None = None

    def __post_init__(self) -> None:
        feats = self.features
        if isinstance(feats, (str, dict, FeatureSpec)):
            feats = [feats]
        if not isinstance(feats, (list, tuple)):
            raise ParameterError(f"features must be a list of feature entries, got {feats!r}")
        feats = tuple(FeatureSpec.parse(f) for f in feats)
        if not feats:
            raise ParameterError("a spec needs at least one feature")
        names = [f.name for f in feats]
        if len(set(names)) != len(names):
            raise ParameterError(f"a feature appears twice in the spec: {names}")
        object.__setattr__(self, "features", feats)
        if self.sr is not None:
            if isinstance(self.sr, bool) or not isinstance(self.sr, int) or self.sr <= 0:
                raise ParameterError(f"sr must be a positive integer or None, got {self.sr!r}")
        if not isinstance(self.mono, bool):
            raise ParameterError(f"mono must be true or false, got {self.mono!r}")
        if self.segment is not None:
            if not isinstance(self.segment, dict):
                raise ParameterError(f"segment is {{window: seconds, hop: seconds}} or {{voice_activity: true}}, "
                                     f"got {self.segment!r}")
            seg = dict(self.segment)
            if "voice_activity" in seg:
                vad = seg["voice_activity"]
                if set(seg) != {"voice_activity"} or not (vad is True or isinstance(vad, dict)):
                    raise ParameterError("segment {voice_activity: true} (or a mapping of voice_activity's "
                                         f"parameters) cannot be combined with windows; got {self.segment!r}")
                params = {} if vad is True else dict(vad)
                import inspect

                from ..energy import voice_activity

                known = set(inspect.signature(voice_activity).parameters) - {"y", "sr"}
                unknown = sorted(set(params) - known)
                if unknown:
                    raise ParameterError(f"voice_activity has no parameter(s) {unknown}; it takes {sorted(known)}")
                object.__setattr__(self, "segment", {"voice_activity": params})
            else:
                extra = set(seg) - {"window", "hop"}
                if extra or "window" not in seg:
                    raise ParameterError(f"segment is {{window: seconds, hop: seconds}} or {{voice_activity: true}}, "
                                         f"got {self.segment!r}")
                seg.setdefault("hop", seg["window"])
                for key in ("window", "hop"):
                    v = seg[key]
                    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < float("inf"):
                        raise ParameterError(f"segment {key} must be a positive, finite number of seconds, "
                                             f"got {v!r}")
                    seg[key] = float(v)
                object.__setattr__(self, "segment", seg)
        if self.functionals is not None:
            stats = self.functionals
            parsed = _parse_stats(stats)
            object.__setattr__(self, "functionals", tuple(name for name, _ in parsed))
        if self.keep_frames is not None and not isinstance(self.keep_frames, bool):
            raise ParameterError(f"keep_frames must be true, false or null, got {self.keep_frames!r}")
        if self.keep_frames is None:
            object.__setattr__(self, "keep_frames", self.functionals is None)
        if self.device is not None and not isinstance(self.device, str):
            raise ParameterError(f"device must be a torch device string such as 'cuda' or None, got {self.device!r}")
        if not (isinstance(self.block_seconds, (int, float)) and self.block_seconds >= 1.0):
            raise ParameterError(f"block_seconds must be >= 1, got {self.block_seconds!r}")

    # ------------------------------------------------------------------ dict / YAML / JSON
    def to_dict(self) -> dict:
        out = asdict(self)
        out["features"] = [f.to_dict() for f in self.features]
        out["functionals"] = list(self.functionals) if self.functionals is not None else None
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "ExtractorSpec":
        if not isinstance(data, dict):
            raise ParameterError(f"a spec is a mapping, got {type(data).__name__}")
        known = {"features", "sr", "mono", "segment", "functionals", "keep_frames", "block_seconds", "device"}
        extra = set(data) - known
        if extra:
            raise ParameterError(f"unknown spec keys {sorted(extra)}; expected some of {sorted(known)}")
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "ExtractorSpec":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ParameterError(f"the spec is not valid JSON: {exc}") from None

    @classmethod
    def from_yaml(cls, text: str) -> "ExtractorSpec":
        from .._checks import require

        yaml = require("yaml", "YAML specs", "pyyaml")
        try:
            return cls.from_dict(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            raise ParameterError(f"the spec is not valid YAML: {exc}") from None

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ExtractorSpec":
        """Read a spec from a ``.yaml``/``.yml`` or ``.json`` file."""
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            raise ParameterError(f"cannot read the spec file {path!r}: {exc.strerror or exc}") from None
        if path.endswith((".yaml", ".yml")):
            return cls.from_yaml(text)
        return cls.from_json(text)

    def replace(self, **changes: Any) -> "ExtractorSpec":
        data = self.to_dict()
        if "functionals" in changes and "keep_frames" not in changes:
            data["keep_frames"] = None
        data.update(changes)
        return self.from_dict(data)

    @classmethod
    def build(cls, features: Sequence | None = None, **kwargs: Any) -> "ExtractorSpec":
        return cls(features=tuple(features) if features else DEFAULT_FEATURES, **kwargs)
