"""Session 19 fuzz: features the session 18 seam sweep did not cover (spectral_contrast/rolloff/flatness/
bandwidth, onset_strength(_multi), pcen, hybrid/pseudo CQT, chroma_cqt/cens, (fourier_)tempogram,
pitch_shift, zero_crossing_rate/rms), against librosa at runtime. The one real divergence found:
onset_strength(_multi) raised ParameterError on a clip of at most ``lag`` frames, where librosa returns an
all-zero envelope. The rest are a few of the sweep's clean cases, kept so a regression fails here."""
from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af
from audiofeat._parallel import block_frames

librosa = pytest.importorskip("librosa", reason="compares against librosa at runtime")
torch = pytest.importorskip("torch", reason="the torch side of the same call")

SR = 22050


def _sig(n, dtype):
    rng = np.random.default_rng(n)
    t = np.arange(n) / SR
    return (0.5 * np.sin(2 * np.pi * 440 * t * (1 + t)) + 0.1 * rng.standard_normal(n)).astype(dtype)


def _close(a, ref, dtype):
    a = a.numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    assert a.shape == ref.shape
    tol = 1e-4 if dtype == np.float32 else 1e-6
    np.testing.assert_allclose(a, ref, rtol=0, atol=tol * max(float(np.abs(ref).max()), 1e-12))


# ---------------------------------------------------------------------------------------- fixed finding
@pytest.mark.parametrize("n", [100, 600, 1100, 1600])
@pytest.mark.parametrize("kw", [dict(lag=1), dict(lag=3), dict(lag=3, center=False), dict(lag=5, max_size=3),
                                dict(lag=4, detrend=True), dict(lag=3, aggregate=np.median)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onset_strength_clip_shorter_than_lag(n, kw, dtype):
    """A clip of t <= lag frames: librosa gives zeros (t of them, or lag with center=False); audiofeat raised
    ParameterError('S has t frames: at least lag + 1 are needed') on numpy, torch and S=."""
    y = _sig(n, dtype)
    ref = librosa.onset.onset_strength(y=y, sr=SR, **kw)
    _close(af.onset.onset_strength(y=y, sr=SR, **kw), ref, dtype)
    _close(af.onset.onset_strength(y=torch.from_numpy(y), sr=SR, **kw), ref, dtype)
    S = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR))
    _close(af.onset.onset_strength(S=S, sr=SR, **kw), librosa.onset.onset_strength(S=S, sr=SR, **kw), dtype)
    multi = dict(kw, channels=[0, 20, 128])
    _close(af.onset.onset_strength_multi(y=y, sr=SR, **multi),
           librosa.onset.onset_strength_multi(y=y, sr=SR, **multi), dtype)
    _close(af.onset.onset_strength(y=np.stack([y, y]), sr=SR, **kw),
           librosa.onset.onset_strength(y=np.stack([y, y]), sr=SR, **kw), dtype)


