"""Draw the periodicity figures (docs/periodicity.md) from the bundled sample clips.

Writes to ``docs/img/``:

* ``pitch_melody.png`` -- melody.flac: STFT magnitude (dB, log-frequency axis) with the pYIN pitch track
  (voiced frames), the YIN track, and the annotated note f0s from ``data/samples/ground_truth.json``; below,
  pYIN's voiced probability and the per-frame harmonics-to-noise ratio.
* ``pitch_speech.png`` -- speech.wav: the same for speech (no annotation).

Run from anywhere (needs matplotlib, a docs-only dependency)::

    python docs/make_pitch_figures.py
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402  (installed with matplotlib)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's audiofeat
import audiofeat as af  # noqa: E402

SAMPLES = ROOT / "data" / "samples"
OUT = ROOT / "docs" / "img"
DPI = 100
C2, C7 = 65.40639132514966, 2093.004522404789
plt.rcParams.update({"axes.titlesize": 10, "font.size": 9})


def _save(fig, name):
    fig.set_dpi(DPI)
    fig.canvas.draw()
    rgb = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])
    rgb.quantize(256, method=Image.Quantize.FASTOCTREE).save(OUT / name, optimize=True)
    plt.close(fig)
    print(f"wrote {OUT / name}")


def pitch_figure(name: str, out: str, notes=None):
    y, sr = af.load(SAMPLES / name, sr=22050)
    hop = 512
    S_db = af.amplitude_to_db(np.abs(af.stft(y, n_fft=2048, hop_length=hop)), ref=np.max)
    f0, voiced, prob = af.pyin(y, fmin=C2, fmax=C7, sr=sr)
    f0_yin = af.yin(y, fmin=C2, fmax=C7, sr=sr)
    h = af.hnr(y, sr=sr, fmin=C2)
    t = af.frames_to_time(np.arange(f0.size), sr=sr, hop_length=hop)
    freqs = af.fft_frequencies(sr=sr, n_fft=2048)

    fig, axes = plt.subplots(3, 1, figsize=(9, 7.5), sharex=True, layout="constrained",
                             gridspec_kw={"height_ratios": [3, 1, 1]})
    ax = axes[0]
    ax.pcolormesh(t, freqs[1:], S_db[1:], shading="nearest", cmap="magma", vmin=-80)
    ax.set_yscale("log")
    ax.set_ylim(50, 4000)
    ax.plot(t, f0_yin, ".", color="#8ecae6", ms=3, label="yin")
    ax.plot(t, f0, color="#ffffff", lw=2.2, label="pyin (voiced frames)")
    if notes:
        for i, note in enumerate(notes):
            ax.hlines(note["f0_hz"], note["onset_s"], note["offset_s"], color="#52b788", lw=1.2, ls="--",
                      label="annotated f0" if i == 0 else None)
    ax.set(title=f"{name}: |STFT| (dB) with pitch tracks", ylabel="Hz (log)")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.7)
    axes[1].plot(t, prob, color="#023047")
    axes[1].fill_between(t, 0, voiced.astype(float), color="#ffb703", alpha=0.35, step="mid",
                         label="decoded voiced")
    axes[1].set(ylabel="P(voiced)", ylim=(0, 1.05))
    axes[1].legend(loc="upper right", fontsize=8)
    axes[2].plot(t, h, color="#9b2226")
    axes[2].set(ylabel="HNR (dB)", xlabel="time (s)")
    _save(fig, out)


def main():
    truth = json.loads((SAMPLES / "ground_truth.json").read_text())["clips"]["melody.flac"]["notes"]
    pitch_figure("melody.flac", "pitch_melody.png", truth)
    pitch_figure("speech.wav", "pitch_speech.png")


if __name__ == "__main__":
    main()
