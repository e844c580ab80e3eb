"""Against implementations nobody on this team wrote: librosa's test-data repository (../shared/reference).

Scored with the recipes in ../shared/reference/README.md; skipped cleanly where that folder is absent.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.io
import soundfile as sf

import audiofeat as af
from conftest import REFERENCE


def _files(pattern):
    files = sorted(REFERENCE.glob(pattern)) if REFERENCE.is_dir() else []
    return files or [pytest.param(None, marks=pytest.mark.skip(reason=f"no reference files {pattern} at {REFERENCE}"))]


@pytest.fixture(scope="module")
def test1(reference_dir):
    y, sr = sf.read(reference_dir / "test1_22050.wav", dtype="int16", always_2d=True)
    return (y.astype(np.float64) / 32768.0).mean(axis=1).astype(np.float32), sr


@pytest.mark.parametrize("path", _files("core-stft-*.mat"), ids=lambda p: getattr(p, "stem", "none"))
def test_stft_reference(path, test1):
    data = scipy.io.loadmat(path)
    y, sr = test1
    assert sr == data["sr"][0, 0]
    n_fft, hop = int(data["nfft"][0, 0]), int(data["hop_length"][0, 0])
    if data["hann_w"][0, 0] == 0:
        window, win_length = np.ones, None  # rectangular
    else:
        window, win_length = "hann", int(data["hann_w"][0, 0])
    kw = dict(n_fft=n_fft, hop_length=hop, win_length=win_length, window=window, center=False)
    expected = data["D"].conj()  # MATLAB ' vs .' transposition
    # float64 input: the reference recipe exactly (np.allclose defaults, element by element).
    D = af.stft(y.astype(np.float64), **kw)
    assert D.shape == expected.shape
    assert np.allclose(D, expected)
    # float32 input is computed in float32 (librosa computes in float64 and rounds the output), so
    # bins 1e6 times below the peak carry float32 rounding: judge those against the peak, not themselves.
    D32 = af.stft(y, **kw)
    assert D32.dtype == np.complex64
    assert np.allclose(D32, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


@pytest.mark.parametrize("path", _files("feature-melfb-*.mat"), ids=lambda p: getattr(p, "stem", "none"))
def test_mel_filterbank_reference(path):
    data = scipy.io.loadmat(path)
    wts = af.filters.mel(sr=data["sr"][0, 0], n_fft=data["nfft"][0, 0], n_mels=data["nfilts"][0, 0],
                         fmin=data["fmin"][0, 0], fmax=data["fmax"][0, 0], htk=bool(data["htk"][0, 0]))
    n_fft = int(data["nfft"][0, 0])
    wts = np.pad(wts, [(0, 0), (0, n_fft // 2 - 1)])  # MATLAB returns n_fft columns
    assert wts.shape == data["wts"].shape
    assert np.allclose(wts, data["wts"])


@pytest.mark.parametrize("path", _files("feature-melfbnorm-*.mat"), ids=lambda p: getattr(p, "stem", "none"))
def test_mel_filterbank_unnormalised_reference(path):
    data = scipy.io.loadmat(path)
    wts = af.filters.mel(sr=data["sr"][0, 0], n_fft=data["nfft"][0, 0], n_mels=data["nfilts"][0, 0],
                         fmin=data["fmin"][0, 0], fmax=data["fmax"][0, 0], htk=bool(data["htk"][0, 0]), norm=None)
    wts = np.pad(wts, [(0, 0), (0, int(data["nfft"][0, 0]) // 2 - 1)])
    assert np.allclose(wts, data["wts"])


@pytest.mark.parametrize("path", _files("feature-hz_to_mel-*.mat"), ids=lambda p: getattr(p, "stem", "none"))
def test_hz_to_mel_reference(path):
    data = scipy.io.loadmat(path)
    assert np.allclose(af.hz_to_mel(data["f"], htk=bool(data["htk"][0, 0])), data["result"])


@pytest.mark.parametrize("path", _files("feature-mel_to_hz-*.mat"), ids=lambda p: getattr(p, "stem", "none"))
def test_mel_to_hz_reference(path):
    data = scipy.io.loadmat(path)
    assert np.allclose(af.mel_to_hz(data["f"], htk=bool(data["htk"][0, 0])), data["result"])


def test_reference_files_are_all_there(reference_dir):
    # The issue names 5 STFT files, 144 + 1 filterbanks, 4 + 4 conversions: none may silently go missing.
    counts = {p: len(list(reference_dir.glob(p))) for p in
              ("core-stft-*.mat", "feature-melfb-*.mat", "feature-melfbnorm-*.mat", "feature-hz_to_mel-*.mat",
               "feature-mel_to_hz-*.mat")}
    assert counts == {"core-stft-*.mat": 5, "feature-melfb-*.mat": 144, "feature-melfbnorm-*.mat": 1,
                      "feature-hz_to_mel-*.mat": 4, "feature-mel_to_hz-*.mat": 4}
