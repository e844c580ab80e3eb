"""Psychoacoustic scales, filterbanks and weighting against ground truth: Zwicker's critical-band table,
Glasberg & Moore's ERB, the gammatone filter's own bandwidth, the IEC 61672-1 weighting table with its class 1
tolerances, and tones in the right bands. (librosa parity, numpy = torch and batch = loop: test_registry.py
through tests/cases_psychoacoustics.py.)"""

from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af
from audiofeat.errors import ParameterError
from audiofeat.psychoacoustics import _weighting_sos, gammatone_response

# --------------------------------------------------------------------------------------------------
# scales
# --------------------------------------------------------------------------------------------------
#: Zwicker's (1961) upper edges of critical bands 1..24 (Hz): the Bark scale's defining table
ZWICKER_EDGES = np.array([100, 200, 300, 400, 510, 630, 770, 920, 1080, 1270, 1480, 1720, 2000, 2320, 2700,
                          3150, 3700, 4400, 5300, 6400, 7700, 9500, 12000, 15500], dtype=float)


@pytest.mark.parametrize("formula, tol", [("traunmuller", 0.05), ("zwicker", 0.2)])
def test_bark_scale_follows_zwickers_critical_band_table(formula, tol):
    z = af.hz_to_bark(ZWICKER_EDGES, formula=formula)
    assert np.abs(z - np.arange(1, 25)).max() <= tol


@pytest.mark.parametrize("formula", ["traunmuller", "zwicker"])
def test_bark_round_trip(formula):
    f = np.geomspace(10.0, 20000.0, 200)
    assert np.allclose(af.bark_to_hz(af.hz_to_bark(f, formula=formula), formula=formula), f, rtol=1e-9)
    torch = pytest.importorskip("torch", reason="torch backend")
    ft = torch.tensor(f)
    back = af.bark_to_hz(af.hz_to_bark(ft, formula=formula), formula=formula)
    assert torch.allclose(back, ft, rtol=1e-9)


def test_erb_scale_glasberg_moore():
    assert af.erb_bandwidth(1000.0) == pytest.approx(132.639)
    assert af.hz_to_erb(0.0) == 0.0
    f = np.geomspace(20.0, 20000.0, 100)
    assert np.allclose(af.erb_to_hz(af.hz_to_erb(f)), f, rtol=1e-12)
    # the ERB-number counts bandwidths: d f / d E equals ERB(f) (to the 0.3 % of the rounded constants)
    e = af.hz_to_erb(f)
    slope = (af.erb_to_hz(e + 1e-6) - af.erb_to_hz(e - 1e-6)) / 2e-6
    assert np.allclose(slope, af.erb_bandwidth(f), rtol=4e-3)


def test_frequencies_are_evenly_spaced_on_their_scale():
    fb = af.bark_frequencies(20, fmin=50.0, fmax=8000.0)
    fe = af.erb_frequencies(40, fmin=50.0, fmax=8000.0)
    assert fb[0] == 50.0 and fb[-1] == 8000.0 and fe[0] == 50.0 and fe[-1] == 8000.0
    assert np.allclose(np.diff(af.hz_to_bark(fb)), np.diff(af.hz_to_bark(fb))[0], rtol=1e-9)
    assert np.allclose(np.diff(af.hz_to_erb(fe)), np.diff(af.hz_to_erb(fe))[0], rtol=1e-9)


