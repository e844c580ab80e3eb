"""Registry cases (tests/test_registry.py) for psychoacoustics.py (Bark/ERB scales, gammatone and Bark
filterbanks, frequency weighting) and wavelets.py (the CWT)."""

from __future__ import annotations

import numpy as np

from registry_support import SPEECH, Case, _features, _positive, _power, _signal, _tones

#: the row frequencies of _power's spectrogram (81 bins: an n_fft of 160 at 16 kHz)
_FREQS = np.arange(81) * 100.0



def _parts(W):
    return W.real + 2.0 * W.imag


CASES = {
    "psychoacoustics.hz_to_bark": Case(_positive, lambda f, x: f(x), float64_out=True),
    "psychoacoustics.bark_to_hz": Case(_features, lambda f, x: f(x + 10.0), float64_out=True),
    "psychoacoustics.hz_to_erb": Case(_positive, lambda f, x: f(x), float64_out=True),
    "psychoacoustics.erb_to_hz": Case(_features, lambda f, x: f(x + 20.0), float64_out=True),
    "psychoacoustics.erb_bandwidth": Case(_positive, lambda f, x: f(x), float64_out=True),
    "psychoacoustics.A_weighting": Case(_positive, lambda f, x: f(x), float64_out=True),
    "psychoacoustics.B_weighting": Case(_positive, lambda f, x: f(x), float64_out=True),
    "psychoacoustics.C_weighting": Case(_positive, lambda f, x: f(x), float64_out=True),
    "psychoacoustics.D_weighting": Case(_positive, lambda f, x: f(x), float64_out=True),
    "psychoacoustics.Z_weighting": Case(_positive, lambda f, x: f(x, min_db=-10.0), float64_out=True),
    "psychoacoustics.frequency_weighting": Case(_positive, lambda f, x: f(x, kind="c"), float64_out=True),
    "psychoacoustics.multi_frequency_weighting": Case(_positive, lambda f, x: f(x, kinds="ZABCD").sum(0),
                                                      float64_out=True),
    "psychoacoustics.perceptual_weighting": Case(_power, lambda f, x: f(x, _FREQS, kind="A", top_db=None),
                                                 rtol=1e-4),
    "psychoacoustics.weighting_filter": Case(_signal, lambda f, x: f(x, 16000)),
    "psychoacoustics.gammatonegram": Case(_signal, lambda f, x: f(y=x, n_bands=32, **SPEECH)),
    "psychoacoustics.barkspectrogram": Case(_signal, lambda f, x: f(y=x, n_bands=20, **SPEECH)),
    "psychoacoustics.gtcc": Case(_signal, lambda f, x: f(y=x, n_gtcc=13, n_bands=32, **SPEECH)),
    # real and imaginary parts, linearly (|W| is not differentiable where a band is silent, which the
    # gradient check would trip on)
    "wavelets.cwt": Case(_tones, lambda f, x: _parts(f(x, sr=16000, freqs=[100.0, 400.0, 1600.0, 3000.0],
                                                      hop_length=8))),
}

NOT_ARRAY_OPS = {
    "psychoacoustics.bark_frequencies": "test_psychoacoustics (scale round trips); numpy constants",
    "psychoacoustics.erb_frequencies": "test_psychoacoustics (gammatone centres on the ERB scale); numpy constants",
    "psychoacoustics.gammatone": "test_psychoacoustics (centres, ERB bandwidths); numpy constants",
    "psychoacoustics.bark": "test_psychoacoustics (Bark edges); numpy constants",
}
