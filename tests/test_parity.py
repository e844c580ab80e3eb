"""librosa 0.11 parity at runtime: same inputs, same parameters, max |af - librosa| / max |librosa| <= 1e-4."""

from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af
from conftest import SAMPLE_FILES, random_signal, rel_err

TOL = 1e-4
SETTINGS = {
    "librosa-defaults": dict(sr=22050, n_fft=2048, hop_length=512, n_mels=128),
    "speech": dict(sr=16000, n_fft=512, hop_length=160, n_mels=80),
}
SOURCES = SAMPLE_FILES + ["random-3s", "random-float64"]


def _signal(source, sample_audio, sr):
    if source == "random-3s":
        return random_signal(3 * sr, seed=1)
    if source == "random-float64":
        return random_signal(2 * sr + 123, seed=2, dtype=np.float64)
    return sample_audio[source][0]


@pytest.fixture(params=["scipy", "torch"], autouse=True, scope="module")
def fft_backend(request):
    """Every parity test runs with scipy's FFT and with torch's borrowed by the numpy path."""
    import audiofeat

    if request.param == "torch":
        pytest.importorskip("torch", reason="the torch FFT backend needs torch")
    audiofeat.set_fft_backend(request.param)
    yield request.param
    audiofeat.set_fft_backend("scipy")


@pytest.fixture(params=list(SETTINGS), scope="module")
def setting(request):
    return SETTINGS[request.param]


@pytest.mark.parametrize("source", SOURCES)
def test_stft_magnitude(source, setting, sample_audio, librosa):
    y = _signal(source, sample_audio, setting["sr"])
    kw = dict(n_fft=setting["n_fft"], hop_length=setting["hop_length"])
    ours, ref = af.stft(y, **kw), librosa.stft(y, **kw)
    assert ours.dtype == ref.dtype
    assert rel_err(np.abs(ours), np.abs(ref)) <= TOL


@pytest.mark.parametrize("source", SOURCES)
def test_melspectrogram(source, setting, sample_audio, librosa):
    y = _signal(source, sample_audio, setting["sr"])
    ours = af.melspectrogram(y=y, **setting)
    ref = librosa.feature.melspectrogram(y=y, **setting)
    assert ours.dtype == ref.dtype
    assert rel_err(ours, ref) <= TOL


@pytest.mark.parametrize("source", SOURCES)
def test_mfcc(source, setting, sample_audio, librosa):
    y = _signal(source, sample_audio, setting["sr"])
    ours = af.mfcc(y=y, n_mfcc=20, **setting)
    ref = librosa.feature.mfcc(y=y, n_mfcc=20, **setting)
    assert ours.dtype == ref.dtype
    assert rel_err(ours, ref) <= TOL


@pytest.mark.parametrize("source", SOURCES)
def test_power_to_db_and_delta(source, setting, sample_audio, librosa):
    y = _signal(source, sample_audio, setting["sr"])
    S = librosa.feature.melspectrogram(y=y, **setting)
    assert rel_err(af.power_to_db(S), librosa.power_to_db(S)) <= TOL
    assert rel_err(af.power_to_db(S, ref=np.max, top_db=60), librosa.power_to_db(S, ref=np.max, top_db=60)) <= TOL
    M = librosa.feature.mfcc(S=librosa.power_to_db(S))
    for order in (1, 2):
        assert rel_err(af.delta(M, order=order), librosa.feature.delta(M, order=order)) <= TOL


@pytest.mark.parametrize(
    "kw",
    [
        dict(window="hamming"),
        dict(window=("kaiser", 8.0), win_length=1500),
        dict(win_length=1024, hop_length=256),
        dict(center=False),
        dict(pad_mode="reflect"),
        dict(pad_mode="edge", n_fft=1024, hop_length=100),
        dict(window=np.ones),
    ],
    ids=lambda kw: ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in kw.items()),
)
def test_stft_options(kw, librosa):
    y = random_signal(30000, seed=3)
    assert rel_err(af.stft(y, **kw), librosa.stft(y, **kw)) <= 1e-5


