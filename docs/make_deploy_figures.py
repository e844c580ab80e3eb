"""Draw the deployment figure from a bundled clip: ``docs/img/streaming_logmel.png``.

speech.wav streamed through ``audiofeat.streaming.MelSpectrogram(log=True)`` in 10 ms chunks (160 samples at
16 kHz), the offline ``power_to_db(melspectrogram(...), top_db=None)``, and their difference.

    python docs/make_deploy_figures.py     # needs matplotlib
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import audiofeat  # noqa: E402
from audiofeat import streaming  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SR, N_FFT, HOP, N_MELS, CHUNK = 16000, 400, 160, 64, 160


def main() -> None:
    y, _ = audiofeat.load(ROOT / "data" / "samples" / "speech.wav", sr=SR)
    y = np.asarray(y, dtype=np.float32)
    fe = streaming.MelSpectrogram(sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, log=True)
    streamed = np.concatenate([fe.process(y[i:i + CHUNK]) for i in range(0, len(y), CHUNK)] + [fe.flush()], -1)
    offline = audiofeat.power_to_db(audiofeat.melspectrogram(y=y, sr=SR, n_fft=N_FFT, hop_length=HOP,
                                                             n_mels=N_MELS), top_db=None)
    diff = np.abs(streamed - offline)
    t = np.arange(streamed.shape[-1]) * HOP / SR
    fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True, constrained_layout=True)
    ext = (t[0], t[-1], 0, N_MELS)
    vmin = float(offline.max() - 80)
    for ax, data, title in ((axes[0], streamed, f"streamed in {1000 * CHUNK // SR} ms chunks (latency "
                                                 f"{fe.latency} samples = {1000 * fe.latency / SR:.1f} ms)"),
                            (axes[1], offline, "offline: power_to_db(melspectrogram(y), top_db=None)")):
        im = ax.imshow(data, origin="lower", aspect="auto", extent=ext, vmin=vmin, cmap="magma")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("mel band")
        fig.colorbar(im, ax=ax, label="dB")
    im = axes[2].imshow(diff, origin="lower", aspect="auto", extent=ext, cmap="viridis")
    axes[2].set_title(f"|streamed - offline| (max {diff.max():.1e} dB, float32)", fontsize=10)
    axes[2].set_ylabel("mel band")
    axes[2].set_xlabel("time (s)")
    fig.colorbar(im, ax=axes[2], label="dB")
    fig.suptitle("speech.wav: log-mel spectrogram, 64 bands, n_fft 400, hop 160", fontsize=11)
    out = ROOT / "docs" / "img" / "streaming_logmel.png"
    fig.savefig(out, dpi=90, metadata={"Software": None})
    print(out, f"max |diff| {diff.max():.2e} dB")


if __name__ == "__main__":
    main()
