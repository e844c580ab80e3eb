"""Before/after mel spectrograms of every augmentation transform -> docs/img/augment/<Name>.png.

    python docs/make_augment_figures.py      (needs matplotlib: pip install 'audiofeat[docs]')
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import audiofeat  # noqa: E402
from audiofeat import augment as A  # noqa: E402

SR = 16000
OUT = ROOT / "docs" / "img" / "augment"


def transforms(tmp: Path) -> dict:
    noise = tmp / "noise"
    noise.mkdir(exist_ok=True)
    audiofeat.save(noise / "hum.wav", (0.2 * np.sin(2 * np.pi * 120 * np.arange(2 * SR) / SR)).astype(np.float32), SR)
    out = {
        "Gain": A.Gain(-12), "AddColoredNoise": A.AddColoredNoise(10, color="pink"),
        "AddBackgroundNoise": A.AddBackgroundNoise(noise, snr_db=5),
        "ApplyImpulseResponse": A.ApplyImpulseResponse(rt60=0.8, drr_db=0), "Shift": A.Shift(0.3),
        "LowPassFilter": A.LowPassFilter(1500), "HighPassFilter": A.HighPassFilter(1500),
        "BandPassFilter": A.BandPassFilter(1500, 0.7), "BandStopFilter": A.BandStopFilter(1500, 0.7),
        "PeakingFilter": A.PeakingFilter(1000, 18, 2), "Clip": A.Clip(-12), "Distortion": A.Distortion(20),
        "PolarityInversion": A.PolarityInversion(), "Reverse": A.Reverse(), "Normalize": A.Normalize(1.0),
        "Speed": A.Speed(1.25), "Resample": A.Resample(4000), "CodecCompression": A.CodecCompression("mp3", 1.0),
        "Trim": A.Trim(30, leave_length_unchanged=True), "PadOrCrop": A.PadOrCrop(length=SR, position="center"),
    }
    if hasattr(audiofeat.effects, "time_stretch"):
        out["TimeStretch"] = A.TimeStretch(1.3)
    if hasattr(audiofeat.effects, "pitch_shift"):
        out["PitchShift"] = A.PitchShift(4)
    return out


def mel_db(y):
    return audiofeat.power_to_db(audiofeat.melspectrogram(y=y, sr=SR, n_fft=512, hop_length=128, n_mels=64), ref=1.0)


def panel(ax, S, title):
    ax.imshow(S, origin="lower", aspect="auto", vmin=-80, vmax=S.max() if S.size else 0, cmap="magma")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def main() -> None:
    import tempfile

    OUT.mkdir(parents=True, exist_ok=True)
    y, _ = audiofeat.load(ROOT / "data" / "samples" / "melody.flac", sr=SR, duration=1.5)
    y = np.r_[np.zeros(SR // 4, np.float32), y].astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        for name, t in transforms(Path(tmp)).items():
            z = t(y, SR, rng=0)
            fig, axes = plt.subplots(1, 2, figsize=(6, 2.2))
            panel(axes[0], mel_db(y), "before")
            panel(axes[1], mel_db(np.ascontiguousarray(z)), f"{name}")
            fig.tight_layout()
            fig.savefig(OUT / f"{name}.png", dpi=80)
            plt.close(fig)
    S = mel_db(y)
    for name, t in {"TimeMasking": A.TimeMasking(30, 2), "FrequencyMasking": A.FrequencyMasking(12, 2),
                    "TimeWarp": A.TimeWarp(40)}.items():
        fig, axes = plt.subplots(1, 2, figsize=(6, 2.2))
        panel(axes[0], S, "before")
        panel(axes[1], t(S, rng=1) if name != "TimeMasking" else A.TimeMasking(30, 2, mask_value=-80.0)(S, rng=1), name)
        fig.tight_layout()
        fig.savefig(OUT / f"{name}.png", dpi=80)
        plt.close(fig)
    print(f"wrote {len(list(OUT.glob('*.png')))} figures to {OUT}")


if __name__ == "__main__":
    main()
