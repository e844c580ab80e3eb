"""The I/O layer: load, save, inspect and stream audio files.

Files are read and written with `soundfile` (libsndfile: WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF, ...);
:func:`load` resamples with :func:`audiofeat.resample` (the core's :mod:`audiofeat.resampling`, re-exported
here). Every failure is raised as one of the typed errors of
:mod:`audiofeat.errors` (never a raw ``soundfile.LibsndfileError``):

======================================  ==========================  =======================================
what went wrong                         exception                   ``.reason``
======================================  ==========================  =======================================
the path does not exist                 ``AudioFileNotFoundError``  ``"missing"``
a directory, or no read permission      ``UnreadableAudioError``    ``"unreadable"``
no audio format audiofeat can read      ``NotAudioError``           ``"not_audio"``
an audio signature, undecodable data    ``CorruptAudioError``       ``"corrupt"``
a 0-byte file, or a file with 0 frames  ``EmptyAudioError``         ``"empty"``
a bad argument (rate, offset, dtype)    ``ParameterError``          (not a file error)
======================================  ==========================  =======================================

The API follows librosa (``load``, ``resample``, ``stream``); the differences are deliberate and listed in
each function's Notes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, Union

import numpy as np
import soundfile
import soxr

from ._backend import is_torch
from ._checks import check_int, check_positive
from .resampling import RES_TYPES, resample
from .errors import (
    AudioFileError,
    AudioFileNotFoundError,
    BackendError,
    CorruptAudioError,
    EmptyAudioError,
    NotAudioError,
    ParameterError,
    UnreadableAudioError,
)

_HZ = " (samples per second)"
__all__ = ["AudioInfo", "info", "load", "resample", "save", "stream"]

PathLike = Union[str, "os.PathLike[str]", BinaryIO, soundfile.SoundFile]
# captured once, so that isinstance checks keep working when a test patches soundfile.SoundFile
_SoundFileType = soundfile.SoundFile



# --------------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------------
def _check_float_dtype(dtype: Any) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ParameterError."""
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ParameterError(f"dtype={dtype!r} is not supported; expected np.float32 or np.float64")
    return dt


def _check_span(offset: Any, duration: Any) -> tuple[float, float | None]:
    """Validate ``offset`` (>= 0) and ``duration`` (None or > 0), both in seconds."""
    try:
        off = float(offset)
    except (TypeError, ValueError):
        raise ParameterError(f"offset={offset!r} must be a number of seconds >= 0") from None
    if not math.isfinite(off) or off < 0:
        raise ParameterError(f"offset={offset!r} must be a finite number of seconds >= 0")
    if duration is None:
        return off, None
    try:
        dur = float(duration)
    except (TypeError, ValueError):
        raise ParameterError(
            f"duration={duration!r} must be None or a number of seconds > 0"
        ) from None
    if not math.isfinite(dur) or dur <= 0:
        raise ParameterError(
            f"duration={duration!r} must be None or a finite number of seconds > 0"
        )
    return off, dur


# --------------------------------------------------------------------------------------------------
# opening files and mapping failures to typed errors
# --------------------------------------------------------------------------------------------------
def _display_name(path: Any) -> str:
    """The name an error reports for ``path`` (a path string, or a file object's name)."""
    if isinstance(path, (str, os.PathLike)):
        return os.fsdecode(os.fspath(path))
    if isinstance(path, _SoundFileType):
        name = path.name
        return name if isinstance(name, str) else f"<{type(path).__name__}>"
    name = getattr(path, "name", None)
    if isinstance(name, str):
        return name
    return f"<{type(path).__name__} object>"


def _libsndfile_message(exc: BaseException) -> str:
    """The useful part of a soundfile exception's message."""
    msg = getattr(exc, "error_string", None)
    if not msg:
        msg = str(exc)
    return str(msg).strip()


