"""Effects: phase vocoder, time stretch, pitch shift, pre-/de-emphasis and speed.

Parity with librosa 0.11, ground truths (length and f0 of a synthetic harmonic tone), batch = loop,
numpy = torch, dtypes kept, typed errors, gradients. No timings here (see benchmarks/bench_effects.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import audiofeat as af
from audiofeat.effects import deemphasis, pitch_shift, preemphasis, time_stretch
from audiofeat.effects_impl import speed
from audiofeat.errors import ParameterError
from audiofeat.phase import _time_steps, phase_vocoder

from conftest import SAMPLES, SAMPLE_FILES, rel_err

librosa = pytest.importorskip("librosa", reason="librosa is the test oracle")

SR = 22050


def harmonic_tone(f0: float, sr: int = SR, seconds: float = 2.0, dtype=np.float32) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    y = sum(a * np.sin(2 * np.pi * k * f0 * t + k) for k, a in ((1, 0.5), (2, 0.25), (3, 0.15), (4, 0.1)))
    return y.astype(dtype)


def f0_of(y: np.ndarray, sr: int = SR) -> float:
    """Fundamental by the peak of a zero-padded, Hann-windowed FFT of the middle half (parabolic peak)."""
    y = np.asarray(y, dtype=np.float64)
    mid = y[len(y) // 4 : 3 * len(y) // 4]
    n = 1 << 19
    spec = np.abs(np.fft.rfft(mid * np.hanning(len(mid)), n=n))
    freqs = np.fft.rfftfreq(n, 1 / sr)
    band = (freqs > 50) & (freqs < 2000)
    k = np.flatnonzero(band)[np.argmax(spec[band])]
    a, b, c = np.log(spec[k - 1 : k + 2])
    return float(freqs[k] + 0.5 * (a - c) / (a - 2 * b + c) * (freqs[1] - freqs[0]))


def cents(f: float, ref: float) -> float:
    return 1200 * math.log2(f / ref)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="torch backend")


# --------------------------------------------------------------------------------------------------
# phase vocoder: parity with librosa on the bundled clips
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [0.5, 0.8, 1.25, 2.0, 3.3])
@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_phase_vocoder_parity_on_bundled_clips(name, rate, torch):
    y, _ = af.load(SAMPLES / name, sr=None, mono=False, dtype=np.float64)
    D = librosa.stft(y, n_fft=1024, hop_length=256)
    want = librosa.phase_vocoder(D, rate=rate, hop_length=256, n_fft=1024)
    assert rel_err(phase_vocoder(D, rate=rate, hop_length=256), want) <= 1e-4
    assert rel_err(phase_vocoder(torch.from_numpy(D), rate=rate), want) <= 1e-4


def test_phase_vocoder_complex64_is_closer_to_the_exact_result_than_librosa():
    """librosa accumulates the phase of complex64 input in float32; audiofeat in float64."""
    y, _ = af.load(SAMPLES / "speech.wav", sr=None)
    exact = librosa.phase_vocoder(librosa.stft(y.astype(np.float64)), rate=0.5)
    D32 = librosa.stft(y)
    ours = phase_vocoder(D32, rate=0.5)
    assert ours.dtype == np.complex64
    assert rel_err(ours, exact) <= 1e-5
    assert rel_err(ours, exact) < rel_err(librosa.phase_vocoder(D32, rate=0.5), exact)


def test_output_frame_count_is_known_without_the_steps():
    """phase_vocoder computes the frame count as ceil(n / rate) (traceable); it must equal len(arange)."""
    rng = np.random.default_rng(0)
    for n, rate in zip(rng.integers(1, 3000, 300), rng.uniform(0.05, 7.0, 300)):
        assert math.ceil(int(n) / float(rate)) == len(_time_steps(int(n), float(rate))[0])
    for n, rate in [(10, 0.1), (3, 0.3), (100, 1 / 3), (7, 0.7), (1, 1.0), (12, 1.2)]:
        assert math.ceil(n / rate) == len(np.arange(0, n, rate, dtype=np.float64))


def test_phase_vocoder_real_input_and_single_frame():
    D = np.abs(librosa.stft(harmonic_tone(220.0, dtype=np.float64), n_fft=512))
    want = librosa.phase_vocoder(D.astype(np.complex128), rate=1.5)
    assert rel_err(phase_vocoder(D, rate=1.5), want) <= 1e-10
    one = np.ones((257, 1), dtype=np.complex64)
    assert phase_vocoder(one, rate=0.25).shape == (257, 4)


# --------------------------------------------------------------------------------------------------
# time stretch and pitch shift: ground truth and parity
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [0.5, 0.8, 1.25, 2.0])
def test_time_stretch_length_and_f0(rate):
    y = harmonic_tone(220.0)
    out = time_stretch(y, rate=rate)
    assert out.shape == (int(round(len(y) / rate)),)  # librosa's fix_length, within one hop of n / rate
    assert abs(cents(f0_of(out), f0_of(y))) <= 20


@pytest.mark.parametrize("n_steps", [-5, -1, 0.5, 3, 7, 12])
def test_pitch_shift_moves_f0_and_keeps_length(n_steps, torch):
    y = harmonic_tone(220.0)
    for x in (y, torch.from_numpy(y)):
        out = pitch_shift(x, sr=SR, n_steps=n_steps)
        assert tuple(out.shape) == y.shape
        got = cents(f0_of(np.asarray(out)), f0_of(y))
        assert abs(got - 100 * n_steps) <= 20, f"{n_steps} steps moved f0 by {got:.1f} cents"


def test_pitch_shift_bins_per_octave():
    y = harmonic_tone(220.0)
    out = pitch_shift(y, sr=SR, n_steps=6, bins_per_octave=24)  # a quarter-tone each: 3 semitones
    assert abs(cents(f0_of(out), f0_of(y)) - 300) <= 20


@pytest.mark.parametrize("name", ["speech.wav", "melody.flac", "chord.mp3"])
def test_time_stretch_and_pitch_shift_parity(name):
    y, sr = af.load(SAMPLES / name, sr=None, mono=False, dtype=np.float64)
    for rate in (0.7, 1.5):
        assert rel_err(time_stretch(y, rate=rate), librosa.effects.time_stretch(y, rate=rate)) <= 1e-8
    for steps in (-3, 4):
        want = librosa.effects.pitch_shift(y, sr=sr, n_steps=steps)
        assert rel_err(pitch_shift(y, sr=sr, n_steps=steps), want) <= 1e-6
    kw = dict(n_fft=512, hop_length=128, window="hamming")
    assert rel_err(time_stretch(y, rate=1.1, **kw), librosa.effects.time_stretch(y, rate=1.1, **kw)) <= 1e-8
    want = librosa.effects.pitch_shift(y, sr=sr, n_steps=2, res_type="fft", scale=True, **kw)
    assert rel_err(pitch_shift(y, sr=sr, n_steps=2, res_type="fft", scale=True, **kw), want) <= 1e-6


def test_float32_parity_with_librosa():
    """librosa's float32 phase accumulator drifts (up to ~1e-2 on these clips), so compare loosely."""
    y, sr = af.load(SAMPLES / "melody.flac", sr=None)
    assert rel_err(time_stretch(y, rate=1.25), librosa.effects.time_stretch(y, rate=1.25)) <= 2e-2


