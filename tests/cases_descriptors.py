"""Registry cases for the frequency-content descriptors (audiofeat/descriptors.py) and filters.chroma."""

from __future__ import annotations

import numpy as np

from registry_support import SPEECH, Case, _power, _signal


def _chromagram(rng, lead, dtype):
    return rng.uniform(0.01, 1.0, (*lead, 12, 30)).astype(dtype)


def _mel_energy(rng, lead, dtype):
    return rng.uniform(0.0, 1.0, (*lead, 20, 90)).astype(dtype) * 1e3


CASES = {
    "descriptors.spectral_centroid": Case(_signal, lambda f, x: f(y=x, **SPEECH), rtol=1e-4),
    "descriptors.spectral_bandwidth": Case(_signal, lambda f, x: f(y=x, **SPEECH), rtol=1e-4),
    "descriptors.spectral_rolloff": Case(_power, lambda f, x: f(S=x, sr=16000), rtol=1e-4),
    "descriptors.spectral_flatness": Case(_signal, lambda f, x: f(y=x, n_fft=512, hop_length=160), rtol=1e-4),
    "descriptors.spectral_contrast": Case(_signal, lambda f, x: f(y=x, n_bands=4, **SPEECH), rtol=1e-4),
    "descriptors.poly_features": Case(_signal, lambda f, x: f(y=x, order=2, **SPEECH), rtol=1e-4),
    "descriptors.chroma_stft": Case(_signal, lambda f, x: f(y=x, tuning=0.1, **SPEECH), rtol=1e-4),
    "descriptors.tonnetz": Case(_chromagram, lambda f, x: f(chroma=x), rtol=1e-5),
    "descriptors.pcen": Case(_mel_energy, lambda f, x: f(x, sr=16000, hop_length=160), rtol=1e-4),
}

NOT_ARRAY_OPS = {
    "filters.chroma": "test_descriptors (96 fft2chromamx reference filterbanks, librosa parity); numpy constants",
}