def _head(path: Any, n: int = 16) -> bytes | None:
    """The first ``n`` bytes of a path or a seekable file object, or None when they cannot be read."""
    if isinstance(path, (str, os.PathLike)):
        with open(path, "rb") as f:  # may raise OSError; callers handle it
            return f.read(n)
    try:
        pos = path.tell()
        path.seek(0)
        data = path.read(n)
        path.seek(pos)
    except (OSError, ValueError, AttributeError, TypeError):  # not seekable or not bytes
        return None
    return data if isinstance(data, bytes) else None


def _sniff(head: bytes) -> tuple[str, bool] | None:
    """Identify an audio signature: ``(format name, libsndfile can decode it)`` or None."""
    can_mp3 = "MP3" in soundfile.available_formats()
    if head[:4] in (b"RIFF", b"RIFX", b"RF64"):
        form = head[8:12]
        if form in (b"WEBP", b"AVI ", b"AVIX", b"CDXA", b"RMID"):
            return None  # a RIFF container that holds no audio format libsndfile reads
        return ("WAV", True)
    if head[:4] == b"FORM":
        if head[8:12] in (b"ILBM", b"PBM ", b"ANIM"):
            return None  # IFF images
        return ("AIFF", True)
    if head[:4] == b"fLaC":
        return ("FLAC", True)
    if head[:4] == b"OggS":
        return ("OGG", True)
    if head[:4] == b".snd":
        return ("AU", True)
    if head[:4] == b"caff":
        return ("CAF", True)
    if head[:4] == b"wvpk":
        return ("WavPack", False)
    if head[4:8] == b"ftyp":
        return ("MP4/M4A", False)
    if head[:3] == b"ID3":
        return ("MP3", can_mp3)
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        if (head[1] & 0x06) == 0:  # MPEG "layer 00": an AAC ADTS stream
            return ("AAC (ADTS)", False)
        return ("MP3", can_mp3)
    return None


def _diagnose(path: Any, name: str, exc: BaseException) -> AudioFileError:
    """Turn a failure to open ``path`` with libsndfile into the matching typed error."""
    message = _libsndfile_message(exc)
    if isinstance(path, (str, os.PathLike)):
        if not os.path.lexists(path):
            return AudioFileNotFoundError(name, "no such file")
        if os.path.isdir(path):
            return UnreadableAudioError(name, "is a directory, not an audio file")
    try:
        head = _head(path)
    except FileNotFoundError:
        return AudioFileNotFoundError(name, "no such file")
    except (PermissionError, IsADirectoryError) as err:
        return UnreadableAudioError(name, f"cannot be opened for reading: {err.strerror or err}")
    except OSError as err:
        return AudioFileError(name, f"cannot be read: {err}")
    if head is not None and len(head) == 0:
        return EmptyAudioError(name, "file is empty (0 bytes); it holds no audio frames")
    found = _sniff(head) if head else None
    if found is None:
        return NotAudioError(name, f"not a recognised audio format (libsndfile: {message})")
    fmt, decodable = found
    if not decodable:
        return NotAudioError(
            name,
            f"looks like {fmt}, which libsndfile cannot decode; not a recognised audio format "
            "(convert it to WAV or FLAC first)",
        )
    return CorruptAudioError(name, f"looks like {fmt} but its header cannot be decoded: {message}")


