"""Session 20 fuzz (A): functions the session 18/19 sweeps did not cover (delta, stack_memory, poly_features,
mfcc/chroma_stft options, spectral_flatness, zero_crossing_rate, tonnetz, trim/split, pre/deemphasis,
resample, onset_detect/backtrack, beat_track, tempo, plp, sequence, util), against librosa 0.11 at runtime.
Real divergences found (both in rhythm.beat_track's tracker):

- a short envelope (4 .. ~30 frames, about 0.1-0.7 s at the default hop) raised numpy's ValueError from
  ``sliding_window_view`` in ``_beat_dp``, where librosa tracks beats;
- an envelope whose first frame is not 0 (a user's envelope; onset_strength's first frame is 0) tracked
  other beats: librosa's local-score kernel never reads frame 0, the numpy convolution fast path did.
"""
from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af

librosa = pytest.importorskip("librosa", reason="compares against librosa at runtime")

SR = 22050


def _clip(n):
    rng = np.random.default_rng(n)
    y = np.zeros(n, dtype=np.float32)
    y[:: SR // 4] = 1.0  # clicks at 240 bpm ...
    return y + 0.01 * rng.standard_normal(n).astype(np.float32)


@pytest.mark.parametrize("n_frames", [4, 6, 8, 12, 20, 28])
def test_beat_track_short_envelope_matches_librosa(n_frames):
    # was: ValueError('window shape cannot be larger than input array shape') from _beat_dp
    y = _clip(n_frames * 512)
    got_bpm, got = af.beat_track(y=y, sr=SR)
    ref_bpm, ref = librosa.beat.beat_track(y=y, sr=SR)
    np.testing.assert_allclose(got_bpm, ref_bpm)
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("n", [4, 7, 16, 25])
@pytest.mark.parametrize("bpm", [60.0, 120.0, 215.0])
def test_beat_track_short_random_envelope(n, bpm):
    env = np.random.default_rng(n).random(n).astype(np.float32)
    np.testing.assert_array_equal(af.beat_track(onset_envelope=env, sr=SR, bpm=bpm)[1],
                                  librosa.beat.beat_track(onset_envelope=env, sr=SR, bpm=bpm)[1])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("trim", [True, False])
def test_beat_track_envelope_with_nonzero_first_frame(seed, trim):
    # was: beats [0 26 50 73 97] vs librosa [5 27 50 73 97] (seed 0): the first frame entered the local score
    env = np.random.default_rng(seed).random(100).astype(np.float32)
    env[0] = 4.0
    for bpm in (None, 120.0):
        got = af.beat_track(onset_envelope=env, sr=SR, bpm=bpm, trim=trim)
        ref = librosa.beat.beat_track(onset_envelope=env, sr=SR, bpm=bpm, trim=trim)
        np.testing.assert_allclose(got[0], ref[0])
        np.testing.assert_array_equal(got[1], ref[1])


def test_beat_track_reversed_real_envelope():
    path = _ref_wav()
    if path is None:
        pytest.skip("reference audio absent (../shared/reference)")
    y, _ = librosa.load(path, sr=SR, duration=3)
    for n in (38, 50, 96):
        env = librosa.onset.onset_strength(y=y[: n * 512], sr=SR)[::-1].copy()
        for start_bpm in (60, 120, 200):
            got = af.beat_track(onset_envelope=env, sr=SR, start_bpm=start_bpm)
            ref = librosa.beat.beat_track(onset_envelope=env, sr=SR, start_bpm=start_bpm)
            np.testing.assert_allclose(got[0], ref[0])
            np.testing.assert_array_equal(got[1], ref[1])


def _ref_wav():
    from pathlib import Path

    p = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "librosa_test_data" / "test1_22050.wav"
    return str(p) if p.exists() else None
