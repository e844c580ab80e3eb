"""The I/O layer: load, save, inspect and stream audio files.

Files are read and written with `soundfile` (libsndfile: WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF, ...);
:func:`load` resamples with :func:`audiofeat.resample` (the core's :mod:`audiofeat.resampling`, re-exported
here). Every failure is raised as one of the typed errors of
:mod:`audiofeat.errors` (never a raw ``soundfile.LibsndfileError``), naming the path:

=========================================  ==========================  ================
what went wrong                            exception                   ``.reason``
=========================================  ==========================  ================
the path does not exist (or its folder)    ``AudioFileNotFoundError``  ``"missing"``
no permission                              ``UnreadableAudioError``    ``"unreadable"``
a directory                                ``AudioIsADirectoryError``  ``"unreadable"``
no audio format audiofeat can read         ``NotAudioError``           ``"not_audio"``
an audio signature, undecodable data       ``CorruptAudioError``       ``"corrupt"``
fewer frames than the header promises      ``TruncatedAudioError``     ``"truncated"``
  (only with ``strict=True``; else a ``TruncatedAudioWarning``)
NaN or inf samples in a float file         ``NonFiniteAudioError``     ``"non_finite"``
0 bytes, 0 frames, an mp3 with only tags   ``EmptyAudioError``         ``"empty"``
save(..., overwrite=False) over a file     ``AudioFileExistsError``    ``"exists"``
the OS failed (disk full, I/O error)       ``AudioFileError``          ``"io"`` (+ errno)
a bad argument, a pipe, a closed or        ``ParameterError``          (not a file error)
  text-mode file object, bad save params
=========================================  ==========================  ================

The API follows librosa (``load``, ``resample``, ``stream``); the differences are deliberate and listed in
each function's Notes.
"""

from __future__ import annotations

import errno as _errno
import io as _pyio
import math
import os
import stat
import tempfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO, Union

import numpy as np
import soundfile
import soxr

from ._registry import capabilities
from ._backend import is_torch, to_numpy
from ._checks import check_int, check_positive, warn_user
from .resampling import RES_TYPES, resample
from .errors import (
    AudioFileError,
    AudioFileExistsError,
    AudioFileNotFoundError,
    AudioIsADirectoryError,
    BackendError,
    ClippingWarning,
    CorruptAudioError,
    EmptyAudioError,
    NonFiniteAudioError,
    NotAudioError,
    ParameterError,
    TruncatedAudioError,
    TruncatedAudioWarning,
    UnreadableAudioError,
)

_HZ = " (samples per second)"
__all__ = ["AudioInfo", "info", "load", "resample", "save", "stream"]

PathLike = Union[str, "os.PathLike[str]", BinaryIO, soundfile.SoundFile]
# captured once, so that isinstance checks keep working when a test patches soundfile.SoundFile
_SoundFileType = soundfile.SoundFile

#: frames decoded per block: load, info and save never hold more than the signal plus one block.
_BLOCK = 1 << 16
#: libsndfile reports this many frames for a FLAC whose STREAMINFO says "unknown length" (0 samples).
_UNKNOWN_FRAMES = 1 << 62
#: res_type -> soxr quality, for the streaming resampler of load (the same recipes as resampling.py)
_SOXR_QUALITY = {"soxr_vhq": "VHQ", "soxr_hq": "HQ", "soxr_mq": "MQ", "soxr_lq": "LQ", "soxr_qq": "QQ"}


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


def _check_span(offset: Any, duration: Any, allow_zero: bool = False) -> tuple[float, float | None]:
    """Validate ``offset`` (>= 0) and ``duration`` (None or > 0, or >= 0 with ``allow_zero``), in seconds."""
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
    if not math.isfinite(dur) or dur < 0 or (dur == 0 and not allow_zero):
        raise ParameterError(
            f"duration={duration!r} must be None or a finite number of seconds > 0"
        )
    return off, dur


def _os_error(name: str, action: str, errnum: int | None, strerror: str | None = None) -> AudioFileError:
    """An ``AudioFileError`` (reason "io") naming the path, the errno's name and its text."""
    if not errnum:
        errnum = _errno.EIO
    text = strerror or os.strerror(errnum)
    code = _errno.errorcode.get(errnum, f"errno {errnum}")
    err = AudioFileError(name, f"cannot {action}: {code} ({text})")
    err.errno, err.strerror = errnum, text
    return err


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


def _check_path_kind(path: Any, name: str) -> None:
    """Refuse what libsndfile must never be handed: missing paths, directories, pipes and devices."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise AudioFileNotFoundError(name, "no such file") from None
    except PermissionError as err:
        raise UnreadableAudioError(name, f"cannot be opened for reading: {err.strerror or err}") from err
    except OSError as err:
        raise _os_error(name, "read", err.errno, err.strerror) from err
    if stat.S_ISDIR(st.st_mode):
        raise AudioIsADirectoryError(name, "is a directory, not an audio file")
    if stat.S_ISFIFO(st.st_mode):
        raise ParameterError(
            f"{name} is a pipe (FIFO), not a regular file: audiofeat reads audio from seekable files; "
            "save the stream to a file first, or pass io.BytesIO(data)"
        )
    if not stat.S_ISREG(st.st_mode):
        raise ParameterError(
            f"{name} is a device or a socket, not a regular file: audiofeat reads audio from regular files"
        )


def _check_file_object(f: Any, name: str, writing: bool = False) -> None:
    """Refuse closed, text-mode, wrong-direction and unseekable file objects with a ParameterError.

    libsndfile would otherwise call back into them and print cffi tracebacks ("Illegal seek") to stderr.
    """
    if getattr(f, "closed", False):
        raise ParameterError(f"the file object {name} is closed")
    if isinstance(f, _pyio.TextIOBase):
        raise ParameterError(
            f"the file object {name} is open in text mode; audio needs a binary file: open it with "
            f"{'wb' if writing else 'rb'!r}"
        )
    for method in ("seekable", "writable" if writing else "readable"):
        fn = getattr(f, method, None)
        try:
            ok = fn() if callable(fn) else True
        except (OSError, ValueError):
            ok = False
        if not ok:
            if method == "seekable":
                raise ParameterError(
                    f"the file object {name} is not seekable (a pipe, a socket or a network stream); "
                    "audiofeat needs a seekable binary file: read it into memory first, "
                    "io.BytesIO(f.read())"
                )
            raise ParameterError(
                f"the file object {name} is not open for {'writing' if writing else 'reading'}"
            )
    if not writing:
        try:
            probe = f.read(0)
        except (OSError, ValueError, TypeError):
            probe = b""
        if isinstance(probe, str):
            raise ParameterError(
                f"the file object {name} is open in text mode; audio needs a binary file: open it with 'rb'"
            )


def _libsndfile_message(exc: BaseException) -> str:
    """The useful part of a soundfile exception's message."""
    msg = getattr(exc, "error_string", None)
    if not msg:
        msg = str(exc)
    return str(msg).strip()


