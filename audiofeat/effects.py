"""Effects (librosa.effects): time stretching, pitch shifting, pre-/de-emphasis, and a speed change.

A librosa-named namespace: it hands on objects implemented in the property modules, so code written
for ``librosa.effects`` runs with ``import audiofeat as librosa``. See :mod:`audiofeat._librosa`.
The phase vocoder effects live in :mod:`audiofeat.phase`; the filters and :func:`speed` (no librosa
counterpart) in :mod:`audiofeat.effects_impl`.
"""

from ._librosa import missing_attribute
from .effects_impl import deemphasis, preemphasis, speed
from .energy import split, trim, voice_activity
from .phase import pitch_shift, time_stretch

__all__ = ["time_stretch", "pitch_shift", "preemphasis", "deemphasis", "speed", "trim", "split", "voice_activity"]
#: names here that librosa.effects does not have (audiofeat's own)
EXTENSIONS = frozenset({"speed", "voice_activity"})
__getattr__ = missing_attribute(__name__, "effects")