def test_numpy_equals_torch_time_stretch_and_pitch_shift(torch):
    y, sr = af.load(SAMPLES / "speech.wav", sr=None)
    ts = time_stretch(y, rate=1.3)
    assert rel_err(time_stretch(torch.from_numpy(y), rate=1.3), ts) <= 1e-4
    # torch resamples with a windowed sinc (at a nearby integer ratio), numpy with soxr HQ
    ps = pitch_shift(y, sr=sr, n_steps=-2)
    assert rel_err(pitch_shift(torch.from_numpy(y), sr=sr, n_steps=-2), ps) <= 2e-2


# --------------------------------------------------------------------------------------------------
# batch = loop, dtypes, gradients
# --------------------------------------------------------------------------------------------------
CALLS = {
    "phase_vocoder": lambda x: phase_vocoder(af.stft(x, n_fft=256, hop_length=64), rate=1.3),
    "time_stretch": lambda x: time_stretch(x, rate=0.8, n_fft=256, hop_length=64),
    "pitch_shift": lambda x: pitch_shift(x, sr=16000, n_steps=2, n_fft=256, hop_length=64),
    "preemphasis": lambda x: preemphasis(x),
    "deemphasis": lambda x: deemphasis(x, coef=0.9),
    "speed": lambda x: speed(x, rate=1.25),
}


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_batch_equals_loop(name, backend):
    x = 0.1 * np.random.default_rng(2).standard_normal((2, 3, 3000))
    if backend == "torch":
        torch = pytest.importorskip("torch")
        x = torch.from_numpy(x)
    out = CALLS[name](x)
    for i in range(2):
        for j in range(3):
            assert rel_err(out[i, j], CALLS[name](x[i, j])) <= 1e-12


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_dtype_is_kept(name, dtype, torch):
    x = (0.1 * np.random.default_rng(3).standard_normal(3000)).astype(dtype)
    out = CALLS[name](x)
    t_out = CALLS[name](torch.from_numpy(x))
    if name == "phase_vocoder":
        assert out.dtype == (np.complex64 if dtype == "float32" else np.complex128)
        assert t_out.dtype == (torch.complex64 if dtype == "float32" else torch.complex128)
    else:
        assert out.dtype == np.dtype(dtype) and t_out.dtype == getattr(torch, dtype)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_gradients(name, torch):
    x = torch.from_numpy(0.1 * np.random.default_rng(5).standard_normal(600)).requires_grad_(True)

    def f(t):
        out = CALLS[name](t)
        return out.abs() if out.is_complex() else out

    assert torch.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-4, rtol=1e-3)


