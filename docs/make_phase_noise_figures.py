"""Draw the figures of docs/phase.md, docs/noise.md and docs/alignment.md from the bundled clips.

Writes to ``docs/img/``:

* ``phase_reassigned.png`` -- melody.flac: STFT magnitude vs the reassigned spectrogram (each bin moved to
  its instantaneous frequency and reassigned time), and speech.wav against its Griffin-Lim reconstruction.
* ``noise_gating.png`` -- speech.wav clean, in white noise at 5 dB SNR, after ``spectral_gate`` (stationary)
  and after ``wiener``, with the SNR of each.
* ``alignment.png`` -- a 100 fps loudness curve of speech.wav resampled to 25 fps video frames and pooled over
  word-like segments, on one time axis.

Run from anywhere (needs matplotlib)::

    python docs/make_phase_noise_figures.py

Deterministic: fixed seeds, fixed sizes, no metadata.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import audiofeat as af  # noqa: E402

SAMPLES = ROOT / "data" / "samples"
OUT = ROOT / "docs" / "img"
DPI = 100
plt.rcParams.update({"axes.titlesize": 10, "font.size": 9})


def _save(fig, name):
    fig.set_dpi(DPI)
    fig.canvas.draw()
    rgb = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])
    rgb.quantize(256, method=Image.Quantize.FASTOCTREE).save(OUT / name, optimize=True)
    plt.close(fig)
    print(f"wrote {OUT / name}")


def _db(S):
    return af.amplitude_to_db(S, ref=np.max, top_db=70)


def phase_figure():
    y, sr = af.load(SAMPLES / "melody.flac", sr=22050)
    y = (y if y.ndim == 1 else y.mean(0))[: 2 * sr].astype(np.float64)
    n_fft, hop = 1024, 256
    freqs, times, mags = af.reassigned_spectrogram(y, sr=sr, n_fft=n_fft, hop_length=hop, center=False)
    speech, ssr = af.load(SAMPLES / "speech.wav", sr=22050)
    speech = speech[: 2 * ssr].astype(np.float32)
    S = np.abs(af.stft(speech))
    y_gl = af.griffinlim(S, n_iter=32, random_state=0, length=len(speech))
    sc = np.linalg.norm(S - np.abs(af.stft(y_gl))) / np.linalg.norm(S)

    fig, ax = plt.subplots(2, 2, figsize=(10, 6.5))
    t = (np.arange(mags.shape[1]) * hop + n_fft // 2) / sr
    f = np.arange(mags.shape[0]) * sr / n_fft
    ax[0, 0].pcolormesh(t, f, _db(mags), shading="nearest", cmap="magma")
    ax[0, 0].set(title="melody.flac: STFT magnitude (1024 / 256)", ylabel="Hz", ylim=(0, 2500), xlabel="s")
    db = _db(mags)
    keep = np.isfinite(freqs) & np.isfinite(times) & (db > -50)
    ax[0, 1].set_facecolor("black")
    ax[0, 1].scatter(times[keep], freqs[keep], c=db[keep], s=1, cmap="magma", vmin=-70, vmax=0)
    ax[0, 1].set(title="reassigned: instantaneous frequency x reassigned time", ylim=(0, 2500), xlim=(0, 2),
                 xlabel="s")
    ts = np.arange(len(speech)) / ssr
    ax[1, 0].plot(ts, speech, lw=0.4, color="C0")
    ax[1, 0].set(title="speech.wav", xlabel="s", ylim=(-1, 1))
    ax[1, 1].plot(ts, y_gl, lw=0.4, color="C1")
    ax[1, 1].set(title=f"griffinlim(|stft|, n_iter=32): spectral convergence {sc:.3f}", xlabel="s", ylim=(-1, 1))
    fig.tight_layout()
    _save(fig, "phase_reassigned.png")


def noise_figure():
    clean, sr = af.load(SAMPLES / "speech.wav", sr=16000)
    clean = clean.astype(np.float64)
    noise = np.random.default_rng(0).standard_normal(len(clean))
    noisy = af.add_noise(clean, noise, 5.0)
    panels = [("clean", clean), (f"+ white noise: SNR {float(af.snr(clean, noisy)):.1f} dB", noisy)]
    for name, out in (("spectral_gate", af.spectral_gate(noisy, sr)),
                      ("spectral_gate(stationary=False)", af.spectral_gate(noisy, sr, stationary=False)),
                      ("wiener", af.wiener(noisy))):
        panels.append((f"{name}: SNR {float(af.snr(clean, out)):.1f} dB", out))
    fig, ax = plt.subplots(len(panels), 1, figsize=(9, 9), sharex=True)
    for a, (title, sig) in zip(ax, panels):
        S = np.abs(af.stft(sig, n_fft=512, hop_length=128))
        ref = np.abs(af.stft(clean, n_fft=512, hop_length=128)).max()
        t = np.arange(S.shape[1]) * 128 / sr
        f = np.arange(S.shape[0]) * sr / 512
        a.pcolormesh(t, f, af.amplitude_to_db(S, ref=ref, top_db=None), vmin=-70, vmax=0, shading="nearest",
                     cmap="magma")
        a.set(title=title, ylabel="Hz")
    ax[-1].set(xlabel="s")
    fig.tight_layout()
    _save(fig, "noise_gating.png")


def alignment_figure():
    y, sr = af.load(SAMPLES / "speech.wav", sr=16000)
    hop = 160  # 100 frames a second
    energy = (np.abs(af.stft(y.astype(np.float64), n_fft=400, hop_length=hop)) ** 2).sum(axis=0)
    level = 10 * np.log10(energy + 1e-10)[None]
    t = af.frames_to_time(np.arange(level.shape[1]), sr=sr, hop_length=hop)
    lin = af.resample_frames(level, 100, 25)
    mean = af.resample_frames(level, 100, 25, method="mean")
    tv = np.arange(lin.shape[1]) / 25
    segments = np.array([[0.3, 0.75], [0.8, 1.2], [1.25, 1.9], [2.0, 2.6], [2.7, 3.4], [3.5, 4.3]])
    pooled = af.pool_segments(level, segments, sr=sr, hop_length=hop)
    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.plot(t, level[0], lw=0.6, color="0.6", label="frame level, 100 fps (frame k at k * hop / sr)")
    ax.plot(tv, lin[0], "o", ms=3, color="C0", label="resample_frames -> 25 fps, linear")
    ax.plot(tv, mean[0], "s", ms=3, color="C1", mfc="none", label="resample_frames -> 25 fps, mean")
    for (a, b), v in zip(segments, pooled[0]):
        ax.plot([a, b], [v, v], color="C3", lw=2)
    ax.plot([], [], color="C3", lw=2, label="pool_segments(mean) over segments in seconds")
    ax.set(xlabel="s", ylabel="dB", title="speech.wav: one feature on three time bases")
    ax.legend(loc="lower center", fontsize=7, ncol=2)
    fig.tight_layout()
    _save(fig, "alignment.png")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    phase_figure()
    noise_figure()
    alignment_figure()
