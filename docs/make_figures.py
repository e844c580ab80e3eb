"""Draw the documentation figures for audiofeat from the bundled sample clips.

Writes three PNGs to ``docs/img/``:

* ``spectral_pipeline.png`` -- speech.wav as waveform, STFT magnitude (dB),
  80-band log-mel spectrogram and 13 MFCCs, on a shared time axis.
* ``mel_filterbank.png`` -- the 20-band mel filterbank for sr=16000, n_fft=512,
  Slaney (default) vs HTK mel scale.
* ``melody_mel.png`` -- log-mel spectrogram of melody.flac with the note onsets
  and f0s from ``data/samples/ground_truth.json`` overlaid.

Run from anywhere (needs matplotlib, a docs-only dependency)::

    python docs/make_figures.py

The output is deterministic: no randomness, fixed sizes, and no timestamps in
the PNG metadata.
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402  (installed with matplotlib)

import audiofeat as af  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
OUT = ROOT / "docs" / "img"
DPI = 100
plt.rcParams.update({"axes.titlesize": 10, "font.size": 9})


def _save(fig, name):
    """Save as a 256-colour PNG (about a third of the RGB size; no metadata, so
    the bytes are deterministic)."""
    fig.set_dpi(DPI)
    fig.canvas.draw()
    rgb = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])
    rgb.quantize(256, method=Image.Quantize.FASTOCTREE).save(OUT / name, optimize=True)
    plt.close(fig)
    print(f"wrote {OUT / name}")


def _spec(ax, cax, t, y, Z, title, ylabel, cbar_label, cmap="magma", **kw):
    """Draw one time-frequency panel (origin lower) with its colourbar."""
    mesh = ax.pcolormesh(t, y, Z, shading="nearest", cmap=cmap, **kw)
    ax.set(title=title, ylabel=ylabel)
    ax.figure.colorbar(mesh, cax=cax, label=cbar_label)


def spectral_pipeline():
    y, sr = af.load(SAMPLES / "speech.wav", sr=None)
    n_fft, hop = 512, 160
    S_db = af.amplitude_to_db(np.abs(af.stft(y, n_fft=n_fft, hop_length=hop)), ref=np.max)
    M_db = af.power_to_db(
        af.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=80), ref=np.max
    )
    C = af.mfcc(y=y, sr=sr, n_mfcc=13, n_fft=n_fft, hop_length=hop, n_mels=80)
    t = af.frames_to_time(np.arange(S_db.shape[1]), sr=sr, hop_length=hop)

    # Two grid columns (panel, colourbar) keep all four panels the same width.
    fig, axes = plt.subplots(
        4, 2, figsize=(9, 10), gridspec_kw={"width_ratios": [60, 1]},
        sharex="col", layout="constrained",
    )
    ax, cax = axes[0]
    ax.plot(np.arange(len(y)) / sr, y, lw=0.4, color="tab:blue")
    ax.set(title=f"y, sr = af.load('speech.wav', sr=None)   (sr = {sr} Hz)",
           ylabel="amplitude", xlim=(0, len(y) / sr))
    cax.axis("off")

    _spec(*axes[1], t, af.fft_frequencies(sr=sr, n_fft=n_fft), S_db,
          "af.amplitude_to_db(abs(af.stft(y, n_fft=512, hop_length=160)), ref=np.max)",
          "frequency (Hz)", "dB")
    _spec(*axes[2], t, np.arange(80), M_db,
          "af.power_to_db(af.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=160,"
          " n_mels=80), ref=np.max)", "mel band", "dB")
    # c0 (log energy) is far larger than the rest: scale colours to c1..c12 so
    # they stay visible, and let c0 saturate.
    v = np.abs(C[1:]).max()
    _spec(*axes[3], t, np.arange(13), C,
          "af.mfcc(y=y, sr=sr, n_mfcc=13, n_fft=512, hop_length=160, n_mels=80)",
          "MFCC index", "coefficient (c0 clipped)", cmap="coolwarm", vmin=-v, vmax=v)
    axes[3, 0].set_xlabel("time (s)   [af.frames_to_time(frames, sr=sr, hop_length=160)]")
    fig.suptitle("From waveform to MFCCs: speech.wav")
    _save(fig, "spectral_pipeline.png")


def mel_filterbank():
    sr, n_fft, n_mels = 16000, 512, 20
    freqs = af.fft_frequencies(sr=sr, n_fft=n_fft)
    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True, layout="constrained")
    colours = plt.cm.viridis(np.linspace(0, 0.9, n_mels))
    for ax, htk, name in zip(axes, (False, True), ("Slaney (default)", "HTK")):
        fb = af.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=htk)
        for band, c in zip(fb, colours):
            keep = np.convolve(band > 0, [1, 1, 1], "same") > 0  # triangle + its feet
            ax.plot(freqs, np.where(keep, band, np.nan), color=c, lw=1.2)
        ax.set(title=f"{name}:  af.filters.mel(sr={sr}, n_fft={n_fft}, n_mels={n_mels},"
                     f" htk={htk})", ylabel="weight (norm='slaney')")
        ax.grid(alpha=0.3)
    axes[-1].set(xlabel="frequency (Hz)   [af.fft_frequencies(sr=16000, n_fft=512)]",
                 xlim=(0, sr / 2))
    _save(fig, "mel_filterbank.png")


def melody_mel():
    truth = json.loads((SAMPLES / "ground_truth.json").read_text())["clips"]["melody.flac"]
    y, sr = af.load(SAMPLES / "melody.flac", sr=None)
    n_fft, hop, n_mels, fmax = 2048, 256, 128, 4000.0
    M_db = af.power_to_db(
        af.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels, fmax=fmax),
        ref=np.max,
    )
    t = af.frames_to_time(np.arange(M_db.shape[1]), sr=sr, hop_length=hop)
    # Band k of the filterbank peaks at the (k+1)-th of n_mels+2 mel-spaced points.
    centres = af.mel_frequencies(n_mels + 2, fmax=fmax)[1:-1]

    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    mesh = ax.pcolormesh(t, np.arange(n_mels), M_db, shading="nearest", cmap="magma")
    fig.colorbar(mesh, ax=ax, label="dB", pad=0.01)
    for i, note in enumerate(truth["notes"]):
        band = np.interp(note["f0_hz"], centres, np.arange(n_mels))  # f0 -> fractional band
        ax.axvline(note["onset_s"], color="cyan", lw=1, ls="--",
                   label="ground-truth onset" if i == 0 else None)
        mid, half = (note["onset_s"] + note["offset_s"]) / 2, 0.1  # short mark, mid-note
        ax.hlines(band, mid - half, mid + half, color="lime", lw=2,
                  label="ground-truth f0" if i == 0 else None)
        ax.text(mid, band - 3, f"{note['f0_hz']:.0f} Hz", va="top",
                color="white", ha="center", fontsize=8)
    ticks = [100, 220, 440, 880, 1760, 3520]
    ax.set_yticks(np.interp(ticks, centres, np.arange(n_mels)), [str(f) for f in ticks])
    ax.set(xlabel="time (s)", ylabel="frequency (Hz, mel-spaced bands)",
           title="melody.flac (A-major scale) with the onsets and f0s from ground_truth.json\n"
                 "af.power_to_db(af.melspectrogram(y=y, sr=22050, n_fft=2048,"
                 " hop_length=256, n_mels=128, fmax=4000), ref=np.max)")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.8)
    _save(fig, "melody_mel.png")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    spectral_pipeline()
    mel_filterbank()
    melody_mel()