# --------------------------------------------------------------------------------------------------
# gammatone and Bark filterbanks
# --------------------------------------------------------------------------------------------------
def test_gammatone_centres_lie_on_the_erb_scale_and_bandwidths_equal_the_erb():
    sr, n_fft, n_bands = 16000, 16384, 24
    fb = af.filters.gammatone(sr=sr, n_fft=n_fft, n_bands=n_bands, fmin=100.0, dtype=np.float64)
    freqs = af.fft_frequencies(sr=sr, n_fft=n_fft)
    centres = af.erb_frequencies(n_bands, fmin=100.0, fmax=sr / 2)
    # each filter peaks at its centre (within one FFT bin) and the centres are evenly spaced in ERB-number
    assert np.all(np.abs(freqs[fb.argmax(axis=1)] - centres) <= sr / n_fft)
    assert np.allclose(np.diff(af.hz_to_erb(centres)), np.diff(af.hz_to_erb(centres))[0])
    # the equivalent rectangular bandwidth of each gammatone filter is ERB(fc) (Glasberg & Moore)
    grid = np.linspace(0.0, 40000.0, 400001)
    inner = centres[centres < 7000]  # whole response inside the grid
    power = gammatone_response(grid, inner)
    erb = power.sum(axis=1) * (grid[1] - grid[0]) / power.max(axis=1)
    assert np.allclose(erb, af.erb_bandwidth(inner), rtol=3e-3)


@pytest.mark.parametrize("freq", [150.0, 440.0, 1000.0, 3000.0, 6000.0])
def test_tone_lands_in_the_nearest_gammatone_band(freq):
    sr = 16000
    y = np.sin(2 * np.pi * freq * np.arange(sr) / sr).astype(np.float32)
    G = af.gammatonegram(y=y, sr=sr, n_fft=1024, hop_length=256, n_bands=48)
    centres = af.erb_frequencies(48, fmin=50.0, fmax=sr / 2)
    band = int(np.median(G[:, 4:-4].argmax(axis=0)))
    assert band == int(np.abs(af.hz_to_erb(centres) - af.hz_to_erb(freq)).argmin())


@pytest.mark.parametrize("freq", [300.0, 1000.0, 4000.0])
def test_tone_lands_in_the_bark_band_around_it(freq):
    sr, n_bands = 16000, 20
    y = np.sin(2 * np.pi * freq * np.arange(sr) / sr).astype(np.float32)
    S = af.barkspectrogram(y=y, sr=sr, n_fft=1024, hop_length=256, n_bands=n_bands)
    band = int(np.median(S[:, 4:-4].argmax(axis=0)))
    edges = af.bark_frequencies(n_bands + 2, fmin=0.0, fmax=sr / 2)
    assert edges[band] < freq < edges[band + 2]


def test_bark_filters_are_triangles_in_bark():
    fb = af.filters.bark(sr=22050, n_fft=4096, n_bands=22, dtype=np.float64)
    assert fb.shape == (22, 2049) and np.allclose(fb.max(axis=1), 1.0, atol=0.03)  # peaks between FFT bins
    edges = af.bark_frequencies(24, fmin=0.0, fmax=11025.0)
    freqs = af.fft_frequencies(sr=22050, n_fft=4096)
    for k in (0, 10, 21):  # zero outside its two neighbours' centres
        outside = (freqs <= edges[k]) | (freqs >= edges[k + 2])
        assert np.all(fb[k, outside] == 0)


def test_gtcc_is_the_dct_of_log_gammatone_energies():
    import scipy.fft

    rng = np.random.default_rng(0)
    y = rng.standard_normal(16000)
    kw = dict(sr=16000, n_fft=512, hop_length=160, n_bands=40)
    log_g = af.power_to_db(af.gammatonegram(y=y, **kw))
    want = scipy.fft.dct(log_g, axis=-2, norm="ortho")[:13]
    assert np.allclose(af.gtcc(y=y, n_gtcc=13, **kw), want, atol=1e-8)
    assert np.allclose(af.gtcc(S=log_g, n_gtcc=13), want, atol=1e-8)


def test_gammatonegram_from_a_spectrogram_equals_from_audio():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(8000)
    S = np.abs(af.stft(y, n_fft=512, hop_length=128)) ** 2
    a = af.gammatonegram(y=y, sr=16000, n_fft=512, hop_length=128, n_bands=32)
    b = af.gammatonegram(S=S, sr=16000, n_bands=32)
    assert np.allclose(a, b, rtol=1e-9, atol=1e-12 * a.max())


