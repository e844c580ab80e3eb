"""Non-stationarity, in real time: front-ends that take audio chunk by chunk as it arrives.

:class:`STFT`, :class:`MelSpectrogram` and :class:`MFCC` take the same parameters as :func:`audiofeat.stft`,
:func:`audiofeat.melspectrogram` and :func:`audiofeat.mfcc`. ``process(chunk)`` takes a chunk of any length
(``(..., n)``, numpy or torch) and returns the frames that became complete, ``(..., rows, k)`` with ``k >= 0``;
``flush()`` ends the stream (the ``center=True`` tail padding, the last frames' deltas); ``reset()`` starts a
new one. Between calls a front-end holds only the samples that the next frame still needs (fewer than
``n_fft``), the last ``p + 1`` samples for the tail padding (``p = n_fft // 2``), and, with deltas, the last
``delta_width`` frames.

Concatenated over the whole stream (``process`` of every chunk, then ``flush``), the outputs equal the offline
function on the whole signal, for any chunking:

* ``STFT(...)`` -> ``audiofeat.stft(y, ...)``;
* ``MelSpectrogram(..., log=False)`` -> ``audiofeat.melspectrogram(y=y, ...)``; with ``log=True``,
  ``power_to_db(..., ref=ref, amin=amin, top_db=None)`` of it;
* ``MFCC(...)`` -> ``audiofeat.mfcc(S=power_to_db(melspectrogram(y=y, norm=mel_norm, ...), top_db=None),
  ...)``. Offline :func:`audiofeat.mfcc` from ``y`` floors the log-mel spectrogram at 80 dB below the
  maximum of the *whole* signal, which a stream cannot know; the streaming MFCC has no floor;
* ``deltas=1`` (or 2) stacks ``audiofeat.delta(F, width=delta_width, order=1)`` (and ``order=2``) under
  the features ``F``, as ``np.concatenate([F, delta(F), delta(F, order=2)], axis=-2)``.

**Latency.** ``latency`` is the number of samples that must have arrived after a frame's centre before
``process`` can return that frame: ``n_fft - 1 - n_fft // 2`` (the right half of the window), plus
``(delta_width // 2) * hop_length`` with deltas (their Savitzky-Golay window looks that many frames ahead).
The frame centred on sample ``c`` (``c = t * hop_length`` with ``center=True``, ``t * hop_length + n_fft // 2``
without) is returned by the call that delivers sample ``c + latency``. With ``center=True`` and a
``pad_mode`` other than ``"constant"``, the first frames also wait for sample ``n_fft // 2`` (the reflection
of the start needs it).

Each front-end computes its frames by calling the offline function (``center=False``) on the buffered
samples: the numbers come from the same code. One front-end serves one stream; the backend, dtype and
leading shape follow the first chunk after ``reset()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _backend as B
from ._checks import check_int, check_number
from .errors import BackendError, ParameterError
from .shorttime import _PAD_MODES, _resolve_lengths, get_window, stft
from .spectral import _MEL_KWARGS, melspectrogram, mfcc, power_to_db
from .temporal import delta

__all__ = ["STFT", "MelSpectrogram", "MFCC"]


def _copy(x: Any) -> Any:
    """A copy that owns its memory (never a view that pins a whole chunk)."""
    return x.clone() if B.is_torch(x) else np.array(x, copy=True)


def _cat(parts: list, axis: int = -1) -> Any:
    parts = [p for p in parts if p is not None]
    if len(parts) == 1:
        return parts[0]
    return B.namespace(parts[0]).concat(parts, axis=axis)


class _Frontend:
    """Chunked framing, ``center=True`` padding and streaming deltas around ``_compute`` (center=False)."""

    def __init__(self, *, n_fft: int, hop_length: int | None, win_length: int | None, window: Any,
                 center: bool, pad_mode: str, deltas: int, delta_width: int) -> None:
        self.n_fft, self.hop_length, self.win_length = _resolve_lengths(n_fft, hop_length, win_length)
        get_window(window, self.win_length) if not B.is_torch(window) else None  # validate the window
        self.window = window
        self.center = bool(center)
        if not isinstance(pad_mode, str) or pad_mode not in _PAD_MODES:
            raise ParameterError(f"pad_mode must be one of {_PAD_MODES}, got {pad_mode!r}")
        self.pad_mode = pad_mode
        self.deltas = check_int("deltas", deltas, minimum=0)
        if self.deltas > 2:
            raise ParameterError(f"deltas must be 0, 1 (delta) or 2 (delta and delta-delta), got {deltas}")
        self.delta_width = check_int("delta_width", delta_width, minimum=3)
        if self.delta_width % 2 != 1:
            raise ParameterError(f"delta_width must be an odd integer >= 3, got {delta_width}")
        self.reset()

    # ----------------------------------------------------------------------------------------------
    # public
    # ----------------------------------------------------------------------------------------------
    @property
    def latency(self) -> int:
        """Samples needed after a frame's centre before the frame is returned (see the module docstring)."""
        look = self.n_fft - 1 - self.n_fft // 2
        return look + (self.delta_width // 2) * self.hop_length if self.deltas else look

    def reset(self) -> None:
        """Forget the stream: the next ``process`` starts a new one (of any backend, dtype or shape)."""
        self._like = None  # (is_torch, dtype, leading shape, device) of the stream
        self._empty = None
        self._buf = None  # samples of the (padded) stream not yet consumed by a complete frame
        self._skip = 0  # samples to drop before the next frame (hop_length > n_fft)
        self._head_done = not self.center
        self._tail = None  # the last n_fft // 2 + 1 input samples (center=True tail padding)
        self._n_in = 0
        self._flushed = False
        self._dbuf = None  # deltas: the last frames, _d_start the index of the first, _d_done emitted
        self._d_start = 0
        self._d_done = 0

    def process(self, chunk: Any) -> Any:
        """Take the next chunk ``(..., n)`` (any ``n >= 0``); return the frames that became complete.

        Parameters
        ----------
        chunk : np.ndarray or torch.Tensor, shape (..., n)
            The next samples of the stream. The first chunk after ``reset()`` fixes the backend, float
            dtype, device and leading shape.

        Returns
        -------
        array, shape (..., rows, k)
            ``k >= 0`` new frames, in the chunk's backend and on its device.
        """
        if self._flushed:
            raise ParameterError("the stream was flushed; call reset() before processing a new one")
        x = self._accept(chunk)
        self._n_in += x.shape[-1]
        if self.center:
            x = self._pad_head(x)
        if x is not None:
            self._append(x)
        return self._emit(self._frames())

    def flush(self) -> Any:
        """End the stream and return its last frames.

        With ``center=True``: the frames that reach into the end padding (``n_fft // 2`` samples in
        ``pad_mode``); with deltas: the last ``delta_width // 2`` frames, whose deltas use the end of the
        stream. After ``flush``, ``process`` raises until ``reset()``; a second ``flush`` returns no frames.

        Returns
        -------
        array, shape (..., rows, k)

        Raises
        ------
        ParameterError
            Nothing was processed, or (deltas) the stream had fewer than ``delta_width`` frames, or (as
            offline) the stream is too short for the padding mode, or (``center=False``) shorter than
            ``n_fft``.
        """
        if self._like is None:
            raise ParameterError("flush() before any audio: there is nothing to flush")
        if self._flushed:
            return self._empty_out()
        self._flushed = True
        F = None
        if not self.center and self._n_in < self.n_fft:
            # as offline: no frame fits, which is an error there, not an empty result
            self._buf = self._tail = self._dbuf = None
            raise ParameterError(f"input is too short (n={self._n_in}) for n_fft={self.n_fft} with center=False")
        if self.center:
            p = self.n_fft // 2
            if self._n_in == 0:
                raise ParameterError("the stream is empty (no samples were processed)")
            if not self._head_done:  # fewer than p + 1 samples in all: pad them as the offline call does
                self._buf = B.pad(self._buf, p, p, mode=self.pad_mode)
                self._head_done = True
            else:
                n_tail = self._tail.shape[-1]
                self._append(B.pad(self._tail, 0, p, mode=self.pad_mode)[..., n_tail:])
            F = self._frames()
        out = self._emit(F, final=True)
        self._buf = self._tail = self._dbuf = None
        return out

    # ----------------------------------------------------------------------------------------------
    # to be provided by each front-end
    # ----------------------------------------------------------------------------------------------
    def _compute(self, y: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    # ----------------------------------------------------------------------------------------------
    # machinery
    # ----------------------------------------------------------------------------------------------
    def _accept(self, chunk: Any) -> Any:
        x = B.as_float_signal(chunk, "chunk")
        like = (B.is_torch(x), x.dtype, tuple(x.shape[:-1]), str(B.device(x)))
        if self._like is None:
            self._like = like
        elif like != self._like:
            names = ("backend (numpy/torch)", "dtype", "leading shape", "device")
            what = [f"{n} {a} -> {b}" for n, a, b in zip(names, self._like, like) if a != b]
            err = BackendError if like[0] != self._like[0] else ParameterError
            raise err(f"this stream's chunks changed {', '.join(what)}; call reset() to start a new stream")
        return x

    def _pad_head(self, x: Any) -> Any:
        """center=True: keep the last p + 1 input samples; put the start padding in front of the stream."""
        p = self.n_fft // 2
        self._tail = _copy(_cat([self._tail, x])[..., -(p + 1):])
        if self._head_done:
            return x
        if self.pad_mode == "constant":
            self._head_done = True
            return B.pad(x, p, 0)
        raw = _cat([self._buf, x])  # the start, held until the reflection has the samples it needs
        if raw.shape[-1] < p + 1:
            self._buf = _copy(raw)
            return None
        self._buf = None
        self._head_done = True
        return _cat([B.pad(raw[..., : p + 1], p, 0, mode=self.pad_mode)[..., :p], raw])

    def _append(self, x: Any) -> None:
        if self._skip:
            drop = min(self._skip, x.shape[-1])
            x, self._skip = x[..., drop:], self._skip - drop
        # a copy or a concatenation: never a reference to the caller's chunk, which it may refill
        self._buf = _copy(x) if self._buf is None else _cat([self._buf, x])

    def _frames(self) -> Any:
        """The frames complete in the buffer (or None), leaving only the samples later frames need."""
        buf = self._buf
        if buf is None or buf.shape[-1] < self.n_fft:
            return None
        n, hop = buf.shape[-1], self.hop_length
        k = 1 + (n - self.n_fft) // hop
        F = self._compute(buf[..., : (k - 1) * hop + self.n_fft])
        self._buf = _copy(buf[..., min(k * hop, n):])
        self._skip = max(0, k * hop - n)
        return F

    def _empty_out(self) -> Any:
        if self._empty is None:
            is_torch, dtype, lead, device = self._like
            if is_torch:
                import torch

                zeros = torch.zeros((*lead, self.n_fft), dtype=dtype, device=device)
            else:
                zeros = np.zeros((*lead, self.n_fft), dtype=dtype)
            F = self._compute(zeros)[..., :0]
            self._empty = _cat([F] * (1 + self.deltas), axis=-2)
        return self._empty

    def _emit(self, F: Any, final: bool = False) -> Any:
        if not self.deltas:
            return self._empty_out() if F is None else F
        if F is not None:
            self._dbuf = _cat([self._dbuf, F])
        if self._dbuf is None:
            if final:
                raise ParameterError(f"deltas need at least delta_width={self.delta_width} frames; the stream "
                                     "had 0")
            return self._empty_out()
        n, w, half = self._dbuf.shape[-1], self.delta_width, self.delta_width // 2
        total = self._d_start + n
        if n < w:
            if final:
                raise ParameterError(f"deltas need at least delta_width={w} frames; the stream had {total} "
                                     "(as audiofeat.delta with mode='interp')")
            return self._empty_out()
        stop = n if final else n - half  # frames up to `stop` have all the frames their deltas need
        lo = self._d_done - self._d_start
        if lo >= stop:
            return self._empty_out()
        parts = [self._dbuf[..., lo:stop]]
        parts += [delta(self._dbuf, width=w, order=o, mode="interp")[..., lo:stop] for o in range(1, self.deltas + 1)]
        self._d_done = self._d_start + stop
        if n > w:  # keep the last `width` frames: the context of the next frames and the end's fit
            self._dbuf = _copy(self._dbuf[..., n - w:])
            self._d_start = total - w
        return _cat(parts, axis=-2)

    def _describe(self) -> str:
        return (f"n_fft={self.n_fft}, hop_length={self.hop_length}, win_length={self.win_length}, "
                f"center={self.center}, deltas={self.deltas}, latency={self.latency}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()})"


class STFT(_Frontend):
    """Streaming :func:`audiofeat.stft`: complex frames ``(..., 1 + n_fft // 2, k)`` per chunk.

    Parameters
    ----------
    n_fft, hop_length, win_length, window, center, pad_mode, dtype :
        As in :func:`audiofeat.stft`.

    Attributes
    ----------
    latency : int
        Samples needed after a frame's centre before the frame is returned.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> from audiofeat.streaming import STFT
    >>> y = np.random.default_rng(0).standard_normal(4000).astype(np.float32)
    >>> st = STFT(n_fft=512, hop_length=160)
    >>> parts = [st.process(y[i:i + 160]) for i in range(0, len(y), 160)] + [st.flush()]
    >>> D = np.concatenate(parts, axis=-1)
    >>> D.shape, bool(np.allclose(D, audiofeat.stft(y, n_fft=512, hop_length=160), atol=1e-4))
    ((257, 26), True)
    >>> st.latency
    255
    """

    def __init__(self, *, n_fft: int = 2048, hop_length: int | None = None, win_length: int | None = None,
                 window: Any = "hann", center: bool = True, dtype: Any = None, pad_mode: str = "constant",
                 **unknown: Any) -> None:
        if unknown:
            hint = (": deltas are of real features (MelSpectrogram, MFCC), not of complex frames"
                    if {"deltas", "delta_width"} & set(unknown) else "")
            raise ParameterError(f"unexpected keyword arguments {sorted(unknown)}{hint}; STFT's options are "
                                 "['center', 'dtype', 'hop_length', 'n_fft', 'pad_mode', 'win_length', 'window']")
        self.dtype = dtype
        super().__init__(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                         center=center, pad_mode=pad_mode, deltas=0, delta_width=9)
        self._compute(np.zeros(self.n_fft, dtype=np.float32))  # validates dtype now, not on the first chunk

    def _compute(self, y: Any) -> Any:
        return stft(y, n_fft=self.n_fft, hop_length=self.hop_length, win_length=self.win_length,
                    window=self.window, center=False, dtype=self.dtype)


class MelSpectrogram(_Frontend):
    """Streaming :func:`audiofeat.melspectrogram` (optionally in dB): ``(..., n_mels, k)`` per chunk.

    Parameters
    ----------
    sr, n_fft, hop_length, win_length, window, center, pad_mode, power :
        As in :func:`audiofeat.melspectrogram`.
    log : bool
        Return ``power_to_db(S, ref=ref, amin=amin, top_db=None)`` (a log-mel spectrogram).
    ref, amin :
        As in :func:`audiofeat.power_to_db` (``log=True`` only). There is no ``top_db``: its floor is
        relative to the maximum of the whole signal.
    deltas, delta_width :
        0 (default), or 1/2 to stack deltas (and delta-deltas) under the features; adds
        ``(delta_width // 2) * hop_length`` samples of latency.
    **kwargs
        Mel filterbank options: ``n_mels``, ``fmin``, ``fmax``, ``htk``, ``norm``, ``dtype``.

    Attributes
    ----------
    latency : int
        Samples needed after a frame's centre before the frame is returned.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> from audiofeat.streaming import MelSpectrogram
    >>> y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    >>> mel = MelSpectrogram(sr=16000, n_fft=400, hop_length=160, n_mels=40, center=False)
    >>> S = np.concatenate([mel.process(y[i:i + 160]) for i in range(0, len(y), 160)], axis=-1)
    >>> ref = audiofeat.melspectrogram(y=y, sr=16000, n_fft=400, hop_length=160, n_mels=40, center=False)
    >>> S.shape, bool(np.allclose(S, ref, rtol=1e-4, atol=1e-6))
    ((40, 98), True)
    """

    def __init__(self, *, sr: float = 22050, n_fft: int = 2048, hop_length: int = 512,
                 win_length: int | None = None, window: Any = "hann", center: bool = True,
                 pad_mode: str = "constant", power: float = 2.0, log: bool = False, ref: float = 1.0,
                 amin: float = 1e-10, deltas: int = 0, delta_width: int = 9, **kwargs: Any) -> None:
        unknown = set(kwargs) - _MEL_KWARGS
        if unknown:
            raise ParameterError(f"unexpected keyword arguments {sorted(unknown)}; mel options are "
                                 f"{sorted(_MEL_KWARGS)}")
        self.sr, self.power, self.mel_kwargs = sr, power, dict(kwargs)
        self.log = bool(log)
        self.ref = check_number("ref", ref, minimum=0, strict=True)
        self.amin = check_number("amin", amin, minimum=0, strict=True)
        super().__init__(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                         center=center, pad_mode=pad_mode, deltas=deltas, delta_width=delta_width)
        self._compute(np.zeros(self.n_fft, dtype=np.float32))  # validates sr, power and the filterbank now

    def _compute(self, y: Any) -> Any:
        S = melspectrogram(y=y, sr=self.sr, n_fft=self.n_fft, hop_length=self.hop_length,
                           win_length=self.win_length, window=self.window, center=False, power=self.power,
                           **self.mel_kwargs)
        return power_to_db(S, ref=self.ref, amin=self.amin, top_db=None) if self.log else S


class MFCC(_Frontend):
    """Streaming MFCCs: ``(..., n_mfcc, k)`` per chunk (``(..., n_mfcc * (1 + deltas), k)`` with deltas).

    The frames equal ``audiofeat.mfcc(S=audiofeat.power_to_db(audiofeat.melspectrogram(y=y, ...,
    norm=mel_norm), top_db=None), ...)``: no ``top_db`` floor, which needs the whole signal's maximum.

    Parameters
    ----------
    sr, n_mfcc, dct_type, norm, lifter, mel_norm :
        As in :func:`audiofeat.mfcc`.
    deltas, delta_width :
        0 (default), or 1/2 to stack deltas (and delta-deltas) under the coefficients; adds
        ``(delta_width // 2) * hop_length`` samples of latency.
    **kwargs
        As :func:`audiofeat.mfcc` passes to :func:`audiofeat.melspectrogram`: ``n_fft`` (2048),
        ``hop_length`` (512), ``win_length``, ``window``, ``center`` (True), ``pad_mode``, ``power``,
        ``n_mels``, ``fmin``, ``fmax``, ``htk``, ``dtype``.

    Attributes
    ----------
    latency : int
        Samples needed after a frame's centre before the frame is returned.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> from audiofeat.streaming import MFCC
    >>> y = np.random.default_rng(0).standard_normal(16000)
    >>> m = MFCC(sr=16000, n_mfcc=13, n_fft=512, hop_length=160, n_mels=40, deltas=2)
    >>> out = np.concatenate([m.process(c) for c in np.array_split(y, 37)] + [m.flush()], axis=-1)
    >>> out.shape, m.latency
    ((39, 101), 895)
    """

    def __init__(self, *, sr: float = 22050, n_mfcc: int = 20, dct_type: int = 2, norm: str | None = "ortho",
                 lifter: float = 0, mel_norm: str | float | None = "slaney", deltas: int = 0,
                 delta_width: int = 9, **kwargs: Any) -> None:
        frame_keys = {"n_fft": 2048, "hop_length": 512, "win_length": None, "window": "hann", "center": True,
                      "pad_mode": "constant"}
        framing = {k: kwargs.pop(k, v) for k, v in frame_keys.items()}
        self.power = kwargs.pop("power", 2.0)
        unknown = set(kwargs) - (_MEL_KWARGS - {"norm"})
        if unknown:
            options = sorted({"sr", "n_mfcc", "dct_type", "norm", "lifter", "mel_norm", "deltas", "delta_width",
                              "power"} | set(frame_keys) | (_MEL_KWARGS - {"norm"}))
            raise ParameterError(f"unexpected keyword arguments {sorted(unknown)}; MFCC's options are {options}")
        self.sr, self.n_mfcc, self.dct_type, self.norm, self.mel_norm = sr, n_mfcc, dct_type, norm, mel_norm
        self.lifter = check_number("lifter", lifter, minimum=0)
        self.mel_kwargs = dict(kwargs)
        super().__init__(deltas=deltas, delta_width=delta_width, **framing)
        self._compute(np.zeros(self.n_fft, dtype=np.float32))  # validates every option now

    def _compute(self, y: Any) -> Any:
        S = melspectrogram(y=y, sr=self.sr, n_fft=self.n_fft, hop_length=self.hop_length,
                           win_length=self.win_length, window=self.window, center=False, power=self.power,
                           norm=self.mel_norm, **self.mel_kwargs)
        return mfcc(S=power_to_db(S, top_db=None), n_mfcc=self.n_mfcc, dct_type=self.dct_type, norm=self.norm,
                    lifter=self.lifter)
