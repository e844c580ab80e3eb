"""Hostile review of session 18's changes (forkserver workers, heap pad at import, extract's output-folder test,
yin/griffinlim spans). Tests marked ``xfail(strict=True)`` reproduce a finding that is still open: each turns
into an XPASS failure once it is fixed, and then its marker should go."""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import audiofeat as af
from audiofeat import _parallel
from audiofeat.errors import ParameterError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "data", "samples")
CLIPS = sorted(f for f in glob.glob(os.path.join(SAMPLES, "*")) if f.rsplit(".", 1)[-1] in ("wav", "flac", "ogg"))


def _glibc() -> bool:
    import platform

    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _mfcc_file(path: str) -> np.ndarray:
    y, sr = af.load(path, sr=16000)
    return af.feature.mfcc(y=y, sr=sr)


# --------------------------------------------------------------------------------------------------------------
# 1. pipeline workers die with a killed run, whatever the start method
# --------------------------------------------------------------------------------------------------------------
def _descendants(pid: int) -> list[str]:
    found, todo = [], [str(pid)]
    while todo:
        kids = subprocess.run(["pgrep", "-P", todo.pop()], capture_output=True, text=True).stdout.split()
        found += kids
        todo += kids
    return found


def _alive(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and pidfds are Linux's")
@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_every_start_method_workers_die_with_a_killed_run(tmp_path, method):
    """Slow workers in every process through a sitecustomize (a spawned worker imports nothing of the run's
    __main__ patching, unlike fork/forkserver-preload), then kill -9 of the run mid-extraction."""
    pytest.importorskip("pyarrow", reason="parquet output needs pyarrow")
    (tmp_path / "in").mkdir()
    for i in range(12):
        af.save(str(tmp_path / "in" / f"c{i:02d}.wav"), np.full(4000, 0.01 * (i + 1), np.float32), 16000)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(
        "import os\nif os.environ.get('R18_SLOW'):\n"
        "    import time\n    from audiofeat.pipeline import run\n    f = run.process_file\n"
        "    run.process_file = lambda p, s: (time.sleep(0.25), f(p, s))[1]\n")
    out = tmp_path / "out"
    env = {**os.environ, "AUDIOFEAT_START_METHOD": method, "R18_SLOW": "1",
           "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), ROOT, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "audiofeat", "extract", str(tmp_path / "in"), "-o", str(out),
                             "--jobs", "2", "--part-files", "1", "-q"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not glob.glob(str(out / "_audiofeat" / "manifest-*")) and time.time() < deadline:
        time.sleep(0.02)
    workers = _descendants(proc.pid)
    assert proc.poll() is None, "the run finished before it could be killed (slow patch not applied?)"
    assert workers, "no worker processes seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while any(_alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(int(w), signal.SIGKILL)
    assert not left, f"{method}: processes {left} outlived the killed run"


# --------------------------------------------------------------------------------------------------------------
# 2. the heap pad set by `import audiofeat`
# --------------------------------------------------------------------------------------------------------------
_FAULTS = """
import resource, sys, numpy as np, audiofeat as af
ys = [(0.1 * np.random.default_rng(i).standard_normal(80000)).astype(np.float32) for i in range(8)]
for y in ys:
    af.stft(y)
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    for y in ys:
        af.stft(y)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 40)
"""


def _faults_per_call(**env_extra: str) -> float:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MALLOC_", "AUDIOFEAT_MALLOC", "GLIBC_TUNABLES"))}
    env.update(AUDIOFEAT_NUM_THREADS="1", **env_extra)
    out = subprocess.run([sys.executable, "-c", _FAULTS], capture_output=True, text=True, timeout=300, cwd=ROOT,
                         env=env)
    assert out.returncode == 0, out.stderr
    return float(out.stdout.strip())


@pytest.mark.skipif(not _glibc(), reason="glibc's malloc")
def test_heap_pad_is_on_by_default_and_legacy_malloc_variables_win():
    assert _faults_per_call() < 20  # the pad: ~0 (was ~870 a call)
    assert _faults_per_call(AUDIOFEAT_MALLOC_TOP_PAD="0") > 100  # switched off: glibc's trimming is back
    assert _faults_per_call(MALLOC_TOP_PAD_="0") > 100  # the user's own glibc setting is left alone


@pytest.mark.skipif(not _glibc(), reason="glibc's malloc")
def test_heap_pad_leaves_the_users_glibc_tunables_alone():
    # finding 2a (fixed): GLIBC_TUNABLES=glibc.malloc.* was overridden by import audiofeat (only the legacy
    # MALLOC_TOP_PAD_/MALLOC_MMAP_THRESHOLD_ were honoured)
    # the user asks glibc (the documented, non-legacy way) to keep no pad and map everything above 128 KiB
    tunables = "glibc.malloc.top_pad=0:glibc.malloc.mmap_threshold=131072"
    assert _faults_per_call(GLIBC_TUNABLES=tunables) > 100


def test_import_without_ctypes_fails_only_where_scipy_would():
    """audiofeat._heap imports ctypes at module level; today scipy needs ctypes anyway, so this only records that
    `import audiofeat` fails in such an environment for scipy's reason, not audiofeat's."""
    code = "import sys; sys.modules['ctypes'] = None\ntry:\n    import scipy\nexcept Exception:\n    print('noscipy')\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    if "noscipy" not in out.stdout:
        code2 = "import sys; sys.modules['ctypes'] = None; import audiofeat"
        res = subprocess.run([sys.executable, "-c", code2], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert res.returncode == 0, res.stderr[-500:]


# --------------------------------------------------------------------------------------------------------------
# 3. extract: "inside the output folder"
# --------------------------------------------------------------------------------------------------------------
SPEC = {"features": ["rms"], "sr": 16000, "functionals": ["mean"]}


@pytest.fixture
def tree(wav_tree):
    return wav_tree("out2/a.wav", "in/b.wav", "in/sub/c.wav")


@pytest.mark.parametrize("out", ["out", "out/", "./out", "../{base}//out/"])
def test_prefix_sibling_of_the_output_folder_is_still_input(tree, out):
    from audiofeat.pipeline import extract

    s = extract(["out2", "in"], SPEC, out.format(base=tree.name))
    assert (s.files_total, s.files_done, s.files_failed) == (3, 3, 0)


@pytest.mark.parametrize("fmt", ["parquet", "npz"])
@pytest.mark.parametrize("out", ["in/feat", "in/feat/", "./in//feat"])
def test_output_inside_an_input_folder_is_not_read_back(tree, out, fmt):
    from audiofeat.pipeline import extract

    pytest.importorskip("pyarrow", reason="parquet output needs pyarrow")
    first = extract(["in"], SPEC, out, glob="*", format=fmt)
    again = extract(["in"], SPEC, out, glob="*", format=fmt, resume=True)
    assert (first.files_total, first.files_done) == (2, 2)
    assert (again.files_total, again.files_skipped, again.files_failed) == (2, 2, 0)


@pytest.mark.parametrize("inputs, out", [(["inlink"], "in/feat"), (["in"], "inlink/feat")])
def test_output_inside_an_input_folder_through_a_symlink_is_not_read_back(tree, inputs, out):
    # finding 3a (fixed): an output folder reached through a symlink was read back as input (abspath, not
    # realpath); older than session 18
    from audiofeat.pipeline import extract

    pytest.importorskip("pyarrow", reason="parquet output needs pyarrow")
    os.symlink(tree / "in", tree / "inlink")
    extract(inputs, SPEC, out, glob="*")
    again = extract(inputs, SPEC, out, glob="*", resume=True)
    assert (again.files_total, again.files_failed) == (2, 0)  # was 7 and 5: the dataset's own files as input


# --------------------------------------------------------------------------------------------------------------
# 4. yin / pyin / griffinlim: the span size and thread count never change a result
# --------------------------------------------------------------------------------------------------------------
def _clip(seconds: float, sr: int = 22050) -> np.ndarray:
    y0, _ = af.load(os.path.join(SAMPLES, "melody.flac"), sr=sr)
    n = int(seconds * sr)
    y = np.tile(y0, -(-n // len(y0)))[:n]
    return y + 0.01 * np.random.default_rng(0).standard_normal(n)


@pytest.fixture
def threads():
    before = af.get_num_threads()
    yield
    af.set_num_threads(before)


@pytest.mark.parametrize("seconds", [1, 5, 61])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_yin_is_the_same_on_any_thread_count(threads, seconds, dtype):
    librosa = pytest.importorskip("librosa", reason="the reference")
    y = _clip(seconds).astype(dtype)
    calls = [dict(), dict(frame_length=1999, hop_length=317, center=False), dict(frame_length=1025, hop_length=129)]
    ref = librosa.yin(y, fmin=80, fmax=900, sr=22050)
    results = {}
    for n in (1, 2, 3):
        af.set_num_threads(n)
        results[n] = [af.yin(y, fmin=80, fmax=900, sr=22050, **kw) for kw in calls]
        if seconds < 61:
            batch = af.yin(np.stack([y, y[::-1].copy(), 0.5 * y]), fmin=80, fmax=900, sr=22050)
            np.testing.assert_array_equal(batch[0], results[n][0])
            np.testing.assert_array_equal(batch[2], results[n][0])  # yin is scale-invariant bit for bit here
    for n in (2, 3):
        for a, b in zip(results[1], results[n]):
            np.testing.assert_array_equal(a, b)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(results[1][0], ref, rtol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_griffinlim_and_pyin_are_the_same_on_any_thread_count(threads, dtype):
    librosa = pytest.importorskip("librosa", reason="the reference")
    y = _clip(3).astype(dtype)
    S = np.abs(librosa.stft(y, n_fft=1024, hop_length=256))
    S_odd = np.abs(librosa.stft(y, n_fft=1023, hop_length=301, center=False))
    ref = librosa.griffinlim(S, n_iter=8, hop_length=256, init=None)
    out = {}
    for n in (1, 2, 3):
        af.set_num_threads(n)
        out[n] = (af.griffinlim(S, n_iter=8, hop_length=256, init=None),
                  af.griffinlim(S_odd, n_iter=8, hop_length=301, n_fft=1023, init=None, center=False),
                  af.griffinlim(np.stack([S, S[..., ::-1].copy(), S]), n_iter=4, hop_length=256, init=None),
                  af.pyin(y[: 22050], fmin=80, fmax=900, sr=22050, fill_na=None)[0])
    for n in (2, 3):
        for a, b in zip(out[1], out[n]):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(out[1][0], ref, atol=1e-4 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("nthreads", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("target", [64, 256])
def test_even_spans_hold_their_docstring_for_every_n(monkeypatch, nthreads, target):
    # finding 4a (fixed): ceil-sized spans left a last span under target/2 (n=129, target=64, 2 threads:
    # 33,33,33,30) and span counts that were not a multiple of the threads (n=3969, target=64: 63 spans)
    from audiofeat.phase_analysis import even_spans

    monkeypatch.setattr(_parallel, "_num_threads", nthreads)
    assert even_spans(0, target) == []
    for n in range(1, 5000):
        spans = even_spans(n, target)
        if n < target:
            assert len(spans) == 1, (n, spans)  # small work is not split for the threads (yin on 1 s: 2 tasks)
        sizes = [e - s for s, e in spans]
        assert spans[0][0] == 0 and spans[-1][1] == n and all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
        assert max(sizes) - min(sizes) <= 1, (n, sizes)  # "near-equal sizes"
        if len(spans) > -(-n // target):  # split further for the threads
            assert min(sizes) >= target // 2 and len(spans) % nthreads == 0, (n, len(spans), min(sizes))
        elif n >= nthreads * target:  # enough items for every thread: "a multiple of the thread count"
            assert len(spans) % nthreads == 0, (n, len(spans))


# --------------------------------------------------------------------------------------------------------------
# a new user: threads and process pools after the parent used audiofeat
# --------------------------------------------------------------------------------------------------------------
def test_mfcc_in_threads_equals_serial():
    import threading

    serial = [_mfcc_file(f) for f in CLIPS]
    got: dict[int, list] = {}

    def work(k: int) -> None:
        got[k] = [_mfcc_file(f) for f in CLIPS]

    ths = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(120)
    assert not any(t.is_alive() for t in ths), "a thread hung"
    for k in range(4):
        for a, b in zip(got[k], serial):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_mfcc_in_a_process_pool_after_the_parent_used_audiofeat(method):
    import multiprocessing as mp

    if method not in mp.get_all_start_methods():
        pytest.skip(f"{method} is not available here")
    serial = [_mfcc_file(f) for f in CLIPS]  # the parent used audiofeat (its pool, caches, the heap pad)
    with mp.get_context(method).Pool(2) as pool:
        got = pool.map_async(_mfcc_file, CLIPS * 2).get(timeout=180)
    for a, b in zip(got, serial * 2):
        np.testing.assert_array_equal(a, b)


def test_a_mistyped_start_method_is_a_usage_error_before_anything_is_written(tmp_path, monkeypatch):
    # finding 1b (fixed): a plain ValueError after the output folder was made, so the rerun was refused
    from audiofeat.pipeline import extract

    monkeypatch.setenv("AUDIOFEAT_START_METHOD", "Forkserver")
    with pytest.raises(ParameterError, match="AUDIOFEAT_START_METHOD"):
        extract(SAMPLES, SPEC, tmp_path / "out", jobs=2)
    assert not (tmp_path / "out").exists()
    monkeypatch.delenv("AUDIOFEAT_START_METHOD")
    assert extract(SAMPLES, SPEC, tmp_path / "out", jobs=2).files_failed == 0


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_a_script_without_a_main_guard_is_told_why_its_workers_die(tmp_path, method):
    # finding 1a (fixed): every file was worker_died, and stderr only said "another audiofeat run is writing"
    script = tmp_path / "noguard.py"
    script.write_text("import sys\nfrom audiofeat.pipeline import extract\n"
                      f"s = extract({SAMPLES!r}, {SPEC!r}, sys.argv[1], jobs=2)\n"
                      "print('done', s.files_done, 'failed', s.files_failed)\n")
    env = {**os.environ, "AUDIOFEAT_START_METHOD": method,
           "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    res = subprocess.run([sys.executable, str(script), str(tmp_path / "out")], capture_output=True, text=True,
                         env=env, timeout=300, cwd=str(tmp_path))
    assert "if __name__ == '__main__'" in res.stderr, res.stderr[-2000:]
    assert "another audiofeat run" not in res.stderr
