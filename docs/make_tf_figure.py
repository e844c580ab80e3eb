"""Draw the time-frequency figure of docs/time-frequency.md: one clip, several representations.

Writes ``docs/img/time_frequency.png``: melody.flac (an A-major scale, A3 to A4, harmonic tones) as an STFT
magnitude, a mel spectrogram and a constant-Q transform, stacked on a shared time axis, each in dB.

To add a representation (e.g. the continuous wavelet transform), append one entry to ``PANELS``: a function
``(y, sr) -> (Z, freqs_hz)`` returning a magnitude ``(n_freqs, n_frames)`` at hop ``HOP`` and the centre
frequency of each row, and a title. Every panel is drawn on a log-frequency axis from ``FMIN`` to ``FMAX``
so the rows line up.

    python docs/make_tf_figure.py

The output is deterministic (no randomness, fixed sizes, no timestamps in the PNG).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402  (installed with matplotlib)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's audiofeat, not an installed one
import audiofeat as af  # noqa: E402

SAMPLES = ROOT / "data" / "samples"
OUT = ROOT / "docs" / "img"
CLIP = "melody.flac"
SR = 22050
HOP = 256
FMIN, FMAX = 55.0, 4000.0
DPI = 100
plt.rcParams.update({"axes.titlesize": 10, "font.size": 9})


def stft_panel(y, sr):
    n_fft = 2048
    Z = np.abs(af.stft(y, n_fft=n_fft, hop_length=HOP))
    return Z, af.fft_frequencies(sr=sr, n_fft=n_fft)


def mel_panel(y, sr):
    n_mels = 128
    M = af.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=HOP, n_mels=n_mels, fmax=8000.0)
    return np.sqrt(M), af.mel_frequencies(n_mels, fmax=8000.0)


def cqt_panel(y, sr):
    fmin = float(af.note_to_hz("A1"))
    C = np.abs(af.cqt(y, sr=sr, hop_length=HOP, fmin=fmin, n_bins=156, bins_per_octave=24))
    return C, af.cqt_frequencies(156, fmin=fmin, bins_per_octave=24)


#: (function, title): one row of the figure each
PANELS = [
    (stft_panel, "STFT |X| (n_fft 2048, hop 256): linear bins, fixed 93 ms window"),
    (mel_panel, "mel spectrogram (128 bands, Slaney): linear below 1 kHz, log above"),
    (cqt_panel, "CQT |C| (24 bins/octave from A1): log-spaced bins, window shrinks with frequency"),
]


def _save(fig, name):
    fig.set_dpi(DPI)
    fig.canvas.draw()
    rgb = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])
    rgb.quantize(256, method=Image.Quantize.FASTOCTREE).save(OUT / name, optimize=True)
    plt.close(fig)
    print(f"wrote {OUT / name}")


def time_frequency():
    y, sr = af.load(SAMPLES / CLIP, sr=SR)
    fig, axes = plt.subplots(len(PANELS), 1, figsize=(9, 2.4 * len(PANELS)), sharex=True,
                             constrained_layout=True)
    axes = np.atleast_1d(axes)
    for ax, (fn, title) in zip(axes, PANELS):
        Z, freqs = fn(y, sr)
        keep = (freqs >= FMIN * 0.9) & (freqs <= FMAX * 1.1)
        Z_db = af.amplitude_to_db(Z[keep], ref=np.max, top_db=70.0)
        t = af.frames_to_time(np.arange(Z.shape[-1]), sr=sr, hop_length=HOP)
        mesh = ax.pcolormesh(t, freqs[keep], Z_db, shading="nearest", cmap="magma")
        ax.set_yscale("log")
        ax.set_ylim(FMIN, FMAX)
        ax.set_yticks([110, 220, 440, 880, 1760, 3520])
        ax.set_yticklabels(["A2", "A3", "A4", "A5", "A6", "A7"])
        ax.set(title=title, ylabel="frequency")
        fig.colorbar(mesh, ax=ax, label="dB", pad=0.01)
    axes[-1].set_xlabel("time (s)")
    fig.suptitle(f"{CLIP}: the same A-major scale (A3-A4, 5 harmonics) in each representation")
    _save(fig, "time_frequency.png")


if __name__ == "__main__":
    time_frequency()
