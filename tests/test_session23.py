"""Session 23: a sink reports its own run's problems from the manifests it wrote; a frame feature too short for
a clip has no frames (the file keeps its row); the feature set's DC and drift removal; typed errors of the
streaming STFT; `audiofeat info` on folders."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import soundfile as sf

from audiofeat.pipeline import extract
from audiofeat.pipeline import run as run_mod

SR = 8000
SPEC = {"features": ["mfcc"], "sr": SR, "functionals": ["mean", "std"]}


def _corpus(folder, n, bad=()):
    folder.mkdir()
    rng = np.random.default_rng(23)
    for i in range(n):
        path = folder / f"c{i:03d}.wav"
        if i in bad:
            path.write_bytes(b"not audio at all")
        else:
            sf.write(str(path), (0.1 * rng.standard_normal(SR // 2)).astype(np.float32), SR)
    return folder


def _parts(out):
    return sorted(n for n in os.listdir(out) if n.startswith("part-"))


def test_problems_of_this_run_equal_those_read_back_from_disk(tmp_path):
    folder = _corpus(tmp_path / "c", 60, bad={3, 41, 59})
    out = tmp_path / "out"
    s = extract(folder, SPEC, out, jobs=2, files_per_part=25, errors=tmp_path / "errors.jsonl")
    assert s.files_failed == 3
    # what the run reported (from the manifests it wrote, kept in memory) is what its manifests on disk hold
    on_disk = []
    meta = out / "_audiofeat"
    for name in sorted(n for n in os.listdir(meta) if n.startswith("manifest-")):
        for entry in json.loads((meta / name).read_text())["files"]:
            if entry.get("error"):
                on_disk.append({"level": "error", **entry["error"]})
            on_disk.extend({"level": "warning", **w} for w in entry.get("warnings", []))
    assert s.dataset_problems == on_disk
    assert [json.loads(line) for line in open(tmp_path / "errors.jsonl")] == on_disk
    assert sorted(p["path"] for p in on_disk if p["level"] == "error") == \
        [str(folder / f"c{i:03d}.wav") for i in (3, 41, 59)]
    # a resume reads the earlier run's manifests from disk: the same problems
    again = extract(folder, SPEC, out, jobs=2, resume=True)
    assert again.files_skipped == 60
    assert again.dataset_problems == on_disk


# ---------------------------------------------------------------------------------------- feature set and DC
def test_featureset_box_mean_is_the_windowed_mean():
    from audiofeat.featureset import _box_mean

    rng = np.random.default_rng(0)
    for n in (5, 401, 402, 1000):
        for half in (1, 200):
            x = rng.standard_normal(n)
            ref = [x[max(0, i - half): i + half + 1].mean() for i in range(n)]
            np.testing.assert_allclose(_box_mean(x, half), ref, rtol=1e-10, atol=1e-12)


def test_featureset_pitch_of_a_tone_survives_offset_and_drift():
    import audiofeat

    sr = 16000
    t = np.arange(3 * sr) / sr
    f0 = 150.0
    tone = sum(0.3 / k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 8))  # a harmonic tone at 150 Hz
    names = audiofeat.feature_names()
    clean = dict(zip(names, audiofeat.extract_features(tone, sr)))
    assert clean["F0semitone_mean"] == pytest.approx(12 * np.log2(f0 / 27.5), abs=0.3)
    for offset in (0.05 + 0 * t, 0.2 * np.sin(2 * np.pi * 2.0 * t), 0.1 * t):  # DC, a 2 Hz sway, a ramp
        v = dict(zip(names, audiofeat.extract_features(tone + offset, sr)))
        assert v["F0semitone_mean"] == pytest.approx(clean["F0semitone_mean"], abs=0.1)
        assert v["voiced_segments_per_sec"] == pytest.approx(clean["voiced_segments_per_sec"], abs=0.01)
        for key in ("loudness_mean", "HNR_mean", "spectral_flux_mean", "alpha_ratio_mean"):
            assert v[key] == pytest.approx(clean[key], rel=0.05, abs=1e-3), key



def test_streaming_stft_refuses_unknown_options_with_a_typed_error():
    from audiofeat.errors import ParameterError
    from audiofeat.streaming import MFCC, STFT

    with pytest.raises(ParameterError, match="deltas are of real features"):
        STFT(deltas=1)
    with pytest.raises(ParameterError, match=r"\['foo'\]"):
        STFT(n_fft=512, foo=1)
    assert MFCC(deltas=1) is not None  # the real front-ends still take them


# ------------------------------------------------------------------ frame features too short for one frame
def _noise(path, seconds, channels=1, seed=0):
    n = int(seconds * SR)
    y = 0.1 * np.random.default_rng(seed).standard_normal((n, channels) if channels > 1 else n)
    sf.write(str(path), y.astype(np.float32), SR)
    return str(path)


def test_short_clip_keeps_its_row_when_short_term_loudness_has_no_frame(tmp_path):
    import math

    from audiofeat.pipeline import ExtractorSpec, process_file

    path = _noise(tmp_path / "one.wav", 1.0)  # under short-term loudness's 3 s window
    spec = ExtractorSpec(features=["mfcc", "loudness_short_term", "loudness_momentary"], sr=SR,
                         functionals=["mean", "std"])
    r = process_file(path, spec)
    assert r.ok, r.error  # the file failed whole, its MFCCs with it
    row = r.rows[0]
    assert math.isnan(row["loudness_short_term_mean"]) and math.isnan(row["loudness_short_term_std"])
    assert np.isfinite(row["loudness_momentary_mean"]) and np.isfinite(row["mfcc_0_mean"])
    assert [(w["reason"], w["feature"]) for w in r.warnings] == [("too_short", "loudness_short_term")]
    assert "has no frames" in r.warnings[0]["message"]
    # frames kept: an empty time axis, and the parquet round trip keeps it
    r = process_file(path, ExtractorSpec(features=["loudness_short_term"], sr=SR, keep_frames=True))
    assert r.ok and r.rows[0]["loudness_short_term"].shape == (0,)
    # stereo, mono=False: no frame per channel, NaN functionals per channel
    stereo = _noise(tmp_path / "st.wav", 1.0, channels=2)
    r = process_file(stereo, ExtractorSpec(features=["loudness_short_term", "rms"], sr=SR, mono=False,
                                           functionals=["mean"]))
    assert r.ok, r.error
    assert math.isnan(r.rows[0]["loudness_short_term_0_mean"]) and math.isnan(r.rows[0]["loudness_short_term_1_mean"])
    assert np.isfinite(r.rows[0]["rms_1_0_mean"])


def test_run_over_mixed_lengths_keeps_every_file_and_long_ones_have_their_loudness(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    _noise(folder / "a_short.wav", 1.0, seed=1)
    _noise(folder / "b_long.wav", 4.0, seed=2)
    spec = {"features": ["loudness_short_term", "mfcc"], "sr": SR, "functionals": ["mean"]}
    s = extract(folder, spec, tmp_path / "out", jobs=1)
    assert (s.files_done, s.files_failed) == (2, 0)
    df = pd.read_parquet(tmp_path / "out").set_index("path")
    assert np.isnan(df.loc[str(folder / "a_short.wav"), "loudness_short_term_mean"])
    import audiofeat

    y, _ = audiofeat.load(str(folder / "b_long.wav"), sr=SR)
    expect = float(np.mean(audiofeat.loudness_short_term(y, SR)))
    assert df.loc[str(folder / "b_long.wav"), "loudness_short_term_mean"] == pytest.approx(expect, abs=1e-4)
    assert [p["reason"] for p in s.dataset_problems] == ["too_short"]


def test_probe_still_refuses_segments_no_frame_fits_in(tmp_path):
    from audiofeat.errors import ParameterError

    path = _noise(tmp_path / "a.wav", 2.0)
    with pytest.raises(ParameterError, match="would fail on every file"):
        extract([path], {"features": ["loudness_short_term"], "sr": SR, "functionals": ["mean"],
                         "segment": {"window": 1.0, "hop": 1.0}}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------- audiofeat info
def test_info_takes_folders_as_extract_does(tmp_path, capsys):
    from audiofeat.cli import main

    folder = tmp_path / "c"
    (folder / "sub").mkdir(parents=True)
    _noise(folder / "a.wav", 0.5)
    _noise(folder / "sub" / "b.wav", 0.25)
    (folder / "notes.txt").write_text("not audio")
    (folder / "bad.wav").write_bytes(b"junk")
    assert main(["info", str(folder), "--json"]) == 3  # the bad file: reported, the others listed
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_name = {os.path.basename(r["path"]): r for r in rows}
    assert sorted(by_name) == ["a.wav", "b.wav", "bad.wav"]  # not notes.txt
    assert by_name["a.wav"]["duration"] == pytest.approx(0.5) and by_name["b.wav"]["sr"] == SR
    assert by_name["bad.wav"]["error"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["info", str(empty)]) == 3
    assert "no audio files" in capsys.readouterr().err
