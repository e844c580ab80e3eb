"""Registry cases for periodicity (audiofeat.pitch) and sequence models (audiofeat.sequence)."""

from __future__ import annotations

import numpy as np

from registry_support import Case, _positive, _signal, _tones

_SR = dict(sr=16000)
_YIN = dict(fmin=80.0, fmax=1000.0, sr=16000, frame_length=1024, hop_length=256)


def _probs(rng, lead, dtype):
    return rng.uniform(0.01, 1.0, (*lead, 6, 30)).astype(dtype or np.float64)


def _columns(rng, lead, dtype):
    p = _probs(rng, lead, np.float64)
    return (p / p.sum(axis=-2, keepdims=True)).astype(dtype or np.float64)


_LOCAL6 = np.array([[0.6, 0.3, 0.1, 0.0, 0.0, 0.0],
                    [0.2, 0.5, 0.2, 0.1, 0.0, 0.0],
                    [0.0, 0.2, 0.5, 0.2, 0.1, 0.0],
                    [0.0, 0.0, 0.2, 0.5, 0.2, 0.1],
                    [0.0, 0.0, 0.1, 0.2, 0.5, 0.2],
                    [0.1, 0.0, 0.0, 0.1, 0.2, 0.6]])
_BINARY = np.array([[0.9, 0.1], [0.3, 0.7]])

CASES = {
    "pitch.autocorrelate": Case(_signal, lambda f, x: f(x, max_size=400)),
    "pitch.yin": Case(_tones, lambda f, x: f(x, **_YIN), rtol=1e-4),
    "pitch.pyin": Case(_tones, lambda f, x: (lambda r: r[0] + r[2])(f(x, fill_na=0.0, **_YIN)), rtol=1e-4),
    "pitch.piptrack": Case(_tones, lambda f, x: (lambda r: r[0] + r[1])(f(y=x, n_fft=512, hop_length=160, **_SR)),
                           rtol=1e-4),
    "pitch.estimate_tuning": Case(_tones, lambda f, x: f(y=x, n_fft=512, **_SR), float64_out=True),
    "pitch.pitch_tuning": Case(_positive, lambda f, x: f(x), float64_out=True),
    "pitch.hnr": Case(_tones, lambda f, x: f(x, sr=16000, fmin=100.0, frame_length=256, hop_length=128), rtol=1e-4),
    "sequence.viterbi": Case(_probs, lambda f, x: f(x, _LOCAL6), float_in=False),
    "sequence.viterbi_discriminative": Case(_columns, lambda f, x: f(x, _LOCAL6), float_in=False),
    "sequence.viterbi_binary": Case(_probs, lambda f, x: f(x, _BINARY), float_in=False),
}

NOT_ARRAY_OPS = {
    "sequence.transition_uniform": "test_pitch (parity with librosa); numpy constants",
    "sequence.transition_loop": "test_pitch (parity with librosa); numpy constants",
    "sequence.transition_cycle": "test_pitch (parity with librosa); numpy constants",
    "sequence.transition_local": "test_pitch (parity with librosa); numpy constants",
}

# float32 FFTs differ between scipy and torch by ~1e-7; hnr's log(r / (1 - r)) magnifies that near r = 1
TORCH_RTOL = {"pitch.hnr": 1e-4}
