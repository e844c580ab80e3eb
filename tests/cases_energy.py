"""Registry cases for energy distribution (audiofeat.energy, zero_crossing_rate) and rhythm (audiofeat.rhythm).

Ragged outputs (event lists, segments) are called here in their dense form (``sparse=False`` masks), which
batch as arrays; the sparse/list forms and batch = loop under the list convention are tested in
tests/test_energy.py and tests/test_rhythm.py.
"""

from __future__ import annotations

import numpy as np

from registry_support import SPEECH, Case, _signal


def _envelope(rng, lead, dtype):
    """A positive, spiky onset-envelope-like sequence (4000 frames)."""
    x = np.abs(rng.standard_normal((*lead, 4000))) ** 3
    x[..., ::50] += 20.0  # a pulse every 50 frames: 120 BPM at 100 frames/s
    return x.astype(dtype)


def _gated(rng, lead, dtype):
    """Noise with silent stretches (for trim/split)."""
    y = _signal(rng, lead, np.float64)
    gate = np.ones(4000)
    gate[:700] = gate[1800:2400] = gate[3500:] = 1e-4
    return (y * gate).astype(dtype)


FRAMES = dict(frame_length=400, hop_length=160)
ENV = dict(sr=16000, hop_length=160)
# the tempograms use 100 frames and win_length=8 here: gradcheck builds the Jacobian one output at a time, and
# 600 frames x 128 lags would take many minutes (test_rhythm.py checks the defaults against librosa)

CASES = {
    "energy.rms": Case(_signal, lambda f, x: f(y=x, **FRAMES)),
    "temporal.zero_crossing_rate": Case(_signal, lambda f, x: f(x, **FRAMES)),
    "energy.onset_strength": Case(_signal, lambda f, x: f(y=x, n_mels=40, **SPEECH), rtol=1e-4),
    "energy.onset_strength_multi": Case(_signal, lambda f, x: f(y=x, n_mels=40, channels=[0, 10, 20, 40], lag=2,
                                                                 max_size=3, **SPEECH), rtol=1e-4),
    "energy.energy_onset_strength": Case(_signal, lambda f, x: f(y=x, sr=16000, **FRAMES)),
    "energy.peak_pick": Case(_envelope, lambda f, x: f(x, pre_max=3, post_max=3, pre_avg=10, post_avg=10, delta=0.5,
                                                       wait=5, sparse=False), float_in=False),
    "energy.onset_detect": Case(_envelope, lambda f, x: f(onset_envelope=x, sparse=False, **ENV), float_in=False),
    "energy.onset_backtrack": Case(_envelope, lambda f, x: f(np.arange(10, 4000, 97), x), float_in=False),
    "energy.trim": Case(_gated, lambda f, x: f(x, top_db=30, frame_length=256, hop_length=64)[0]),
    "energy.split": Case(_gated, lambda f, x: f(x, top_db=30, frame_length=256, hop_length=64), float_in=False),
    "rhythm.tempogram": Case(_envelope, lambda f, x: f(onset_envelope=x[..., :100], win_length=8, **ENV)),
    "rhythm.fourier_tempogram": Case(_envelope, lambda f, x: f(onset_envelope=x[..., :100], win_length=8, **ENV)),
    "rhythm.tempo": Case(_envelope, lambda f, x: f(onset_envelope=x, **ENV), float64_out=True),
    "rhythm.beat_track": Case(_envelope, lambda f, x: f(onset_envelope=x, sparse=False, **ENV)[1], float_in=False),
    "rhythm.plp": Case(_envelope, lambda f, x: f(onset_envelope=x, win_length=128, **ENV), rtol=1e-4),
}

NOT_ARRAY_OPS = {
    "energy.voice_activity": "test_energy (segments: ragged; F1 on speech in noise, batch = loop as lists)",
    "rhythm.tempo_frequencies": "test_rhythm; numpy constants",
    "rhythm.fourier_tempo_frequencies": "test_rhythm; numpy constants",
}
