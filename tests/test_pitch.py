"""Periodicity (audiofeat.pitch) and sequence models (audiofeat.sequence): parity with librosa on real audio,
the pYIN-Vamp chirp references, ground truth (tones, vibrato, noise, the bundled melody), and typed errors.
numpy = torch and batch = loop are in the registry (tests/cases_pitch.py)."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import audiofeat as af
from audiofeat.errors import ParameterError

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
REFERENCE = ROOT.parent / "shared" / "reference" / "librosa_test_data"
SR = 22050
C2, C7 = 65.40639132514966, 2093.004522404789


def _librosa():
    return pytest.importorskip("librosa", reason="librosa is the test oracle")


def _load(name: str, sr: int = SR) -> np.ndarray:
    y, _ = af.load(str(SAMPLES / name), sr=sr)
    return np.asarray(y, dtype=np.float64)


def _cents(a, b):
    return 1200 * np.abs(np.log2(np.asarray(a) / np.asarray(b)))


def _chirp():
    scipy_signal = pytest.importorskip("scipy.signal")
    return scipy_signal.chirp(np.arange(22050) / 22050, 220, 1.0, 640, method="logarithmic", phi=-90)


# --------------------------------------------------------------------------------------------------
# references from the pYIN Vamp plugin (recipes in ../shared/reference/README.md)
# --------------------------------------------------------------------------------------------------
def _reference(name: str) -> np.ndarray:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference data not found at {path}")
    return np.load(path)


def test_yin_matches_pyin_vamp_reference():
    ref = _reference("pitch-yin.npy")
    f0 = af.yin(_chirp(), fmin=110, fmax=880, sr=22050, frame_length=1024, hop_length=512, center=False)[:-2]
    assert f0.shape == ref.shape
    assert np.all(np.abs(np.log2(f0) - np.log2(ref)) <= 0.01)


def test_pyin_matches_pyin_vamp_reference():
    ref = _reference("pitch-pyin.npy")
    y = np.pad(_chirp(), 22050)
    f0, voiced, _ = af.pyin(y, fmin=60, fmax=900, sr=22050, frame_length=1024, hop_length=512, resolution=0.2,
                            center=False)
    f0, voiced = f0[:-2], voiced[:-2]
    assert f0.shape == ref.shape
    np.testing.assert_array_equal(voiced, ref > 0)
    assert np.all(np.abs(np.log2(f0[voiced]) - np.log2(ref[voiced])) <= 0.01)


# --------------------------------------------------------------------------------------------------
# parity with librosa on real audio
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["melody.flac", "speech.wav"])
def clip(request):
    return _load(request.param)


def test_yin_parity_real_audio(clip):
    librosa = _librosa()
    want = librosa.yin(clip, fmin=C2, fmax=C7, sr=SR)
    got = af.yin(clip, fmin=C2, fmax=C7, sr=SR)
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("kw", [
    dict(),  # frames of 4 hops, lags <= a hop: the difference function from FFTs of the shared blocks
    dict(frame_length=1024, hop_length=512, fmin=50, fmax=800),  # frames of 2 hops
    dict(frame_length=1024, hop_length=256, fmin=200, fmax=2000, center=False),
    dict(fmin=30, fmax=500),  # lags longer than a hop: one FFT per frame
    dict(hop_length=300, fmin=100, fmax=1000),  # frames that are not whole hops
    dict(hop_length=2048, fmin=100, fmax=1000, pad_mode="reflect"),  # no overlap
], ids=["shared-4", "shared-2", "shared-uncentred", "long-lags", "odd-hop", "no-overlap"])
def test_yin_parity_frame_layouts(kw):
    librosa = _librosa()
    kw = dict(dict(fmin=C2, fmax=C7, sr=SR), **kw)
    y = _load("speech.wav")[: 3 * SR]
    np.testing.assert_allclose(af.yin(y, **kw), librosa.yin(y, **kw), rtol=1e-6)
    batch = np.stack([y, y[::-1].copy()])
    got = af.yin(batch.astype(np.float32), **kw)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, librosa.yin(batch.astype(np.float32), **kw), rtol=1e-4)
    np.testing.assert_array_equal(got[1], af.yin(batch[1].astype(np.float32), **kw))


@pytest.mark.parametrize("fill_na", [np.nan, None])
def test_pyin_parity_real_audio(clip, fill_na):
    librosa = _librosa()
    kw = dict(fmin=C2, fmax=C7, sr=SR, fill_na=fill_na)
    f1, v1, p1 = librosa.pyin(clip, **kw)
    f2, v2, p2 = af.pyin(clip, **kw)
    assert f2.dtype == np.float64 and v2.dtype == bool and f2.shape == f1.shape
    assert np.mean(v1 == v2) >= 0.99
    both = v1 & v2
    assert np.median(_cents(f2[both], f1[both])) <= 1.0
    np.testing.assert_allclose(p2, p1, rtol=1e-9, atol=1e-12)
    # in practice the decisions and voiced pitches are identical
    np.testing.assert_array_equal(v2, v1)
    np.testing.assert_allclose(f2[v1], f1[v1], rtol=1e-12)
    if fill_na is None:
        # the unvoiced best guess follows scores that tie up to rounding in places: a bin or two off there
        assert np.mean(f2 == f1) >= 0.9 and np.max(_cents(f2, f1)) <= 50
    else:
        assert np.all(np.isnan(f2[~v2]))


def test_pyin_parity_other_parameters():
    librosa = _librosa()
    y = _load("speech.wav", 16000)
    kw = dict(fmin=70, fmax=500, sr=16000, frame_length=1024, hop_length=160, resolution=0.05,
              switch_prob=0.05, beta_parameters=(1, 10), boltzmann_parameter=1.5, max_transition_rate=20,
              center=False)
    f1, v1, p1 = librosa.pyin(y, **kw)
    f2, v2, p2 = af.pyin(y, **kw)
    assert np.mean(v1 == v2) >= 0.99
    np.testing.assert_allclose(p2, p1, rtol=1e-9, atol=1e-12)
    both = v1 & v2
    assert np.median(_cents(f2[both], f1[both])) <= 1.0


def test_pyin_batch_equals_loop_and_float32():
    y = _load("melody.flac")[: 2 * SR]
    batch = np.stack([y, y[::-1].copy(), 0.5 * y])
    f0, voiced, prob = af.pyin(batch, fmin=C2, fmax=C7, sr=SR, fill_na=0.0)
    for i in range(3):
        f, v, p = af.pyin(batch[i], fmin=C2, fmax=C7, sr=SR, fill_na=0.0)
        np.testing.assert_array_equal(f0[i], f)
        np.testing.assert_array_equal(voiced[i], v)
        np.testing.assert_array_equal(prob[i], p)
    f32, v32, p32 = af.pyin(y.astype(np.float32), fmin=C2, fmax=C7, sr=SR)
    assert f32.dtype == np.float32 and p32.dtype == np.float32
    assert np.mean(v32 == voiced[0]) >= 0.99


def test_pyin_torch_matches_numpy():
    torch = pytest.importorskip("torch", reason="torch backend")
    y = _load("speech.wav", 16000)[:16000].astype(np.float32)
    kw = dict(fmin=70, fmax=500, sr=16000, frame_length=1024)
    f, v, p = af.pyin(y, **kw)
    ft, vt, pt = af.pyin(torch.from_numpy(y), **kw)
    assert torch.is_tensor(ft) and vt.dtype == torch.bool and pt.dtype == torch.float32
    assert np.mean(vt.numpy() == v) >= 0.99
    np.testing.assert_allclose(pt.numpy(), p, atol=1e-4)


def test_autocorrelate_parity_axes_and_complex():
    librosa = _librosa()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 50, 4))
    for axis in (0, 1, -1):
        np.testing.assert_allclose(af.autocorrelate(x, axis=axis, max_size=20),
                                   librosa.autocorrelate(x, axis=axis, max_size=20), atol=1e-10)
    z = x[0, :, 0] + 1j * x[1, :, 0]
    np.testing.assert_allclose(af.autocorrelate(z), librosa.autocorrelate(z), atol=1e-10)


def test_piptrack_parity_with_spectrogram_and_ref():
    librosa = _librosa()
    y = _load("melody.flac")[:SR]
    S = np.abs(librosa.stft(y))
    for kw in (dict(), dict(ref=np.mean, threshold=1.0), dict(ref=0.5, fmin=100, fmax=2000)):
        p1, m1 = librosa.piptrack(S=S, sr=SR, **kw)
        p2, m2 = af.piptrack(S=S, sr=SR, **kw)
        np.testing.assert_allclose(p2, p1, rtol=1e-10, atol=1e-9)
        np.testing.assert_allclose(m2, m1, rtol=1e-10, atol=1e-9)


def test_estimate_tuning_parity_and_ground_truth():
    librosa = _librosa()
    y = _load("melody.flac")
    assert af.estimate_tuning(y=y, sr=SR) == librosa.estimate_tuning(y=y, sr=SR)
    t = np.arange(SR) / SR
    for cents in (-30, 0, 20):
        tone = np.sin(2 * np.pi * 440 * 2 ** (cents / 1200) * t)
        assert abs(af.estimate_tuning(y=tone, sr=SR) - cents / 100) <= 0.03
    freqs = 440 * 2 ** (np.random.default_rng(0).normal(0.1, 0.02, 200) / 12)
    assert af.pitch_tuning(freqs) == librosa.pitch_tuning(freqs)
    with pytest.warns(UserWarning, match="empty frequency set"):
        assert af.pitch_tuning(np.zeros(3)) == 0.0


# --------------------------------------------------------------------------------------------------
# ground truth: tones, vibrato, noise, the bundled melody
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("f0", [82.41, 146.83, 220.0, 392.0, 659.26, 1046.5])
def test_tones_of_known_pitch(f0):
    t = np.arange(SR) / SR
    y = sum(0.5 ** k * np.sin(2 * np.pi * k * f0 * t + k) for k in range(1, 5))
    for est in (af.yin(y, fmin=C2, fmax=C7, sr=SR), af.pyin(y, fmin=C2, fmax=C7, sr=SR)[0]):
        assert np.nanmedian(_cents(est[4:-4], f0)) <= 10
    _, voiced, _ = af.pyin(y, fmin=C2, fmax=C7, sr=SR)
    assert voiced[4:-4].mean() >= 0.95


@pytest.mark.parametrize("f0", [110.0, 261.63, 523.25])
def test_vibrato_tones(f0):
    t = np.arange(2 * SR) / SR
    depth, rate = 50.0, 5.5  # +-50 cents at 5.5 Hz
    inst = f0 * 2 ** (depth / 1200 * np.sin(2 * np.pi * rate * t))
    phase = 2 * np.pi * np.cumsum(inst) / SR
    y = np.sin(phase) + 0.3 * np.sin(2 * phase)
    # the known f0 of a frame: the mean instantaneous frequency over its 2048 samples
    cum = np.concatenate([[0.0], np.cumsum(np.pad(inst, 1024, mode="edge"))])
    start = np.arange(1 + len(y) // 512) * 512
    truth = (cum[start + 2048] - cum[start]) / 2048
    f0_pyin, voiced, _ = af.pyin(y, fmin=C2, fmax=C7, sr=SR)
    inner = slice(4, -4)
    assert voiced[inner].mean() >= 0.95
    assert np.nanmedian(_cents(f0_pyin[inner], truth[inner])) <= 10
    assert np.median(_cents(af.yin(y, fmin=C2, fmax=C7, sr=SR)[inner], truth[inner])) <= 10


def test_noise_and_silence_are_unvoiced():
    rng = np.random.default_rng(1)
    noise = rng.standard_normal(2 * SR)
    _, voiced, prob = af.pyin(noise, fmin=C2, fmax=1000, sr=SR)
    assert not voiced.any()
    _, voiced, prob = af.pyin(noise, fmin=C2, fmax=C7, sr=SR)
    assert prob.mean() <= 0.05  # with fmax up to C7 a fifth of white-noise frames decode as voiced (as librosa)
    f0, voiced, prob = af.pyin(np.zeros(SR), fmin=C2, fmax=C7, sr=SR)
    assert not voiced.any() and np.all(np.isnan(f0)) and np.all(prob == 0)


def test_melody_ground_truth():
    truth = json.loads((SAMPLES / "ground_truth.json").read_text())["clips"]["melody.flac"]["notes"]
    y = _load("melody.flac")
    f0, voiced, _ = af.pyin(y, fmin=C2, fmax=C7, sr=SR)
    yin_f0 = af.yin(y, fmin=C2, fmax=C7, sr=SR)
    times = af.frames_to_time(np.arange(f0.size), sr=SR, hop_length=512)
    for note in truth:
        inside = (times > note["onset_s"] + 0.06) & (times < note["offset_s"] - 0.06)
        assert voiced[inside].mean() >= 0.9
        assert np.nanmedian(_cents(f0[inside], note["f0_hz"])) <= 10
        assert np.median(_cents(yin_f0[inside], note["f0_hz"])) <= 10
    librosa = pytest.importorskip("librosa")
    lf0 = librosa.pyin(y, fmin=C2, fmax=C7, sr=SR)[0]
    errs = [np.nanmedian(_cents(f[(times > n["onset_s"] + 0.06) & (times < n["offset_s"] - 0.06)], n["f0_hz"]))
            for f in (f0, lf0) for n in truth]
    assert np.mean(errs[: len(truth)]) <= np.mean(errs[len(truth):]) + 1e-9  # at least as accurate as librosa


# --------------------------------------------------------------------------------------------------
# harmonicity
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("snr_db", [0.0, 10.0, 20.0])
def test_hnr_tracks_snr_of_tone_in_noise(snr_db):
    rng = np.random.default_rng(2)
    t = np.arange(2 * SR) / SR
    tone = np.sin(2 * np.pi * 200 * t) + 0.5 * np.sin(2 * np.pi * 400 * t)
    noise = rng.standard_normal(t.size)
    noise *= np.sqrt(np.mean(tone ** 2) / np.mean(noise ** 2) / 10 ** (snr_db / 10))
    h = af.hnr(tone + noise, sr=SR)[4:-4]
    assert abs(np.median(h) - snr_db) <= 3.0


def test_hnr_extremes():
    t = np.arange(SR) / SR
    assert np.median(af.hnr(np.sin(2 * np.pi * 150 * t), sr=SR)) > 40
    noise = np.random.default_rng(3).standard_normal(SR)
    assert np.median(af.hnr(noise, sr=SR)) < 0
    assert np.all(af.hnr(np.zeros(SR), sr=SR) == -20.0)
    h32 = af.hnr(noise.astype(np.float32), sr=SR)
    assert h32.dtype == np.float32 and np.all(np.isfinite(h32))


# --------------------------------------------------------------------------------------------------
# sequence models
# --------------------------------------------------------------------------------------------------
def test_transition_matrices_match_librosa():
    librosa = _librosa()
    seq = librosa.sequence
    np.testing.assert_array_equal(af.sequence.transition_uniform(5), seq.transition_uniform(5))
    for p in (0.8, [0.5, 0.6, 0.7, 0.8]):
        np.testing.assert_allclose(af.sequence.transition_loop(4, p), seq.transition_loop(4, p))
        np.testing.assert_allclose(af.sequence.transition_cycle(4, p), seq.transition_cycle(4, p))
    for n, w, kw in [(5, 3, {}), (5, 3, dict(wrap=True)), (7, [1, 2, 3, 4, 5, 6, 7], dict(window="ones")),
                     (601, 101, {}), (40, 9, dict(window="hann", wrap=True))]:
        np.testing.assert_allclose(af.sequence.transition_local(n, w, **kw), seq.transition_local(n, w, **kw),
                                   rtol=1e-12)


@pytest.mark.parametrize("lead", [(), (2,), (2, 3)])
def test_viterbi_family_matches_librosa(lead):
    librosa = _librosa()
    rng = np.random.default_rng(4)
    p = rng.uniform(0, 1, (*lead, 5, 40))
    A = librosa.sequence.transition_local(5, 3, wrap=True)
    p_init = np.array([0.5, 0.2, 0.1, 0.1, 0.1])
    s1, l1 = librosa.sequence.viterbi(p, A, p_init=p_init, return_logp=True)
    s2, l2 = af.sequence.viterbi(p, A, p_init=p_init, return_logp=True)
    np.testing.assert_array_equal(s2, s1)
    assert s2.dtype == s1.dtype and l2.shape == l1.shape
    np.testing.assert_allclose(l2, l1, rtol=1e-12)
    q = p / p.sum(axis=-2, keepdims=True)
    p_state = np.array([0.3, 0.3, 0.2, 0.1, 0.1])
    s1, l1 = librosa.sequence.viterbi_discriminative(q, A, p_state=p_state, return_logp=True)
    s2, l2 = af.sequence.viterbi_discriminative(q, A, p_state=p_state, return_logp=True)
    np.testing.assert_array_equal(s2, s1)
    np.testing.assert_allclose(l2, l1, rtol=1e-12)
    T = np.array([[[0.9, 0.1], [0.3, 0.7]]] * 5) * 0 + np.array([[0.8, 0.2], [0.4, 0.6]])
    s1, l1 = librosa.sequence.viterbi_binary(p, T, p_state=np.full(5, 0.3), return_logp=True)
    s2, l2 = af.sequence.viterbi_binary(p, T, p_state=np.full(5, 0.3), return_logp=True)
    np.testing.assert_array_equal(s2, s1)
    np.testing.assert_allclose(l2, l1, rtol=1e-12)


def test_viterbi_torch_batched():
    torch = pytest.importorskip("torch", reason="torch backend")
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 1, (3, 4, 25))
    A = af.sequence.transition_loop(4, 0.7)
    want = af.sequence.viterbi(p, A)
    got = af.sequence.viterbi(torch.from_numpy(p), torch.from_numpy(A))
    assert torch.is_tensor(got)
    np.testing.assert_array_equal(got.numpy(), want)


# --------------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(fmin=500, fmax=400), dict(fmin=0, fmax=400), dict(fmin=60, fmax=20000),
                                dict(fmin=5, fmax=400), dict(fmin=None, fmax=400),
                                dict(fmin=60, fmax=400, frame_length=1.5), dict(fmin=60, fmax=400, hop_length=0)])
def test_yin_pyin_bad_parameters(kw):
    y = np.zeros(4096)
    for fn in (af.yin, af.pyin):
        with pytest.raises(ParameterError):
            fn(y, sr=SR, **kw)


def test_bad_inputs_raise_typed_errors():
    with pytest.raises(ParameterError):
        af.pyin(np.zeros(4096), fmin=60, fmax=400, resolution=1.5)
    with pytest.raises(ParameterError):
        af.pyin(np.zeros(4096), fmin=60, fmax=400, switch_prob=2.0)
    with pytest.raises(ParameterError):
        af.yin(np.zeros(100), fmin=60, fmax=400, center=False)
    with pytest.raises(ParameterError):
        af.yin(np.array([np.nan] * 4096), fmin=60, fmax=400)
    with pytest.raises(ParameterError):
        af.yin(np.zeros(4096, dtype=np.int16), fmin=60, fmax=400)
    with pytest.warns(UserWarning, match="less than two periods"):
        af.yin(np.zeros(4096), fmin=15, fmax=400)
    with pytest.warns(FutureWarning, match="deprecated"):
        af.yin(np.zeros(4096), fmin=60, fmax=400, win_length=1024)
    with pytest.raises(ParameterError):
        af.piptrack()
    with pytest.raises(ParameterError):
        af.hnr(np.zeros(4096), sr=SR, fmin=10)
    with pytest.raises(ParameterError):
        af.autocorrelate(np.zeros(8), max_size=0)
    A = af.sequence.transition_loop(3, 0.5)
    p = np.full((3, 4), 0.5)
    with pytest.raises(ParameterError, match="transition"):
        af.sequence.viterbi(p, A[:2, :2])
    with pytest.raises(ParameterError, match="transition"):
        af.sequence.viterbi(p, A * 2)
    with pytest.raises(ParameterError, match="probability"):
        af.sequence.viterbi(p + 1, A)
    with pytest.raises(ParameterError, match="initial"):
        af.sequence.viterbi(p, A, p_init=np.array([1.0, 1.0, 1.0]))
    with pytest.raises(ParameterError, match="sum to 1"):
        af.sequence.viterbi_discriminative(p, A)
    with pytest.raises(ParameterError):
        af.sequence.viterbi_binary(p, np.eye(3))
    for bad in (lambda: af.sequence.transition_loop(1, 0.5), lambda: af.sequence.transition_loop(3, 1.5),
                lambda: af.sequence.transition_cycle(3, [0.5, 0.5]), lambda: af.sequence.transition_local(3, 0),
                lambda: af.sequence.transition_uniform(0), lambda: af.sequence.transition_local(4, 2, window="hann")):
        with pytest.raises(ParameterError):
            bad()
