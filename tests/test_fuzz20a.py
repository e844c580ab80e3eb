"""Session 20 fuzz (A): functions the session 18/19 sweeps did not cover (delta, stack_memory, poly_features,
mfcc/chroma_stft options, spectral_flatness, zero_crossing_rate, tonnetz, trim/split, pre/deemphasis,
resample, onset_detect/backtrack, beat_track, tempo, plp, sequence, util), against librosa 0.11 at runtime.
Real divergences found (both in rhythm.beat_track's tracker):

- a short envelope (4 .. ~30 frames, about 0.1-0.7 s at the default hop) raised numpy's ValueError from
  ``sliding_window_view`` in ``_beat_dp``, where librosa tracks beats;
- an envelope whose first frame is not 0 (a user's envelope; onset_strength's first frame is 0) tracked
  other beats: librosa's local-score kernel never reads frame 0, the numpy convolution fast path did.

and elsewhere: zero_crossing_rate applied a callable ref_magnitude to |y| instead of librosa's frames
(np.mean/np.median gave other thresholds) and refused librosa's pad=; non-finite bpm= (numpy ValueError),
zi= (silent NaN signal), chroma= of tonnetz (NaN columns; librosa raises), and NaN/inf in peak_pick's x,
onset_backtrack's / onset_detect's energy (indices returned silently) now raise ParameterError.
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


# --- non-finite parameters / given arrays: a typed error, never NaN out or numpy's own error -------------
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_beat_track_nonfinite_bpm_raises_typed(bad):
    # was: ValueError('arange: cannot compute length') from numpy for NaN
    env = np.random.default_rng(0).random(200).astype(np.float32)
    with pytest.raises(af.ParameterError):
        af.beat_track(onset_envelope=env, sr=SR, bpm=bad)
    with pytest.raises(af.ParameterError):
        af.beat_track(onset_envelope=env, sr=SR, bpm=np.full(200, bad))


@pytest.mark.parametrize("fn", [af.preemphasis, af.deemphasis])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_emphasis_nonfinite_zi_raises_typed(fn, bad, backend):
    # was: a silently all-NaN (or inf) signal
    y = _clip(1000)
    zi = np.array([[0.1], [bad]], dtype=np.float32)
    y2 = np.stack([y, y])
    if backend == "torch":
        torch = pytest.importorskip("torch", reason="the torch side of the same call")
        y2, zi = torch.from_numpy(y2), torch.from_numpy(zi)
    with pytest.raises(af.ParameterError):
        fn(y2, zi=zi)
    with pytest.raises(af.ParameterError):
        fn(y2[0], zi=float(bad))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_tonnetz_nonfinite_chroma_raises_like_librosa(bad):
    # was: NaN columns returned; librosa raises ParameterError('Input must be finite')
    C = np.abs(np.random.default_rng(0).standard_normal((12, 5)))
    C[3, 1] = bad
    with pytest.raises(librosa.util.exceptions.ParameterError):
        librosa.feature.tonnetz(chroma=C)
    with pytest.raises(af.ParameterError):
        af.tonnetz(chroma=C)


# --- zero_crossing_rate: a callable ref_magnitude sees librosa's frames; pad= passes through ---------------
def _zcr_signal():
    rng = np.random.default_rng(0)
    return np.round(rng.standard_normal(5000) * 20) / 20 * np.linspace(0, 1, 5000)


@pytest.mark.parametrize("ref", [np.mean, np.median, np.max])
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_zcr_callable_ref_magnitude_matches_librosa(ref, center, backend):
    # was: np.mean/np.median taken over |y|, not over librosa's (edge-padded, overlapping) frames: up to
    # 0.023 off (12 crossings in a 512-sample frame) with threshold=0.3, ref_magnitude=np.mean
    y = _zcr_signal()
    y2 = np.stack([y, 0.1 * y[::-1]])
    kw = dict(threshold=0.3, ref_magnitude=ref, center=center, frame_length=512, hop_length=128)
    ref_out = librosa.feature.zero_crossing_rate(y2, **kw)
    x = y2
    if backend == "torch":
        torch = pytest.importorskip("torch", reason="the torch side of the same call")
        x = torch.from_numpy(y2)
    got = af.zero_crossing_rate(x, **kw)
    got = got.numpy() if backend == "torch" else got
    np.testing.assert_allclose(got, ref_out, rtol=0, atol=1e-12)


@pytest.mark.parametrize("pad", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zcr_pad_keyword_matches_librosa(pad, dtype):
    # was: TypeError (unexpected keyword 'pad'); librosa passes it to zero_crossings
    y = _zcr_signal().astype(dtype)
    got = af.zero_crossing_rate(y, pad=pad, frame_length=511, hop_length=100)
    ref = librosa.feature.zero_crossing_rate(y, pad=pad, frame_length=511, hop_length=100)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_peak_pick_and_backtrack_nonfinite_raise_typed(bad):
    # was: indices returned silently (a NaN compares False, so a peak near it vanished)
    env = np.abs(np.random.default_rng(0).standard_normal(200))
    env[66] = bad
    good = np.abs(np.random.default_rng(1).standard_normal(200))
    with pytest.raises(af.ParameterError):
        af.util.peak_pick(env, pre_max=3, post_max=3, pre_avg=3, post_avg=3, delta=0.1, wait=2)
    with pytest.raises(af.ParameterError):
        af.util.peak_pick(np.stack([good, env]), pre_max=3, post_max=3, pre_avg=3, post_avg=3, delta=0.1, wait=2,
                          sparse=False)
    with pytest.raises(af.ParameterError):
        af.onset_backtrack(np.array([10, 50]), env)
    with pytest.raises(af.ParameterError):
        af.onset_detect(onset_envelope=good, sr=SR, backtrack=True, energy=env)