def _open(path: Any, *, allow_empty: bool = False) -> tuple[soundfile.SoundFile, str, bool]:
    """Open ``path`` for reading; return ``(sound file, display name, whether we own it)``.

    Every failure becomes a typed :class:`~audiofeat.errors.AudioFileError` naming the path.
    """
    if isinstance(path, _SoundFileType):
        name = _display_name(path)
        if path.closed:
            raise ParameterError(f"the soundfile.SoundFile for {name} is closed")
        if "r" not in path.mode and "+" not in path.mode:
            raise ParameterError(f"the soundfile.SoundFile for {name} is not open for reading")
        sfo, owned = path, False
    else:
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, (str, os.PathLike)) and not hasattr(path, "read"):
            raise ParameterError(
                f"path={path!r} must be a str, an os.PathLike, a binary file object or a "
                "soundfile.SoundFile"
            )
        name = _display_name(path)
        try:
            sfo = soundfile.SoundFile(path)
        except (PermissionError, IsADirectoryError) as err:
            raise UnreadableAudioError(
                name, f"cannot be opened for reading: {err.strerror or err}"
            ) from err
        except (soundfile.SoundFileError, RuntimeError, OSError, ValueError, TypeError) as err:
            # missing, a directory, not audio, corrupt: _diagnose looks at the path and its first bytes
            raise _diagnose(path, name, err) from err
        owned = True
    if not allow_empty and sfo.seekable() and sfo.frames == 0:
        if owned:
            sfo.close()
        raise EmptyAudioError(name, "file holds no audio frames")
    return sfo, name, owned


@contextmanager
def _decoding(name: str) -> Iterator[None]:
    """Map errors raised while reading audio data to CorruptAudioError."""
    try:
        yield
    except (soundfile.SoundFileError, RuntimeError) as err:
        raise CorruptAudioError(
            name, f"audio data cannot be decoded: {_libsndfile_message(err)}"
        ) from err


def _span_frames(
    sfo: soundfile.SoundFile, name: str, offset: float, duration: float | None
) -> tuple[int, int]:
    """``(start frame, number of frames or -1)`` for ``offset``/``duration`` in seconds.

    Seconds are turned into frames by rounding to the nearest frame.
    """
    sr_native = sfo.samplerate
    start = round(sr_native * offset)
    if sfo.seekable() and start > 0 and start >= sfo.frames:
        raise ParameterError(
            f"offset={offset} s is at or beyond the end of {name} "
            f"(file duration {sfo.frames / sr_native:.6g} s)"
        )
    if duration is None:
        return start, -1
    count = round(sr_native * duration)
    if count < 1:
        raise ParameterError(
            f"duration={duration} s is shorter than one sample at the file's rate ({sr_native} Hz)"
        )
    return start, count


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AudioInfo:
    """What :func:`info` reports about an audio file.

    Attributes
    ----------
    path : str
        The path (or the file object's name).
    sr : int
        Native sampling rate in Hz (also available as ``samplerate``).
    channels : int
        Number of channels.
    frames : int
        Number of samples per channel.
    duration : float
        ``frames / sr`` in seconds.
    format : str
        The container format as libsndfile names it (``"WAV"``, ``"FLAC"``, ``"OGG"``, ``"MP3"``, ...).
    subtype : str
        The sample encoding (``"PCM_16"``, ``"FLOAT"``, ``"VORBIS"``, ...).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> save(path, np.zeros(8000, dtype=np.float32), 16000)
    >>> info(path).duration
    0.5
    """

    path: str
    sr: int
    channels: int
    frames: int
    duration: float
    format: str
    subtype: str

    @property
    def samplerate(self) -> int:
        """Alias of :attr:`sr` (soundfile's name)."""
        return self.sr


def info(path: PathLike) -> AudioInfo:
    """Read an audio file's header: sampling rate, channels, frames, duration, format and subtype.

    Parameters
    ----------
    path : str, os.PathLike, binary file object or soundfile.SoundFile
        The audio file.

    Returns
    -------
    AudioInfo
        A frozen dataclass; ``duration = frames / sr``.

    Raises
    ------
    AudioFileNotFoundError, UnreadableAudioError, NotAudioError, CorruptAudioError, EmptyAudioError
        When the file cannot be read as audio (see the module docstring).

    Notes
    -----
    A valid file with 0 frames is reported (``frames=0``), not raised as ``EmptyAudioError``: `info` is for
    inspecting files, and an empty file is a fact worth reporting. A 0-byte file still raises
    ``EmptyAudioError``.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "stereo.flac")
    >>> save(path, np.zeros((2, 4410), dtype=np.float32), 44100)
    >>> meta = info(path)
    >>> meta.channels, meta.frames, meta.sr, meta.format
    (2, 4410, 44100, 'FLAC')
    """
    sfo, name, owned = _open(path, allow_empty=True)
    try:
        sr = int(sfo.samplerate)
        frames = int(sfo.frames)
        return AudioInfo(
            path=name,
            sr=sr,
            channels=int(sfo.channels),
            frames=frames,
            duration=frames / sr,
            format=str(sfo.format),
            subtype=str(sfo.subtype),
        )
    finally:
        if owned:
            sfo.close()


