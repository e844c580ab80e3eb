"""torch ``nn.Module`` wrappers of the spectral core, for models and GPU pipelines.

Each module computes its window, filterbank and DCT matrix once and registers them as buffers (so
``.to(device)`` moves them and ``state_dict`` saves them, like torchaudio's transforms); ``forward`` calls the
same functional core as :func:`audiofeat.melspectrogram` and :func:`audiofeat.mfcc`, so the numbers are
identical. Buffers are kept in float64 and cast to the input's precision in ``forward``, so float64 input
keeps full precision; a changed ``mel_basis`` (``load_state_dict``, in-place edits) is picked up. Input ``(..., n)`` float tensors; outputs ``(..., bins, frames)``.

Deployment (see ``docs/deployment.md``): :class:`PowerToDB` puts a mel spectrogram on the decibel scale,
:class:`StreamingStep` runs a front-end chunk by chunk with its state as a tensor (state in, state out), and
:func:`export_onnx` writes any of them (or a model that contains them) to one ONNX file with dynamic batch
and time axes. ``dft="matmul"`` computes the DFT as two matrix products, for ONNX runtimes without the
``DFT`` operator.
"""

from __future__ import annotations

from typing import Any

try:
    import torch
    from torch import nn
except ImportError as exc:  # pragma: no cover - exercised only without torch
    from .errors import MissingDependencyError

    raise MissingDependencyError("audiofeat.nn needs PyTorch, which is not installed: pip install torch") from exc

import numpy as np

from . import _backend as B
from ._cache import cached
from ._checks import check_int, check_number, require
from ._ops import filterbank_bands
from .errors import ParameterError
from .filters import _dct_basis, _mel_basis
from .spectral import _cepstrum, _check_power, _contiguous, _spectrogram, power_to_db
from .shorttime import _frame_spectra, _resolve_lengths, _window_array, stft

__all__ = ["Spectrogram", "MelSpectrogram", "MFCC", "PowerToDB", "StreamingStep", "export_onnx"]

_DFT_MODES = ("fft", "matmul")


def _check_dft(dft: Any) -> str:
    if dft not in _DFT_MODES:
        raise ParameterError(f"dft must be one of {_DFT_MODES}, got {dft!r}")
    return dft


