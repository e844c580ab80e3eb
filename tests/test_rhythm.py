"""Rhythm: tempograms, tempo, beat tracking and the predominant local pulse.

Checked against librosa 0.11 at runtime (bundled clips and librosa's own test recordings in
../shared/reference/), against the DPWE tempo reference (beat-tempo-000.mat), and against click tracks at
known tempi.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import audiofeat as af
from audiofeat.errors import ParameterError

librosa = pytest.importorskip("librosa", reason="librosa is the test oracle")

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
REFERENCE = ROOT.parent / "shared" / "reference" / "librosa_test_data"
GROUND_TRUTH = json.loads((SAMPLES / "ground_truth.json").read_text())["clips"]
RECORDINGS = ["drums.ogg", "melody.flac", "speech.wav", "noise.wav", "chord.mp3", "test1_22050.wav",
              "test1_44100.wav", "test2_8000.wav"]


def rel(a, b) -> float:
    a = np.asarray(a.detach().cpu() if hasattr(a, "detach") else a)
    b = np.asarray(b)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    scale = np.abs(b).max()
    return float(np.abs(a - b).max() / (scale if scale > 0 else 1.0))


def load(name):
    path = SAMPLES / name if not name.startswith("test") else REFERENCE / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return librosa.load(path, sr=None)


@pytest.mark.parametrize("name", RECORDINGS)
def test_tempograms_and_plp_match_librosa(name):
    y, sr = load(name)
    env = librosa.onset.onset_strength(y=y, sr=sr)
    for kw in [{}, dict(win_length=200, center=False) if len(env) > 200 else dict(win_length=100),
               dict(window="hamming", norm=None), dict(norm=2)]:
        want = librosa.feature.tempogram(onset_envelope=env, sr=sr, **kw)
        assert rel(af.feature.tempogram(onset_envelope=env, sr=sr, **kw), want) <= 1e-4, kw
    with np.testing.suppress_warnings() as sup:
        sup.filter(UserWarning)
        want = librosa.feature.fourier_tempogram(onset_envelope=env, sr=sr)
        got = af.feature.fourier_tempogram(onset_envelope=env, sr=sr)
        assert rel(got, want) <= 1e-4
        want = librosa.beat.plp(y=y, sr=sr)
        got = af.beat.plp(y=y, sr=sr)
        if np.abs(want).max() > 0:
            assert rel(got, want) <= 1e-4
    assert rel(af.feature.tempogram(y=y, sr=sr), librosa.feature.tempogram(y=y, sr=sr)) <= 1e-4


@pytest.mark.parametrize("name", RECORDINGS)
def test_tempo_and_beats_identical_to_librosa(name):
    y, sr = load(name)
    np.testing.assert_array_equal(af.feature.tempo(y=y, sr=sr), librosa.feature.tempo(y=y, sr=sr))
    np.testing.assert_array_equal(af.feature.tempo(y=y, sr=sr, aggregate=None),
                                  librosa.feature.tempo(y=y, sr=sr, aggregate=None))
    for kw in [{}, dict(units="time"), dict(tightness=400, start_bpm=90), dict(trim=False), dict(bpm=100.0),
               dict(hop_length=256)]:
        got_bpm, got = af.beat.beat_track(y=y, sr=sr, **kw)
        want_bpm, want = librosa.beat.beat_track(y=y, sr=sr, **kw)
        np.testing.assert_array_equal(got, want, err_msg=str(kw))
        np.testing.assert_allclose(got_bpm, want_bpm)


def test_beats_identical_with_time_varying_tempo():
    y, sr = load("test1_22050.wav")
    env = librosa.onset.onset_strength(y=y, sr=sr, aggregate=np.median)
    bpm = librosa.feature.tempo(onset_envelope=env, sr=sr, aggregate=None)
    _, got = af.beat.beat_track(onset_envelope=env, sr=sr, bpm=bpm)
    _, want = librosa.beat.beat_track(onset_envelope=env, sr=sr, bpm=bpm)
    np.testing.assert_array_equal(got, want)


def test_reference_tempo():
    path = REFERENCE / "beat-tempo-000.mat"
    if not path.exists():
        pytest.skip("../shared/reference is absent")
    mir_eval = pytest.importorskip("mir_eval", reason="tempo scoring")
    scipy_io = pytest.importorskip("scipy.io")
    data = scipy_io.loadmat(path)
    slow, fast, weight = data["t"][0]
    y, sr = librosa.load(REFERENCE / "test2_8000.wav", sr=None)
    t = float(af.feature.tempo(y=y, sr=sr)[0])
    p, _, _ = mir_eval.tempo.detection(np.array([slow, fast]), weight, np.array([t / 2, t]), tol=0.08)
    assert p == 1.0, t


# --------------------------------------------------------------------------------------------------
# ground truth: metronomes at known tempi
# --------------------------------------------------------------------------------------------------
def _metronome(bpm, sr, seconds, seed=0):
    rng = np.random.default_rng(seed)
    y = 0.001 * rng.standard_normal(int(seconds * sr))
    click = np.exp(-np.arange(int(0.03 * sr)) / (0.004 * sr)) * np.sin(2 * np.pi * 1500 * np.arange(int(0.03 * sr)) / sr)
    times = np.arange(0.25, seconds - 0.1, 60.0 / bpm)
    for t in times:
        i = int(round(t * sr))
        y[i:i + click.size] += 0.5 * click[: len(y) - i]
    return y.astype(np.float32), times


# the lag grid of the autocorrelation limits tempo resolution (60 sr / hop / lag): at hop 512 and 22050 Hz
# 120 BPM falls between lags 21 and 22 (123.0 and 117.5 BPM, 2.5 % and 2.1 % off), so 120 BPM is tested at
# hop 256 (lag 43: 120.2 BPM); the tempi at hop 512 are within 1.3 % of a lag
@pytest.mark.parametrize("bpm,hop", [(90, 512), (100, 512), (130, 512), (150, 512), (120, 256), (75, 256)])
def test_metronome_tempo_within_two_percent(bpm, hop):
    mir_eval = pytest.importorskip("mir_eval", reason="beat scoring")
    sr = 22050
    y, times = _metronome(bpm, sr, 30.0)
    est = float(af.feature.tempo(y=y, sr=sr, hop_length=hop, start_bpm=bpm * 1.1)[0])
    assert abs(est - bpm) / bpm <= 0.02, est
    tempo, beats = af.beat.beat_track(y=y, sr=sr, hop_length=hop, start_bpm=bpm * 1.1, units="time")
    assert abs(float(tempo[0]) - bpm) / bpm <= 0.02
    f = mir_eval.beat.f_measure(times, beats, f_measure_threshold=0.07)
    assert f >= 0.95, f


def test_drum_clip_beats_match_its_schedule():
    mir_eval = pytest.importorskip("mir_eval", reason="beat scoring")
    y, sr = load("drums.ogg")
    _, beats = af.beat.beat_track(y=y, sr=sr, units="time")
    truth = np.asarray(GROUND_TRUTH["drums.ogg"]["beats_s"])
    # the clip is 4.5 s: mir_eval's default ignores beats before 5 s, so score from 0
    f = mir_eval.beat.f_measure(mir_eval.beat.trim_beats(truth, 0), mir_eval.beat.trim_beats(beats, 0))
    assert f >= 0.95, (beats, truth)


def test_plp_peaks_at_clicks():
    sr = 22050
    y, times = _metronome(100, sr, 20.0)
    pulse = af.beat.plp(y=y, sr=sr)
    peaks = librosa.util.localmax(pulse)
    est = librosa.frames_to_time(np.flatnonzero(peaks), sr=sr)
    inner = times[(times > 2) & (times < 18)]
    assert np.all(np.min(np.abs(inner[:, None] - est[None, :]), axis=1) <= 0.05)


# --------------------------------------------------------------------------------------------------
# torch, batches
# --------------------------------------------------------------------------------------------------
def test_torch_equals_numpy_and_batch_equals_loop():
    torch = pytest.importorskip("torch")
    y1, sr = load("drums.ogg")
    y2, _ = load("melody.flac")
    n = min(len(y1), len(y2))
    batch = np.stack([y1[:n], y2[:n], 0.3 * y1[:n]])
    tb = torch.from_numpy(batch)
    tempo, beats = af.beat.beat_track(y=batch, sr=sr)
    ttempo, tbeats = af.beat.beat_track(y=tb, sr=sr)
    assert isinstance(beats, list) and len(beats) == 3 and tempo.shape == (3, 1)
    for i in range(3):
        t_i, b_i = af.beat.beat_track(y=batch[i], sr=sr)
        np.testing.assert_array_equal(beats[i], b_i)
        np.testing.assert_array_equal(tempo[i], t_i)
        assert torch.is_tensor(tbeats[i])
        np.testing.assert_array_equal(tbeats[i].numpy(), b_i)
    np.testing.assert_array_equal(ttempo.numpy(), tempo)
    assert rel(af.feature.tempogram(y=tb, sr=sr), af.feature.tempogram(y=batch, sr=sr)) <= 1e-5
    assert rel(af.beat.plp(y=tb, sr=sr), af.beat.plp(y=batch, sr=sr)) <= 1e-4


def test_tempo_frequencies_match_librosa():
    np.testing.assert_array_equal(af.tempo_frequencies(384, hop_length=256, sr=16000),
                                  librosa.tempo_frequencies(384, hop_length=256, sr=16000))
    np.testing.assert_array_equal(af.fourier_tempo_frequencies(sr=16000, win_length=300, hop_length=160),
                                  librosa.fourier_tempo_frequencies(sr=16000, win_length=300, hop_length=160))


@pytest.mark.parametrize("call", [
    lambda: af.feature.tempogram(),
    lambda: af.feature.tempogram(onset_envelope=np.ones(100), win_length=0),
    lambda: af.feature.tempogram(onset_envelope=np.ones(100), norm="l2"),
    lambda: af.feature.tempo(onset_envelope=np.ones(1000), start_bpm=0),
    lambda: af.beat.beat_track(),
    lambda: af.beat.beat_track(onset_envelope=np.random.default_rng(0).random(1000), tightness=0),
    lambda: af.beat.beat_track(onset_envelope=np.random.default_rng(0).random(1000), bpm=-1.0),
    lambda: af.beat.beat_track(onset_envelope=np.random.default_rng(0).random(1000), units="bars"),
    lambda: af.beat.plp(onset_envelope=np.ones(1000), tempo_min=200, tempo_max=100),
])
def test_bad_input_raises_parameter_error(call):
    with pytest.raises(ParameterError):
        call()