@contextmanager
def _binary_source(path: Any) -> Iterator[Any]:
    """A binary file object over ``path`` for header parsing (the caller's file position is restored).

    Yields None when the source cannot be read independently (a SoundFile opened from a file object).
    """
    if isinstance(path, _SoundFileType):
        path = path.name if isinstance(path.name, (str, os.PathLike)) else None
    if path is None:
        yield None
    elif isinstance(path, (str, os.PathLike)):
        with open(path, "rb") as f:  # may raise OSError; callers handle it
            yield f
    else:
        try:
            pos = path.tell()
        except (OSError, ValueError, AttributeError):
            yield None
            return
        try:
            yield path
        finally:
            path.seek(pos)


def _read_at(f: Any, offset: int, n: int) -> bytes:
    f.seek(offset)
    data = f.read(n)
    return data if isinstance(data, bytes) else b""


def _size_of(f: Any) -> int:
    return int(f.seek(0, os.SEEK_END))


def _head(path: Any, n: int = 16) -> bytes | None:
    """The first ``n`` bytes of a path or a seekable file object, or None when they cannot be read."""
    if isinstance(path, (str, os.PathLike)):
        with open(path, "rb") as f:  # may raise OSError; callers handle it
            return f.read(n)
    try:
        with _binary_source(path) as f:
            return None if f is None else _read_at(f, 0, n)
    except (OSError, ValueError, AttributeError, TypeError):  # not seekable or not bytes
        return None


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


# --------------------------------------------------------------------------------------------------
# what the header promises: RIFF data chunks and MP3 Xing/Info frames
# --------------------------------------------------------------------------------------------------
def _riff_promised_frames(f: Any) -> int | None:
    """Frames a WAV/RF64 header promises (data chunk size / block align), or None when it does not say.

    None for streamed files (size 0 or 0xFFFFFFFF) and for compressed encodings (ADPCM, GSM, ...),
    whose block align is not one frame.
    """
    head = _read_at(f, 0, 12)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        return None
    rf64 = head[:4] == b"RF64"
    ds64_data, block_align, pos = None, None, 12
    for _ in range(4096):  # chunk walk; a bounded number of chunks before "data"
        chunk = _read_at(f, pos, 8)
        if len(chunk) < 8:
            return None
        cid, size = chunk[:4], int.from_bytes(chunk[4:8], "little")
        if cid == b"ds64":
            body = f.read(16)
            ds64_data = int.from_bytes(body[8:16], "little") if len(body) == 16 else None
        elif cid == b"fmt ":
            body = f.read(16)
            if len(body) < 16:
                return None
            tag = int.from_bytes(body[0:2], "little")
            if tag not in (1, 3, 6, 7, 0xFFFE):  # PCM, IEEE float, A-law, mu-law, extensible
                return None
            block_align = int.from_bytes(body[12:14], "little")
        elif cid == b"data":
            if rf64 and size == 0xFFFFFFFF:
                size = ds64_data
            if not block_align or not size or size == 0xFFFFFFFF:
                return None
            return size // block_align
        pos += 8 + size + (size & 1)
    return None


