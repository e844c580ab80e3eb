"""The command line as a user runs it: help with examples, exit codes, extract/info/features/augment/plot,
``python -m audiofeat``, and a run with bad files that still completes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import audiofeat as af
from audiofeat.cli import main

pytest.importorskip("pyarrow", reason="parquet output needs pyarrow")
pd = pytest.importorskip("pandas", reason="reading datasets needs pandas")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "data", "samples")


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "audiofeat", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


def test_readme_main_job_works_and_reads_in_pandas(tmp_path):
    r = run("extract", SAMPLES, "-o", tmp_path / "features.parquet")
    assert r.returncode == 0, r.stderr
    assert "files: 5 done, 0 failed" in r.stdout
    df = pd.read_parquet(tmp_path / "features.parquet")
    assert len(df) == 5 and {"path", "duration", "sr", "mfcc", "mfcc_shape"} <= set(df.columns)


@pytest.mark.parametrize("sub", [[], ["extract"], ["info"], ["features"], ["augment"], ["plot"]])
def test_help_shows_an_example(sub):
    r = run(*sub, "--help")
    assert r.returncode == 0
    assert "example" in r.stdout and "audiofeat" in r.stdout


def test_exit_codes(tmp_path, capsys):
    assert main([]) == 2  # no command: help, usage error
    with pytest.raises(SystemExit) as e:
        main(["extract", SAMPLES])  # -o missing
    assert e.value.code == 2
    assert main(["extract", SAMPLES, "-o", str(tmp_path / "o"), "--features", "nope"]) == 2
    assert "unknown feature" in capsys.readouterr().err
    assert main(["extract", SAMPLES, "-o", str(tmp_path / "o1"), "--sr", "16000", "-q"]) == 0
    assert main(["extract", SAMPLES, "-o", str(tmp_path / "o1"), "-q"]) == 2  # exists: resume or overwrite
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(os.path.join(SAMPLES, "speech.wav"), bad)
    (bad / "broken.wav").write_text("not audio")
    assert main(["extract", str(bad), "-o", str(tmp_path / "o2"), "-q"]) == 3
    assert main(["info", os.path.join(SAMPLES, "speech.wav"), str(bad / "broken.wav")]) == 3


def test_a_run_with_bad_files_reports_them_and_completes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for clip in ("speech.wav", "melody.flac"):
        shutil.copy(os.path.join(SAMPLES, clip), src)
    (src / "empty.wav").write_bytes(b"")
    good = (src / "speech.wav").read_bytes()
    (src / "cut.wav").write_bytes(good[: len(good) // 3])
    r = run("extract", src, "-o", tmp_path / "o.parquet", "--errors", tmp_path / "errors.csv", "--sr", "16000",
            "--functionals", "mean,std", "--jobs", "2")
    assert r.returncode == 3, r.stderr
    assert "1 failed (empty 1)" in r.stdout and "truncated files (extracted from what is there, warned): 1" in r.stdout
    assert "empty.wav" in r.stdout
    rows = (tmp_path / "errors.csv").read_text().splitlines()
    assert rows[0] == "level,path,type,reason,message" and len(rows) == 3
    df = pd.read_parquet(tmp_path / "o.parquet")
    assert sorted(os.path.basename(p) for p in df.path) == ["cut.wav", "melody.flac", "speech.wav"]
    assert "mfcc_0_mean" in df.columns and "mfcc" not in df.columns


def test_extract_options_reach_the_spec(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("features:\n  - mfcc: {n_mfcc: 7}\nsr: 8000\n")
    r = run("extract", os.path.join(SAMPLES, "speech.wav"), "-o", tmp_path / "o", "--config", spec,
            "--segment", "1.0:0.5", "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["files_done"] == 1 and summary["rows"] == 8
    df = pd.read_parquet(tmp_path / "o")
    assert set(df.sr) == {8000} and np.stack(df.mfcc[0]).shape[0] == 7 and list(df.segment) == list(range(8))
    npz = run("extract", os.path.join(SAMPLES, "speech.wav"), "-o", tmp_path / "n", "--format", "npz",
              "--features", "melspectrogram,loudness", "-q")
    assert npz.returncode == 0 and (tmp_path / "n" / "speech.wav.npz").exists()


def test_info_and_features_as_json():
    r = run("info", os.path.join(SAMPLES, "speech.wav"), "--json")
    rec = json.loads(r.stdout)
    assert (rec["sr"], rec["channels"], rec["truncated"]) == (16000, 1, False)
    assert rec["duration"] == pytest.approx(af.info(os.path.join(SAMPLES, "speech.wav")).duration)
    feats = [json.loads(line) for line in run("features", "--json").stdout.splitlines()]
    by = {f["name"]: f for f in feats}
    assert by["mfcc"]["parameters"]["n_mfcc"] == 20 and by["loudness"]["kind"] == "scalar"
    assert by["mfcc"]["streamable"] is True and by["logmel"]["streamable"] is True
    assert by["loudness_momentary"]["streamable"] is False


def test_augment_is_reproducible_per_seed(tmp_path):
    cfg = tmp_path / "aug.json"
    cfg.write_text(json.dumps({"name": "Compose", "transforms": [
        {"name": "Gain", "gain_db": [-12, -3], "p": 1.0},
        {"name": "AddColoredNoise", "snr_db": [10, 20], "color": "pink", "p": 1.0}]}))
    outs = []
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        r = run("augment", os.path.join(SAMPLES, "speech.wav"), os.path.join(SAMPLES, "noise.wav"), "-o",
                tmp_path / name, "--config", cfg, "--seed", seed)
        assert r.returncode == 0, r.stderr
        outs.append(af.load(str(tmp_path / name / "speech.wav"), sr=None)[0])
    y, _ = af.load(os.path.join(SAMPLES, "speech.wav"), sr=None)
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.allclose(outs[0], outs[2]) and not np.allclose(outs[0], y, atol=1e-3)
    again = run("augment", os.path.join(SAMPLES, "speech.wav"), "-o", tmp_path / "a", "--config", cfg)
    assert again.returncode == 3 and "exists" in again.stderr  # never overwritten without --overwrite


def test_plot_writes_a_png_of_the_asked_size(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib")
    png = tmp_path / "speech.png"
    r = run("plot", os.path.join(SAMPLES, "speech.wav"), "--feature", "mfcc", "-o", png, "--width", "6",
            "--height", "4", "--dpi", "50")
    assert r.returncode == 0, r.stderr
    import matplotlib.image

    img = matplotlib.image.imread(str(png))
    assert img.shape[:2] == (200, 300)
    bad = run("plot", os.path.join(SAMPLES, "speech.wav"), "--feature", "nonsense", "-o", png)
    assert bad.returncode == 2 and "available" in bad.stderr


def test_segment_by_voice_activity(tmp_path):
    r = run("extract", os.path.join(SAMPLES, "speech.wav"), "-o", tmp_path / "o", "--segment", "vad",
            "--functionals", "mean", "--sr", "16000", "--json")
    assert r.returncode == 0, r.stderr
    df = pd.read_parquet(tmp_path / "o")
    assert len(df) >= 2 and (df.end > df.start).all() and list(df.segment) == list(range(len(df)))
