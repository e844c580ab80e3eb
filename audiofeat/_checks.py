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
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
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
