"""Review of the compiled kernels (audiofeat/_kernels.py): numba's disk cache must serve every kernel to the
next process, a missing cache folder or NUMBA_DISABLE_JIT=1 must not break or slow time_stretch. Each case
runs in a fresh interpreter, since numba reads its configuration and builds its cache locators at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba", reason="the compiled kernels need numba")

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
import numpy as np
{prelude}
import audiofeat
from audiofeat import _kernels
y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
out = audiofeat.effects.time_stretch(y, rate=1.2)
k = _kernels.kernels()
stats = {{}}
if k is not None:
    for name in ("frame_window", "vocode_rate", "overlap_add"):
        s = getattr(k, name).stats
        stats[name] = [sum(s.cache_hits.values()), sum(s.cache_misses.values())]
import os
os.environ["AUDIOFEAT_NUMBA"] = "0"
ref = audiofeat.effects.time_stretch(y, rate=1.2)
print(json.dumps(dict(compiled=k is not None, stats=stats, err=float(np.abs(out - ref).max() / np.abs(ref).max()))))
"""


def probe(env_extra: dict, prelude: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "AUDIOFEAT_NUMBA"))}
    env.update(env_extra)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run([sys.executable, "-c", PROBE.format(prelude=prelude)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_kernel_is_loaded_from_the_disk_cache_in_the_next_process(tmp_path):
    first = probe({"NUMBA_CACHE_DIR": str(tmp_path)})
    assert first["compiled"] and first["err"] < 2e-5
    files = sorted(p.name for p in tmp_path.rglob("*.nbc"))
    second = probe({"NUMBA_CACHE_DIR": str(tmp_path)})
    assert second["err"] < 2e-5
    for name, (hits, misses) in second["stats"].items():
        assert hits >= 1 and misses == 0, (name, second["stats"])
    # and the cache folder does not grow by one machine-code file per process
    assert sorted(p.name for p in tmp_path.rglob("*.nbc")) == files


def test_no_writable_cache_folder_compiles_in_process_instead_of_failing(tmp_path):
    # what numba does in a read-only install with no writable home (containers, AWS Lambda): RuntimeError
    # "cannot cache function ...: no locator available" when a cache=True kernel is decorated
    prelude = """
from numba.core import dispatcher
def _no_locator(self):
    raise RuntimeError("cannot cache function %r: no locator available for file" % self.py_func.__name__)
dispatcher.Dispatcher.enable_caching = _no_locator
"""
    got = probe({"NUMBA_CACHE_DIR": str(tmp_path)}, prelude)
    assert got["compiled"] and got["err"] < 2e-5


def test_numba_disable_jit_takes_the_numpy_path(tmp_path):
    # with NUMBA_DISABLE_JIT=1 the kernels would run as Python loops (~0.15 s for a 1 s clip instead of <1 ms)
    got = probe({"NUMBA_CACHE_DIR": str(tmp_path), "NUMBA_DISABLE_JIT": "1"})
    assert not got["compiled"] and got["err"] == 0.0


FORK_MID_COMPILE = """
import faulthandler, os, sys, threading, time
import numpy as np
import audiofeat, numba, scipy.signal
from numba.core.compiler_lock import global_compiler_lock

y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
ref = audiofeat.effects.time_stretch(y.astype(np.float64), rate=0.9)
worker = threading.Thread(target=lambda: audiofeat.effects.time_stretch(y, rate=1.2))
worker.start()
deadline = time.time() + 60
while time.time() < deadline:  # wait until the worker holds numba's compiler lock (compiling the float32 kernels)
    if not global_compiler_lock._lock.acquire(blocking=False):
        break
    global_compiler_lock._lock.release()
    time.sleep(0.001)
pid = os.fork()
if pid == 0:
    faulthandler.dump_traceback_later(60, exit=True)
    out = audiofeat.effects.time_stretch(y, rate=0.9)
    os._exit(0 if abs(out - ref).max() < 1e-4 * abs(ref).max() else 3)
worker.join()
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_while_another_thread_compiles_does_not_hang_the_child(tmp_path):
    # a DataLoader forking its workers while a prefetch thread makes the first TimeStretch call: the child
    # inherits numba's compiler lock held by a thread it does not have
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "AUDIOFEAT_NUMBA"))}
    env.update(NUMBA_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", FORK_MID_COMPILE], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_empty_batches_give_empty_results():
    """A batch of no signals: the empty result of the right shape (was numpy's ValueError/IndexError)."""
    import numpy as np

    import audiofeat
    from audiofeat.errors import ParameterError

    torch = pytest.importorskip("torch", reason="the torch path")

    for shape in [(0, 16000), (2, 0, 8000)]:
        y = np.zeros(shape, np.float32)
        ts = audiofeat.effects.time_stretch(y, rate=1.25)
        assert ts.shape == shape[:-1] + (round(shape[-1] / 1.25),) and ts.dtype == np.float32
        assert audiofeat.effects.time_stretch(y, rate=0.8).shape == shape[:-1] + (round(shape[-1] / 0.8),)
        ps = audiofeat.effects.pitch_shift(y, sr=16000, n_steps=2)
        assert ps.shape == shape and ps.dtype == np.float32
        t = audiofeat.effects.time_stretch(torch.from_numpy(y), rate=0.8)
        assert isinstance(t, torch.Tensor) and tuple(t.shape) == shape[:-1] + (round(shape[-1] / 0.8),)
    with pytest.raises(ParameterError):
        audiofeat.effects.time_stretch(np.zeros((2, 0), np.float32), rate=1.1)
