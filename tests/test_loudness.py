"""Loudness per ITU-R BS.1770-4 (audiofeat.lufs): the standard's filter coefficients, calibration tones,
EBU Tech 3341 test signals, gating, channel weights, pyloudnorm on the bundled recordings, numpy = torch,
batch = loop, gradients, and typed errors."""

from __future__ import annotations

import importlib
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import audiofeat
from audiofeat import ParameterError
from audiofeat.lufs import loudness, loudness_momentary, loudness_short_term

L = importlib.import_module("audiofeat.lufs")
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SAMPLE_FILES = sorted(p.name for p in SAMPLES.glob("*") if p.suffix in {".wav", ".flac", ".ogg", ".mp3"})

SINE_OFFSET = 10 * math.log10(0.5)  # a sine's mean square is A^2 / 2: -3.0103 dB


def tone(amplitude, sr, seconds, freq=997.0):
    return amplitude * np.sin(2 * np.pi * freq * np.arange(int(round(seconds * sr))) / sr)


def dbfs(level):
    return 10 ** (level / 20)


# --------------------------------------------------------------------------------------------------
# the K-weighting filter
# --------------------------------------------------------------------------------------------------
def test_48k_coefficients_are_the_standards_tables():
    (b1, a1), (b2, a2) = L._k_weighting_ba(48000)
    assert b1.tolist() == [1.53512485958697, -2.69169618940638, 1.19839281085285]
    assert a1.tolist() == [1.0, -1.69065929318241, 0.73248077421585]
    assert b2.tolist() == [1.0, -2.0, 1.0]
    assert a2.tolist() == [1.0, -1.99004745483398, 0.99007225036621]


def test_analog_prototypes_reproduce_the_tables_at_48k():
    derived, table = L._bilinear_ba(48000.0), L._k_weighting_ba(48000)
    for (bd, ad), (bt, at) in zip(derived, table):
        np.testing.assert_allclose(bd, bt, rtol=0, atol=1e-14)
        np.testing.assert_allclose(ad, at, rtol=0, atol=1e-14)


@pytest.mark.parametrize("sr, bound_db", [(44100, 0.01), (32000, 0.035), (96000, 0.03), (192000, 0.045),
                                           (22050, 0.09), (16000, 0.16)])
def test_k_weighting_response_against_48k(sr, bound_db):
    """Away from 48 kHz the filter is the bilinear transform of the analog prototypes with the RLB numerator
    kept at [1, -2, 1] (as libebur128, ffmpeg and pyloudnorm's 'DeMan'): its response stays within these
    documented bounds of the 48 kHz filter from 20 Hz to 0.45 sr (20 kHz at most)."""
    freqs = np.geomspace(20, min(0.45 * sr, 20000), 200)

    def response(rate):
        h = np.ones(len(freqs), dtype=complex)
        for b, a in L._k_weighting_ba(rate):
            h *= scipy.signal.freqz(b, a, worN=freqs, fs=rate)[1]
        return 20 * np.log10(np.abs(h))

    assert np.abs(response(sr) - response(48000)).max() <= bound_db


@pytest.mark.parametrize("n", [1, 2, 127, 128, 129, 4096, 4097, 128 * 32 + 5, 128 * 32 * 32 + 1])
def test_torch_filter_is_exact(n, torch):
    """The block-parallel state-space filter equals scipy's sosfilt, across chunk and level boundaries."""
    x = np.random.default_rng(n).standard_normal((2, n))
    want = scipy.signal.sosfilt(np.array(L._k_weighting_sos(44100.0)), x, axis=-1)
    got64 = L._k_weight(torch.from_numpy(x), 44100.0).numpy()
    got32 = L._k_weight(torch.from_numpy(x.astype(np.float32)), 44100.0).numpy()
    scale = np.abs(want).max()
    assert np.abs(got64 - want).max() <= 1e-12 * scale
    assert np.abs(got32 - want).max() <= 1e-6 * scale


# --------------------------------------------------------------------------------------------------
# calibration: sines and EBU Tech 3341
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sr", [48000, 44100, 16000])
@pytest.mark.parametrize("amplitude", [1.0, 0.5, 0.01])
def test_997hz_sine_reads_its_level_minus_3_01(sr, amplitude):
    want = 20 * np.log10(amplitude) + SINE_OFFSET
    assert abs(float(loudness(tone(amplitude, sr, 3.0), sr)) - want) <= 0.05


@pytest.mark.parametrize("sr", [8000, 22050, 32000, 96000, 192000])
def test_997hz_sine_at_other_rates(sr):
    """The bilinear transform bends the shelf near Nyquist; 8-192 kHz stays within 0.05 LU."""
    assert abs(float(loudness(tone(0.1, sr, 3.0), sr)) - (-20 + SINE_OFFSET)) <= 0.05


