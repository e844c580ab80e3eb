"""Draw the figures of docs/psychoacoustics.md and docs/wavelets.md from the bundled clips.

Writes to ``docs/img/``:

* ``psychoacoustic_scales.png`` -- mel, Bark and ERB-number against Hz; the mel, Bark and gammatone
  filterbanks (sr 16 kHz, n_fft 512); the A/B/C/D weighting curves and the digital A-weighting filter at
  48 and 16 kHz.
* ``speech_mel_bark_gammatone.png`` -- speech.wav as log mel, Bark and gammatone spectrograms.
* ``melody_cwt.png`` -- melody.flac: STFT magnitude and the Morlet CWT scalogram, note f0s overlaid.

    python docs/make_psychoacoustics_figures.py

Deterministic (no randomness; PNGs without metadata).
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.signal  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import audiofeat as af  # noqa: E402
from audiofeat.psychoacoustics import _weighting_sos  # noqa: E402
from make_figures import SAMPLES, _save  # noqa: E402


def scales():
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), layout="constrained")
    f = np.linspace(0, 8000, 801)
    ax = axes[0, 0]
    for y, label in ((af.hz_to_mel(f), "mel (Slaney)"), (af.hz_to_mel(f, htk=True), "mel (HTK)"),
                     (af.hz_to_bark(f), "Bark (Traunmüller)"), (af.hz_to_bark(f, formula="zwicker"),
                                                                  "Bark (Zwicker & Terhardt)"),
                     (af.hz_to_erb(f), "ERB-number (Glasberg & Moore)")):
        ax.plot(f, y / y[-1], label=label)
    ax.set(title="scales, normalised to 1 at 8 kHz", xlabel="frequency (Hz)", ylabel="scale / scale(8 kHz)")
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    sr, n_fft = 16000, 512
    freqs = af.fft_frequencies(sr=sr, n_fft=n_fft)
    banks = (("mel, 24 bands", af.filters.mel(sr=sr, n_fft=n_fft, n_mels=24, norm=None), "tab:blue"),
             ("Bark, 18 bands", af.filters.bark(sr=sr, n_fft=n_fft, n_bands=18), "tab:orange"),
             ("gammatone, 24 bands (power)", af.filters.gammatone(sr=sr, n_fft=n_fft, n_bands=24), "tab:green"))
    for i, (label, fb, colour) in enumerate(banks):
        for k, row in enumerate(fb):
            ax.plot(freqs, row + 1.2 * (2 - i), color=colour, lw=0.7, label=label if k == 0 else None)
    ax.set(title="filterbanks at sr 16 kHz, n_fft 512 (offset)", xlabel="frequency (Hz)", yticks=[])
    ax.legend(fontsize=8, loc="upper right")

    ax = axes[1, 0]
    f = np.geomspace(10, 20000, 500)
    for kind in "ABCD":
        ax.semilogx(f, af.frequency_weighting(f, kind=kind), label=kind)
    ax.set(title="frequency weightings (af.frequency_weighting)", xlabel="frequency (Hz)", ylabel="dB",
           ylim=(-70, 15))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()

    ax = axes[1, 1]
    ax.semilogx(f, af.A_weighting(f, min_db=None), "k", lw=2, label="analogue (IEC 61672 Annex E)")
    for sr in (48000, 16000):
        ff = f[f < sr / 2]
        _, h = scipy.signal.sosfreqz(_weighting_sos("A", sr), worN=ff, fs=sr)
        ax.semilogx(ff, 20 * np.log10(np.abs(h)), "--", label=f"af.weighting_filter, sr {sr // 1000} kHz")
    ax.set(title="A-weighting: analogue curve and the digital filter", xlabel="frequency (Hz)",
           ylabel="dB", ylim=(-70, 5))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    _save(fig, "psychoacoustic_scales.png")


def speech():
    y, sr = af.load(SAMPLES / "speech.wav", sr=None)
    kw = dict(sr=sr, n_fft=512, hop_length=160)
    panels = (
        ("af.melspectrogram(n_mels=64)", af.melspectrogram(y=y, n_mels=64, **kw), af.mel_frequencies(
            64, fmax=sr / 2)),
        ("af.barkspectrogram(n_bands=21)", af.barkspectrogram(y=y, n_bands=21, **kw),
         af.bark_frequencies(23, fmax=sr / 2)[1:-1]),
        ("af.gammatonegram(n_bands=64)", af.gammatonegram(y=y, n_bands=64, **kw),
         af.erb_frequencies(64, fmax=sr / 2)),
    )
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True, layout="constrained")
    for ax, (title, S, centres) in zip(axes, panels):
        S_db = af.power_to_db(S, ref=np.max)
        t = af.frames_to_time(np.arange(S.shape[1]), sr=sr, hop_length=160)
        mesh = ax.pcolormesh(t, np.arange(len(centres)), S_db, shading="nearest", cmap="magma")
        ticks = np.linspace(0, len(centres) - 1, 6).astype(int)
        ax.set(title=f"speech.wav: {title} (dB re max)", ylabel="band centre (Hz)", yticks=ticks,
               yticklabels=[f"{centres[i]:.0f}" for i in ticks])
        fig.colorbar(mesh, ax=ax, label="dB")
    axes[-1].set_xlabel("time (s)")
    _save(fig, "speech_mel_bark_gammatone.png")


def melody_cwt():
    y, sr = af.load(SAMPLES / "melody.flac", sr=None)
    truth = json.loads((SAMPLES / "ground_truth.json").read_text())["clips"]["melody.flac"]["notes"]
    hop = 128
    freqs = 65.4 * 2 ** (np.arange(60) / 12)  # C2 .. B6
    W = np.abs(af.cwt(y, sr=sr, freqs=freqs, wavelet="cmor8-1", hop_length=hop))
    D = np.abs(af.stft(y, n_fft=2048, hop_length=hop))
    t = np.arange(W.shape[1]) * hop / sr
    fig, axes = plt.subplots(2, 1, figsize=(9, 7), sharex=True, layout="constrained")
    ax = axes[0]
    mesh = ax.pcolormesh(af.frames_to_time(np.arange(D.shape[1]), sr=sr, hop_length=hop),
                         af.fft_frequencies(sr=sr, n_fft=2048), af.amplitude_to_db(D, ref=np.max),
                         shading="nearest", cmap="magma")
    ax.set(yscale="log", ylim=(60, 2100), title="melody.flac: |af.stft(n_fft=2048)| (dB)", ylabel="Hz")
    fig.colorbar(mesh, ax=ax, label="dB")
    ax = axes[1]
    mesh = ax.pcolormesh(t, freqs, af.amplitude_to_db(W, ref=np.max), shading="nearest", cmap="magma")
    ax.set(yscale="log", ylim=(60, 2100), ylabel="Hz",
           title="|af.cwt(y, sr, freqs=C2..B6, wavelet='cmor8-1', hop_length=128)| (dB); white: note f0s")
    fig.colorbar(mesh, ax=ax, label="dB")
    for note in truth:
        for a in axes:
            a.plot([note["onset_s"], note["offset_s"]], [note["f0_hz"]] * 2, color="w", lw=1, alpha=0.7)
    axes[-1].set_xlabel("time (s)")
    _save(fig, "melody_cwt.png")


if __name__ == "__main__":
    scales()
    speech()
    melody_cwt()
