"""The one error hierarchy of audiofeat.

Every error that audiofeat raises on purpose derives from :class:`AudiofeatError`, so a caller (or a
pipeline that must not lose the rest of a batch) can catch one type. Each subclass also derives from the
matching built-in exception, so code written against ``ValueError`` or ``OSError`` keeps working::

    AudiofeatError
    ├── ParameterError (ValueError)          a parameter or an input array is invalid
    ├── BackendError (TypeError)             an array type audiofeat cannot work with
    ├── MissingDependencyError (ImportError) an optional package (torch, resampy, ...) is not installed
    └── AudioFileError (OSError)             a file could not be turned into audio; ``.path``, ``.reason``
        ├── AudioFileNotFoundError (FileNotFoundError)   reason "missing" (also: the folder to save into)
        ├── UnreadableAudioError (PermissionError)       reason "unreadable" (no permission)
        ├── AudioIsADirectoryError (IsADirectoryError)   reason "unreadable" (a directory, read or written)
        ├── AudioFileExistsError (FileExistsError)       reason "exists" (save(..., overwrite=False))
        ├── NotAudioError                                reason "not_audio" (no known audio format)
        ├── CorruptAudioError                            reason "corrupt" (audio header that cannot be parsed)
        │   └── TruncatedAudioError                      reason "truncated" (header promises more frames)
        ├── NonFiniteAudioError                          reason "non_finite" (float file holding NaN/inf)
        └── EmptyAudioError                              reason "empty" (no frames to read)

Warnings derive from :class:`AudiofeatWarning` and from the matching built-in category, so
``warnings.simplefilter("error", TruncatedAudioWarning)`` or ``-W error::UserWarning`` both work::

    AudiofeatWarning (Warning)
    ├── TruncatedAudioWarning (UserWarning)   load() read fewer frames than the header promised
    └── ClippingWarning (UserWarning)         save() clipped float samples beyond [-1, 1] to a PCM subtype

Messages say what was wrong and what is expected; file errors name the path.
"""

from __future__ import annotations

import os

__all__ = [
    "AudiofeatError",
    "ParameterError",
    "SignalTooShortError",
    "BackendError",
    "MissingDependencyError",
    "AudioFileError",
    "AudioFileNotFoundError",
    "UnreadableAudioError",
    "NotAudioError",
    "CorruptAudioError",
    "EmptyAudioError",
    "AudioIsADirectoryError",
    "AudioFileExistsError",
    "TruncatedAudioError",
    "NonFiniteAudioError",
    "AudiofeatWarning",
    "TruncatedAudioWarning",
    "ClippingWarning",
]


class AudiofeatError(Exception):
    """Base class of every error audiofeat raises on purpose."""


class ParameterError(AudiofeatError, ValueError):
    """A parameter or input array is invalid (wrong value, shape, dtype, or non-finite samples)."""


class SignalTooShortError(ParameterError):
    """The signal is valid but shorter than the analysis needs: BS.1770 loudness of a clip under one 400 ms
    block, say. A :class:`ParameterError`; the pipeline writes NaN for such a scalar feature (with a warning)
    instead of losing the file's other features."""


class BackendError(AudiofeatError, TypeError):
    """The input is of an array type audiofeat cannot work with, or an optional backend is missing."""


class MissingDependencyError(AudiofeatError, ImportError):
    """An optional package needed for this call is not installed; the message says what to install."""


class AudioFileError(AudiofeatError, OSError):
    """A path could not be read as audio.

    Attributes
    ----------
    path : str
        The path that failed.
    reason : str
        A short machine-readable code: ``"missing"``, ``"unreadable"``, ``"not_audio"``,
        ``"corrupt"``, ``"truncated"``, ``"non_finite"``, ``"empty"``, ``"exists"``, ``"changed"`` (the file
        changed between two reads of one extraction) or ``"io"`` (any
        other failure while reading or writing, e.g. a full disk; then ``.errno`` and ``.strerror`` are
        those of the OS error, and the message names the errno, e.g. ``ENOSPC``).
    detail : str
        The human-readable explanation (also part of ``str(error)``).
    """

    reason = "io"

    def __init__(self, path: str | os.PathLike, detail: str | None = None, reason: str | None = None) -> None:
        if detail is None:
            # one argument: a message without a path, as torch's DataLoader re-raises a worker's error
            # (``type(error)(message)``; the message holds the worker's traceback, path included). Without
            # this form the user got a RuntimeError instead of the typed error.
            path, detail = "", str(path)
        self.path = os.fspath(path)
        self.detail = detail
        if reason is not None:
            self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:  # OSError's own __str__ would print the errno form
        return f"{self.path}: {self.detail}" if self.path else self.detail

    def __reduce__(self):  # keep the error picklable across process pools
        state = {k: v for k, v in self.__dict__.items() if k not in ("path", "detail", "reason")}
        if self.errno is not None:  # OSError slots, not in __dict__: restored by BaseException.__setstate__
            state["errno"], state["strerror"] = self.errno, self.strerror
        return (type(self), (self.path, self.detail, self.reason), state or None)


class AudioFileNotFoundError(AudioFileError, FileNotFoundError):
    """The path does not exist."""

    reason = "missing"


class UnreadableAudioError(AudioFileError, PermissionError):
    """The path exists but cannot be opened (no permission)."""

    reason = "unreadable"


class AudioIsADirectoryError(AudioFileError, IsADirectoryError):
    """The path is a directory, not an audio file (reading it, or saving over it)."""

    reason = "unreadable"


class AudioFileExistsError(AudioFileError, FileExistsError):
    """``save(..., overwrite=False)`` and the destination already exists."""

    reason = "exists"


class NotAudioError(AudioFileError):
    """The file is not in any audio format that audiofeat can read."""

    reason = "not_audio"


class CorruptAudioError(AudioFileError):
    """The file looks like audio (a known signature) but its header or data cannot be decoded."""

    reason = "corrupt"


class TruncatedAudioError(CorruptAudioError):
    """The header promises more frames than the file holds (a cut download, a recorder that died).

    Raised by ``load(..., strict=True)``; without ``strict`` a :class:`TruncatedAudioWarning` is issued and
    the frames that are there are returned.
    """

    reason = "truncated"


class NonFiniteAudioError(AudioFileError):
    """A floating-point file holds NaN or infinite samples, which no feature can be computed from."""

    reason = "non_finite"


class EmptyAudioError(AudioFileError):
    """The file is valid audio but holds no frames (or none in the requested span)."""

    reason = "empty"


class AudiofeatWarning(Warning):
    """Base class of every warning audiofeat issues on purpose."""


class TruncatedAudioWarning(AudiofeatWarning, UserWarning):
    """:func:`audiofeat.load` returned fewer frames than the file's header promised (a truncated file)."""


class ClippingWarning(AudiofeatWarning, UserWarning):
    """:func:`audiofeat.save` wrote float samples beyond [-1, 1] to an integer subtype, which clips them."""