# --------------------------------------------------------------------------------------------------
# frequency weighting: the IEC 61672-1 table
# --------------------------------------------------------------------------------------------------
#: IEC 61672-1:2013 Table 3: nominal 1/3-octave frequencies, A and C weightings (dB) and the class 1
#: acceptance limits (dB, upper and lower)
IEC_TABLE = np.array([
    # f,     A,     C,    +tol,  -tol
    (10, -70.4, -14.3, 3.5, np.inf),
    (12.5, -63.4, -11.2, 3.0, np.inf),
    (16, -56.7, -8.5, 2.5, 4.5),
    (20, -50.5, -6.2, 2.5, 2.5),
    (25, -44.7, -4.4, 2.5, 2.0),
    (31.5, -39.4, -3.0, 2.0, 2.0),
    (40, -34.6, -2.0, 1.5, 1.5),
    (50, -30.2, -1.3, 1.5, 1.5),
    (63, -26.2, -0.8, 1.5, 1.5),
    (80, -22.5, -0.5, 1.5, 1.5),
    (100, -19.1, -0.3, 1.5, 1.5),
    (125, -16.1, -0.2, 1.5, 1.5),
    (160, -13.4, -0.1, 1.5, 1.5),
    (200, -10.9, 0.0, 1.5, 1.5),
    (250, -8.6, 0.0, 1.4, 1.4),
    (315, -6.6, 0.0, 1.4, 1.4),
    (400, -4.8, 0.0, 1.4, 1.4),
    (500, -3.2, 0.0, 1.4, 1.4),
    (630, -1.9, 0.0, 1.4, 1.4),
    (800, -0.8, 0.0, 1.4, 1.4),
    (1000, 0.0, 0.0, 1.1, 1.1),
    (1250, 0.6, 0.0, 1.4, 1.4),
    (1600, 1.0, -0.1, 1.6, 1.6),
    (2000, 1.2, -0.2, 1.6, 1.6),
    (2500, 1.3, -0.3, 1.6, 1.6),
    (3150, 1.2, -0.5, 1.6, 1.6),
    (4000, 1.0, -0.8, 1.6, 1.6),
    (5000, 0.5, -1.3, 2.1, 2.1),
    (6300, -0.1, -2.0, 2.1, 2.6),
    (8000, -1.1, -3.0, 2.1, 3.1),
    (10000, -2.5, -4.4, 2.6, 3.6),
    (12500, -4.3, -6.2, 3.0, 6.0),
    (16000, -6.6, -8.5, 3.5, 17.0),
    (20000, -9.3, -11.2, 4.0, np.inf),
])
NOMINAL, TABLE_A, TABLE_C, TOL_UP, TOL_DOWN = IEC_TABLE.T
#: the exact base-10 frequencies the nominal ones stand for (IEC 61672-1 / IEC 61260-1)
EXACT = 1000.0 * 10.0 ** ((np.arange(10, 44) - 30) / 10.0)


@pytest.mark.parametrize("kind, table", [("A", TABLE_A), ("C", TABLE_C)])
def test_weighting_curves_reproduce_the_iec_table(kind, table):
    # the curves (librosa's formulas) give the table to its 0.1 dB rounding
    got = af.frequency_weighting(EXACT, kind=kind, min_db=None)
    assert np.abs(got - table).max() <= 0.051


@pytest.mark.parametrize("sr", [44100, 48000, 96000])
@pytest.mark.parametrize("kind, table", [("A", TABLE_A), ("C", TABLE_C)])
def test_weighting_filter_meets_iec_61672_class_1(sr, kind, table):
    import scipy.signal

    _, h = scipy.signal.sosfreqz(_weighting_sos(kind, sr), worN=EXACT, fs=sr)
    level = 20 * np.log10(np.abs(h))
    below = EXACT < sr / 2
    dev = (level - table)[below]
    assert np.all(dev <= TOL_UP[below]) and np.all(dev >= -TOL_DOWN[below]), dev.round(2)
    # below 4 kHz the digital filter is within 0.1 dB of the analogue curve (the bilinear transform's
    # frequency warping grows towards Nyquist: -1.2 dB at 10 kHz at 48 kHz, inside the tolerance)
    exact = af.frequency_weighting(EXACT, kind=kind, min_db=None)
    assert np.abs(level - exact)[EXACT <= 4000].max() < 0.1


