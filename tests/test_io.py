"""Tests for audiofeat.io: load/save/info/stream/resample, parity with librosa, and the typed errors."""

from __future__ import annotations

import io as _pyio
import math
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import scipy.signal
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

import audiofeat.io as afio
import audiofeat.resampling as afres
from audiofeat.errors import (
    AudioIsADirectoryError,
    AudiofeatError,
    AudioFileError,
    AudioFileNotFoundError,
    BackendError,
    CorruptAudioError,
    EmptyAudioError,
    NotAudioError,
    ParameterError,
    UnreadableAudioError,
)
from audiofeat.io import AudioInfo, info, load, resample, save, stream

librosa = pytest.importorskip(
    "librosa", reason="librosa is the test oracle: pip install 'audiofeat[test]'"
)

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared/reference/librosa_test_data"

SR = 44100  # native rate of the generated files
SECONDS = 2.0


# --------------------------------------------------------------------------------------------------
# helpers and fixtures
# --------------------------------------------------------------------------------------------------
def sines(sr: int, seconds: float, freqs: tuple[float, ...], amp: float = 0.5) -> np.ndarray:
    """(channels, n) float64 sines, one frequency per channel."""
    t = np.arange(round(sr * seconds)) / sr
    return np.stack([amp * np.sin(2 * np.pi * f * t) for f in freqs])


def write_tone(
    path: Path,
    *,
    sr: int = SR,
    seconds: float = SECONDS,
    freqs: tuple[float, ...] = (440.0, 660.0),
    subtype: str | None = None,
) -> Path:
    data = sines(sr, seconds, freqs)
    soundfile.write(path, data.T if len(freqs) > 1 else data[0], sr, subtype=subtype)
    return path


