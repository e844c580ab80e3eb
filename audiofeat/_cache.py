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
import types
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
    global _lock
    _lock = threading.Lock()


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
    key = ("torch", id(array), dtype, like.device)
    hit = _get(key)
    if hit is _MISSING:
        hit = torch_constant(array, like.device, dtype)
        _put(key, hit, keepalive=array)
    return hit


def built_const(builder: Callable, args: tuple, like: Any, dtype=None) -> Any:
    """``const(builder(*args), like, dtype)``, also inside ``torch.compile``.

    While a graph is traced the builder (numpy, a lock, the store) must not be traced: it runs once at
    trace time through ``torch.compiler.assume_constant_result`` and its tensor becomes a constant of the
    graph. ``args`` must then be hashable Python values (parameters, never arrays).
    """
    if is_torch(like):
        import torch

        if torch.compiler.is_compiling():
            global _traced_count
            i = _traced_count % len(_TRACED)
            _traced_count += 1
            return _TRACED[i](builder, tuple(args), like.dtype if dtype is None else dtype, like.device)
    return const(builder(*args), like, dtype)


def _traced_constant(builder: Callable, args: tuple, dtype: Any, device: Any) -> Any:
    import torch

    return torch.as_tensor(np.array(builder(*args)), device=device).to(dtype)


def _marked(i: int) -> Callable:
    """A copy of ``_traced_constant`` named ``_audiofeat_constant_<i>`` and marked as
    ``torch.compiler.assume_constant_result`` marks (without importing torch here): dynamo calls it once at
    trace time and puts its tensor into the graph as a constant.

    Dynamo names the constant's source after the function's code name, and inductor rejects a graph where
    two constants share a source (``source ConstantSource(...) already in seen_sources``): a window and a
    mel basis in one graph would. So each traced constant takes the next of these copies in turn.
    """
    code = _traced_constant.__code__.replace(co_name=f"_audiofeat_constant_{i}")
    fn = types.FunctionType(code, _traced_constant.__globals__, code.co_name)
    fn._dynamo_marked_constant = True  # type: ignore[attr-defined]
    return fn


#: 1024 distinct names: a graph would need that many constants before two shared one
_TRACED = tuple(_marked(i) for i in range(1024))
_traced_count = 0


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