@pytest.mark.parametrize("freq", [31.5, 100.0, 1000.0, 4000.0, 12500.0])
def test_weighting_filter_gain_on_tones(freq):
    sr = 48000
    t = np.arange(2 * sr) / sr
    y = np.sin(2 * np.pi * freq * t)
    yw = af.weighting_filter(y, sr)
    gain = 20 * np.log10(yw[sr:].std() / y[sr:].std())  # steady state
    row = int(np.argmin(np.abs(NOMINAL - freq)))
    assert -TOL_DOWN[row] <= gain - TABLE_A[row] <= TOL_UP[row]
    if freq <= 4000:  # and the analogue curve itself, where the bilinear transform's warping is small
        assert abs(gain - af.A_weighting(freq)) < 0.1


@pytest.mark.parametrize("kind", ["A", "B", "C"])
def test_weighting_filter_equals_the_recursive_filter(kind):
    import scipy.signal

    rng = np.random.default_rng(0)
    y = rng.standard_normal((2, 30000))
    want = scipy.signal.sosfilt(_weighting_sos(kind, 44100), y, axis=-1)
    assert np.abs(af.weighting_filter(y, 44100, kind=kind) - want).max() <= 1e-12 * np.abs(want).max()
    # torch takes the FFT convolution with the impulse response: the same filter to 1e-9
    torch = pytest.importorskip("torch", reason="torch backend")
    got = af.weighting_filter(torch.from_numpy(y), 44100, kind=kind).numpy()
    assert np.abs(got - want).max() <= 1e-9 * np.abs(want).max()
    short = af.weighting_filter(torch.from_numpy(y[:, :100]), 44100, kind=kind).numpy()  # < impulse response
    assert np.abs(short - want[:, :100]).max() <= 1e-9 * np.abs(want).max()


def test_perceptual_weighting_adds_the_curve_in_db():
    S = np.full((3, 4), 10.0)
    freqs = np.array([100.0, 1000.0, 8000.0])
    out = af.perceptual_weighting(S, freqs, kind="A")
    assert np.allclose(out, 10.0 + af.A_weighting(freqs)[:, None])


# --------------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: af.hz_to_bark(100.0, formula="schroeder"),
    lambda: af.bark_frequencies(0),
    lambda: af.erb_frequencies(10, fmin=500.0, fmax=100.0),
    lambda: af.filters.gammatone(sr=16000, n_fft=512, fmax=9000.0),
    lambda: af.filters.gammatone(sr=16000, n_fft=512, norm="slaney"),
    lambda: af.filters.bark(sr=16000, n_fft=0),
    lambda: af.gammatonegram(y=np.zeros(4000), sr=16000, n_mels=40),
    lambda: af.gammatonegram(sr=16000),
    lambda: af.gtcc(y=np.zeros(4000), sr=16000, lifter=-1),
    lambda: af.frequency_weighting([100.0], kind="X"),
    lambda: af.multi_frequency_weighting([100.0], kinds=""),
    lambda: af.perceptual_weighting(np.ones((3, 4)), np.array([100.0, 200.0])),
    lambda: af.weighting_filter(np.zeros(100), 1000),
    lambda: af.weighting_filter(np.zeros(100), 48000, kind="D"),
    lambda: af.weighting_filter(np.array([0.0, np.nan]), 48000),
    lambda: af.weighting_filter(np.zeros(100, dtype=np.int16), 48000),
])
def test_bad_inputs_raise_parameter_error(call):
    with pytest.raises(ParameterError):
        call()


def test_weighting_filter_keeps_dtype_and_device_on_torch():
    torch = pytest.importorskip("torch", reason="torch backend")
    y = torch.randn(2, 3, 5000)
    out = af.weighting_filter(y, 48000)
    assert out.dtype == torch.float32 and out.shape == y.shape
    ref = af.weighting_filter(y.double().numpy(), 48000)
    assert np.abs(out.numpy() - ref).max() <= 1e-5 * np.abs(ref).max()
