"""Cached constants: windows, filterbanks, DCT bases and their copies per dtype and device.

Only values that depend on parameters alone are cached, never anything sized by a signal. Everything lives
in one least-recently-used store bounded by bytes (:data:`MAX_BYTES`); a single value larger than
:data:`MAX_ENTRY_BYTES` (a mel filterbank for ``n_fft=2**20``, say) is computed but not kept. Builders
return read-only numpy arrays and never warn (a warning from a cached builder would fire on the first call
only): anything worth a warning is returned to the caller, which warns every time.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from ._namespace import is_torch

__all__ = ["cached", "const", "built_const", "torch_constant", "frozen", "clear", "MAX_BYTES", "MAX_ENTRY_BYTES"]

#: total bytes the store may hold (numpy constants and their torch copies together)
MAX_BYTES = 256 << 20
#: a value larger than this is never stored
MAX_ENTRY_BYTES = 64 << 20

_store: OrderedDict = OrderedDict()  # key -> (value, nbytes, keepalive)
_bytes = 0
_lock = threading.Lock()


def _reset_lock_after_fork() -> None:  # a lock held by a thread of the parent would never be released
    global _lock, _GRAPH_LOCK
    _lock = threading.Lock()
    _GRAPH_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock_after_fork)


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if is_torch(value):
        return value.numel() * value.element_size()
    if isinstance(value, tuple):
        return sum(_nbytes(v) for v in value) + 64
    return 64


_MISSING = object()


def _get(key: Any) -> Any:
    with _lock:
        hit = _store.get(key, _MISSING)
        if hit is _MISSING:
            return _MISSING
        _store.move_to_end(key)
        return hit[0]


def _put(key: Any, value: Any, keepalive: Any = None) -> None:
    global _bytes
    # what the entry keeps alive counts too (it may be stored under its own key as well: then it is
    # counted twice, which only evicts sooner): a derived value must never pin an unbounded source array
    size = _nbytes(value) + (_nbytes(keepalive) if keepalive is not None else 0)
    if size > MAX_ENTRY_BYTES:
        return
    with _lock:
        old = _store.pop(key, None)
        if old is not None:
            _bytes -= old[1]
        _store[key] = (value, size, keepalive)
        _bytes += size
        while _bytes > MAX_BYTES and _store:
            _, (_, s, _) = _store.popitem(last=False)
            _bytes -= s


def clear() -> None:
    """Empty the store."""
    global _bytes
    with _lock:
        _store.clear()
        _bytes = 0


def stored_bytes() -> int:
    """Bytes held by the store now."""
    return _bytes


def cached(fn: Callable) -> Callable:
    """Memoise a builder of constants (hashable arguments) in the byte-bounded store."""

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        key = (fn.__module__, fn.__qualname__, args)
        hit = _get(key)
        if hit is not _MISSING:
            return hit
        value = fn(*args)
        _put(key, value)
        return value

    wrapper.cache_clear = clear  # type: ignore[attr-defined]
    return wrapper


def frozen(array: np.ndarray) -> np.ndarray:
    """Mark a numpy array read-only (for values kept in the store) and return it."""
    array.flags.writeable = False
    return array


def const(array: np.ndarray, like: Any, dtype=None) -> Any:
    """``array`` (a read-only numpy constant) in the namespace, dtype and device of ``like``.

    numpy: a read-only copy in ``dtype`` (``array`` itself when it already has it); torch: a tensor on
    ``like``'s device, stored per (array, dtype, device) so repeated calls do not re-upload a filterbank to
    the GPU. Under ``torch.compile`` the conversion is traced instead (no store look-up in the graph).
    """
    if dtype is None:
        dtype = like.dtype
    if not is_torch(like):
        dtype = np.dtype(dtype)
        if array.dtype == dtype:
            return array
        key = ("np", id(array), dtype)
        hit = _get(key)
        if hit is _MISSING:
            hit = frozen(array.astype(dtype))
            _put(key, hit, keepalive=array)  # keep `array` alive so its id is not reused
        return hit
    import torch

    if torch.compiler.is_compiling():
        return torch.as_tensor(array, device=like.device).to(dtype)
    if torch.jit.is_tracing():
        # no store while torch.jit.trace records: its shapes and sizes are traced tensors (the store's byte
        # count became a tensor, which every later torch.func transform refused to update in place)
        return torch_constant(array, like.device, dtype)
    key = ("torch", id(array), dtype, like.device)
    hit = _get(key)
    if hit is _MISSING:
        hit = torch_constant(array, like.device, dtype)
        _put(key, hit, keepalive=array)
    return hit


def built_const(builder: Callable, args: tuple, like: Any, dtype=None) -> Any:
    """``const(builder(*args), like, dtype)``, also inside ``torch.compile``.

    While a graph is traced the builder (numpy, a lock, the store) must not be traced: it runs once at
    trace time (:func:`_graph_constant`) and the graph reads its tensor from an attribute of its own.
    ``args`` must then be hashable Python values (parameters, never arrays).
    """
    if is_torch(like):
        import torch

        if torch.compiler.is_compiling():
            name = _graph_constant(builder, tuple(args), like.dtype if dtype is None else dtype, like.device)
            return getattr(_GRAPH_CONSTANTS, name)
    return const(builder(*args), like, dtype)


class _GraphConstantStore:
    """Attributes holding the constants that compiled graphs read (see :func:`_graph_constant`)."""


_GRAPH_CONSTANTS = _GraphConstantStore()
_GRAPH_NAMES: dict = {}
_GRAPH_LOCK = threading.Lock()


def _graph_constant(builder: Callable, args: tuple, dtype: Any, device: Any) -> str:
    """The attribute of ``_GRAPH_CONSTANTS`` that holds ``builder(*args)`` as a tensor (built on first use).

    Marked as ``torch.compiler.assume_constant_result`` marks (without importing torch here): dynamo calls it
    for real while it traces, and puts the returned *name* into the graph as a constant; the traced code then
    reads the tensor as an attribute of a global object, which dynamo lifts as a graph input guarded by its
    own attribute source. So no Python state is read inside the graph (nothing to re-guard or recompile on
    the next call), and every constant has a source of its own: inductor refuses a graph in which two
    constants share one (``source ConstantSource(...) already in seen_sources``), which a tensor returned by
    a marked function always has (the function's name).
    """
    key = (builder, args, str(dtype), str(device))
    with _GRAPH_LOCK:
        name = _GRAPH_NAMES.get(key)
        if name is None:
            tensor = _real_tensor(lambda: torch_constant(np.array(builder(*args)), device, dtype))
            name = f"c{len(_GRAPH_NAMES)}_{getattr(builder, '__name__', 'constant').strip('_')}"
            setattr(_GRAPH_CONSTANTS, name, tensor)
            _GRAPH_NAMES[key] = name
    return name


_graph_constant._dynamo_marked_constant = True  # type: ignore[attr-defined]


def _real_tensor(make: Callable[[], Any]) -> Any:
    """``make()`` outside any fake-tensor mode: ``torch.export`` (ONNX export) traces under one, and a stored
    constant made there would be a FakeTensor with no data for every later graph."""
    try:
        from torch._subclasses.fake_tensor import unset_fake_temporarily
    except ImportError:  # pragma: no cover - torch without fake tensors
        return make()
    with unset_fake_temporarily():
        return make()


def torch_constant(array: Any, device: Any, dtype: Any) -> Any:
    """A tensor built for caching: a normal tensor even under ``torch.inference_mode()``.

    A tensor made inside inference mode cannot be saved for backward, so a constant first cached during
    validation would break every later training step.
    """
    import torch

    with torch.inference_mode(False):
        if isinstance(array, torch.Tensor):
            return array.detach().to(device=device, dtype=dtype).clone()
        return torch.as_tensor(np.array(array), device=device).to(dtype)
