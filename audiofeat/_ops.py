"""Backend primitives: the few array operations whose spelling differs between numpy and torch, or where a
backend-specific fast path has been measured to pay.

* :func:`frames` -- a strided view of overlapping frames (``sliding_window_view`` / ``Tensor.unfold``);
* :func:`pad` -- padding along the last axis (``np.pad`` / ``torch.nn.functional.pad``);
* :func:`rfft`, :func:`irfft` -- ``scipy.fft`` (float32 stays float32) / ``torch.fft``;
* :func:`abs2` -- ``|X|^2`` of complex spectra in one pass;
* :func:`overlap_add` -- strided adds / ``F.fold``;
* :func:`cumsum` -- ``np.cumsum`` / ``Tensor.cumsum`` (not array_api_compat's, which reads ``sys.modules``:
  under ``torch.compile`` dynamo then walks that dict, and fails if a lazily loaded module imports meanwhile);
* :func:`conv1d` -- torch's 1-D (transposed) convolution in full float32 precision on CUDA;
* :func:`filterbank_bands`, :func:`apply_filterbank`, :func:`filterbank_over_time` -- a sparse filterbank
  (mel, chroma, ...) applied band group by band group, each product sized for single-threaded BLAS.

Nothing here knows about audio.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Sequence

import numpy as np
import scipy.fft

from ._cache import _MISSING, _get, _put
from ._namespace import device, is_torch, namespace, to_numpy
from ._parallel import SMALL_GEMM, block_frames, get_num_threads, parallel_for
from .errors import ParameterError

__all__ = ["set_fft_backend", "get_fft_backend", "frames", "pad", "rfft", "irfft", "ifft", "abs2", "overlap_add", "filterbank_bands", "cached_bands",
           "apply_filterbank", "filterbank_over_time", "prepare_bands", "conv1d", "cumsum"]


def frames(x: Any, frame_length: int, hop_length: int) -> Any:
    """View of ``x`` as overlapping frames along the last axis: shape ``(..., n_frames, frame_length)``.

    ``n_frames = 1 + (x.shape[-1] - frame_length) // hop_length``; the caller validates that
    ``x.shape[-1] >= frame_length``. No data is copied.
    """
    if is_torch(x):
        return x.unfold(-1, frame_length, hop_length)
    if x.ndim == 0 or x.shape[-1] < frame_length:
        view = np.lib.stride_tricks.sliding_window_view(x, frame_length, axis=-1)  # raises numpy's error
        return view[..., ::hop_length, :]
    # as sliding_window_view(...)[..., ::hop, :] (a read-only view), without its ~20 us of Python per call
    n = x.shape[-1]
    step = x.strides[-1]
    return np.lib.stride_tricks.as_strided(
        x, shape=x.shape[:-1] + (1 + (n - frame_length) // hop_length, frame_length),
        strides=x.strides[:-1] + (hop_length * step, step), writeable=False)


_NUMPY_TO_TORCH_PAD = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def pad(x: Any, left: int, right: int, mode: str = "constant", value: float = 0.0) -> Any:
    """Pad the last axis of ``x`` by ``left``/``right`` samples; modes are numpy's names.

    Negative widths raise ``ValueError`` on both backends, as ``np.pad`` does (torch's pad would crop, and
    the preallocated constant pad below would silently fill a length-1 signal with ``value``)."""
    if left == 0 and right == 0:
        return x
    if left < 0 or right < 0:
        raise ValueError(f"pad widths must be >= 0, got left={left}, right={right}")
    if not is_torch(x):
        widths = [(0, 0)] * (x.ndim - 1) + [(left, right)]
        if mode == "constant" and x.ndim:
            # as np.pad(x, widths, constant_values=value), without its ~10 us of Python per call
            n = x.shape[-1]
            out = np.empty(x.shape[:-1] + (left + n + right,), dtype=x.dtype)
            out[..., :left] = value
            out[..., left : left + n] = x
            out[..., left + n :] = value
            return out
        if mode == "constant":
            return np.pad(x, widths, mode="constant", constant_values=value)
        return np.pad(x, widths, mode=mode)
    import torch.nn.functional as F

    tmode = _NUMPY_TO_TORCH_PAD.get(mode)
    if tmode is None:
        raise ParameterError(
            f"pad_mode={mode!r} is not available for torch tensors; use one of {sorted(_NUMPY_TO_TORCH_PAD)}"
        )
    if tmode == "constant":
        return F.pad(x, (left, right), mode="constant", value=value)
    if tmode == "reflect" and max(left, right) >= x.shape[-1]:
        raise ParameterError(
            f"reflect padding of {max(left, right)} samples needs a signal longer than that, "
            f"got {x.shape[-1]} samples"
        )
    shape = x.shape
    flat = x.reshape(-1, 1, shape[-1])  # torch's non-constant modes want (N, C, L)
    out = F.pad(flat, (left, right), mode=tmode)
    return out.reshape(*shape[:-1], out.shape[-1])


_FFT_BACKENDS = ("auto", "scipy", "torch")
_fft_backend = os.environ.get("AUDIOFEAT_FFT", "auto").strip().lower() or "auto"
if _fft_backend not in _FFT_BACKENDS:
    import warnings

    warnings.warn(f"AUDIOFEAT_FFT={_fft_backend!r} is not one of {_FFT_BACKENDS}; using 'auto'", RuntimeWarning,
                  stacklevel=2)
    _fft_backend = "auto"


def set_fft_backend(name: str) -> None:
    """Choose the FFT that audiofeat's numpy path uses.

    ``"scipy"`` is ``scipy.fft`` (pocketfft). ``"torch"`` runs ``torch.fft`` (MKL on x86 CPUs, about 1.6x
    faster per transform here) on zero-copy views of the numpy blocks; results agree with scipy's to float
    rounding (about 1e-7 of the peak in float32). ``"auto"`` (the default, or ``$AUDIOFEAT_FFT``) takes torch
    only when the program has already imported it: importing torch costs about a second and 180 MB, which
    ``import audiofeat`` never pays. torch tensors always use ``torch.fft``.

    Parameters
    ----------
    name : {"auto", "scipy", "torch"}

    Returns
    -------
    None

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.set_fft_backend("scipy")
    >>> audiofeat.get_fft_backend()
    'scipy'
    >>> audiofeat.set_fft_backend("auto")
    """
    global _fft_backend
    if name not in _FFT_BACKENDS:
        raise ParameterError(f"FFT backend {name!r} is not one of {_FFT_BACKENDS}")
    if name == "torch":
        from ._checks import require

        require("torch", "the torch FFT backend")
    _fft_backend = name


def get_fft_backend() -> str:
    """The FFT backend setting (see :func:`set_fft_backend`).

    Returns
    -------
    str

    Examples
    --------
    >>> import audiofeat
    >>> audiofeat.get_fft_backend() in ("auto", "scipy", "torch")
    True
    """
    return _fft_backend


def _numpy_via_torch() -> Any:
    """torch, when the numpy path should borrow its FFT; None otherwise."""
    if _fft_backend == "scipy":
        return None
    torch = sys.modules.get("torch")
    if torch is None or not hasattr(torch, "fft"):  # not imported (or only partly, mid-import)
        return None
    return torch


def _fft(name: str, x: Any, n: int | None, workers: int | None, numpy_dtypes: tuple) -> Any:
    """``torch.fft.<name>`` for tensors (and for numpy arrays when torch's FFT is borrowed, zero-copy),
    else ``scipy.fft.<name>``; along the last axis."""
    if is_torch(x):
        import torch

        return getattr(torch.fft, name)(x, n=n, dim=-1)
    torch = _numpy_via_torch()
    if torch is not None and x.dtype in numpy_dtypes and all(s >= 0 for s in x.strides):
        return getattr(torch.fft, name)(torch.from_numpy(x), n=n, dim=-1).numpy()
    workers = workers if workers is not None else get_num_threads()
    if x.dtype in numpy_dtypes and x.ndim and x.shape[-1] and (n is None or n > 0):
        raw = _pocketfft()
        if raw is not None:
            if name == "rfft" and (n is None or n == x.shape[-1]):
                return raw.r2c(x, (x.ndim - 1,), True, 0, None, workers)
            if name == "irfft" and n is not None and x.shape[-1] == n // 2 + 1:
                return raw.c2r(x, (x.ndim - 1,), n, False, 2, None, workers)
    return getattr(scipy.fft, name)(x, n=n, axis=-1, workers=workers)


_raw_fft: list = []


def _pocketfft() -> Any:
    """scipy's own pocketfft binding (what ``scipy.fft.rfft``/``irfft`` call), or ``None`` where it is
    missing or does not answer as expected (checked once against ``scipy.fft``).

    Called directly where the transform needs no conversion (float32/float64 in for ``rfft``, complex in
    with exactly ``n // 2 + 1`` bins for ``irfft``): scipy's dispatch around it costs 5-15 us a call, which a
    1 s clip's time stretch (two FFTs of ~32 frames, ~100 us each) paid on every augmentation."""
    if not _raw_fft:
        raw = None
        try:
            from scipy.fft._pocketfft import pypocketfft

            x = np.linspace(-1.0, 1.0, 10).reshape(2, 5).astype(np.float32)
            X = pypocketfft.r2c(x, (1,), True, 0, None, 1)
            back = pypocketfft.c2r(X, (1,), 5, False, 2, None, 1)
            if X.dtype == np.complex64 and back.dtype == np.float32 and np.allclose(X, scipy.fft.rfft(x)) \
                    and np.allclose(back, scipy.fft.irfft(X, n=5)):
                raw = pypocketfft
        except Exception:  # noqa: BLE001 -- a scipy without it (or with another signature): scipy.fft
            raw = None
        _raw_fft[:] = [raw]
    return _raw_fft[0]


def rfft(x: Any, n: int | None = None, workers: int | None = None) -> Any:
    """Real FFT along the last axis; float32 in gives complex64 out on both backends."""
    return _fft("rfft", x, n, workers, (np.float32, np.float64))


def irfft(x: Any, n: int, workers: int | None = None) -> Any:
    """Inverse real FFT along the last axis, output length ``n``."""
    return _fft("irfft", x, n, workers, (np.complex64, np.complex128))


def ifft(x: Any, n: int | None = None, workers: int | None = None) -> Any:
    """Inverse complex FFT along the last axis; complex64 stays complex64 on both backends."""
    return _fft("ifft", x, n, workers, (np.complex64, np.complex128))


def abs2(x: Any) -> Any:
    """``|x| ** 2`` of a complex array without a square root.

    numpy: squares the interleaved (re, im) floats of a view and adds the pairs (one pass, half the
    temporaries of ``re*re + im*im``); torch: ``re*re + im*im`` (differentiable).
    """
    if is_torch(x):
        return x.real.square() + x.imag.square()
    if x.dtype.kind != "c":
        return np.square(x)
    pairs = x.view(x.real.dtype).reshape((*x.shape, 2)) if x.flags.c_contiguous else np.stack([x.real, x.imag], -1)
    out = np.square(pairs[..., 0])
    out += np.square(pairs[..., 1])
    return out


def cpu_view(x: Any) -> np.ndarray | None:
    """``x``'s memory as a numpy array when ``x`` is a strided CPU tensor of a numpy dtype that no derivative is
    taken of (:func:`_differentiated`), outside ``torch.compile`` and ``torch.jit.trace``; else None.

    Where torch's CPU kernel for an operation is far slower than numpy's (or scipy's, soxr's) for the same
    values, the operation runs through this view and wraps the result with ``torch.from_numpy``: the value is
    the same, and a graph that needs derivatives, a GPU tensor or a traced call keeps the torch code.
    """
    import torch

    # not while torch.jit.trace records (numpy's result would be baked into the trace as a constant), and only
    # for a plain strided tensor (numpy() refuses sparse layouts and the negative bit)
    if (x.device.type != "cpu" or x.layout != torch.strided
            or x.dtype not in (torch.float32, torch.float64, torch.complex64, torch.complex128)
            or torch.compiler.is_compiling() or torch.jit.is_tracing() or _differentiated(x)):
        return None
    return x.detach().resolve_conj().resolve_neg().numpy()


def magnitude(x: Any) -> Any:
    """``|x|`` elementwise: ``np.abs`` on numpy; on torch ``x.abs()``, or numpy's ``abs`` on a complex CPU
    tensor's memory (:func:`cpu_view`): torch's complex ``abs`` on CPU measured ~10x slower (1.77M complex64
    values, one thread: 7.5 ms against 0.73 ms); ``sqrt(re^2 + im^2)`` (3.6 ms) under- and overflows in
    float32 outside ~[1e-19, 1.8e19].
    """
    if not is_torch(x):
        return np.abs(x)
    view = cpu_view(x) if x.is_complex() else None
    if view is not None:
        import torch

        return torch.from_numpy(np.abs(view))
    return x.abs()


def _differentiated(x: Any) -> bool:
    """Whether any derivative of ``x`` may be taken: reverse mode (grad enabled and ``requires_grad``) or
    forward mode, where ``requires_grad`` is False (``torch.func`` transforms wrap their inputs;
    ``torch.autograd.forward_ad`` dual tensors carry a tangent). :func:`cpu_view` computes outside the graph,
    so its results carry no derivative at all.
    While ``torch.compile`` traces, only reverse mode is asked (the functorch probe does not trace)."""
    import torch

    if torch.is_grad_enabled() and x.requires_grad:
        return True
    if torch.compiler.is_compiling():
        return False
    if torch._C._functorch.is_functorch_wrapped_tensor(x):
        return True
    from torch.autograd import forward_ad

    return getattr(forward_ad, "_current_level", -1) >= 0 and forward_ad.unpack_dual(x).tangent is not None


def overlap_add(framed: Any, hop_length: int) -> Any:
    """Overlap-add frames ``(..., n_frames, frame_length)`` into ``(..., frame_length + hop*(n_frames-1))``.

    ``ceil(frame_length / hop)`` vectorised adds into a zeroed buffer, on numpy and torch alike (differentiable,
    on the tensor's device). torch's ``nn.functional.fold`` computes the same and was 15-30x slower on CPU
    (8 x 238 frames of 2048, hop 512: 41 ms against 1.3-3.4 ms).
    """
    *lead, n_frames, frame_length = framed.shape
    length = frame_length + hop_length * (n_frames - 1)
    n_chunks = -(-frame_length // hop_length)
    tail = n_chunks * hop_length - frame_length
    if tail:
        framed = pad(framed, 0, tail)
    # chunk r (hop samples) of frame t lands in output block t + r
    chunks = framed.reshape((*lead, n_frames, n_chunks, hop_length))
    shape = (*lead, n_frames + n_chunks - 1, hop_length)
    out = framed.new_zeros(shape) if is_torch(framed) else np.zeros(shape, dtype=framed.dtype)
    for r in range(n_chunks):
        out[..., r : r + n_frames, :] += chunks[..., r, :]
    return out.reshape((*lead, -1))[..., :length]


def filterbank_bands(weights: Any, max_cells: int = SMALL_GEMM // 128) -> tuple[tuple[int, int, int, int], ...]:
    """Split a sparse filterbank into groups of consecutive rows with the column span each group touches.

    Returns ``((row0, row1, col0, col1), ...)``. Rows are grouped greedily while the sub-matrix
    ``rows x span`` has at most ``max_cells`` entries, so its product with a block of
    ``SMALL_GEMM // max_cells`` frames stays a single-threaded BLAS call (``_backend.SMALL_GEMM``). A mel filterbank touches about 1/8 of the
    (rows x columns) matrix this way: the banded product does ~8x fewer multiply-adds than the dense one.
    """
    w = to_numpy(weights)
    rows = [_span(row) for row in (w != 0)]
    groups = []
    r0 = 0
    while r0 < len(rows):
        r1, (lo, hi) = r0 + 1, rows[r0]
        while r1 < len(rows):
            a, b = rows[r1]
            if b > a:  # an empty row widens nothing
                a, b = (min(lo, a), max(hi, b)) if hi > lo else (a, b)
            else:
                a, b = lo, hi
            if (r1 + 1 - r0) * (b - a) > max_cells:
                break
            r1, lo, hi = r1 + 1, a, b
        groups.append((r0, r1, lo, hi))
        r0 = r1
    return tuple(groups)


def _span(row: np.ndarray) -> tuple[int, int]:
    cols = np.flatnonzero(row)
    return (int(cols[0]), int(cols[-1]) + 1) if cols.size else (0, 0)


def cached_bands(weights: np.ndarray, frame_length: int, itemsize: int) -> tuple[tuple[int, int, int, int], ...]:
    """:func:`filterbank_bands` of a stored (long-lived, read-only) filterbank, sized for the blocks that
    :func:`audiofeat._parallel.map_frame_blocks` makes of frames of ``frame_length`` samples."""
    frames = block_frames(frame_length, itemsize)
    key = ("bands", id(weights), frames)
    hit = _get(key)
    if hit is _MISSING:
        hit = filterbank_bands(weights, max(1, SMALL_GEMM // frames))
        _put(key, hit, keepalive=weights)
    return hit


def prepare_bands(weights: Any, bands: Sequence | None) -> Sequence | None:
    """``bands`` with each numpy group's weights ``weights[r0:r1, c0:c1].T`` attached as a contiguous
    ``(span, rows)`` array (None for a group that touches no column), for :func:`apply_filterbank` to use
    when it is called block after block with the same filterbank. Torch filterbanks, no bands, or bands
    already prepared come back unchanged."""
    if not bands or is_torch(weights) or len(bands[0]) == 5:
        return bands
    return tuple((r0, r1, c0, c1, np.ascontiguousarray(weights[r0:r1, c0:c1].T) if c1 > c0 else None)
                 for r0, r1, c0, c1 in bands)


def apply_filterbank(power: Any, weights: Any, bands: Sequence[tuple[int, int, int, int]] | None = None) -> Any:
    """Apply ``weights`` (n_out, n_bins) to frames-major spectra ``power`` (..., n_frames, n_bins).

    Returns ``(..., n_frames, n_out)``: ``power @ weights.T``, computed per band group when ``bands`` (from
    :func:`filterbank_bands`) is given. ``weights`` must already be in ``power``'s namespace and device.
    """
    xp = namespace(power)
    if not bands:
        return xp.matmul(power, weights.swapaxes(-1, -2))
    if not is_torch(power):
        # one preallocated output and one plain matmul per group into its columns: this runs inside the
        # frame blocks on both pool threads, where every extra Python-level call (wrappers, slicing views,
        # a concatenation) is time spent holding the GIL (measured: 98 -> 58 us per 128-frame mel block
        # alone, 185 -> 90 us with both threads busy)
        out = np.empty((*power.shape[:-1], weights.shape[0]), dtype=np.result_type(power, weights))
        for r0, r1, c0, c1, part in prepare_bands(weights, bands):
            if part is None:
                out[..., r0:r1] = 0
            else:
                np.matmul(power[..., c0:c1], part, out=out[..., r0:r1])
        return out
    parts = []
    for r0, r1, c0, c1, *_ in bands:
        if c1 > c0:
            parts.append(xp.matmul(power[..., c0:c1], weights[r0:r1, c0:c1].swapaxes(-1, -2)))
        else:
            parts.append(xp.zeros((*power.shape[:-1], r1 - r0), dtype=power.dtype,
                                  device=device(power)))
    return xp.concat(parts, axis=-1)


def filterbank_over_time(S: Any, fb: Any, bands: Sequence | None) -> Any:
    """``fb @ S`` for a spectrogram ``S`` (..., n_bins, t): torch in one product; numpy in chunks of frames
    small enough that each band product stays a single-threaded BLAS call, spread over the thread pool."""
    frames_major = S.swapaxes(-1, -2)
    if is_torch(S) or not bands:
        return apply_filterbank(frames_major, fb, bands).swapaxes(-1, -2)
    cells = max((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in bands)
    bands = prepare_bands(fb, bands)
    step = max(1, SMALL_GEMM // max(1, cells))
    t = S.shape[-1]
    out = np.empty((*S.shape[:-2], fb.shape[0], t), dtype=np.result_type(S, fb))

    def chunk(i: int) -> None:
        s = i * step
        out[..., s : s + step] = apply_filterbank(frames_major[..., s : s + step, :], fb, bands).swapaxes(-1, -2)

    parallel_for(chunk, -(-t // step))
    return out


def conv1d(x: Any, kernel: Any, stride: int = 1, transposed: bool = False) -> Any:
    """``torch.nn.functional.conv1d`` (or ``conv_transpose1d``) of ``x`` (batch, channels, n) with ``kernel``,
    in at least the input's precision on every device.

    cuDNN runs float32 convolutions in TF32 (a 10-bit mantissa) unless told otherwise
    (``torch.backends.cudnn.allow_tf32`` defaults to True): a resampler or decimator on CUDA then differs
    from the CPU result by ~1e-3 relative, a silent loss for signal processing. A float32 convolution on CUDA
    therefore runs in float64 (TF32 never applies there) and is rounded back. No global switch is flipped:
    those are process-wide (another thread's model would lose TF32 meanwhile) and, in torch >= 2.9, reading
    the legacy flag raises once the newer per-operation setting is in use.
    """
    import torch

    F = torch.nn.functional
    op = F.conv_transpose1d if transposed else F.conv1d
    if x.device.type != "cuda" or x.dtype != torch.float32:
        return op(x, kernel, stride=stride)
    return op(x.double(), kernel.double(), stride=stride).to(x.dtype)


def cumsum(x: Any, axis: int = -1) -> Any:
    """Cumulative sum along ``axis``, in ``x``'s backend and dtype."""
    if is_torch(x):
        return x.cumsum(axis)
    return np.cumsum(x, axis=axis)