def test_sine_at_48k_is_exact():
    assert abs(float(loudness(tone(0.1, 48000, 3.0), 48000)) - (-20 + SINE_OFFSET)) <= 1e-3


def test_identical_stereo_channels_add_3_01_lu():
    y = tone(0.25, 48000, 2.0)
    mono = float(loudness(y, 48000))
    stereo = float(loudness(np.stack([y, y]), 48000, channel_axis=0))
    assert stereo - mono == pytest.approx(10 * math.log10(2), abs=1e-6)


def test_surround_weights_and_lfe():
    sr, y = 48000, tone(0.25, 48000, 1.0)
    mono = float(loudness(y, sr))
    for channel, gain_db in [(0, 0.0), (2, 0.0), (4, 10 * math.log10(1.41)), (5, 10 * math.log10(1.41))]:
        x = np.zeros((6, len(y)))
        x[channel] = y
        assert float(loudness(x, sr, channel_axis=0)) - mono == pytest.approx(gain_db, abs=1e-6)
    lfe = np.zeros((6, len(y)))
    lfe[3] = y
    assert float(loudness(lfe, sr, channel_axis=0)) == -np.inf  # 5.1's LFE is excluded
    five = np.zeros((5, len(y)))
    five[3] = y  # 5.0: L, R, C, Ls, Rs
    assert float(loudness(five, sr, channel_axis=0)) - mono == pytest.approx(10 * math.log10(1.41), abs=1e-6)
    assert float(loudness(np.stack([y, y]), sr, channel_axis=0, weights=[1.0, 0.0])) == pytest.approx(mono)


def _sequence(parts, sr=48000, freq=1000.0):
    """A stereo 1 kHz tone in sections (level dBFS, seconds), as in EBU Tech 3341."""
    y = np.concatenate([tone(dbfs(level), sr, seconds, freq) for level, seconds in parts])
    return np.stack([y, y])


