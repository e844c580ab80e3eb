"""Array namespaces and the one dtype rule.

audiofeat is written once against the array namespace of its input (``array_api_compat.array_namespace``):
numpy in gives numpy out, torch in gives torch out on the same device. This module says which namespace an
input belongs to, converts between them, and holds the single dtype-promotion rule every function follows:

* float32 and float64 (complex64 and complex128 where complex values are allowed) are kept as they are;
* float16 and bfloat16 are computed in float32 (and returned as float32);
* integers and booleans are refused for audio (rescaling int16 PCM silently would be 32768 times off) and
  promoted for other data: to float64 on numpy (as numpy and librosa do), to float32 on torch (its default
  dtype).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from .errors import BackendError, ParameterError

try:  # array_api_compat is a core dependency; the import guard only gives a clearer error.
    import array_api_compat
except ImportError as exc:  # pragma: no cover
    raise ImportError("audiofeat needs array-api-compat: pip install array-api-compat") from exc

__all__ = [
    "is_torch",
    "namespace",
    "as_array",
    "as_float",
    "complex_dtype",
    "real_dtype",
    "to_numpy",
    "from_numpy",
    "device",
]


_torch_module: Any = sys.modules.get("torch")  # kept once torch has been imported (by anyone)


def is_torch(x: Any) -> bool:
    """True for a torch tensor (without importing torch).

    The torch module is looked up in ``sys.modules`` until an eager call finds it, then kept: inside
    ``torch.compile`` dynamo traces this function, and a ``sys.modules`` read there makes it walk that dict
    (and guard on it).
    """
    torch = _torch_module
    if torch is None:
        if type(x) is np.ndarray:
            return False
        torch = sys.modules.get("torch")
        if torch is None:
            return False
        if not torch.compiler.is_compiling():  # no global store inside a traced graph
            _keep_torch(torch)
    return isinstance(x, torch.Tensor)


def _keep_torch(torch: Any) -> None:
    global _torch_module
    _torch_module = torch


_NUMPY_NS = array_api_compat.array_namespace(np.empty(0))


def namespace(*xs: Any):
    """The array namespace shared by ``xs`` (numpy or torch); BackendError otherwise.

    Resolved here for the two backends audiofeat supports (plain isinstance checks, which ``torch.compile``
    traces without warnings), and by ``array_api_compat`` for anything else.
    """
    if all(isinstance(x, np.ndarray) for x in xs):
        return _NUMPY_NS
    if all(is_torch(x) for x in xs):
        import array_api_compat.torch as torch_ns

        return torch_ns
    kinds = sorted({type(x).__module__ + "." + type(x).__name__ for x in xs})
    raise BackendError(
        f"unsupported or mixed array types {kinds}: audiofeat takes numpy arrays or torch tensors"
    )


def device(x: Any) -> Any:
    """The device of ``x`` (``"cpu"`` for numpy)."""
    return x.device if is_torch(x) else "cpu"


def as_array(x: Any, name: str = "input") -> Any:
    """Return ``x`` as an array of a supported backend (lists and scalars become numpy)."""
    if isinstance(x, np.ndarray) or is_torch(x):
        return x
    if isinstance(x, (list, tuple, int, float, complex, np.generic)):
        return np.asarray(x)
    if hasattr(x, "__array__") and not hasattr(x, "__array_namespace__"):
        return np.asarray(x)
    if hasattr(x, "__array_namespace__"):
        raise BackendError(
            f"{name}: arrays of type {type(x).__module__}.{type(x).__name__} are not supported; "
            "pass a numpy array or a torch tensor"
        )
    raise BackendError(f"{name}: expected a numpy array or a torch tensor, got {type(x).__name__}")


def as_float(x: Any, name: str = "input", *, integers: bool = True, complex_ok: bool = False) -> Any:
    """``x`` as an array in its working float dtype, following the module's one rule.

    ``integers=False`` refuses integer and boolean input (audio); ``complex_ok`` lets complex64/complex128
    through unchanged (a complex spectrogram), otherwise complex input is refused.
    """
    x = as_array(x, name)
    xp = namespace(x)
    dt = x.dtype
    if dt in (xp.float32, xp.float64):
        return x
    if isinstance(dt, np.dtype) and not dt.isnative:  # byte-swapped numpy data ('>f8' on x86): native order,
        x = x.astype(dt.newbyteorder("="))           # the same kind and precision
        dt = x.dtype
        if dt in (xp.float32, xp.float64):
            return x
    if xp.isdtype(dt, "complex floating"):
        if complex_ok:
            return x
        kind = "a real floating-point array" if not integers else "real"
        raise ParameterError(f"{name} must be {kind}, got complex dtype {dt}")
    if xp.isdtype(dt, "real floating"):  # float16, bfloat16
        return xp.astype(x, xp.float32)
    if not integers or dt == xp.bool or not xp.isdtype(dt, "integral"):
        what = "a real floating-point array" if not integers else "a numeric array"
        hint = "; convert it first, e.g. y.astype(np.float32) / 32768 for int16 PCM" if not integers else ""
        raise ParameterError(f"{name} must be {what}, got dtype {dt}{hint}")
    return xp.astype(x, xp.float32 if is_torch(x) else xp.float64)


def complex_dtype(xp, real):
    """The complex dtype matching a real one."""
    return xp.complex128 if real == xp.float64 else xp.complex64


def real_dtype(xp, dtype):
    """The real dtype matching a (real or complex) one."""
    if dtype in (xp.complex128, xp.float64):
        return xp.float64
    return xp.float32


def to_numpy(x: Any) -> np.ndarray:
    """A numpy view/copy of ``x`` (torch tensors are detached and moved to the CPU)."""
    if is_torch(x):
        if x.dtype == sys.modules["torch"].bfloat16:  # numpy has no bfloat16
            x = x.float()
        return x.detach().cpu().numpy()
    return np.asarray(x)


def from_numpy(array: np.ndarray, like: Any, dtype=None) -> Any:
    """A one-off (uncached) conversion of a numpy array to ``like``'s namespace, dtype and device."""
    if dtype is None:
        dtype = like.dtype
    if is_torch(like):
        import torch

        return torch.as_tensor(np.array(array), device=like.device).to(dtype)
    return np.asarray(array, dtype=dtype)
