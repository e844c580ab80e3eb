"""Registry cases for the constant-Q family (audiofeat/constantq.py) and the pitch conversions in filters.py."""

from __future__ import annotations

import numpy as np

import audiofeat as af
from registry_support import Case, _features, _positive, _signal

CQT = dict(sr=16000, hop_length=128, fmin=55.0)


def _cqt_input(rng, lead, dtype):
    """A complex CQT (2 octaves from A4: the inverse interpolates by 2 at most)."""
    y = _signal(rng, lead, np.float64)
    cdtype = np.complex128 if dtype == np.float64 else np.complex64
    return af.cqt(y, sr=16000, hop_length=128, fmin=440.0, n_bins=24).astype(cdtype)


CASES = {
    "constantq.cqt": Case(_signal, lambda f, x: f(x, n_bins=48, **CQT), rtol=1e-4),
    "constantq.vqt": Case(_signal, lambda f, x: f(x, n_bins=48, gamma=None, **CQT), rtol=1e-4),
    "constantq.pseudo_cqt": Case(_signal, lambda f, x: f(x, sr=16000, hop_length=128, fmin=220.0, n_bins=36), rtol=1e-4),
    # 60 bins from 55 Hz: the full-rate part is decimated by 4 at once (soxr's multi-stage map on torch too)
    "constantq.hybrid_cqt": Case(_signal, lambda f, x: f(x, n_bins=60, **CQT), rtol=1e-4),
    "constantq.icqt": Case(_cqt_input, lambda f, x: f(x, sr=16000, hop_length=128, fmin=440.0, length=4000), rtol=1e-4),
    "constantq.chroma_cqt": Case(_signal, lambda f, x: f(y=x, n_octaves=4, tuning=0.0, **CQT), rtol=1e-4),
    "constantq.chroma_cens": Case(_signal, lambda f, x: f(y=x, n_octaves=4, tuning=0.0, win_len_smooth=11, **CQT),
                            rtol=1e-4),
    "filters.hz_to_midi": Case(_positive, lambda f, x: f(x), float64_out=True),
    "filters.midi_to_hz": Case(_features, lambda f, x: f(x + 60.0), float64_out=True),
    "filters.hz_to_octs": Case(_positive, lambda f, x: f(x, tuning=0.1), float64_out=True),
    "filters.octs_to_hz": Case(_features, lambda f, x: f(0.5 * x + 4.0), float64_out=True),
}

NOT_ARRAY_OPS = {
    "filters.note_to_midi": "test_cqt (parity with librosa); strings",
    "filters.note_to_hz": "test_cqt (parity with librosa); strings",
    "filters.midi_to_note": "test_cqt (parity with librosa); strings",
    "filters.hz_to_note": "test_cqt (parity with librosa); strings",
    "filters.cqt_frequencies": "test_cqt (parity with librosa); numpy constants",
    "filters.window_bandwidth": "test_cqt (parity with librosa); a number",
    "filters.wavelet_lengths": "test_cqt (parity with librosa); numpy constants",
    "filters.wavelet": "test_cqt (parity with librosa); numpy constants",
    "filters.constant_q_lengths": "test_cqt (parity with librosa); numpy constants",
    "filters.constant_q": "test_cqt (parity with librosa); numpy constants",
    "filters.cq_to_chroma": "test_cqt (parity with librosa); numpy constants",
}
