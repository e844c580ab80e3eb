"""Runners: one :func:`extract` over files, in-process, in a process pool, or on Ray Data.

Files are processed by :func:`~audiofeat.pipeline.compute.process_file` (which never raises: a failure
becomes a record) and committed to the sink in input order, batch by batch, so an interrupted run can be
resumed exactly (see :mod:`audiofeat.pipeline.sinks`).
"""

from __future__ import annotations

import concurrent.futures as cf
import fnmatch
import json
import multiprocessing
import numbers
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..errors import ParameterError
from .compute import FileResult, process_file
from .sinks import input_key, open_sink
from .spec import ExtractorSpec

__all__ = ["extract", "discover", "Summary", "AUDIO_EXTENSIONS"]

#: file name endings taken from folders (libsndfile's formats); other files are ignored unless --glob says so
AUDIO_EXTENSIONS = (".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aiff", ".aif", ".aifc",
                    ".au", ".snd", ".caf", ".w64", ".rf64", ".sd2", ".voc", ".htk", ".mat", ".pvf", ".xi",
                    ".sds", ".avr", ".wve", ".ircam", ".sf", ".nist", ".sph", ".mpc", ".paf", ".svx", ".8svx")


@dataclass
class Summary:
    """What a run did. ``str(summary)`` is the report the command line prints."""

    files_total: int = 0
    files_done: int = 0
    files_failed: int = 0
    files_skipped: int = 0  # already in the output (resume)
    files_stale: int = 0  # already in the output, but changed on disk since (resume keeps their old rows)
    failed_by_reason: dict = field(default_factory=dict)
    truncated_warned: int = 0
    rows: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0
    out: str = ""
    errors: list = field(default_factory=list)  # this run's failure and warning records
    dataset_problems: list = field(default_factory=list)  # every failure and warning in the output

    @property
    def audio_hours(self) -> float:
        return self.audio_seconds / 3600.0

    @property
    def x_realtime(self) -> float:
        return self.audio_seconds / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def add(self, r: FileResult) -> None:
        if r.ok:
            self.files_done += 1
            self.rows += len(r.rows)
            self.audio_seconds += r.seconds
        else:
            self.files_failed += 1
            self.failed_by_reason[r.error["reason"]] = self.failed_by_reason.get(r.error["reason"], 0) + 1
            self.errors.append({"level": "error", **r.error})
        for w in r.warnings:
            self.truncated_warned += w.get("reason") == "truncated"
            self.errors.append({"level": "warning", **w})

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(audio_hours=self.audio_hours, x_realtime=self.x_realtime)
        return d

    def __str__(self) -> str:
        failed = ", ".join(f"{k} {v}" for k, v in sorted(self.failed_by_reason.items())) or "none"
        lines = [
            f"files: {self.files_done} done, {self.files_failed} failed ({failed}), "
            f"{self.files_skipped} already done, {self.files_total} in all",
            f"truncated files (extracted from what is there, warned): {self.truncated_warned}",
            *([f"changed since they were extracted (old rows kept; --overwrite to redo): {self.files_stale}"]
              if self.files_stale else []),
            f"rows: {self.rows}; audio: {self.audio_hours:.4f} h; wall: {self.wall_seconds:.1f} s; "
            f"{self.x_realtime:.0f}x realtime",
            f"output: {self.out}",
        ]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ inputs
def discover(inputs: Sequence[str | os.PathLike] | str | os.PathLike, glob: str | None = None
             ) -> list[tuple[str, str]]:
    """The input files as ``(path, relative output name)``, in a stable order.

    A folder contributes every file under it (recursively, symlinked folders not followed) whose name ends in an
    audio extension (or matches ``glob``, a pattern on the path relative to the folder, e.g. ``'*.wav'`` or
    ``'**/take*.flac'``), and also any *folder* named like audio, so that it is reported rather than silently
    skipped. Anything else given is taken as a file (a missing one is reported as missing). The relative name
    (for npz output) is the folder's name plus the path inside it, or the file's name. A file given twice
    (``a.wav`` and ``./a.wav``, or through a symbolic link to its folder) is listed once, first spelling kept.

    Examples
    --------
    >>> from audiofeat.pipeline import discover
    >>> [rel for _, rel in discover(["data/samples"], glob="*.wav")]
    ['samples/noise.wav', 'samples/speech.wav']
    """
    return [(path, rel) for path, rel, _ in _discover(inputs, glob)]