def band_limited(n: int, sr: float, fmax: float, seed: int = 0) -> np.ndarray:
    """White noise low-passed below ``fmax`` (zero-phase), scaled to peak 1."""
    rng = np.random.default_rng(seed)
    taps = scipy.signal.firwin(801, fmax, fs=sr)
    x = scipy.signal.filtfilt(taps, [1.0], rng.standard_normal(n + 1600))[800:-800]
    return x / np.abs(x).max()


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Stereo (440/660 Hz) and mono (440 Hz) tones in wav, flac and ogg at 44.1 kHz."""
    root = tmp_path_factory.mktemp("audio")
    out = {}
    for ext in ("wav", "flac", "ogg"):
        out[f"stereo.{ext}"] = write_tone(root / f"stereo.{ext}")
        out[f"mono.{ext}"] = write_tone(root / f"mono.{ext}", freqs=(440.0,))
    return out


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="torch is optional; torch resampler tests need it")


def check_file_error(excinfo, cls, reason: str, path) -> None:
    """The common checks on a typed file error."""
    err = excinfo.value
    assert type(err) is cls
    assert isinstance(err, AudioFileError) and isinstance(err, AudiofeatError)
    assert isinstance(err, OSError)
    assert err.reason == reason
    assert err.path == os.fspath(path)
    assert os.fspath(path) in str(err)
    # the error survives a process pool
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is cls and clone.path == err.path and clone.reason == reason


# --------------------------------------------------------------------------------------------------
# load: parity with librosa
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", ["wav", "flac", "ogg"])
@pytest.mark.parametrize("sr", [None, 16000, 22050])
@pytest.mark.parametrize("mono", [True, False])
@pytest.mark.parametrize("span", [(0.0, None), (0.5, 1.0), (0.25, None)])
def test_load_matches_librosa(files, ext, sr, mono, span):
    offset, duration = span
    path = files[f"stereo.{ext}"]
    y, sr_out = load(path, sr=sr, mono=mono, offset=offset, duration=duration)
    y_ref, sr_ref = librosa.load(path, sr=sr, mono=mono, offset=offset, duration=duration)
    assert sr_out == sr_ref
    assert y.shape == y_ref.shape
    assert y.dtype == np.float32
    assert y.flags["C_CONTIGUOUS"]
    # measured: 0.0 (same decoder, same soxr calls); the bound allows a different soxr build
    peak = np.abs(y_ref).max()
    assert np.abs(y - y_ref).max() <= 1e-6 * peak


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg"])
def test_load_shapes(files, ext):
    n = int(SR * SECONDS)
    y, sr = load(files[f"stereo.{ext}"], sr=None, mono=False)
    assert sr == SR and y.shape == (2, n)
    y, _ = load(files[f"stereo.{ext}"], sr=None)
    assert y.shape == (n,)
    # a one-channel file gives (n,) even with mono=False, like librosa
    y, _ = load(files[f"mono.{ext}"], sr=None, mono=False)
    assert y.shape == (n,)
    y, sr = load(files[f"stereo.{ext}"], sr=16000, mono=False)
    assert sr == 16000 and y.shape == (2, math.ceil(n * 16000 / SR))


def test_load_default_rate_and_mono_is_channel_mean(files):
    y, sr = load(files["stereo.wav"])
    assert sr == 22050 and y.shape == (math.ceil(SR * SECONDS * 22050 / SR),)
    both, _ = load(files["stereo.wav"], sr=None, mono=False)
    mono, _ = load(files["stereo.wav"], sr=None)
    np.testing.assert_array_equal(mono, both.mean(axis=0))


def test_load_dtype(files):
    y32, _ = load(files["stereo.flac"], sr=16000)
    y64, _ = load(files["stereo.flac"], sr=16000, dtype=np.float64)
    assert y32.dtype == np.float32 and y64.dtype == np.float64
    ref, _ = librosa.load(files["stereo.flac"], sr=16000, dtype=np.float64)
    np.testing.assert_allclose(y64, ref, atol=1e-12)
    np.testing.assert_allclose(y32, y64, atol=1e-5)
    for bad in (np.int16, "int32", np.complex64, None, "nonsense"):
        with pytest.raises(ParameterError, match="dtype"):
            load(files["stereo.flac"], dtype=bad)


def test_load_values_are_the_written_sine(files):
    y, _ = load(files["mono.wav"], sr=None)
    expected = sines(SR, SECONDS, (440.0,))[0]
    assert np.abs(y - expected).max() < 1e-4  # PCM_16 quantisation


def test_load_offset_duration_frames(files):
    full, _ = load(files["stereo.wav"], sr=None, mono=False)
    y, _ = load(files["stereo.wav"], sr=None, mono=False, offset=0.5, duration=0.25)
    np.testing.assert_array_equal(y, full[:, 22050 : 22050 + 11025])
    # duration past the end reads to the end
    y, _ = load(files["stereo.wav"], sr=None, offset=1.5, duration=10.0)
    assert y.shape == (full.shape[1] - 66150,)


def test_load_offset_rounds_to_nearest_frame(tmp_path):
    # 0.35 * 44100 = 15434.999999999998: librosa 0.11 truncates to 15434, audiofeat rounds to 15435
    path = write_tone(tmp_path / "t.wav", sr=44100, freqs=(300.0,))
    full, _ = load(path, sr=None)
    assert 0.35 * 44100 < 15435
    y, _ = load(path, sr=None, offset=0.35, duration=0.1)
    np.testing.assert_array_equal(y, full[15435 : 15435 + 4410])
    blocks = list(stream(path, 1, 4410, 4410, offset=0.35, duration=0.1))
    np.testing.assert_array_equal(np.concatenate(blocks), y)


def test_load_file_objects(files):
    path = files["stereo.flac"]
    ref, _ = load(path, sr=16000, mono=False)
    with open(path, "rb") as f:
        y, _ = load(f, sr=16000, mono=False)
    np.testing.assert_array_equal(y, ref)
    y, _ = load(_pyio.BytesIO(path.read_bytes()), sr=16000, mono=False)
    np.testing.assert_array_equal(y, ref)
    y, _ = load(str(path), sr=16000, mono=False)
    np.testing.assert_array_equal(y, ref)
    # an open SoundFile is used as is and left open (librosa closes it)
    with soundfile.SoundFile(path) as sfo:
        y, _ = load(sfo, sr=16000, mono=False)
        assert not sfo.closed
    np.testing.assert_array_equal(y, ref)


def test_load_returns_sr_as_given(files):
    _, sr = load(files["mono.wav"], sr=16000.0)
    assert sr == 16000.0
    _, sr = load(files["mono.wav"], sr=None)
    assert sr == SR and isinstance(sr, int)


def test_load_res_type(files):
    for res_type in ("soxr_vhq", "soxr_mq", "soxr_lq", "soxr_qq"):
        y, _ = load(files["mono.wav"], sr=8000, res_type=res_type)
        ref, _ = librosa.load(files["mono.wav"], sr=8000, res_type=res_type)
        np.testing.assert_allclose(y, ref, atol=1e-6)
    with pytest.raises(ParameterError, match="res_type"):
        load(files["mono.wav"], sr=8000, res_type="kaiser_worst")


@pytest.mark.skipif(
    "MP3" not in soundfile.available_formats(), reason="libsndfile built without MP3"
)
def test_mp3_round_trip(tmp_path):
    path = tmp_path / "tone.mp3"
    data = sines(SR, SECONDS, (440.0,))[0].astype(np.float32)
    save(path, data, SR)
    meta = info(path)
    assert meta.format == "MP3" and meta.sr == SR and meta.channels == 1
    assert abs(meta.frames - data.size) < 0.05 * SR  # encoder delay / padding
    y, sr = load(path, sr=None)
    ref, _ = librosa.load(path, sr=None)
    np.testing.assert_array_equal(y, ref)
    spectrum = np.abs(np.fft.rfft(y))
    assert abs(np.argmax(spectrum) * sr / y.size - 440.0) < 2.0
    assert 0.3 < np.abs(y).max() < 0.7


# --------------------------------------------------------------------------------------------------
# resample: numpy (soxr)
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "orig_sr,target_sr",
    [(22050, 8000), (44100, 16000), (16000, 44100), (48000, 44100), (8000, 8001)],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_resample_matches_librosa(orig_sr, target_sr, dtype):
    x = np.random.default_rng(1).uniform(-1, 1, (3, 12345)).astype(dtype)
    y = resample(x, orig_sr, target_sr)
    ref = librosa.resample(x, orig_sr=orig_sr, target_sr=target_sr, res_type="soxr_hq")
    assert y.shape == ref.shape == (3, math.ceil(12345 * target_sr / orig_sr))
    assert y.dtype == dtype
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5)  # measured: 0.0
    y1 = resample(x[1], orig_sr=orig_sr, target_sr=target_sr)
    np.testing.assert_allclose(y1, ref[1], rtol=0, atol=1e-5)


@pytest.mark.parametrize("res_type", ["soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq", "soxr_qq", "fft", "scipy",
                                      "polyphase", "kaiser_best", "kaiser_fast", "linear", "zero_order_hold",
                                      "sinc_best", "sinc_medium", "sinc_fastest"])
@pytest.mark.parametrize("fix,scale", [(True, False), (False, False), (True, True)])
def test_resample_options_match_librosa(res_type, fix, scale):
    x = np.random.default_rng(2).uniform(-1, 1, 5001).astype(np.float32)
    y = resample(x, 22050, 16000, res_type=res_type, fix=fix, scale=scale)
    ref = librosa.resample(
        x, orig_sr=22050, target_sr=16000, res_type=res_type, fix=fix, scale=scale
    )
    assert y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5)


@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_resample_axis_and_leading_dims(axis):
    x = np.random.default_rng(3).uniform(-1, 1, (4, 2, 3000)).astype(np.float32)
    x = np.moveaxis(x, -1, axis)
    y = resample(x, 16000, 8000, axis=axis)
    ref = librosa.resample(x, orig_sr=16000, target_sr=8000, axis=axis, res_type="soxr_hq")
    assert y.shape == ref.shape and y.shape[axis] == 1500
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-5)


def test_resample_float16_and_empty():
    x = np.random.default_rng(4).uniform(-1, 1, 2000).astype(np.float16)
    y = resample(x, 16000, 8000)
    assert y.dtype == np.float16 and y.shape == (1000,)
    y = resample(np.zeros((2, 0), np.float32), 16000, 8000)
    assert y.shape == (2, 0)
    y = resample(np.zeros(1, np.float32), 16000, 8000)
    assert y.shape == (1,)


def test_resample_same_rate_returns_input():
    x = np.ones(100, np.float32)
    assert resample(x, 16000, 16000) is x
    assert resample(x, orig_sr=16000, target_sr=16000.0) is x


def test_resample_sine_frequency_is_kept():
    x = sines(22050, 1.0, (1000.0,))[0]
    y = resample(x, 22050, 16000)
    expected = sines(16000, 1.0, (1000.0,))[0]
    m = 200
    assert np.abs(y - expected)[m:-m].max() < 1e-4


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=4000),
    orig_sr=st.integers(min_value=1000, max_value=96000),
    target_sr=st.integers(min_value=1000, max_value=96000),
)
def test_resample_length_property(n, orig_sr, target_sr):
    x = np.zeros(n, np.float32)
    y = resample(x, orig_sr, target_sr)
    # librosa's length: ceil(n * ratio) with the float ratio (2700 * 1350/1000 gives 3646, not 3645)
    assert y.shape == (n if orig_sr == target_sr else math.ceil(n * (target_sr / orig_sr)),)
    assert y.dtype == np.float32


@pytest.mark.skipif(
    not (REFERENCE / "core-resample-001.mat").exists(), reason="reference data absent"
)
def test_resample_reference_file_numpy():
    data = scipy.io.loadmat(REFERENCE / "core-resample-001.mat")
    y_in, y_out = data["y_in"][:, 0], data["y_out"][:, 0]
    sr_in, sr_out = int(data["sr_in"][0, 0]), int(data["sr_out"][0, 0])
    assert (sr_in, sr_out) == (22050, 8000)
    y = resample(y_in, sr_in, sr_out)
    assert y.shape == y_out.shape == (36701,)
    assert np.corrcoef(y, y_out)[0, 1] >= 0.9999  # measured: 0.999990


# --------------------------------------------------------------------------------------------------
# resample: torch (windowed sinc)
# --------------------------------------------------------------------------------------------------
TORCH_RATES = [(22050, 8000), (44100, 16000), (16000, 44100), (48000, 44100), (22050, 16000)]


@pytest.mark.parametrize("orig_sr,target_sr", TORCH_RATES)
def test_torch_resample_matches_soxr_band_limited(torch, orig_sr, target_sr):
    x = band_limited(2 * orig_sr, orig_sr, 0.8 * min(orig_sr, target_sr) / 2)
    ref = resample(x, orig_sr, target_sr)
    y = resample(torch.from_numpy(x), orig_sr, target_sr)
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float64
    y = y.numpy()
    assert y.shape == ref.shape
    assert np.corrcoef(y, ref)[0, 1] >= 0.99999  # measured: >= 0.99999997
    m = len(y) // 10  # the two treat the edges differently; compare the interior
    assert np.abs(y - ref)[m:-m].max() < 2e-4  # measured: <= 7.5e-5 (signal peak 1)


@pytest.mark.parametrize("orig_sr,target_sr", TORCH_RATES)
def test_torch_resample_matches_soxr_sine(torch, orig_sr, target_sr):
    x = sines(orig_sr, 1.0, (1000.0,))[0]
    ref = resample(x, orig_sr, target_sr)
    y = resample(torch.from_numpy(x), orig_sr, target_sr).numpy()
    assert np.corrcoef(y, ref)[0, 1] >= 0.99999  # measured: >= 0.999999997
    m = len(y) // 10
    assert np.abs(y - ref)[m:-m].max() < 5e-6  # measured: <= 3.8e-7 (amplitude 0.5)


def test_torch_resample_float32_batch_axis(torch):
    x = np.stack([band_limited(22050, 22050, 3000, seed=s) for s in range(3)]).astype(np.float32)
    xt = torch.from_numpy(x)
    y = resample(xt, 22050, 16000)
    assert y.dtype == torch.float32 and y.device == xt.device and y.shape == (3, 16000)
    ref = resample(x, 22050, 16000)
    for row, ref_row in zip(y.numpy(), ref):
        assert np.corrcoef(row, ref_row)[0, 1] >= 0.99999
    # batch == loop over items
    for i in range(3):
        torch.testing.assert_close(resample(xt[i], 22050, 16000), y[i], atol=1e-6, rtol=0)
    # another axis
    yt = resample(xt.T.contiguous(), 22050, 16000, axis=0)
    assert yt.shape == (16000, 3)
    torch.testing.assert_close(yt.T, y, atol=1e-6, rtol=0)
    # leading axes
    y4 = resample(xt.reshape(3, 1, 22050), 22050, 16000)
    assert y4.shape == (3, 1, 16000)


def test_torch_resample_on_cuda(torch):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    x = torch.from_numpy(band_limited(22050, 22050, 3000).astype(np.float32))
    y = resample(x.cuda(), 22050, 16000)
    assert y.device.type == "cuda" and y.dtype == torch.float32
    torch.testing.assert_close(y.cpu(), resample(x, 22050, 16000), atol=1e-5, rtol=0)


def test_torch_resample_gradient(torch):
    x = torch.from_numpy(band_limited(4000, 16000, 3000)).requires_grad_()
    y = resample(x, 16000, 22050)
    assert y.requires_grad
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    # the gradient is right: gradcheck on a short signal
    small = torch.randn(64, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda s: resample(s, 3, 2), (small,))


def test_torch_resample_direct_path_agrees(torch, monkeypatch):
    x = torch.from_numpy(np.stack([band_limited(8000, 16000, 5000, seed=s) for s in range(2)]))
    poly = resample(x, 16000, 11025)
    monkeypatch.setattr(afres, "_MAX_POLYPHASE_KERNEL", 0)  # force the gather-based path
    direct = resample(x, 16000, 11025)
    assert direct.shape == poly.shape == (2, 5513)
    torch.testing.assert_close(direct, poly, atol=1e-6, rtol=0)  # measured: 8e-8 (filter table)
    torch.testing.assert_close(resample(x[1], 16000, 11025), direct[1], atol=1e-12, rtol=0)
    xg = x.clone().requires_grad_()
    resample(xg, 16000, 11025).pow(2).sum().backward()
    assert torch.isfinite(xg.grad).all() and xg.grad.abs().sum() > 0


def test_torch_resample_non_integer_rates(torch):
    x = band_limited(8000, 16000, 4400)  # below 0.8 x the output Nyquist, as above
    ref = resample(x, 16000.5, 11025.25)
    y = resample(torch.from_numpy(x), 16000.5, 11025.25).numpy()
    assert y.shape == ref.shape == (math.ceil(8000 * 11025.25 / 16000.5),)
    # soxr returns one sample fewer here and fix=True pads it with 0 (as librosa): compare the interior
    m = len(y) // 10
    assert np.corrcoef(y[m:-m], ref[m:-m])[0, 1] >= 0.99999
    assert np.abs(y - ref)[m:-m].max() < 2e-4


def test_torch_resample_misc(torch):
    x = torch.zeros(100)
    assert resample(x, 8000, 8000) is x
    for res_type in ("sinc", "soxr_hq", "soxr_vhq", "soxr_qq"):
        assert resample(x, 8000, 16000, res_type=res_type).shape == (200,)
    with pytest.raises(ParameterError, match="res_type"):
        resample(x, 8000, 16000, res_type="kaiser_best")
    y = resample(torch.zeros(100, dtype=torch.float16), 8000, 16000)
    assert y.dtype == torch.float16 and y.shape == (200,)
    y = resample(torch.ones(100), 8000, 16000, scale=True)
    assert abs(float(y[100]) - 1 / math.sqrt(2)) < 1e-3
    with pytest.raises(ParameterError, match="real floating-point array"):
        resample(torch.zeros(100, dtype=torch.int16), 8000, 16000)
    with pytest.raises(ParameterError, match="not finite"):
        resample(torch.tensor([0.0, float("nan"), 1.0]), 8000, 16000)
    with pytest.raises(ParameterError, match="orig_sr"):
        resample(x, 0, 16000)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=3000),
    orig_sr=st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000]),
    target_sr=st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000]),
)
def test_torch_resample_length_property(n, orig_sr, target_sr):
    torch = pytest.importorskip("torch")
    y = resample(torch.zeros(2, n), orig_sr, target_sr)
    expected = n if orig_sr == target_sr else math.ceil(n * target_sr / orig_sr)
    assert y.shape == (2, expected)
    assert y.shape[-1] == resample(np.zeros((2, n), np.float32), orig_sr, target_sr).shape[-1]


@pytest.mark.skipif(
    not (REFERENCE / "core-resample-001.mat").exists(), reason="reference data absent"
)
def test_resample_reference_file_torch(torch):
    data = scipy.io.loadmat(REFERENCE / "core-resample-001.mat")
    y_in, y_out = data["y_in"][:, 0], data["y_out"][:, 0]
    y = resample(torch.from_numpy(y_in), 22050, 8000).numpy()
    assert y.shape == y_out.shape == (36701,)
    assert np.corrcoef(y, y_out)[0, 1] >= 0.9999  # measured: 0.999987
    y32 = resample(torch.from_numpy(y_in.astype(np.float32)), 22050, 8000).numpy()
    assert np.corrcoef(y32, y_out)[0, 1] >= 0.9999


# --------------------------------------------------------------------------------------------------
# resample: bad input
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [0, -8000, float("nan"), float("inf"), None, "16000", True])
def test_resample_bad_rates(bad):
    x = np.zeros(100, np.float32)
    with pytest.raises(ParameterError, match="orig_sr") as excinfo:
        resample(x, bad, 16000)
    assert isinstance(excinfo.value, ValueError) and isinstance(excinfo.value, AudiofeatError)
    assert repr(bad) in str(excinfo.value)
    with pytest.raises(ParameterError, match="target_sr"):
        resample(x, orig_sr=16000, target_sr=bad)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.uint8, np.bool_, np.complex64])
def test_resample_rejects_non_float(dtype):
    with pytest.raises(ParameterError, match="real floating-point array") as excinfo:
        resample(np.zeros(100, dtype), 16000, 8000)
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_resample_rejects_non_finite(value):
    x = np.zeros((2, 100), np.float32)
    x[1, 50] = value
    with pytest.raises(ParameterError, match="not finite"):
        resample(x, 16000, 8000)


def test_resample_other_bad_input():
    with pytest.raises(BackendError) as excinfo:
        resample([0.0, 1.0], 16000, 8000)
    assert isinstance(excinfo.value, TypeError)
    with pytest.raises(ParameterError, match="at least one dimension"):
        resample(np.ones((), np.float32), 16000, 8000)
    with pytest.raises(ParameterError, match="axis"):
        resample(np.zeros(10, np.float32), 16000, 8000, axis=1)
    with pytest.raises(ParameterError, match="res_type"):
        resample(np.zeros(10, np.float32), 16000, 8000, res_type="sinc")


# --------------------------------------------------------------------------------------------------
# save / info
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,subtype,fmt,tol",
    [
        ("a.wav", None, "WAV", 1e-4),
        ("a.wav", "FLOAT", "WAV", 0.0),
        ("a.wav", "PCM_24", "WAV", 1e-6),
        ("a.flac", None, "FLAC", 1e-4),
        ("a.flac", "PCM_24", "FLAC", 1e-6),
        ("a.aiff", None, "AIFF", 1e-4),
        ("a.ogg", None, "OGG", None),
    ],
)
@pytest.mark.parametrize("channels", [1, 2])
def test_save_info_round_trip(tmp_path, name, subtype, fmt, tol, channels):
    sr = 16000
    y = sines(sr, 0.5, (440.0, 880.0)[:channels]).astype(np.float32)
    if channels == 1:
        y = y[0]
    path = tmp_path / name
    save(path, y, sr, subtype=subtype)
    meta = info(path)
    assert isinstance(meta, AudioInfo)
    expected_subtype = subtype or soundfile.default_subtype(fmt)
    assert (meta.sr, meta.samplerate, meta.channels, meta.format, meta.subtype) == (
        sr,
        sr,
        channels,
        fmt,
        expected_subtype,
    )
    assert meta.frames == 8000 and meta.duration == 0.5
    assert meta.path == str(path)
    back, sr_back = load(path, sr=None, mono=False)
    assert sr_back == sr and back.shape == y.shape
    if tol is not None:
        assert np.abs(back - y).max() <= tol
    else:  # lossy: the tone is still there
        assert np.corrcoef(back.ravel(), y.ravel())[0, 1] > 0.99


def test_info_is_frozen_and_reports_empty_files(tmp_path):
    path = tmp_path / "empty.wav"
    soundfile.write(path, np.zeros(0, np.float32), 8000)
    meta = info(path)
    assert meta.frames == 0 and meta.duration == 0.0
    with pytest.raises(AttributeError):
        meta.sr = 1  # type: ignore[misc]


def test_info_file_object(files):
    with open(files["stereo.flac"], "rb") as f:
        meta = info(f)
    assert meta.path == str(files["stereo.flac"]) and meta.channels == 2 and meta.format == "FLAC"


def test_save_torch_and_format_argument(tmp_path, torch):
    y = torch.from_numpy(sines(8000, 0.25, (440.0, 550.0)).astype(np.float32)).requires_grad_()
    path = tmp_path / "t.flac"
    save(path, y * 1.0, 8000)
    back, _ = load(path, sr=None, mono=False)
    assert np.abs(back - y.detach().numpy()).max() < 1e-4
    # no extension: format= decides; a file object needs format=
    bare = tmp_path / "noext"
    save(bare, y.detach().numpy(), 8000, format="WAV")
    assert info(bare).format == "WAV"
    buf = _pyio.BytesIO()
    save(buf, y.detach().numpy()[0], 8000, format="FLAC")
    buf.seek(0)
    assert info(buf).format == "FLAC"


def test_save_int_pcm(tmp_path):
    path = tmp_path / "int.wav"
    save(path, np.array([0, 16384, -16384, 32767], np.int16), 8000)
    back, _ = load(path, sr=None)
    np.testing.assert_allclose(back, [0, 0.5, -0.5, 32767 / 32768])


@pytest.mark.parametrize("bad", [0, -1, float("nan"), 8000.5])
def test_save_bad_sr(tmp_path, bad):
    with pytest.raises(ParameterError, match="sr=") as excinfo:
        save(tmp_path / "x.wav", np.zeros(10, np.float32), bad)
    assert isinstance(excinfo.value, ValueError)
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_save_non_finite(tmp_path, value):
    y = np.zeros(10, np.float32)
    y[3] = value
    with pytest.raises(ParameterError, match="non-finite"):
        save(tmp_path / "x.wav", y, 8000)
    assert not (tmp_path / "x.wav").exists()


def test_save_bad_arrays_and_formats(tmp_path):
    with pytest.raises(ParameterError, match="3 dimensions"):
        save(tmp_path / "x.wav", np.zeros((1, 2, 10), np.float32), 8000)
    with pytest.raises(ParameterError, match="expected floating-point audio"):
        save(tmp_path / "x.wav", np.zeros(10, np.int64), 8000)
    with pytest.raises(ParameterError, match="audio format"):
        save(tmp_path / "x.xyz", np.zeros(10, np.float32), 8000)
    with pytest.raises(ParameterError, match="subtype"):
        save(tmp_path / "x.flac", np.zeros(10, np.float32), 8000, subtype="FLOAT")
    with pytest.raises(ParameterError, match="Opus only supports"):
        save(tmp_path / "x.opus", np.zeros(10, np.float32), 44100)
    with pytest.raises(BackendError):
        save(tmp_path / "x.wav", [0.0, 0.1], 8000)


def test_save_opus(tmp_path):
    path = tmp_path / "x.opus"
    save(path, sines(48000, 0.5, (440.0,))[0], 48000)
    meta = info(path)
    assert meta.format == "OGG" and meta.subtype == "OPUS"


def test_save_missing_folder(tmp_path):
    path = tmp_path / "no" / "such" / "x.wav"
    with pytest.raises(AudioFileNotFoundError, match="does not exist") as excinfo:
        save(path, np.zeros(10, np.float32), 8000)
    check_file_error(excinfo, AudioFileNotFoundError, "missing", path)


# --------------------------------------------------------------------------------------------------
# stream
# --------------------------------------------------------------------------------------------------
STREAM_CASES = [
    {"block_length": 4, "frame_length": 2048, "hop_length": 512},
    {"block_length": 1, "frame_length": 1024, "hop_length": 1024},
    {"block_length": 16, "frame_length": 512, "hop_length": 128},
    {"block_length": 3, "frame_length": 1000, "hop_length": 300, "fill_value": 0.0},
    {"block_length": 5, "frame_length": 2048, "hop_length": 512, "offset": 0.1, "duration": 1.0},
    {
        "block_length": 5,
        "frame_length": 2048,
        "hop_length": 512,
        "duration": 1.0,
        "fill_value": 0.0,
    },
    {"block_length": 8, "frame_length": 256, "hop_length": 256, "mono": False},
    # past the end with fill_value: the requested span is padded (soundfile.blocks semantics)
    {
        "block_length": 4,
        "frame_length": 2048,
        "hop_length": 512,
        "offset": 1.5,
        "duration": 1.0,
        "fill_value": 0.0,
        "mono": False,
    },
    {"block_length": 4, "frame_length": 2048, "hop_length": 512, "offset": 1.5, "duration": 1.0},
]


@pytest.mark.parametrize("kwargs", STREAM_CASES)
def test_stream_matches_librosa(files, kwargs):
    path = files["stereo.wav"]
    ours = list(stream(path, **kwargs))
    ref = list(librosa.stream(path, **kwargs))
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref):
        assert a.shape == b.shape and a.dtype == np.float32
        np.testing.assert_array_equal(a, b)


def test_stream_block_shapes(files):
    block_length, frame_length, hop_length = 4, 2048, 512
    blocksize = frame_length + (block_length - 1) * hop_length
    blocks = list(stream(files["stereo.flac"], block_length, frame_length, hop_length, mono=False))
    assert all(b.shape == (2, blocksize) for b in blocks[:-1])
    assert blocks[-1].shape[0] == 2 and 0 < blocks[-1].shape[1] <= blocksize
    mono = list(stream(files["mono.flac"], block_length, frame_length, hop_length, mono=False))
    assert all(b.ndim == 1 for b in mono)
    padded = list(
        stream(files["stereo.flac"], block_length, frame_length, hop_length, fill_value=0)
    )
    assert all(b.shape == (blocksize,) for b in padded)
    b64 = next(stream(files["stereo.flac"], 2, 256, 128, dtype=np.float64))
    assert b64.dtype == np.float64


@pytest.mark.parametrize(
    "block_length,frame_length,hop_length",
    [(4, 2048, 512), (7, 1024, 256), (3, 512, 512), (1, 400, 160)],
)
def test_stream_stft_concatenation(files, block_length, frame_length, hop_length):
    path = files["stereo.ogg"]
    whole, _ = load(path, sr=None)
    full = librosa.stft(whole, n_fft=frame_length, hop_length=hop_length, center=False)
    parts = [
        librosa.stft(block, n_fft=frame_length, hop_length=hop_length, center=False)
        for block in stream(path, block_length, frame_length, hop_length)
        if block.shape[-1] >= frame_length  # a short last block holds no whole frame
    ]
    joined = np.concatenate(parts, axis=-1)
    assert joined.shape == full.shape
    np.testing.assert_allclose(joined, full, atol=1e-5)


def test_stream_hop_longer_than_frame_skips_gaps(files):
    whole, _ = load(files["mono.wav"], sr=None)
    blocks = list(stream(files["mono.wav"], 2, 100, 300))
    assert blocks[0].shape == (400,)
    np.testing.assert_array_equal(blocks[0], whole[:400])
    np.testing.assert_array_equal(blocks[1], whole[600:1000])
    frames = librosa.util.frame(whole, frame_length=100, hop_length=300)
    from_blocks = np.concatenate(
        [librosa.util.frame(b, frame_length=100, hop_length=300) for b in blocks if b.size >= 100],
        axis=-1,
    )
    np.testing.assert_array_equal(from_blocks, frames)


def test_stream_file_object_and_closing(files):
    with open(files["stereo.wav"], "rb") as f:
        n = sum(b.shape[-1] for b in stream(f, 1, 4096, 4096))
    assert n == int(SR * SECONDS)
    gen = stream(files["stereo.wav"], 1, 4096, 4096)
    next(gen)
    gen.close()  # closes the file; no error


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"block_length": 0, "frame_length": 2048, "hop_length": 512}, "block_length"),
        ({"block_length": 2, "frame_length": 0, "hop_length": 512}, "frame_length"),
        ({"block_length": 2, "frame_length": 2048, "hop_length": -1}, "hop_length"),
        ({"block_length": 2.5, "frame_length": 2048, "hop_length": 512}, "block_length"),
        ({"block_length": 2, "frame_length": 2048, "hop_length": 512, "offset": -1.0}, "offset"),
        ({"block_length": 2, "frame_length": 2048, "hop_length": 512, "duration": 0.0}, "duration"),
        ({"block_length": 2, "frame_length": 2048, "hop_length": 512, "offset": 60.0}, "offset"),
        ({"block_length": 2, "frame_length": 2048, "hop_length": 512, "dtype": np.int16}, "dtype"),
    ],
)
def test_stream_validates_at_call_time(files, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        stream(files["stereo.wav"], **kwargs)  # no next(): the call itself raises


def test_stream_file_errors_at_call_time(tmp_path):
    with pytest.raises(AudioFileNotFoundError, match="no such file"):
        stream(tmp_path / "missing.wav", 2, 1024, 512)
    text = tmp_path / "notes.txt"
    text.write_text("not audio\n" * 50)
    with pytest.raises(NotAudioError):
        stream(text, 2, 1024, 512)


# --------------------------------------------------------------------------------------------------
# typed errors for bad files
# --------------------------------------------------------------------------------------------------
READERS = {
    "load": lambda p: load(p),
    "info": lambda p: info(p),
    "stream": lambda p: stream(p, 2, 1024, 512),
}


@pytest.mark.parametrize("reader", READERS)
def test_missing_file(tmp_path, reader):
    path = tmp_path / "nope.wav"
    with pytest.raises(AudioFileNotFoundError, match="no such file") as excinfo:
        READERS[reader](path)
    check_file_error(excinfo, AudioFileNotFoundError, "missing", path)
    assert isinstance(excinfo.value, FileNotFoundError)


@pytest.mark.parametrize("reader", READERS)
def test_directory(tmp_path, reader):
    with pytest.raises(AudioIsADirectoryError, match="directory") as excinfo:
        READERS[reader](tmp_path)
    check_file_error(excinfo, AudioIsADirectoryError, "unreadable", tmp_path)
    assert isinstance(excinfo.value, IsADirectoryError) and not isinstance(excinfo.value, PermissionError)


@pytest.mark.parametrize("reader", READERS)
def test_permission_denied_on_open(files, reader, monkeypatch):
    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(args[0]))

    monkeypatch.setattr(soundfile, "SoundFile", deny)
    with pytest.raises(UnreadableAudioError, match="Permission denied") as excinfo:
        READERS[reader](files["mono.wav"])
    assert "cannot be opened for reading" in str(excinfo.value)
    check_file_error(excinfo, UnreadableAudioError, "unreadable", files["mono.wav"])


def test_permission_denied_diagnosed_after_libsndfile_failure(files, monkeypatch):
    # libsndfile only says "System error"; the diagnosis reopens the file and finds the cause
    def system_error(*args, **kwargs):
        raise soundfile.LibsndfileError(2, "Error opening file: ")

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(args[0]))

    monkeypatch.setattr(soundfile, "SoundFile", system_error)
    monkeypatch.setattr(afio, "open", deny, raising=False)
    with pytest.raises(UnreadableAudioError, match="Permission denied") as excinfo:
        load(files["mono.wav"])
    check_file_error(excinfo, UnreadableAudioError, "unreadable", files["mono.wav"])


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied_real(tmp_path):
    path = write_tone(tmp_path / "locked.wav")
    path.chmod(0)
    try:
        with pytest.raises(UnreadableAudioError) as excinfo:
            load(path)
        check_file_error(excinfo, UnreadableAudioError, "unreadable", path)
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize("reader", READERS)
def test_text_file_is_not_audio(tmp_path, reader):
    path = tmp_path / "readme.wav"  # the extension does not matter
    path.write_text("This is a text file, not audio.\n" * 20)
    with pytest.raises(NotAudioError, match="not a recognised audio format") as excinfo:
        READERS[reader](path)
    check_file_error(excinfo, NotAudioError, "not_audio", path)


@pytest.mark.parametrize("reader", READERS)
def test_garbage_after_riff_is_corrupt(tmp_path, reader):
    path = tmp_path / "bad.wav"
    path.write_bytes(b"RIFF" + np.random.default_rng(0).bytes(300))
    with pytest.raises(
        CorruptAudioError, match="looks like WAV but its header cannot be decoded"
    ) as excinfo:
        READERS[reader](path)
    check_file_error(excinfo, CorruptAudioError, "corrupt", path)
    assert "Format not recognised" in str(excinfo.value)  # libsndfile's own message is kept


def test_truncated_header_is_corrupt(tmp_path, files):
    path = tmp_path / "short.wav"
    path.write_bytes(files["mono.wav"].read_bytes()[:10])
    with pytest.raises(CorruptAudioError, match="looks like WAV") as excinfo:
        load(path)
    check_file_error(excinfo, CorruptAudioError, "corrupt", path)


@pytest.mark.parametrize(
    "head,fmt",
    [
        (b"fLaC", "FLAC"),
        (b"OggS", "OGG"),
        (b"FORM\x00\x00\x00\x10AIFF", "AIFF"),
        (b"ID3\x04", "MP3"),
        (b"\xff\xfb\x90\x00", "MP3"),
    ],
)
def test_other_signatures_are_corrupt(tmp_path, head, fmt):
    if fmt == "MP3" and "MP3" not in soundfile.available_formats():
        pytest.skip("libsndfile built without MP3")
    path = tmp_path / "bad.bin"
    path.write_bytes(head + b"\x00\x01" * 100)
    with pytest.raises(CorruptAudioError, match=f"looks like {fmt}") as excinfo:
        load(path)
    check_file_error(excinfo, CorruptAudioError, "corrupt", path)


@pytest.mark.parametrize(
    "head,match",
    [
        (b"\x00\x00\x00\x20ftypM4A ", "MP4/M4A"),
        (b"wvpk", "WavPack"),
        (b"RIFF\x00\x01\x00\x00WEBPVP8 ", "not a recognised audio format"),
        (b"\x89PNG\r\n\x1a\n", "not a recognised audio format"),
    ],
)
def test_formats_libsndfile_cannot_read_are_not_audio(tmp_path, head, match):
    path = tmp_path / "thing.bin"
    path.write_bytes(head + b"\x00" * 200)
    with pytest.raises(NotAudioError, match=match) as excinfo:
        load(path)
    check_file_error(excinfo, NotAudioError, "not_audio", path)


@pytest.mark.parametrize("reader", READERS)
def test_zero_byte_file_is_empty(tmp_path, reader):
    path = tmp_path / "zero.wav"
    path.write_bytes(b"")
    with pytest.raises(EmptyAudioError, match="0 bytes") as excinfo:
        READERS[reader](path)
    check_file_error(excinfo, EmptyAudioError, "empty", path)


@pytest.mark.parametrize("reader", ["load", "stream"])
def test_zero_frames_is_empty(tmp_path, reader):
    path = tmp_path / "empty.wav"
    soundfile.write(path, np.zeros((0, 2), np.float32), 16000)
    with pytest.raises(EmptyAudioError, match="file holds no audio frames") as excinfo:
        READERS[reader](path)
    check_file_error(excinfo, EmptyAudioError, "empty", path)


def test_truncated_data_is_corrupt(tmp_path, files):
    path = tmp_path / "cut.flac"
    path.write_bytes(files["mono.flac"].read_bytes()[:6000])
    with pytest.raises(CorruptAudioError, match="cannot be decoded") as excinfo:
        load(path)
    check_file_error(excinfo, CorruptAudioError, "corrupt", path)
    gen = stream(path, 4, 2048, 512)  # the header is fine: the error comes while reading
    with pytest.raises(CorruptAudioError) as excinfo:
        list(gen)
    check_file_error(excinfo, CorruptAudioError, "corrupt", path)


def test_read_errors_never_escape_raw(files, monkeypatch):
    def broken(*args, **kwargs):
        raise soundfile.LibsndfileError(0, "Internal: ")

    monkeypatch.setattr(afio, "_read_raw", broken)
    for reader in (lambda p: load(p), lambda p: list(stream(p, 2, 1024, 512))):
        with pytest.raises(CorruptAudioError) as excinfo:
            reader(files["mono.wav"])
        assert not isinstance(excinfo.value, soundfile.SoundFileError)


def test_offset_errors(files):
    path = files["stereo.wav"]
    with pytest.raises(ParameterError, match=r"offset=5.0 s .* beyond the end") as excinfo:
        load(path, offset=5.0)
    assert "2 s" in str(excinfo.value) and str(path) in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError) and isinstance(excinfo.value, AudiofeatError)
    with pytest.raises(ParameterError, match="offset"):
        load(path, offset=SECONDS)  # exactly at the end: nothing to read
    with pytest.raises(ParameterError, match="offset"):
        load(path, offset=-0.1)
    with pytest.raises(ParameterError, match="offset"):
        load(path, offset=float("nan"))
    for bad in (-1.0, float("inf")):  # 0.0 gives an empty signal, as in librosa
        with pytest.raises(ParameterError, match="duration"):
            load(path, duration=bad)
    with pytest.raises(ParameterError, match="shorter than one sample"):
        load(path, duration=1e-9)


@pytest.mark.parametrize("bad", [0, -22050, float("nan"), float("inf"), "22050"])
def test_load_bad_sr(files, bad):
    with pytest.raises(ParameterError, match="sr=") as excinfo:
        load(files["mono.wav"], sr=bad)
    assert isinstance(excinfo.value, ValueError)


def test_load_bad_path_type():
    with pytest.raises(ParameterError, match="path="):
        load(12.5)


def test_file_object_errors_name_the_object(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("hello\n" * 100)
    with open(path, "rb") as f, pytest.raises(NotAudioError) as excinfo:
        load(f)
    assert excinfo.value.path == str(path)
    with pytest.raises(NotAudioError) as excinfo:
        load(_pyio.BytesIO(b"hello" * 100))
    assert excinfo.value.path == "<BytesIO object>"


@pytest.mark.parametrize("res_type,module", [("kaiser_best", "resampy"), ("sinc_best", "samplerate")])
def test_resample_missing_optional_package(monkeypatch, res_type, module):
    """A res_type whose package is absent raises an ImportError subclass naming the package to install."""
    import sys

    from audiofeat.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(MissingDependencyError, match=f"pip install {module}") as info:
        resample(np.zeros(100, np.float32), 16000, 8000, res_type=res_type)
    assert isinstance(info.value, ImportError)


def test_resample_polyphase_needs_integer_rates():
    with pytest.raises(ParameterError, match="integer"):
        resample(np.zeros(100, np.float32), 16000.5, 8000, res_type="polyphase")


@pytest.mark.parametrize("mono", [True, False])
def test_load_duration_zero_is_empty_like_librosa(files, mono):
    for name in ("mono.wav", "stereo.wav"):
        y, sr = load(files[name], sr=None, mono=mono, duration=0)
        ref, ref_sr = librosa.load(files[name], sr=None, mono=mono, duration=0)
        assert y.shape == ref.shape and y.dtype == ref.dtype and sr == ref_sr
