"""audiofeat: librosa's audio features, fast, on numpy or torch, over a file, a folder or a corpus.

Change ``import librosa`` to ``import audiofeat`` for the functions it has: the same names, keywords,
defaults and shapes. numpy in gives numpy out; torch in gives torch out on the same device, batched and
differentiable. See ``docs/architecture.md`` for the layers and conventions.

>>> import numpy as np, audiofeat
>>> y = np.zeros(22050, dtype=np.float32)
>>> audiofeat.mfcc(y=y, sr=22050).shape
(20, 44)
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import errors, filters
from ._librosa import missing_attribute as _missing_attribute
from ._ops import get_fft_backend, set_fft_backend
from ._parallel import get_num_threads, set_num_threads
from .errors import (
    AudioFileError,
    AudiofeatError,
    AudiofeatWarning,
    BackendError,
    ClippingWarning,
    MissingDependencyError,
    ParameterError,
    TruncatedAudioWarning,
)
from .effects_impl import deemphasis, preemphasis, speed
from .filters import hz_to_mel, mel_frequencies, mel_to_hz
from .io import info, load, save, stream
from .lufs import loudness, loudness_momentary, loudness_short_term
from .phase import phase_vocoder, pitch_shift, time_stretch
from .resampling import resample
from .spectral import (
    amplitude_to_db,
    db_to_amplitude,
    db_to_power,
    melspectrogram,
    mfcc,
    power_to_db,
)
from .shorttime import fft_frequencies, get_window, istft, magphase, stft
from .temporal import (
    delta,
    frame,
    frames_to_samples,
    frames_to_time,
    samples_to_frames,
    samples_to_time,
    stack_memory,
    time_to_frames,
    time_to_samples,
)

# librosa-named namespaces (after the functions they hand on)
from . import beat, core, decompose, effects, feature, onset, segment, sequence, util  # noqa: E402

__all__ = [
    "__version__",
    "errors",
    "filters",
    "feature",
    "util",
    "onset",
    "beat",
    "effects",
    "sequence",
    "decompose",
    "segment",
    "core",
    "AudiofeatError",
    "ParameterError",
    "BackendError",
    "MissingDependencyError",
    "AudioFileError",
    "AudiofeatWarning",
    "TruncatedAudioWarning",
    "ClippingWarning",
    "get_num_threads",
    "set_num_threads",
    "get_fft_backend",
    "set_fft_backend",
    # io
    "load",
    "save",
    "info",
    "stream",
    "resample",
    # short-time analysis
    "get_window",
    "stft",
    "istft",
    "magphase",
    "fft_frequencies",
    # psychoacoustics
    "hz_to_mel",
    "mel_to_hz",
    "mel_frequencies",
    # spectral features
    "melspectrogram",
    "mfcc",
    "power_to_db",
    "amplitude_to_db",
    "db_to_power",
    "db_to_amplitude",
    # loudness (ITU-R BS.1770-4)
    "loudness",
    "loudness_momentary",
    "loudness_short_term",
    # phase and effects
    "phase_vocoder",
    "time_stretch",
    "pitch_shift",
    "preemphasis",
    "deemphasis",
    "speed",
    # temporal
    "frame",
    "delta",
    "stack_memory",
    "frames_to_time",
    "time_to_frames",
    "frames_to_samples",
    "samples_to_frames",
    "samples_to_time",
    "time_to_samples",
]


_librosa_getattr = _missing_attribute(__name__, "")


def __getattr__(name: str):
    # audiofeat.nn imports torch; load it (and the streaming front-ends) only when asked for.
    if name in ("nn", "streaming"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    return _librosa_getattr(name)
