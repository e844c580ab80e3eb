"""The extraction pipeline: specs, values equal to the core functions, long files in blocks, segments, sinks,
process pools, bad files that do not stop a run, exact resume after kill -9, and an output folder that is
never destroyed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import audiofeat as af
from audiofeat.errors import ParameterError
from audiofeat.pipeline import (ExtractorSpec, FEATURES, discover, extract, process_file, read_dataset,
                                register_feature)
from audiofeat.pipeline import compute as C

pytest.importorskip("pyarrow", reason="parquet output needs pyarrow")
pd = pytest.importorskip("pandas", reason="reading datasets needs pandas")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "data", "samples")
CLIPS = ["chord.mp3", "drums.ogg", "melody.flac", "noise.wav", "speech.wav"]


# ------------------------------------------------------------------------------------------------ spec
def test_spec_round_trips_through_dict_json_and_yaml(tmp_path):
    spec = ExtractorSpec(features=[{"mfcc": {"n_mfcc": 13, "deltas": [1, 2]}}, "loudness"], sr=16000,
                         segment={"window": 2.0}, functionals=["mean", "p90"])
    assert ExtractorSpec.from_dict(spec.to_dict()) == spec
    assert ExtractorSpec.from_json(spec.to_json()) == spec
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec.to_dict()))
    assert ExtractorSpec.load(path) == spec
    assert spec.segment == {"window": 2.0, "hop": 2.0} and spec.keep_frames is False


@pytest.mark.parametrize("bad, match", [
    ({"features": ["nope"]}, "unknown feature"),
    ({"features": [{"mfcc": {"n_mfccs": 3}}]}, "no parameter"),
    ({"features": [{"name": "loudness", "deltas": [1]}]}, "frame-level"),
    ({"features": [{"name": "mfcc", "deltas": [3]}]}, "deltas"),
    ({"features": []}, "at least one"),
    ({"features": ["mfcc", "mfcc"]}, "twice"),
    ({"sr": -1}, "sr"),
    ({"sr": 16000.5}, "sr"),
    ({"segment": {"window": 0}}, "window"),
    ({"segment": {"hop": 1}}, "segment"),
    ({"functionals": ["mode"]}, "unknown statistic"),
    ({"colour": "blue"}, "unknown spec keys"),
])
def test_bad_specs_raise_parameter_errors(bad, match):
    with pytest.raises(ParameterError, match=match):
        ExtractorSpec.from_dict(bad)


def test_bad_spec_text_raises():
    with pytest.raises(ParameterError, match="JSON"):
        ExtractorSpec.from_json("{features: ")
    with pytest.raises(ParameterError, match="cannot read"):
        ExtractorSpec.load("/nonexistent/spec.yaml")


def test_a_feature_is_one_registration_line():
    def peak(y, *, floor=0.0):
        return np.maximum(np.abs(y).max(axis=-1), floor)

    register_feature("peak_test", peak, kind="scalar")
    try:
        r = process_file(os.path.join(SAMPLES, "speech.wav"), ExtractorSpec(features=["peak_test"], sr=16000))
        y, _ = af.load(os.path.join(SAMPLES, "speech.wav"), sr=16000)
        assert r.ok and r.rows[0]["peak_test"] == pytest.approx(float(np.abs(y).max()))
    finally:
        del FEATURES["peak_test"]


# ------------------------------------------------------------------------------------------------ values
@pytest.mark.parametrize("clip", CLIPS)
def test_rows_equal_the_core_functions(clip):
    spec = ExtractorSpec(features=[{"name": "mfcc", "params": {"n_mfcc": 13}, "deltas": [1]}, "melspectrogram",
                                   "loudness"], sr=16000, functionals=["mean", "std", "p90"], keep_frames=True)
    r = process_file(os.path.join(SAMPLES, clip), spec)
    assert r.ok, r.error
    row = r.rows[0]
    y, sr = af.load(os.path.join(SAMPLES, clip), sr=16000)
    M = af.mfcc(y=y, sr=sr, n_mfcc=13)
    np.testing.assert_array_equal(row["mfcc"], M)
    np.testing.assert_allclose(row["mfcc_delta"], af.delta(M), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(row["melspectrogram"], af.melspectrogram(y=y, sr=sr))
    # loudness is the programme's (BS.1770 sums the channels' powers), not the mix's (session 22)
    channels, _ = af.load(os.path.join(SAMPLES, clip), sr=16000, mono=False)
    assert row["loudness"] == pytest.approx(float(af.loudness(channels, sr, channel_axis=0)))
    assert row["mfcc_3_p90"] == pytest.approx(float(np.percentile(M[3], 90)), rel=1e-6)
    assert row["duration"] == pytest.approx(len(y) / sr) and row["sr"] == 16000
    st = os.stat(os.path.join(SAMPLES, clip))
    assert row["size"] == st.st_size and row["mtime"] == st.st_mtime


@pytest.mark.parametrize("clip, sr, mono", [("melody.flac", 16000, True), ("speech.wav", 16000, True),
                                            ("chord.mp3", 22050, False), ("drums.ogg", None, True)])
def test_long_file_blocks_give_the_whole_files_features(clip, sr, mono, monkeypatch):
    """The block path (bounded memory) against the whole-signal path, resampling included."""
    spec = ExtractorSpec(features=["mfcc", {"name": "melspectrogram", "deltas": [1, 2]}, "stft", "logmel"],
                         sr=sr, mono=mono)
    whole = process_file(os.path.join(SAMPLES, clip), spec).rows[0]
    monkeypatch.setattr(C, "STREAM_BLOCK_SECONDS", 0.37)  # many blocks, none aligned with the hop
    calls = []
    feed = C._Framer.feed
    monkeypatch.setattr(C._Framer, "feed", lambda self, x, last: (calls.append(x.shape), feed(self, x, last)))
    blocks = process_file(os.path.join(SAMPLES, clip), spec.replace(block_seconds=1.0)).rows[0]
    assert len(calls) > 20, "the block path was not taken"
    for key in ("mfcc", "melspectrogram", "melspectrogram_delta2", "stft", "logmel"):
        a, b = whole[key], blocks[key]
        assert a.shape == b.shape, key
        scale = np.abs(a).max()
        # the resampler runs as one stream instead of one call: float rounding differences only
        assert np.abs(a - b).max() <= (1e-6 if sr is None or clip == "speech.wav" else 1e-3) * scale, key
    assert whole["duration"] == blocks["duration"]
    if not mono:
        assert whole["mfcc"].shape[0] == 2


def test_segments_are_the_features_of_their_windows():
    spec = ExtractorSpec(features=["mfcc"], sr=16000, segment={"window": 1.0, "hop": 0.5})
    r = process_file(os.path.join(SAMPLES, "speech.wav"), spec)
    y, sr = af.load(os.path.join(SAMPLES, "speech.wav"), sr=16000)
    assert len(r.rows) == 1 + int((len(y) / sr - 1.0) // 0.5)
    for i, row in enumerate(r.rows):
        assert row["segment"] == i and row["start"] == pytest.approx(0.5 * i) and row["duration"] == 1.0
        np.testing.assert_array_equal(row["mfcc"], af.mfcc(y=y[8000 * i: 8000 * i + 16000], sr=sr))
    short = process_file(os.path.join(SAMPLES, "speech.wav"), spec.replace(segment={"window": 60.0}))
    assert len(short.rows) == 1 and short.rows[0]["duration"] == pytest.approx(len(y) / sr)


@pytest.mark.parametrize("F", ["silence", "one-frame"])
def test_functionals_are_finite_on_silence_and_one_frame(tmp_path, F):
    path = str(tmp_path / "x.wav")
    n = 16000 if F == "silence" else 100
    af.save(path, np.zeros(n, dtype=np.float32), 16000)
    spec = ExtractorSpec(features=["mfcc", "melspectrogram"], sr=16000, functionals=("mean", "std", "skew",
                                                                                     "kurtosis", "slope"))
    r = process_file(path, spec)
    assert r.ok, r.error
    values = [v for k, v in r.rows[0].items() if k.startswith(("mfcc_", "melspectrogram_"))]
    assert values and np.all(np.isfinite(values))


def test_torch_device_path_matches_numpy():
    pytest.importorskip("torch", reason="spec.device computes on torch")
    spec = ExtractorSpec(features=["mfcc", "melspectrogram"], sr=16000)
    a = process_file(os.path.join(SAMPLES, "melody.flac"), spec).rows[0]
    b = process_file(os.path.join(SAMPLES, "melody.flac"), spec.replace(device="cpu")).rows[0]
    for key in ("mfcc", "melspectrogram"):
        assert isinstance(b[key], np.ndarray)
        assert np.abs(a[key] - b[key]).max() <= 1e-4 * np.abs(a[key]).max()


# ------------------------------------------------------------------------------------------------ runs
def test_extract_parquet_reads_in_pandas_and_datasets(tmp_path):
    out = tmp_path / "features.parquet"
    s = extract(SAMPLES, {"features": ["mfcc"], "sr": 16000}, out)
    assert (s.files_done, s.files_failed, s.rows) == (5, 0, 5)
    df = pd.read_parquet(out)
    assert sorted(os.path.basename(p) for p in df.path) == sorted(CLIPS)
    row = df[df.path.str.endswith("speech.wav")].iloc[0]
    M = np.stack(row.mfcc)
    assert M.shape == tuple(row.mfcc_shape) == (20, 151)
    y, _ = af.load(os.path.join(SAMPLES, "speech.wav"), sr=16000)
    np.testing.assert_allclose(M, af.mfcc(y=y, sr=16000), rtol=1e-6)
    stamp = json.loads((out / "_audiofeat" / "spec.json").read_text())
    assert stamp["spec"]["features"] == [{"name": "mfcc"}] and stamp["audiofeat_version"] == af.__version__
    import pyarrow.parquet as pq

    meta = pq.read_schema(next(out.glob("part-*.parquet"))).metadata[b"audiofeat"]
    assert json.loads(meta)["spec"]["sr"] == 16000
    datasets = pytest.importorskip("datasets", reason="Hugging Face datasets reads the parquet output")
    ds = datasets.load_dataset("parquet", data_files=str(out / "*.parquet"), split="train")
    assert ds.num_rows == 5 and "mfcc" in ds.column_names


def test_npz_mirrors_the_input_tree(tmp_path):
    tree = tmp_path / "in"
    (tree / "a" / "b").mkdir(parents=True)
    shutil.copy(os.path.join(SAMPLES, "speech.wav"), tree / "a" / "b" / "s.wav")
    shutil.copy(os.path.join(SAMPLES, "melody.flac"), tree / "m.flac")
    out = tmp_path / "out"
    s = extract(tree, {"features": ["mfcc"], "segment": {"window": 1.0}}, out, format="npz")
    assert s.files_done == 2
    z = np.load(out / "in" / "a" / "b" / "s.wav.npz")
    assert z["mfcc"].shape[0] == z["start"].shape[0] == 4 and str(z["path"]).endswith("s.wav")
    assert json.loads(str(z["spec"]))["segment"] == {"window": 1.0, "hop": 1.0}
    assert (out / "in" / "m.flac.npz").exists()


@pytest.mark.parametrize("method", [None, "forkserver", "spawn"])
def test_two_jobs_equal_one(tmp_path, monkeypatch, method):
    spec = {"features": ["mfcc", "loudness"], "sr": 16000, "functionals": ["mean", "p10"]}
    one = extract(SAMPLES, spec, tmp_path / "one")
    if method:  # was: under forkserver every worker exited at start and every file failed (worker_died)
        monkeypatch.setenv("AUDIOFEAT_START_METHOD", method)
    s = extract(SAMPLES, spec, tmp_path / "two", jobs=2)
    assert s.files_failed == 0 and s.files_done == one.files_done == 5
    pd.testing.assert_frame_equal(read_dataset(tmp_path / "one"), read_dataset(tmp_path / "two"))


def _bad_corpus(root) -> dict[str, str]:
    """>= 10 kinds of bad input beside good files; name -> expected reason (None: good)."""
    root.mkdir(parents=True, exist_ok=True)
    for clip in ("speech.wav", "melody.flac"):
        shutil.copy(os.path.join(SAMPLES, clip), root / clip)
    expected = {"speech.wav": None, "melody.flac": None}
    (root / "empty.wav").write_bytes(b"")
    expected["empty.wav"] = "empty"
    (root / "text.wav").write_text("this is not audio\n" * 20)
    expected["text.wav"] = "not_audio"
    good = (root / "speech.wav").read_bytes()
    (root / "truncated.wav").write_bytes(good[: len(good) // 2])
    expected["truncated.wav"] = "truncated-warning"
    (root / "header_only.wav").write_bytes(good[:44])
    expected["header_only.wav"] = "empty"
    corrupt = bytearray(good)
    corrupt[8:12] = b"XXXX"
    (root / "corrupt.wav").write_bytes(bytes(corrupt))
    expected["corrupt.wav"] = "not_audio"
    (root / "folder.wav").mkdir()
    expected["folder.wav"] = "unreadable"
    nan = np.zeros(1600, dtype=np.float32)
    nan[100] = np.nan
    import soundfile as sf

    sf.write(root / "nan.wav", nan, 16000, subtype="FLOAT")
    expected["nan.wav"] = "non_finite"
    (root / "locked.wav").write_bytes(good)
    os.chmod(root / "locked.wav", 0)
    expected["locked.wav"] = "unreadable" if os.geteuid() != 0 else None  # root reads anything
    os.symlink(root / "missing-target.wav", root / "dangling.wav")
    expected["dangling.wav"] = "missing"
    (root / "garbage.flac").write_bytes(os.urandom(4096))
    expected["garbage.flac"] = "not_audio"
    (root / "zero_frames.flac").write_bytes(b"fLaC" + b"\x00" * 40)
    expected["zero_frames.flac"] = "corrupt"
    return expected


def test_a_folder_of_bad_files_is_recorded_and_the_good_ones_complete(tmp_path):
    expected = _bad_corpus(tmp_path / "in")
    out, errors = tmp_path / "out.parquet", tmp_path / "errors.jsonl"
    s = extract([tmp_path / "in", tmp_path / "in" / "not-there.wav"], {"features": ["mfcc"], "sr": 16000}, out,
                errors=errors)
    expected["not-there.wav"] = "missing"
    records = [json.loads(line) for line in errors.read_text().splitlines()]
    by_name = {os.path.basename(r["path"]): r for r in records}
    for name, reason in expected.items():
        if reason is None:
            continue
        rec = by_name.get(name)
        assert rec is not None, f"{name} was not recorded"
        if reason == "truncated-warning":
            assert rec["level"] == "warning" and rec["reason"] == "truncated"
        else:
            assert rec["level"] == "error" and rec["type"].endswith("Error"), rec
            assert rec["reason"] in (reason, "corrupt", "not_audio") and rec["message"], rec
    good = {n for n, r in expected.items() if r in (None, "truncated-warning")}
    df = read_dataset(out)
    assert {os.path.basename(p) for p in df.path} == good
    assert s.files_done == len(good) and s.files_failed == len(expected) - len(good)
    assert s.truncated_warned == 1 and sum(s.failed_by_reason.values()) == s.files_failed
    assert len([n for n, r in expected.items() if r not in (None, "truncated-warning")]) >= 10
    # the same records are kept with the dataset
    kept = [json.loads(line) for line in (out / "_audiofeat" / "errors.jsonl").read_text().splitlines()]
    assert sorted(r["path"] for r in kept) == sorted(r["path"] for r in records)


# ------------------------------------------------------------------------------------------------ output safety
def test_output_folder_is_never_destroyed(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("precious")
    with pytest.raises(ParameterError, match="not an audiofeat dataset"):
        extract(SAMPLES, None, mine)
    with pytest.raises(ParameterError, match="not an audiofeat dataset"):
        extract(SAMPLES, None, mine, overwrite=True)
    assert (mine / "thesis.txt").read_text() == "precious" and sorted(os.listdir(mine)) == ["thesis.txt"]
    afile = tmp_path / "file.parquet"
    afile.write_text("x")
    with pytest.raises(ParameterError, match="is a file"):
        extract(SAMPLES, None, afile)
    assert afile.read_text() == "x"
    out = tmp_path / "out"
    extract(SAMPLES, {"features": ["mfcc"], "sr": 16000}, out)
    with pytest.raises(ParameterError, match="already holds"):
        extract(SAMPLES, {"features": ["mfcc"], "sr": 16000}, out)
    with pytest.raises(ParameterError, match="another spec"):
        extract(SAMPLES, {"features": ["mfcc"], "sr": 8000}, out, resume=True)
    (out / "notes.txt").write_text("mine")
    s = extract(SAMPLES, {"features": ["melspectrogram"], "sr": 16000}, out, overwrite=True)
    assert s.files_done == 5 and (out / "notes.txt").read_text() == "mine"
    assert "melspectrogram" in read_dataset(out).columns


def test_npz_paths_stay_inside_out(tmp_path):
    (tmp_path / "x").mkdir()
    shutil.copy(os.path.join(SAMPLES, "speech.wav"), tmp_path / "x" / "s.wav")
    shutil.copy(os.path.join(SAMPLES, "speech.wav"), tmp_path / "s.wav")
    with pytest.raises(ParameterError, match="same npz"):
        extract([tmp_path / "x" / "s.wav", tmp_path / "s.wav"], None, tmp_path / "o", format="npz")
    s = extract([os.path.join(str(tmp_path), "x", "..", "s.wav")], None, tmp_path / "o2", format="npz")
    assert s.files_done == 1 and os.listdir(tmp_path / "o2") == ["_audiofeat", "s.wav.npz"] or \
        sorted(os.listdir(tmp_path / "o2")) == ["_audiofeat", "s.wav.npz"]


def test_discover_is_stable_and_reports_audio_named_folders(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.wav").write_bytes(b"")
    (tmp_path / "b" / "c.flac").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "d.wav").mkdir()
    names = [rel for _, rel in discover(tmp_path)]
    base = tmp_path.name
    assert names == [f"{base}/d.wav", f"{base}/a.wav", f"{base}/b/c.flac"]
    assert [rel for _, rel in discover(tmp_path, glob="*.txt")] == [f"{base}/notes.txt"]


# ------------------------------------------------------------------------------------------------ resume
def _corpus(root, n: int = 24):
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        af.save(str(root / f"clip{i:03d}.wav"), (0.1 * rng.standard_normal(8000 + 400 * i)).astype(np.float32),
                16000)


def test_resume_after_kill_9_gives_the_uninterrupted_dataset(tmp_path):
    _corpus(tmp_path / "in", 40)
    spec = {"features": ["mfcc", {"name": "melspectrogram", "deltas": [1]}], "sr": 16000,
            "functionals": ["mean", "p90"], "keep_frames": True}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    extract(tmp_path / "in", spec, tmp_path / "full")
    args = ["extract", str(tmp_path / "in"), "-o", str(tmp_path / "cut"), "--config", str(tmp_path / "spec.json"),
            "--part-files", "3", "--jobs", "2", "-q"]
    # the real command line, with each file slowed down (in the forked workers too) so the kill lands midway
    slow = ("import sys, time; from audiofeat.pipeline import run; f = run.process_file; "
            "run.process_file = lambda p, s: (time.sleep(0.05), f(p, s))[1]; "
            "from audiofeat.cli import main; sys.exit(main(sys.argv[1:]))")
    cmd = [sys.executable, "-c", slow] + args
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    meta = tmp_path / "cut" / "_audiofeat"
    deadline = time.time() + 120
    while time.time() < deadline:
        if meta.exists() and len(list(meta.glob("manifest-*.json"))) >= 3:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(meta.glob("manifest-*.json")))
    assert 3 <= done < 14, f"the kill did not land midway ({done} of 14 batches committed)"
    rc = subprocess.run([sys.executable, "-m", "audiofeat"] + args[:-1] + ["--resume"], cwd=ROOT,
                        capture_output=True, text=True, timeout=300)
    assert rc.returncode == 0, rc.stderr
    assert "already done" in rc.stdout
    full, cut = read_dataset(tmp_path / "full"), read_dataset(tmp_path / "cut")
    assert len(cut) == 40 and cut.path.is_unique
    pd.testing.assert_frame_equal(full, cut)
    assert not list((tmp_path / "cut").glob(".*.tmp"))


def test_a_dead_worker_fails_only_its_file_when_tasks_hold_several_files(tmp_path, monkeypatch):
    # 40 files on 2 jobs: each pool task carries 5 consecutive files; the crash takes down one task (and any
    # in flight), and every file of them but the culprit is extracted again in a process of its own
    from audiofeat.pipeline import run

    _corpus(tmp_path / "in", 40)
    paths = [p for p, _ in run.discover(tmp_path / "in")]
    assert max(len(t) for t in run._tasks(paths, 2)) == 5 and sum(run._tasks(paths, 2), []) == paths
    real = run.process_file

    def crash_on_clip017(path, spec):
        if "clip017" in path:
            os._exit(1)
        return real(path, spec)

    monkeypatch.setattr(run, "process_file", crash_on_clip017)
    s = extract(tmp_path / "in", {"features": ["mfcc"], "sr": 16000}, tmp_path / "out", jobs=2)
    assert s.files_failed == 1 and s.failed_by_reason == {"worker_died": 1} and s.files_done == 39
    assert sorted(os.path.basename(p) for p in read_dataset(tmp_path / "out").path) == [
        f"clip{i:03d}.wav" for i in range(40) if i != 17]


@pytest.mark.parametrize("n, jobs", [(1000, 2), (100, 2), (37, 3), (10, 4), (1, 2)])
def test_pool_tasks_cover_every_file_in_order_and_shrink_towards_the_end(n, jobs):
    """Guided scheduling: consecutive runs of the input, at most 32 files, never fewer than 4 per worker
    tasks when there are that many files, and the last tasks of one or two files (a worker left with a
    full task while the others idle was 30-60 ms of one core at the end of a run)."""
    from audiofeat.pipeline import run

    paths = [f"/does/not/exist/clip{i:05d}.wav" for i in range(n)]
    tasks = run._tasks(paths, jobs)
    assert sum(tasks, []) == paths and all(tasks)
    assert max(map(len, tasks)) <= run._TASK_FILES
    assert len(tasks) >= min(n, 4 * jobs)
    sizes = [len(t) for t in tasks]
    assert sizes[-jobs:] == [1] * min(jobs, len(sizes))  # each worker's last task is one file
    assert sizes == sorted(sizes, reverse=True)  # the size only ever shrinks


def test_keep_heap_pad_stops_the_page_fault_storm_of_a_file_loop():
    """A file's arrays (ten of a 5 s clip's 320 KB), allocated and freed file after file: glibc trims the
    freed top of its heap after every file, and the next file faults the pages in again (hundreds of page
    faults per file; 610 per file in a real 1,000-file run). keep_heap_pad (called by `import audiofeat`, so in
    every process of a run) keeps 8 MiB there and pins the mmap threshold at 32 MiB: none, even
    where the dynamic threshold had been frozen at 128 KiB (then a pad alone left ~800 faults per file)."""
    import platform
    import subprocess
    import sys

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt thresholds are glibc's")
    code = """
