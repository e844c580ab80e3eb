"""Onset detection (librosa.onset): energy distribution.

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.onset`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
The implementation lives in :mod:`audiofeat.energy`; :func:`energy_onset_strength` is audiofeat's own.
"""

from ._librosa import missing_attribute
from .energy import energy_onset_strength, onset_backtrack, onset_detect, onset_strength, onset_strength_multi

__all__ = ["onset_strength", "onset_strength_multi", "onset_detect", "onset_backtrack", "energy_onset_strength"]
#: names here that librosa.onset does not have (audiofeat's own)
EXTENSIONS = frozenset({"energy_onset_strength"})
__getattr__ = missing_attribute(__name__, "onset")
