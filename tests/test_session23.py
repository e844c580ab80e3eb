"""Session 23: a pool run commits its batch once more ahead of the last results (a small last part), and a
sink reports its own run's problems from the manifests it wrote; the dataset is the same as before."""

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


def test_pool_run_commits_ahead_of_the_last_results(tmp_path):
    folder = _corpus(tmp_path / "c", 100)
    one = extract(folder, SPEC, tmp_path / "one", jobs=1, files_per_part=200)
    two = extract(folder, SPEC, tmp_path / "two", jobs=2, files_per_part=200)
    assert one.files_done == two.files_done == 100
    # jobs=1: one part (nothing to overlap in one process); jobs=2: the batch committed when the last
    # 2 * _TAIL_FILES files were still to come, then those
    assert len(_parts(tmp_path / "one")) == 1
    parts = _parts(tmp_path / "two")
    tail = run_mod._TAIL_FILES * 2
    assert [pq.read_metadata(tmp_path / "two" / p).num_rows for p in parts] == [100 - tail, tail]
    a, b = pd.read_parquet(tmp_path / "one"), pd.read_parquet(tmp_path / "two")
    assert list(a["path"]) == list(b["path"]) == sorted(str(p) for p in folder.glob("*.wav"))
    pd.testing.assert_frame_equal(a, b)


def test_no_extra_part_when_the_batch_is_smaller_than_the_tail(tmp_path):
    # 50 files, parts of 20: when 32 files are left the batch holds 18, fewer than the tail, so committing it
    # early would not make the last part smaller: the parts are the usual ones
    folder = _corpus(tmp_path / "c", 50)
    extract(folder, SPEC, tmp_path / "two", jobs=2, files_per_part=20)
    rows = [pq.read_metadata(tmp_path / "two" / p).num_rows for p in _parts(tmp_path / "two")]
    assert rows == [20, 20, 10]


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
