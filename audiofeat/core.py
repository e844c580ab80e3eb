"""The core (librosa.core): audio I/O, resampling, spectral transforms and unit conversions.

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.core`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
"""

from ._librosa import missing_attribute
from .descriptors import pcen
from .filters import hz_to_mel, mel_frequencies, mel_to_hz
from .constantq import cqt, hybrid_cqt, icqt, pseudo_cqt, vqt
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
from .noise import lpc
from .phase import phase_vocoder
from .psychoacoustics import (
    A_weighting,
    B_weighting,
    C_weighting,
    D_weighting,
    Z_weighting,
    frequency_weighting,
    multi_frequency_weighting,
    perceptual_weighting,
)
from .phase_analysis import griffinlim, reassigned_spectrogram
from .pitch import autocorrelate, estimate_tuning, piptrack, pitch_tuning, pyin, yin
from .resampling import resample
from .rhythm import fourier_tempo_frequencies, tempo_frequencies
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

__all__ = ["phase_vocoder", "load", "stream", "resample", "stft", "istft", "magphase", "fft_frequencies", "mel_frequencies", "hz_to_mel", "mel_to_hz", "amplitude_to_db", "db_to_amplitude", "power_to_db", "db_to_power", "pcen", "frames_to_samples", "frames_to_time", "samples_to_frames", "samples_to_time", "time_to_frames", "time_to_samples", "A_weighting", "B_weighting", "C_weighting", "D_weighting", "Z_weighting", "frequency_weighting", "multi_frequency_weighting", "perceptual_weighting"]
__all__ = ["phase_vocoder", "load", "stream", "resample", "stft", "istft", "magphase", "fft_frequencies", "mel_frequencies", "hz_to_mel", "mel_to_hz", "amplitude_to_db", "db_to_amplitude", "power_to_db", "db_to_power", "frames_to_samples", "frames_to_time", "samples_to_frames", "samples_to_time", "time_to_frames", "time_to_samples",
           "tempo_frequencies", "fourier_tempo_frequencies"]
__all__ = ["phase_vocoder", "griffinlim", "reassigned_spectrogram", "lpc", "load", "stream", "resample", "stft", "istft", "magphase", "fft_frequencies", "mel_frequencies", "hz_to_mel", "mel_to_hz", "amplitude_to_db", "db_to_amplitude", "power_to_db", "db_to_power", "frames_to_samples", "frames_to_time", "samples_to_frames", "samples_to_time", "time_to_frames", "time_to_samples"]
__all__ = ["phase_vocoder", "autocorrelate", "estimate_tuning", "piptrack", "pitch_tuning", "pyin", "yin", "load", "stream", "resample", "stft", "istft", "magphase", "fft_frequencies", "mel_frequencies", "hz_to_mel", "mel_to_hz", "amplitude_to_db", "db_to_amplitude", "power_to_db", "db_to_power", "frames_to_samples", "frames_to_time", "samples_to_frames", "samples_to_time", "time_to_frames", "time_to_samples"]
__all__ = ["cqt", "vqt", "hybrid_cqt", "pseudo_cqt", "icqt", "cqt_frequencies", "hz_to_midi", "midi_to_hz", "hz_to_octs", "octs_to_hz", "note_to_midi", "note_to_hz", "midi_to_note", "hz_to_note", "phase_vocoder", "load", "stream", "resample", "stft", "istft", "magphase", "fft_frequencies", "mel_frequencies", "hz_to_mel", "mel_to_hz", "amplitude_to_db", "db_to_amplitude", "power_to_db", "db_to_power", "frames_to_samples", "frames_to_time", "samples_to_frames", "samples_to_time", "time_to_frames", "time_to_samples"]
__getattr__ = missing_attribute(__name__, "core")
