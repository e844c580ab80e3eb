"""Energy distribution: rms, zero-crossing rate, onset strength and detection, trim/split, voice activity.

Checked against librosa 0.11 at runtime on the bundled clips, against the reference onset envelope in
../shared/reference/ (beat-onset-000.mat), and against ground truth built here (clicks and notes at known
times, speech with silences at known positions in stationary noise).
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
CLIPS = ["drums.ogg", "melody.flac", "speech.wav", "noise.wav", "chord.mp3"]
GROUND_TRUTH = json.loads((SAMPLES / "ground_truth.json").read_text())["clips"]


def rel(a, b) -> float:
    a = np.asarray(a.detach().cpu() if hasattr(a, "detach") else a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    scale = np.abs(b).max()
    return float(np.abs(a - b).max() / (scale if scale > 0 else 1.0))


def load(name, mono=True):
    y, sr = librosa.load(SAMPLES / name, sr=None, mono=mono)
    return y, sr


# --------------------------------------------------------------------------------------------------
# librosa parity on the bundled clips
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CLIPS)
@pytest.mark.parametrize("kw", [{}, dict(frame_length=1024, hop_length=256), dict(frame_length=1000, hop_length=300),
                                dict(center=False)])
def test_rms_and_zcr_match_librosa(name, kw):
    y, _ = load(name, mono=False)  # chord.mp3 is stereo: leading axes carried through
    assert rel(af.feature.rms(y=y, **kw), librosa.feature.rms(y=y, **kw)) <= 1e-4
    assert rel(af.feature.zero_crossing_rate(y, **kw), librosa.feature.zero_crossing_rate(y, **kw)) <= 1e-6


def test_rms_from_spectrogram_matches_librosa():
    y, _ = load("speech.wav")
    for n_fft in (512, 511):
        S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=128))
        assert rel(af.feature.rms(S=S, frame_length=n_fft), librosa.feature.rms(S=S, frame_length=n_fft)) <= 1e-5


def test_zcr_threshold_options_match_librosa():
    y, _ = load("speech.wav")
    for kw in [dict(threshold=0.01), dict(threshold=0.01, zero_pos=False), dict(ref_magnitude=np.max, threshold=0.05)]:
        assert rel(af.feature.zero_crossing_rate(y, **kw), librosa.feature.zero_crossing_rate(y, **kw)) == 0


ONSET_OPTIONS = [{}, dict(lag=2), dict(max_size=3), dict(lag=2, max_size=5), dict(detrend=True),
                 dict(center=False), dict(aggregate=np.median), dict(n_mels=64, fmax=6000)]


@pytest.mark.parametrize("name", CLIPS)
@pytest.mark.parametrize("kw", ONSET_OPTIONS, ids=lambda kw: ",".join(kw) or "default")
def test_onset_strength_matches_librosa(name, kw):
    y, sr = load(name)
    assert rel(af.onset.onset_strength(y=y, sr=sr, **kw), librosa.onset.onset_strength(y=y, sr=sr, **kw)) <= 1e-4


def test_onset_strength_multi_and_S_input_match_librosa():
    y, sr = load("drums.ogg")
    for channels in (None, [0, 16, 64, 128], [slice(0, 40), slice(40, 128)]):
        got = af.onset.onset_strength_multi(y=y, sr=sr, channels=channels)
        assert rel(got, librosa.onset.onset_strength_multi(y=y, sr=sr, channels=channels)) <= 1e-4
    S = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr))
    assert rel(af.onset.onset_strength(S=S, sr=sr), librosa.onset.onset_strength(S=S, sr=sr)) <= 1e-5
    full = af.onset.onset_strength_multi(S=S, aggregate=False)
    assert full.shape == S.shape
    assert rel(full, librosa.onset.onset_strength_multi(S=S, aggregate=False)) <= 1e-5


@pytest.mark.parametrize("kw", [{}, dict(lag=3), dict(detrend=True, center=False), dict(n_mels=40, fmin=60.0),
                                dict(channels=[0, 20, 90, 128]), dict(aggregate=np.mean)],
                         ids=lambda kw: ",".join(kw) or "default")
def test_onset_fast_path_equals_the_general_path(kw):
    """numpy audio with the default feature takes a fused path (log inside the mel blocks, flux per slab);
    passing ``feature=melspectrogram`` takes the general one (mel, power_to_db, whole-array flux). They must
    agree exactly, for a long signal (several flux slabs), a batch and a clip."""
    rng = np.random.default_rng(4)
    long = (0.1 * rng.standard_normal(22050 * 40)).astype(np.float32)
    long[22050 * 10 : 22050 * 12] = 0.0  # digital silence: bands below the top_db floor
    batch = rng.standard_normal((2, 3, 30000))
    clip, _ = load("drums.ogg")
    fn = af.onset.onset_strength_multi if "channels" in kw else af.onset.onset_strength
    for y in (long, batch, clip):
        fast = fn(y=y, sr=22050, **kw)
        general = fn(y=y, sr=22050, feature=af.melspectrogram, **kw)
        assert fast.dtype == general.dtype and fast.shape == general.shape
        np.testing.assert_array_equal(fast, general)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [0, 1, 4095, 50000, -1])
def test_onset_non_finite_audio_is_a_typed_error_without_warnings(bad, where):
    """The fused onset path checks finiteness on its result instead of a pass over the audio: a NaN or inf
    sample anywhere (first, last, a batch item) still raises ParameterError, with no RuntimeWarning first."""
    import warnings

    y = np.random.default_rng(0).standard_normal(60000).astype(np.float32)
    y[where] = bad
    batch = np.stack([np.zeros_like(y) + 0.1, y])
    for x in (y, batch):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ParameterError, match="not finite"):
                af.onset.onset_strength(y=x, sr=22050)


def test_onset_of_finite_audio_whose_power_overflows_is_not_refused():
    """A finite signal whose float32 power overflows is not a bad input: the deferred check looks at the
    audio when the result is not finite and lets it through, as melspectrogram does."""
    y = (np.random.default_rng(1).standard_normal(30000) * 1e25).astype(np.float32)
    with np.errstate(all="ignore"):
        env = af.onset.onset_strength(y=y, sr=22050)
        general = af.onset.onset_strength(y=y, sr=22050, feature=af.melspectrogram)
    np.testing.assert_array_equal(env, general)


@pytest.mark.parametrize("name", CLIPS[:4] + ["test1_22050.wav", "test2_8000.wav"])
def test_onset_frames_identical_to_librosa(name):
    if name.startswith("test"):
        path = REFERENCE / name
        if not path.exists():
            pytest.skip("../shared/reference is absent")
        y, sr = librosa.load(path, sr=None)
    else:
        y, sr = load(name)
    for kw in [{}, dict(backtrack=True), dict(units="time"), dict(units="samples"), dict(delta=0.2, wait=3)]:
        want = librosa.onset.onset_detect(y=y, sr=sr, **kw)
        got = af.onset.onset_detect(y=y, sr=sr, **kw)
        np.testing.assert_array_equal(got, want)
    env = librosa.onset.onset_strength(y=y, sr=sr)
    energy = librosa.feature.rms(y=y)[0]
    np.testing.assert_array_equal(
        af.onset.onset_detect(onset_envelope=env, sr=sr, backtrack=True, energy=energy),
        librosa.onset.onset_detect(onset_envelope=env, sr=sr, backtrack=True, energy=energy))
    np.testing.assert_array_equal(af.onset.onset_detect(onset_envelope=env, sparse=False),
                                  librosa.onset.onset_detect(onset_envelope=env, sparse=False))


def test_peak_pick_and_backtrack_match_librosa_on_random_signals():
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.random(300) ** 4
        kw = dict(pre_max=int(rng.integers(0, 5)), post_max=int(rng.integers(1, 5)), pre_avg=int(rng.integers(0, 9)),
                  post_avg=int(rng.integers(1, 9)), delta=float(rng.uniform(0, 0.3)), wait=int(rng.integers(0, 6)))
        want = librosa.util.peak_pick(x, **kw)
        np.testing.assert_array_equal(af.util.peak_pick(x, **kw), want)
        if want.size:
            np.testing.assert_array_equal(af.onset.onset_backtrack(want, x), librosa.onset.onset_backtrack(want, x))


@pytest.mark.parametrize("name", CLIPS)
@pytest.mark.parametrize("top_db", [20, 40, 60])
def test_trim_and_split_match_librosa(name, top_db):
    y, _ = load(name, mono=False)
    got_y, got_i = af.effects.trim(y, top_db=top_db)
    want_y, want_i = librosa.effects.trim(y, top_db=top_db)
    np.testing.assert_array_equal(got_i, want_i)
    np.testing.assert_array_equal(got_y, want_y)
    np.testing.assert_array_equal(af.effects.split(y, top_db=top_db), librosa.effects.split(y, top_db=top_db))
    np.testing.assert_array_equal(af.effects.split(y, top_db=top_db, ref=0.5, frame_length=1024, hop_length=256),
                                  librosa.effects.split(y, top_db=top_db, ref=0.5, frame_length=1024, hop_length=256))


# --------------------------------------------------------------------------------------------------
# reference data: the DPWE onset envelope (../shared/reference/README.md recipe)
# --------------------------------------------------------------------------------------------------
def test_reference_onset_envelope():
    path = REFERENCE / "beat-onset-000.mat"
    if not path.exists():
        pytest.skip("../shared/reference is absent")
    scipy_io = pytest.importorskip("scipy.io")
    data = scipy_io.loadmat(path)
    ours = af.onset.onset_strength(S=data["D"], lag=1, max_size=1, detrend=True, center=False, aggregate=np.mean)
    np.testing.assert_allclose(ours[1:], data["onsetenv"][0], rtol=1e-5, atol=1e-7)
    assert np.corrcoef(ours[1:], data["onsetenv"][0])[0, 1] > 0.999999


# --------------------------------------------------------------------------------------------------
# ground truth: clicks and notes at known times
# --------------------------------------------------------------------------------------------------
def _click_track(times, sr, n, rng):
    y = 0.001 * rng.standard_normal(n)
    click = np.exp(-np.arange(int(0.02 * sr)) / (0.003 * sr)) * rng.standard_normal(int(0.02 * sr))
    for t in times:
        i = int(round(t * sr))
        y[i:i + click.size] += 0.5 * click[: n - i]
    return y.astype(np.float32)


def _note_sequence(times, sr, n, rng):
    """Legato harmonic notes of random pitch (each starts where the previous one ends), with a soft attack."""
    y = np.zeros(n)
    bounds = list(times) + [n / sr]
    for start, end in zip(bounds[:-1], bounds[1:]):
        f0 = 110.0 * 2 ** (rng.integers(0, 24) / 12)
        i0, i1 = int(start * sr), int(end * sr)
        t = np.arange(i1 - i0) / sr
        env = np.minimum(1.0, t / 0.01) * np.exp(-t / 0.5)
        y[i0:i1] += env * sum(0.5 ** k * np.sin(2 * np.pi * f0 * (k + 1) * t) for k in range(5))
    return (0.3 * y).astype(np.float32)


def _random_times(rng, duration, min_gap=0.15):
    times, t = [], 0.3
    while t < duration - 0.3:
        times.append(t)
        t += min_gap + rng.uniform(0, 0.4)
    return np.asarray(times)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("kind", ["clicks", "notes"])
def test_onsets_at_known_times(kind, seed):
    mir_eval = pytest.importorskip("mir_eval", reason="onset scoring")
    sr, duration = 22050, 8.0
    rng = np.random.default_rng(seed)
    times = _random_times(rng, duration)
    make = _click_track if kind == "clicks" else _note_sequence
    y = make(times, sr, int(duration * sr), rng)
    est = af.onset.onset_detect(y=y, sr=sr, units="time")
    f, _, _ = mir_eval.onset.f_measure(times, est, window=0.05)
    assert f >= 0.95, (kind, seed, f)
    if kind == "clicks":  # the energy onset function finds clicks as well
        env = af.onset.energy_onset_strength(y=y, sr=sr)
        est = af.onset.onset_detect(onset_envelope=env, sr=sr, units="time")
        f, _, _ = mir_eval.onset.f_measure(times, est, window=0.05)
        assert f >= 0.95, ("energy", seed, f)


@pytest.mark.parametrize("name", ["melody.flac", "drums.ogg"])
def test_onsets_of_bundled_clips_match_their_schedule(name):
    mir_eval = pytest.importorskip("mir_eval", reason="onset scoring")
    y, sr = load(name)
    want = np.asarray(GROUND_TRUTH[name]["onsets_s"])
    est = af.onset.onset_detect(y=y, sr=sr, units="time")
    f, _, _ = mir_eval.onset.f_measure(want, est, window=0.05)
    assert f >= 0.95, (name, f)
    # the energy onset function: every note of the melody; on the drums the hi-hats that fall on a ringing
    # kick or snare barely raise the broadband energy (F = 0.86 there: spectral flux is the tool for drums)
    env = af.onset.energy_onset_strength(y=y, sr=sr)
    est = af.onset.onset_detect(onset_envelope=env, sr=sr, units="time")
    f, _, _ = mir_eval.onset.f_measure(want, est, window=0.05)
    assert f >= (0.95 if name == "melody.flac" else 0.8), (name, f)


# --------------------------------------------------------------------------------------------------
# torch, batches, gradients
# --------------------------------------------------------------------------------------------------
def test_numpy_equals_torch_on_real_audio():
    torch = pytest.importorskip("torch")
    y, sr = load("drums.ogg")
    t = torch.from_numpy(y)
    assert rel(af.onset.onset_strength(y=t, sr=sr), af.onset.onset_strength(y=y, sr=sr)) <= 1e-5
    assert rel(af.onset.onset_strength(y=t, sr=sr, detrend=True, max_size=3, aggregate=np.median),
               af.onset.onset_strength(y=y, sr=sr, detrend=True, max_size=3, aggregate=np.median)) <= 1e-5
    assert rel(af.feature.rms(y=t), af.feature.rms(y=y)) <= 1e-5
    got = af.onset.onset_detect(y=t, sr=sr)
    assert torch.is_tensor(got)
    np.testing.assert_array_equal(got.numpy(), af.onset.onset_detect(y=y, sr=sr))
    segs = af.effects.voice_activity(t, sr)
    assert torch.is_tensor(segs)
    np.testing.assert_allclose(segs.numpy(), af.effects.voice_activity(y, sr))


def test_ragged_batch_equals_loop():
    y1, sr = load("drums.ogg")
    y2, _ = load("melody.flac")
    n = min(len(y1), len(y2))
    batch = np.stack([np.stack([y1[:n], y2[:n]]), np.stack([y2[:n], 0.5 * y1[:n]])])  # (2, 2, n)
    onsets = af.onset.onset_detect(y=batch, sr=sr, units="time")
    segments = af.effects.voice_activity(batch, sr)
    assert isinstance(onsets, list) and len(onsets) == 4 and isinstance(segments, list) and len(segments) == 4
    for k, (i, j) in enumerate(np.ndindex(2, 2)):
        np.testing.assert_array_equal(onsets[k], af.onset.onset_detect(y=batch[i, j], sr=sr, units="time"))
        np.testing.assert_array_equal(segments[k], af.effects.voice_activity(batch[i, j], sr))
    mask = af.onset.onset_detect(y=batch, sr=sr, sparse=False)
    assert mask.shape == af.onset.onset_strength(y=batch, sr=sr).shape
    for k, (i, j) in enumerate(np.ndindex(2, 2)):
        np.testing.assert_array_equal(np.flatnonzero(mask[i, j]), af.onset.onset_detect(y=batch[i, j], sr=sr))


def test_gradients_flow_through_rms_and_onset_strength():
    torch = pytest.importorskip("torch")
    y, sr = load("drums.ogg")
    t = torch.tensor(y[:22050], requires_grad=True)
    (af.onset.onset_strength(y=t, sr=sr).sum() + af.feature.rms(y=t).sum()
     + af.onset.energy_onset_strength(y=t, sr=sr).sum()).backward()
    assert t.grad is not None and torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0


# --------------------------------------------------------------------------------------------------
# voice activity: speech with silences at known positions in stationary noise
# --------------------------------------------------------------------------------------------------
def _pink(n, rng):
    X = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(X.size, dtype=np.float64)
    f[0] = 1.0
    p = np.fft.irfft(X / np.sqrt(f), n)
    return p / p.std()


def _sentences():
    """The two sentences of speech.wav, each trimmed to its frames within 35 dB of the clip's loudest frame."""
    y, sr = load("speech.wav")
    y = y.astype(np.float64)
    hop, win = 160, 400
    power = np.array([np.mean(y[i:i + win] ** 2) for i in range(0, len(y) - win + 1, hop)])
    active = 10 * np.log10(power + 1e-12) > 10 * np.log10(power.max()) - 35
    cut = int(2.75 * sr)  # inside the pause between the sentences (2.61-2.89 s)
    out = []
    for a, b in [(0, cut), (cut, len(y))]:
        frames = np.flatnonzero(active[a // hop: b // hop])
        out.append(y[a + frames[0] * hop: a + frames[-1] * hop + win])
    return out, sr


def _speech_in_noise(noise, snr_db, seed):
    """Sentences A B A B with 0.5-1.2 s of silence around each, plus noise at ``snr_db`` below the active speech
    level (mean power over the speech samples). Returns the mix, sr and the reference segments in seconds."""
    sentences, sr = _sentences()
    rng = np.random.default_rng(seed)
    gaps = rng.uniform(0.5, 1.2, 5)
    parts, ref, t = [], [], 0
    for k, i in enumerate([0, 1, 0, 1]):
        parts.append(np.zeros(int(gaps[k] * sr)))
        t += len(parts[-1])
        parts.append(sentences[i])
        ref.append((t / sr, (t + len(sentences[i])) / sr))
        t += len(sentences[i])
    parts.append(np.zeros(int(gaps[-1] * sr)))
    s = np.concatenate(parts)
    active = np.zeros(len(s), dtype=bool)
    for a, b in ref:
        active[int(a * sr):int(b * sr)] = True
    n = _pink(len(s), rng) if noise == "pink" else rng.standard_normal(len(s))
    n *= np.sqrt(np.mean(s[active] ** 2) / 10 ** (snr_db / 10)) / n.std()
    return (s + n).astype(np.float32), sr, np.asarray(ref)


def segment_f1(ref, est, tol=0.05):
    """Segment F1: a detected segment is correct when its start AND end are within ``tol`` seconds of those of a
    reference segment not yet matched (greedy one-to-one matching in time order); F1 = 2PR / (P + R)."""
    used, hits = set(), 0
    for a, b in ref:
        for j, (c, d) in enumerate(est):
            if j not in used and abs(a - c) <= tol and abs(b - d) <= tol:
                used.add(j)
                hits += 1
                break
    if hits == 0:
        return 0.0
    p, r = hits / len(est), hits / len(ref)
    return 2 * p * r / (p + r)


@pytest.mark.parametrize("noise", ["pink", "white"])
@pytest.mark.parametrize("snr_db", [10, 20, 40])
def test_voice_activity_in_stationary_noise(noise, snr_db):
    scores = []
    for seed in range(4):
        y, sr, ref = _speech_in_noise(noise, snr_db, seed)
        est = af.effects.voice_activity(y, sr)
        assert est.ndim == 2 and est.shape[1] == 2 and est.dtype == np.float64
        scores.append(segment_f1(ref, est))
    assert np.mean(scores) >= 0.9 and min(scores) >= 0.75, scores


def test_voice_activity_on_clean_speech_and_noise_only():
    y, sr = load("speech.wav")
    segs = af.effects.voice_activity(y, sr)
    assert 1 <= len(segs) <= 3 and segs[0, 0] < 0.1 and segs[-1, 1] > 4.5
    assert np.all(np.diff(segs.ravel()) > 0)
    noise = _pink(5 * 16000, np.random.default_rng(3)).astype(np.float32) * 0.05
    assert len(af.effects.voice_activity(noise, 16000)) <= 1  # stationary noise alone: at most a stray blip


# --------------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: af.feature.rms(),
    lambda: af.feature.rms(y=np.zeros(100, dtype=np.float32), center=False),
    lambda: af.feature.rms(S=np.ones((100, 10)), frame_length=2048),
    lambda: af.feature.rms(y=np.zeros(4096), hop_length=0),
    lambda: af.feature.zero_crossing_rate(np.zeros(4096, dtype=np.int16)),
    lambda: af.onset.onset_strength(y=np.zeros(4096), lag=0),
    lambda: af.onset.onset_strength(y=np.zeros(4096), max_size=0),
    lambda: af.onset.onset_strength(y=np.zeros(4096), aggregate=False),
    lambda: af.onset.onset_strength(),
    lambda: af.onset.onset_strength_multi(S=np.ones((8, 10)), ref=np.ones((8, 9))),
    lambda: af.onset.onset_detect(),
    lambda: af.onset.onset_detect(onset_envelope=np.ones(100), units="beats"),
    lambda: af.onset.onset_detect(onset_envelope=np.ones(100), backtrack=True, sparse=False),
    lambda: af.util.peak_pick(np.ones(10), pre_max=-1, post_max=1, pre_avg=1, post_avg=1, delta=0, wait=0),
    lambda: af.util.peak_pick(np.ones(10), pre_max=1, post_max=0, pre_avg=1, post_avg=1, delta=0, wait=0),
    lambda: af.util.peak_pick(np.ones((2, 10)), pre_max=1, post_max=1, pre_avg=1, post_avg=1, delta=0, wait=0),
    lambda: af.onset.onset_backtrack(np.array([-1]), np.ones(10)),
    lambda: af.effects.trim(np.zeros(4096), top_db=float("nan")),
    lambda: af.effects.voice_activity(np.zeros(100, dtype=np.float32), 16000),
    lambda: af.effects.voice_activity(np.zeros(16000, dtype=np.float32), 16000, fmin=5000, fmax=4000),
    lambda: af.effects.voice_activity(np.zeros(16000, dtype=np.float32), 16000, noise_quantile=101),
    lambda: af.effects.voice_activity(np.full(16000, np.nan, dtype=np.float32), 16000),
])
def test_bad_input_raises_parameter_error(call):
    with pytest.raises(ParameterError):
        call()


