"""Utilities (librosa.util).

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.util`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
"""

from ._librosa import missing_attribute
from .energy import peak_pick
from .temporal import frame

__all__ = ["frame", "peak_pick"]
__getattr__ = missing_attribute(__name__, "util")