def test_time_stretch_compiles(torch):
    x = torch.from_numpy(harmonic_tone(220.0, seconds=0.3)).reshape(1, -1)
    torch._dynamo.reset()
    fn = torch.compile(lambda t: time_stretch(t, rate=1.25, n_fft=512, hop_length=128), fullgraph=True,
                       backend="eager")
    assert rel_err(fn(x), time_stretch(x, rate=1.25, n_fft=512, hop_length=128)) <= 1e-6


# --------------------------------------------------------------------------------------------------
# pre-/de-emphasis
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("coef", [0.97, 0.5, 1.0, -0.3])
@pytest.mark.parametrize("n", [2, 5, 64, 65, 4097])
def test_emphasis_parity(n, coef, dtype, torch):
    x = np.random.default_rng(n).standard_normal((2, n)).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for zi in (None, np.full((2, 1), 0.3, dtype)):
        for name in ("preemphasis", "deemphasis"):
            want, want_zf = getattr(librosa.effects, name)(x, coef=coef, zi=zi, return_zf=True)
            got, zf = getattr(af.effects, name)(x, coef=coef, zi=zi, return_zf=True)
            np.testing.assert_array_equal(got, want)  # the same lfilter call
            if not (name == "deemphasis" and zi is None):
                np.testing.assert_array_equal(zf, want_zf)
            t_got, t_zf = getattr(af.effects, name)(torch.from_numpy(x), coef=coef,
                                                    zi=None if zi is None else torch.from_numpy(zi),
                                                    return_zf=True)
            assert rel_err(t_got, want) <= tol and rel_err(t_zf, zf) <= tol


def test_deemphasis_inverts_preemphasis_and_streams(torch):
    x = np.random.default_rng(0).standard_normal(1000)
    for xx in (x, torch.from_numpy(x)):
        assert rel_err(deemphasis(preemphasis(xx)), xx) <= 1e-12
        whole = deemphasis(xx, coef=0.9)
        a, zf = deemphasis(xx[:10], coef=0.9, return_zf=True)  # zf is the state of the returned signal
        b = deemphasis(xx[10:], coef=0.9, zi=zf)
        assert rel_err(np.concatenate([np.asarray(a), np.asarray(b)]), whole) <= 1e-12
        p1, pz = preemphasis(xx[:10], return_zf=True)
        p2 = preemphasis(xx[10:], zi=pz)
        assert rel_err(np.concatenate([np.asarray(p1), np.asarray(p2)])[1:], np.asarray(preemphasis(xx))[1:]) \
            <= 1e-12


def test_emphasis_scalar_state_for_a_batch():
    x = np.random.default_rng(1).standard_normal((3, 100))
    np.testing.assert_array_equal(preemphasis(x, zi=0.5), preemphasis(x, zi=np.full((3, 1), 0.5)))


def test_unstable_deemphasis_on_torch(torch):
    x = np.random.default_rng(2).standard_normal(300)
    want = librosa.effects.deemphasis(x, coef=1.02, zi=np.zeros(1))
    assert rel_err(deemphasis(torch.from_numpy(x), coef=1.02, zi=0.0), want) <= 1e-10