import ctypes, resource, sys
# glibc's dynamic mmap threshold frozen at its initial 128 KiB, as any mallopt call before a large free
# leaves it (keep_heap_pad must not depend on what the process allocated before)
ctypes.CDLL(None).mallopt(-2, 128 * 1024)
import numpy as np
if sys.argv[1] == "tuned":
    from audiofeat._heap import keep_heap_pad
    assert keep_heap_pad() is True
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    a = [np.ones(80_000, np.float32) for _ in range(10)]; del a
f0 = faults()
for _ in range(100):
    a = [np.ones(80_000, np.float32) for _ in range(10)]; del a
print((faults() - f0) / 100)
"""
    per_file = {}
    for mode in ("plain", "tuned"):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "AUDIOFEAT_MALLOC"))}
        out = subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True, timeout=120,
                             cwd=str(ROOT), env=env)
        assert out.returncode == 0, out.stderr
        per_file[mode] = float(out.stdout.strip())
    assert per_file["plain"] > 100, per_file  # the storm this guards against (else the check below proves nothing)
    assert per_file["tuned"] < 10, per_file


def test_a_worker_dying_while_the_parent_commits_fails_only_its_file(tmp_path, monkeypatch):
    # was: BrokenProcessPool raised by submit() (the parent busy between two results when the worker died)
    # ended the run with exit 1; and every file of the lost tasks ran again in a process of its own
    import time

    from audiofeat.pipeline import run

    _corpus(tmp_path / "in", 60)
    real = run.process_file

    def crash_on_clip020(path, spec):
        if "clip020" in path:
            time.sleep(0.3)
            os._exit(1)
        return real(path, spec)

    def slow_commit(r):
        if r.path.endswith("clip015.wav"):
            time.sleep(1.5)  # the worker dies now, while the parent is away from the pool

    pools = []
    new_pool = run._new_pool
    monkeypatch.setattr(run, "_new_pool", lambda jobs, folder: pools.append(jobs) or new_pool(jobs, folder))
    monkeypatch.setattr(run, "process_file", crash_on_clip020)
    s = extract(tmp_path / "in", {"features": ["mfcc"], "sr": 16000}, tmp_path / "out", jobs=2, progress=slow_commit)
    assert s.files_done == 59 and s.failed_by_reason == {"worker_died": 1}
    assert sorted(os.path.basename(p) for p in read_dataset(tmp_path / "out").path) == [
        f"clip{i:03d}.wav" for i in range(60) if i != 20]
    # the lost tasks' files run again in a pool, and only the files in flight at the second death run alone
    assert len(pools) <= 4 + 2 * 4


def test_a_dead_worker_fails_only_its_file(tmp_path, monkeypatch):
    from audiofeat.pipeline import run

    _corpus(tmp_path / "in", 6)
    real = run.process_file

    def crash_on_clip002(path, spec):
        if "clip002" in path:
            os._exit(1)  # a segfault or the OOM killer, as far as the parent can tell
        return real(path, spec)

    monkeypatch.setattr(run, "process_file", crash_on_clip002)  # forked workers inherit it
    s = extract(tmp_path / "in", {"features": ["mfcc"], "sr": 16000}, tmp_path / "out", jobs=2)
    assert s.files_failed == 1 and s.failed_by_reason == {"worker_died": 1} and s.files_done == 5
    assert sorted(os.path.basename(p) for p in read_dataset(tmp_path / "out").path) == [
        f"clip{i:03d}.wav" for i in range(6) if i != 2]


# ------------------------------------------------------------------------------------------------ memory
def test_two_hour_file_stays_under_500_mb(tmp_path):
    """A 2-hour 16 kHz file: decoded and analysed in blocks, peak RSS (whole process) < 500 MB."""
    import soundfile as sf

    path = tmp_path / "long.wav"
    sr, seconds = 16000, 7200
    with sf.SoundFile(str(path), "w", sr, 1, subtype="PCM_16") as f:
        rng = np.random.default_rng(0)
        block = (0.1 * rng.standard_normal(sr * 60)).astype(np.float32)
        for _ in range(seconds // 60):
            f.write(block)
    code = f"""