def load(
    path: PathLike,
    sr: float | None = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: Any = np.float32,
    res_type: str = "soxr_hq",
) -> tuple[np.ndarray, int | float]:
    """Load an audio file as a floating-point signal, resampled to ``sr``.

    A drop-in for ``librosa.load`` (soundfile only, no audioread fallback).

    Parameters
    ----------
    path : str, os.PathLike, binary file object or soundfile.SoundFile
        The audio file (WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF, ... anything libsndfile reads).
    sr : number > 0 or None
        Target sampling rate. ``None`` keeps the file's native rate.
    mono : bool
        Average the channels into one.
    offset : float >= 0
        Start reading this many seconds into the file.
    duration : float > 0 or None
        Read at most this many seconds (``None``: to the end).
    dtype : np.float32 or np.float64
        Data type of the returned signal.
    res_type : str
        Resampling method, any of librosa's (``"soxr_hq"`` by default; see
        :func:`audiofeat.resample`).

    Returns
    -------
    y : np.ndarray, shape (n,) or (channels, n)
        The signal; ``(n,)`` when ``mono`` is true or the file has one channel. C-contiguous.
    sr : number
        The sampling rate of ``y`` (``sr`` as given, or the native rate when ``sr`` is None).

    Raises
    ------
    ParameterError
        A bad ``sr``, ``offset``, ``duration``, ``dtype`` or ``res_type``; ``offset`` at or beyond the
        end of the file.
    AudioFileNotFoundError, UnreadableAudioError, NotAudioError, CorruptAudioError, EmptyAudioError
        When the file cannot be read as audio (see the module docstring).

    Notes
    -----
    Differences from ``librosa.load`` 0.11:

    * ``offset`` and ``duration`` are converted to frames by rounding (``round(sr_native * t)``);
      librosa truncates (``int(sr_native * t)``), which can land one frame early when ``sr_native * t``
      is not exactly representable (``0.3 * 22050 = 6614.999...``).
    * an ``offset`` at or past the end raises ``ParameterError`` (librosa returns an empty array), and a
      file with no frames raises ``EmptyAudioError``.
    * a ``soundfile.SoundFile`` passed in is left open; a multichannel result is C-contiguous.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> t = np.arange(44100) / 44100
    >>> save(path, 0.5 * np.sin(2 * np.pi * 440 * t), 44100)
    >>> y, sr = load(path, sr=16000)
    >>> y.shape, y.dtype, sr
    ((16000,), dtype('float32'), 16000)
    >>> y, sr = load(path, sr=None, offset=0.25, duration=0.5)
    >>> y.shape, sr
    ((22050,), 44100)
    """
    if sr is not None:
        check_positive("sr", sr, _HZ)
    dt = _check_float_dtype(dtype)
    off, dur = _check_span(offset, duration)
    if res_type not in RES_TYPES:
        raise ParameterError(f"res_type={res_type!r} is not supported; expected one of {list(RES_TYPES)}")

    sfo, name, owned = _open(path)
    try:
        sr_native = int(sfo.samplerate)
        start, count = _span_frames(sfo, name, off, dur)
        with _decoding(name):
            if start:
                sfo.seek(start)
            data = sfo.read(frames=count, dtype=dt.name, always_2d=True)
    finally:
        if owned:
            sfo.close()

    if data.shape[0] == 0:
        raise EmptyAudioError(name, "file holds no audio frames in the requested span")
    y = data.T  # (channels, n), as librosa
    if y.shape[0] == 1:
        y = y[0]
    elif mono:
        y = np.mean(y, axis=0)
    y = np.ascontiguousarray(y, dtype=dt)

    if sr is None:
        return y, sr_native
    y = resample(y, sr_native, sr, res_type=res_type)
    return y, sr