@cached
def _real_dft_basis(n_fft: int) -> np.ndarray:
    """``(2, n_fft, 1 + n_fft // 2)``: cos and -sin of the real DFT, so ``x @ basis`` is ``rfft(x)``."""
    k = (np.arange(n_fft)[:, None] * np.arange(n_fft // 2 + 1)[None, :]) % n_fft  # exact angles
    angle = 2 * np.pi * k / n_fft
    return B.frozen(np.stack([np.cos(angle), -np.sin(angle)]))


def _rfft_matmul(x: torch.Tensor) -> torch.Tensor:
    """``torch.fft.rfft(x)`` as two matrix products (O(n^2) per frame; no FFT or DFT operator in a graph)."""
    basis = B.built_const(_real_dft_basis, (int(x.shape[-1]),), x)
    return torch.complex(torch.matmul(x, basis[0]), torch.matmul(x, basis[1]))


def _check_tensor(y: Any, module: nn.Module) -> None:
    if not isinstance(y, torch.Tensor):
        from .errors import BackendError

        raise BackendError(f"{type(module).__name__} takes a torch tensor, got {type(y).__name__}; for numpy "
                           "arrays call the function (audiofeat.melspectrogram, audiofeat.mfcc, audiofeat.stft)")


def _window_buffer(window: Any, win_length: int, n_fft: int) -> torch.Tensor:
    return torch.as_tensor(np.array(_window_array(window, win_length, n_fft)), dtype=torch.float64)


class Spectrogram(nn.Module):
    """``|stft(y)| ** power`` as a module (``power=None`` returns the complex STFT).

    Parameters
    ----------
    n_fft, hop_length, win_length, window, center, pad_mode :
        As in :func:`audiofeat.stft` (``hop_length`` defaults to ``win_length // 4``).
    power : float or None
        2 for power, 1 for magnitude, None for the complex STFT.
    dft : {"fft", "matmul"}
        How the frames are transformed: ``torch.fft`` (an ONNX ``DFT`` node when exported), or two matrix
        products with a cos/sin basis (O(n_fft^2) per frame; for runtimes without ``DFT``). Same numbers to
        float rounding.

    Returns
    -------
    Called on ``y`` of shape ``(..., n)``: ``(..., 1 + n_fft // 2, n_frames)``.

    Examples
    --------
    >>> import torch, audiofeat.nn
    >>> spec = audiofeat.nn.Spectrogram(n_fft=512, hop_length=160)
    >>> spec(torch.zeros(2, 16000)).shape
    torch.Size([2, 257, 101])
    """

    def __init__(self, n_fft: int = 2048, hop_length: int | None = None, win_length: int | None = None,
                 window: Any = "hann", center: bool = True, pad_mode: str = "constant",
                 power: float | None = 2.0, dft: str = "fft") -> None:
        super().__init__()
        self.n_fft, self.hop_length, self.win_length = _resolve_lengths(n_fft, hop_length, win_length)
        self.center, self.pad_mode = bool(center), pad_mode
        self.power = None if power is None else _check_power(power)
        self.dft = _check_dft(dft)
        self.register_buffer("window", _window_buffer(window, self.win_length, self.n_fft))

    def _fft(self) -> Any:
        return _rfft_matmul if _check_dft(self.dft) == "matmul" else None

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        _check_tensor(y, self)
        window = self.window.to(torch.float64 if y.dtype == torch.float64 else torch.float32)
        if self.power is None:
            if self._fft() is None:
                return stft(y, n_fft=self.n_fft, hop_length=self.hop_length, window=window,
                            center=self.center, pad_mode=self.pad_mode)
            return _frame_spectra(y, n_fft=self.n_fft, hop_length=self.hop_length, win_length=None,
                                  window=window, center=self.center, pad_mode=self.pad_mode,
                                  fft=self._fft()).swapaxes(-1, -2)
        S, _ = _spectrogram(y=y, n_fft=self.n_fft, hop_length=self.hop_length, power=self.power,
                            window=window, center=self.center, pad_mode=self.pad_mode, fft=self._fft())
        return S

    def extra_repr(self) -> str:
        dft = "" if self.dft == "fft" else f", dft={self.dft!r}"
        return (f"n_fft={self.n_fft}, hop_length={self.hop_length}, win_length={self.win_length}, "
                f"center={self.center}, power={self.power}{dft}")


class MelSpectrogram(Spectrogram):
    """:func:`audiofeat.melspectrogram` as a module; the mel filterbank is the buffer ``mel_basis``.

    Parameters
    ----------
    sr : float
        Sample rate.
    n_fft, hop_length, win_length, window, center, pad_mode, power :
        As in :func:`audiofeat.melspectrogram` (``hop_length`` defaults to 512 like librosa).
    n_mels, fmin, fmax, htk, norm :
        Mel filterbank options (see :func:`audiofeat.filters.mel`).
    dft : {"fft", "matmul"}
        See :class:`Spectrogram`.

    Returns
    -------
    Called on ``y`` of shape ``(..., n)``: ``(..., n_mels, n_frames)``, C-contiguous.

    Examples
    --------
    >>> import torch, audiofeat.nn
    >>> mel = audiofeat.nn.MelSpectrogram(sr=16000, n_fft=512, hop_length=160, n_mels=80)
    >>> mel(torch.zeros(4, 16000)).shape
    torch.Size([4, 80, 101])
    """

    def __init__(self, sr: float = 22050, n_fft: int = 2048, hop_length: int = 512,
                 win_length: int | None = None, window: Any = "hann", center: bool = True,
                 pad_mode: str = "constant", power: float = 2.0, n_mels: int = 128, fmin: float = 0.0,
                 fmax: float | None = None, htk: bool = False, norm: str | float | None = "slaney",
                 dft: str = "fft") -> None:
        super().__init__(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                         center=center, pad_mode=pad_mode, power=_check_power(power), dft=dft)
        self.sr = sr
        # float32 values like the functional default (and librosa's), held exactly in a float64 buffer
        basis = _mel_basis(sr=sr, n_fft=self.n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm)
        self.register_buffer("mel_basis", torch.as_tensor(np.array(basis, dtype=np.float64)))
        self._bands_key: tuple | None = None
        self._bands: tuple = ()

    def _current_bands(self) -> tuple:
        if torch.compiler.is_compiling():
            return ()  # one dense product in the graph: the compiler fuses it, and nothing is read back
        # The band spans follow the buffer: recomputed after load_state_dict or any in-place edit
        # (both bump the tensor's version counter), so a changed filterbank is never applied stale.
        key = (self.mel_basis._version, self.mel_basis.data_ptr(), self.mel_basis.shape)
        if key != self._bands_key:
            self._bands = filterbank_bands(self.mel_basis)
            self._bands_key = key
        return self._bands

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        _check_tensor(y, self)
        dtype = torch.float64 if y.dtype == torch.float64 else torch.float32
        S, _ = _spectrogram(y=y, n_fft=self.n_fft, hop_length=self.hop_length, power=self.power,
                            window=self.window.to(dtype), center=self.center, pad_mode=self.pad_mode,
                            fb=self.mel_basis.to(dtype), bands=self._current_bands(), fft=self._fft())
        return _contiguous(S)


class MFCC(nn.Module):
    """:func:`audiofeat.mfcc` as a module: mel spectrogram, decibels, DCT (buffer ``dct_basis``), lifter.

    Parameters
    ----------
    sr : float
        Sample rate.
    n_mfcc, dct_type, norm, lifter :
        As in :func:`audiofeat.mfcc`.
    top_db : float or None
        Dynamic range floor of the log-mel spectrogram (per item; see :func:`audiofeat.power_to_db`).
    **mel_kwargs
        Passed to :class:`MelSpectrogram` (``n_fft``, ``hop_length``, ``n_mels``, ``dft``, ...).

    Returns
    -------
    Called on ``y`` of shape ``(..., n)``: ``(..., n_mfcc, n_frames)``.

    Examples
    --------
    >>> import torch, audiofeat.nn
    >>> mfcc = audiofeat.nn.MFCC(sr=16000, n_mfcc=13, n_fft=512, hop_length=160, n_mels=40)
    >>> mfcc(torch.zeros(16000)).shape
    torch.Size([13, 101])
    """

    def __init__(self, sr: float = 22050, n_mfcc: int = 20, dct_type: int = 2, norm: str | None = "ortho",
                 lifter: float = 0, top_db: float | None = 80.0, **mel_kwargs: Any) -> None:
        super().__init__()
        self.melspectrogram = MelSpectrogram(sr=sr, **mel_kwargs)
        n_mels = self.melspectrogram.mel_basis.shape[0]
        self.n_mfcc, self.dct_type, self.norm, self.lifter, self.top_db = n_mfcc, dct_type, norm, lifter, top_db
        check_number("lifter", lifter, minimum=0)
        self.register_buffer("dct_basis", torch.as_tensor(np.array(_dct_basis(n_mfcc, n_mels, dct_type, norm,
                                                                                  np.float64))))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        _check_tensor(y, self)
        S_db = power_to_db(self.melspectrogram(y), top_db=self.top_db)
        return _cepstrum(S_db, self.dct_basis.to(S_db.dtype), self.lifter)


class PowerToDB(nn.Module):
    """:func:`audiofeat.power_to_db` as a module: ``10 log10(max(amin, S) / ref)``, floored at max - top_db.

    Put it after :class:`MelSpectrogram` for a log-mel front-end: ``nn.Sequential(MelSpectrogram(...),
    PowerToDB())``. ``top_db`` floors each item at its own maximum (over its last two axes), so it depends
    on the whole input; for chunk-by-chunk use (:class:`StreamingStep`, :mod:`audiofeat.streaming`) set
    ``top_db=None``.

    Parameters
    ----------
    ref : float
        Reference power (0 dB).
    amin : float
        Minimum power (> 0).
    top_db : float or None
        Dynamic range floor in dB, or None.

    Returns
    -------
    Called on ``S`` (any shape): decibels, same shape.

    Examples
    --------
    >>> import torch, audiofeat.nn
    >>> audiofeat.nn.PowerToDB(top_db=None)(torch.tensor([1.0, 10.0, 100.0]))
    tensor([ 0., 10., 20.])
    """

    def __init__(self, ref: float = 1.0, amin: float = 1e-10, top_db: float | None = 80.0) -> None:
        super().__init__()
        self.ref = check_number("ref", ref, minimum=0, strict=True)
        self.amin = check_number("amin", amin, minimum=0, strict=True)
        self.top_db = check_number("top_db", top_db, minimum=0, allow_none=True)

    def forward(self, S: torch.Tensor) -> torch.Tensor:
        _check_tensor(S, self)
        return power_to_db(S, ref=self.ref, amin=self.amin, top_db=self.top_db)

    def extra_repr(self) -> str:
        return f"ref={self.ref}, amin={self.amin}, top_db={self.top_db}"


def _spectral_part(frontend: nn.Module) -> Spectrogram:
    if isinstance(frontend, MFCC):
        return frontend.melspectrogram
    if isinstance(frontend, Spectrogram):
        return frontend
    raise ParameterError(f"expected an audiofeat.nn Spectrogram, MelSpectrogram or MFCC, got "
                         f"{type(frontend).__name__}")


class StreamingStep(nn.Module):
    """A front-end run chunk by chunk, its state a tensor: ``features, state = step(chunk, state)``.

    The state is the last ``n_fft - hop_length`` samples seen. Each call prepends it to the chunk, computes
    the front-end with ``center=False`` on the joined samples, and returns the ``len(chunk) / hop_length``
    frames that became complete and the new state. Run over a signal cut into chunks, the concatenated
    features equal the front-end on the whole signal with ``initial_state`` prepended (zeros: ``n_fft -
    hop_length`` samples of silence before the first chunk). It has no Python-side state, so it exports to
    ONNX (:func:`export_onnx`) for runtimes that keep the state themselves. For chunks of any length on the
    Python side, use :mod:`audiofeat.streaming` instead.

    Parameters
    ----------
    frontend : Spectrogram, MelSpectrogram or MFCC
        Built with ``center=False`` and a real ``power``; an MFCC needs ``top_db=None`` (a floor at the
        maximum of the whole signal cannot be computed chunk by chunk).

    Returns
    -------
    Called on ``chunk (..., k * hop_length)`` and ``state (..., n_fft - hop_length)``: ``(features (...,
    bins, k), state (..., n_fft - hop_length))``.

    Raises
    ------
    ParameterError
        A front-end with ``center=True``, a complex output, ``hop_length > n_fft``, an MFCC with ``top_db``;
        (eager) a chunk whose length is not a positive multiple of ``hop_length``.

    Examples
    --------
    >>> import torch, audiofeat.nn
    >>> mel = audiofeat.nn.MelSpectrogram(sr=16000, n_fft=400, hop_length=160, n_mels=40, center=False)
    >>> step = audiofeat.nn.StreamingStep(mel)
    >>> state = step.initial_state(1)
    >>> frames, state = step(torch.zeros(1, 320), state)
    >>> frames.shape, state.shape
    (torch.Size([1, 40, 2]), torch.Size([1, 240]))
    """

    def __init__(self, frontend: nn.Module) -> None:
        super().__init__()
        spec = _spectral_part(frontend)
        if spec.center:
            raise ParameterError("StreamingStep needs a front-end built with center=False (a centred first "
                                 "frame would need samples before the stream starts)")
        if spec.power is None:
            raise ParameterError("StreamingStep needs a real front-end (power=1 or 2), not the complex STFT")
        if isinstance(frontend, MFCC) and frontend.top_db is not None:
            raise ParameterError("StreamingStep needs MFCC(top_db=None): the top_db floor is relative to the "
                                 "maximum of the whole signal, which a stream does not know")
        if spec.hop_length > spec.n_fft:
            raise ParameterError(f"StreamingStep needs hop_length <= n_fft, got {spec.hop_length} > {spec.n_fft}")
        self.frontend = frontend
        self.n_fft, self.hop_length = spec.n_fft, spec.hop_length
        self.state_length = spec.n_fft - spec.hop_length

    def initial_state(self, *batch_shape: int, dtype: torch.dtype = torch.float32,
                      device: Any = None) -> torch.Tensor:
        """Zeros of shape ``(*batch_shape, n_fft - hop_length)``: silence before the stream."""
        return torch.zeros((*batch_shape, self.state_length), dtype=dtype, device=device)

    def forward(self, chunk: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _check_tensor(chunk, self)
        _check_tensor(state, self)
        if not torch.compiler.is_compiling():
            n = chunk.shape[-1]
            if n == 0 or n % self.hop_length:
                raise ParameterError(f"chunk length {n} is not a positive multiple of hop_length="
                                     f"{self.hop_length} (audiofeat.streaming takes chunks of any length)")
            if state.shape[-1] != self.state_length:
                raise ParameterError(f"state has {state.shape[-1]} samples, expected n_fft - hop_length = "
                                     f"{self.state_length}")
        joined = torch.cat([state.to(chunk.dtype), chunk], dim=-1)
        return self.frontend(joined), joined[..., chunk.shape[-1]:]

    def extra_repr(self) -> str:
        return f"state_length={self.state_length}"


# --------------------------------------------------------------------------------------------------
# ONNX export
# --------------------------------------------------------------------------------------------------
ONNX_OPSET = {"fft": 20, "matmul": 18}
"""The opset :func:`export_onnx` writes by default for each ``dft`` (``DFT`` is opset 20's signature)."""


def export_onnx(module: nn.Module, path: Any, *, dft: str = "auto", opset: int | None = None,
                example: Any = None, dynamic_batch: bool = True, input_names: Any = None,
                output_names: Any = None) -> str:
    """Write ``module`` (an audiofeat front-end, a :class:`StreamingStep`, or any model containing them) to
    one ONNX file whose batch and time axes are dynamic.

    The module is copied (the original is left as it is), put in eval mode, its audiofeat front-ends are set
    to ``dft``, and it is exported with ``torch.onnx.export(dynamo=True)``. Inputs are ``(batch, time)``
    float32: ``y`` for a front-end, or ``chunk`` (time a multiple of ``hop_length``) and ``state`` for a
    :class:`StreamingStep`. Any length of at least ``n_fft`` samples (any number of hops for a chunk) and
    any batch size run through the same file.

    Parameters
    ----------
    module : torch.nn.Module
        :class:`Spectrogram` (real ``power``), :class:`MelSpectrogram`, :class:`MFCC`, :class:`PowerToDB`
        after one of them, :class:`StreamingStep`, or a model (e.g. ``nn.Sequential``) whose first input is
        audio and which contains one of them.
    path : str or os.PathLike
        Where to write the ``.onnx`` file.
    dft : {"auto", "fft", "matmul"}
        ``"fft"``: the transform is the ONNX ``DFT`` operator (opset 20). ``"matmul"``: two ``MatMul``
        with a cos/sin basis stored in the file (opset 18; for runtimes without ``DFT``). ``"auto"``:
        ``"fft"`` when every front-end's ``n_fft`` is a power of two, else ``"matmul"`` (onnxruntime's
        ``DFT`` of other sizes, e.g. 400, is accurate only to ~2e-5 of the peak; the matrix products to
        ~3e-7, and for such small sizes they cost little).
    opset : int, optional
        ONNX opset; default :data:`ONNX_OPSET` ``[dft]``.
    example : tensor or tuple of tensors, optional
        Example inputs for tracing; default random ``(2, max(4 n_fft, 4000))`` audio (and a zero state).
    dynamic_batch : bool
        Make the batch axis dynamic (True) or fix it to the example's.
    input_names, output_names : list of str, optional
        Default ``["y"]``/``["features"]``, or ``["chunk", "state"]``/``["features", "state_out"]``.

    Returns
    -------
    str
        ``path``. The model's metadata (``metadata_props``) records ``audiofeat_version``, ``dft``,
        ``n_fft``, ``hop_length`` and, for a streaming step, ``state_length``.

    Raises
    ------
    MissingDependencyError
        onnx or onnxscript is not installed (``pip install audiofeat[deploy]``).
    ParameterError
        An unknown ``dft``, a complex ``Spectrogram`` (``power=None``), or a model without an audiofeat
        front-end and no ``example``.

    Examples
    --------
    >>> import os, tempfile, torch, audiofeat.nn
    >>> mel = audiofeat.nn.MelSpectrogram(sr=16000, n_fft=512, hop_length=160, n_mels=40)
    >>> path = audiofeat.nn.export_onnx(mel, os.path.join(tempfile.mkdtemp(), "mel.onnx"))  # doctest: +SKIP
    >>> import onnxruntime  # doctest: +SKIP
    >>> sess = onnxruntime.InferenceSession(path)  # doctest: +SKIP
    >>> sess.run(None, {"y": torch.zeros(3, 8000).numpy()})[0].shape  # doctest: +SKIP
    (3, 40, 51)
    """
    import contextlib
    import copy
    import io
    import os
    import warnings

    onnx = require("onnx", "audiofeat.nn.export_onnx", "audiofeat[deploy]")
    require("onnxscript", "audiofeat.nn.export_onnx", "audiofeat[deploy]")
    model = copy.deepcopy(module).eval()
    fronts = [m for m in model.modules() if isinstance(m, Spectrogram)]
    if dft == "auto":
        dft = "fft" if all(m.n_fft & (m.n_fft - 1) == 0 for m in fronts) else "matmul"
    dft = _check_dft(dft)
    opset = ONNX_OPSET[dft] if opset is None else check_int("opset", opset, minimum=18)
    for m in fronts:
        if m.power is None:
            raise ParameterError("export_onnx exports real front-ends: Spectrogram(power=None) returns a complex "
                                 "STFT, which ONNX runtimes do not take as an output; use power=1 or 2")
        m.dft = dft
    step = model if isinstance(model, StreamingStep) else None
    if example is None and not fronts:
        raise ParameterError("export_onnx found no audiofeat front-end in the module; pass example=")
    n_fft = fronts[0].n_fft if fronts else None
    hop = fronts[0].hop_length if fronts else None
    gen = torch.Generator().manual_seed(0)
    device = next(iter(model.buffers()), torch.zeros(())).device
    if example is None:
        if step is not None:
            example = (0.1 * torch.randn(2, 4 * hop, generator=gen).to(device), step.initial_state(2, device=device))
        else:
            example = (0.1 * torch.randn(2, max(4 * n_fft, 4000), generator=gen).to(device),)
    elif isinstance(example, torch.Tensor):
        example = (example,)
    example = tuple(example)
    batch = torch.export.Dim("batch") if dynamic_batch else None
    if step is not None:
        dynamic_shapes = ({0: batch, 1: hop * torch.export.Dim("hops", min=1)}, {0: batch})
        input_names = input_names or ["chunk", "state"]
        output_names = output_names or ["features", "state_out"]
    else:
        dynamic_shapes = ({0: batch, 1: torch.export.Dim("time", min=n_fft or 1)},) + (None,) * (len(example) - 1)
        input_names = input_names or ["y"] + [f"input_{i}" for i in range(1, len(example))]
        output_names = output_names or ["features"]
    if not dynamic_batch:
        dynamic_shapes = tuple(None if d is None else {k: v for k, v in d.items() if k != 0} for d in dynamic_shapes)
    path = os.fspath(path)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracing chatter
        torch.onnx.export(model, example, path, dynamo=True, opset_version=opset, dynamic_shapes=dynamic_shapes,
                          input_names=list(input_names), output_names=list(output_names), verbose=False,
                          external_data=False)
    proto = onnx.load(path)
    from . import __version__

    meta = {"audiofeat_version": __version__, "dft": dft}
    if fronts:
        meta.update(n_fft=str(n_fft), hop_length=str(hop))
    if step is not None:
        meta["state_length"] = str(step.state_length)
    onnx.helper.set_model_props(proto, meta)
    onnx.save(proto, path)
    return path