def _discover(inputs: Sequence[str | os.PathLike] | str | os.PathLike, glob: str | None
              ) -> list[tuple[str, str, str]]:
    """:func:`discover`'s ``(path, relative name)`` plus each file's identity: its absolute path with the
    *folder* resolved (symbolic links followed once per folder, the file's own name kept). It is the duplicate
    key here and, in :func:`extract`, the key of a file in a dataset's manifests, so that a run resumed through
    another path to the same folder through a symbolic link finds its files done (a bind mount's alias is
    not seen: it is new input, ``tests/test_review19c.py``). A file that is
    itself a link keeps its own name: two links with different names (one cached file under two labels' folders)
    stay two inputs."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    found: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    real_dirs: dict[str, str] = {}

    def wanted(rel: str, name: str) -> bool:
        if glob is not None:
            return fnmatch.fnmatch(rel, glob) or fnmatch.fnmatch(name, glob)
        return name.lower().endswith(AUDIO_EXTENSIONS)

    def add(path: str, rel: str) -> None:
        key = input_key(path, real_dirs)  # 'a.wav', './a.wav', '/here/a.wav' and 'link-to-here/a.wav': one file
        if key not in seen:
            seen.add(key)
            found.append((path, rel, key))

    try:
        inputs = list(inputs)
        items = [os.fspath(item) for item in inputs]
    except TypeError:
        raise ParameterError(f"inputs must be a path or a sequence of paths, got {inputs!r}") from None
    for item in items:
        if os.path.isdir(item):
            base = os.path.basename(os.path.normpath(item))
            def unlisted(err: OSError, item: str = item, base: str = base) -> None:
                # a folder that cannot be listed is taken as an input, so it is reported (unreadable), not skipped
                add(err.filename, os.path.join(base, os.path.relpath(err.filename, item)))

            for folder, dirs, files in os.walk(item, onerror=unlisted):
                dirs.sort()
                rel_folder = os.path.relpath(folder, item)
                for name in dirs:
                    rel = os.path.normpath(os.path.join(rel_folder, name))
                    # a folder named like audio is reported, not skipped (by its extension: --glob '*' must not
                    # turn every subfolder into a failed file)
                    if wanted(rel, name) and name.lower().endswith(AUDIO_EXTENSIONS):
                        add(os.path.join(folder, name), os.path.join(base, rel))
                for name in sorted(files):
                    rel = os.path.normpath(os.path.join(rel_folder, name))
                    if wanted(rel, name):
                        add(os.path.join(folder, name), os.path.join(base, rel))
        else:
            add(item, os.path.basename(os.path.normpath(item)) or item)
    return found


# ------------------------------------------------------------------------------------------------ engines
def _work_many(args: tuple[list[str], dict, str]) -> str:
    """Extract a task's files in a worker; the results go to a file in the run's folder and only its name
    goes back through the pool's pipe.

    A message larger than the pipe's atomic size (4 KiB) can be cut short by a worker killed mid-send (the
    OOM killer), and the executor then waits forever for the rest of it; a name never is.
    """
    import pickle

    import tempfile

    paths, spec, folder = args
    spec = ExtractorSpec.from_dict(spec)
    results = [process_file(path, spec) for path in paths]
    fd, name = tempfile.mkstemp(prefix="task-", suffix=".pickle", dir=folder)
    with os.fdopen(fd, "wb") as f:
        pickle.dump(results, f, protocol=pickle.HIGHEST_PROTOCOL)
    return name


def _collect(name: str) -> list[FileResult]:
    import pickle

    with open(name, "rb") as f:
        results = pickle.load(f)
    os.unlink(name)
    return results


#: a pool task takes consecutive files up to this many bytes (about 2 minutes of 16-bit 16 kHz stereo) or
#: :data:`_TASK_FILES` files: one round trip per file cost the parent more than a short file's features
#: (measured: 2 jobs gained 1.5x over 1 job with a task per 5 s file); 32 rather than 16 files a task took
#: another ~10% off the parent's CPU time (collecting results competes with the workers for the cores), and
#: the guided tail (see _tasks) keeps the end of a run balanced all the same
_TASK_BYTES = 8 << 20
_TASK_FILES = 32


def _tasks(paths: list[str], jobs: int) -> list[list[str]]:
    """Consecutive runs of ``paths`` for the pool: small files grouped, a large file alone. Never fewer than
    ``4 * jobs`` tasks when there are that many files, and, towards the end, tasks of at most a
    ``2 * jobs``-th of the files left (guided scheduling): the last tasks hold a file or two, so no worker
    finishes a full task of 32 files while the others are already idle (~60 ms of one core at 5 s a file)."""
    most = max(1, min(_TASK_FILES, len(paths) // (4 * jobs)))
    tasks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for i, p in enumerate(paths):
        try:
            n = os.stat(p).st_size
        except OSError:
            n = 0  # missing or unreadable: reported by its worker
        left = len(paths) - i + len(current)  # files from the current task's first on
        cap = max(1, min(most, left // (2 * jobs)))
        if current and (len(current) >= cap or size + n > _TASK_BYTES):
            tasks.append(current)
            current, size = [], 0
        current.append(p)
        size += n
    if current:
        tasks.append(current)
    return tasks


def _pool_context():
    # fork: works from notebooks, stdin and scripts without a __main__ guard, and audiofeat is fork-safe (its
    # pool is dropped in the child). AUDIOFEAT_START_METHOD=forkserver|spawn if the caller runs threads that
    # are not (e.g. OpenMP used before the fork); those two need the guard (their workers import __main__).
    method = os.environ.get("AUDIOFEAT_START_METHOD") or (
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    if method not in multiprocessing.get_all_start_methods():
        raise ParameterError(f"AUDIOFEAT_START_METHOD={method!r} is not a start method of this platform: use one "
                             f"of {multiprocessing.get_all_start_methods()}")
    return multiprocessing.get_context(method)


def _worker_init(run: int, via_server: bool, folder: str) -> None:
    """A worker dies with its run (pid ``run``). After ``kill -9`` of the run, an orphaned worker would wait forever
    on the task queue (it holds that pipe's write end itself), keeping its memory and the run's stdout/stderr
    open.

    A forked or spawned worker is the run's child: the kernel kills it when its parent dies (``PR_SET_PDEATHSIG``).
    Under forkserver it is the fork server's child, and the server lives as long as any of its workers do (each
    holds the server's "alive" pipe), so the worker watches the run itself (a pidfd).

    It first leaves a ``started-<pid>`` file in the run's ``folder``: the run tells a pool whose workers never
    got this far from one whose worker died on a file (see :class:`_Starts`)."""
    try:
        open(os.path.join(folder, f"started-{os.getpid()}"), "wb").close()
    except OSError:
        pass
    if via_server:
        _exit_with(run)
        return
    if os.getppid() != run:  # the run died before this worker got here
        os._exit(1)
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux only)
    except (OSError, AttributeError):
        return
    if os.getppid() != run:  # the run died before prctl took effect
        os._exit(1)


def _exit_with(pid: int) -> None:
    """Exit this process when process ``pid`` ends (a daemon thread waits on its pidfd; Linux >= 5.3)."""
    import select
    import threading

    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:  # already gone
        os._exit(1)
    except (OSError, AttributeError):  # no pidfds here: nothing to watch with
        return

    def watch() -> None:
        select.select([fd], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="audiofeat-run-watch", daemon=True).start()


def _new_pool(jobs: int, folder: str) -> cf.ProcessPoolExecutor:
    context = _pool_context()
    return cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init,
                                  initargs=(os.getpid(), context.get_start_method() == "forkserver", folder))


#: why a run stops when its pools keep dying before any worker gets going
_DIE_AT_START = ("the worker processes die before they start: with AUDIOFEAT_START_METHOD=spawn or forkserver, a "
                 "script that calls extract needs an `if __name__ == '__main__':` guard (see the workers' errors "
                 "above); otherwise the machine may be out of memory (run with fewer jobs)")


class _Starts:
    """The run's pools, one at a time, and whether their workers ever started (reached :func:`_worker_init`).

    Two pools in a row lost without one started worker mean the workers die as they start: under spawn or
    forkserver, typically a script without a main guard (each worker imports it and fails); else no memory
    for a process. Retrying file by file would then start (and lose) one process per file of the corpus."""

    def __init__(self, folder: str) -> None:
        self.folder, self.seen, self.dead = folder, 0, 0

    def _count(self) -> int:
        try:
            return sum(1 for name in os.listdir(self.folder) if name.startswith("started-"))
        except OSError:
            return 0

    def pool(self, jobs: int) -> cf.ProcessPoolExecutor:
        self.seen = self._count()
        return _new_pool(jobs, self.folder)

    def lost(self) -> None:
        """A pool broke: raise if this is the second in a row whose workers never started."""
        if self._count() > self.seen:
            self.dead = 0
            return
        self.dead += 1
        if self.dead >= 2:
            raise RuntimeError(_DIE_AT_START)


def _run_pool(paths: list[str], spec: ExtractorSpec, jobs: int) -> Iterator[FileResult]:
    """Results in input order; a worker that dies fails only the file it was extracting (``worker_died``)."""
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="audiofeat-run-")
    try:
        yield from _pool_results(_tasks(paths, jobs), spec.to_dict(), jobs, _Starts(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _pool_results(tasks: list[list[str]], payload: dict, jobs: int, starts: _Starts) -> Iterator[FileResult]:
    folder = starts.folder
    window = jobs * 4
    index = 0
    idle_breaks = 0  # pools lost with nothing in flight, in a row: workers that cannot even start
    pool = starts.pool(jobs)
    pending: dict[int, cf.Future] = {}
    try:
        while index < len(tasks) or pending:
            broken = False
            try:
                while index < len(tasks) and len(pending) < window:
                    pending[index] = pool.submit(_work_many, (tasks[index], payload, folder))
                    index += 1
            except cf.process.BrokenProcessPool:  # a worker died between two results
                broken = True
            if not broken:
                first = min(pending)
                try:
                    name = pending[first].result()
                except cf.process.BrokenProcessPool:
                    broken = True
                except Exception as exc:  # noqa: BLE001 -- e.g. the results could not be written: fail those files
                    del pending[first]
                    for path in tasks[first]:
                        yield _failed(path, exc)
                    continue
                else:
                    del pending[first]
                    yield from _collect(name)
                    continue
            # The pool is lost, with every task in it. Tasks that finished before it broke keep their results;
            # the others' files run again, one file per task in a fresh pool, so that a second death pins the
            # culprit (each file in flight then runs alone); results stay in input order.
            pool.shutdown(wait=False, cancel_futures=True)
            starts.lost()
            lost = sorted(pending)
            idle_breaks = 0 if lost else idle_breaks + 1
            if idle_breaks >= 3:
                raise RuntimeError(_DIE_AT_START)
            done = {i: pending[i].result() for i in lost
                    if pending[i].done() and not pending[i].cancelled() and pending[i].exception() is None}
            pending.clear()
            retry = [p for i in lost if i not in done for p in tasks[i]]
            if any(len(tasks[i]) > 1 for i in lost if i not in done):
                again = iter(list(_pool_results([[p] for p in retry], payload, jobs, starts)))
            else:
                again = (_isolated(p, payload, starts) for p in retry)
            for i in lost:
                if i in done:
                    yield from _collect(done[i])
                else:
                    for _ in tasks[i]:
                        yield next(again)
            pool = starts.pool(jobs)
    finally:
        # every task done: the idle workers exit on their own (the executor's thread reaps them) while this
        # process commits the last rows; otherwise (an error, an interrupt) wait for them here
        pool.shutdown(wait=bool(pending) or index < len(tasks), cancel_futures=True)


def _isolated(path: str, payload: dict, starts: _Starts) -> FileResult:
    """One file in a process of its own: its result, or ``worker_died`` if that process dies too."""
    pool = starts.pool(1)
    try:
        return _collect(pool.submit(_work_many, ([path], payload, starts.folder)).result())[0]
    except cf.process.BrokenProcessPool:
        starts.lost()
        return _died(path)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _failed(path: str, exc: BaseException) -> FileResult:
    from .compute import _error

    r = FileResult(path=path)
    r.error = _error(path, exc)
    return r


def _died(path: str) -> FileResult:
    r = FileResult(path=path)
    r.error = {"path": path, "type": "WorkerDied", "reason": "worker_died",
               "message": "the worker process died while extracting this file (out of memory or a crash)"}
    return r


def _run_local(paths: list[str], spec: ExtractorSpec) -> Iterator[FileResult]:
    for path in paths:
        yield process_file(path, spec)


# ------------------------------------------------------------------------------------------------ extract
def extract(
    inputs: Sequence[str | os.PathLike] | str | os.PathLike,
    spec: ExtractorSpec | dict | str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    *,
    format: str = "parquet",
    jobs: int = 1,
    engine: str = "local",
    resume: bool = False,
    overwrite: bool = False,
    glob: str | None = None,
    errors: str | os.PathLike | None = None,
    progress: Callable[[FileResult], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    files_per_part: int = 200,
    seconds_per_part: float = 30.0,
    address: str | None = None,
) -> Summary:
    """Extract features from files or folders into a dataset (parquet or npz).

    Parameters
    ----------
    inputs : path or sequence of paths
        Audio files and folders (see :func:`discover`).
    spec : ExtractorSpec, dict, path to a YAML/JSON spec, or None
        What to extract (None: MFCCs at 22050 Hz).
    out : path
        Output folder (created). For parquet, ``pandas.read_parquet(out)`` reads it.
    format : {'parquet', 'npz'}
        Sink.
    jobs : int
        Worker processes for ``engine='local'`` (1 runs in this process; each worker uses one audiofeat
        thread).
    engine : {'local', 'ray'}
        ``'ray'`` runs on Ray Data (``address`` of a cluster, or a local one); see docs/pipeline.md.
    resume : bool
        Finish an interrupted run into the same ``out`` (same spec required).
    overwrite : bool
        Replace an existing audiofeat dataset at ``out`` (other files are never touched).
    glob : str, optional
        Which files to take from folders (default: audio extensions).
    errors : path, optional
        Also write every failure and warning there (JSON lines; ``.csv`` gives CSV).
    progress : callable, optional
        Called with each :class:`FileResult` as it is committed.
    on_start : callable, optional
        Called once with ``(files to do, files already done)``.
    files_per_part, seconds_per_part : int, float
        A batch is committed after this many files or seconds, whichever first (the unit of resume).
    address : str, optional
        Ray cluster address for ``engine='ray'``.

    Returns
    -------
    Summary

    Raises
    ------
    ParameterError
        A bad spec, format, engine or jobs, or an output folder that cannot be used (see the sinks). Failing
        *files* never raise: they are in the summary and the errors file.

    Examples
    --------
    >>> import tempfile, os
    >>> from audiofeat.pipeline import extract
    >>> out = os.path.join(tempfile.mkdtemp(), "feats.parquet")
    >>> s = extract("data/samples", {"features": ["mfcc"], "sr": 16000, "functionals": ["mean", "std"]}, out)
    >>> s.files_done, s.files_failed
    (5, 0)
    """
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # a spawn/forkserver worker importing a script that calls extract() at its top level: it would run the
        # whole extraction again (and find the run's own output folder locked)
        raise RuntimeError("audiofeat.pipeline.extract was called while a worker process was importing your "
                           "script (start method spawn or forkserver): put the call under "
                           "`if __name__ == '__main__':`")
    start = time.perf_counter()
    spec = _as_spec(spec)
    _probe(spec)
    if out is None:
        raise ParameterError("out (the output folder) is required")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs must be a positive integer, got {jobs!r}")
    if engine not in ("local", "ray"):
        raise ParameterError(f"engine must be 'local' or 'ray', got {engine!r}")
    if engine == "local" and jobs > 1:
        _pool_context()  # a mistyped AUDIOFEAT_START_METHOD is a usage error before anything is written
        if multiprocessing.current_process().daemon:
            # a multiprocessing.Pool worker may not start processes of its own (multiprocessing asserts it,
            # after the output folder was made): the outer pool is the parallelism here
            from .._checks import warn_user
            from ..errors import AudiofeatWarning

            warn_user(f"extract(jobs={jobs}) in a daemonic process (a multiprocessing.Pool worker), which may not "
                      "start worker processes: it runs in this process (jobs=1)", AudiofeatWarning)
            jobs = 1
    if format not in ("parquet", "npz"):
        raise ParameterError(f"format must be 'parquet' or 'npz', got {format!r}")
    if resume and overwrite:
        raise ParameterError("resume and overwrite exclude each other: resume finishes the dataset in out, "
                             "overwrite replaces it")
    if isinstance(files_per_part, bool) or not isinstance(files_per_part, int) or files_per_part < 1:
        raise ParameterError(f"files_per_part must be a positive integer, got {files_per_part!r}")
    if isinstance(seconds_per_part, bool) or not isinstance(seconds_per_part, numbers.Real) or \
            not seconds_per_part >= 0:
        # checked now: a bad value was a bare TypeError at the first result, after the output was stamped
        raise ParameterError(f"seconds_per_part must be a number >= 0, got {seconds_per_part!r}")
    if errors is not None:
        _check_errors_path(os.fspath(errors))
    found = _discover(inputs, glob)
    out_abs = os.path.abspath(os.fspath(out))
    # an output folder inside an input folder is never read back as input (with --glob '*', or on --resume),
    # however either is reached: each input's key already has its folder resolved (see _discover), so a
    # prefix test against the output folder and its resolved form is enough (commonpath and a realpath per
    # file cost ~10 us a file, 10 s for a million-file corpus, before any worker starts); a file that is
    # itself a link into the output folder costs one lstat
    absolute = {p: key for p, _, key in found}
    outs = {out_abs, os.path.realpath(out_abs)}
    insides = tuple(o.rstrip(os.sep) + os.sep for o in outs)

    def in_out(key: str) -> bool:
        if key in outs or key.startswith(insides):
            return True
        if os.path.islink(key):
            target = os.path.realpath(key)
            return target in outs or target.startswith(insides)
        return False

    files = [(p, rel) for p, rel, a in found if not in_out(a)]
    relpaths = dict(files)
    if format == "npz":
        clash = [rel for rel, n in Counter(relpaths.values()).items() if n > 1]
        if clash:
            raise ParameterError(f"two inputs would write the same npz file: {clash[:3]}; give their folders "
                                 "separately or use parquet")
    if engine == "ray":
        from .ray_engine import run_ray

        if resume:
            raise ParameterError("resume is not supported with engine='ray' yet: rerun into a new folder")
        summary = run_ray([p for p, _ in files], spec, os.fspath(out), format=format, overwrite=overwrite,
                          address=address, on_start=on_start)
    else:
        sink = open_sink(format, os.fspath(out), spec, resume=resume, overwrite=overwrite, relpaths=relpaths)
        summary = Summary(files_total=len(files), out=sink.out)
        todo = [p for p, _ in files if absolute[p] not in sink.done]
        summary.files_skipped = len(files) - len(todo)
        stale = []
        for p, _ in files:
            entry = sink.done.get(absolute[p])
            if entry is not None and entry.get("status") == "ok" and _changed(p, entry):
                summary.files_stale += 1
                stale.append({"level": "warning", "path": p, "type": "StaleRowsWarning", "reason": "stale",
                              "message": f"{p}: changed since it was extracted into this dataset (size or "
                                         "modification time); resume keeps its old rows: rerun with --overwrite "
                                         "to extract it again"})
        summary.errors.extend(stale)
        if on_start is not None:
            on_start(len(todo), summary.files_skipped)
        jobs = min(jobs, max(1, len(todo)))  # --jobs 100 for 3 files: 3 workers, not 100 idle forks
        results = _run_local(todo, spec) if jobs == 1 else _run_pool(todo, spec, jobs)
        batch: list[FileResult] = []
        last_commit = time.perf_counter()
        try:
            for r in results:
                batch.append(r)
                summary.add(r)
                if progress is not None:
                    progress(r)
                if len(batch) >= files_per_part or time.perf_counter() - last_commit >= seconds_per_part:
                    sink.commit(batch, absolute)
                    batch, last_commit = [], time.perf_counter()
            if batch:
                sink.commit(batch, absolute)
        finally:
            # this run's and, when resuming, earlier runs' (plus inputs changed since their rows were made)
            summary.dataset_problems = sink.close(extra=stale)
    summary.wall_seconds = time.perf_counter() - start
    if errors is not None:
        _write_errors(os.fspath(errors), summary.dataset_problems)
    return summary


def _changed(path: str, entry: dict) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False  # gone: its rows describe the file as it was; nothing to compare
    return (int(st.st_size), float(st.st_mtime)) != (entry.get("size"), entry.get("mtime"))


def _probe(spec: ExtractorSpec) -> None:
    """Run each feature once on a short test signal, so that a bad parameter *value* (``n_mfcc: -1``) is a usage
    error now rather than the same failure recorded for every file of a corpus."""
    import numpy as np

    from ..errors import ParameterError as _PE
    from .compute import compute_features
    from .features import get_feature

    sr = spec.sr or 22050
    seconds = min(spec.segment["window"], 10.0) if spec.segment and "window" in spec.segment else 10.0
    y = 0.01 * np.random.default_rng(0).standard_normal(max(1, int(seconds * sr))).astype(np.float32)
    if not spec.mono:
        y = y[None]
    for fs in spec.features:
        feature = get_feature(fs.name)
        channels, signal = None, y
        weights = fs.full_params.get("weights")
        n_weights = len(weights) if isinstance(weights, (list, tuple)) and weights else None
        if spec.mono and feature.programme:
            # a programme feature of a mono spec sees a file's channels: as many as its weights say, else two
            channels = np.stack([y] * (n_weights or 2))
        elif not spec.mono and n_weights and fs.full_params.get("channel_axis") is not None:
            # mono=False with per-channel weights across a channel axis: files with that many channels
            signal = np.repeat(y, n_weights, axis=0)
        # with a warnings list, a feature the test signal is too short for is NaN (or has no frames), as in the
        # run; without one it raises: a frame feature with no frame in a whole segment window has none in any
        segments_without_frames = bool(spec.segment) and "window" in spec.segment and feature.kind == "frames"
        try:
            compute_features(signal, sr, ExtractorSpec(features=[fs], sr=spec.sr, mono=spec.mono),
                             None if segments_without_frames else [], channels=channels)
        except _PE as exc:
            raise ParameterError(f"feature {fs.name!r} of the spec fails on a {seconds:g} s test signal, so it would "
                                 f"fail on every file: {exc}") from None
        except Exception:  # noqa: BLE001 -- anything else (a device, a backend) is left to each file to report
            pass


def _as_spec(spec: Any) -> ExtractorSpec:
    if spec is None:
        return ExtractorSpec()
    if isinstance(spec, ExtractorSpec):
        return spec
    if isinstance(spec, dict):
        return ExtractorSpec.from_dict(spec)
    if isinstance(spec, (str, os.PathLike)):
        return ExtractorSpec.load(spec)
    raise ParameterError(f"spec must be an ExtractorSpec, a dict or a spec file, got {type(spec).__name__}")


def _check_errors_path(path: str) -> None:
    """Refuse an errors file that could not be written *before* the run, not after hours of work."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ParameterError(f"the errors file {path!r} is a folder; give a file name (.jsonl or .csv)")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"cannot create the folder of the errors file {path!r}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK):
        raise ParameterError(f"cannot write the errors file {path!r}: its folder is not writable")


def _write_errors(path: str, records: Iterable[dict]) -> None:
    from .sinks import _atomic_write

    records = list(records)
    if path.endswith(".csv"):
        import csv
        import io

        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=["level", "path", "type", "reason", "message"])
        writer.writeheader()
        for rec in records:
            writer.writerow({k: rec.get(k, "") for k in writer.fieldnames})
        data = buf.getvalue().encode()
    else:
        data = "".join(json.dumps(rec, sort_keys=True) + "\n" for rec in records).encode()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    _atomic_write(os.path.abspath(path), lambda f: f.write(data))
