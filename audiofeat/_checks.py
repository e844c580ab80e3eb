"""Parameter checks shared by every layer: one wording for one kind of mistake."""

from __future__ import annotations

import math
import os
import sys
import warnings
from typing import Any

import numpy as np

from .errors import MissingDependencyError, ParameterError


def check_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int if it is an integer (not a bool) ``>= minimum``, else ParameterError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def check_positive(name: str, value: Any, unit: str = "") -> float:
    """``value`` as a float if it is a positive finite real number (not a bool), else ParameterError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(value)) or value <= 0:
        raise ParameterError(f"{name}={value!r} must be a positive finite number{unit}")
    return float(value)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the first caller outside audiofeat (the user's line)."""
    level, frame = 2, sys._getframe(1)  # stacklevel 2 is warn_user's caller
    while frame is not None and (os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR)
                                 or frame.f_code.co_filename.startswith("<frozen importlib")):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def check_axis(axis: Any, ndim: int) -> int:
    """``axis`` normalised to ``0 <= axis < ndim``, else ParameterError."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise ParameterError(f"axis={axis!r} must be an integer")
    if not -ndim <= axis < ndim:
        raise ParameterError(f"axis={axis} is out of range for an input with {ndim} dimensions")
    return int(axis) % ndim


def require(module: str, what: str, pip_name: str | None = None):
    """Import an optional package, or raise MissingDependencyError saying what needs it and how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{what} needs the optional package {module!r}, which is not installed: "
            f"pip install {pip_name or module}"
        ) from exc


def check_number(name: str, value: Any, *, minimum: float | None = None, strict: bool = False,
                 allow_none: bool = False) -> float | None:
    """``value`` as a finite float (not a bool), optionally ``>= minimum`` (``> minimum`` when ``strict``)."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(value)):
        raise ParameterError(f"{name}={value!r} must be a finite number")
    value = float(value)
    if minimum is not None and (value <= minimum if strict else value < minimum):
        if minimum == 0:
            raise ParameterError(f"{name}={value!r} must be a {'positive' if strict else 'non-negative'} "
                                 "finite number")
        raise ParameterError(f"{name}={value!r} must be {'>' if strict else '>='} {minimum:g}")
    return value


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def check_audio(y: Any, name: str = "y", *, finite: bool = True) -> Any:
    """Validate an audio buffer: real floating point (float16/bfloat16 computed as float32), at least 1-D,
    and finite.

    The finiteness check is one pass on numpy and on CPU tensors. It is skipped on GPU tensors (it would
    force a host-device sync on every call) and while ``torch.compile`` traces (it would break the graph):
    there non-finite samples propagate to NaN features instead of raising. ``finite=False`` skips it for a
    caller that checks its (smaller) output instead and calls this again only when that is not finite.
    """
    if type(y) is np.ndarray and y.ndim and (y.dtype == _F32 or y.dtype == _F64):  # the common case, directly
        return check_finite(y, name, "samples") if finite and not np.isfinite(y).all() else y
    from ._namespace import as_float

    y = as_float(y, name, integers=False)
    if y.ndim == 0:
        raise ParameterError(f"{name} must have at least one dimension (time on the last axis), got a scalar")
    return check_finite(y, name, "samples") if finite else y


def check_finite(x: Any, name: str, what: str = "values") -> Any:
    """``x`` (an array already validated otherwise) if it is finite everywhere, else ParameterError; checked on
    numpy and CPU tensors, not on a GPU, while ``torch.compile`` traces or under ``torch.func.vmap`` (see
    :func:`check_audio`)."""
    from ._namespace import is_torch

    if is_torch(x):
        import torch

        if x.device.type != "cpu" or torch.compiler.is_compiling() or _vmapped(x):
            return x
        # isfinite().all() is ~25x slower than a sum on CPU; a finite sum proves every value finite
        # (NaN and inf propagate), and only a non-finite sum needs the full check (it may be an overflow).
        if bool(torch.isfinite(x.detach().sum())) or bool(torch.isfinite(x.detach()).all()):
            return x
    elif np.isfinite(x).all():
        return x
    raise ParameterError(f"{name} is not finite everywhere: it contains NaN or infinite {what}")


def _vmapped(x: Any) -> bool:
    """Whether ``x`` is batched by ``torch.func.vmap`` (at any level of nested transforms), where a value test
    is data-dependent control flow that vmap refuses: skipped there, as on a GPU."""
    import torch

    f = torch._C._functorch
    while f.is_functorch_wrapped_tensor(x):
        if f.is_batchedtensor(x):
            return True
        x = f.get_unwrapped(x)
    return False


def check_spectrogram(S: Any, name: str = "S", *, what: str = "n_bins", complex_ok: bool = True,
                      finite: bool = True) -> Any:
    """A spectrogram ``(..., what, n_frames)`` as floating point (see the dtype rule in ``_namespace``),
    with at least 2 dimensions and at least one frame, and finite (:func:`check_finite`): NaN/inf in a given
    S would silently spoil its frames, or, in a blocked computation, others. ``finite=False`` leaves values
    unchecked (callers that pass NaN through frame by frame, as librosa does)."""
    from ._namespace import as_float

    S = as_float(S, name, complex_ok=complex_ok)
    if S.ndim < 2:
        raise ParameterError(f"{name} must have shape (..., {what}, n_frames), got {tuple(S.shape)}")
    if S.shape[-1] == 0 or S.shape[-2] == 0:
        raise ParameterError(f"{name} has shape {tuple(S.shape)}: it is empty (no {what[2:]} or no frames)")
    return check_finite(S, name, "values") if finite else S
