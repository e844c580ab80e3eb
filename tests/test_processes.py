"""audiofeat where users run it: forked and spawned workers, DataLoader workers, several threads, nested calls.

Every test that could hang runs its workers with a timeout, so a regression fails instead of stalling CI.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import audiofeat as af
from audiofeat import _parallel

SR = 22050
TIMEOUT = 120  # seconds; a hang fails the test


def _signal(seed: int, n: int = SR * 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n).astype(np.float32)


def _mel(seed: int) -> np.ndarray:
    return af.melspectrogram(y=_signal(seed), sr=SR)


def _threads_in_worker(_: int) -> int:
    return af.get_num_threads()


@pytest.fixture
def two_threads():
    before = af.get_num_threads()
    af.set_num_threads(2)
    yield
    af.set_num_threads(before)


def test_forked_pool_after_use_in_parent(two_threads):
    """The pool the parent started must not be inherited threadless: the child's first call would hang."""
    serial = [_mel(i) for i in range(4)]  # the parent uses the pool first
    with mp.get_context("fork").Pool(2) as pool:
        results = pool.map_async(_mel, range(4)).get(timeout=TIMEOUT)
        threads = pool.map_async(_threads_in_worker, range(2)).get(timeout=TIMEOUT)
    for got, want in zip(results, serial):
        np.testing.assert_array_equal(got, want)
    assert threads == [1, 1]  # worker processes default to one thread each


def test_spawned_workers(two_threads):
    serial = [_mel(i) for i in range(2)]
    with mp.get_context("spawn").Pool(2) as pool:
        results = pool.map_async(_mel, range(2)).get(timeout=TIMEOUT)
        threads = pool.map_async(_threads_in_worker, range(2)).get(timeout=TIMEOUT)
    for got, want in zip(results, serial):
        np.testing.assert_array_equal(got, want)
    assert threads == [1, 1]


def test_env_threads_override_in_forked_child(monkeypatch, two_threads):
    monkeypatch.setenv("AUDIOFEAT_NUM_THREADS", "2")
    _mel(0)
    with mp.get_context("fork").Pool(1) as pool:
        assert pool.map_async(_threads_in_worker, [0]).get(timeout=TIMEOUT) == [2]
        np.testing.assert_array_equal(pool.map_async(_mel, [3]).get(timeout=TIMEOUT)[0], _mel(3))


class _MelDataset:
    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int):
        import torch

        return torch.from_numpy(_mel(i))


def test_dataloader_workers_after_parent_call(two_threads):
    torch = pytest.importorskip("torch", reason="DataLoader needs torch")
    from torch.utils.data import DataLoader

    expected = [_mel(i) for i in range(6)]  # the parent uses audiofeat (and its pool) first
    loader = DataLoader(_MelDataset(), batch_size=2, num_workers=2, timeout=TIMEOUT,
                        multiprocessing_context="fork")
    got = torch.cat(list(loader)).numpy()
    np.testing.assert_array_equal(got, np.stack(expected))


def test_nested_calls_from_pool_tasks_run_inline(two_threads):
    """A pool task that calls audiofeat (a batched helper would) must not wait on the pool it occupies."""
    results: dict[int, np.ndarray] = {}

    def task(i: int) -> None:
        results[i] = _mel(i)  # itself maps blocks onto the pool

    def run() -> None:
        _parallel.parallel_for(task, 8)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(TIMEOUT)
    assert not worker.is_alive(), "nested parallel_for deadlocked"
    for i in range(8):
        np.testing.assert_array_equal(results[i], _mel(i))


def test_many_threads_give_serial_results(two_threads):
    expected = {i: af.mfcc(y=_signal(i), sr=SR) for i in range(6)}
    got: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(3):
                got[i] = af.mfcc(y=_signal(i), sr=SR)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads) and not errors
    for i in range(6):
        np.testing.assert_array_equal(got[i], expected[i])


def test_set_num_threads_does_not_change_results():
    before = af.get_num_threads()
    try:
        af.set_num_threads(1)
        one = _mel(5)
        af.set_num_threads(3)
        three = _mel(5)
    finally:
        af.set_num_threads(before)
    np.testing.assert_array_equal(one, three)


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "AUDIOFEAT_NUM_THREADS"}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full_env,
                          timeout=TIMEOUT)


@pytest.mark.parametrize("value", ["", "abc", "0", "-2", "1.5"])
def test_bad_env_thread_count_warns_and_uses_default(value):
    proc = _python("import audiofeat; print(audiofeat.get_num_threads())", AUDIOFEAT_NUM_THREADS=value)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == _parallel.available_cpus()
    assert "AUDIOFEAT_NUM_THREADS" in proc.stderr and "RuntimeWarning" in proc.stderr


def test_env_thread_count_is_used():
    proc = _python("import audiofeat; print(audiofeat.get_num_threads())", AUDIOFEAT_NUM_THREADS="3")
    assert proc.returncode == 0 and int(proc.stdout) == 3


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs os.sched_setaffinity (Linux)")
def test_default_threads_follow_cpu_affinity():
    code = ("import os; os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]}); "
            "import audiofeat; print(audiofeat.get_num_threads())")
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == 1


def test_import_does_not_import_torch():
    proc = _python("import sys, audiofeat, audiofeat.feature; print('torch' in sys.modules)")
    assert proc.returncode == 0 and proc.stdout.strip() == "False"


def test_set_num_threads_rejects_bad_values():
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(af.ParameterError, match="threads must be an integer >= 1"):
            af.set_num_threads(bad)


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_spawned_and_forkserver_workers_default_to_one_thread(method):
    if method not in mp.get_all_start_methods():
        pytest.skip(f"{method} is not available here")
    with mp.get_context(method).Pool(2) as pool:
        assert pool.map_async(_threads_in_worker, range(2)).get(timeout=TIMEOUT) == [1, 1]


@pytest.mark.parametrize("threads", ["1", "2"])
def test_feature_calls_do_not_page_fault_on_every_call(threads):
    """glibc trimmed the heap (and each pool thread's arena) after every call, so the next call's temporaries
    faulted back in: a 5 s stft took ~870 page faults a call on one thread, mfcc ~600 on one or two (2-3x
    their time). ``import audiofeat`` keeps the heap pad (audiofeat._heap): no faults after the first calls."""
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("the heap's trimming is glibc's")
    code = """
import resource, numpy as np, audiofeat as af
ys = [(0.1 * np.random.default_rng(i).standard_normal(80000)).astype(np.float32) for i in range(8)]
calls = [lambda y: af.stft(y), lambda y: af.feature.mfcc(y=y, sr=16000)]
for f in calls:
    for y in ys:
        f(y)
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    for f in calls:
        for y in ys:
            f(y)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 80)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "AUDIOFEAT_MALLOC"))}
    env["AUDIOFEAT_NUM_THREADS"] = threads
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))), env=env)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) < 20, out.stdout  # was ~600-870 a call
