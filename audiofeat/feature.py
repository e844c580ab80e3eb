"""Features (librosa.feature): spectral and temporal features.

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.feature`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
"""

from ._librosa import missing_attribute
from .energy import rms
from .rhythm import fourier_tempogram, tempo, tempogram
from .spectral import melspectrogram, mfcc
from .temporal import delta, stack_memory, zero_crossing_rate

__all__ = ["melspectrogram", "mfcc", "delta", "stack_memory", "rms", "zero_crossing_rate", "tempo", "tempogram",
           "fourier_tempogram"]
__getattr__ = missing_attribute(__name__, "feature")