# --------------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------------
def save(
    path: str | os.PathLike[str] | BinaryIO,
    y: Any,
    sr: int,
    *,
    subtype: str | None = None,
    format: str | None = None,
) -> None:
    """Write a signal to an audio file.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        Where to write. The format comes from the extension unless ``format`` is given (required for
        file objects without a name).
    y : np.ndarray or torch.Tensor, shape (n,) or (channels, n)
        The signal (time on the last axis, as everywhere in audiofeat). Floating-point samples are
        expected in [-1, 1]; int16 and int32 arrays are written as full-scale PCM. Tensors are detached
        and moved to the CPU.
    sr : int > 0
        Sampling rate in Hz.
    subtype : str, optional
        Sample encoding (``"PCM_16"``, ``"PCM_24"``, ``"FLOAT"``, ...); the format's default if None.
    format : str, optional
        Container format (``"WAV"``, ``"FLAC"``, ``"OGG"``, ``"MP3"``, ...); from the extension if None.

    Returns
    -------
    None

    Raises
    ------
    ParameterError
        ``sr`` not a positive integer; ``y`` with more than 2 dimensions, non-finite samples or an
        unsupported dtype; an unknown format or a format/subtype combination libsndfile rejects.
    AudioFileNotFoundError
        The folder to write into does not exist.
    AudioFileError
        Any other failure to write (permissions, disk full); ``.reason == "io"``.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "noise.flac")
    >>> save(path, np.zeros((2, 1000), dtype=np.float32), 8000, subtype="PCM_24")
    >>> info(path).subtype
    'PCM_24'
    """
    rate = check_positive("sr", sr, _HZ)
    if not rate.is_integer():
        raise ParameterError(f"sr={sr!r} must be a whole number of samples per second to be saved")
    if is_torch(y):
        y = y.detach().cpu().numpy()
    if not isinstance(y, np.ndarray):
        raise BackendError(
            f"save expects a numpy.ndarray or a torch.Tensor, got {type(y).__name__}"
        )
    if y.ndim not in (1, 2):
        raise ParameterError(
            f"expected audio of shape (n,) or (channels, n), got {y.ndim} dimensions {y.shape}"
        )
    if np.issubdtype(y.dtype, np.floating):
        if not np.isfinite(y).all():
            raise ParameterError("audio contains non-finite samples (NaN or inf); cannot save it")
        if y.dtype not in (np.float32, np.float64):
            y = y.astype(np.float32)
    elif y.dtype not in (np.int16, np.int32):
        raise ParameterError(
            f"expected floating-point audio (or int16/int32 PCM), got an array of dtype {y.dtype}"
        )
    data = y.T if y.ndim == 2 else y  # soundfile wants (n, channels)

    if isinstance(path, bytes):
        path = os.fsdecode(path)
    is_path = isinstance(path, (str, os.PathLike))
    if not is_path and not hasattr(path, "write"):
        raise ParameterError(f"path={path!r} must be a str, an os.PathLike or a binary file object")
    name = _display_name(path)
    fmt = format
    if fmt is None and is_path:
        ext = os.path.splitext(os.fspath(path))[1].lstrip(".").upper()
        fmt = {"AIF": "AIFF", "OGA": "OGG", "OPUS": "OGG"}.get(ext, ext)
        if fmt == "OGG" and subtype is None and os.fspath(path).lower().endswith(".opus"):
            subtype = "OPUS"
    if not fmt or fmt.upper() not in soundfile.available_formats():
        raise ParameterError(
            f"cannot tell the audio format of {name}: give format= (one of "
            f"{sorted(soundfile.available_formats())}) or a known extension"
        )
    fmt = fmt.upper()
    if subtype is not None and not soundfile.check_format(fmt, subtype.upper()):
        raise ParameterError(
            f"subtype={subtype!r} is not valid for format {fmt!r}; valid: "
            f"{sorted(soundfile.available_subtypes(fmt))}"
        )
    if is_path:
        parent = os.path.dirname(os.path.abspath(os.fspath(path)))
        if not os.path.isdir(parent):
            raise AudioFileNotFoundError(name, f"cannot write: folder {parent} does not exist")
        if os.path.isdir(path):
            raise UnreadableAudioError(name, "cannot write: is a directory")
    channels = 1 if data.ndim == 1 else data.shape[1]
    try:
        sfo = soundfile.SoundFile(
            path, "w", samplerate=int(rate), channels=channels, subtype=subtype, format=fmt
        )
    except PermissionError as err:
        raise UnreadableAudioError(name, f"cannot write: {err.strerror or err}") from err
    except (soundfile.SoundFileError, RuntimeError, OSError) as err:
        message = _libsndfile_message(err)
        if "system error" in message.lower():  # the OS refused (permissions, read-only disk)
            raise AudioFileError(name, f"cannot write: {message}") from err
        # libsndfile rejected the parameters (e.g. a rate the codec does not support)
        raise ParameterError(
            f"cannot write {name} as {fmt} (subtype {subtype or 'default'}, sr={int(rate)}, "
            f"{channels} channels): {message}"
        ) from err
    except (ValueError, TypeError) as err:
        raise ParameterError(f"cannot write {name}: {err}") from err
    try:
        with sfo:
            sfo.write(data)
    except (soundfile.SoundFileError, RuntimeError, OSError) as err:
        raise AudioFileError(name, f"cannot write: {_libsndfile_message(err)}") from err


