"""Inputs and the case type for the registry tests (tests/test_registry.py).

Each area of the library keeps its cases in ``tests/cases_<area>.py``: a module defining ``CASES`` (and, when
needed, ``NOT_ARRAY_OPS`` and ``TORCH_RTOL``) with the same meaning as in test_registry.py, which merges them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import audiofeat as af

SPEECH = dict(sr=16000, n_fft=512, hop_length=160)


def _signal(rng, lead, dtype):
    return (0.1 * rng.standard_normal((*lead, 4000))).astype(dtype)


def _power(rng, lead, dtype):
    y = _signal(rng, lead, np.float64)
    return (np.abs(np.fft.rfft(y.reshape(*lead, 25, 160), axis=-1)) ** 2).swapaxes(-1, -2).astype(dtype)


def _stft(rng, lead, dtype):
    y = _signal(rng, lead, np.float64)
    cdtype = np.complex128 if dtype == np.float64 else np.complex64
    return af.stft(y, n_fft=256, hop_length=64).astype(cdtype)


def _features(rng, lead, dtype):
    return rng.standard_normal((*lead, 13, 30)).astype(dtype)


def _positive(rng, lead, dtype):
    return rng.uniform(20.0, 8000.0, (*lead, 7)).astype(dtype)


def _tones(rng, lead, dtype):
    t = np.arange(4000) / 16000
    f0 = rng.uniform(100, 1500, (*lead, 1))  # both tones below the lower Nyquist (5512 Hz)
    return (0.3 * np.sin(2 * np.pi * f0 * t) + 0.2 * np.sin(2 * np.pi * 2.7 * f0 * t)).astype(dtype)


def _indices(rng, lead, dtype):
    return rng.integers(0, 1000, (*lead, 7))


@dataclass
class Case:
    """How to call one registered function: ``call(f, x)`` works for audiofeat's function and librosa's."""

    make: Callable  # (rng, lead shape, dtype) -> numpy input
    call: Callable[[Callable, Any], Any]
    rtol: float = 1e-5  # parity with librosa: max|af - librosa| / max|librosa|
    float_in: bool = True  # the input is floating point (dtype and gradient checks apply)
    float64_out: bool = False  # numpy output is float64 whatever the input (unit conversions, like librosa)
