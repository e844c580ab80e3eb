"""Features (librosa.feature): spectral and temporal features.

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.feature`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
"""

from ._librosa import missing_attribute
from .descriptors import (
    chroma_stft,
    poly_features,
    spectral_bandwidth,
    spectral_centroid,
    spectral_contrast,
    spectral_flatness,
    spectral_rolloff,
    tonnetz,
)
from .energy import rms
from .rhythm import fourier_tempogram, tempo, tempogram
from .constantq import chroma_cens, chroma_cqt
from .spectral import melspectrogram, mfcc
from .temporal import delta, stack_memory, zero_crossing_rate

__all__ = ["melspectrogram", "mfcc", "delta", "stack_memory", "spectral_centroid", "spectral_bandwidth",
           "spectral_rolloff", "spectral_flatness", "spectral_contrast", "poly_features", "chroma_stft",
           "tonnetz", "rms", "zero_crossing_rate", "tempo", "tempogram", "fourier_tempogram", "chroma_cqt",
           "chroma_cens"]
__getattr__ = missing_attribute(__name__, "feature")
