"""The named feature set: names line up, values meet ground truth, finite on hostile inputs, deterministic,
batch = loop, numpy = torch, typed errors, and available to the pipeline."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import audiofeat as af
from audiofeat.errors import ParameterError

SR = 16000
NAMES = af.feature_names()


def _features(y, sr=SR):
    return dict(zip(NAMES, af.extract_features(y, sr)))


def _tone(f0=220.0, seconds=1.0, amp=0.3):
    t = np.arange(int(seconds * SR)) / SR
    return amp * np.sin(2 * np.pi * f0 * t)


def test_names_line_up_with_values():
    v = af.extract_features(_tone(), SR)
    assert v.shape == (len(NAMES),) == (57,) and len(set(NAMES)) == len(NAMES)
    assert af.feature_names("default") == NAMES


def test_tone_ground_truth():
    d = _features(_tone(220.0))
    assert d["F0semitone_p50"] == pytest.approx(12 * np.log2(220 / 27.5), abs=0.2)
    assert d["F0semitone_range20_80"] < 0.2 and d["F0semitone_cv"] < 0.01
    assert d["voiced_segments_per_sec"] == pytest.approx(1.0, abs=0.01)
    assert d["equivalent_sound_level_dB"] == pytest.approx(10 * np.log10(0.3 ** 2 / 2), abs=0.1)
    assert d["HNR_mean"] > 30
    octave = _features(_tone(440.0))
    assert octave["F0semitone_p50"] - d["F0semitone_p50"] == pytest.approx(12.0, abs=0.2)


def test_noise_is_unvoiced_and_not_harmonic():
    d = _features(0.1 * np.random.default_rng(0).standard_normal(SR))
    assert d["HNR_mean"] < 10 and d["voiced_segments_per_sec"] <= 2
    assert abs(d["alpha_ratio_mean"]) < 15


def test_vowel_formants():
    """An impulse train at 120 Hz through resonators at 700, 1220 and 2600 Hz (an /a/-like vowel)."""
    n = SR
    src = np.zeros(n)
    src[:: SR // 120] = 1.0
    y = src
    for f, bw in ((700, 80), (1220, 90), (2600, 120)):
        r = np.exp(-np.pi * bw / SR)
        y = scipy.signal.lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * f / SR), r * r], y)
    y = 0.3 * y / np.abs(y).max()
    d = _features(y)
    assert d["F0semitone_p50"] == pytest.approx(12 * np.log2(120 / 27.5), abs=0.3)
    assert d["F1_frequency_mean"] == pytest.approx(700, rel=0.15)
    assert d["F2_frequency_mean"] == pytest.approx(1220, rel=0.15)
    assert d["F3_frequency_mean"] == pytest.approx(2600, rel=0.15)


@pytest.mark.parametrize("y", [np.zeros(SR), np.zeros(10), np.ones(3000), np.array([0.5]),
                               np.clip(3 * np.sin(np.arange(SR) * 0.1), -1, 1),
                               np.random.default_rng(1).standard_normal(SR)],
                         ids=["silence", "10-samples", "dc", "1-sample", "clipped", "loud-noise"])
def test_finite_and_deterministic_on_hostile_inputs(y):
    a = af.extract_features(y, SR)
    assert np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, af.extract_features(y.copy(), SR))


def test_real_speech_and_other_rates():
    y, sr = af.load("data/samples/speech.wav", sr=None)
    d = _features(y, sr)
    assert 15 < d["F0semitone_mean"] < 40 and 0.5 < d["voiced_segments_per_sec"] < 6
    y22, _ = af.load("data/samples/speech.wav", sr=22050)
    d22 = _features(y22, 22050)
    assert d22["F0semitone_p50"] == pytest.approx(d["F0semitone_p50"], abs=0.3)


def test_batch_equals_loop_and_torch_equals_numpy():
    rng = np.random.default_rng(2)
    batch = np.stack([_tone(150.0), 0.05 * rng.standard_normal(SR), _tone(300.0, amp=0.1)]).reshape(3, 1, SR)
    out = af.extract_features(batch, SR)
    assert out.shape == (3, 1, 57)
    for i in range(3):
        np.testing.assert_allclose(out[i, 0], af.extract_features(batch[i, 0], SR), rtol=1e-9)
    torch = pytest.importorskip("torch", reason="torch input is converted at the boundary")
    t = af.extract_features(torch.from_numpy(batch[:, 0]), SR)
    assert torch.is_tensor(t) and t.dtype == torch.float64
    np.testing.assert_allclose(t.numpy(), out[:, 0], rtol=1e-9)


@pytest.mark.parametrize("call, match", [
    (lambda: af.extract_features(_tone(), SR, feature_set="ComParE"), "unknown feature_set"),
    (lambda: af.extract_features(_tone(), 0), "sr"),
    (lambda: af.extract_features(np.zeros(0), SR), "empty"),
    (lambda: af.extract_features(np.array([0.0, np.nan]), SR), "finite|NaN"),
    (lambda: af.feature_names("nope"), "unknown feature_set"),
])
def test_bad_input(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_the_pipeline_and_command_line_have_it(tmp_path):
    pytest.importorskip("pyarrow")
    from audiofeat.pipeline import ExtractorSpec, process_file

    r = process_file("data/samples/speech.wav", ExtractorSpec(features=["egemaps"], sr=16000))
    assert r.ok, r.error
    row = r.rows[0]
    y, _ = af.load("data/samples/speech.wav", sr=16000)
    assert row["egemaps_F0semitone_mean"] == pytest.approx(_features(y)["F0semitone_mean"])
    assert sum(k.startswith("egemaps_") for k in row) == len(NAMES) == 57


# ------------------------------------------------------------------------------------ jitter and shimmer
def _pulse_train(f0, jitter, shimmer_db, seconds=2.0, seed=0, sigma=0.4e-3, vowel=False):
    """Gaussian glottal-like pulses (width ``sigma``) at times with period perturbation ``T_i = T0 (1 + jitter
    e_i)`` and amplitudes ``10 ** (shimmer_db g_i / 20)`` (``e``, ``g`` standard normal), placed at exact
    (fractional) times; optionally through /a/-like resonators. Returns the signal and the sequence's own
    jitter (mean |T_i - T_(i-1)| / mean T) and shimmer (mean |20 log10(A_i / A_(i-1))|)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * f0) + 2
    tau = np.cumsum((1 + jitter * rng.standard_normal(n)) / f0)
    amp = 10 ** (shimmer_db * rng.standard_normal(n) / 20)
    t = np.arange(int(seconds * SR)) / SR
    y = np.zeros_like(t)
    for ti, ai in zip(tau, amp):
        i0, i1 = max(0, int((ti - 6 * sigma) * SR)), min(t.size, int((ti + 6 * sigma) * SR) + 1)
        y[i0:i1] += ai * np.exp(-0.5 * ((t[i0:i1] - ti) / sigma) ** 2)
    inside = tau < seconds - 0.005
    T, A = np.diff(tau[inside]), amp[inside]
    true_jitter = np.mean(np.abs(np.diff(T))) / np.mean(T)
    true_shimmer = np.mean(np.abs(20 * np.log10(A[1:] / A[:-1])))
    if vowel:
        for f, bw in ((700, 80), (1220, 90), (2600, 120)):
            r = np.exp(-np.pi * bw / SR)
            y = scipy.signal.lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * f / SR), r * r], y)
    return 0.3 * y / np.abs(y).max(), true_jitter, true_shimmer


