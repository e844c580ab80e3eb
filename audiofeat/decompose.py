"""Decompositions (librosa.decompose). Nothing implemented yet.

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.decompose`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
"""

from ._librosa import missing_attribute

__all__ = []
__getattr__ = missing_attribute(__name__, "decompose")