# --------------------------------------------------------------------------------- clean cases, kept
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_onset_strength_seams_and_options(dtype):
    """Frame counts either side of the mel block (block_frames(2048, itemsize)) and non-default options."""
    b = block_frames(2048, np.dtype(dtype).itemsize)
    for nf in (b - 1, b, b + 1, 2 * b + 1):
        y = _sig((nf - 1) * 512 + 5, dtype)
        for kw in (dict(), dict(lag=3, max_size=3), dict(n_fft=1023, hop_length=300, detrend=True),
                   dict(center=False, lag=2), dict(aggregate=np.median, n_mels=40, fmax=8000.0)):
            _close(af.onset.onset_strength(y=y, sr=SR, **kw), librosa.onset.onset_strength(y=y, sr=SR, **kw), dtype)
        for kw in (dict(channels=[0, 32, 64, 128]), dict(channels=[10, 50, 500]), dict(aggregate=False, max_size=3)):
            _close(af.onset.onset_strength_multi(y=y, sr=SR, **kw),
                   librosa.onset.onset_strength_multi(y=y, sr=SR, **kw), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_spectral_descriptors_options(dtype):
    y = _sig(30011, dtype)
    for skw in (dict(n_fft=1023, hop_length=300), dict(n_fft=2048, hop_length=700, win_length=1500),
                dict(n_fft=1024, hop_length=256, center=False, pad_mode="reflect")):
        for name, kw in (("spectral_contrast", dict(sr=SR, n_bands=3, fmin=100.0, quantile=0.45)),
                         ("spectral_rolloff", dict(sr=SR, roll_percent=0.99)),
                         ("spectral_rolloff", dict(sr=SR, roll_percent=0.01)),
                         ("spectral_flatness", dict(amin=1e-5, power=1.0)),
                         ("spectral_bandwidth", dict(sr=SR, p=3)), ("spectral_bandwidth", dict(sr=SR, p=1))):
            _close(getattr(af.feature, name)(y=y, **kw, **skw), getattr(librosa.feature, name)(y=y, **kw, **skw), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pcen_streaming_and_options(dtype):
    y = _sig(30011, dtype)
    S = (librosa.feature.melspectrogram(y=y, sr=SR, power=1) * 2**31).astype(dtype)
    tol = lambda a, r: np.testing.assert_allclose(a, r, rtol=0, atol=1e-3 * np.abs(r).max())  # noqa: E731
    for kw in (dict(b=None, time_constant=0.1), dict(max_size=3), dict(axis=0), dict(power=0, bias=0), dict(b=0.3)):
        tol(af.pcen(S, **kw), librosa.pcen(S, **kw))
    h = S.shape[-1] // 2
    l1, zf = librosa.pcen(S[:, :h], return_zf=True)
    a1, zfa = af.pcen(S[:, :h], return_zf=True)
    tol(zfa, zf)
    tol(af.pcen(S[:, h:], zi=zfa), librosa.pcen(S[:, h:], zi=zf))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rms_zcr_odd_frames(dtype):
    y = _sig(65 * 512 + 17, dtype)
    for kw in (dict(frame_length=2047, hop_length=511), dict(frame_length=1001, hop_length=333, center=False)):
        _close(af.feature.rms(y=y, **kw), librosa.feature.rms(y=y, **kw), dtype)
        _close(af.feature.zero_crossing_rate(y=y, **kw), librosa.feature.zero_crossing_rate(y=y, **kw), dtype)


# ------------------------------------------------------------------ spectral_bandwidth's centroid shape
def test_spectral_bandwidth_centroid_shape_is_checked():
    """A centroid that is not one value per frame ``(..., 1, t)`` raised numpy's AxisError/ValueError or
    torch's RuntimeError (untyped); a transposed ``(t, 1)`` one is read by librosa as ``centroid[0, 0]`` for
    every frame (a silent wrong answer). Now a ParameterError; the valid shapes still match librosa."""
    y = _sig(30011, np.float64)
    S = np.abs(librosa.stft(y, n_fft=1024, hop_length=256))
    cent = librosa.feature.spectral_centroid(S=S, sr=SR)
    for bad in (cent[0], cent.T, cent[:, :-1]):
        with pytest.raises(af.ParameterError, match="centroid"):
            af.feature.spectral_bandwidth(S=S, sr=SR, centroid=bad)
        with pytest.raises(af.ParameterError, match="centroid"):
            af.feature.spectral_bandwidth(S=torch.from_numpy(S), sr=SR, centroid=bad)
    for good in (cent * 1.1, cent[:, :1], np.stack([cent, 0.9 * cent])):
        for p in (1, 3):
            ref = librosa.feature.spectral_bandwidth(S=S, sr=SR, centroid=good, p=p)
            _close(af.feature.spectral_bandwidth(S=S, sr=SR, centroid=good, p=p), ref, np.float64)
            _close(af.feature.spectral_bandwidth(S=torch.from_numpy(S), sr=SR, centroid=good, p=p), ref, np.float64)


# ------------------------------------------------------------------- non-finite spectrogram inputs

@pytest.mark.parametrize("name", ["spectral_centroid", "spectral_bandwidth"])
def test_non_finite_S_raises_like_librosa(name):
    y = _sig(30011, np.float64)
    S = np.abs(librosa.stft(y, n_fft=1024, hop_length=256))
    S[5, 7] = np.nan
    with pytest.raises(librosa.util.exceptions.ParameterError):
        getattr(librosa.feature, name)(S=S, sr=SR)
    with pytest.raises(af.ParameterError, match="not finite"):
        getattr(af.feature, name)(S=S, sr=SR)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("call", ["spectral_contrast", "spectral_rolloff", "spectral_flatness", "pcen",
                                  "chroma_cqt", "tempogram", "torch_pcen"])
def test_non_finite_spectrogram_inputs_raise_a_typed_error(call, bad):
    """NaN/inf in a given S, C or onset envelope: a ParameterError, not a partly NaN result (pcen's block
    smoother even carried it to earlier frames: all 100 frames of the row, where librosa spoils 40-99)."""
    S = np.abs(np.random.default_rng(0).standard_normal((84, 100))) * 1000
    S[1, 40] = bad
    calls = {
        "spectral_contrast": lambda: af.feature.spectral_contrast(S=S[:65], sr=SR, n_fft=128),
        "spectral_rolloff": lambda: af.feature.spectral_rolloff(S=S[:65], sr=SR, n_fft=128),
        "spectral_flatness": lambda: af.feature.spectral_flatness(S=S[:65]),
        "pcen": lambda: af.pcen(S),
        "chroma_cqt": lambda: af.feature.chroma_cqt(C=S, sr=SR),
        "tempogram": lambda: af.feature.tempogram(onset_envelope=S[1], sr=SR),
    }
    if call == "torch_pcen":
        torch = pytest.importorskip("torch", reason="the torch case needs torch")
        calls[call] = lambda: af.pcen(torch.from_numpy(S))
    with pytest.raises(af.ParameterError, match="not finite"):
        calls[call]()
    S[1, 40] = 1e30  # a huge finite value is still computed (and pcen matches librosa there)
    out = calls[call]()
    if call == "pcen":
        np.testing.assert_allclose(out, librosa.pcen(S), rtol=1e-9)


@pytest.mark.parametrize("name", ["chroma_cqt", "chroma_cens", "cqt", "vqt", "hybrid_cqt", "pseudo_cqt"])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_chroma_cqt_batch_equals_loop_with_estimated_tuning(name, backend):
    """tuning=None estimates each item's tuning (was: one pooled over the batch, as librosa's batch call,
    so a quiet detuned item took its loud neighbour's tuning); as chroma_stft does."""
    y = _sig(30011, np.float64)
    quiet = 1e-3 * np.sin(2 * np.pi * 452.0 * np.arange(30011) / SR)  # detuned by ~ +0.46 semitone
    Y = np.stack([y, quiet])
    f = getattr(af.feature, name, None) or getattr(af, name)
    kw = {"tuning": None} if name in ("cqt", "vqt", "hybrid_cqt", "pseudo_cqt") else {}
    if backend == "torch":
        torch = pytest.importorskip("torch", reason="the torch half needs torch")
        Y = torch.from_numpy(Y)
    batch = np.asarray(f(Y, sr=SR, **kw) if kw else f(y=Y, sr=SR))
    loop = np.stack([np.asarray(f(Y[i], sr=SR, **kw) if kw else f(y=Y[i], sr=SR)) for i in range(2)])
    scale = np.abs(loop).max(axis=(-1, -2), keepdims=True)
    np.testing.assert_allclose(batch / scale, loop / scale, rtol=0, atol=1e-6)