@pytest.mark.parametrize("f0", [100.0, 220.0])
@pytest.mark.parametrize("jitter, shimmer_db", [(0.01, 0.5), (0.03, 1.5)])
def test_jitter_shimmer_pulse_train_ground_truth(f0, jitter, shimmer_db):
    """1 % and 3 % period perturbation, 0.5 and 1.5 dB amplitude perturbation: measured within 5 %."""
    y, true_j, true_s = _pulse_train(f0, jitter, shimmer_db)
    d = _features(y)
    assert d["voiced_segments_per_sec"] == pytest.approx(0.5)  # one voiced stretch in 2 s
    assert d["jitterLocal_mean"] == pytest.approx(true_j, rel=0.05)
    assert d["shimmerLocaldB_mean"] == pytest.approx(true_s, rel=0.05)
    assert d["jitterLocal_cv"] > 0 and d["shimmerLocaldB_cv"] > 0


@pytest.mark.parametrize("f0", [100.0, 220.0])
def test_jitter_shimmer_vowel(f0):
    """Through formant resonators the previous period's ringing pulls each peak towards regular spacing, so
    peak marks under-read jitter on a vowel (by up to ~40 % at 220 Hz, stated in docs/featureset.md): measured
    within 0.5-1.1x the truth, and ordered."""
    clean = _features(_pulse_train(f0, 0.0, 0.0, vowel=True)[0])
    # unperturbed: a tenth of the smallest perturbation at most
    assert clean["jitterLocal_mean"] < 1e-3 and clean["shimmerLocaldB_mean"] < 0.05
    prev = clean
    for jitter, shimmer_db in ((0.01, 0.5), (0.03, 1.5)):
        y, true_j, true_s = _pulse_train(f0, jitter, shimmer_db, vowel=True)
        d = _features(y)
        assert 0.5 * true_j < d["jitterLocal_mean"] < 1.1 * true_j
        assert 0.7 * true_s < d["shimmerLocaldB_mean"] < 1.1 * true_s
        assert d["jitterLocal_mean"] > prev["jitterLocal_mean"]
        assert d["shimmerLocaldB_mean"] > prev["shimmerLocaldB_mean"]
        prev = d


def test_jitter_shimmer_zero_on_periodic_and_undefined_cases():
    for y in (_tone(220.0), _tone(130.0, amp=0.05), _pulse_train(150.0, 0.0, 0.0)[0]):
        d = _features(y)
        assert d["jitterLocal_mean"] < 1e-4 and d["shimmerLocaldB_mean"] < 0.01
    # no voiced frame: 0, like the other voicing parameters
    for y in (np.zeros(SR), np.zeros(10)):
        d = _features(y)
        assert d["jitterLocal_mean"] == d["jitterLocal_cv"] == d["shimmerLocaldB_mean"] == 0.0
    d = _features(0.1 * np.random.default_rng(3).standard_normal(SR))
    assert np.isfinite([d["jitterLocal_mean"], d["shimmerLocaldB_mean"]]).all()