# --------------------------------------------------------------------------------------------------
# speed
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rate", [0.5, 0.8, 2 ** (1 / 12), 1.25, 2.0])
def test_speed_length_and_f0(rate, torch):
    y = harmonic_tone(220.0)
    for x in (y, torch.from_numpy(y)):
        out = speed(x, rate=rate, sr=SR)
        assert out.shape[-1] == math.ceil(len(y) / rate)
        assert abs(cents(f0_of(np.asarray(out)), f0_of(y)) - 1200 * math.log2(rate)) <= 20
    # torch's windowed sinc vs soxr HQ: close inside, up to a few percent in the first/last milliseconds
    got, want = speed(torch.from_numpy(y), rate=rate), speed(y, rate=rate)
    assert rel_err(got, want) <= 5e-2
    assert rel_err(got[200:-200], want[200:-200]) <= 2e-3


def test_speed_one_is_identity():
    y = harmonic_tone(220.0)
    np.testing.assert_array_equal(speed(y, rate=1.0), y)


# --------------------------------------------------------------------------------------------------
# bad input: typed errors
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda y: time_stretch(y, rate=0),
    lambda y: time_stretch(y, rate=-1.0),
    lambda y: time_stretch(y, rate=float("nan")),
    lambda y: time_stretch(y, rate=True),
    lambda y: time_stretch(y[:0], rate=1.2),
    lambda y: time_stretch(y.astype(np.int16), rate=1.2),
    lambda y: time_stretch(np.where(np.arange(len(y)) == 5, np.nan, y), rate=1.2),
    lambda y: pitch_shift(y, sr=0, n_steps=1),
    lambda y: pitch_shift(y, sr=SR, n_steps=float("inf")),
    lambda y: pitch_shift(y, sr=SR, n_steps=1, bins_per_octave=0),
    lambda y: pitch_shift(y, sr=SR, n_steps=1, bins_per_octave=12.5),
    lambda y: pitch_shift(y, sr=SR, n_steps=1, res_type="nope"),
    lambda y: phase_vocoder(af.stft(y), rate=0),
    lambda y: phase_vocoder(af.stft(y), rate=1.2, hop_length=0),
    lambda y: phase_vocoder(np.zeros((257, 0), np.complex64), rate=1.2),
    lambda y: phase_vocoder(np.zeros(5, np.complex64), rate=1.2),
    lambda y: preemphasis(y, coef=float("nan")),
    lambda y: preemphasis(y[:1]),
    lambda y: deemphasis(y[:0], zi=0.0),
    lambda y: deemphasis(y, zi=np.zeros(3)),
    lambda y: preemphasis(np.full(10, np.inf)),
    lambda y: speed(y, rate=0.0),
    lambda y: speed(y, rate=1.5, sr=-1),
])
def test_bad_input_raises_parameter_error(call):
    with pytest.raises(ParameterError):
        call(harmonic_tone(220.0, seconds=0.2))


@pytest.mark.parametrize("kw", [{}, dict(n_fft=512), dict(n_fft=1024, hop_length=300, pad_mode="reflect"),
                                dict(center=False), dict(n_fft=256, win_length=200, window="hamming")])
@pytest.mark.parametrize("rate", [1.25, 0.8, 3.0, 0.3])
def test_fused_stft_vocoder_equals_stft_then_phase_vocoder(kw, rate):
    """time_stretch on numpy fuses the STFT with the vocoder's first pass (phase._stft_vocode_numpy): the
    same result as phase_vocoder(stft(y)) (float64: to rounding), on a batch, across blocks and segments."""
    from audiofeat.phase import _stft_vocode_numpy

    y = np.random.default_rng(1).standard_normal((2, 200001))
    fused = _stft_vocode_numpy(y, rate, **kw)
    assert fused is not None  # long enough for the fused path
    assert rel_err(fused, phase_vocoder(af.stft(y, **kw), rate=rate)) <= 1e-9
    out = time_stretch(y, rate=rate, **kw)
    want = af.istft(phase_vocoder(af.stft(y, **kw), rate=rate), length=round(y.shape[-1] / rate),
                    **{k: v for k, v in kw.items() if k != "pad_mode"})
    assert out.shape == (2, round(200001 / rate))
    assert rel_err(out, want) <= 1e-9
