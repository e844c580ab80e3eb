"""Review of session 23 (reviewer B): the feature set's DC removal and the streaming front-ends' options."""

from __future__ import annotations

import numpy as np
import pytest

import audiofeat
from audiofeat.errors import ParameterError

SR = 16000
NAMES = audiofeat.feature_names()


def _features(y, sr=SR):
    return dict(zip(NAMES, audiofeat.extract_features(y, sr)))


def _shimmery_tone(seconds=2.0, f0=150.0):
    """A harmonic tone at ``f0`` with a slowly wandering amplitude (some shimmer to measure)."""
    t = np.arange(int(seconds * SR)) / SR
    rng = np.random.default_rng(1)
    tone = sum(0.3 / k * np.sin(2 * np.pi * k * f0 * t + k) for k in range(1, 8))
    return t, tone * (1 + 0.05 * rng.standard_normal(t.size).cumsum() / 200)


@pytest.mark.parametrize("n", [10, 500, 1000, 1023])
def test_short_constant_clip_reads_as_silence(n):
    """docs/featureset.md: 'a constant becomes exactly 0'. Clips under 64 ms were zero-padded BEFORE the DC
    removal, so a 31 ms constant became a step: loudness 3.1 and 15.6 voiced segments per second at 83 Hz."""
    v = _features(np.full(n, 0.5))
    ref = _features(np.zeros(n))
    assert v == ref
    assert v["loudness_mean"] == 0.0 and v["voiced_segments_per_sec"] == 0.0


def test_short_clip_dc_removal_keeps_the_tone():
    """A short (40 ms) tone with an offset reads like the tone without it."""
    t = np.arange(640) / SR
    tone = 0.3 * np.sin(2 * np.pi * 440 * t)
    a, b = _features(tone), _features(tone + 0.3)
    for key in ("loudness_mean", "spectral_flux_mean", "alpha_ratio_mean"):
        assert b[key] == pytest.approx(a[key], rel=0.05, abs=1e-3), key


@pytest.mark.parametrize("offset", [0.5, -0.01, -0.5])
def test_jitter_and_shimmer_ignore_a_constant_offset(offset):
    """The period marks read the raw recording and only positive peaks count, amplitudes measured from 0:
    a -0.5 offset left no mark (jitter and shimmer 0), +0.5 halved the shimmer, and speech.wav + 0.05 moved
    shimmer from 2.45 to 1.99 dB. Every other parameter was already offset-free."""
    _, y = _shimmery_tone()
    a, b = _features(y), _features(y + offset)
    assert a["shimmerLocaldB_mean"] > 0.01 and a["jitterLocal_mean"] > 0
    for key in ("jitterLocal_mean", "shimmerLocaldB_mean", "jitterLocal_cv", "shimmerLocaldB_cv"):
        assert b[key] == pytest.approx(a[key], rel=0.02, abs=1e-6), key


def test_jitter_and_shimmer_of_real_speech_ignore_a_constant_offset():
    import os

    y, sr = audiofeat.load(os.path.join(os.path.dirname(__file__), "..", "data", "samples", "speech.wav"), sr=None)
    a = _features(y, sr)
    for offset in (0.05, -0.01):
        b = _features(y + offset, sr)
        for key in ("jitterLocal_mean", "shimmerLocaldB_mean"):
            assert b[key] == pytest.approx(a[key], rel=0.02), (offset, key)


def test_shimmer_ignores_a_slow_drift():
    """The period marks read a drifting baseline: a 2 Hz sway of 0.2 multiplied the shimmer of a 150 Hz tone
    by ~7 (0.029 -> 0.22 dB), a ramp of 0.5/s by ~9 (0.002 -> 0.27 dB on a plain tone). Fixed in session 23
    (the marks' slow baseline: a 50 ms box twice, then the median): the sway leaves ~1.26x (what passes a
    50 ms box at 2 Hz), the ramp ~1.01x."""
    t, y = _shimmery_tone()
    a = _features(y)
    for drift in (0.2 * np.sin(2 * np.pi * 2.0 * t), 0.25 * t):
        b = _features(y + drift)
        assert b["shimmerLocaldB_mean"] == pytest.approx(a["shimmerLocaldB_mean"], rel=0.3)


def test_streaming_mfcc_unknown_option_names_its_options():
    """STFT (this session) and MelSpectrogram list their options on an unknown one; MFCC said only
    'unexpected keyword arguments ['foo']'."""
    from audiofeat.streaming import MFCC

    with pytest.raises(ParameterError, match=r"\['foo'\]; MFCC's options are .*'n_mfcc'"):
        MFCC(foo=1)
    with pytest.raises(ParameterError, match="'hop_length'"):
        MFCC(hop=160)
