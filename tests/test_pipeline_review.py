"""A hostile review of the pipeline and the command line (issue 8): each test is a defect that was found,
reproduced, and fixed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import audiofeat as af
from audiofeat.errors import ParameterError
from audiofeat.pipeline import ExtractorSpec, extract

pytest.importorskip("pyarrow", reason="parquet output needs pyarrow")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("bad", [
    {"features": 5},                                          # was TypeError: 'int' object is not iterable
    {"features": [{"mfcc": 3}]},                              # was TypeError
    {"features": [{"name": "mfcc", "params": [1]}]},          # was TypeError
    {"features": [{"mfcc": {"deltas": "x"}}]},                # was a silent ('x',) then an error on x
    {"segment": "2.0"},                                       # was ValueError
    {"segment": [1, 2]},                                      # was TypeError
    {"segment": {"window": float("inf")}},                    # was accepted; every file then failed
    {"segment": {"window": 1.0, "hop": float("inf")}},
    {"keep_frames": "no"},                                    # was accepted as True
])
def test_malformed_spec_values_are_parameter_errors(bad):
    with pytest.raises(ParameterError):
        ExtractorSpec.from_dict(bad)


def test_a_single_delta_order_in_a_spec_file_is_accepted():
    a = ExtractorSpec.from_dict({"features": [{"name": "mfcc", "deltas": 1}]})
    b = ExtractorSpec.from_dict({"features": [{"mfcc": {"deltas": 2}}]})
    assert a.features[0].deltas == (1,) and b.features[0].deltas == (2,)


def test_a_malformed_config_file_is_a_usage_error_not_a_traceback(tmp_path):
    (tmp_path / "spec.yaml").write_text("features: 5\nsegment: 2.0\n")
    af.save(str(tmp_path / "a.wav"), np.zeros(1600, np.float32), 16000)
    r = subprocess.run([sys.executable, "-m", "audiofeat", "extract", str(tmp_path / "a.wav"), "-o",
                        str(tmp_path / "out"), "--config", str(tmp_path / "spec.yaml")],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "error:" in r.stderr


@pytest.fixture
def one_wav(tmp_path):
    path = tmp_path / "a.wav"
    af.save(str(path), (0.1 * np.random.default_rng(0).standard_normal(8000)).astype(np.float32), 16000)
    return path


@pytest.mark.parametrize("where", ["folder", "unwritable"])
def test_a_bad_errors_path_is_refused_before_the_run(tmp_path, one_wav, where):
    # was: the whole run finished, then writing the errors file raised (exit 1 with a traceback)
    errors = tmp_path / "errs" if where == "folder" else tmp_path / "file" / "sub" / "e.jsonl"
    if where == "folder":
        errors.mkdir()
    else:
        (tmp_path / "file").write_text("x")
    with pytest.raises(ParameterError, match="errors file"):
        extract(one_wav, None, tmp_path / "out", errors=errors)
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_made_is_a_usage_error(tmp_path, one_wav):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ParameterError, match="cannot write to the output folder"):  # was FileNotFoundError
        extract(one_wav, None, tmp_path / "file" / "out")


def test_resume_from_another_working_directory_adds_no_duplicates(tmp_path, monkeypatch):
    from audiofeat.pipeline import read_dataset

    (tmp_path / "corpus").mkdir()
    for i in range(2):
        af.save(str(tmp_path / "corpus" / f"c{i}.wav"), np.full(4000, 0.1 * (i + 1), np.float32), 16000)
    monkeypatch.chdir(tmp_path)
    extract(["corpus"], None, tmp_path / "out")
    monkeypatch.chdir(tmp_path.parent)  # the same folder, named from elsewhere (was: every file done again)
    s = extract([os.path.join(tmp_path.name, "corpus")], None, tmp_path / "out", resume=True)
    assert (s.files_done, s.files_skipped) == (0, 2)
    assert len(read_dataset(tmp_path / "out")) == 2


def test_one_file_named_twice_gives_one_row(tmp_path, one_wav, monkeypatch):
    from audiofeat.pipeline import discover

    monkeypatch.chdir(tmp_path)
    assert len(discover([str(one_wav), "a.wav", "./x/../a.wav"])) == 1  # was 2: absolute and relative differ


def test_augment_with_a_missing_config_file_says_so(tmp_path, one_wav, capsys):
    from audiofeat.cli import main

    rc = main(["augment", str(one_wav), "-o", str(tmp_path / "aug"), "--config", str(tmp_path / "nope.yaml")])
    assert rc == 2
    assert "no such file" in capsys.readouterr().err  # was: "config must be a mapping with a 'name' key"


@pytest.mark.parametrize("opt", [["--dpi", "0"], ["--width", "-1"], ["--height", "nan"]])
def test_plot_with_a_bad_size_is_a_usage_error(tmp_path, one_wav, capsys, opt):
    from audiofeat.cli import main

    assert main(["plot", str(one_wav), "-o", str(tmp_path / "p.png"), *opt]) == 2  # was 1, a matplotlib traceback
    assert "Traceback" not in capsys.readouterr().err


# workers dying with a killed run (fork, spawn, forkserver): tests/test_review18.py
# test_every_start_method_workers_die_with_a_killed_run


def test_more_jobs_than_files_starts_no_idle_workers(tmp_path, one_wav, monkeypatch):
    from audiofeat.pipeline import run

    asked = []
    monkeypatch.setattr(run, "_run_pool", lambda todo, spec, jobs: asked.append(jobs) or run._run_local(todo, spec))
    s = extract(one_wav, None, tmp_path / "out", jobs=100)
    assert s.files_done == 1 and asked == []  # one file: in-process (was 100 forked workers)


def test_a_file_that_changes_while_read_is_warned(tmp_path, one_wav, monkeypatch):
    from audiofeat.pipeline import compute

    info = compute.afio.info

    def info_then_append(path):  # another program rewrites the file just as it is being read
        out = info(path)
        af.save(str(one_wav), np.zeros(16000, np.float32), 16000, overwrite=True)
        return out

    monkeypatch.setattr(compute.afio, "info", info_then_append)
    r = compute.process_file(str(one_wav), ExtractorSpec())
    assert [w["reason"] for w in r.warnings] == ["changed"]  # was: silently the old size/mtime


def test_an_unchanged_file_has_no_warning(one_wav):
    from audiofeat.pipeline import compute

    assert compute.process_file(str(one_wav), ExtractorSpec()).warnings == []


def test_an_output_inside_the_input_folder_is_not_read_as_input(tmp_path, one_wav):
    out = tmp_path / "feats"
    extract(tmp_path, None, out, glob="*")
    s = extract(tmp_path, None, out, glob="*", resume=True)
    # was: the output folder, its parts and its bookkeeping were extracted as (failing) audio files
    assert (s.files_total, s.files_failed, s.files_skipped) == (1, 0, 1), s.errors


@pytest.fixture
def mixed_channels(tmp_path):
    import soundfile as sf

    rng = np.random.default_rng(1)
    (tmp_path / "ch").mkdir()
    sf.write(str(tmp_path / "ch" / "a_eight.wav"), (0.1 * rng.standard_normal((8000, 8))).astype(np.float32), 16000)
    sf.write(str(tmp_path / "ch" / "b_mono.wav"), (0.1 * rng.standard_normal(8000)).astype(np.float32), 16000)
    return tmp_path / "ch"


def test_a_per_channel_scalar_feature_is_one_column_per_channel(tmp_path, mixed_channels):
    from audiofeat.pipeline import read_dataset

    s = extract(mixed_channels / "a_eight.wav", {"features": ["loudness"], "mono": False}, tmp_path / "out")
    assert s.files_failed == 0, s.errors  # was: every file failed with "unknown statistic 'value'"
    df = read_dataset(tmp_path / "out")
    assert [c for c in df.columns if c.startswith("loudness")] == [f"loudness_{c}" for c in range(8)]


def test_files_with_different_channel_counts_share_a_part(tmp_path, mixed_channels):
    from audiofeat.pipeline import read_dataset

    s = extract(mixed_channels, {"features": ["mfcc"], "mono": False, "functionals": ["mean"]}, tmp_path / "out")
    assert s.files_done == 2  # was: KeyError 'mfcc_1_0_mean' in the sink, the run died (exit 1)
    df = read_dataset(tmp_path / "out")
    assert len(df) == 2 and "mfcc_7_19_mean" in df.columns
    eight, mono = df.iloc[0], df.iloc[1]
    assert np.isfinite(eight["mfcc_7_19_mean"]) and np.isnan(mono["mfcc_7_19_mean"])
    assert np.isfinite(mono["mfcc_0_19_mean"])


@pytest.mark.parametrize("feature", [{"mfcc": {"n_mfcc": -1}}, {"stft": {"window": "bogus"}}])
def test_a_bad_parameter_value_is_refused_before_the_corpus(tmp_path, one_wav, feature):
    # was: the run went through every file, recording the same feature_error for each (exit 3)
    with pytest.raises(ParameterError, match="would fail on every file"):
        extract(one_wav, {"features": [feature]}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_folder_that_cannot_be_listed_is_reported_not_skipped(tmp_path, monkeypatch):
    from audiofeat.pipeline import discover

    (tmp_path / "c" / "locked").mkdir(parents=True)
    af.save(str(tmp_path / "c" / "locked" / "x.wav"), np.zeros(800, np.float32), 16000)
    scandir = os.scandir

    def denied(path="."):  # as root chmod 000 does not deny; make listing fail as it would for a user
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    found = discover([str(tmp_path / "c")])
    assert [rel for _, rel in found] == [os.path.join("c", "locked")]  # was [] (os.walk skips it silently)


def test_glob_star_does_not_report_every_subfolder(tmp_path):
    from audiofeat.pipeline import discover

    (tmp_path / "c" / "speaker1").mkdir(parents=True)
    (tmp_path / "c" / "odd.wav").mkdir()
    af.save(str(tmp_path / "c" / "speaker1" / "x.wav"), np.zeros(800, np.float32), 16000)
    rels = [rel for _, rel in discover([str(tmp_path / "c")], glob="*")]
    # was: 'c/speaker1' as well, then failed as "a directory, not an audio file"
    assert rels == [os.path.join("c", "odd.wav"), os.path.join("c", "speaker1", "x.wav")]


def test_a_fifo_named_like_audio_is_an_unreadable_input(tmp_path):
    from audiofeat.pipeline import process_file

    os.mkfifo(tmp_path / "stream.wav")
    r = process_file(str(tmp_path / "stream.wav"), ExtractorSpec())
    assert r.error["reason"] == "unreadable" and "FIFO" in r.error["message"]  # was reason 'feature_error'


def test_info_goes_on_after_a_fifo(tmp_path, one_wav, capsys):
    from audiofeat.cli import main

    os.mkfifo(tmp_path / "pipe.wav")
    rc = main(["info", str(tmp_path / "pipe.wav"), str(one_wav), "--json"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rc == 3 and len(rows) == 2  # was exit 2 at the FIFO, the files after it never shown
    assert rows[0]["reason"] == "unreadable" and rows[1]["sr"] == 16000


def test_a_closed_pipe_is_not_an_internal_error():
    # `audiofeat features | head -1`: was a BrokenPipeError traceback and "internal error" (exit 1)
    r = subprocess.run(f"{sys.executable} -m audiofeat features | head -1", shell=True, capture_output=True,
                       text=True, cwd=ROOT, timeout=300)
    assert r.stdout.strip() and "Traceback" not in r.stderr and "internal error" not in r.stderr, r.stderr


@pytest.mark.parametrize("inputs", [None, 5, ["a.wav", 3]])
def test_inputs_that_are_not_paths_are_parameter_errors(tmp_path, inputs):
    with pytest.raises(ParameterError, match="inputs must be"):  # were TypeErrors
        extract(inputs, None, tmp_path / "out")


def _two_clips(folder):
    os.makedirs(folder / "sub", exist_ok=True)
    rng = np.random.default_rng(3)
    for name in ("a.wav", "sub/b.wav"):
        af.save(str(folder / name), (0.1 * rng.standard_normal(8000)).astype(np.float32), 16000)


def test_overwrite_removes_only_the_files_audiofeat_wrote(tmp_path):
    # was: every *.npz under OUT was deleted on --overwrite, the user's own included
    _two_clips(tmp_path / "in")
    out = tmp_path / "out"
    spec = {"features": ["mfcc"], "sr": 16000}
    assert extract(tmp_path / "in", spec, out, format="npz").files_done == 2
    (out / "labels.npz").write_bytes(b"mine")
    (out / "in" / "notes.npz").write_bytes(b"mine too")
    (out / "in" / "sub" / ".draft.tmp").write_bytes(b"an editor's file")
    os.makedirs(out / "empty-of-mine")
    s = extract(tmp_path / "in", {**spec, "functionals": ["mean"]}, out, format="npz", overwrite=True)
    assert s.files_done == 2
    assert (out / "labels.npz").read_bytes() == b"mine" and (out / "in" / "notes.npz").read_bytes() == b"mine too"
    assert (out / "in" / "sub" / ".draft.tmp").exists() and (out / "empty-of-mine").is_dir()
    assert "mfcc_0_mean" in np.load(out / "in" / "sub" / "b.wav.npz")


def test_resume_removes_an_uncommitted_batch_but_not_the_users_files(tmp_path):
    from audiofeat.pipeline import sinks

    _two_clips(tmp_path / "in")
    out = tmp_path / "out"
    spec = {"features": ["mfcc"], "sr": 16000}
    extract(tmp_path / "in", spec, out, format="npz")
    # a run killed after writing a batch's data but before its manifest: its pending record names the file
    meta = out / sinks.META_DIR
    manifests = sorted(meta.glob("manifest-*.json"))
    last = json.loads(manifests[-1].read_text())
    manifests[-1].unlink()
    (meta / manifests[-1].name.replace("manifest", "pending")).write_text(json.dumps(
        {"index": last["index"], "outputs": last["outputs"]}))
    stale = [out / rel for rel in last["outputs"]]
    for p in stale:
        p.write_bytes(b"half a batch")
    (out / "labels.npz").write_bytes(b"mine")
    s = extract(tmp_path / "in", spec, out, format="npz", resume=True)
    assert s.files_done == len(last["files"]) and s.files_skipped == 2 - len(last["files"])
    assert (out / "labels.npz").read_bytes() == b"mine"
    for p in stale:
        assert "mfcc" in np.load(p)  # written again by the resumed run
    assert not list(meta.glob("pending-*.json"))


def test_resume_reports_inputs_changed_since_they_were_extracted(tmp_path):
    # was: silently kept the old rows of an input edited between the run and its resume
    _two_clips(tmp_path / "in")
    out = tmp_path / "out"
    spec = {"features": ["mfcc"], "sr": 16000, "functionals": ["mean"]}
    extract(tmp_path / "in", spec, out)
    af.save(str(tmp_path / "in" / "a.wav"), np.zeros(16000, dtype=np.float32), 16000)  # edited afterwards
    s = extract(tmp_path / "in", spec, out, resume=True, errors=tmp_path / "errors.jsonl")
    assert s.files_skipped == 2 and s.files_stale == 1 and s.files_failed == 0
    assert [e["reason"] for e in s.errors] == ["stale"] and s.errors[0]["path"].endswith("a.wav")
    assert "changed since they were extracted" in str(s)
    assert [json.loads(line)["reason"] for line in open(tmp_path / "errors.jsonl")] == ["stale"]
    assert [json.loads(line)["reason"] for line in open(out / "_audiofeat" / "errors.jsonl")] == ["stale"]


def test_an_interrupted_overwrite_is_finished_by_the_next_run(tmp_path, monkeypatch):
    # was: an overwrite killed after deleting the data but before the manifests left a dataset whose resume
    # reported every file done, with no data on disk
    from audiofeat.pipeline import sinks

    _two_clips(tmp_path / "in")
    out = tmp_path / "out"
    spec = {"features": ["mfcc"], "sr": 16000}
    extract(tmp_path / "in", spec, out, format="npz")
    real_unlink_ours = sinks._Sink._unlink_ours

    def killed_midway(self, rels):
        rels = list(rels)
        real_unlink_ours(self, rels[:1])
        raise KeyboardInterrupt  # Ctrl-C (or kill -9) halfway through removing the old data

    monkeypatch.setattr(sinks._Sink, "_unlink_ours", killed_midway)
    with pytest.raises(KeyboardInterrupt):
        extract(tmp_path / "in", spec, out, format="npz", overwrite=True)
    monkeypatch.setattr(sinks._Sink, "_unlink_ours", real_unlink_ours)
    s = extract(tmp_path / "in", spec, out, format="npz", resume=True)
    assert s.files_done == 2 and s.files_skipped == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.npz")) == ["in/a.wav.npz", "in/sub/b.wav.npz"]


def test_nothing_outside_out_is_removed_or_written_through_a_symbolic_link(tmp_path):
    # was: overwrite deleted (and rewrote) npz files of a folder outside OUT that a symlink in OUT pointed to
    _two_clips(tmp_path / "in")
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    spec = {"features": ["mfcc"], "sr": 16000}
    extract(tmp_path / "in", spec, out, format="npz")
    os.rename(out / "in", elsewhere)
    os.symlink(elsewhere, out / "in")
    before = sorted(p.name for p in elsewhere.rglob("*.npz"))
    with pytest.raises(ParameterError, match="symbolic link"):
        extract(tmp_path / "in", spec, out, format="npz", overwrite=True)
    assert sorted(p.name for p in elsewhere.rglob("*.npz")) == before == ["a.wav.npz", "b.wav.npz"]


def test_a_run_killed_before_it_wrote_anything_leaves_a_usable_folder(tmp_path):
    # was: a folder holding only _audiofeat/lock was refused by both --resume and --overwrite
    from audiofeat.pipeline import sinks

    _two_clips(tmp_path / "in")
    out = tmp_path / "out"
    os.makedirs(out / sinks.META_DIR)
    (out / sinks.META_DIR / "lock").write_text("")
    assert extract(tmp_path / "in", {"features": ["mfcc"], "sr": 16000}, out, resume=True).files_done == 2


def test_temporaries_are_removed_only_beside_audiofeats_own_files(tmp_path):
    _two_clips(tmp_path / "in")
    out = tmp_path / "out"
    spec = {"features": ["mfcc"], "sr": 16000}
    extract(tmp_path / "in", spec, out, format="npz")
    os.makedirs(out / "mine")
    keep = [out / ".labels.csv.ab12cd34.tmp", out / "mine" / ".draft.txt.a1b2c3d4.tmp"]
    drop = [out / "in" / ".a.wav.npz.zz12yy34.tmp", out / "_audiofeat" / ".manifest-00009.json.abcdefgh.tmp"]
    for p in keep + drop:
        p.write_bytes(b"x")
    extract(tmp_path / "in", spec, out, format="npz", resume=True)
    assert all(p.exists() for p in keep) and not any(p.exists() for p in drop)


@pytest.mark.parametrize("record", ['{"outputs": null}', '[1]', '{"outputs": [1]}', '{"outputs": "in"}', '{"outp'])
def test_a_malformed_pending_record_is_ignored(tmp_path, record):
    # was: an internal error, and {"outputs": "in"} deleted a user's file named "i"
    from audiofeat.pipeline import sinks

    _two_clips(tmp_path / "in")
    out = tmp_path / "out"
    spec = {"features": ["mfcc"], "sr": 16000}
    extract(tmp_path / "in", spec, out, format="npz")
    (out / "i").write_bytes(b"mine")
    (out / sinks.META_DIR / "pending-00007.json").write_text(record)
    assert extract(tmp_path / "in", spec, out, format="npz", resume=True).files_skipped == 2
    assert (out / "i").read_bytes() == b"mine"


def test_a_corrupt_manifest_is_a_usage_error_not_a_traceback(tmp_path):
    from audiofeat.pipeline import sinks

    _two_clips(tmp_path / "in")
    out = tmp_path / "out"
    spec = {"features": ["mfcc"], "sr": 16000}
    extract(tmp_path / "in", spec, out)
    manifest = sorted((out / sinks.META_DIR).glob("manifest-*.json"))[0]
    manifest.write_text(manifest.read_text()[:20])
    with pytest.raises(ParameterError, match="corrupt manifest"):
        extract(tmp_path / "in", spec, out, resume=True)
    assert extract(tmp_path / "in", spec, out, overwrite=True).files_done == 2  # and --overwrite still works


def test_resume_and_overwrite_together_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="exclude each other"):
        extract(os.path.join(ROOT, "data", "samples"), None, tmp_path / "o", resume=True, overwrite=True)
