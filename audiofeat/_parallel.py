"""Scheduling: audiofeat's one thread pool, how many threads it uses, and how work is cut for it.

This is the only module that knows about threads, processes and BLAS sizes:

* the thread pool of the numpy path (numpy, scipy.fft and BLAS release the GIL, so blocks of frames run in
  parallel), created lazily, dropped in a forked child (a pool copied by ``fork`` has no threads, and the
  child's first call would wait forever), and never waited on from inside itself: a call made from one of
  its own tasks (a batched helper, an augmentation, the pipeline) runs inline instead of queueing behind
  itself;
* the default number of threads: the CPUs this process may run on (``os.sched_getaffinity`` and the cgroup
  CPU quota), but **one** inside worker processes (a forked child, a ``multiprocessing`` spawn child, a
  PyTorch DataLoader worker), which already run in parallel; ``$AUDIOFEAT_NUM_THREADS`` or
  :func:`set_num_threads` override it;
* :func:`map_frame_blocks` and :func:`parallel_for`, which cut work into cache-sized blocks for the pool;
* the OpenBLAS size budget (:data:`SMALL_GEMM`) and :func:`small_matmul`, which keep every matrix product of
  the numpy path single-threaded inside BLAS, so BLAS's own threads never fight the pool.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import numpy as np

from ._namespace import is_torch
from .errors import ParameterError

__all__ = [
    "get_num_threads",
    "set_num_threads",
    "map_frame_blocks",
    "parallel_for",
    "block_frames",
    "small_matmul",
    "SMALL_GEMM",
]


# --------------------------------------------------------------------------------------------------
# how many threads
# --------------------------------------------------------------------------------------------------
def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by a cgroup v2 CPU quota when one is set."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        n = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            n = min(n, max(1, int(int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def _in_worker_process() -> bool:
    """True in a child of multiprocessing (fork, spawn or forkserver), which includes DataLoader and pool
    workers. A spawn child imports audiofeat while it unpickles its task, before multiprocessing records
    the parent; it is then marked as inheriting from its parent."""
    import multiprocessing

    current = multiprocessing.current_process()
    return multiprocessing.parent_process() is not None or bool(getattr(current, "_inheriting", False))


def _threads_from_env() -> int | None:
    raw = os.environ.get("AUDIOFEAT_NUM_THREADS")
    if raw is None:
        return None
    try:
        n = int(raw.strip())
        if n < 1:
            raise ValueError
        return n
    except ValueError:
        from ._checks import warn_user

        warn_user(f"AUDIOFEAT_NUM_THREADS={raw!r} is not a positive integer; it is ignored and audiofeat "
                  "uses its default number of threads", RuntimeWarning)
        return None


_ENV_THREADS = _threads_from_env()  # read (and warned about) once, at import


def _default_threads() -> int:
    if _ENV_THREADS is not None:
        return _ENV_THREADS
    return 1 if _in_worker_process() else available_cpus()


_num_threads = _default_threads()
_explicit = False  # set_num_threads was called in this process
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_local = threading.local()  # .in_task: this thread is running one of the pool's tasks


def _after_fork_in_child() -> None:
    # The parent's pool came across without its threads, and its lock may have been held by a thread that
    # does not exist here: start afresh. A forked child is a worker process (multiprocessing, DataLoader):
    # one thread by default, unless the environment or an explicit set_num_threads in this child says more.
    global _pool, _pool_lock, _num_threads, _explicit
    _pool = None
    _pool_lock = threading.Lock()
    env = _threads_from_env()
    _num_threads = env if env is not None else 1
    _explicit = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def set_num_threads(n: int) -> None:
    """Set how many threads audiofeat's numpy path uses.

    The default is the number of CPUs this process may run on (affinity mask and cgroup quota), except in
    worker processes (forked or spawned children: multiprocessing pools, ``DataLoader(num_workers>0)``
    workers), where it is 1 because the workers already run in parallel. ``$AUDIOFEAT_NUM_THREADS``, read at
    import and in each forked child, overrides both. Torch ops follow ``torch.set_num_threads``.

    Parameters
    ----------
    n : int
        Number of threads (>= 1).

    Returns
    -------
    None

    Examples
    --------
    >>> import audiofeat
    >>> before = audiofeat.get_num_threads()
    >>> audiofeat.set_num_threads(1)
    >>> audiofeat.get_num_threads()
    1
    >>> audiofeat.set_num_threads(before)
    """
    global _num_threads, _pool, _explicit
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"number of threads must be an integer >= 1, got {n!r}")
    with _pool_lock:
        if int(n) != _num_threads:
            # Not shut down: another thread may be mapping onto it; its idle threads exit once it is
            # garbage-collected.
            _pool = None
        _num_threads = int(n)
        _explicit = True


def get_num_threads() -> int:
    """Threads used by audiofeat's numpy path (see :func:`set_num_threads` for the default).

    Returns
    -------
    int

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.get_num_threads() >= 1
    True
    """
    return _num_threads


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # the calling thread works too (see parallel_for), so the pool holds one thread fewer
            _pool = ThreadPoolExecutor(max_workers=max(1, _num_threads - 1), thread_name_prefix="audiofeat",
                                       initializer=_mark_pool_thread)
        return _pool


def _mark_pool_thread() -> None:
    _local.in_task = True


def _run_inline(n_tasks: int) -> bool:
    """Whether work of ``n_tasks`` tasks runs in the calling thread rather than on the pool."""
    return n_tasks < 2 or _num_threads == 1 or getattr(_local, "in_task", False)


def parallel_for(fn: Callable[[int], None], n: int, min_items: int = 2) -> None:
    """Run ``fn(0) ... fn(n-1)`` on the thread pool (numpy work that releases the GIL), or inline when there
    is one thread, fewer than ``min_items`` items, or the caller is itself a pool task. Exceptions reach the
    caller."""
    if n < min_items or _run_inline(n):
        for i in range(n):
            fn(i)
        return
    # Work sharing: the caller and up to threads-1 pool threads claim task indices from one counter
    # (next() on an itertools.count is atomic under the GIL), so nobody idles while tasks remain and the
    # caller never just waits.
    counter = itertools.count()
    errors: list[BaseException] = []

    def drain() -> None:
        while not errors:
            i = next(counter)
            if i >= n:
                return
            try:
                fn(i)
            except BaseException as exc:  # re-raised in the caller
                errors.append(exc)

    helpers = [_get_pool().submit(drain) for _ in range(min(_num_threads, n) - 1)]
    _local.in_task = True  # a nested call made by fn in this thread runs inline, as in the pool's threads
    try:
        drain()
    finally:
        _local.in_task = False
    for h in helpers:
        h.result()
    if errors:
        raise errors[0]


# --------------------------------------------------------------------------------------------------
# blocked execution of per-frame kernels
# --------------------------------------------------------------------------------------------------
_BLOCK_BYTES = 1 << 20  # about 1 MiB of input frames per block: windowed frames and spectra stay in cache
_TORCH_CPU_BLOCK_BYTES = 4 << 20


def block_frames(frame_length: int, itemsize: int = 4) -> int:
    """How many frames :func:`map_frame_blocks` puts in one numpy block."""
    return max(8, _BLOCK_BYTES // max(1, frame_length * itemsize))


def map_frame_blocks(
    kernel: Callable[[Any], Any],
    framed: Any,
    out_tail: Sequence[int],
    out_dtype,
    time_last: bool = False,
) -> Any:
    """Apply ``kernel`` to frames and collect the results.

    Parameters
    ----------
    kernel : callable
        Maps frames ``(..., m, frame_length)`` to ``(..., m, *out_tail)``; it must treat frames
        independently (it is called on blocks of frames).
    framed : array, or a sequence of arrays
        Frames ``(..., n_frames, frame_length)``, usually a strided view. A list or tuple of such views
        (same leading shape) stands for their concatenation along the frame axis, so a caller can frame the
        edges of a padded signal separately and never copy the whole signal.
    out_tail, out_dtype :
        Trailing shape and dtype of the kernel's output per frame.
    time_last : bool
        Return ``(..., k, n_frames)`` (C-contiguous on numpy) for a 1-D ``out_tail == (k,)``, as librosa
        lays out features, instead of ``(..., n_frames, k)``.

    Returns
    -------
    array of shape ``(..., n_frames, *out_tail)``, or ``(..., k, n_frames)`` with ``time_last``.

    On torch the kernel runs on all frames at once (item by item in ~4 MiB blocks on CPU). On numpy the
    frames are cut into blocks of about 1 MiB which run on the thread pool, each writing its slice of a
    preallocated output: every intermediate (windowed frames, spectrum, power) then stays in cache.
    """
    segments = list(framed) if isinstance(framed, (list, tuple)) else [framed]
    if is_torch(segments[0]):
        import torch

        whole = segments[0] if len(segments) == 1 else torch.cat(segments, dim=-2)
        if whole.numel() == 0:  # an empty batch: an empty result (FFT libraries reject empty inputs)
            result = torch.empty((*whole.shape[:-1], *out_tail), dtype=out_dtype, device=whole.device)
        else:
            result = _torch_frame_blocks(kernel, whole)
        return result.swapaxes(-1, -2) if time_last else result
    lead = segments[0].shape[:-2]
    frame_length = segments[0].shape[-1]
    n_frames = sum(seg.shape[-2] for seg in segments)
    batches = [seg.reshape((-1, *seg.shape[-2:])) if lead else seg[None] for seg in segments]
    n_items = batches[0].shape[0]
    block = block_frames(frame_length, segments[0].itemsize)
    tasks = []  # (item, segment, start in segment, end in segment, start in output)
    offset = 0
    for k, seg in enumerate(batches):
        m = seg.shape[-2]
        tasks += [(i, k, s, min(s + block, m), offset + s) for i in range(n_items) for s in range(0, m, block)]
        offset += m
    if time_last:
        # writing each block's (k, m) transpose into place is cheaper than one transposing copy at the end
        out = np.empty((n_items, *out_tail, n_frames), dtype=out_dtype)

        def run(t: int) -> None:
            i, k, s, e, o = tasks[t]
            out[i, :, o : o + e - s] = kernel(batches[k][i, s:e]).T
    else:
        out = np.empty((n_items, n_frames, *out_tail), dtype=out_dtype)

        def run(t: int) -> None:
            i, k, s, e, o = tasks[t]
            out[i, o : o + e - s] = kernel(batches[k][i, s:e])

    parallel_for(run, len(tasks))
    return out.reshape((*lead, *out_tail, n_frames) if time_last else (*lead, n_frames, *out_tail))


def _torch_frame_blocks(kernel: Callable[[Any], Any], framed: Any) -> Any:
    """The torch side of :func:`map_frame_blocks`: one call on GPUs and while compiling; item by item in
    ~4 MiB blocks on CPU.

    torch parallelises inside each op, so there are no threads here; blocks keep a batch's intermediates
    (windowed frames, complex spectra, power) from each making a full pass through memory, which measured
    1.5-3x faster on a 32 x 10 s batch. ``cat``/``stack`` keep autograd intact.
    """
    import torch

    n_frames, frame_length = framed.shape[-2:]
    if (framed.device.type != "cpu" or torch.compiler.is_compiling()
            or framed.numel() * framed.element_size() <= _TORCH_CPU_BLOCK_BYTES):
        return kernel(framed)
    block = max(8, _TORCH_CPU_BLOCK_BYTES // max(1, frame_length * framed.element_size()))
    lead = framed.shape[:-2]
    items = framed.reshape(-1, n_frames, frame_length)
    if torch.is_grad_enabled() and framed.requires_grad:
        parts = [torch.cat([kernel(item[s : s + block]) for s in range(0, n_frames, block)], dim=0)
                 for item in items]
        out = torch.stack(parts)
    else:  # no graph to keep: write blocks into one buffer instead of concatenating copies
        out = None
        for i, item in enumerate(items):
            for s in range(0, n_frames, block):
                part = kernel(item[s : s + block])
                if out is None:
                    out = torch.empty((items.shape[0], n_frames, *part.shape[1:]), dtype=part.dtype,
                                      device=part.device)
                out[i, s : s + part.shape[0]] = part
    return out.reshape(*lead, *out.shape[1:])


# --------------------------------------------------------------------------------------------------
# the BLAS budget
# --------------------------------------------------------------------------------------------------
#: OpenBLAS runs a GEMM in the calling thread when m*n*k <= 4 * 65536 (GEMM_MULTITHREAD_THRESHOLD x
#: SMP_THRESHOLD_MIN); above that it wakes its own threads, which then spin-wait and, on a machine whose
#: cores our pool already fills, slow everything that follows (measured 15-40%). Products on the numpy path
#: are cut to stay at or below this size. Toggling BLAS's thread count per call instead (threadpoolctl)
#: cost more than it saved and changed process-wide state.
SMALL_GEMM = 4 * 65536


def small_matmul(a: Any, x: Any) -> Any:
    """``a @ x`` for a small matrix ``a`` (m, k) and ``x`` (..., k, t), cut along ``t`` on numpy so that
    every BLAS call stays single-threaded (see :data:`SMALL_GEMM`); torch: one ``matmul``."""
    if is_torch(x) or is_torch(a):
        return a @ x
    m, k = a.shape
    t = x.shape[-1]
    step = max(1, SMALL_GEMM // max(1, m * k))
    if step >= t:
        return a @ x
    out = np.empty((*x.shape[:-2], m, t), dtype=np.result_type(a, x))
    for s in range(0, t, step):
        np.matmul(a, x[..., s : s + step], out=out[..., s : s + step])
    return out


def frame_chunks(n: int, cells_per_frame: int) -> int:
    """Frames per chunk so that a product touching ``cells_per_frame`` matrix cells per frame stays within
    :data:`SMALL_GEMM`."""
    return max(1, min(n, SMALL_GEMM // max(1, cells_per_frame)))