@pytest.mark.parametrize("parts, want", [
    ([(-23, 20)], -23.0),  # Tech 3341 test 1
    ([(-33, 20)], -33.0),  # test 2
    ([(-36, 10), (-23, 60), (-36, 10)], -23.0),  # test 3: relative gate
    ([(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], -23.0),  # test 4: both gates
    ([(-26, 20), (-20, 20.1), (-26, 20)], -23.0),  # test 5
])
def test_ebu_tech_3341_integrated(parts, want):
    assert abs(float(loudness(_sequence(parts), 48000, channel_axis=0)) - want) <= 0.1


def test_ebu_tech_3341_momentary_and_short_term_of_a_constant_tone():
    y = _sequence([(-23, 5)])
    for curve in (loudness_momentary(y, 48000, channel_axis=0), loudness_short_term(y, 48000, channel_axis=0)):
        assert np.abs(curve + 23.0).max() <= 0.1


# --------------------------------------------------------------------------------------------------
# gating
# --------------------------------------------------------------------------------------------------
def _programme(sr, seconds, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    return 0.1 * np.sin(2 * np.pi * 440 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.7 * t)) \
        + 0.02 * rng.standard_normal(len(t))


@pytest.mark.parametrize("quiet", ["digital silence", "noise at -85 LUFS"])
def test_long_silence_is_gated_out(quiet):
    """Silence (or anything under -70 LUFS) around a programme leaves its loudness as it was, up to the few
    blocks that straddle the edges (here 2 x 3 of 297 blocks)."""
    sr = 8000
    y = _programme(sr, 30.0)
    pad = np.zeros(60 * sr) if quiet == "digital silence" else \
        10 ** (-85 / 20) * np.random.default_rng(1).standard_normal(60 * sr)
    padded = np.concatenate([pad, y, pad])
    assert abs(float(loudness(padded, sr)) - float(loudness(y, sr))) <= 0.05
    # without the gates the silence would pull it down by 7 dB: the mean power of the same 400 ms blocks
    ungated = -0.691 + 10 * np.log10(np.mean(10 ** ((loudness_momentary(padded, sr) + 0.691) / 10)))
    assert float(loudness(y, sr)) - ungated > 6.5


def test_relative_gate_drops_quiet_passages():
    sr = 8000
    loud = tone(0.5, sr, 30.0)
    quiet = tone(0.5 * 10 ** (-20 / 20), sr, 60.0)  # 20 LU below: under the -10 LU relative gate
    both = np.concatenate([loud, quiet])
    assert abs(float(loudness(both, sr)) - float(loudness(loud, sr))) <= 0.05
    # with the absolute gate alone the quiet passage would count (-4.7 LU)
    assert float(loudness(loud, sr)) - float(loudness(both, sr, relative_gate=-1e9)) > 4


def test_silence_is_minus_inf_without_warnings(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for y in (np.zeros(48000), np.zeros(48000, np.float32), torch.zeros(48000), np.full(48000, 1e-6)):
            assert float(loudness(y, 48000)) == -np.inf
            assert np.all(np.asarray(loudness_momentary(y, 48000)) == -np.inf) or y.max() > 0


# --------------------------------------------------------------------------------------------------
# real recordings against pyloudnorm
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pyloudnorm():
    return pytest.importorskip("pyloudnorm", reason="pyloudnorm is the test-only anchor: pip install pyloudnorm")


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_agrees_with_pyloudnorm_on_bundled_recordings(name, pyloudnorm):
    """At the files' own rates against pyloudnorm with the standard's filter ('DeMan', the same analog
    prototypes); at 48 kHz also against pyloudnorm's default filter (an RBJ-cookbook approximation whose
    high-pass has unit gain where BS.1770's has +0.04 dB, and whose shelf drifts at lower rates)."""
    y, sr = audiofeat.load(SAMPLES / name, sr=None, mono=False)
    ours = float(loudness(y, sr, channel_axis=0))
    standard = pyloudnorm.Meter(sr, filter_class="DeMan").integrated_loudness(y.T.astype(np.float64))
    assert abs(ours - standard) <= 0.1
    y48, _ = audiofeat.load(SAMPLES / name, sr=48000, mono=False)
    ours48 = float(loudness(y48, 48000, channel_axis=0))
    default = pyloudnorm.Meter(48000).integrated_loudness(y48.T.astype(np.float64))
    assert abs(ours48 - default) <= 0.1


# --------------------------------------------------------------------------------------------------
# backends, batches, dtypes, gradients
# --------------------------------------------------------------------------------------------------
FUNCTIONS = [loudness, loudness_momentary, loudness_short_term]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", ["chord.mp3", "speech.wav"])
def test_numpy_equals_torch_on_recordings(fn, name, torch):
    y, sr = audiofeat.load(SAMPLES / name, sr=None, mono=False)
    y = np.concatenate([y, y], axis=-1)  # long enough for a 3 s window
    want = np.asarray(fn(y, sr, channel_axis=0))
    got32 = fn(torch.from_numpy(y), sr, channel_axis=0)
    got64 = fn(torch.from_numpy(y.astype(np.float64)), sr, channel_axis=0)
    assert got32.dtype == torch.float32 and got64.dtype == torch.float64
    assert np.abs(got32.numpy() - want).max() <= 1e-3
    assert np.abs(got64.numpy() - np.asarray(fn(y.astype(np.float64), sr, channel_axis=0))).max() <= 1e-9


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_batch_equals_loop(fn, backend, request):
    sr = 8000
    batch = np.stack([[_programme(sr, 3.3, seed=3 * i + j) * (j + 1) for j in range(3)] for i in range(2)])
    if backend == "torch":
        batch = request.getfixturevalue("torch").from_numpy(batch)
    out = fn(batch, sr)
    assert tuple(out.shape[:2]) == (2, 3)
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(np.asarray(out[i, j]), np.asarray(fn(batch[i, j], sr)), rtol=1e-12)
    # channels on axis 1 of (batch, channels, samples), and on axis 0 of (channels, batch, samples)
    out = fn(batch[:, :2], sr, channel_axis=1)
    moved = fn(batch[:, :2].swapaxes(0, 1) if backend == "numpy" else batch[:, :2].transpose(0, 1), sr,
               channel_axis=0)
    for i in range(2):
        want = np.asarray(fn(batch[i, :2], sr, channel_axis=0))
        np.testing.assert_allclose(np.asarray(out[i]), want, rtol=1e-12)
        np.testing.assert_allclose(np.asarray(moved[i]), want, rtol=1e-12)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_shapes_and_dtypes(fn, torch):
    sr = 16000
    n = 4 * sr
    window = 0.4 if fn is loudness_momentary else 3.0
    for dtype in (np.float32, np.float64):
        out = fn(np.zeros(n, dtype) + 0.1, sr)
        assert np.asarray(out).dtype == dtype
    out = fn(torch.full((n,), 0.1, dtype=torch.float16), sr)
    assert out.dtype == torch.float32
    if fn is loudness:
        assert np.ndim(fn(np.ones(n), sr)) == 0 and fn(np.ones((2, 3, n)), sr).shape == (2, 3)
        assert fn(np.ones((0, n)), sr).shape == (0,)
    else:
        hop = round(0.1 * sr)
        assert fn(np.ones(n), sr).shape == (1 + (n - round(window * sr)) // hop,)
        assert fn(np.ones((2, n)), sr, hop=0.25).shape == (2, 1 + (n - round(window * sr)) // (sr // 4))
        assert fn(np.ones((0, n)), sr).shape[0] == 0


def test_mono_file_with_channel_axis():
    """A 1-D input is one mono signal whatever channel_axis says (load(mono=False) of a mono file)."""
    y = _programme(16000, 2.0)
    assert float(loudness(y, 16000, channel_axis=0)) == float(loudness(y, 16000))
    assert float(loudness(y, 16000, channel_axis=-2)) == float(loudness(y, 16000))


def test_gradients(torch):
    x = torch.from_numpy(_programme(8000, 0.5)[:600]).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: loudness(t, 8000, block_size=0.02), (x,), eps=1e-6, atol=1e-4,
                                    rtol=1e-3)
    y = torch.from_numpy(_programme(16000, 3.5)).float().requires_grad_(True)
    (loudness(y, 16000) + loudness_momentary(y, 16000).mean() + loudness_short_term(y, 16000).mean()).backward()
    assert torch.isfinite(y.grad).all() and y.grad.abs().max() > 0


def test_compiled_equals_eager(torch):
    x = torch.from_numpy(_programme(8000, 1.0)).float()[None].repeat(2, 1)
    torch._dynamo.reset()
    compiled = torch.compile(lambda t: loudness_momentary(t, 8000), fullgraph=True, backend="eager")
    assert torch.allclose(compiled(x), loudness_momentary(x, 8000), atol=1e-5)


def test_cuda_equals_cpu(torch):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    y = torch.from_numpy(_programme(48000, 5.0)).float()
    for fn in FUNCTIONS:
        got = fn(y.cuda(), 48000)
        assert got.device.type == "cuda"
        assert (got.cpu() - fn(y, 48000)).abs().max() <= 1e-3


@settings(max_examples=25, deadline=None)
@given(gain_db=st.floats(-40, 20), seed=st.integers(0, 2**16))
def test_gain_adds_to_the_loudness(gain_db, seed):
    y = _programme(16000, 1.5, seed=seed)
    g = 10 ** (gain_db / 20)
    assert float(loudness(g * y, 16000)) - float(loudness(y, 16000)) == pytest.approx(gain_db, abs=1e-6)


# --------------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: loudness(np.zeros(0), 48000),  # empty
    lambda: loudness(np.full(48000, np.nan), 48000),
    lambda: loudness(np.r_[np.ones(48000), np.inf], 48000),
    lambda: loudness(np.zeros(48000, np.int16), 48000),  # integer PCM
    lambda: loudness(np.zeros(48000), 0),
    lambda: loudness(np.zeros(48000), -16000),
    lambda: loudness(np.zeros(48000), float("nan")),
    lambda: loudness(np.zeros(48000), 3000),  # the shelf lies above Nyquist
    lambda: loudness(np.zeros(19199), 48000),  # shorter than one 400 ms block
    lambda: loudness_momentary(np.zeros(6000), 16000),
    lambda: loudness_short_term(np.zeros(47999), 16000),
    lambda: loudness_momentary(np.zeros(16000), 16000, hop=0),
    lambda: loudness(np.zeros(48000), 48000, block_size=0),
    lambda: loudness(np.zeros(48000), 48000, overlap=1.0),
    lambda: loudness(np.zeros(48000), 48000, overlap=-0.1),
    lambda: loudness(np.zeros(48000), 48000, relative_gate=3.0),
    lambda: loudness(np.zeros(48000), 48000, absolute_gate=float("nan")),
    lambda: loudness(np.zeros((2, 48000)), 48000, channel_axis=-1),  # the time axis
    lambda: loudness(np.zeros((2, 48000)), 48000, channel_axis=2),
    lambda: loudness(np.zeros((2, 48000)), 48000, weights=[1, 1]),  # weights without channels
    lambda: loudness(np.zeros((2, 48000)), 48000, channel_axis=0, weights=[1]),
    lambda: loudness(np.zeros((2, 48000)), 48000, channel_axis=0, weights=[1, -1]),
    lambda: loudness(np.zeros((2, 48000)), 48000, channel_axis=0, weights=3),
    lambda: loudness(np.zeros((4, 48000)), 48000, channel_axis=0),  # no default weights for 4 channels
])
def test_bad_input_raises_parameter_error(call):
    with pytest.raises(ParameterError):
        call()


def test_too_short_message_says_what_is_missing():
    with pytest.raises(ParameterError, match="too short for one block of 0.4 s"):
        loudness(np.zeros(1000), 16000)
