"""Draw the figure of docs/frequency-content.md from the bundled clips.

Writes ``docs/img/frequency_content.png``: for melody.flac (an A-major scale) and drums.ogg, the
spectrogram with centroid, centroid +- bandwidth and 85% rolloff drawn over it, the chromagram, spectral
contrast, flatness, and the tonnetz of the melody. Deterministic (no randomness, no PNG metadata).

    python docs/make_frequency_figures.py      # needs matplotlib
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import audiofeat as af  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
OUT = ROOT / "docs" / "img"
plt.rcParams.update({"axes.titlesize": 9, "font.size": 8})


def _save(fig, name):
    fig.set_dpi(100)
    fig.canvas.draw()
    rgb = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])
    rgb.quantize(256, method=Image.Quantize.FASTOCTREE).save(OUT / name, optimize=True)
    plt.close(fig)
    print(f"wrote {OUT / name}")


def frequency_content():
    fig, axes = plt.subplots(5, 2, figsize=(11, 12), layout="constrained", sharex="col")
    for col, name in enumerate(("melody.flac", "drums.ogg")):
        y, sr = af.load(SAMPLES / name, sr=22050)
        n_fft, hop = 2048, 512
        S = np.abs(af.stft(y, n_fft=n_fft, hop_length=hop))
        t = af.frames_to_time(np.arange(S.shape[1]), sr=sr, hop_length=hop)
        f = af.fft_frequencies(sr=sr, n_fft=n_fft)
        cent = af.spectral_centroid(S=S, sr=sr)[0]
        bw = af.spectral_bandwidth(S=S, sr=sr)[0]
        roll = af.spectral_rolloff(S=S, sr=sr, roll_percent=0.85)[0]

        ax = axes[0, col]
        ax.pcolormesh(t, f, af.amplitude_to_db(S, ref=np.max), shading="nearest", cmap="magma")
        ax.fill_between(t, cent - bw, cent + bw, color="cyan", alpha=0.2, label="centroid ± bandwidth")
        ax.plot(t, cent, color="cyan", lw=1.2, label="spectral_centroid")
        ax.plot(t, roll, color="lime", lw=1.0, ls="--", label="spectral_rolloff (85%)")
        ax.set(title=f"{name}: |STFT| in dB with the shape descriptors", ylabel="Hz", ylim=(0, 8000))
        ax.legend(loc="upper right", fontsize=7)

        C = af.chroma_stft(y=y, sr=sr, n_fft=n_fft, hop_length=hop)
        ax = axes[1, col]
        ax.pcolormesh(t, np.arange(12), C, shading="nearest", cmap="viridis")
        ax.set_yticks(range(12), ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"])
        ax.set(title="chroma_stft(y=y, sr=sr)  (tuning estimated)", ylabel="pitch class")

        ax = axes[2, col]
        con = af.spectral_contrast(S=S, sr=sr)
        mesh = ax.pcolormesh(t, np.arange(con.shape[0]), con, shading="nearest", cmap="coolwarm")
        fig.colorbar(mesh, ax=ax, label="dB", pad=0.01)
        ax.set(title="spectral_contrast(S=S, sr=sr): peak - valley per octave band", ylabel="band (200 Hz · 2^k)")

        ax = axes[3, col]
        ax.semilogy(t, af.spectral_flatness(S=S)[0], color="tab:purple")
        ax.set(title="spectral_flatness(S=S): 1 = white noise, -> 0 = tones", ylabel="flatness")
        ax.grid(alpha=0.3)

        ax = axes[4, col]
        T = af.tonnetz(chroma=C)
        for row, label in enumerate(("fifths x", "fifths y", "minor x", "minor y", "major x", "major y")):
            ax.plot(t, T[row], lw=1, label=label)
        ax.set(title="tonnetz(chroma=C)", ylabel="tonal centroid", xlabel="time (s)")
        ax.legend(loc="upper right", fontsize=6, ncol=3)
    _save(fig, "frequency_content.png")


if __name__ == "__main__":
    frequency_content()