def test_stft_multichannel_matches_librosa(librosa):
    y = random_signal(2 * 3 * 20000, seed=4).reshape(2, 3, 20000)
    assert rel_err(af.stft(y), librosa.stft(y)) <= 1e-5
    assert rel_err(af.melspectrogram(y=y), librosa.feature.melspectrogram(y=y)) <= 1e-5


@pytest.mark.parametrize(
    "kw",
    [dict(power=1.0), dict(n_mels=40, fmin=50.0, fmax=7000.0), dict(htk=True, norm=None), dict(norm=np.inf),
     dict(power=1.5, norm=2)],
    ids=str,
)
def test_melspectrogram_options(kw, librosa):
    y = random_signal(40000, seed=5)
    assert rel_err(af.melspectrogram(y=y, sr=22050, **kw), librosa.feature.melspectrogram(y=y, sr=22050, **kw)) <= 1e-5


def test_melspectrogram_from_S(librosa):
    y = random_signal(40000, seed=6)
    S = np.abs(librosa.stft(y, n_fft=1024)) ** 2
    assert rel_err(af.melspectrogram(S=S, sr=22050, n_mels=64), librosa.feature.melspectrogram(S=S, sr=22050, n_mels=64)) <= 1e-5
    # long and batched S: computed in time chunks on the pool
    S = np.abs(librosa.stft(random_signal(2 * 3 * 400000, seed=7).reshape(2, 3, -1))) ** 2
    ours, ref = af.melspectrogram(S=S), librosa.feature.melspectrogram(S=S)
    assert ours.shape == ref.shape and ours.flags.c_contiguous
    assert rel_err(ours, ref) <= 1e-5


@pytest.mark.parametrize("kw", [dict(dct_type=3), dict(dct_type=1, norm=None), dict(lifter=22), dict(n_mfcc=40, n_mels=40),
                                dict(mel_norm=None)], ids=str)
def test_mfcc_options(kw, librosa):
    y = random_signal(40000, seed=7)
    assert rel_err(af.mfcc(y=y, sr=22050, **kw), librosa.feature.mfcc(y=y, sr=22050, **kw)) <= 1e-4


def test_mfcc_from_S(librosa):
    S = librosa.power_to_db(librosa.feature.melspectrogram(y=random_signal(30000, seed=8)))
    assert rel_err(af.mfcc(S=S, n_mfcc=13), librosa.feature.mfcc(S=S, n_mfcc=13)) <= 1e-5


def test_db_conversions(librosa):
    rng = np.random.default_rng(9)
    S = rng.random((64, 50)) ** 4
    assert rel_err(af.amplitude_to_db(S), librosa.amplitude_to_db(S)) <= 1e-6
    assert rel_err(af.amplitude_to_db(S, ref=np.max, top_db=None), librosa.amplitude_to_db(S, ref=np.max, top_db=None)) <= 1e-6
    assert rel_err(af.power_to_db(S, ref=0.5, amin=1e-6, top_db=None), librosa.power_to_db(S, ref=0.5, amin=1e-6, top_db=None)) <= 1e-6
    D = rng.standard_normal((64, 50)) * 10
    assert rel_err(af.db_to_power(D, ref=2.0), librosa.db_to_power(D, ref=2.0)) <= 1e-12
    assert rel_err(af.db_to_amplitude(D), librosa.db_to_amplitude(D)) <= 1e-12
    assert rel_err(af.db_to_power(af.power_to_db(S, top_db=None)), np.maximum(S, 1e-10)) <= 1e-10


