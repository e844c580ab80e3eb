"""torch ``nn.Module`` wrappers of the spectral core, for models and GPU pipelines.

Each module computes its window, filterbank and DCT matrix once and registers them as buffers (so
``.to(device)`` moves them and ``state_dict`` saves them, like torchaudio's transforms); ``forward`` calls the
same functional core as :func:`audiofeat.melspectrogram` and :func:`audiofeat.mfcc`, so the numbers are
identical. Buffers are kept in float64 and cast to the input's precision in ``forward``, so float64 input
keeps full precision; a changed ``mel_basis`` (``load_state_dict``, in-place edits) is picked up. Input ``(..., n)`` float tensors; outputs ``(..., bins, frames)``.
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

from ._checks import check_number
from ._ops import filterbank_bands
from .filters import _dct_basis, _mel_basis
from .spectral import _cepstrum, _check_power, _contiguous, _spectrogram, power_to_db
from .shorttime import _resolve_lengths, _window_array, stft

__all__ = ["Spectrogram", "MelSpectrogram", "MFCC"]


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
                 power: float | None = 2.0) -> None:
        super().__init__()
        self.n_fft, self.hop_length, self.win_length = _resolve_lengths(n_fft, hop_length, win_length)
        self.center, self.pad_mode = bool(center), pad_mode
        self.power = None if power is None else _check_power(power)
        self.register_buffer("window", _window_buffer(window, self.win_length, self.n_fft))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        _check_tensor(y, self)
        window = self.window.to(torch.float64 if y.dtype == torch.float64 else torch.float32)
        if self.power is None:
            return stft(y, n_fft=self.n_fft, hop_length=self.hop_length, window=window,
                        center=self.center, pad_mode=self.pad_mode)
        S, _ = _spectrogram(y=y, n_fft=self.n_fft, hop_length=self.hop_length, power=self.power,
                            window=window, center=self.center, pad_mode=self.pad_mode)
        return S

    def extra_repr(self) -> str:
        return (f"n_fft={self.n_fft}, hop_length={self.hop_length}, win_length={self.win_length}, "
                f"center={self.center}, power={self.power}")


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
                 fmax: float | None = None, htk: bool = False, norm: str | float | None = "slaney") -> None:
        super().__init__(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                         center=center, pad_mode=pad_mode, power=_check_power(power))
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
                            fb=self.mel_basis.to(dtype), bands=self._current_bands())
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
        Passed to :class:`MelSpectrogram` (``n_fft``, ``hop_length``, ``n_mels``, ...).

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
