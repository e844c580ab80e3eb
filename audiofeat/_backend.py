"""The backend layer in one import: ``from . import _backend as B``.

The feature modules are written once against the array namespace of their input; what they need from
below comes through this facade, whose pieces each live in one small module:

* :mod:`._namespace` -- which backend an array belongs to, conversions, and the one dtype rule;
* :mod:`._cache` -- constants (windows, filterbanks, DCT bases) in one store bounded by bytes;
* :mod:`._ops` -- primitives whose spelling differs between numpy and torch (framing, padding, FFT,
  ``|X|^2``, overlap-add, banded filterbank products);
* :mod:`._parallel` -- the thread pool, fork safety, thread counts, blocked execution and the BLAS budget.

Feature modules never touch threads, block sizes or BLAS thresholds themselves.
"""

from __future__ import annotations


from ._cache import built_const, const, frozen, torch_constant
from ._checks import check_audio as as_float_signal
from ._namespace import (
    as_array,
    as_float,
    complex_dtype,
    device,
    from_numpy,
    is_torch,
    namespace,
    real_dtype,
    to_numpy,
)
from ._ops import (
    abs2,
    cpu_view,
    magnitude,
    apply_filterbank,
    cached_bands,
    conv1d,
    cumsum,
    filterbank_bands,
    filterbank_over_time,
    prepare_bands,
    frames,
    ifft,
    irfft,
    overlap_add,
    pad,
    rfft,
)
from ._parallel import get_num_threads, map_frame_blocks, parallel_for, set_num_threads, small_matmul

__all__ = [
    "as_array", "as_float", "as_float_signal", "complex_dtype", "device", "from_numpy", "is_torch",
    "namespace", "real_dtype", "to_numpy", "built_const", "const", "frozen", "torch_constant", "abs2", "cpu_view", "magnitude", "apply_filterbank",
    "cached_bands", "conv1d", "cumsum", "filterbank_bands", "filterbank_over_time", "prepare_bands", "frames", "ifft", "irfft", "overlap_add", "pad",
    "rfft", "get_num_threads", "map_frame_blocks", "parallel_for", "set_num_threads", "small_matmul",
]