# --------------------------------------------------------------------------------------------------
# streaming
# --------------------------------------------------------------------------------------------------
def stream(
    path: PathLike,
    block_length: int,
    frame_length: int,
    hop_length: int,
    *,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    fill_value: float | None = None,
    dtype: Any = np.float32,
) -> Generator[np.ndarray, None, None]:
    """Stream an audio file in blocks of ``block_length`` frames, at the native sampling rate.

    Same semantics as ``librosa.stream``: each block holds
    ``frame_length + (block_length - 1) * hop_length`` samples, consecutive blocks overlap by
    ``frame_length - hop_length`` samples, so frame-wise analyses with ``center=False`` over the blocks
    give the frames of the whole signal.

    Parameters
    ----------
    path : str, os.PathLike, binary file object or soundfile.SoundFile
        The audio file.
    block_length : int > 0
        Frames per block.
    frame_length : int > 0
        Samples per frame.
    hop_length : int > 0
        Samples between the starts of consecutive frames.
    mono : bool
        Average the channels of each block.
    offset : float >= 0
        Start this many seconds into the file (rounded to the nearest frame).
    duration : float > 0 or None
        Stream at most this many seconds.
    fill_value : float or None
        Pad the last block to full length with this value; ``None`` leaves it short.
    dtype : np.float32 or np.float64
        Data type of the blocks.

    Returns
    -------
    generator of np.ndarray
        Blocks of shape ``(samples,)`` (mono or a one-channel file) or ``(channels, samples)``.

    Raises
    ------
    ParameterError
        Bad block/frame/hop lengths, ``offset``, ``duration`` or ``dtype`` -- raised by the call itself,
        not on the first ``next()``.
    AudioFileNotFoundError, UnreadableAudioError, NotAudioError, CorruptAudioError, EmptyAudioError
        When the file cannot be opened as audio (also raised by the call itself);
        ``CorruptAudioError`` also from ``next()`` when data later in the file cannot be decoded.

    Notes
    -----
    The file is opened when `stream` is called and closed when the generator is exhausted or closed
    (``gen.close()``, or garbage collection). ``duration=0`` raises here; librosa treats it as "no
    limit".

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> save(path, np.zeros(10000, dtype=np.float32), 8000)
    >>> blocks = stream(path, block_length=4, frame_length=1024, hop_length=512)
    >>> [b.shape for b in blocks]
    [(2560,), (2560,), (2560,), (2560,), (1808,)]
    """
    block_length = check_int("block_length", block_length)
    frame_length = check_int("frame_length", frame_length)
    hop_length = check_int("hop_length", hop_length)
    dt = _check_float_dtype(dtype)
    off, dur = _check_span(offset, duration)
    if fill_value is not None:
        try:
            fill_value = float(fill_value)
        except (TypeError, ValueError):
            raise ParameterError(f"fill_value={fill_value!r} must be a number or None") from None

    sfo, name, owned = _open(path)
    try:
        start, count = _span_frames(sfo, name, off, dur)
        with _decoding(name):
            if start:
                sfo.seek(start)
    except BaseException:
        if owned:
            sfo.close()
        raise
    if sfo.seekable():
        remaining = sfo.frames - start
        if count < 0:
            total: int | None = remaining
        else:
            total = count if fill_value is not None else min(count, remaining)
    else:
        total = None if count < 0 else count
    blocksize = frame_length + (block_length - 1) * hop_length
    step = block_length * hop_length
    return _blocks(sfo, name, owned, blocksize, step, total, fill_value, dt, mono)