_MPEG_BITRATES = {  # kbit/s by (MPEG-1?, layer) for bitrate index 1..14
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_BITRATES[(False, 3)] = _MPEG_BITRATES[(False, 2)]


def _mpeg_frame(h: bytes) -> tuple[int, int] | None:
    """``(frame length in bytes, offset of a Xing/Info tag)`` for a valid MPEG audio header, else None."""
    if len(h) < 4 or h[0] != 0xFF or (h[1] & 0xE0) != 0xE0:
        return None
    version, layer_bits = (h[1] >> 3) & 3, (h[1] >> 1) & 3
    index, rate_index, pad = h[2] >> 4, (h[2] >> 2) & 3, (h[2] >> 1) & 1
    if version == 1 or layer_bits == 0 or index in (0, 15) or rate_index == 3:
        return None
    mpeg1, layer = version == 3, 4 - layer_bits
    rate = (44100, 48000, 32000)[rate_index] >> {3: 0, 2: 1, 0: 2}[version]
    bitrate = _MPEG_BITRATES[(mpeg1, layer)][index - 1] * 1000
    if layer == 1:
        length = (12 * bitrate // rate + pad) * 4
    elif layer == 2 or mpeg1:
        length = 144 * bitrate // rate + pad
    else:
        length = 72 * bitrate // rate + pad
    mono = (h[3] >> 6) == 3
    side = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    return length, 4 + side


def _id3_end(f: Any) -> int:
    """Offset of the first byte after the ID3v2 tags at the start of a file."""
    pos = 0
    for _ in range(16):
        h = _read_at(f, pos, 10)
        if len(h) < 10 or h[:3] != b"ID3":
            break
        size = (h[6] & 0x7F) << 21 | (h[7] & 0x7F) << 14 | (h[8] & 0x7F) << 7 | (h[9] & 0x7F)
        pos += 10 + size + (10 if h[5] & 0x10 else 0)
    return pos


def _mp3_scan(f: Any, limit: int = 1 << 20) -> dict:
    """Walk an MP3's first frames: whether it holds any audio frame, and its Xing/Info header if any.

    Returns ``{"audio": bool, "first": offset of the first frame or None, "xing": a whole Xing/Info frame
    was found, "xing_frames": int | None, "xing_bytes": int | None, "id3_end": offset after the ID3v2
    tags}``.
    """
    start = _id3_end(f)
    out: dict = {"audio": False, "first": None, "xing": False, "xing_frames": None, "xing_bytes": None,
                 "id3_end": start}
    data = _read_at(f, start, limit)
    i = 0
    while i + 4 <= len(data):
        frame = _mpeg_frame(data[i : i + 4]) if data[i] == 0xFF else None
        if frame is None or frame[0] < 8:
            i += 1
            continue
        length, tag_at = frame
        if out["first"] is None:
            out["first"] = start + i
        tag = data[i + tag_at : i + tag_at + 4]
        if tag in (b"Xing", b"Info"):
            flags = int.from_bytes(data[i + tag_at + 4 : i + tag_at + 8], "big")
            p = i + tag_at + 8
            if flags & 1:
                out["xing_frames"] = int.from_bytes(data[p : p + 4], "big")
                p += 4
            if flags & 2:
                out["xing_bytes"] = int.from_bytes(data[p : p + 4], "big")
            out["xing"] = out["xing"] or i + length <= len(data)
            i += length
            continue
        if data[i + 36 : i + 40] == b"VBRI":
            i += length
            continue
        if i + length <= len(data) or len(data) == limit:
            out["audio"] = True
            return out
        i += 1  # a header whose frame runs past the end of the file: not audio
    return out


@dataclass(frozen=True)
class _Frames:
    """How many frames a file's header promises and how many are there (None: unknown until decoded)."""

    promised: int | None
    present: int | None
    truncated: bool
    unknown_length: bool = False  # FLAC STREAMINFO total 0: decode to the end, without seeking


def _frames_of(sfo: soundfile.SoundFile, path: Any, name: str) -> _Frames:
    """Compare what the header promises with what is in the file (cheap: headers and the file size)."""
    frames = int(sfo.frames)
    if frames >= _UNKNOWN_FRAMES or not sfo.seekable():
        return _Frames(None, None, False, unknown_length=sfo.seekable())
    fmt = str(sfo.format)
    try:
        with _binary_source(path) as f:
            if f is None:
                return _Frames(frames, frames, False)
            if fmt in ("WAV", "WAVEX", "RF64"):
                promised = _riff_promised_frames(f)
                if promised is not None and promised > frames:
                    return _Frames(promised, frames, True)
            elif fmt == "MP3":
                scan = _mp3_scan(f, limit=1 << 16)
                size = _size_of(f)
                if scan["xing_bytes"] and scan["first"] is not None:
                    tail = 128 if size >= 128 and _read_at(f, size - 128, 3) == b"TAG" else 0
                    available = size - scan["first"] - tail
                    if available < 0.99 * scan["xing_bytes"]:  # mpg123's own "off by more than 1%" rule
                        return _Frames(frames, None, True)
    except (OSError, ValueError, TypeError):
        pass  # the header cannot be re-read: trust libsndfile's count
    return _Frames(frames, frames, False)


def _mp3_only_metadata(f: Any) -> str | None:
    """What an MP3 that holds no audio frame holds ("ID3 tags", "a Xing/Info frame"), else None.

    None too for a broken file (a tag or frame that runs past its end): that is corrupt, not empty.
    """
    scan = _mp3_scan(f)
    size = _size_of(f)
    if scan["audio"] or scan["id3_end"] > size:
        return None
    if scan["xing"]:
        return "a Xing/Info header frame" + (" and ID3 tags" if scan["id3_end"] else "")
    if scan["first"] is None and scan["id3_end"]:
        rest = _read_at(f, scan["id3_end"], 1 << 20)
        if len(rest) >= 128 and rest[-128:][:3] == b"TAG":
            rest = rest[:-128]
        if not rest.strip(b"\x00"):
            return "ID3 tags"
    return None


def _diagnose(path: Any, name: str, exc: BaseException) -> AudioFileError:
    """Turn a failure to open ``path`` with libsndfile into the matching typed error."""
    message = _libsndfile_message(exc)
    if isinstance(path, (str, os.PathLike)):
        if not os.path.lexists(path):
            return AudioFileNotFoundError(name, "no such file")
        if os.path.isdir(path):
            return AudioIsADirectoryError(name, "is a directory, not an audio file")
    try:
        head = _head(path)
    except FileNotFoundError:
        return AudioFileNotFoundError(name, "no such file")
    except IsADirectoryError:
        return AudioIsADirectoryError(name, "is a directory, not an audio file")
    except PermissionError as err:
        return UnreadableAudioError(name, f"cannot be opened for reading: {err.strerror or err}")
    except OSError as err:
        return _os_error(name, "read", err.errno, err.strerror)
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
    if fmt == "MP3":
        try:
            with _binary_source(path) as f:
                what = None if f is None else _mp3_only_metadata(f)
        except (OSError, ValueError, TypeError):
            what = None
        if what:
            return EmptyAudioError(name, f"MP3 with no audio frames (only {what}); it holds no audio")
    return CorruptAudioError(name, f"looks like {fmt} but its header cannot be decoded: {message}")


def _open(path: Any, *, allow_empty: bool = False) -> tuple[soundfile.SoundFile, str, bool]:
    """Open ``path`` for reading; return ``(sound file, display name, whether we own it)``.

    Every failure becomes a typed :class:`~audiofeat.errors.AudioFileError` naming the path; pipes and
    closed, text-mode or unseekable file objects a ParameterError.
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
        if isinstance(path, (str, os.PathLike)):
            _check_path_kind(path, name)
        else:
            _check_file_object(path, name)
        try:
            sfo = soundfile.SoundFile(path)
        except IsADirectoryError as err:
            raise AudioIsADirectoryError(name, "is a directory, not an audio file") from err
        except PermissionError as err:
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


def _read_raw(sfo: soundfile.SoundFile, out: np.ndarray) -> int:
    """``sf_readf_*`` into ``out`` (frames, channels) without soundfile's seek after the read.

    soundfile re-seeks after every read, which libsndfile refuses for a FLAC of unknown length
    ("Internal psf_fseek() failed"); this reads such a file to its end.
    """
    from soundfile import _ffi, _snd  # soundfile's cffi handles; stable since 0.10

    ctype = "float" if out.dtype == np.float32 else "double"
    n = getattr(_snd, "sf_readf_" + ctype)(sfo._file, _ffi.cast(ctype + "*", out.ctypes.data), out.shape[0])
    code = _snd.sf_error(sfo._file)
    if code:
        raise soundfile.LibsndfileError(code)
    return int(n)


def _read_block(sfo: soundfile.SoundFile, name: str, out: np.ndarray, raw: bool = True) -> int:
    """Fill ``out`` (frames, channels) from the current position; return the frames read (0 at the end).

    Sequential reads go straight to libsndfile (:func:`_read_raw`): soundfile's ``read`` seeks back to
    where it thinks the read ended after each call, which breaks block reads of MP3 (mpg123 returns
    wrong samples after such a seek) and of a FLAC of unknown length.
    """
    with _decoding(name):
        return _read_raw(sfo, out)


def _check_finite(block: np.ndarray, name: str, first_frame: int, sr: int) -> None:
    if not np.isfinite(block).all():
        bad = int(np.argmax(~np.isfinite(block).reshape(block.shape[0], -1).all(axis=1)))
        frame = first_frame + bad
        raise NonFiniteAudioError(
            name,
            f"holds non-finite samples (NaN or inf), first at frame {frame} ({frame / sr:.6g} s); "
            "no feature can be computed from them",
        )


def _iter_frames(
    sfo: soundfile.SoundFile, name: str, dtype: np.dtype, count: int | None, raw: bool, first: int
) -> Iterator[np.ndarray]:
    """Yield (k, channels) blocks (one reused buffer: copy before the next) until ``count`` frames or EOF.

    Every block is checked for NaN/inf (NonFiniteAudioError).
    """
    buf = np.empty((_BLOCK, sfo.channels), dtype=dtype)
    done = 0
    while count is None or done < count:
        want = _BLOCK if count is None else min(_BLOCK, count - done)
        k = _read_block(sfo, name, buf[:want], raw)
        if k <= 0:
            return
        _check_finite(buf[:k], name, first + done, sfo.samplerate)
        yield buf[:k]
        done += k
        if k < want:
            return


def _skip(sfo: soundfile.SoundFile, name: str, start: int, raw: bool, dtype: np.dtype) -> int:
    """Move to frame ``start`` (seek, or decode and drop for files that cannot seek); return frames skipped."""
    if not start:
        return 0
    if not raw:
        with _decoding(name):
            sfo.seek(start)
        return start
    skipped = 0
    for block in _iter_frames(sfo, name, dtype, start, raw, 0):
        skipped += block.shape[0]
    return skipped


def _truncation_message(promised: int, present: int | None, sr: int) -> str:
    if present is None:
        return (f"truncated: the header promises {promised} frames ({promised / sr:.6g} s) but the file "
                "is shorter than its header says")
    missing = promised - present
    return (f"truncated: the header promises {promised} frames ({promised / sr:.6g} s) but only {present} "
            f"are present ({missing} frames, {missing / sr:.6g} s missing)")


def _truncated(name: str, promised: int, present: int | None, sr: int, strict: bool) -> None:
    """Raise TruncatedAudioError (strict) or warn with TruncatedAudioWarning."""
    message = _truncation_message(promised, present, sr)
    if strict:
        err = TruncatedAudioError(name, message)
        err.frames_promised, err.frames_present = promised, present
        raise err
    warn_user(f"{name}: {message}; returning the frames that are there (strict=True raises)",
              TruncatedAudioWarning)


def _span_frames(
    sfo: soundfile.SoundFile, name: str, offset: float, duration: float | None, total: int | None
) -> tuple[int, int]:
    """``(start frame, number of frames or -1)`` for ``offset``/``duration`` in seconds.

    Seconds are turned into frames by rounding to the nearest frame; ``total`` is the number of frames
    in the file when known.
    """
    sr_native = sfo.samplerate
    start = round(sr_native * offset)
    if total is not None and start > 0 and start >= total:
        raise ParameterError(
            f"offset={offset} s is at or beyond the end of {name} "
            f"(file duration {total / sr_native:.6g} s)"
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
        Number of samples per channel that are really in the file (what :func:`load` returns).
    duration : float
        ``frames / sr`` in seconds.
    format : str
        The container format as libsndfile names it (``"WAV"``, ``"FLAC"``, ``"OGG"``, ``"MP3"``, ...).
    subtype : str
        The sample encoding (``"PCM_16"``, ``"FLOAT"``, ``"VORBIS"``, ...).
    frames_promised : int
        The number of frames the header promises: the WAV/RF64 data chunk size, an MP3's Xing/Info frame
        count; equal to ``frames`` for files whose header does not promise a length (a FLAC of unknown
        length, a streamed WAV) and for intact files.
    truncated : bool
        ``frames < frames_promised``: the file was cut short (an interrupted download or recording).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> save(path, np.zeros(8000, dtype=np.float32), 16000)
    >>> meta = info(path)
    >>> meta.duration, meta.frames_promised, meta.truncated
    (0.5, 8000, False)
    """

    path: str
    sr: int
    channels: int
    frames: int
    duration: float
    format: str
    subtype: str
    frames_promised: int = -1  # -1: same as frames (filled in by __post_init__)

    def __post_init__(self) -> None:
        if self.frames_promised < 0:
            object.__setattr__(self, "frames_promised", self.frames)

    @property
    def truncated(self) -> bool:
        """Whether the file holds fewer frames than its header promises."""
        return self.frames < self.frames_promised

    @property
    def samplerate(self) -> int:
        """Alias of :attr:`sr` (soundfile's name)."""
        return self.sr


def _count_to_end(sfo: soundfile.SoundFile, name: str, raw: bool) -> int:
    """Decode from the current position to the end of the file and count the frames."""
    total = 0
    for block in _iter_frames(sfo, name, np.dtype(np.float32), None, raw, 0):
        total += block.shape[0]
    return total


@capabilities(torch=False, batch=False)
def info(path: PathLike) -> AudioInfo:
    """Read an audio file's header: sampling rate, channels, frames, duration, format and subtype.

    Parameters
    ----------
    path : str, os.PathLike, binary file object or soundfile.SoundFile
        The audio file.

    Returns
    -------
    AudioInfo
        A frozen dataclass; ``duration = frames / sr``; ``frames_promised`` and ``truncated`` say whether
        the header promises more frames than the file holds.

    Raises
    ------
    AudioFileNotFoundError, UnreadableAudioError, AudioIsADirectoryError, NotAudioError, CorruptAudioError,
    EmptyAudioError
        When the file cannot be read as audio (see the module docstring).
    ParameterError
        A pipe, or a closed, text-mode or unseekable file object.

    Notes
    -----
    `info` reads headers only, except in two cases where the header cannot say how many frames are there:
    a FLAC whose STREAMINFO gives 0 total samples ("unknown length"; libsndfile reports 2**63 - 1), and an
    MP3 whose Xing/Info header promises more bytes than the file holds. Those are decoded to the end to
    count the frames (about as long as :func:`load` takes; NaN samples are not checked here).

    A valid file with 0 frames is reported (``frames=0``), not raised as ``EmptyAudioError``: `info` is for
    inspecting files, and an empty file is a fact worth reporting. A 0-byte file still raises
    ``EmptyAudioError``.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "stereo.flac")
    >>> save(path, np.zeros((2, 4410), dtype=np.float32), 44100)
    >>> meta = info(path)
    >>> meta.channels, meta.frames, meta.sr, meta.format, meta.truncated
    (2, 4410, 44100, 'FLAC', False)
    """
    sfo, name, owned = _open(path, allow_empty=True)
    try:
        sr = int(sfo.samplerate)
        got = _frames_of(sfo, path, name)
        frames, promised = got.present, got.promised
        if frames is None:  # unknown length or a truncated MP3: count by decoding
            if not owned:
                raise ParameterError(
                    f"{name} has no reliable frame count in its header; pass the path (not an open "
                    "soundfile.SoundFile) so that info can decode it to count"
                )
            frames = _count_to_end(sfo, name, got.unknown_length)
        return AudioInfo(
            path=name,
            sr=sr,
            channels=int(sfo.channels),
            frames=frames,
            duration=frames / sr,
            format=str(sfo.format),
            subtype=str(sfo.subtype),
            frames_promised=frames if promised is None else max(promised, frames),
        )
    finally:
        if owned:
            sfo.close()


@capabilities(librosa="librosa.load", torch=False, batch=False)
def load(
    path: PathLike,
    sr: float | None = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: Any = np.float32,
    res_type: str = "soxr_hq",
    *,
    strict: bool = False,
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
    duration : float >= 0 or None
        Read at most this many seconds (``None``: to the end; ``0``: an empty signal, as librosa).
    dtype : np.float32 or np.float64
        Data type of the returned signal.
    res_type : str
        Resampling method, any of librosa's (``"soxr_hq"`` by default; see
        :func:`audiofeat.resample`).
    strict : bool
        A truncated file (fewer frames than its header promises, within the requested span) raises
        ``TruncatedAudioError`` instead of warning.

    Returns
    -------
    y : np.ndarray, shape (n,) or (channels, n)
        The signal; ``(n,)`` when ``mono`` is true or the file has one channel. C-contiguous.
    sr : number
        The sampling rate of ``y`` (``sr`` as given, or the native rate when ``sr`` is None).

    Warns
    -----
    TruncatedAudioWarning
        The header promises more frames than the file holds (a cut download or recording): the frames
        that are there are returned, and the message gives both counts.

    Raises
    ------
    ParameterError
        A bad ``sr``, ``offset``, ``duration``, ``dtype`` or ``res_type``; ``offset`` at or beyond the
        end of the file; a pipe, or a closed, text-mode or unseekable file object.
    TruncatedAudioError
        With ``strict=True``, for a truncated file (``reason == "truncated"``).
    NonFiniteAudioError
        A float file holds NaN or inf samples (``reason == "non_finite"``), whatever ``sr``.
    AudioFileNotFoundError, UnreadableAudioError, AudioIsADirectoryError, NotAudioError, CorruptAudioError,
    EmptyAudioError
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

    Memory: the file is decoded in blocks of 65536 frames straight into the output array (downmixed
    block by block), and with the soxr resamplers (the default) resampled block by block too, so the
    peak is the returned signal plus a few blocks. Other ``res_type`` values, a FLAC of unknown length
    and a truncated MP3 hold the decoded signal and the result at once.

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
    off, dur = _check_span(offset, duration, allow_zero=True)
    if res_type not in RES_TYPES:
        raise ParameterError(f"res_type={res_type!r} is not supported; expected one of {list(RES_TYPES)}")

    sfo, name, owned = _open(path)
    if dur == 0:  # as librosa: no samples asked for, an empty signal (the file is still opened and checked)
        channels = sfo.channels
        if owned:
            sfo.close()
        shape = (0,) if (mono or channels == 1) else (channels, 0)
        return np.zeros(shape, dtype=dt), (int(sfo.samplerate) if sr is None else sr)
    try:
        sr_native = int(sfo.samplerate)
        got = _frames_of(sfo, path, name)
        start, count = _span_frames(sfo, name, off, dur, got.present)
        if got.truncated and strict:
            wanted_end = got.promised if count < 0 else min(start + count, got.promised)
            if got.present is None or wanted_end > got.present:
                _truncated(name, got.promised, got.present, sr_native, strict=True)
        raw = got.unknown_length
        skipped = _skip(sfo, name, start, raw, dt)
        if skipped < start:
            raise ParameterError(
                f"offset={off} s is at or beyond the end of {name} (file duration {skipped / sr_native:.6g} s)"
            )
        n_in = None
        if got.present is not None:
            n_in = got.present - start if count < 0 else min(count, got.present - start)
        target = None if sr is None or float(sr) == sr_native else sr
        y, n_read = _decode(sfo, name, dt, n_in, count, mono, raw, sr_native, target, res_type)
    finally:
        if owned:
            sfo.close()

    if n_read == 0:
        raise EmptyAudioError(name, "file holds no audio frames in the requested span")
    if got.promised is not None:
        wanted_end = got.promised if count < 0 else min(start + count, got.promised)
        if start + n_read < wanted_end:
            present = got.present if got.present is not None else start + n_read
            _truncated(name, got.promised, present, sr_native, strict)
    return y, (sr_native if sr is None else sr)


def _decode(
    sfo: soundfile.SoundFile,
    name: str,
    dt: np.dtype,
    n_in: int | None,
    count: int,
    mono: bool,
    raw: bool,
    sr_native: int,
    target: float | None,
    res_type: str,
) -> tuple[np.ndarray, int]:
    """Decode ``n_in`` frames (None: up to ``count``, or to the end) and resample them to ``target``.

    Returns ``(y, frames decoded)``; ``y`` is ``(n,)`` for one output channel, else ``(channels, n)``.
    With a known ``n_in``, the output is preallocated and filled block by block (soxr resamplers stream).
    """
    channels = sfo.channels
    c_out = 1 if (channels == 1 or mono) else channels
    first = sfo.tell() if (sfo.seekable() and not raw) else 0

    def mixed(block: np.ndarray, scratch: np.ndarray) -> np.ndarray:
        """(k, channels) block -> (k,) or (k, channels) contiguous, downmixed when asked."""
        if channels == 1:
            return block[:, 0]
        if c_out == 1:
            return np.mean(block, axis=1, out=scratch[: block.shape[0]])
        return block

    scratch = np.empty(_BLOCK, dtype=dt) if (channels > 1 and c_out == 1) else np.empty(0, dt)
    limit = n_in if n_in is not None else (None if count < 0 else count)
    blocks = _iter_frames(sfo, name, dt, limit, raw, first)

    if n_in is None or (target is not None and res_type not in _SOXR_QUALITY):
        # length unknown, or a resampler that needs the whole signal: collect, then resample
        parts = [np.array(mixed(b, scratch)) for b in blocks]
        n_read = sum(p.shape[0] for p in parts)
        if n_read == 0:
            return np.zeros(0, dt), 0
        y = np.concatenate(parts, axis=0)
        del parts
        y = y.T if c_out > 1 else y
        y = np.ascontiguousarray(y, dtype=dt)
        if target is not None:
            y = resample(y, sr_native, target, res_type=res_type)
        return y, n_read

    if target is None:
        out = np.empty((c_out, n_in) if c_out > 1 else (n_in,), dtype=dt)
        pos = 0
        for b in blocks:
            k = b.shape[0]
            if c_out > 1:
                out[:, pos : pos + k] = b.T
            elif channels == 1:
                out[pos : pos + k] = b[:, 0]
            else:
                np.mean(b, axis=1, out=out[pos : pos + k])
            pos += k
        if pos < n_in:  # the decoder stopped early: keep what is there
            out = np.ascontiguousarray(out[..., :pos])
        return out, pos

    # streaming soxr: bit-identical to resample(y) on the whole signal (same recipe, same length fix)
    n_out = math.ceil(n_in * float(target) / sr_native)
    out = np.empty((c_out, n_out) if c_out > 1 else (n_out,), dtype=dt)
    resampler = soxr.ResampleStream(sr_native, float(target), c_out, dtype=dt.name,
                                    quality=_SOXR_QUALITY[res_type])
    pos = done = 0

    def put(z: np.ndarray) -> None:
        nonlocal pos
        m = min(z.shape[0], n_out - pos)
        if m > 0:
            if c_out > 1:
                out[:, pos : pos + m] = z[:m].T
            else:
                out[pos : pos + m] = z[:m]
            pos += m

    for b in blocks:
        done += b.shape[0]
        put(resampler.resample_chunk(np.ascontiguousarray(mixed(b, scratch)), last=False))
    put(resampler.resample_chunk(np.zeros((0, c_out) if c_out > 1 else 0, dtype=dt), last=True))
    full = n_out
    if done < n_in:  # the decoder stopped early: the length follows what was decoded
        n_out = math.ceil(done * float(target) / sr_native)
    if pos < n_out:
        out[..., pos:n_out] = 0  # soxr's output is one sample short at most: pad as resample(fix=True)
    if n_out < full:
        out = np.ascontiguousarray(out[..., :n_out])
    return out, done


# --------------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------------
#: more channels than this is taken for a (frames, channels) array written the wrong way round
_MAX_PLAUSIBLE_CHANNELS = 64
#: (format, subtype or None for any) -> the sampling rates its encoder accepts: a set, or a (min, max)
#: range. Probed with libsndfile 1.2.2 (soundfile 0.14): libvorbis segfaults above 200000 Hz, and with
#: more than 255 channels; the others return an error, which audiofeat words.
_RATE_RULES: dict[tuple[str, str | None], Any] = {
    ("OGG", "VORBIS"): (1, 200_000),
    ("OGG", "OPUS"): frozenset({8000, 12000, 16000, 24000, 48000}),
    ("MP3", None): frozenset({8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000}),
    ("FLAC", None): (1, 655_350),
}
_MAX_CHANNELS = {"MP3": 2, "FLAC": 8, "OGG": 255}  # libsndfile: 1024 for every other format
_CODEC_NAMES = {"OPUS": "Opus", "VORBIS": "Vorbis", "MPEG_LAYER_III": "MP3"}
_LOSSY = {"VORBIS", "OPUS", "MPEG_LAYER_I", "MPEG_LAYER_II", "MPEG_LAYER_III"}
_FLOAT_SUBTYPES = {"FLOAT", "DOUBLE"}
_TMP_MARK = ".audiofeat-tmp-"


def _check_encoder(name: str, fmt: str, subtype: str, rate: int, channels: int) -> None:
    """Refuse parameters the format's encoder cannot take, before libsndfile sees them (some crash it)."""
    if rate > 2**31 - 1:
        raise ParameterError(f"cannot write {name}: sr={rate} is beyond any audio format (max 2147483647)")
    rule = _RATE_RULES.get((fmt, subtype), _RATE_RULES.get((fmt, None)))
    if isinstance(rule, tuple) and not rule[0] <= rate <= rule[1]:
        raise ParameterError(
            f"cannot write {name} as {fmt}/{subtype}: sr={rate} Hz is outside the {rule[0]}-{rule[1]} Hz "
            "its encoder supports; resample first (audiofeat.resample) or choose another format"
        )
    if isinstance(rule, frozenset) and rate not in rule:
        raise ParameterError(
            f"cannot write {name} as {fmt}/{subtype}: sr={rate} Hz is not supported; "
            f"{_CODEC_NAMES.get(subtype, fmt)} only supports sample rates of {sorted(rule)}; "
            "resample first (audiofeat.resample)"
        )
    most = _MAX_CHANNELS.get(fmt, 1024)
    if channels > most:
        raise ParameterError(f"cannot write {name} as {fmt}: {channels} channels, the format holds at most {most}")


def _check_layout(y: np.ndarray) -> None:
    """Refuse arrays that look like soundfile's (frames, channels) layout."""
    if y.ndim != 2:
        return
    c, n = y.shape
    if c > _MAX_PLAUSIBLE_CHANNELS or (c > 1 and c > n):
        raise ParameterError(
            f"y has shape {y.shape}: that would be {c} channels of {n} samples. audiofeat (like librosa) "
            "expects (channels, samples), time on the last axis; an array in soundfile's "
            f"(frames, channels) layout must be transposed: save(path, y.T, sr)"
            + (f" (at most {_MAX_PLAUSIBLE_CHANNELS} channels are accepted)" if c > _MAX_PLAUSIBLE_CHANNELS else "")
        )


def _umask() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # not thread-safe, hence only where /proc says nothing
    os.umask(mask)
    return mask


def _libsndfile_errno(sfo: soundfile.SoundFile | None, folder: str) -> tuple[int, str | None]:
    """The OS error behind a libsndfile "System error": errno and its text, as well as can be told."""
    from soundfile import _ffi, _snd

    text = None
    if sfo is not None and getattr(sfo, "_file", None) is not None:
        try:
            text = _ffi.string(_snd.sf_strerror(sfo._file)).decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - best effort; the errno below still applies
            text = None
    candidates = [_ffi.errno] + sorted(_errno.errorcode)
    if text:
        for code in candidates:
            if code and os.strerror(code) in text:
                return code, os.strerror(code)
    code = _ffi.errno
    try:
        if os.statvfs(folder).f_bavail == 0:
            return _errno.ENOSPC, os.strerror(_errno.ENOSPC)
    except OSError:
        pass
    return (code or _errno.EIO), None


def _fsync_path(path: str, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_frames(sfo: soundfile.SoundFile, data: np.ndarray) -> None:
    """Write ``data`` (n,) or (n, channels) in blocks (no full-size contiguous copy of a transposed array)."""
    for i in range(0, data.shape[0], _BLOCK):
        sfo.write(np.ascontiguousarray(data[i : i + _BLOCK]))


@capabilities(torch=False, batch=False)
def save(
    path: str | os.PathLike[str] | BinaryIO,
    y: Any,
    sr: int,
    *,
    subtype: str | None = None,
    format: str | None = None,
    overwrite: bool = True,
) -> None:
    """Write a signal to an audio file, atomically.

    The signal is written to a temporary file in the destination's folder, flushed to disk, checked
    (rate, channels, frames), and then renamed over the destination (``os.replace``). On any failure --
    a bad parameter, a full disk, an exception, Ctrl-C -- the destination is left untouched and the
    temporary file is removed.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        Where to write. The format comes from the extension unless ``format`` is given (required for
        file objects without a name). A symlink is followed: its target is replaced. File objects, devices
        (``/dev/null``) and FIFOs are written directly: there is no file to replace atomically.
    y : np.ndarray or torch.Tensor, shape (n,) or (channels, n)
        The signal (time on the last axis, as everywhere in audiofeat and librosa). Floating-point
        samples are expected in [-1, 1]; int16 and int32 arrays are written as full-scale PCM. Tensors
        are detached and moved to the CPU.
    sr : int > 0
        Sampling rate in Hz.
    subtype : str, optional
        Sample encoding (``"PCM_16"``, ``"PCM_24"``, ``"FLOAT"``, ...); if None, the format's default:

        ===========================  ===================  ======================================
        extension                    format               default subtype
        ===========================  ===================  ======================================
        .wav                         WAV                  PCM_16
        .flac                        FLAC                 PCM_16
        .ogg, .oga                   OGG                  VORBIS
        .opus                        OGG                  OPUS
        .mp3                         MP3                  MPEG_LAYER_III
        .aiff, .aif                  AIFF                 PCM_16
        .caf, .au, .w64, .rf64       CAF, AU, W64, RF64   PCM_16
        ===========================  ===================  ======================================

        Use ``subtype="FLOAT"`` (WAV, AIFF, CAF, AU, W64, RF64) to store float samples unchanged.
    format : str, optional
        Container format (``"WAV"``, ``"FLAC"``, ``"OGG"``, ``"MP3"``, ...); from the extension if None.
    overwrite : bool
        Replace an existing file (the default, as ``soundfile.write`` and ``librosa`` users expect).
        ``False`` raises ``AudioFileExistsError`` when the destination exists.

    Returns
    -------
    None

    Warns
    -----
    ClippingWarning
        Float samples beyond [-1, 1] written to an integer subtype (PCM_16 by default) are clipped; the
        warning gives the peak value.

    Raises
    ------
    ParameterError
        ``sr`` not a positive integer; ``y`` with more than 2 dimensions, non-finite samples, an unsupported
        dtype, or the shape of soundfile's ``(frames, channels)`` layout (more channels than samples, or
        more than 64 channels); an unknown format, a format/subtype combination libsndfile rejects, a rate
        or channel count the encoder does not support (Vorbis: 1-200000 Hz and at most 255 channels; Opus:
        8/12/16/24/48 kHz; MP3: 8-48 kHz MPEG rates and at most 2 channels; FLAC: up to 655350 Hz and 8
        channels); a closed, text-mode or unseekable file object.
    AudioFileNotFoundError
        The folder to write into does not exist.
    AudioIsADirectoryError
        The destination is a directory.
    AudioFileExistsError
        ``overwrite=False`` and the destination exists.
    UnreadableAudioError
        No permission to write in the folder.
    AudioFileError
        Any other OS failure (a full disk, an I/O error): ``.reason == "io"``, ``.errno`` set, and the
        message names the errno (``ENOSPC``) and the path.

    Notes
    -----
    After ``kill -9`` or a power cut during a save, a temporary file named ``.NAME.audiofeat-tmp-XXXXXXXX``
    may remain next to the destination (nothing can remove it then); the destination itself is always
    either the old file or the complete new one. A new file gets the permissions ``open()`` would give
    it; a replaced file keeps its permissions.

    A file object (``io.BytesIO``, an open file) cannot be replaced atomically: it is written directly,
    and on failure it may hold a partial file.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "noise.flac")
    >>> save(path, np.zeros((2, 1000), dtype=np.float32), 8000, subtype="PCM_24")
    >>> info(path).subtype
    'PCM_24'
    >>> save(path, np.zeros(10, dtype=np.float32), 8000, overwrite=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    audiofeat.errors.AudioFileExistsError: ...noise.flac: already exists (overwrite=False)
    """
    rate = check_positive("sr", sr, _HZ)
    if not rate.is_integer():
        raise ParameterError(f"sr={sr!r} must be a whole number of samples per second to be saved")
    if is_torch(y):
        y = to_numpy(y)  # detached, on the CPU; bfloat16 (which numpy lacks) as float32
    if not isinstance(y, np.ndarray):
        raise BackendError(
            f"save expects a numpy.ndarray or a torch.Tensor, got {type(y).__name__}"
        )
    if y.ndim not in (1, 2):
        raise ParameterError(
            f"expected audio of shape (n,) or (channels, n), got {y.ndim} dimensions {y.shape}"
        )
    _check_layout(y)
    peak = 0.0
    if np.issubdtype(y.dtype, np.floating):
        if y.size:
            hi, lo = float(y.max()), float(y.min())  # NaN propagates; no |y| temporary
            if not (math.isfinite(hi) and math.isfinite(lo)):
                raise ParameterError("audio contains non-finite samples (NaN or inf); cannot save it")
            peak = max(abs(hi), abs(lo))
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
    if is_path and os.path.isdir(path):
        raise AudioIsADirectoryError(name, "cannot write: is a directory")
    fmt = format
    if fmt is None and is_path:
        ext = os.path.splitext(os.fspath(path))[1].lstrip(".").upper()
        fmt = {"AIF": "AIFF", "OGA": "OGG", "OPUS": "OGG"}.get(ext, ext)
        if fmt == "OGG" and subtype is None and os.fspath(path).lower().endswith(".opus"):
            subtype = "OPUS"
    if not fmt or not isinstance(fmt, str) or fmt.upper() not in soundfile.available_formats():
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
    resolved = (subtype or soundfile.default_subtype(fmt) or "").upper()
    channels = 1 if data.ndim == 1 else data.shape[1]
    _check_encoder(name, fmt, resolved, int(rate), channels)
    if peak > 1.0 and resolved not in _FLOAT_SUBTYPES | _LOSSY:
        warn_user(
            f"{name}: float samples reach {peak:.6g}, beyond [-1, 1]; subtype {resolved} clips them "
            f"(divide y by {peak:.6g} to keep the shape, or save with subtype='FLOAT')",
            ClippingWarning,
        )
    params = dict(samplerate=int(rate), channels=channels, subtype=subtype, format=fmt)
    if not is_path:
        _check_file_object(path, name, writing=True)
        _write_direct(path, name, data, params)
        return
    _write_atomic(os.fspath(path), name, data, params, overwrite)


def _open_for_writing(target: Any, name: str, params: dict, folder: str | None) -> soundfile.SoundFile:
    try:
        return soundfile.SoundFile(target, "w", **params)
    except PermissionError as err:
        raise UnreadableAudioError(name, f"cannot write: {err.strerror or err}") from err
    except (soundfile.SoundFileError, RuntimeError, OSError) as err:
        message = _libsndfile_message(err)
        if "system error" in message.lower():  # the OS refused (permissions, read-only disk, full disk)
            code, text = _libsndfile_errno(None, folder or ".")
            raise _os_error(name, "write", code, text) from err
        # libsndfile rejected the parameters (e.g. a rate the codec does not support)
        raise ParameterError(
            f"cannot write {name} as {params['format']} (subtype {params['subtype'] or 'default'}, "
            f"sr={params['samplerate']}, {params['channels']} channels): {message}"
        ) from err
    except (ValueError, TypeError) as err:
        raise ParameterError(f"cannot write {name}: {err}") from err


def _write_direct(f: Any, name: str, data: np.ndarray, params: dict) -> None:
    """Write to a file object, a device or a FIFO (no atomic replace is possible there)."""
    sfo = _open_for_writing(f, name, params, None)
    try:
        with sfo:
            _write_frames(sfo, data)
    except (soundfile.SoundFileError, RuntimeError, OSError, AssertionError) as err:
        raise AudioFileError(name, f"cannot write: {_libsndfile_message(err)}") from err


def _write_atomic(dest: str, name: str, data: np.ndarray, params: dict, overwrite: bool) -> None:
    """Write to ``.NAME.audiofeat-tmp-XXXXXXXX`` in the destination's folder, fsync, verify, os.replace."""
    if os.path.islink(dest):
        dest = os.path.realpath(dest)  # replace the target, keep the link
    folder = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(folder):
        raise AudioFileNotFoundError(name, f"cannot write: folder {folder} does not exist")
    if os.path.isdir(dest):
        raise AudioIsADirectoryError(name, "cannot write: is a directory")
    exists = os.path.lexists(dest)
    if exists and not overwrite:
        raise AudioFileExistsError(name, "already exists (overwrite=False)")
    try:
        special = exists and not stat.S_ISREG(os.stat(dest).st_mode)
    except OSError:
        special = False
    if special:
        # a device (/dev/null) or a FIFO: there is no file to replace, and renaming a file over it would
        # destroy the node; write into it directly
        _write_direct(dest, name, data, params)
        return
    try:
        mode = stat.S_IMODE(os.stat(dest).st_mode) if exists else 0o666 & ~_umask()
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(dest)}{_TMP_MARK}", dir=folder)
    except PermissionError as err:
        raise UnreadableAudioError(name, f"cannot write in {folder}: {err.strerror or err}") from err
    except OSError as err:
        raise _os_error(name, "write", err.errno, err.strerror) from err
    try:
        os.close(fd)
        os.chmod(tmp, mode)
        sfo = _open_for_writing(tmp, name, params, folder)
        try:
            _write_frames(sfo, data)
        except (soundfile.SoundFileError, RuntimeError, OSError, AssertionError) as err:
            code, text = _libsndfile_errno(sfo, folder)
            raise _os_error(name, "write", code, text) from err
        finally:
            try:
                sfo.close()
            except (soundfile.SoundFileError, RuntimeError, OSError) as err:  # header rewrite on close
                code, text = _libsndfile_errno(None, folder)
                raise _os_error(name, "write", code, text) from err
        try:
            _fsync_path(tmp)
        except OSError as err:
            raise _os_error(name, "write", err.errno, err.strerror) from err
        _verify_written(tmp, name, data.shape[0], params)
        try:
            os.replace(tmp, dest)
        except OSError as err:
            raise _os_error(name, "replace", err.errno, err.strerror) from err
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        _fsync_path(folder, directory=True)  # make the rename durable; best effort
    except OSError:
        pass


def _verify_written(tmp: str, name: str, frames: int, params: dict) -> None:
    """Read the header of what was just written: a format that cannot hold the parameters must not win."""
    try:
        with soundfile.SoundFile(tmp) as check:
            got = (int(check.samplerate), int(check.channels), int(check.frames))
    except (soundfile.SoundFileError, RuntimeError, OSError) as err:
        raise AudioFileError(name, f"cannot write: the file written cannot be read back ({err})") from err
    want = (params["samplerate"], params["channels"], frames)
    exact_length = params["format"] not in ("MP3", "OGG")  # codecs that may pad the last packet
    if got[:2] != want[:2] or (exact_length and got[2] != want[2]):
        raise ParameterError(
            f"cannot write {name} as {params['format']}: it would read back as sr={got[0]}, "
            f"{got[1]} channels, {got[2]} frames instead of sr={want[0]}, {want[1]} channels, {want[2]} frames"
        )


# --------------------------------------------------------------------------------------------------
# streaming
# --------------------------------------------------------------------------------------------------
@capabilities(librosa="librosa.stream", torch=False, batch=False)
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
    strict: bool = False,
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
    strict : bool
        A truncated file raises ``TruncatedAudioError`` (from the call) instead of warning.

    Returns
    -------
    generator of np.ndarray
        Blocks of shape ``(samples,)`` (mono or a one-channel file) or ``(channels, samples)``.

    Warns
    -----
    TruncatedAudioWarning
        From the call, when the header promises more frames than the file holds (as :func:`load`).

    Raises
    ------
    ParameterError
        Bad block/frame/hop lengths, ``offset``, ``duration`` or ``dtype``; a pipe, or a closed, text-mode
        or unseekable file object -- raised by the call itself, not on the first ``next()``.
    TruncatedAudioError
        With ``strict=True``, for a truncated file (from the call).
    NonFiniteAudioError
        From ``next()``, for the first block holding NaN or inf samples.
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
        got = _frames_of(sfo, path, name)
        start, count = _span_frames(sfo, name, off, dur, got.present)
        if got.truncated:
            wanted_end = got.promised if count < 0 else min(start + count, got.promised)
            if got.present is None or wanted_end > got.present:
                _truncated(name, got.promised, got.present, int(sfo.samplerate), strict)
        raw = got.unknown_length
        if _skip(sfo, name, start, raw, dt) < start:
            raise ParameterError(f"offset={off} s is at or beyond the end of {name}")
    except BaseException:
        if owned:
            sfo.close()
        raise
    if got.present is not None:
        remaining = got.present - start
        if count < 0:
            total: int | None = remaining
        else:
            total = count if fill_value is not None else min(count, remaining)
    else:
        total = None if count < 0 else count
    blocksize = frame_length + (block_length - 1) * hop_length
    step = block_length * hop_length
    return _blocks(sfo, name, owned, blocksize, step, total, fill_value, dt, mono, raw, start)


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
    raw: bool = False,
    first: int = 0,
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
                if sfo.seekable() and not raw:
                    with _decoding(name):
                        # not past the end: with fill_value the span may reach beyond it (libsndfile's seek
                        # fails there, which read as a corrupt file); the frames after the end are fill
                        gap = min(b0 - consumed, max(0, sfo.frames - sfo.tell()))
                        if gap:
                            sfo.seek(gap, soundfile.SEEK_CUR)
                else:
                    for _ in _iter_frames(sfo, name, dtype, b0 - consumed, raw, first + consumed):
                        pass
                consumed = b0
                carry = carry[:0]
            else:
                carry = carry[carry.shape[0] - (consumed - b0) :]
            want = b0 + blocksize - consumed
            if total is not None:
                want = min(want, total - consumed)
            if want <= 0 and b0 > 0:
                return
            new = np.empty((max(want, 0), channels), dtype=dtype)
            k = 0
            while k < new.shape[0]:  # a decoder may return short reads before the end
                r = _read_block(sfo, name, new[k:], raw)
                if r <= 0:
                    break
                k += r
            new = new[:k]
            _check_finite(new, name, first + consumed, sfo.samplerate)
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
