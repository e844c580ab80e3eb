"""Registry cases for phase analysis (phase_analysis.py), noise sensitivity (noise.py) and multimodal alignment
(align.py); merged into tests/test_registry.py."""

from __future__ import annotations

import numpy as np

import audiofeat as af
from registry_support import Case, _features, _signal, _tones


def _magnitude(rng, lead, dtype):
    """A small magnitude spectrogram (17 bins x 33 frames), so the gradient check stays quick."""
    y = _signal(rng, lead, np.float64)[..., :256]
    return np.abs(af.stft(y, n_fft=32, hop_length=8)).astype(dtype)


def _speechy(rng, lead, dtype):
    """Tones switched on and off (a stand-in for speech with pauses) in white noise."""
    t = np.arange(8000) / 16000
    gate = (np.sin(2 * np.pi * 3 * t) > 0).astype(np.float64)
    return (_tones(rng, lead, np.float64)[..., np.arange(8000) % 4000] * gate
            + 0.05 * rng.standard_normal((*lead, 8000))).astype(dtype)


def _lpc_coeffs(rng, lead, dtype):
    return af.lpc(_tones(rng, lead, np.float64) + 0.01 * rng.standard_normal((*lead, 4000)), order=8).astype(dtype)


SEGMENTS = [[0.0, 0.05], [0.1, 0.2], [0.12, 0.121], [0.15, 0.5]]

CASES = {
    "phase_analysis.unwrap": Case(_features, lambda f, x: f(3 * x)),
    "phase_analysis.reassigned_spectrogram": Case(
        _signal, lambda f, x: f(x, sr=16000, n_fft=256, hop_length=64, fill_nan=True)[0], rtol=1e-5),
    "phase_analysis.group_delay": Case(_signal, lambda f, x: f(x, sr=16000, n_fft=256, hop_length=64)),
    "phase_analysis.griffinlim": Case(_magnitude, lambda f, x: f(x, n_iter=4, init=None, hop_length=8)),
    "noise.snr": Case(_signal, lambda f, x: f(x, 0.9 * x + 0.02)),
    "noise.estimate_snr": Case(_speechy, lambda f, x: f(x, 16000)),
    "noise.add_noise": Case(_signal, lambda f, x: f(x[..., 0::2], x[..., 1::2] + 0.01, 5.0)),
    "noise.spectral_gate": Case(_speechy, lambda f, x: f(x, 16000, n_fft=256)),
    "noise.wiener": Case(_speechy, lambda f, x: f(x, n_fft=256)),
    "noise.lpc": Case(_signal, lambda f, x: f(x, order=8)),
    "noise.lpc_envelope": Case(_lpc_coeffs, lambda f, x: f(x, n_fft=64)),
    "noise.formants": Case(_lpc_coeffs, lambda f, x: f(x, sr=16000, n_formants=2, max_bandwidth=1e4)[0]),
    "align.resample_frames": Case(_features, lambda f, x: f(x, 100, 30, method="mean")),
    "align.pool_segments": Case(_features, lambda f, x: f(x, SEGMENTS, sr=16000, hop_length=160)),
}

# float32 numpy vs torch: which bins pass a threshold can differ in the last bit
TORCH_RTOL = {"noise.spectral_gate": 1e-3, "noise.formants": 1e-4, "noise.estimate_snr": 1e-4}
