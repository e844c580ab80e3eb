"""audiofeat.augment: seeding, p, replay, numpy single == torch batch item, exact SNR/gain, filter design,
composition, config, typed errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import audiofeat
from audiofeat import augment as A
from audiofeat.errors import AudioFileError, AudioFileNotFoundError, ParameterError

SR = 16000


def signal(T=SR, channels=None, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    t = np.arange(T) / SR
    base = 0.4 * np.sin(2 * np.pi * 440 * t) + 0.1 * rng.standard_normal(T)
    base[: T // 10] *= 0.001  # a quiet start (for Trim)
    if channels:
        base = np.stack([base * (1 - 0.2 * c) for c in range(channels)])
    return base.astype(dtype)


@pytest.fixture(scope="module")
def noise_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("noises")
    rng = np.random.default_rng(1)
    audiofeat.save(d / "a.wav", (0.1 * rng.standard_normal(SR // 2)).astype(np.float32), SR)
    audiofeat.save(d / "b.flac", (0.1 * rng.standard_normal(2 * SR)).astype(np.float32), SR)
    return d


@pytest.fixture(scope="module")
def ir_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("irs")
    h = A.synthetic_rir(0.3, SR, 7)
    audiofeat.save(d / "room.wav", (h / np.abs(h).max()).astype(np.float32), SR)
    return d


# every waveform transform, by a factory; numpy single and torch batch must agree for each
WAVEFORM = {
    "Gain": lambda d: A.Gain((-12, 12)),
    "AddColoredNoise": lambda d: A.AddColoredNoise((0, 20), color=["white", "pink", "brown", "blue"]),
    "AddBackgroundNoise": lambda d: A.AddBackgroundNoise(d["noise"], snr_db=(0, 20)),
    "ApplyImpulseResponse": lambda d: A.ApplyImpulseResponse(rt60=(0.1, 0.4)),
    "ApplyImpulseResponseFile": lambda d: A.ApplyImpulseResponse(d["ir"]),
    "Shift": lambda d: A.Shift((-0.5, 0.5)),
    "ShiftZero": lambda d: A.Shift((-0.5, 0.5), mode="zero"),
    "TimeStretch": lambda d: A.TimeStretch((0.8, 1.25)),
    "PitchShift": lambda d: A.PitchShift((-3, 3)),
    "LowPassFilter": lambda d: A.LowPassFilter(),
    "HighPassFilter": lambda d: A.HighPassFilter(),
    "BandPassFilter": lambda d: A.BandPassFilter(),
    "BandStopFilter": lambda d: A.BandStopFilter(),
    "PeakingFilter": lambda d: A.PeakingFilter(),
    "Clip": lambda d: A.Clip(),
    "Distortion": lambda d: A.Distortion(),
    "PolarityInversion": lambda d: A.PolarityInversion(),
    "Reverse": lambda d: A.Reverse(),
    "Normalize": lambda d: A.Normalize(0.5),
    "LoudnessNormalize": lambda d: A.LoudnessNormalize(),
    "Speed": lambda d: A.Speed((0.8, 1.2)),
    "Resample": lambda d: A.Resample((6000, 12000)),
    "CodecCompression": lambda d: A.CodecCompression(),
    "Trim": lambda d: A.Trim(top_db=40, leave_length_unchanged=True),
    "PadOrCrop": lambda d: A.PadOrCrop(length=12000),
    "Compose": lambda d: A.Compose([A.Gain(p=0.5), A.AddColoredNoise(p=0.5), A.Shift(p=0.5), A.LowPassFilter(p=0.5)]),
    "OneOf": lambda d: A.OneOf([A.Gain(), A.PolarityInversion(), A.HighPassFilter()], weights=[1, 2, 1]),
    "SomeOf": lambda d: A.SomeOf([A.Gain(), A.Reverse(), A.Clip(), A.Shift()], k=(1, 3)),
}
#: numpy resamples with soxr HQ, torch with its Kaiser sinc (resampling.py): both band-limited, not the same
#: kernel, so Speed/Resample agree to a correlation, not to float rounding
RESAMPLED = {"Speed", "Resample", "PitchShift"}  # soxr on numpy, the sinc resampler on torch


@pytest.fixture(scope="module")
def files(noise_dir, ir_dir):
    return {"noise": noise_dir, "ir": ir_dir}


def base_name(key):
    return key.replace("File", "").replace("Zero", "")


@pytest.mark.parametrize("key", sorted(WAVEFORM))
def test_p0_is_identity(key, files, torch):
    t = WAVEFORM[key](files)
    t.p = 0.0
    y = signal(channels=2)
    assert np.array_equal(t(y, SR, rng=1), y)
    yt = torch.from_numpy(np.stack([y, y]))
    assert torch.equal(t(yt, SR, rng=1), yt)


@pytest.mark.parametrize("key", sorted(WAVEFORM))
def test_same_rng_same_output_and_replay(key, files):
    t = WAVEFORM[key](files)
    y = signal()
    a = t(y, SR, rng=np.random.default_rng(5))
    params = t.last_params
    b = t(y, SR, rng=np.random.default_rng(5))
    assert a.dtype == y.dtype
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(t.apply(y, SR, params), a)
    assert np.isfinite(a).all()


@pytest.mark.parametrize("key", sorted(WAVEFORM))
def test_numpy_single_equals_torch_batch_item(key, files, torch):
    t = WAVEFORM[key](files)
    ys = np.stack([signal(channels=2, seed=s) for s in range(4)])
    out = t(torch.from_numpy(ys), SR, rng=torch.Generator().manual_seed(3))
    assert out.shape == ys.shape[:2] + (out.shape[-1],) and out.dtype == torch.float32
    params = t.last_params
    for i in range(4):
        if key in ("Compose", "OneOf", "SomeOf"):
            # a composition's children ran on sub-batches: replay the item through the flat children
            single = _composite_item(t, params, i)
        else:
            single = A.params_item(params, i)
        z = t.apply(ys[i], SR, single)
        if key in RESAMPLED:
            assert np.corrcoef(z.ravel(), out[i].numpy().ravel())[0, 1] > 0.999
            continue
        np.testing.assert_allclose(z, out[i].numpy(), atol=2e-5 * max(1.0, np.abs(z).max()), rtol=0)


def _composite_item(t, params, i):
    """The single-example record of example i of a batch run of a Compose/OneOf/SomeOf of flat transforms."""
    mask = np.asarray(params["apply"], bool)
    sel = t._selection(params, mask)
    out = {"apply": bool(mask[i]), "transforms": []}
    for k in ("choice", "chosen"):
        if k in params:
            out[k] = A.params_item({k: params[k]}, i)[k]
    for j, cp in enumerate(params["transforms"]):
        if not sel[i, j]:
            out["transforms"].append(None)
            continue
        row = int(np.flatnonzero(sel[:, j]).tolist().index(i))
        out["transforms"].append(A.params_item(cp, row))
    return out


def test_torch_generator_and_numpy_generator_both_drive_batches(torch):
    t = A.Gain((-6, 6))
    y = torch.zeros(8, 100) + 0.1
    a = t(y, SR, rng=torch.Generator().manual_seed(0))
    b = t(y, SR, rng=torch.Generator().manual_seed(0))
    c = t(y, SR, rng=np.random.default_rng(0))
    assert torch.equal(a, b)
    assert len(set(np.round(t.last_params["gain_db"], 9))) == 8  # every example its own gain
    assert c.shape == y.shape


def test_rng_forms():
    y = signal()
    t = A.AddColoredNoise()
    np.testing.assert_array_equal(t(y, SR, rng=3), t(y, SR, rng=np.random.default_rng(3)))
    assert not np.array_equal(t(y, SR), t(y, SR))  # None: fresh entropy
    for bad in ("x", 1.5, True, -1):
        with pytest.raises(ParameterError):
            t(y, SR, rng=bad)


# ---------------------------------------------------------------------------------------------------
# exactness
# ---------------------------------------------------------------------------------------------------
def snr_of(y, out):
    n = out.astype(np.float64) - y.astype(np.float64)
    return 10 * np.log10(np.mean(y.astype(np.float64) ** 2) / np.mean(n ** 2))


@pytest.mark.parametrize("color", ["white", "pink", "brown", "blue"])
def test_colored_noise_snr_is_exact(color):
    t = A.AddColoredNoise((-10, 40), color=color)
    worst = 0.0
    for seed in range(20):
        y = signal(seed=seed, channels=2 if seed % 2 else None)
        out = t(y, SR, rng=seed)
        worst = max(worst, abs(snr_of(y, out) - t.last_params["snr_db"]))
    assert worst < 0.05, worst


def test_noise_transforms_mix_through_noise_add_noise(monkeypatch, noise_dir, torch):
    """Issue 10: the noise transforms use audiofeat.add_noise (one implementation): a spy sees every call, with
    the example's axes (all but the batch axis) and silent_noise='keep', and the result is what audiofeat.add_noise returns."""
    import audiofeat.noise as N

    calls = []
    real = N.add_noise

    def spy(y, noise, snr_db, **kw):
        calls.append(kw)
        return real(y, noise, snr_db, **kw)

    monkeypatch.setattr(N, "add_noise", spy)
    stereo = signal(channels=2)
    t = A.AddColoredNoise((0, 20), color="pink")
    out = t(stereo, SR, rng=3)
    assert calls[-1] == {"axis": (1, 2), "silent_noise": "keep"}  # the example, as a batch of one
    noise = A.colored_noise(stereo.shape, 1.0, t.last_params["seed"], like=stereo, normalize=False)
    np.testing.assert_array_equal(out, real(stereo, noise, t.last_params["snr_db"], axis=None))
    t(torch.from_numpy(np.stack([stereo] * 3)), SR, rng=4)
    assert calls[-1] == {"axis": (1, 2), "silent_noise": "keep"}
    A.AddBackgroundNoise(noise_dir, snr_db=(0, 20))(signal(), SR, rng=5)
    assert len(calls) == 3