import json
from audiofeat.pipeline import process_file, ExtractorSpec
r = process_file({str(path)!r}, ExtractorSpec(features=["mfcc"], sr=16000,
                                                functionals=["mean", "std", "p10", "p90", "slope"]))
assert r.ok, r.error
# VmHWM: the peak RSS of this program's memory; ru_maxrss would include the forked pytest parent's
# high-water mark, which Linux carries across exec
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(json.dumps({{"rss_mb": hwm / 1024, "seconds": r.seconds}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["seconds"] == pytest.approx(seconds)
    assert res["rss_mb"] < 500, res


def test_two_runs_cannot_write_one_folder(tmp_path):
    out = tmp_path / "out"
    extract(SAMPLES, {"features": ["mfcc"], "sr": 16000}, out)
    holder = subprocess.Popen([sys.executable, "-c", (  # another process holds the folder's lock
        "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); fcntl.lockf(f.fileno(), fcntl.LOCK_EX); "
        "print('locked', flush=True); time.sleep(60)"), str(out / "_audiofeat" / "lock")], stdout=subprocess.PIPE,
        text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ParameterError, match="another audiofeat run"):
            extract(SAMPLES, {"features": ["mfcc"], "sr": 16000}, out, resume=True)
        with pytest.raises(ParameterError, match="another audiofeat run"):
            extract(SAMPLES, {"features": ["mfcc"], "sr": 16000}, out, overwrite=True)
    finally:
        holder.kill()
        holder.wait()
    assert len(read_dataset(out)) == 5
    s = extract(SAMPLES, {"features": ["mfcc"], "sr": 16000}, out, resume=True)  # released: works again
    assert s.files_skipped == 5 and s.files_done == 0


def test_voice_activity_segments(tmp_path):
    """segment {voice_activity: true}: one row per speech segment of audiofeat.effects.voice_activity."""
    spec = ExtractorSpec(features=["mfcc"], sr=16000, segment={"voice_activity": True}, functionals=["mean"])
    r = process_file(os.path.join(SAMPLES, "speech.wav"), spec)
    assert r.ok, r.error
    y, sr = af.load(os.path.join(SAMPLES, "speech.wav"), sr=16000)
    segs = np.asarray(af.effects.voice_activity(y, sr)).reshape(-1, 2)
    assert len(r.rows) == len(segs) >= 2
    for row, (t0, t1) in zip(r.rows, segs):
        assert row["start"] == pytest.approx(t0, abs=1 / sr) and row["end"] == pytest.approx(t1, abs=1 / sr)
        a, b = int(round(t0 * sr)), int(round(t1 * sr))
        assert row["mfcc_0_mean"] == pytest.approx(float(af.mfcc(y=y[a:b], sr=sr)[0].mean()), rel=1e-5)
    silent = str(tmp_path / "silence.wav")
    af.save(silent, np.zeros(16000, dtype=np.float32), 16000)
    quiet = process_file(silent, spec)
    assert quiet.ok and quiet.rows == [] and quiet.warnings[0]["reason"] == "no_speech"
    with pytest.raises(ParameterError, match="cannot be combined"):
        ExtractorSpec(segment={"voice_activity": True, "window": 1.0})
    with pytest.raises(ParameterError, match="no parameter"):
        ExtractorSpec(segment={"voice_activity": {"loudness": 3}})
    assert ExtractorSpec(segment={"voice_activity": {"threshold": 3.0}}).segment == {
        "voice_activity": {"threshold": 3.0}}