def _blocks(
    sfo: soundfile.SoundFile,
    name: str,
    owned: bool,
    blocksize: int,
    step: int,
    total: int | None,
    fill_value: float | None,
    dtype: np.dtype,
    mono: bool,
) -> Generator[np.ndarray, None, None]:
    """Yield blocks ``[i*step, i*step + blocksize)`` of the next ``total`` frames (None: to EOF).

    A block is produced while it holds at least one frame not seen in the previous block (the
    semantics of ``soundfile.blocks``, which librosa.stream uses); samples between blocks (when
    ``hop_length > frame_length``) are skipped. Frames past the end of the file count as
    ``fill_value`` when it is given, and the last block is then padded to ``blocksize``.
    """
    try:
        channels = sfo.channels
        carry = np.zeros(
            (0, channels), dtype=dtype
        )  # frames [carry_start, consumed) from the last block
        consumed = 0  # frames of the span read or skipped so far
        b0 = 0
        while total is None or b0 < total:
            if consumed < b0:  # a gap between blocks: skip it
                with _decoding(name):
                    if sfo.seekable():
                        sfo.seek(b0 - consumed, soundfile.SEEK_CUR)
                    else:
                        sfo.read(b0 - consumed, dtype=dtype.name, always_2d=True)
                consumed = b0
                carry = carry[:0]
            else:
                carry = carry[carry.shape[0] - (consumed - b0) :]
            want = b0 + blocksize - consumed
            if total is not None:
                want = min(want, total - consumed)
            if want <= 0 and b0 > 0:
                return
            with _decoding(name):
                new = sfo.read(want, dtype=dtype.name, always_2d=True)
            if new.shape[0] < want:
                if fill_value is not None and total is not None:
                    pad = np.full((want - new.shape[0], channels), fill_value, dtype=dtype)
                    new = np.concatenate([new, pad], axis=0)
                elif total is not None:
                    total = consumed + new.shape[0]  # the file was shorter than its header said
            if new.shape[0] == 0 and b0 > 0:
                return
            consumed += new.shape[0]
            block = np.concatenate([carry, new], axis=0) if carry.shape[0] else new
            carry = block
            if fill_value is not None and block.shape[0] < blocksize:
                pad = np.full((blocksize - block.shape[0], channels), fill_value, dtype=dtype)
                block = np.concatenate([block, pad], axis=0)
            y = block.T
            if y.shape[0] == 1:
                y = y[0]
            elif mono:
                y = np.mean(y, axis=0)
            yield np.ascontiguousarray(y, dtype=dtype)
            b0 += step
    finally:
        if owned:
            sfo.close()
