"""Parameter checks shared by every layer: one wording for one kind of mistake."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import ParameterError


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
