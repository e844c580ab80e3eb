"""The continuous wavelet transform against ground truth (tones and chirps: the ridge follows the true
frequency within one bin; a sinusoid's amplitude) and against PyWavelets (a test-only anchor) where the
definitions overlap. numpy = torch, batch = loop and gradients: test_registry.py (tests/cases_psychoacoustics.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af
from audiofeat.errors import ParameterError

SR = 16000
#: 1/12-octave bins from 55 Hz to ~6.6 kHz
FREQS = 55.0 * 2.0 ** (np.arange(84) / 12.0)


def _nearest_bin(f):
    return np.abs(np.log2(FREQS)[None, :] - np.log2(np.atleast_1d(f))[:, None]).argmin(axis=1)


@pytest.mark.parametrize("freq", [70.0, 261.6, 440.0, 1000.0, 3520.0, 6000.0])
def test_tone_ridge_is_at_the_nearest_bin(freq):
    y = np.sin(2 * np.pi * freq * np.arange(SR) / SR).astype(np.float32)
    W = np.abs(af.cwt(y, sr=SR, freqs=FREQS, hop_length=64))
    ridge = W[:, 40:-40].argmax(axis=0)  # away from the ends
    assert np.all(ridge == _nearest_bin(freq)[0])


@pytest.mark.parametrize("wavelet", ["morlet", "cmor1.5-1.0", "cmor4-2"])
def test_l1_norm_gives_a_sinusoids_amplitude(wavelet):
    amp = 0.37
    for k in (10, 40, 70):
        y = amp * np.cos(2 * np.pi * FREQS[k] * np.arange(SR) / SR)
        W = af.cwt(y, sr=SR, freqs=[FREQS[k]], wavelet=wavelet)
        assert np.allclose(np.abs(W[0, 4000:-4000]), amp, rtol=1e-3)


@pytest.mark.parametrize("wavelet", ["morlet", "cmor8-1"])
@pytest.mark.parametrize("kind", ["linear", "logarithmic"])
def test_chirp_ridge_follows_the_instantaneous_frequency(kind, wavelet):
    import scipy.signal

    t = np.arange(2 * SR) / SR
    f0, f1 = 100.0, 4000.0
    y = scipy.signal.chirp(t, f0=f0, t1=t[-1], f1=f1, method=kind)
    hop = 80
    W = np.abs(af.cwt(y, sr=SR, freqs=FREQS, wavelet=wavelet, hop_length=hop))
    times = np.arange(W.shape[-1]) * hop / SR
    if kind == "linear":
        inst = f0 + (f1 - f0) * times / t[-1]
    else:
        inst = f0 * (f1 / f0) ** (times / t[-1])
    keep = (times > 0.1) & (times < t[-1] - 0.1)
    ridge = W[:, keep].argmax(axis=0)
    assert np.all(np.abs(ridge - _nearest_bin(inst[keep])) <= 1)


def test_hop_decimation_is_exact():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((2, 5001))
    full = af.cwt(y, sr=SR, freqs=FREQS[::7])
    for hop in (2, 5, 64):
        W = af.cwt(y, sr=SR, freqs=FREQS[::7], hop_length=hop)
        assert W.shape == (2, 12, 1 + 5000 // hop)
        assert np.abs(W - full[..., ::hop]).max() <= 1e-10 * np.abs(full).max()


def test_linear_convolution_not_circular():
    # an impulse at the very end must not leak into the first samples (the padding prevents wrap-around)
    y = np.zeros(4000)
    y[-1] = 1.0
    W = np.abs(af.cwt(y, sr=SR, freqs=[60.0, 1000.0]))
    assert W[:, :1000].max() <= 1e-7 * W.max()


def test_morlet_definition_matches_pywavelets_wavelet():
    pywt = pytest.importorskip("pywt", reason="PyWavelets is the CWT anchor")
    # the complex Morlet 'cmorB-C' of PyWavelets: psi(t) = (pi B)^-1/2 exp(-t^2 / B) exp(2 pi j C t)
    psi, t = pywt.ContinuousWavelet("cmor1.5-1.0").wavefun(10)
    assert np.allclose(psi, np.exp(-t**2 / 1.5) * np.exp(2j * np.pi * t) / np.sqrt(np.pi * 1.5), atol=1e-12)
    # norm='l2' is the wavelet psi((n - m) / a) / sqrt(a) with a = C sr / f: check against the direct sum
    rng = np.random.default_rng(0)
    x = rng.standard_normal(3000)
    for f in (100.0, 700.0):
        a = 1.0 * SR / f
        n = np.arange(3000)
        m = 1500
        kernel = np.exp(-((n - m) / a) ** 2 / 1.5) * np.exp(2j * np.pi * (n - m) / a) / np.sqrt(np.pi * 1.5)
        direct = np.sum(x * np.conj(kernel)) / np.sqrt(a)
        W = af.cwt(x, sr=SR, freqs=[f], wavelet="cmor1.5-1.0", norm="l2")
        assert abs(W[0, m] - direct) <= 1e-6 * abs(direct) + 1e-9


@pytest.mark.parametrize("freq", [50.0, 100.0, 300.0, 500.0])
def test_magnitudes_match_pywavelets_cwt(freq):
    pywt = pytest.importorskip("pywt", reason="PyWavelets is the CWT anchor")
    sr = 8000
    x = np.random.default_rng(0).standard_normal(4000)
    scale = 1.0 * sr / freq  # scales of 16 samples and more
    coef, pfreq = pywt.cwt(x, [scale], "cmor1.5-1.0", sampling_period=1 / sr, method="fft", precision=16)
    assert pfreq[0] == pytest.approx(freq)
    W = af.cwt(x, sr=sr, freqs=[freq], wavelet="cmor1.5-1.0", norm="l2")[0]
    inner = slice(1000, 3000)
    ref = np.abs(coef[0, inner])
    diff = np.abs(ref - np.abs(W[inner])) / np.abs(W).max()
    # PyWavelets integrates the wavelet on a grid and differentiates: its output is shifted by up to half a
    # sample depending on the scale, so the complex values differ by that shift; magnitudes agree
    assert np.median(diff) < 0.01 and diff.max() < 0.03
    assert ref.mean() / np.abs(W[inner]).mean() == pytest.approx(1.0, abs=0.01)


def test_torch_batch_matches_numpy():
    torch = pytest.importorskip("torch", reason="torch backend")
    rng = np.random.default_rng(3)
    y = rng.standard_normal((2, 3, 3000)).astype(np.float32)
    want = af.cwt(y, sr=SR, freqs=FREQS[::6], hop_length=10)
    got = af.cwt(torch.from_numpy(y), sr=SR, freqs=FREQS[::6], hop_length=10)
    assert got.dtype == torch.complex64 and want.dtype == np.complex64
    assert np.abs(got.numpy() - want).max() <= 1e-5 * np.abs(want).max()


@pytest.mark.parametrize("kwargs", [
    dict(freqs=[0.0]),
    dict(freqs=[9000.0]),
    dict(freqs=[]),
    dict(freqs=[np.nan]),
    dict(wavelet="mexh"),
    dict(wavelet="cmor0-1"),
    dict(norm="l3"),
    dict(hop_length=0),
    dict(sr=-1.0),
])
def test_bad_arguments_raise_parameter_error(kwargs):
    args = dict(sr=SR, freqs=[440.0])
    args.update(kwargs)
    with pytest.raises(ParameterError):
        af.cwt(np.zeros(1000), **args)


def test_default_frequencies_are_librosas_cqt_bins():
    y = np.zeros(2000, dtype=np.float32)
    assert af.cwt(y, sr=22050).shape == (84, 2000)
    assert af.cwt(y, sr=8000, hop_length=100).shape[0] == int(np.sum(32.70319566257483 * 2 ** (np.arange(84) / 12)
                                                                 < 4000))