def test_noise_transform_with_silent_noise_leaves_the_example(tmp_path):
    audiofeat.save(tmp_path / "silence.wav", np.zeros(SR, dtype=np.float32), SR)
    y = signal()
    out = A.AddBackgroundNoise(tmp_path, snr_db=(0, 20))(y, SR, rng=0)
    np.testing.assert_array_equal(out, y)
    assert A.add_noise(y, np.zeros_like(y), 5.0).tolist() == y.tolist()


def test_colored_noise_has_its_colour():
    # slope of the power spectrum in dB per decade: -10 * exponent
    for color, expo in [("white", 0), ("pink", 1), ("brown", 2), ("blue", -1)]:
        n = A.colored_noise((1 << 16,), A.waveform.NOISE_EXPONENTS[color], seed=4)
        P = np.abs(np.fft.rfft(n)) ** 2
        k = np.arange(len(P))
        lo, hi = P[(k > 100) & (k < 200)].mean(), P[(k > 10000) & (k < 20000)].mean()
        slope = 10 * np.log10(hi / lo) / 2  # two decades
        assert abs(slope + 10 * expo) < 1.0, (color, slope)


def test_torch_noise_snr_is_exact(torch):
    y = torch.from_numpy(np.stack([signal(seed=s) for s in range(16)]))
    t = A.AddColoredNoise((-5, 30), color="pink")
    out = t(y, SR, rng=torch.Generator().manual_seed(1))
    for i in range(16):
        assert abs(snr_of(y[i].numpy(), out[i].numpy()) - t.last_params["snr_db"][i]) < 0.05