def test_istft_matches_librosa(librosa):
    y = random_signal(44100, seed=10)
    for kw in (dict(), dict(n_fft=512, hop_length=128), dict(n_fft=1024, win_length=800, hop_length=200),
               dict(center=False, n_fft=512)):
        D = librosa.stft(y, **kw)
        for length in (None, 40000, 50000):
            got, want = af.istft(D, length=length, **kw), librosa.istft(D, length=length, **kw)
            length = len(want)
            # Past the last full frame the window sum-square falls towards 0 and both divide rounding noise
            # by it: compare where it is at least 1e-3 of its peak (everywhere a signal can be recovered).
            n_fft = kw.get("n_fft", 2048)
            wss = librosa.filters.window_sumsquare(window="hann", n_frames=D.shape[-1],
                                                   hop_length=kw.get("hop_length", n_fft // 4),
                                                   win_length=kw.get("win_length"), n_fft=n_fft)
            start = n_fft // 2 if kw.get("center", True) else 0
            wss = np.pad(wss[start:start + length], (0, max(0, length - (len(wss) - start))))
            keep = wss >= 1e-3 * wss.max()
            assert rel_err(got[keep], want[keep]) <= 1e-5


def test_magphase(librosa):
    D = librosa.stft(random_signal(10000, seed=11))
    D[3, 4] = 0
    for power in (1, 2):
        S, P = af.magphase(D, power=power)
        S_ref, P_ref = librosa.magphase(D, power=power)
        assert rel_err(S, S_ref) <= 1e-6 and rel_err(P, P_ref) <= 1e-6
    assert np.allclose(S * P, D * np.abs(D), rtol=1e-5, atol=1e-6)


def test_frame_and_conversions(librosa):
    x = np.arange(40.0).reshape(2, 20)
    for axis in (-1, 0):
        kw = dict(frame_length=5, hop_length=3, axis=axis)
        assert np.array_equal(af.frame(x if axis == -1 else x.T, **kw), librosa.util.frame(x if axis == -1 else x.T, **kw))
    frames = np.array([0, 1, 5, 100])
    assert np.array_equal(af.frames_to_samples(frames, hop_length=256, n_fft=1024), librosa.frames_to_samples(frames, hop_length=256, n_fft=1024))
    assert np.allclose(af.frames_to_time(frames, sr=16000, hop_length=160), librosa.frames_to_time(frames, sr=16000, hop_length=160))
    samples = np.array([0, 100, 511, 512, 10000])
    assert np.array_equal(af.samples_to_frames(samples, hop_length=512), librosa.samples_to_frames(samples, hop_length=512))
    assert np.array_equal(af.samples_to_frames(samples, hop_length=512, n_fft=2048), librosa.samples_to_frames(samples, hop_length=512, n_fft=2048))
    times = np.array([0.0, 0.01, 1.0, 2.5])
    assert np.array_equal(af.time_to_frames(times, sr=22050), librosa.time_to_frames(times, sr=22050))
    assert af.time_to_frames(1.0) == librosa.time_to_frames(1.0)
    assert af.frames_to_time(43) == pytest.approx(librosa.frames_to_time(43))


@pytest.mark.parametrize("mode", ["interp", "nearest", "mirror", "constant", "wrap"])
@pytest.mark.parametrize("width,order", [(9, 1), (5, 2), (3, 1), (7, 3)])
def test_delta_modes(mode, width, order, librosa):
    M = np.random.default_rng(12).standard_normal((3, 13, 40)).astype(np.float32)
    assert rel_err(af.delta(M, width=width, order=order, mode=mode), librosa.feature.delta(M, width=width, order=order, mode=mode)) <= 1e-5
    assert rel_err(af.delta(M, axis=1, width=width, order=order, mode=mode), librosa.feature.delta(M, axis=1, width=width, order=order, mode=mode)) <= 1e-5


@pytest.mark.parametrize("n_steps,delay", [(1, 1), (2, 1), (3, 2), (4, -1), (3, -3)])
def test_stack_memory(n_steps, delay, librosa):
    M = np.random.default_rng(13).standard_normal((2, 5, 30))
    assert np.array_equal(af.stack_memory(M, n_steps=n_steps, delay=delay), librosa.feature.stack_memory(M, n_steps=n_steps, delay=delay))
    assert np.array_equal(af.stack_memory(M[0], n_steps=n_steps, delay=delay, mode="edge"),
                          librosa.feature.stack_memory(M[0], n_steps=n_steps, delay=delay, mode="edge"))
    assert np.array_equal(af.stack_memory(M[0, 0], n_steps=n_steps, delay=delay), librosa.feature.stack_memory(M[0, 0], n_steps=n_steps, delay=delay))
