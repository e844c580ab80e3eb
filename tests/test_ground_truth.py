"""Against known ground truth: tones of known pitch, clicks at known times, the bundled clips' schedules."""

from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af


def tone(freq, sr=22050, seconds=1.0, dtype=np.float32):
    t = np.arange(int(sr * seconds)) / sr
    return np.sin(2 * np.pi * freq * t).astype(dtype)


@pytest.mark.parametrize("freq", [110.0, 440.0, 1000.0, 3520.0, 9000.0])
def test_stft_peak_is_at_the_tone_frequency(freq):
    sr, n_fft = 22050, 4096
    D = af.stft(tone(freq, sr), n_fft=n_fft)
    peak_bins = np.abs(D[:, 4:-4]).argmax(axis=0)  # interior frames
    freqs = af.fft_frequencies(sr=sr, n_fft=n_fft)
    assert np.all(np.abs(freqs[peak_bins] - freq) <= sr / n_fft / 2 + 1e-9)


@pytest.mark.parametrize("freq", [300.0, 1000.0, 4000.0])
@pytest.mark.parametrize("htk", [False, True])
def test_mel_peak_band_contains_the_tone(freq, htk):
    sr, n_mels = 16000, 64
    S = af.melspectrogram(y=tone(freq, sr), sr=sr, n_fft=1024, hop_length=256, n_mels=n_mels, htk=htk)
    band = int(np.median(S.argmax(axis=0)))
    edges = af.mel_frequencies(n_mels + 2, fmin=0.0, fmax=sr / 2, htk=htk)
    assert edges[band] < freq < edges[band + 2]  # triangle `band` spans edges[band]..edges[band+2]


def test_parseval_energy_of_a_tone():
    # A unit sine has mean power 1/2; with a periodic Hann window the interior frames' STFT power sums to
    # n_fft * sum(w^2) / 2 (two-sided spectrum folded into the one-sided one).
    sr, n_fft = 8000, 512
    D = af.stft(tone(1000.0, sr, dtype=np.float64), n_fft=n_fft, hop_length=128)
    w = af.get_window("hann", n_fft)
    P = np.abs(D[:, 5:-5]) ** 2
    one_sided = P[0] + 2 * P[1:-1].sum(axis=0) + P[-1]
    assert np.allclose(one_sided, n_fft * np.sum(w**2) / 2, rtol=1e-3)


def test_clicks_land_in_the_right_frames():
    sr, hop = 16000, 160
    click_times = np.array([0.25, 0.8, 1.3, 1.91])
    y = np.zeros(2 * sr, dtype=np.float32)
    y[af.time_to_samples(click_times, sr=sr)] = 1.0
    energy = af.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=hop, n_mels=40).sum(axis=0)
    peaks = np.flatnonzero((energy[1:-1] > energy[:-2]) & (energy[1:-1] >= energy[2:])) + 1
    peaks = peaks[energy[peaks] > 0.5 * energy.max()]
    assert np.allclose(af.frames_to_time(peaks, sr=sr, hop_length=hop), click_times, atol=hop / sr)
    assert np.array_equal(peaks, af.time_to_frames(click_times, sr=sr, hop_length=hop))


def test_melody_notes_have_their_f0(sample_audio, ground_truth):
    y, sr = sample_audio["melody.flac"]
    truth = ground_truth["clips"]["melody.flac"]
    n_fft, hop = 8192, 512
    D = np.abs(af.stft(y, n_fft=n_fft, hop_length=hop))
    freqs = af.fft_frequencies(sr=sr, n_fft=n_fft)
    for note in truth["notes"]:
        mid = af.time_to_frames((note["onset_s"] + note["offset_s"]) / 2, sr=sr, hop_length=hop)
        peak = freqs[D[:, mid].argmax()]
        assert abs(1200 * np.log2(peak / note["f0_hz"])) < 15, (note, peak)  # within 15 cents (bin ~2.7 Hz)


def test_drum_onsets_from_mel_flux(sample_audio, ground_truth):
    y, sr = sample_audio["drums.ogg"]
    onsets = np.array(ground_truth["clips"]["drums.ogg"]["onsets_s"])
    hop = 128  # short frames (23 ms) for timing; a 2048-sample frame sees an onset 46 ms early
    S_db = af.power_to_db(af.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=hop, n_mels=64))
    flux = np.r_[0, np.maximum(0, np.diff(S_db, axis=1)).mean(axis=0)]
    peaks = np.flatnonzero((flux[1:-1] > flux[:-2]) & (flux[1:-1] >= flux[2:])) + 1
    peaks = peaks[flux[peaks] > 0.2 * flux.max()]
    found = af.frames_to_time(peaks, sr=sr, hop_length=hop)
    found = found[np.r_[True, np.diff(found) > 0.05]]  # one onset per 50 ms
    assert len(found) == len(onsets)
    assert np.max(np.abs(found - onsets)) <= 0.02


def test_istft_reconstructs_the_bundled_clips(sample_audio):
    for name, (y, sr) in sample_audio.items():
        y_hat = af.istft(af.stft(y), length=len(y))
        assert np.max(np.abs(y_hat - y)) <= 1e-5, name