def test_background_noise_snr_is_exact(noise_dir):
    t = A.AddBackgroundNoise(noise_dir, snr_db=(-5, 25))
    for seed in range(10):
        y = signal(seed=seed)
        out = t(y, SR, rng=seed)
        assert abs(snr_of(y, out) - t.last_params["snr_db"]) < 0.05


def test_gain_is_exact(torch):
    y = signal()
    t = A.Gain((-20, 20))
    for seed in range(10):
        out = t(y, SR, rng=seed)
        measured = 10 * np.log10(np.mean(out.astype(np.float64) ** 2) / np.mean(y.astype(np.float64) ** 2))
        assert abs(measured - t.last_params["gain_db"]) < 0.05


def tone(f, T=SR):
    return np.sin(2 * np.pi * f * np.arange(T) / SR)


def level_change_db(t, params, f):
    y = tone(f)
    out = t.apply(y, SR, params)
    mid = slice(SR // 4, 3 * SR // 4)
    return 20 * np.log10(np.sqrt(np.mean(out[mid] ** 2)) / np.sqrt(np.mean(y[mid] ** 2)))


@pytest.mark.parametrize("order", [2, 4, 8])
def test_lowpass_highpass_stopband_attenuation_matches_design(order):
    lp = A.LowPassFilter(cutoff_hz=1000, order=order)
    hp = A.HighPassFilter(cutoff_hz=2000, order=order)
    for f in (250, 500, 1000, 2000, 3000, 4000):
        design_lp = -10 * np.log10(1 + (f / 1000) ** (2 * order))
        design_hp = -10 * np.log10(1 + (2000 / f) ** (2 * order))
        for t, design in ((lp, design_lp), (hp, design_hp)):
            got = level_change_db(t, {"apply": True, "cutoff_hz": 1000.0 if t is lp else 2000.0}, f)
            assert abs(got - design) < 0.1 + 0.002 * abs(design), (type(t).__name__, order, f, got, design)
    # 6 dB per octave per order, far in the stop band
    got = level_change_db(lp, {"apply": True, "cutoff_hz": 500.0}, 4000)
    assert abs(got + 6.02 * order * 3) < 0.2 + 0.01 * 18 * order


def test_bandpass_bandstop_peaking_match_design():
    bp = {"apply": True, "center_hz": 1000.0, "bandwidth_fraction": 0.5}
    f_lo = 1000 * (math.sqrt(1 + 0.25 ** 2) - 0.25)
    for f in (250, f_lo, 1000, 4000):
        x = (f * f - 1e6) / (f * 500)
        design = -10 * np.log10(1 + x ** 8)
        assert abs(level_change_db(A.BandPassFilter(order=4), bp, f) - design) < 0.1 + 0.002 * abs(design)
    stop = level_change_db(A.BandStopFilter(order=4), bp, 1000)
    assert stop < -60
    pk = {"apply": True, "center_hz": 2000.0, "gain_db": -12.0, "q": 2.0}
    assert abs(level_change_db(A.PeakingFilter(), pk, 2000) + 12.0) < 0.1
    assert abs(level_change_db(A.PeakingFilter(), pk, 200)) < 0.1


def test_synthetic_rir_decays_at_rt60():
    h = A.synthetic_rir(0.5, SR, 1, drr_db=0.0)
    assert len(h) == int(math.ceil(0.5 * SR))
    edc = np.cumsum((h[1:] ** 2)[::-1])[::-1]  # Schroeder integration
    edc_db = 10 * np.log10(edc / edc[0])
    t = np.arange(len(edc_db)) / SR
    fit = (edc_db > -25) & (edc_db < -5)  # T20, extrapolated to 60 dB
    slope = np.polyfit(t[fit], edc_db[fit], 1)[0]
    assert abs(-60 / slope - 0.5) < 0.05
    assert abs(np.sum(h[1:] ** 2) - 1) < 1e-9 and h[0] == 1.0


def test_shift_roll_and_zero():
    y = np.arange(10.0)
    np.testing.assert_array_equal(A.shift(y, 3), np.roll(y, 3))
    np.testing.assert_array_equal(A.shift(y, -2, "zero"), np.r_[y[2:], 0, 0])


@pytest.mark.parametrize("mode", ["roll", "zero"])
def test_shift_batch_is_one_gather_equal_to_the_loop(mode, torch):
    """A batch with per-example shifts (one gather) equals np.roll / zero-fill example by example, on numpy
    and torch, with channels, shifts beyond the length and of both signs."""
    rng = np.random.default_rng(0)
    y = rng.standard_normal((6, 2, 50)).astype(np.float32)
    ks = np.array([0, 3, -7, 49, -60, 120])
    ref = []
    for x, k in zip(y, ks):
        z = np.roll(x, k, axis=-1)
        if mode == "zero":
            z = np.zeros_like(x) if abs(k) >= 50 else z
            if 0 < k < 50:
                z[..., :k] = 0
            elif -50 < k < 0:
                z[..., k:] = 0
        ref.append(z)
    ref = np.stack(ref)
    np.testing.assert_array_equal(A.shift(y, ks, mode), ref)
    np.testing.assert_array_equal(A.shift(torch.from_numpy(y), ks, mode).numpy(), ref)


def test_codec_roundtrip_keeps_shape_and_content():
    y = (0.5 * tone(440)).astype(np.float32)
    for codec in ("mp3", "ogg", "opus"):
        z = A.codec_roundtrip(y, SR, codec, 0.5)
        assert z.shape == y.shape and z.dtype == y.dtype
        assert np.corrcoef(y[2000:-2000], z[2000:-2000])[0, 1] > 0.95, codec
    z = A.codec_roundtrip(np.stack([y, y]), 22050, "opus", 0.5)  # not an Opus rate: via 48 kHz
    assert z.shape == (2, SR)


def test_trim_and_pad_or_crop():
    y = np.r_[np.zeros(5000), tone(300, 6000), np.zeros(5000)].astype(np.float32)
    out = A.Trim(top_db=40)(y, SR, rng=0)
    assert 6000 <= len(out) <= 6000 + 2 * 2048
    assert A.PadOrCrop(length=20000, position="center")(y, SR, rng=0).shape == (20000,)
    z = A.PadOrCrop(duration=0.25, position="start")(y, SR, rng=0)
    np.testing.assert_array_equal(z, y[:4000])


# ---------------------------------------------------------------------------------------------------
# spectrogram transforms and mixup
# ---------------------------------------------------------------------------------------------------
SPEC = {
    "TimeMasking": lambda: A.TimeMasking(max_width=20, n_masks=2),
    "FrequencyMasking": lambda: A.FrequencyMasking(max_width=0.2, n_masks=2, mask_value="mean"),
    "TimeWarp": lambda: A.TimeWarp(W=8),
    "Compose": lambda: A.Compose([A.TimeWarp(5), A.TimeMasking(10), A.FrequencyMasking(8)]),
}


@pytest.mark.parametrize("key", sorted(SPEC))
def test_spectrogram_transforms(key, torch):
    S = np.abs(np.random.default_rng(0).standard_normal((2, 64, 100))).astype(np.float32)
    t = SPEC[key]()
    a = t(S[0], rng=2)
    np.testing.assert_array_equal(a, t(S[0], rng=2))
    np.testing.assert_array_equal(t.apply(S[0], None, t.last_params), a)
    out = t(torch.from_numpy(np.stack([S, S, S])), rng=torch.Generator().manual_seed(0))
    assert out.shape == (3, 2, 64, 100)
    if key != "Compose":
        for i in range(3):
            np.testing.assert_allclose(t.apply(S, None, A.params_item(t.last_params, i)), out[i].numpy(), atol=1e-6)
    t.p = 0
    np.testing.assert_array_equal(t(S[0], rng=2), S[0])


def test_masks_cover_drawn_width():
    S = np.ones((40, 50), dtype=np.float32)
    t = A.TimeMasking(max_width=10, n_masks=1)
    out = t(S, rng=4)
    assert (out == 0).all(axis=0).sum() == t.last_params["width"][0]
    out = A.FrequencyMasking(max_width=10)(S, rng=4)
    assert ((out == 0).all(axis=1).sum()) <= 10


def test_mixup_mixes_labels(torch):
    x = np.stack([np.full(100, float(i), dtype=np.float32) for i in range(6)])
    labels = np.arange(6)
    m = A.Mixup(alpha=0.4, num_classes=6)
    out, lab = m(x, rng=0, labels=labels)
    lam, partner = m.last_params["lam"], m.last_params["partner"]
    np.testing.assert_allclose(out[:, 0], lam * np.arange(6) + (1 - lam) * partner, rtol=1e-5)
    np.testing.assert_allclose(lab.sum(1), 1, rtol=1e-6)
    np.testing.assert_allclose(lab @ np.arange(6), out[:, 0], rtol=1e-5)
    xt, lt = m(torch.from_numpy(x), rng=0, labels=torch.arange(6))
    np.testing.assert_allclose(xt.numpy(), out, atol=1e-6)
    np.testing.assert_allclose(lt.numpy(), lab, atol=1e-6)
    with pytest.raises(ParameterError):
        A.Mixup()(x, rng=0, labels=labels)  # integer labels without num_classes


# ---------------------------------------------------------------------------------------------------
# composition and config
# ---------------------------------------------------------------------------------------------------
def test_oneof_applies_exactly_one_with_weights(torch):
    t = A.OneOf([A.Gain(6), A.Gain(-6)], weights=[3, 1])
    y = torch.ones(4000, 1)
    out = t(y, SR, rng=torch.Generator().manual_seed(0))
    up = (out[:, 0] > 1).float().mean().item()
    assert abs(up - 0.75) < 0.03
    assert set(np.round(20 * np.log10(out[:, 0].numpy()), 3)) == {6.0, -6.0}


def test_someof_k(torch):
    t = A.SomeOf([A.Gain(1), A.Gain(2), A.Gain(4)], k=2)
    out = t(torch.ones(500, 1), SR, rng=0)
    db = np.round(20 * np.log10(out[:, 0].numpy()), 3)
    assert set(db) <= {3.0, 5.0, 6.0} and len(set(db)) == 3
    t = A.SomeOf([A.Gain(1), A.Gain(2), A.Gain(4)], k=(0, 3))
    db = np.round(20 * np.log10(t(torch.ones(800, 1), SR, rng=1)[:, 0].numpy()), 3)
    assert set(db) == {0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0}


def test_compose_p_per_example(torch):
    t = A.Compose([A.Gain(6)], p=0.5)
    out = t(torch.ones(1000, 1), SR, rng=0)
    frac = (out[:, 0] > 1).float().mean().item()
    assert 0.45 < frac < 0.55


PIPE = {"name": "Compose", "p": 1.0, "transforms": [
    {"name": "Gain", "gain_db": [-6, 6], "p": 0.5},
    {"name": "OneOf", "weights": [1, 1], "transforms": [
        {"name": "AddColoredNoise", "snr_db": [5, 20], "color": "pink"},
        {"name": "LowPassFilter", "cutoff_hz": [500, 4000]}]},
    {"name": "SomeOf", "k": [1, 2], "transforms": [{"name": "Shift"}, {"name": "PolarityInversion"}]},
]}


def test_config_dict_json_yaml_build_the_same_pipeline(tmp_path):
    yaml = pytest.importorskip("yaml", reason="YAML configs need pyyaml: pip install 'audiofeat[augment]'")
    y = signal()
    ref = A.from_config(PIPE)(y, SR, rng=9)
    t2 = A.from_config(json.dumps(PIPE))
    np.testing.assert_array_equal(t2(y, SR, rng=9), ref)
    np.testing.assert_array_equal(A.from_config(yaml.safe_dump(PIPE))(y, SR, rng=9), ref)
    (tmp_path / "aug.yaml").write_text(yaml.safe_dump(PIPE))
    np.testing.assert_array_equal(A.from_config(tmp_path / "aug.yaml")(y, SR, rng=9), ref)
    again = A.from_config(t2.to_config())
    np.testing.assert_array_equal(again(y, SR, rng=9), ref)
    with pytest.raises(ParameterError):
        A.from_config({"name": "NoSuchTransform"})
    with pytest.raises(ParameterError):
        A.from_config({"gain": 1})


def test_every_transform_has_a_config_form(files):
    for key, make in WAVEFORM.items():
        t = make(files)
        assert A.from_config(t.to_config()).to_config() == t.to_config(), key


# ---------------------------------------------------------------------------------------------------
# audiomentations adapter
# ---------------------------------------------------------------------------------------------------
def test_from_audiomentations_is_seeded_by_our_generator():
    am = pytest.importorskip("audiomentations", reason="the adapter needs: pip install audiomentations")
    inner = am.AddGaussianNoise(p=1.0)
    t = A.Compose([A.Gain(3), A.from_audiomentations(inner)])
    y = signal()
    state = np.random.get_state()
    a = t(y, SR, rng=1)
    assert np.array_equal(np.random.get_state()[1], state[1])  # the global state is restored
    np.testing.assert_array_equal(a, t(y, SR, rng=1))
    assert not np.array_equal(a, t(y, SR, rng=2))
    with pytest.raises(ParameterError):
        t.to_config()


# ---------------------------------------------------------------------------------------------------
# effects-backed transforms (run once PART A/B are merged)
# ---------------------------------------------------------------------------------------------------
def test_time_stretch_changes_length_when_asked():
    y = signal()
    out = A.TimeStretch(rate=2.0, leave_length_unchanged=False)(y, SR, rng=0)
    assert abs(len(out) - len(y) / 2) <= 512
    assert A.TimeStretch(rate=2.0)(y, SR, rng=0).shape == y.shape


def test_pitch_shift_keeps_length():
    y = signal()
    assert A.PitchShift(n_steps=3)(y, SR, rng=0).shape == y.shape


def test_loudness_normalize_meets_target():
    from audiofeat.lufs import loudness

    y = signal(T=3 * SR)
    t = A.LoudnessNormalize((-30, -15))
    out = t(y, SR, rng=0)
    assert abs(float(loudness(out, SR)) - t.last_params["target_lufs"]) < 0.05


# ---------------------------------------------------------------------------------------------------
# typed errors
# ---------------------------------------------------------------------------------------------------
def test_bad_inputs_raise_typed_errors(tmp_path, torch):
    t = A.Gain()
    with pytest.raises(ParameterError):
        t(np.zeros(0, np.float32), SR)
    with pytest.raises(ParameterError):
        t(np.array([0.0, np.nan]), SR)
    with pytest.raises(ParameterError):
        t(np.float32(1.0), SR)
    with pytest.raises(ParameterError):
        t(np.zeros(10, np.int16), SR)
    with pytest.raises(ParameterError):
        t(torch.zeros(2, 2, 2, 10), SR)
    for sr in (0, -1, float("nan")):
        with pytest.raises(ParameterError):
            A.LowPassFilter()(np.zeros(10), sr)
    with pytest.raises(ParameterError):
        A.LowPassFilter()(np.zeros(10))  # needs sr
    with pytest.raises(ParameterError):
        A.TimeMasking()(np.zeros(10))  # spectrogram needs 2 dims
    for bad in (dict(p=1.5), dict(gain_db=(3, 1)), dict(gain_db="loud"), dict(p=True)):
        with pytest.raises(ParameterError):
            A.Gain(**bad)
    with pytest.raises(ParameterError):
        A.AddColoredNoise(color="purple")
    with pytest.raises(ParameterError):
        A.Shift(mode="wrap")
    with pytest.raises(ParameterError):
        A.SomeOf([A.Gain()], k=3)
    with pytest.raises(ParameterError):
        A.Compose([lambda y: y])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no audio here")
    with pytest.raises(AudioFileNotFoundError) as info:
        A.AddBackgroundNoise(empty)
    assert str(empty) in str(info.value)
    with pytest.raises(AudioFileError):
        A.ApplyImpulseResponse(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.wav").write_bytes(b"RIFF....garbage")
    t = A.AddBackgroundNoise(bad)
    with pytest.raises(AudioFileError) as info:
        t(signal(), SR, rng=0)
    assert "x.wav" in str(info.value)


def test_import_audiofeat_augment_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, audiofeat, audiofeat.augment; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------------------------------
# snapped pitch/speed ratios and the numpy route of CPU torch batches (performance work, issue 7)
# ---------------------------------------------------------------------------------------------------
def test_snap_steps_moves_at_most_one_cent_to_a_simple_ratio():
    from fractions import Fraction

    x = np.random.default_rng(0).uniform(-4, 4, 500)
    s = A.snap_steps(x)
    assert s.shape == x.shape
    assert np.abs(s - x).max() * 100 <= 1.0 + 1e-9  # 1 step = 100 cents
    moved = s != x
    assert moved.mean() > 0.95
    for v in s[moved][:200]:
        ratio = 2.0 ** (v / 12)
        assert abs(float(Fraction(ratio).limit_denominator(256)) - ratio) <= 1e-12 * ratio
    assert A.snap_steps([12.0, 0.004]).tolist() == [12.0, 0.0]  # 2/1, and 1/1 is 0.4 cent away
    assert A.snap_steps(np.array([[0.5, 1.5]]), bins_per_octave=24).shape == (1, 2)


@pytest.mark.parametrize("bins_per_octave, cents", [(12, 1.0), (12, 0.1), (24, 5.0), (7, 1.0), (1, 30.0)])
def test_snap_steps_picks_the_smallest_denominator_within_the_cents(bins_per_octave, cents):
    # the definition, by brute force: the first q = 1..256 whose nearest numerator lies within `cents`
    x = np.random.default_rng(1).uniform(-3 * bins_per_octave, 3 * bins_per_octave, 3000)
    ratio = 2.0 ** (x[:, None] / bins_per_octave)
    q = np.arange(1, 257, dtype=np.float64)
    num = np.maximum(np.rint(ratio * q), 1.0)
    ok = np.abs(1200 * np.log2(num / (q * ratio))) <= cents
    first = np.argmax(ok, axis=1)
    rows = np.arange(len(x))
    want = np.where(ok[rows, first], bins_per_octave * np.log2(num[rows, first] / q[first]), x)
    np.testing.assert_allclose(A.snap_steps(x, bins_per_octave, cents), want, rtol=0, atol=1e-9)


def test_snap_steps_keeps_what_it_cannot_snap():
    odd = np.array([np.nan, np.inf, -np.inf, 1e6, -1e6, -3000.0])  # no ratio, or no fraction with q <= 256
    np.testing.assert_array_equal(A.snap_steps(odd), odd)
    with pytest.raises(ParameterError):
        A.snap_steps([1.0], max_cents=-1.0)
    assert A.snap_steps(0.0) == 0.0 and A.snap_steps(np.zeros((2, 3))).shape == (2, 3)


def _f0(y):
    y = np.asarray(y, dtype=np.float64)
    n = 1 << 18
    spec = np.abs(np.fft.rfft(y[len(y) // 4: 3 * len(y) // 4] * np.hanning(len(y) // 2), n=n))
    k = int(np.argmax(spec))
    a, b, c = np.log(spec[k - 1: k + 2])
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * SR / n


@pytest.mark.parametrize("snap", [True, False])
def test_pitch_shift_transform_moves_f0_by_the_recorded_shift(snap):
    y = (0.5 * np.sin(2 * np.pi * 220 * np.arange(SR) / SR)).astype(np.float32)
    t = A.PitchShift((-4, 4), snap=snap)
    draws = []
    for seed in range(4):
        out = t(y, SR, rng=seed)
        n = t.last_params["n_steps"]
        raw = np.random.default_rng(seed).random(2)[1] * 8 - 4  # apply coin, then the uniform shift
        draws.append((n, raw))
        assert abs(1200 * math.log2(_f0(out) / 220) - 100 * n) <= 20
    for n, raw in draws:
        assert abs(n - raw) * 100 <= (1.0 + 1e-9 if snap else 0.0)


def test_pitch_shift_snaps_only_the_selected_examples(torch):
    """With p < 1 the shifts of the selected examples are snapped (snap_steps of the drawn value), the others
    keep the drawn value; the output equals the unsnapped-record-free replay and the numpy single example."""
    y = torch.from_numpy(np.stack([signal(seed=s) for s in range(8)]))
    t = A.PitchShift((-4, 4), p=0.5)
    out = t(y, SR, rng=torch.Generator().manual_seed(5))
    rec = t.last_params
    g = torch.Generator().manual_seed(5)
    torch.rand(8, generator=g, dtype=torch.float64)  # the p coins
    raw = -4 + 8 * torch.rand(8, generator=g, dtype=torch.float64).numpy()
    sel = np.asarray(rec["apply"], dtype=bool)
    assert 0 < sel.sum() < 8
    np.testing.assert_array_equal(rec["n_steps"][sel], A.snap_steps(raw[sel]))
    np.testing.assert_array_equal(rec["n_steps"][~sel], raw[~sel])
    np.testing.assert_array_equal(t.apply(y, SR, rec).numpy(), out.numpy())
    i = int(np.flatnonzero(sel)[0])
    np.testing.assert_array_equal(t.apply(y[i].numpy(), SR, A.params_item(rec, i)), out[i].numpy())


def test_speed_transform_snapped_rate_is_within_one_cent(torch):
    t = A.Speed((0.9, 1.1))
    y = signal()
    out = t(torch.from_numpy(np.stack([y, y, y])), SR, rng=torch.Generator().manual_seed(0))
    rates = np.asarray(t.last_params["rate"])
    assert out.shape == (3, SR)
    assert np.all((rates > 0.9 * 2 ** (-1 / 1200)) & (rates < 1.1 * 2 ** (1 / 1200)))
    raw = A.Speed((0.9, 1.1), snap=False)
    raw(y, SR, rng=0)
    assert float(SR / raw.last_params["rate"]).is_integer()  # snap=False: sr/rate rounded to an integer rate


@pytest.mark.parametrize("make", [lambda: A.TimeStretch((0.8, 1.25)), lambda: A.PitchShift((-4, 4))])
def test_cpu_torch_batch_of_vocoder_transforms_equals_numpy(make, torch):
    """A CPU torch batch outside autograd runs TimeStretch/PitchShift through the numpy code: equal results."""
    t = make()
    ys = np.stack([signal(seed=s) for s in range(3)])
    out = t(torch.from_numpy(ys), SR, rng=torch.Generator().manual_seed(2))
    params = t.last_params
    for i in range(3):
        np.testing.assert_array_equal(t.apply(ys[i], SR, A.params_item(params, i)), out[i].numpy())
    x = torch.from_numpy(ys[:1].astype(np.float64)).requires_grad_()
    z = t(x, SR, rng=0)  # autograd: the torch path, differentiable
    z.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_keep_heap_pad_is_a_safe_switch(monkeypatch):
    # import audiofeat keeps glibc from trimming the heap after every call (page faults were a third of the
    # augmentation pipeline's time); it must be switchable off and never raise
    from audiofeat._heap import keep_heap_pad

    monkeypatch.delenv("MALLOC_TOP_PAD_", raising=False)
    monkeypatch.setenv("AUDIOFEAT_MALLOC_TOP_PAD", "0")
    assert keep_heap_pad() is False
    monkeypatch.setenv("AUDIOFEAT_MALLOC_TOP_PAD", "not a number")
    assert keep_heap_pad() is False
    monkeypatch.setenv("MALLOC_TOP_PAD_", "1048576")  # the user's own glibc setting wins
    assert keep_heap_pad() is False
    monkeypatch.delenv("MALLOC_TOP_PAD_")
    monkeypatch.delenv("AUDIOFEAT_MALLOC_TOP_PAD")
    assert isinstance(keep_heap_pad(), bool)
    assert keep_heap_pad(-1) is False


# ---------------------------------------------------------------------------------------------------
# CUDA: every transform runs on the batch's device and gives the CPU batch's result (skips without a GPU)
# ---------------------------------------------------------------------------------------------------
#: on CUDA the phase vocoder runs in torch (the CPU batch runs the numpy code): same algorithm, other FFT
TORCH_VOCODER = {"TimeStretch"}


@pytest.fixture(scope="module")
def cuda(torch):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return torch.device("cuda")


def test_cuda_batch_equals_cpu_batch(files, torch, cuda):
    """Every waveform transform (one test, so that a machine without CUDA shows one skip, not 29)."""
    for key in sorted(WAVEFORM):
        t = WAVEFORM[key](files)
        ys = torch.from_numpy(np.stack([signal(channels=2, seed=s) for s in range(4)]))
        ref = t(ys, SR, rng=torch.Generator().manual_seed(3))
        params = t.last_params
        got = t.apply(ys.to(cuda), SR, params)
        assert got.device.type == "cuda" and got.dtype == torch.float32 and got.shape == ref.shape, key
        got = got.cpu().numpy()
        assert np.isfinite(got).all(), key
        for i in range(4):
            z, g = ref[i].numpy(), got[i]
            if key in RESAMPLED:  # soxr on the CPU batch (numpy path), the sinc resampler on CUDA
                assert np.corrcoef(z.ravel(), g.ravel())[0, 1] > 0.999, (key, i)
                continue
            tol = (2e-4 if key in TORCH_VOCODER else 2e-5) * max(1.0, np.abs(z).max())
            np.testing.assert_allclose(g, z, atol=tol, rtol=0, err_msg=f"{key} example {i}")
        # drawn on the device's own generator: reproducible, on the device
        g1 = t(ys.to(cuda), SR, rng=torch.Generator(device=cuda).manual_seed(7))
        g2 = t(ys.to(cuda), SR, rng=torch.Generator(device=cuda).manual_seed(7))
        assert g1.device.type == "cuda" and torch.equal(g1, g2), key


def test_cuda_spectrogram_transforms(torch, cuda):
    S = torch.from_numpy(np.abs(np.random.default_rng(0).standard_normal((3, 2, 64, 100))).astype(np.float32))
    for key in sorted(SPEC):
        t = SPEC[key]()
        ref = t(S, rng=torch.Generator().manual_seed(0))
        got = t.apply(S.to(cuda), None, t.last_params)
        assert got.device.type == "cuda", key
        np.testing.assert_allclose(got.cpu().numpy(), ref.numpy(), atol=1e-6, err_msg=key)


def test_cuda_mixup(torch, cuda):
    x = torch.stack([torch.full((100,), float(i)) for i in range(6)])
    m = A.Mixup(alpha=0.4, num_classes=6)
    out, lab = m(x, rng=0, labels=torch.arange(6))
    out_c, lab_c = m(x.to(cuda), rng=0, labels=torch.arange(6, device=cuda))
    assert out_c.device.type == "cuda" and lab_c.device.type == "cuda"
    np.testing.assert_allclose(out_c.cpu().numpy(), out.numpy(), atol=1e-6)
    np.testing.assert_allclose(lab_c.cpu().numpy(), lab.numpy(), atol=1e-6)


# ---------------------------------------------------------------------------------------------------
# TimeStretch / PitchShift on torch batches the numpy path does not take (GPU, autograd): one pass per batch
# ---------------------------------------------------------------------------------------------------
def _graph_batch(torch, ys):
    """A CPU batch that takes the torch path (it needs gradients), as a GPU batch does."""
    return torch.from_numpy(ys).requires_grad_(True)


def test_batched_time_stretch_equals_each_example(torch):
    from audiofeat.phase import _fix_length

    ys = np.stack([signal(channels=2, seed=s) for s in range(5)])
    t = A.TimeStretch((0.8, 1.25))
    yt = _graph_batch(torch, ys)
    out = t(yt, SR, rng=torch.Generator().manual_seed(2))
    rates = t.last_params["rate"]
    assert len(set(np.round(rates, 9))) == 5 and out.shape == yt.shape
    for i, r in enumerate(rates):  # each example as its own torch call, and as the numpy path computes it
        own = _fix_length(audiofeat.effects.time_stretch(yt[i].detach(), rate=float(r)), SR)
        np.testing.assert_allclose(out[i].detach().numpy(), own.numpy(), atol=1e-6, rtol=0)
        z = t.apply(ys[i], SR, A.params_item(t.last_params, i))
        np.testing.assert_allclose(out[i].detach().numpy(), z, atol=2e-5 * np.abs(z).max(), rtol=0)
    out.pow(2).sum().backward()  # differentiable
    assert torch.isfinite(yt.grad).all() and yt.grad.abs().sum() > 0


def test_batched_time_stretch_keeps_f0_and_the_stretched_length(torch):
    y = np.stack([(0.5 * tone(330)).astype(np.float32)] * 2)
    t = A.TimeStretch((0.8, 1.25))
    out = t.apply(_graph_batch(torch, y), SR, {"apply": np.ones(2, bool), "rate": np.array([0.8, 1.25])})
    out = out.detach().numpy()
    assert abs(1200 * math.log2(_f0(out[0]) / 330)) <= 20 and abs(1200 * math.log2(_f0(out[1]) / 330)) <= 20
    assert np.abs(out[0, -2000:]).max() > 0.1  # slowed down: fills the whole length
    assert np.abs(out[1, round(SR / 1.25):]).max() == 0  # sped up: silent past len / rate, as fix_length pads


def test_batched_pitch_shift_moves_f0_and_matches_numpy(torch):
    y = (0.5 * tone(220)).astype(np.float32)
    steps = np.array([-4.0, -1.5, 0.0, 2.0, 4.0])
    t = A.PitchShift((-4, 4), snap=False)
    params = {"apply": np.ones(5, bool), "n_steps": steps}
    out = t.apply(_graph_batch(torch, np.stack([y] * 5)), SR, params).detach().numpy()
    for i, k in enumerate(steps):
        assert abs(1200 * math.log2(_f0(out[i]) / 220) - 100 * k) <= 20, k
        z = t.apply(y, SR, A.params_item(params, i))  # numpy: soxr
        assert np.corrcoef(z, out[i])[0, 1] > 0.9999, k
    np.testing.assert_allclose(out[2], y, atol=1e-5)  # no shift: no resampling either
    ys = np.stack([signal(channels=2, seed=s) for s in range(3)])
    stereo = t.apply(_graph_batch(torch, ys), SR, {"apply": np.ones(3, bool), "n_steps": steps[:3]})
    for i in range(3):  # channels of one example share its shift
        z = t.apply(ys[i], SR, A.params_item({"apply": np.ones(3, bool), "n_steps": steps[:3]}, i))
        assert np.corrcoef(z.ravel(), stereo[i].detach().numpy().ravel())[0, 1] > 0.999
