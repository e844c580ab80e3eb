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

from ._heap import keep_heap_pad as _keep_heap_pad

# numpy calls on short signals make many short-lived 0.1-2 MB temporaries: keep glibc from returning them to
# the OS after every call (a 5 s stft took 874 page faults and 2.3 ms instead of 0.9; see audiofeat/_heap.py)
_keep_heap_pad()

from . import errors, filters, wavelets
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
from .descriptors import (
    chroma_stft,
    pcen,
    poly_features,
    spectral_bandwidth,
    spectral_centroid,
    spectral_contrast,
    spectral_flatness,
    spectral_rolloff,
    tonnetz,
)
from .effects_impl import deemphasis, preemphasis, speed
from .energy import (
    energy_onset_strength,
    onset_backtrack,
    onset_detect,
    onset_strength,
    onset_strength_multi,
    peak_pick,
    rms,
    split,
    trim,
    voice_activity,
)
from .filters import hz_to_mel, mel_frequencies, mel_to_hz
from .summaries import functional_names, functionals
from .featureset import extract_features, feature_names
from .filters import (
    cqt_frequencies,
    hz_to_mel,
    hz_to_midi,
    hz_to_note,
    hz_to_octs,
    mel_frequencies,
    mel_to_hz,
    midi_to_hz,
    midi_to_note,
    note_to_hz,
    note_to_midi,
    octs_to_hz,
)
from .constantq import chroma_cens, chroma_cqt, cqt, hybrid_cqt, icqt, pseudo_cqt, vqt
from .io import info, load, save, stream
from .lufs import loudness, loudness_momentary, loudness_short_term
from .phase import phase_vocoder, pitch_shift, time_stretch
from .psychoacoustics import (
    A_weighting,
    B_weighting,
    C_weighting,
    D_weighting,
    Z_weighting,
    bark_frequencies,
    bark_to_hz,
    barkspectrogram,
    erb_bandwidth,
    erb_frequencies,
    erb_to_hz,
    frequency_weighting,
    gammatonegram,
    gtcc,
    hz_to_bark,
    hz_to_erb,
    multi_frequency_weighting,
    perceptual_weighting,
    weighting_filter,
)
from .phase_analysis import griffinlim, group_delay, reassigned_spectrogram, unwrap
from .noise import add_noise, estimate_snr, formants, lpc, lpc_envelope, snr, spectral_gate, wiener
from .align import pool_segments, resample_frames
from .pitch import autocorrelate, estimate_tuning, hnr, piptrack, pitch_tuning, pyin, yin
from .resampling import resample
from .rhythm import beat_track, fourier_tempo_frequencies, fourier_tempogram, plp, tempo, tempo_frequencies, tempogram
from .spectral import (
    amplitude_to_db,
    db_to_amplitude,
    db_to_power,
    melspectrogram,
    mfcc,
    power_to_db,
)
from .shorttime import fft_frequencies, get_window, istft, magphase, stft
from .wavelets import cwt
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
    zero_crossing_rate,
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
    "hz_to_bark",
    "bark_to_hz",
    "hz_to_erb",
    "erb_to_hz",
    "erb_bandwidth",
    "bark_frequencies",
    "erb_frequencies",
    "barkspectrogram",
    "gammatonegram",
    "gtcc",
    "A_weighting",
    "B_weighting",
    "C_weighting",
    "D_weighting",
    "Z_weighting",
    "frequency_weighting",
    "multi_frequency_weighting",
    "perceptual_weighting",
    "weighting_filter",
    # time-frequency
    "cwt",
    "wavelets",
    "hz_to_midi",
    "midi_to_hz",
    "hz_to_octs",
    "octs_to_hz",
    "note_to_midi",
    "note_to_hz",
    "midi_to_note",
    "hz_to_note",
    "cqt_frequencies",
    # constant-Q transforms
    "cqt",
    "vqt",
    "hybrid_cqt",
    "pseudo_cqt",
    "icqt",
    "chroma_cqt",
    "chroma_cens",
    # spectral features
    "melspectrogram",
    "mfcc",
    "power_to_db",
    "amplitude_to_db",
    "db_to_power",
    "db_to_amplitude",
    # functionals (fixed-length summaries) and the named feature set
    "functionals",
    "functional_names",
    "extract_features",
    "feature_names",
    "pcen",
    # frequency-content descriptors
    "spectral_centroid",
    "spectral_bandwidth",
    "spectral_rolloff",
    "spectral_flatness",
    "spectral_contrast",
    "poly_features",
    "chroma_stft",
    "tonnetz",
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
    # phase analysis
    "unwrap",
    "reassigned_spectrogram",
    "group_delay",
    "griffinlim",
    # noise sensitivity
    "snr",
    "estimate_snr",
    "add_noise",
    "spectral_gate",
    "wiener",
    "lpc",
    "lpc_envelope",
    "formants",
    # multimodal alignment
    "resample_frames",
    "pool_segments",
    # periodicity
    "autocorrelate",
    "yin",
    "pyin",
    "piptrack",
    "estimate_tuning",
    "pitch_tuning",
    "hnr",
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
    "zero_crossing_rate",
    # energy distribution: energy, onsets, endpoints, voice activity
    "rms",
    "peak_pick",
    "onset_strength",
    "onset_strength_multi",
    "onset_detect",
    "onset_backtrack",
    "energy_onset_strength",
    "trim",
    "split",
    "voice_activity",
    # rhythm
    "tempo",
    "beat_track",
    "tempogram",
    "fourier_tempogram",
    "plp",
    "tempo_frequencies",
    "fourier_tempo_frequencies",
]


_librosa_getattr = _missing_attribute(__name__, "")


def __getattr__(name: str):
    # audiofeat.nn imports torch; load it (and the streaming front-ends) only when asked for.
    if name in ("nn", "streaming"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    return _librosa_getattr(name)
