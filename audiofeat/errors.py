"""The one error hierarchy of audiofeat.

Every error that audiofeat raises on purpose derives from :class:`AudiofeatError`, so a caller (or a
pipeline that must not lose the rest of a batch) can catch one type. Each subclass also derives from the
matching built-in exception, so code written against ``ValueError`` or ``OSError`` keeps working::

    AudiofeatError
    ├── ParameterError (ValueError)          a parameter or an input array is invalid
    ├── BackendError (TypeError)             an array type audiofeat cannot work with
    ├── MissingDependencyError (ImportError) an optional package (torch, resampy, ...) is not installed
    └── AudioFileError (OSError)             a file could not be turned into audio; ``.path``, ``.reason``
        ├── AudioFileNotFoundError (FileNotFoundError)   reason "missing"
        ├── UnreadableAudioError                         reason "unreadable" (permissions, a directory)
        ├── NotAudioError                                reason "not_audio" (no known audio format)
        ├── CorruptAudioError                            reason "corrupt" (audio header that cannot be parsed)
        └── EmptyAudioError                              reason "empty" (no frames to read)

Messages say what was wrong and what is expected; file errors name the path.
"""

from __future__ import annotations

import os

__all__ = [
    "AudiofeatError",
    "ParameterError",
    "BackendError",
    "MissingDependencyError",
    "AudioFileError",
    "AudioFileNotFoundError",
    "UnreadableAudioError",
    "NotAudioError",
    "CorruptAudioError",
    "EmptyAudioError",
]


class AudiofeatError(Exception):
    """Base class of every error audiofeat raises on purpose."""


class ParameterError(AudiofeatError, ValueError):
    """A parameter or input array is invalid (wrong value, shape, dtype, or non-finite samples)."""


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
        ``"corrupt"``, ``"empty"`` or ``"io"`` (any other failure while reading).
    detail : str
        The human-readable explanation (also part of ``str(error)``).
    """

    reason = "io"

    def __init__(self, path: str | os.PathLike, detail: str, reason: str | None = None) -> None:
        self.path = os.fspath(path)
        self.detail = detail
        if reason is not None:
            self.reason = reason
        super().__init__(f"{self.path}: {detail}")

    def __str__(self) -> str:  # OSError's own __str__ would print the errno form
        return f"{self.path}: {self.detail}"

    def __reduce__(self):  # keep the error picklable across process pools
        return (type(self), (self.path, self.detail, self.reason))


class AudioFileNotFoundError(AudioFileError, FileNotFoundError):
    """The path does not exist."""

    reason = "missing"


class UnreadableAudioError(AudioFileError, PermissionError):
    """The path exists but cannot be opened for reading (permissions, or it is a directory)."""

    reason = "unreadable"


class NotAudioError(AudioFileError):
    """The file is not in any audio format that audiofeat can read."""

    reason = "not_audio"


class CorruptAudioError(AudioFileError):
    """The file looks like audio (a known signature) but its header or data cannot be decoded."""

    reason = "corrupt"


class EmptyAudioError(AudioFileError):
    """The file is valid audio but holds no frames (or none in the requested span)."""

    reason = "empty"
