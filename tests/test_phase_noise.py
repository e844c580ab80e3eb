"""Phase analysis, noise sensitivity and multimodal alignment: librosa parity, reference data and ground truth.

numpy = torch, batch = loop and dtypes are checked through the registry (tests/cases_phase_noise.py)."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
import scipy.signal

import audiofeat as af
from audiofeat.errors import ParameterError

librosa = pytest.importorskip("librosa", reason="librosa is the test oracle")

ROOT = pathlib.Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference" / "librosa_test_data"
SPEECH = ROOT / "data" / "samples" / "speech.wav"


@pytest.fixture(scope="module")
def speech():
    y, sr = af.load(str(SPEECH), sr=16000)
    return y.astype(np.float64), sr


def _white(n, seed=0):
    return np.random.default_rng(seed).standard_normal(n)


def _pink(n, seed=1):
    spec = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    f = np.fft.rfftfreq(n)
    spec[1:] /= np.sqrt(f[1:])
    spec[0] = 0
    return np.fft.irfft(spec, n=n)


# ==================================================================================================
# phase
# ==================================================================================================
@pytest.mark.parametrize("kwargs", [
    {}, {"center": False}, {"fill_nan": True}, {"reassign_times": False},
    {"reassign_frequencies": False, "clip": False}, {"ref_power": np.max}, {"win_length": 200, "hop_length": 50},
])
def test_reassigned_spectrogram_matches_librosa(kwargs):
    y = 0.1 * _white(6000)
    got = af.reassigned_spectrogram(y, sr=16000, n_fft=256, **kwargs)
    want = librosa.reassigned_spectrogram(y, sr=16000, n_fft=256, **kwargs)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-9, equal_nan=True)


def test_reassigned_spectrogram_ifgram_reference():
    """Dan Ellis's MATLAB ifgram (core-ifgram-009): the README's recipe."""
    path = REFERENCE / "core-ifgram-009.mat"
    if not path.exists():
        pytest.skip("reference data ../shared/reference is absent")
    import scipy.io
    import soundfile

    mat = scipy.io.loadmat(str(path))
    x, sr = soundfile.read(str(REFERENCE / "test1_22050.wav"), dtype="int16")
    x = x.astype(np.float64).mean(axis=1) / 32768
    n = int(mat["nfft"][0, 0])
    F, _, _ = af.reassigned_spectrogram(x, sr=sr, n_fft=n, hop_length=int(mat["hop_length"][0, 0]),
                                        center=False, reassign_times=False, fill_nan=True)
    D = mat["D"]
    assert F.shape == mat["F"].shape
    idx = np.abs(D) > 1e-3 * np.abs(D).max()
    agree = np.isclose(F[idx], mat["F"][idx], rtol=1e-3, atol=1e-3).mean()
    assert agree >= 0.998  # librosa: 99.9%


def test_instantaneous_frequency_of_tones():
    sr = 8000
    t = np.arange(sr) / sr
    for f0 in (437.7, 1001.3, 2999.9):
        freqs, times, mags = af.reassigned_spectrogram(np.sin(2 * np.pi * f0 * t), sr=sr, n_fft=512, center=False)
        peak = np.argmax(mags, axis=0)
        est = freqs[peak, np.arange(freqs.shape[1])]
        np.testing.assert_allclose(est, f0, atol=0.05)


def test_group_delay_of_an_impulse():
    sr, n_fft, hop = 1000, 512, 256
    y = np.zeros(4096)
    y[1100] = 1.0
    gd = af.group_delay(y, sr=sr, n_fft=n_fft, hop_length=hop, center=False)
    # frame k spans [k hop, k hop + n_fft), centred at k hop + n_fft / 2 - 1/2
    for k in (3, 4):
        assert np.allclose(gd[:-1, k], (1100 - (k * hop + n_fft / 2 - 0.5)) / sr, atol=1e-9)
    # it is the time correction of reassigned_spectrogram
    _, times, _ = af.reassigned_spectrogram(y, sr=sr, n_fft=n_fft, hop_length=hop, center=False, clip=False,
                                            ref_power=0)
    frame_t = (np.arange(gd.shape[1]) * hop + n_fft // 2) / sr
    ok = np.isfinite(times)
    np.testing.assert_allclose((times - frame_t)[ok], gd[ok], atol=1e-9)


def test_unwrap_matches_numpy():
    torch = pytest.importorskip("torch")
    ph = np.random.default_rng(0).uniform(-10, 10, (3, 60)).cumsum(-1)
    wrapped = np.angle(np.exp(1j * ph))
    np.testing.assert_allclose(af.unwrap(wrapped), np.unwrap(wrapped))
    smooth = np.random.default_rng(1).uniform(-3, 3, (3, 60)).cumsum(-1)  # steps below pi: recoverable
    np.testing.assert_allclose(af.unwrap(np.angle(np.exp(1j * smooth))),
                               smooth - (smooth[..., :1] - np.angle(np.exp(1j * smooth[..., :1]))), atol=1e-9)
    np.testing.assert_allclose(af.unwrap(wrapped, axis=0, discont=1.0), np.unwrap(wrapped, axis=0, discont=1.0))
    np.testing.assert_allclose(af.unwrap(100 * wrapped, period=360), np.unwrap(100 * wrapped, period=360))
    np.testing.assert_allclose(af.unwrap(torch.from_numpy(wrapped)).numpy(), np.unwrap(wrapped))


@pytest.fixture(scope="module")
def speech_mag():
    y, _ = af.load(str(SPEECH), sr=22050)
    return np.abs(librosa.stft(y[:44100].astype(np.float32)))


@pytest.mark.parametrize("kwargs", [
    {}, {"center": False}, {"length": 44100}, {"momentum": 0.0}, {"window": "hamming", "hop_length": 256},
    {"hop_length": 700},  # frames that are not whole hops (numpy: the span-wise loop)
    {"pad_mode": "reflect"},  # numpy: the whole-signal loop
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_griffinlim_matches_librosa_fixed_init(speech_mag, kwargs, dtype):
    S = speech_mag.astype(dtype)
    if not kwargs.get("center", True):
        S = S[:, :40]
    got = af.griffinlim(S, n_iter=8, init=None, **kwargs)
    want = librosa.griffinlim(S, n_iter=8, init=None, **kwargs)
    assert got.dtype == want.dtype and got.shape == want.shape
    # center=False: the first and last samples are divided by a window sum-square near zero (as in librosa),
    # which amplifies rounding
    tol = 1e-4 if dtype == np.float32 or not kwargs.get("center", True) else 1e-9
    assert np.abs(got - want).max() / np.abs(want).max() <= tol


def test_griffinlim_batch_equals_loop(speech_mag):
    batch = np.stack([speech_mag, speech_mag[:, ::-1].copy(), 0.5 * speech_mag])
    fixed = af.griffinlim(batch, n_iter=5, init=None)
    for i in range(3):
        np.testing.assert_array_equal(fixed[i], af.griffinlim(batch[i], n_iter=5, init=None))


def test_griffinlim_seed_gives_librosa_phases(speech_mag):
    for state in (3, np.random.default_rng(5)):
        got = af.griffinlim(speech_mag, n_iter=4, random_state=state)
        want = librosa.griffinlim(speech_mag, n_iter=4,
                                  random_state=np.random.default_rng(5) if not isinstance(state, int) else state)
        assert np.abs(got - want).max() / np.abs(want).max() <= 1e-4


def _spectral_convergence(S, y):
    rebuilt = np.abs(librosa.stft(y))[:, : S.shape[1]]
    return np.linalg.norm(S - rebuilt) / np.linalg.norm(S)


def test_griffinlim_converges_no_worse_than_librosa(speech_mag):
    for seed in (0, 1):
        sc_af = _spectral_convergence(speech_mag, af.griffinlim(speech_mag, n_iter=32, random_state=seed))
        sc_lr = _spectral_convergence(speech_mag, librosa.griffinlim(speech_mag, n_iter=32, random_state=seed))
        assert sc_af <= sc_lr * 1.001
        assert sc_af < 0.3
    # and more iterations help
    assert _spectral_convergence(speech_mag, af.griffinlim(speech_mag, n_iter=64, random_state=0)) < sc_af


def test_griffinlim_torch():
    torch = pytest.importorskip("torch")
    S = np.abs(af.stft(0.1 * _white(8000), n_fft=512)).astype(np.float32)
    St = torch.from_numpy(S)
    np.testing.assert_allclose(af.griffinlim(St, n_iter=6, init=None).numpy(), af.griffinlim(S, n_iter=6, init=None),
                               atol=1e-4 * np.abs(af.griffinlim(S, n_iter=6, init=None)).max())
    a = af.griffinlim(St, n_iter=3, random_state=torch.Generator().manual_seed(7))
    b = af.griffinlim(St, n_iter=3, random_state=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)
    # an int seed gives the same phases on both backends
    np.testing.assert_allclose(af.griffinlim(St, n_iter=3, random_state=1).numpy(),
                               af.griffinlim(S, n_iter=3, random_state=1), atol=1e-4)


def test_griffinlim_errors():
    S = np.ones((257, 10), dtype=np.float32)
    with pytest.raises(ParameterError):
        af.griffinlim(S, momentum=-0.1)
    with pytest.raises(ParameterError):
        af.griffinlim(S, init="zeros")
    with pytest.raises(ParameterError):
        af.griffinlim(S, random_state="seed")
    with pytest.raises(ParameterError):
        af.griffinlim(S, n_fft=1024)
    with pytest.raises(ParameterError):
        af.griffinlim(S.astype(np.complex64))
    with pytest.warns(UserWarning, match="unstable"):
        af.griffinlim(S, n_iter=1, momentum=1.5, init=None)
    with pytest.raises(ParameterError):
        af.reassigned_spectrogram(np.ones(1000), reassign_frequencies=False, reassign_times=False)
    with pytest.raises(ParameterError):
        af.reassigned_spectrogram(np.ones(1000), n_fft=256, ref_power=-1.0)


# ==================================================================================================
# noise
# ==================================================================================================
def test_snr_known_values():
    clean = np.sin(np.arange(1000.0))
    assert af.snr(clean, clean + 0.1 * clean) == pytest.approx(20.0)
    assert af.snr(clean, clean + 0.5 * clean) == pytest.approx(20 * np.log10(2))
    assert af.snr(clean, clean) == np.inf
    batch = np.stack([clean, 2 * clean])
    np.testing.assert_allclose(af.snr(batch, batch * 1.1), [20.0, 20.0])
    with pytest.raises(ParameterError):
        af.snr(clean, clean[:10])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_noise_hits_the_snr(speech, dtype):
    clean = speech[0].astype(dtype)
    for noise in (_white(len(clean)), _pink(len(clean)), _white(3000)):  # the last is tiled
        for target in (-5.0, 0.0, 2.5, 10.0, 30.0):
            mix = af.add_noise(clean, noise.astype(dtype), target)
            assert mix.dtype == dtype
            assert abs(float(af.snr(clean.astype(np.float64), mix.astype(np.float64))) - target) <= 0.01


def test_add_noise_batch_and_torch():
    torch = pytest.importorskip("torch")
    y = np.random.default_rng(0).standard_normal((2, 3, 2000))
    noise = np.random.default_rng(1).standard_normal((1, 3, 2500))  # broadcast, truncated
    target = np.array([[0.0, 5.0, 10.0], [15.0, 20.0, 25.0]])
    mix = af.add_noise(y, noise, target)
    np.testing.assert_allclose(af.snr(y, mix), target, atol=1e-9)
    mix_t = af.add_noise(torch.from_numpy(y), torch.from_numpy(noise), torch.from_numpy(target))
    np.testing.assert_allclose(mix_t.numpy(), mix)
    assert af.add_noise(np.zeros(100), np.ones(100), 3.0).tolist() == [0.0] * 100  # silent y: unchanged
    with pytest.raises(ParameterError):
        af.add_noise(y, np.zeros(100), 5.0)
    with pytest.raises(ParameterError):
        af.add_noise(y, noise, float("nan"))


def _snr_over(y, mix, axes):
    y, mix = np.asarray(y, np.float64), np.asarray(mix, np.float64)
    return 10 * np.log10((y * y).sum(axes) / ((mix - y) ** 2).sum(axes))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_noise_axis_per_example_power(dtype):
    """axis=None: one multichannel signal, its power over all channels; axis=(1, 2): one per batch item with a
    per-example snr array; the SNR is exact (float32 within 0.01 dB) over exactly those axes."""
    rng = np.random.default_rng(3)
    y = (rng.standard_normal((4, 2, 3000)) * np.array([1.0, 0.1])[:, None]).astype(dtype)  # loud + quiet channel
    noise = rng.standard_normal((4, 2, 3000)).astype(dtype)
    tol = 0.01 if dtype == np.float32 else 1e-9
    one = af.add_noise(y[0], noise[0], 7.0, axis=None)
    assert one.dtype == dtype and abs(_snr_over(y[0], one, (0, 1)) - 7.0) <= tol
    per_channel = _snr_over(y[0], one, 1)  # not 7 dB per channel: the power is the example's
    assert abs(per_channel[0] - per_channel[1]) > 10
    target = np.array([-5.0, 0.0, 12.5, 30.0])
    mix = af.add_noise(y, noise, target, axis=(1, 2))
    assert np.abs(_snr_over(y, mix, (1, 2)) - target).max() <= tol
    np.testing.assert_array_equal(af.add_noise(y, noise, target, axis=(-2, -1)), mix)
    # each example alone with axis=None gives the same mixture
    for i in range(4):
        np.testing.assert_allclose(af.add_noise(y[i], noise[i], target[i], axis=None), mix[i], rtol=1e-6)
    # default axis=-1: every channel at the SNR
    per_row = af.add_noise(y, noise, 3.0)
    assert np.abs(_snr_over(y, per_row, 2) - 3.0).max() <= tol


def test_add_noise_silent_policy_and_errors():
    rng = np.random.default_rng(4)
    y = rng.standard_normal((3, 500))
    noise = rng.standard_normal((3, 500))
    noise[1] = 0.0
    with pytest.raises(ParameterError, match="silent"):
        af.add_noise(y, noise, 5.0)
    kept = af.add_noise(y, noise, np.array([5.0, 5.0, 10.0]), silent_noise="keep")
    np.testing.assert_array_equal(kept[1], y[1])  # the silent-noise row is unchanged
    np.testing.assert_allclose(_snr_over(y[[0, 2]], kept[[0, 2]], 1), [5.0, 10.0], atol=1e-9)
    silent_y = np.zeros((2, 100))
    np.testing.assert_array_equal(af.add_noise(silent_y, np.ones((2, 100)), 0.0, axis=(0, 1)), silent_y)
    for kwargs in ({"axis": 0}, {"axis": (0,)}, {"axis": 2}, {"axis": "x"}, {"axis": ()},
                   {"silent_noise": "ignore"}):
        with pytest.raises(ParameterError):
            af.add_noise(y, rng.standard_normal((3, 500)), 5.0, **kwargs)
    with pytest.raises(ParameterError):  # 4 SNRs for 3 signals
        af.add_noise(y, rng.standard_normal((3, 500)), np.zeros(4))
    with pytest.raises(ParameterError):
        af.add_noise(y, rng.standard_normal((3, 500)), np.array([0.0, np.inf, 1.0]))


def test_add_noise_axis_torch_matches_numpy():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    y, noise = rng.standard_normal((3, 2, 800)), rng.standard_normal((3, 2, 800))
    target = np.array([1.0, 6.0, 20.0])
    ref = af.add_noise(y, noise, target, axis=(1, 2))
    out = af.add_noise(torch.from_numpy(y), torch.from_numpy(noise), torch.from_numpy(target), axis=(1, 2))
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-12)
    yt = torch.from_numpy(y).requires_grad_()
    af.add_noise(yt, torch.from_numpy(noise), 3.0, axis=None, silent_noise="keep").sum().backward()
    assert yt.grad is not None and torch.isfinite(yt.grad).all()
    noise[2] = 0
    kept = af.add_noise(torch.from_numpy(y), torch.from_numpy(noise), target, axis=(1, 2), silent_noise="keep")
    np.testing.assert_array_equal(kept[2].numpy(), y[2])
    with pytest.raises(ParameterError):
        af.add_noise(torch.from_numpy(y), torch.from_numpy(noise), target, axis=(1, 2))


@pytest.mark.parametrize("kind,tol", [("white", 1.5), ("pink", 2.0)])
def test_estimate_snr_accuracy(speech, kind, tol):
    """The documented accuracy (docs/noise.md) on speech.wav: within `tol` dB from 0 to 30 dB, 3.5 dB at -5."""
    clean, sr = speech
    noise = _white(len(clean)) if kind == "white" else _pink(len(clean))
    for target in (-5, 0, 5, 10, 15, 20, 25, 30):
        est = float(af.estimate_snr(af.add_noise(clean, noise, target), sr))
        assert abs(est - target) <= (3.5 if target < 0 else tol), (target, est)


@pytest.mark.parametrize("name,fn", [
    ("gate-stationary", lambda y, sr: af.spectral_gate(y, sr)),
    ("gate-nonstationary", lambda y, sr: af.spectral_gate(y, sr, stationary=False)),
    ("wiener", lambda y, sr: af.wiener(y)),
])
def test_denoisers_improve_snr_by_5db_and_keep_clean_speech(speech, name, fn):
    clean, sr = speech
    noisy = af.add_noise(clean, _white(len(clean)), 5.0)
    out = fn(noisy, sr)
    assert out.shape == clean.shape
    assert af.snr(clean, out) >= 5.0 + 5.0
    # on clean speech each is close to transparent (measured in docs/noise.md: > 30 dB)
    assert af.snr(clean, fn(clean, sr)) > 25.0


def test_spectral_gate_with_noise_clip_and_prop_decrease(speech):
    clean, sr = speech
    noise = _white(len(clean) + 16000, seed=3)
    noisy = af.add_noise(clean, noise[:len(clean)], 5.0)
    scale = (noisy - clean).std() / noise[:len(clean)].std()
    out = af.spectral_gate(noisy, sr, y_noise=scale * noise[len(clean):])
    assert af.snr(clean, out) >= 10.0
    half = af.spectral_gate(noisy, sr, prop_decrease=0.5)
    assert af.snr(clean, noisy) < af.snr(clean, half) < af.snr(clean, af.spectral_gate(noisy, sr))
    with pytest.raises(ParameterError):
        af.spectral_gate(noisy, sr, prop_decrease=1.5)
    with pytest.raises(ParameterError):
        af.wiener(noisy, alpha=1.0)


@pytest.mark.parametrize("order", [1, 4, 16])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lpc_matches_librosa(order, dtype):
    y = np.random.default_rng(order).standard_normal((2, 3, 2000)).astype(dtype)
    got, want = af.lpc(y, order=order), librosa.lpc(y, order=order)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-4 if dtype == np.float32 else 1e-10,
                               atol=1e-5 if dtype == np.float32 else 1e-12)
    y2 = np.moveaxis(y, -1, 0)
    np.testing.assert_allclose(af.lpc(y2, order=order, axis=0), librosa.lpc(y2, order=order, axis=0),
                               rtol=1e-4, atol=1e-5)


def test_lpc_errors():
    with pytest.raises(ParameterError):
        af.lpc(np.ones(100), order=0)
    with pytest.raises(ParameterError):
        af.lpc(np.ones(5), order=5)
    with pytest.raises(ParameterError):
        af.lpc(np.array([1.0, np.nan, 2.0, 3.0]), order=1)


def _vowel(sr=10000, f0=120, formants=((700, 80), (1220, 90), (2600, 120))):
    a = np.array([1.0])
    for f, bw in formants:
        r = np.exp(-np.pi * bw / sr)
        a = np.convolve(a, [1, -2 * r * np.cos(2 * np.pi * f / sr), r * r])
    src = np.zeros(sr // 2)
    src[:: sr // f0] = 1.0
    return scipy.signal.lfilter([1.0], a, src), a


def test_formants_of_a_synthetic_vowel():
    sr = 10000
    y, a_true = _vowel(sr)
    frames = af.frame(y, frame_length=512, hop_length=256)[..., 4:10] * np.hamming(512)[:, None]
    a = af.lpc(np.ascontiguousarray(frames.T), order=8)  # (6 frames, 9)
    freqs, bws = af.formants(a, sr=sr, n_formants=3)
    assert freqs.shape == (6, 3)
    np.testing.assert_allclose(np.median(freqs, axis=0), [700, 1220, 2600], rtol=0.03)
    assert np.all(np.median(bws, axis=0) < 200)
    # exact on the true polynomial
    f, bw = af.formants(a_true, sr=sr, n_formants=4)
    np.testing.assert_allclose(f[:3], [700, 1220, 2600], atol=1e-6)
    np.testing.assert_allclose(bw[:3], [80, 90, 120], atol=1e-6)
    assert np.isnan(f[3]) and np.isnan(bw[3])


def test_lpc_envelope_peaks_at_the_formants():
    sr = 10000
    y, _ = _vowel(sr)
    a = af.lpc(y[2000:2512] * np.hamming(512), order=8)
    env = af.lpc_envelope(a, n_fft=1024)
    peaks = scipy.signal.find_peaks(env)[0] * sr / 1024
    np.testing.assert_allclose(peaks[:3], [700, 1220, 2600], rtol=0.03)
    # 1 / |A| on the FFT grid, and a gain scales it
    np.testing.assert_allclose(env, 1 / np.abs(np.fft.rfft(a, 1024)))
    np.testing.assert_allclose(af.lpc_envelope(a, n_fft=1024, gain=2.0), 2 * env)


# ==================================================================================================
# alignment
# ==================================================================================================
def test_frame_time_convention_of_a_click():
    """Frame k of a centred STFT is centred at k * hop / sr: a click at sample 8000 peaks in frame 8000 / hop."""
    sr, hop = 16000, 160
    y = np.zeros(sr)
    y[8000] = 1.0
    energy = (np.abs(af.stft(y, n_fft=400, hop_length=hop)) ** 2).sum(axis=0)
    k = int(np.argmax(energy))
    assert k == 8000 // hop
    assert af.frames_to_time(k, sr=sr, hop_length=hop) == pytest.approx(0.5)
    # pool_segments uses the same times: the segment around 0.5 s holds that frame's value
    F = energy[None]
    assert af.pool_segments(F, [[0.495, 0.505]], sr=sr, hop_length=hop, stat="max")[0, 0] == energy.max()


def test_resample_frames_ground_truth():
    src, dst = 100.0, 30.0
    times = np.arange(500) / src
    F = np.stack([times, 2 * times + 1])  # linear functions of time
    out = af.resample_frames(F, src, dst)
    n = int(np.floor(499 * dst / src)) + 1
    assert out.shape == (2, n)
    np.testing.assert_allclose(out[0], np.arange(n) / dst, atol=1e-12)
    np.testing.assert_allclose(out[1], 2 * np.arange(n) / dst + 1, atol=1e-12)
    near = af.resample_frames(F, src, dst, method="nearest")
    np.testing.assert_allclose(near[0], np.round(np.arange(n) / dst * src) / src, atol=1e-12)
    # 'mean' of a linear ramp is the ramp at the span's centre (away from the edges)
    mean = af.resample_frames(F, src, dst, method="mean")
    # (within a sixth of a source frame: the source is taken as a step function)
    np.testing.assert_allclose(mean[0, 1:-1], np.arange(1, n - 1) / dst, atol=1 / (6 * src))
    # an integer ratio: weights 1/2, 1, 1, 1, 1/2 over 4 source frames
    G = np.random.default_rng(0).standard_normal((3, 40))
    m4 = af.resample_frames(G, 100, 25, method="mean")
    j = 3
    w = np.array([0.5, 1, 1, 1, 0.5])
    np.testing.assert_allclose(m4[:, j], G[:, 4 * j - 2: 4 * j + 3] @ w / 4)
    np.testing.assert_allclose(af.resample_frames(np.ones((2, 37)), 100, 7, method="mean"), 1.0)
    assert af.resample_frames(G, 100, 25, n_frames=20)[:, -1].tolist() == G[:, -1].tolist()  # held


def test_pool_segments_statistics():
    F = np.random.default_rng(0).standard_normal((2, 4, 120))
    # the third holds no frame time: it takes frame 31 (0.31 s), nearest its midpoint 0.3055 s
    segs = [[0.0, 0.1], [0.25, 0.3], [0.305, 0.306], [1.1, 2.0], [0.5, 0.9]]
    sr, hop = 16000, 160
    for stat, ref in (("mean", np.mean), ("max", np.max), ("min", np.min), ("std", np.std),
                      ("median", np.median), ("sum", np.sum)):
        out = af.pool_segments(F, segs, sr=sr, hop_length=hop, stat=stat)
        assert out.shape == (2, 4, 5)
        for i, (a, b) in enumerate([(0, 10), (25, 30), (31, 32), (110, 120), (50, 90)]):
            np.testing.assert_allclose(out[..., i], ref(F[..., a:b], axis=-1), err_msg=stat)
    # center=False features: frame k is centred n_fft / 2 later
    shifted = af.pool_segments(F, [[0.0, 0.1]], sr=sr, hop_length=hop, offset=0.0125)
    np.testing.assert_allclose(shifted[..., 0], F[..., 0:9].mean(-1))


def test_alignment_errors():
    F = np.ones((3, 10))
    with pytest.raises(ParameterError):
        af.resample_frames(F, 100, 25, method="cubic")
    with pytest.raises(ParameterError):
        af.resample_frames(F, 0, 25)
    with pytest.raises(ParameterError):
        af.pool_segments(F, [[0.2, 0.1]], sr=16000, hop_length=160)
    with pytest.raises(ParameterError):
        af.pool_segments(F, [0.1, 0.2], sr=16000, hop_length=160)
    with pytest.raises(ParameterError):
        af.pool_segments(F, [[0.1, 0.2]], sr=16000, hop_length=160, stat="mode")


def test_review_non_finite_inputs_are_typed_errors():
    # found by the hostile review: NaN in S gave NaN audio from griffinlim; a NaN SNR as a torch tensor mixed
    # silently; noise whose leading axes do not broadcast raised a bare ValueError
    from audiofeat.errors import ParameterError

    S = np.abs(af.stft(np.random.default_rng(0).standard_normal(8000).astype(np.float32), n_fft=512))
    S[3, 4] = np.nan
    with pytest.raises(ParameterError, match="not finite"):
        af.griffinlim(S, n_fft=512, n_iter=2)
    y, noise = np.ones((2, 100)), np.ones((3, 100))
    with pytest.raises(ParameterError, match="broadcast"):
        af.add_noise(y, noise, 10.0)
    torch = pytest.importorskip("torch", reason="the torch path")
    yt = torch.randn(2, 100, dtype=torch.float64)
    with pytest.raises(ParameterError, match="finite"):
        af.add_noise(yt, torch.randn(2, 100, dtype=torch.float64), torch.tensor([1.0, float("nan")]))
    S_t = torch.from_numpy(S)
    with pytest.raises(ParameterError, match="not finite"):
        af.griffinlim(S_t, n_fft=512, n_iter=2)


@pytest.mark.parametrize("scale", [1e-23, 1e18])
def test_review_add_noise_float32_at_extreme_scales_is_exact(scale):
    # found by the hostile review: float32 powers over- or underflowed (inf output, or 10 dB off)
    y = (np.random.default_rng(0).standard_normal(5000) * scale).astype(np.float32)
    noise = (np.random.default_rng(1).standard_normal(5000) * scale).astype(np.float32)
    mix = af.add_noise(y, noise, 10.0)
    assert np.all(np.isfinite(mix))
    y64, mix64 = y.astype(np.float64), mix.astype(np.float64)
    assert abs(10 * np.log10(np.sum(y64**2) / np.sum((mix64 - y64) ** 2)) - 10.0) < 0.01