@pytest.mark.parametrize("case", ["hop past half n_fft, last sample", "hop past n_fft, a gap sample",
                                  "empty mel filters"])
def test_onset_non_finite_audio_the_result_cannot_reveal_is_still_refused(case):
    """The fused path infers the audio's finiteness from its log-mel result. That holds only when every
    sample reaches a frame and some mel band reads the spectrum: with hop_length > n_fft / 2 the last
    samples reach no frame (past n_fft, neither do the gaps), and a filterbank of empty filters maps a NaN
    spectrum to 0 dB power. The general path (and librosa) refuse such audio; so must the fused one."""
    import warnings

    y = np.random.default_rng(2).standard_normal(22527).astype(np.float32)
    kw = {"hop past half n_fft, last sample": dict(n_fft=512, hop_length=512),
          "hop past n_fft, a gap sample": dict(n_fft=512, hop_length=1024),
          "empty mel filters": dict(fmax=5.0)}[case]
    y[{"hop past half n_fft, last sample": -1, "hop past n_fft, a gap sample": 11000 + 700,
       "empty mel filters": 5000}[case]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the empty filters' own warning
        warnings.simplefilter("error", RuntimeWarning)
        for feature in (None, af.melspectrogram):
            with pytest.raises(ParameterError, match="not finite"):
                af.onset.onset_strength(y=y, sr=22050, feature=feature, **kw)
            with pytest.raises(ParameterError, match="not finite"):
                af.onset.onset_strength_multi(y=np.stack([np.zeros_like(y), y]), sr=22050, feature=feature, **kw)


def test_onset_overflowing_power_warns_like_the_general_path():
    """Finite audio whose float32 power overflows gives NaN flux: the fused path must not hide numpy's
    overflow warning that the general path (and librosa) give for it."""
    import warnings

    y = (np.random.default_rng(1).standard_normal(30000) * 1e25).astype(np.float32)
    for feature in (None, af.melspectrogram):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            af.onset.onset_strength(y=y, sr=22050, feature=feature)
        assert any(issubclass(w.category, RuntimeWarning) and "overflow" in str(w.message) for w in seen)


@pytest.mark.parametrize("channels", [[10], [0, 300], [200, 300]])
def test_onset_channels_that_make_no_group_give_no_channel_like_librosa(channels):
    """Boundaries that form no band group give a (0, t) envelope in librosa; the fused path did, the general
    path (feature=, aggregate=, max_size>1) raised a bare ValueError from an empty concatenation."""
    librosa = pytest.importorskip("librosa", reason="the reference implementation")
    y = np.random.default_rng(3).standard_normal(22050).astype(np.float32)
    want = librosa.onset.onset_strength_multi(y=y, sr=22050, channels=channels)
    for kw in ({}, dict(feature=af.melspectrogram), dict(max_size=3), dict(aggregate=np.median)):
        got = af.onset.onset_strength_multi(y=y, sr=22050, channels=channels, **kw)
        assert got.shape == want.shape == (0, 44) and got.dtype == np.float32


def test_melspectrogram_hop_length_none_and_scalar_audio():
    """librosa's melspectrogram (and mfcc) accept hop_length=None (win_length // 4); audiofeat's raised a bare
    TypeError from its few-frames test, and a scalar y gave an IndexError instead of ParameterError."""
    librosa = pytest.importorskip("librosa", reason="the reference implementation")
    y = np.random.default_rng(5).standard_normal(22050).astype(np.float32)
    for kw in ({}, dict(win_length=1024)):
        assert rel(af.melspectrogram(y=y, sr=22050, hop_length=None, **kw),
                   librosa.feature.melspectrogram(y=y, sr=22050, hop_length=None, **kw)) <= 1e-5
        assert rel(af.feature.mfcc(y=y, sr=22050, hop_length=None, **kw),
                   librosa.feature.mfcc(y=y, sr=22050, hop_length=None, **kw)) <= 1e-4
    for call in (lambda: af.melspectrogram(y=np.float32(1.0)), lambda: af.onset.onset_strength(y=np.float32(1.0))):
        with pytest.raises(ParameterError):
            call()
