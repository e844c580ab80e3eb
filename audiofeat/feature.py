"""Features (librosa.feature): spectral and temporal features.

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.feature`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
"""

from ._librosa import missing_attribute
from .cqt import chroma_cens, chroma_cqt
from .spectral import melspectrogram, mfcc
from .temporal import delta, stack_memory

__all__ = ["chroma_cqt", "chroma_cens", "melspectrogram", "mfcc", "delta", "stack_memory"]
__getattr__ = missing_attribute(__name__, "feature")
