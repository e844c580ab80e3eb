"""The core (librosa.core): audio I/O, resampling, spectral transforms and unit conversions.

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.core`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
"""

from ._librosa import missing_attribute
from .cqt import cqt, hybrid_cqt, icqt, pseudo_cqt, vqt
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
from .io import load, stream
from .phase import phase_vocoder
from .resampling import resample
from .shorttime import fft_frequencies, istft, magphase, stft
from .spectral import amplitude_to_db, db_to_amplitude, db_to_power, power_to_db
from .temporal import (
    frames_to_samples,
    frames_to_time,
    samples_to_frames,
    samples_to_time,
    time_to_frames,
    time_to_samples,
)

__all__ = ["cqt", "vqt", "hybrid_cqt", "pseudo_cqt", "icqt", "cqt_frequencies", "hz_to_midi", "midi_to_hz", "hz_to_octs", "octs_to_hz", "note_to_midi", "note_to_hz", "midi_to_note", "hz_to_note", "phase_vocoder", "load", "stream", "resample", "stft", "istft", "magphase", "fft_frequencies", "mel_frequencies", "hz_to_mel", "mel_to_hz", "amplitude_to_db", "db_to_amplitude", "power_to_db", "db_to_power", "frames_to_samples", "frames_to_time", "samples_to_frames", "samples_to_time", "time_to_frames", "time_to_samples"]
__getattr__ = missing_attribute(__name__, "core")
