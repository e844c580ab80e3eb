"""The constant-Q family (audiofeat/constantq.py) and its filters (audiofeat/filters.py).

* parity with librosa 0.11 (<= 1e-4 of the peak, in magnitude and complex) on the bundled clips and on random
  signals over the parameters that change the algorithm (early downsampling by 1..16, bins per octave, odd
  hops, scale, filter_scale, gamma, windows, pad modes, float64);
* ground truth: tones peak in their CQT bin; icqt(cqt(y)) reconstructs (SNR stated, compared with librosa's);
* the Chroma Toolbox's CENS files (../shared/reference) at the README's recipe;
* numpy = torch (<= 1e-5) for every early-downsampling factor, batch = loop, typed errors.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import audiofeat as af
from conftest import REFERENCE, SAMPLE_FILES, random_signal, rel_err

pytestmark = pytest.mark.filterwarnings("ignore:n_fft=.*is too large:UserWarning")


def _mag_err(a, b):
    return rel_err(np.abs(np.asarray(a)), np.abs(np.asarray(b)))


# --------------------------------------------------------------------------------------------------
# parity with librosa
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_cqt_parity_on_bundled_clips(name, sample_audio, librosa):
    y, sr = sample_audio[name]
    fmax_ok = 84 if sr >= 22050 else 72  # B7 needs a rate above ~8.3 kHz Nyquist
    for fn, kw in [("cqt", {}), ("vqt", dict(gamma=None)), ("hybrid_cqt", {}), ("pseudo_cqt", dict(fmin=220.0, n_bins=48))]:
        kw = dict(sr=sr, **kw)
        if fn != "pseudo_cqt":
            kw["n_bins"] = fmax_ok
        want = getattr(librosa, fn)(y=y, **kw)
        got = getattr(af, fn)(y, **kw)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert _mag_err(got, want) <= 1e-4, fn
        assert rel_err(got, want) <= 1e-4, fn


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_chroma_parity_on_bundled_clips(name, sample_audio, librosa):
    """Chroma normalises each frame, so float32 rounding in near-silent frames (the clips' lead-ins) is
    magnified by 1 / (frame level): float64 is held to 1e-4, float32 to 1e-3."""
    y, sr = sample_audio[name]
    n_octaves = 7 if sr >= 22050 else 6
    for x, tol in ((y.astype(np.float64), 1e-4), (y, 1e-3)):
        for fn in ("chroma_cqt", "chroma_cens"):
            want = getattr(librosa.feature, fn)(y=x, sr=sr, tuning=0.0, n_octaves=n_octaves)
            got = getattr(af.feature, fn)(y=x, sr=sr, tuning=0.0, n_octaves=n_octaves)
            assert rel_err(got, want) <= tol, fn


CQT_PARAMS = [
    dict(),                                               # defaults: no early downsampling at 22.05 kHz
    dict(sr=44100),                                       # early decimation by 2
    dict(n_bins=60),                                      # by 4 (soxr's multi-stage path)
    dict(n_bins=36, fmin=50.0, sr=44100, hop_length=1024),  # by 16
    dict(n_bins=48, fmin=200.0, hop_length=256),
    dict(bins_per_octave=36, n_bins=252, hop_length=256),
    dict(n_bins=50, hop_length=384),                      # the hop turns odd after 7 halvings
    dict(n_bins=30, hop_length=100),                      # odd after 2 halvings: later octaves at one rate
    dict(scale=False, n_bins=60),
    dict(filter_scale=2, n_bins=72),
    dict(window="hamming", norm=2, sparsity=0.0),
    dict(pad_mode="reflect", tuning=0.3),
    dict(n_bins=1, fmin=440.0),
]


@pytest.mark.parametrize("kw", CQT_PARAMS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "defaults")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cqt_parity_random(kw, dtype, librosa):
    y = 0.1 * random_signal(3 * 22050 + 17, seed=len(kw), dtype=dtype)
    want = librosa.cqt(y=y, **kw)
    got = af.cqt(y, **kw)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert rel_err(got, want) <= 1e-4


@pytest.mark.parametrize("kw", [dict(gamma=None), dict(gamma=20.0, n_bins=60), dict(intervals=[1.0, 1.25, 1.5], n_bins=21)],
                         ids=["erb", "gamma20", "intervals"])
def test_vqt_parity(kw, librosa):
    y = 0.1 * random_signal(2 * 22050, seed=3)
    want = librosa.vqt(y=y, **kw)
    assert rel_err(af.vqt(y, **kw), want) <= 1e-4


def test_hybrid_and_pseudo_parity(librosa):
    y = 0.1 * random_signal(2 * 22050, seed=4, dtype=np.float64)
    for kw in (dict(), dict(hop_length=128, n_bins=72), dict(scale=False)):
        assert rel_err(af.hybrid_cqt(y, **kw), librosa.hybrid_cqt(y=y, **kw)) <= 1e-4
        assert rel_err(af.pseudo_cqt(y, **kw), librosa.pseudo_cqt(y=y, **kw)) <= 1e-4


def test_icqt_parity(librosa):
    y = 0.1 * random_signal(2 * 22050, seed=5)
    C = librosa.cqt(y=y)
    for kw in (dict(), dict(scale=False), dict(length=30000)):
        Ck = librosa.cqt(y=y, **{k: v for k, v in kw.items() if k == "scale"})
        assert rel_err(af.icqt(Ck, **kw), librosa.icqt(Ck, **kw)) <= 1e-4
    assert af.icqt(C).dtype == np.float32


def test_chroma_parity_options(librosa):
    y = 0.1 * random_signal(2 * 22050, seed=6, dtype=np.float64)
    C = np.abs(librosa.cqt(y=y, bins_per_octave=36, n_bins=252))
    for kw in (dict(), dict(norm=2, threshold=0.01), dict(window=np.hanning(3)), dict(fmin=40.0), dict(norm=None)):
        assert rel_err(af.feature.chroma_cqt(C=C, **kw), librosa.feature.chroma_cqt(C=C, **kw)) <= 1e-10
    assert rel_err(af.feature.chroma_cqt(y=y, tuning=0.0, cqt_mode="hybrid"),
                   librosa.feature.chroma_cqt(y=y, tuning=0.0, cqt_mode="hybrid")) <= 1e-4
    for kw in (dict(), dict(win_len_smooth=None), dict(win_len_smooth=10, smoothing_window="hamming"), dict(norm=1)):
        assert rel_err(af.feature.chroma_cens(C=C, **kw), librosa.feature.chroma_cens(C=C, **kw)) <= 1e-10


def test_filters_parity(librosa):
    freqs = librosa.cqt_frequencies(36, fmin=55.0, bins_per_octave=12)
    assert np.array_equal(af.cqt_frequencies(36, fmin=55.0), freqs)
    assert np.allclose(af.cqt_frequencies(7, fmin=30.0, bins_per_octave=5, tuning=0.2),
                       librosa.cqt_frequencies(7, fmin=30.0, bins_per_octave=5, tuning=0.2), rtol=1e-14)
    for kw in (dict(), dict(window="hamming", filter_scale=2), dict(gamma=None), dict(gamma=5.0, pad_fft=False, norm=2)):
        b1, l1 = af.filters.wavelet(freqs=freqs, sr=22050, **kw)
        b2, l2 = librosa.filters.wavelet(freqs=freqs, sr=22050, **kw)
        assert b1.shape == b2.shape and b1.dtype == b2.dtype
        assert np.allclose(l1, l2, rtol=1e-12) and rel_err(b1, b2) <= 1e-6
        kw.pop("pad_fft", None)
        kw.pop("norm", None)
        got, want = af.filters.wavelet_lengths(freqs=freqs, **kw), librosa.filters.wavelet_lengths(freqs=freqs, **kw)
        assert np.allclose(got[0], want[0], rtol=1e-12) and np.isclose(got[1], want[1], rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for kw in (dict(fmin=55.0), dict(fmin=30.0, n_bins=60, bins_per_octave=24, window="hamming")):
            b1, l1 = af.filters.constant_q(sr=22050, **kw)
            b2, l2 = librosa.filters.constant_q(sr=22050, **kw)
            assert np.allclose(l1, l2, rtol=1e-12) and rel_err(b1, b2) <= 1e-6
            assert np.allclose(af.filters.constant_q_lengths(sr=22050, **kw),
                               librosa.filters.constant_q_lengths(sr=22050, **kw), rtol=1e-12)
    for kw in (dict(n_input=84), dict(n_input=252, bins_per_octave=36), dict(n_input=100, fmin=50.0, base_c=False),
               dict(n_input=48, bins_per_octave=24, n_chroma=24, window=np.ones(3)), dict(n_input=30, fmin=440.0)):
        n = kw.pop("n_input")
        assert np.array_equal(af.filters.cq_to_chroma(n, **kw), librosa.filters.cq_to_chroma(n, **kw))
    for w in ("hann", "hamming", "blackman", ("kaiser", 4.0), "cosine"):
        assert np.isclose(af.filters.window_bandwidth(w), librosa.filters.window_bandwidth(w), rtol=1e-12)


def test_pitch_conversions_parity(librosa):
    f = np.array([27.5, 55.0, 261.63, 440.0, 1000.0, 4186.0])
    assert np.allclose(af.hz_to_midi(f), librosa.hz_to_midi(f), rtol=1e-14)
    assert np.allclose(af.midi_to_hz(np.arange(21, 109)), librosa.midi_to_hz(np.arange(21, 109)), rtol=1e-14)
    assert np.allclose(af.hz_to_octs(f, tuning=0.2), librosa.hz_to_octs(f, tuning=0.2), rtol=1e-14)
    assert np.allclose(af.octs_to_hz([1, 4.5], bins_per_octave=24), librosa.octs_to_hz([1, 4.5], bins_per_octave=24))
    notes = ["C4", "A#3", "Bb2", "E♭5", "F𝄪1", "G♭-1", "c", "D#4+25", "B3-10", "Cb4", "E#4"]
    for n in notes:
        assert af.note_to_midi(n) == librosa.note_to_midi(n)
        assert af.note_to_midi(n, round_midi=False) == pytest.approx(librosa.note_to_midi(n, round_midi=False))
        assert af.note_to_hz(n) == pytest.approx(librosa.note_to_hz(n))
    assert np.array_equal(af.note_to_midi(notes), librosa.note_to_midi(notes))
    midi = np.array([21, 58.3, 60, 61.49, 69, 70, 108])
    for key in ("C:maj", "F:maj", "D:min", "F#:maj", "Gb:maj", "Bb:min", "B:maj", "C#:min", "Ab:maj", "E:min"):
        for kw in (dict(), dict(unicode=False), dict(cents=True), dict(octave=False)):
            assert list(af.midi_to_note(midi, key=key, **kw)) == list(librosa.midi_to_note(midi, key=key, **kw))
    assert af.midi_to_note(61.0) == librosa.midi_to_note(61.0)
    assert af.hz_to_note(440.0) == "A4" and list(af.hz_to_note([110.0, 233.08])) == list(librosa.hz_to_note([110.0, 233.08]))


# --------------------------------------------------------------------------------------------------
# ground truth
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("midi", [30, 45, 57, 69, 76, 93, 105])
def test_cqt_peaks_at_the_tone_bin(midi):
    sr = 22050
    f0 = float(af.midi_to_hz(midi))
    y = np.sin(2 * np.pi * f0 * np.arange(2 * sr) / sr).astype(np.float32)
    C = np.abs(af.cqt(y, sr=sr))
    expected = midi - 24  # C1 = MIDI 24 is bin 0
    mid = C.shape[-1] // 2
    assert int(C[:, mid].argmax()) == expected
    # 3 bins per semitone: the peak is the centre bin of its semitone
    C3 = np.abs(af.cqt(y, sr=sr, bins_per_octave=36, n_bins=252))
    assert int(C3[:, mid].argmax()) == 3 * expected


def test_cqt_peaks_on_the_melody_clip(sample_audio, ground_truth):
    y, sr = sample_audio["melody.flac"]
    C = np.abs(af.cqt(y, sr=sr, hop_length=256))
    notes = ground_truth["melody.flac"]["notes"] if "notes" in ground_truth.get("melody.flac", {}) else None
    # A-major scale from A3: 8 notes of 0.4 s from 0.25 s
    scale = [57, 59, 61, 62, 64, 66, 68, 69]
    for k, midi in enumerate(scale):
        t = 0.25 + 0.4 * k + 0.2
        frame = int(round(t * sr / 256))
        assert int(C[:, frame].argmax()) == midi - 24, (k, notes)


def _snr_db(ref, est, margin):
    r, e = ref[margin:-margin], est[margin:-margin]
    return 10 * np.log10(np.sum(r**2) / np.sum((r - e) ** 2))


@pytest.mark.parametrize("kw,floor_db", [(dict(hop_length=128), 20.0), (dict(bins_per_octave=36, n_bins=252), 12.0)])
def test_icqt_reconstructs(kw, floor_db, librosa):
    """Twelve tones inside the CQT's range come back with the SNR librosa's own inverse gets (21.7 dB at
    hop 128; 13.3 dB with 36 bins per octave at hop 512; the inverse is approximate, and poor when the
    top octave's filters are much shorter than the hop, e.g. 0.4 dB at the defaults, as in librosa)."""
    sr = 22050
    rng = np.random.default_rng(7)
    t = np.arange(3 * sr) / sr
    midi = rng.uniform(36, 96, 12)
    y = sum(np.sin(2 * np.pi * af.midi_to_hz(m) * t + rng.uniform(0, 6)) for m in midi) / 12
    inv_kw = {k: v for k, v in kw.items() if k != "n_bins"}
    y_hat = af.icqt(af.cqt(y, sr=sr, **kw), sr=sr, length=len(y), **inv_kw)
    ours = _snr_db(y, y_hat, sr // 2)
    theirs = _snr_db(y, librosa.icqt(librosa.cqt(y=y, sr=sr, **kw), sr=sr, length=len(y), **inv_kw), sr // 2)
    assert abs(ours - theirs) < 0.01
    assert ours > floor_db, f"icqt(cqt(y)) SNR {ours:.1f} dB (librosa {theirs:.1f} dB)"


# --------------------------------------------------------------------------------------------------
# Chroma Toolbox CENS (../shared/reference), README recipe
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("win,ds", [(9, 2), (21, 5), (41, 1)])
def test_cens_reference(win, ds, reference_dir):
    import scipy.io

    f_cqt = scipy.io.loadmat(reference_dir / "features-CT-cqt.mat")["f_cqt"]
    expected = scipy.io.loadmat(reference_dir / f"features-CT-CENS_{win}-{ds}.mat")["f_CENS"]
    cens = af.feature.chroma_cens(C=f_cqt, win_len_smooth=win, fmin=af.midi_to_hz(1), bins_per_octave=12,
                                  n_octaves=10)[:, ::ds]
    assert cens.shape == expected.shape
    assert np.allclose(cens, expected, rtol=0, atol=1e-10)


# --------------------------------------------------------------------------------------------------
# torch: numpy = torch, batch = loop, gradients
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", CQT_PARAMS[:9], ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "defaults")
def test_cqt_numpy_equals_torch(kw, torch):
    y = 0.1 * random_signal(2 * 22050 + 5, seed=8)
    want = af.cqt(y, **kw)
    got = af.cqt(torch.from_numpy(y), **kw)
    assert got.dtype == torch.complex64
    assert rel_err(got, want) <= 1e-5
    # the torch decimator (what a GPU or a graph with gradients runs)
    assert rel_err(af.cqt(torch.from_numpy(y).requires_grad_(True), **kw).detach(), want) <= 1e-5
    # float64: soxr computes in float32 inside, so numpy's decimation carries ~1e-7 rounding torch's has not
    y64 = y.astype(np.float64)
    assert rel_err(af.cqt(torch.from_numpy(y64), **kw), af.cqt(y64, **kw)) <= 1e-5


@pytest.mark.parametrize("factor", [2, 4, 8, 16])
def test_torch_decimation_is_soxrs(factor, torch):
    """The torch decimator is soxr's linear map: same samples (and length) for any signal length."""
    from audiofeat.constantq import _downsample

    for n in (1, factor - 1, factor + 1, 1000, 4097):
        x = random_signal(n, seed=n)
        want = af.resample(x.astype(np.float64), orig_sr=factor, target_sr=1, scale=True)
        # a CPU tensor no derivative is taken of goes through soxr itself; with requires_grad (or on a GPU) the
        # convolution runs: both are soxr's map
        for grad in (False, True):
            xt = torch.from_numpy(x.astype(np.float64)).requires_grad_(grad)
            got = _downsample(xt, factor, "soxr_hq").detach().numpy()
            assert got.shape == want.shape
            assert np.abs(got - want).max() <= 1e-6 * max(1.0, np.abs(x).max())


def test_other_functions_numpy_equals_torch(torch):
    y = 0.1 * random_signal(2 * 22050, seed=9)
    yt = torch.from_numpy(y)
    for fn, kw in [(af.vqt, dict(gamma=None)), (af.hybrid_cqt, {}), (af.pseudo_cqt, {})]:
        assert rel_err(fn(yt, **kw), fn(y, **kw)) <= 1e-5, fn.__name__
    for fn in (af.feature.chroma_cqt, af.feature.chroma_cens):
        assert rel_err(fn(y=yt, tuning=0.0), fn(y=y, tuning=0.0)) <= 1e-5, fn.__name__
    # icqt: torch interpolates with soxr's measured filter; for factors >= 8 soxr treats the first input
    # samples differently, so the first ~2000 output samples differ slightly; beyond them they agree
    # (requires_grad: the torch interpolator itself; a CPU tensor without derivatives runs soxr, equal to numpy)
    C = af.cqt(y)
    a = af.icqt(C, length=len(y))
    b = af.icqt(torch.from_numpy(C).requires_grad_(True), length=len(y)).detach()
    assert rel_err(b[2048:], a[2048:]) <= 1e-5
    assert rel_err(b, a) <= 2e-3
    assert rel_err(af.icqt(torch.from_numpy(C), length=len(y)), a) <= 1e-6
    C = af.cqt(y, fmin=220.0, n_bins=36)  # interpolation by at most 4: equal throughout
    got = af.icqt(torch.from_numpy(C).requires_grad_(True), fmin=220.0).detach()
    assert rel_err(got, af.icqt(C, fmin=220.0)) <= 1e-5


def test_batch_equals_loop_on_long_clips(torch):
    y = 0.1 * np.random.default_rng(10).standard_normal((2, 3, 22050))
    for x in (y, torch.from_numpy(y)):
        C = af.cqt(x, n_bins=60)
        assert tuple(C.shape) == (2, 3, 60, 44)
        for i in range(2):
            for j in range(3):
                assert rel_err(C[i, j], af.cqt(x[i, j], n_bins=60)) <= 1e-9
        inv = af.icqt(C, length=22050)
        assert rel_err(inv[1, 2], af.icqt(C[1, 2], length=22050)) <= 1e-9


def test_cqt_is_differentiable(torch):
    y = torch.from_numpy(0.1 * random_signal(4000, seed=11, dtype=np.float64)).requires_grad_(True)
    C = af.cqt(y, sr=16000, hop_length=128, fmin=55.0, n_bins=60)  # includes an early decimation by 4
    C.abs().sum().backward()
    assert y.grad is not None and torch.isfinite(y.grad).all() and y.grad.abs().sum() > 0


# --------------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------------
def test_bad_inputs_raise_typed_errors(torch):
    y = random_signal(4000)
    with pytest.raises(af.ParameterError, match="Nyquist"):
        af.cqt(y, sr=8000)
    with pytest.raises(af.ParameterError):
        af.cqt(y, n_bins=0)
    with pytest.raises(af.ParameterError):
        af.cqt(y, hop_length=0)
    with pytest.raises(af.ParameterError):
        af.cqt(y, sparsity=1.0)
    with pytest.raises(af.ParameterError):
        af.cqt(y, fmin=-1.0)
    with pytest.raises(af.ParameterError):
        af.cqt(np.array([np.nan, 0.0] * 2000))
    with pytest.raises(af.ParameterError):
        af.cqt(np.zeros(4000, dtype=np.int16))
    with pytest.raises(af.ParameterError):
        af.cqt(np.zeros(0, dtype=np.float32))
    with pytest.raises(af.ParameterError, match="res_type"):
        af.cqt(torch.from_numpy(y), res_type="kaiser_best")
    with pytest.raises(af.ParameterError, match="not implemented"):
        af.vqt(y, intervals="ji5")
    with pytest.raises(af.ParameterError, match="multiple"):
        af.feature.chroma_cqt(y=y, bins_per_octave=16, tuning=0.0)
    with pytest.raises(af.ParameterError):
        af.feature.chroma_cqt()
    with pytest.raises(af.ParameterError):
        af.feature.chroma_cens(y=y, win_len_smooth=0)
    with pytest.raises(af.ParameterError):
        af.icqt(np.zeros(10, dtype=np.complex64))
    with pytest.raises(af.ParameterError):
        af.filters.cq_to_chroma(84, bins_per_octave=16)
    with pytest.raises(af.ParameterError):
        af.note_to_midi("H4")
    with pytest.raises(af.ParameterError):
        af.midi_to_note(60, cents=True, octave=False)
    with pytest.raises(af.ParameterError):
        af.filters.wavelet(freqs=[440.0, 220.0])
    with pytest.raises(af.ParameterError):
        af.filters.constant_q_lengths(sr=22050, fmin=0.0)
    with pytest.raises(af.BackendError):
        af.cqt("not audio")


def test_tuning_none_needs_estimate_tuning():
    try:
        from audiofeat.pitch import estimate_tuning  # noqa: F401
    except ImportError:
        with pytest.raises(af.ParameterError, match="estimate_tuning"):
            af.cqt(random_signal(4000), tuning=None)
    else:  # once the pitch module exists, tuning=None works as in librosa
        assert af.cqt(random_signal(22050), tuning=None).shape == (84, 44)
