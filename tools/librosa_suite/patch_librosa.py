"""pytest plugin: run librosa's own test suite with audiofeat's functions patched into librosa.

Load it with ``-p patch_librosa`` (this folder on PYTHONPATH). At import time, before any librosa test
module is collected, it

1. imports every ``librosa.*`` module (librosa loads submodules lazily, so they are imported explicitly);
2. on each of them, replaces every attribute for which audiofeat has an object of the same name:
   ``librosa.X`` <- ``audiofeat.X``; ``librosa.<pkg>.<mod>.X`` <- ``audiofeat.<mod>.X`` when audiofeat has a
   submodule named like the last component (``librosa.filters`` <- ``audiofeat.filters``,
   ``librosa.feature.spectral`` <- ``audiofeat.spectral``), else <- ``audiofeat.X``.
   Because every module's globals are patched (``librosa.core.spectrum.stft``,
   ``librosa.feature.spectral.stft`` ...), librosa's own internals call audiofeat too;
3. makes ``audiofeat.errors.ParameterError`` a real subclass of ``librosa.util.exceptions.ParameterError``
   (by appending librosa's class to its ``__bases__``), so ``pytest.raises(librosa.ParameterError)`` and
   librosa's own ``except ParameterError:`` clauses both accept audiofeat's error. (A metaclass
   ``__instancecheck__`` would satisfy pytest.raises but not ``except`` clauses, which use the real MRO.)

What was patched is written to ``$LIBROSA_SUITE_PATCH_LOG`` (default
``/tmp/librosa_suite/patched.txt``), one ``librosa.module.name <- audiofeat.module.name`` per line.

Environment:
    LIBROSA_SUITE_PATCH_LOG   where to write the list of patched attributes
    LIBROSA_SUITE_SKIP        comma-separated names never to patch (e.g. ``resample,load``)
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import sys
import types

import audiofeat
import audiofeat.errors
import librosa
import librosa.util.exceptions

# audiofeat names that are never patched in: the error hierarchy is bridged instead (see 3. above).
_NEVER = {
    "ParameterError",
    "AudiofeatError",
    "BackendError",
    "AudioFileError",
    "AudioFileNotFoundError",
    "UnreadableAudioError",
    "NotAudioError",
    "CorruptAudioError",
    "EmptyAudioError",
    "AudioInfo",
}
_NEVER |= {s.strip() for s in os.environ.get("LIBROSA_SUITE_SKIP", "").split(",") if s.strip()}

# librosa modules not worth importing (plotting) -- names are still patched if they were imported.
_SKIP_MODULES = {"librosa.display"}


def _is_api_object(obj) -> bool:
    return (inspect.isfunction(obj) or inspect.isclass(obj) or callable(obj)) and not isinstance(
        obj, types.ModuleType
    )


def _audiofeat_namespaces() -> dict[str, dict[str, tuple[str, object]]]:
    """{'': top-level names, 'filters': names in audiofeat.filters, ...} -> (qualified source, object)."""
    top = {}
    for name in getattr(audiofeat, "__all__", dir(audiofeat)):
        if name.startswith("_") or name in _NEVER:
            continue
        obj = getattr(audiofeat, name, None)
        if obj is not None and _is_api_object(obj):
            top[name] = (f"audiofeat.{name}", obj)
    spaces = {"": top}
    for info in pkgutil.iter_modules(audiofeat.__path__):
        if info.name.startswith("_") or info.name == "nn":  # nn: torch modules, not librosa API
            continue
        mod = importlib.import_module(f"audiofeat.{info.name}")
        names = getattr(mod, "__all__", None) or [
            n for n, o in vars(mod).items()
            if getattr(o, "__module__", "").startswith("audiofeat")
        ]
        sub = {}
        for name in names:
            if name.startswith("_") or name in _NEVER:
                continue
            obj = getattr(mod, name, None)
            if obj is not None and _is_api_object(obj) and getattr(obj, "__module__", "").startswith(
                "audiofeat"
            ):
                sub[name] = (f"audiofeat.{info.name}.{name}", obj)
        spaces[info.name] = sub
    return spaces


def _librosa_modules() -> list[types.ModuleType]:
    for info in pkgutil.walk_packages(librosa.__path__, prefix="librosa."):
        if info.name in _SKIP_MODULES or any(info.name.startswith(s + ".") for s in _SKIP_MODULES):
            continue
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # pragma: no cover - reported, not fatal
            print(f"[patch_librosa] could not import {info.name}: {exc!r}", file=sys.stderr)
    return sorted(
        (m for n, m in list(sys.modules.items()) if (n == "librosa" or n.startswith("librosa.")) and m),
        key=lambda m: m.__name__,
    )


def _names_of(mod: types.ModuleType) -> set[str]:
    names = set(vars(mod))
    names |= set(getattr(mod, "__all__", ()) or ())
    try:
        names |= set(dir(mod))  # lazy_loader modules list their lazy names here
    except Exception:
        pass
    return names


def bridge_parameter_error() -> str:
    af_pe = audiofeat.errors.ParameterError
    lr_pe = librosa.util.exceptions.ParameterError
    if not issubclass(af_pe, lr_pe):
        af_pe.__bases__ = af_pe.__bases__ + (lr_pe,)
    return f"audiofeat.errors.ParameterError.__bases__ += (librosa.util.exceptions.ParameterError,)"


def patch() -> list[str]:
    spaces = _audiofeat_namespaces()
    log = []
    for mod in _librosa_modules():
        last = "" if mod.__name__ == "librosa" else mod.__name__.rsplit(".", 1)[-1]
        space = dict(spaces[""])
        if last in spaces and last != "":
            space.update(spaces[last])  # the same-named audiofeat namespace wins
        for name in sorted(_names_of(mod) & set(space)):
            try:
                current = getattr(mod, name)
            except Exception:
                continue
            if isinstance(current, types.ModuleType) or not callable(current):
                continue
            src, obj = space[name]
            if current is obj:
                continue
            setattr(mod, name, obj)
            log.append(f"{mod.__name__}.{name} <- {src}")
    log.append(bridge_parameter_error())
    return log


PATCHED = patch()

_log_path = os.environ.get("LIBROSA_SUITE_PATCH_LOG", "/tmp/librosa_suite/patched.txt")
os.makedirs(os.path.dirname(_log_path) or ".", exist_ok=True)
with open(_log_path, "w") as fh:
    fh.write(f"# audiofeat from {audiofeat.__file__}\n# librosa {librosa.__version__} from {librosa.__file__}\n")
    fh.write("\n".join(PATCHED) + "\n")


def pytest_report_header(config):
    return (
        f"patch_librosa: {len(PATCHED) - 1} librosa attributes replaced by audiofeat "
        f"({audiofeat.__file__}); list in {_log_path}"
    )
