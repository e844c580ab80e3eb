"""Beat tracking (librosa.beat): periodicity at the beat level.

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.beat`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
The implementation lives in :mod:`audiofeat.rhythm`.
"""

from ._librosa import missing_attribute
from .rhythm import beat_track, plp, tempo

__all__ = ["beat_track", "tempo", "plp"]
__getattr__ = missing_attribute(__name__, "beat")
