"""Session 22: the pipeline's loudness of a multichannel file is BS.1770 programme loudness (channels' powers
summed), on every path of :func:`process_file` (whole file, fixed segments, streamed long-file segments,
voice-activity segments); the other features still see the mix."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf

import audiofeat
from audiofeat.errors import ParameterError
from audiofeat.pipeline import ExtractorSpec, process_file, register_feature
from audiofeat.pipeline.features import FEATURES

SR = 16000


def _stereo(tmp_path, seconds=3.0, name="st.wav"):
    rng = np.random.default_rng(22)
    n = int(seconds * SR)
    # uncorrelated channels at different levels: the mix is ~5 LU below the programme
    y = np.stack([0.3 * rng.standard_normal(n), 0.1 * rng.standard_normal(n)]).astype(np.float32)
    path = str(tmp_path / name)
    sf.write(path, y.T, SR, subtype="FLOAT")
    return path, y


def _programme(y):
    return float(audiofeat.loudness(y, SR, channel_axis=0))


def test_whole_file_loudness_is_programme_and_mix_features_unchanged(tmp_path):
    path, y = _stereo(tmp_path)
    r = process_file(path, ExtractorSpec(features=["loudness", "mfcc"], sr=SR, functionals=["mean"]))
    assert r.ok, r.error
    row = r.rows[0]
    assert row["loudness"] == pytest.approx(_programme(y), abs=1e-4)
    mix = float(audiofeat.loudness(y.mean(axis=0), SR))
    assert row["loudness"] - mix > 4.0  # what the mix gave before
    alone = process_file(path, ExtractorSpec(features=["mfcc"], sr=SR, functionals=["mean"])).rows[0]
    assert all(row[k] == alone[k] for k in alone if k.startswith("mfcc"))


def test_fixed_segments_loudness_is_programme_per_segment(tmp_path):
    path, y = _stereo(tmp_path)
    spec = ExtractorSpec(features=["loudness"], sr=SR, segment={"window": 1.0, "hop": 0.5})
    r = process_file(path, spec)
    assert r.ok, r.error
    assert len(r.rows) == 5
    for row in r.rows:
        a, b = int(round(row["start"] * SR)), int(round(row["end"] * SR))
        assert row["loudness"] == pytest.approx(_programme(y[:, a:b]), abs=1e-4)


def test_streamed_long_file_segments_match_the_whole_file(tmp_path, monkeypatch):
    # a file longer than block_seconds is read as a stream (two streams here: the mix and the channels); its
    # segments' loudness must equal the whole-file read's, and it must be programme loudness
    import audiofeat.pipeline.compute as compute

    path, y = _stereo(tmp_path, seconds=5.0)
    spec = ExtractorSpec(features=["loudness", "rms"], sr=SR, segment={"window": 1.0, "hop": 1.0},
                         functionals=["mean"])
    whole = process_file(path, spec)
    monkeypatch.setattr(compute, "STREAM_BLOCK_SECONDS", 0.7)
    streamed = process_file(path, spec.replace(block_seconds=1.0))
    assert whole.ok and streamed.ok, (whole.error, streamed.error)
    assert len(whole.rows) == len(streamed.rows) == 5
    for a, b in zip(whole.rows, streamed.rows):
        assert b["loudness"] == pytest.approx(a["loudness"], abs=1e-3)
        assert b["rms_0_mean"] == pytest.approx(a["rms_0_mean"], rel=1e-4)
        s, e = int(round(a["start"] * SR)), int(round(a["end"] * SR))
        assert a["loudness"] == pytest.approx(_programme(y[:, s:e]), abs=1e-4)


def test_voice_activity_segments_loudness_is_programme(tmp_path):
    n = 4 * SR
    t = np.arange(n) / SR
    tone = np.where((t > 1.0) & (t < 3.0), 0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t)),
                    0.0)
    y = np.stack([tone, 0.5 * tone]).astype(np.float32)
    path = str(tmp_path / "vad.wav")
    sf.write(path, y.T, SR, subtype="FLOAT")
    r = process_file(path, ExtractorSpec(features=["loudness"], sr=SR, segment={"voice_activity": {}}))
    assert r.ok, r.error
    assert r.rows, r.warnings
    for row in r.rows:
        a, b = int(round(row["start"] * SR)), int(round(row["end"] * SR))
        if b - a >= int(0.4 * SR):
            assert row["loudness"] == pytest.approx(_programme(y[:, a:b]), abs=1e-4)


def test_mono_false_keeps_per_channel_loudness_and_mono_files_are_unchanged(tmp_path):
    path, y = _stereo(tmp_path)
    r = process_file(path, ExtractorSpec(features=["loudness"], sr=SR, mono=False))
    assert r.ok, r.error
    assert r.rows[0]["loudness_0"] == pytest.approx(float(audiofeat.loudness(y[0], SR)), abs=1e-4)
    assert r.rows[0]["loudness_1"] == pytest.approx(float(audiofeat.loudness(y[1], SR)), abs=1e-4)
    both = process_file(path, ExtractorSpec(features=[{"name": "loudness", "params": {"channel_axis": 0}}], sr=SR,
                                            mono=False))
    assert both.rows[0]["loudness"] == pytest.approx(_programme(y), abs=1e-4)
    mono_path = str(tmp_path / "mono.wav")
    sf.write(mono_path, y[0], SR, subtype="FLOAT")
    m = process_file(mono_path, ExtractorSpec(features=["loudness"], sr=SR))
    assert m.rows[0]["loudness"] == pytest.approx(float(audiofeat.loudness(y[0], SR)), abs=1e-4)


def test_short_stereo_clip_loudness_is_nan_with_a_warning(tmp_path):
    path, y = _stereo(tmp_path, seconds=0.2)
    r = process_file(path, ExtractorSpec(features=["loudness", "rms"], sr=SR, functionals=["mean"]))
    assert r.ok, r.error
    assert math.isnan(r.rows[0]["loudness"]) and np.isfinite(r.rows[0]["rms_0_mean"])
    assert [w["reason"] for w in r.warnings] == ["too_short"]


def test_programme_feature_needs_a_channel_axis():
    def peak(y):
        return np.abs(y).max(axis=-1)

    with pytest.raises(ParameterError, match="channel_axis"):
        register_feature("peak_programme_test", peak, kind="scalar", programme=True)
    assert "peak_programme_test" not in FEATURES


# ------------------------------------------------------------------------------------- dataset CSV labels
@pytest.mark.parametrize("labels, classes, targets", [
    (["nan", "inf"], ["inf", "nan"], [1, 0]),          # names that parse as floats: never NaN/inf targets
    (["007", "7"], ["007", "7"], [0, 1]),              # IDs with leading zeros: two names, not one number
    (["7", " -3"], None, [7, -3]),                     # plain integers (a space after the comma is fine)
    (["0.5", "1e3"], None, [0.5, 1000.0]),             # finite floats: regression targets
    (["1", "2.5"], None, [1.0, 2.5]),
    (["dog", "cat"], ["cat", "dog"], [1, 0]),
])
def test_csv_labels_numbers_and_names(tmp_path, labels, classes, targets):
    pytest.importorskip("torch", reason="AudioDataset is a torch Dataset")
    from audiofeat.data import AudioDataset

    root = tmp_path / "audio"
    root.mkdir()
    for name in ("a.wav", "b.wav"):
        sf.write(str(root / name), np.zeros(800, np.float32), 8000)
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(f"path,label\na.wav,{labels[0]}\nb.wav,{labels[1]}\n")
    ds = AudioDataset(str(root), sr=8000, labels=str(csv_path))
    assert ds.classes == classes
    got = [ds[i][1] for i in range(2)]
    assert got == targets and all(type(g) is type(t) for g, t in zip(got, targets))


@pytest.mark.parametrize("name", ["loudness_momentary", "loudness_short_term"])
def test_frame_loudness_of_stereo_file_is_programme(tmp_path, name):
    path, y = _stereo(tmp_path, seconds=4.0)
    r = process_file(path, ExtractorSpec(features=[name], sr=SR, keep_frames=True, functionals=["mean"]))
    assert r.ok, r.error
    expected = getattr(audiofeat, name)(y, SR, channel_axis=0)
    np.testing.assert_allclose(r.rows[0][name], expected, atol=1e-4)
    assert r.rows[0][f"{name}_mean"] == pytest.approx(float(np.mean(expected)), abs=1e-4)


def test_channel_count_without_a_bs1770_layout_weights_every_channel_one_with_a_warning(tmp_path):
    # 4 channels: BS.1770 has no default weights; the file must keep its row (and its other features)
    rng = np.random.default_rng(4)
    y = (0.1 * rng.standard_normal((4, 2 * SR))).astype(np.float32)
    path = str(tmp_path / "quad.wav")
    sf.write(path, y.T, SR, subtype="FLOAT")
    spec = ExtractorSpec(features=["loudness", "rms"], sr=SR, functionals=["mean"],
                         segment={"window": 1.0, "hop": 0.5})
    r = process_file(path, spec)
    assert r.ok, r.error
    assert len(r.rows) == 3
    for row in r.rows:
        a, b = int(round(row["start"] * SR)), int(round(row["end"] * SR))
        want = float(audiofeat.loudness(y[:, a:b], SR, channel_axis=0, weights=[1.0] * 4))
        assert row["loudness"] == pytest.approx(want, abs=1e-4)
    assert [w["reason"] for w in r.warnings] == ["channel_weights"]  # once per file, not per segment
    given = process_file(path, ExtractorSpec(features=[{"name": "loudness", "params": {"weights": [1, 1, 0, 0]}}],
                                             sr=SR))
    assert given.ok and not given.warnings
    assert given.rows[0]["loudness"] == pytest.approx(_programme(y[:2]), abs=1e-4)


def test_extract_over_mixed_channel_counts(tmp_path):
    # 1, 2, 4 and 6 channels in one run: every file gets its programme loudness (4 channels: unit weights, a
    # warning); weights in the spec are not refused by the run's probe, and a file whose channel count does not
    # match them fails alone with a clear message
    from audiofeat.pipeline import extract, read_dataset

    rng = np.random.default_rng(6)
    folder = tmp_path / "in"
    folder.mkdir()
    signals = {}
    for c in (1, 2, 4, 6):
        y = (0.1 * rng.standard_normal((c, 2 * SR))).astype(np.float32)
        sf.write(str(folder / f"c{c}.wav"), y.T, SR, subtype="FLOAT")
        signals[f"c{c}.wav"] = y
    s = extract(str(folder), {"features": ["loudness"], "sr": SR}, str(tmp_path / "out"), jobs=2)
    assert s.files_done == 4 and s.files_failed == 0
    df = read_dataset(str(tmp_path / "out"))
    for path, value in zip(df["path"], df["loudness"]):
        y = signals[path.rsplit("/", 1)[-1]]
        weights = [1.0] * 4 if y.shape[0] == 4 else None
        assert value == pytest.approx(float(audiofeat.loudness(y, SR, channel_axis=0, weights=weights)), abs=1e-4)
    assert [e["reason"] for e in s.dataset_problems] == ["channel_weights"]
    spec = {"features": [{"name": "loudness", "params": {"weights": [1, 1, 1, 1]}}], "sr": SR}
    s = extract(str(folder), spec, str(tmp_path / "out4"))
    assert s.files_done == 1 and s.files_failed == 3
    assert all("weights has 4 values" in e["message"] for e in s.dataset_problems)


def test_truncated_stereo_file_is_warned_once(tmp_path):
    # the programme features read a multichannel file a second time: its truncation was reported twice
    import os

    y = (0.1 * np.random.default_rng(0).standard_normal((2, 2 * SR))).astype(np.float32)
    path = str(tmp_path / "t.wav")
    sf.write(path, y.T, SR, subtype="PCM_16")
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 40000)
    r = process_file(path, ExtractorSpec(features=["loudness", "mfcc"], sr=SR, functionals=["mean"]))
    assert r.ok, r.error
    assert [w["reason"] for w in r.warnings] == ["truncated"]
    kept = y[:, : (2 * SR * 4 - 40000) // 4]
    assert r.rows[0]["loudness"] == pytest.approx(_programme(kept), abs=1e-3)
