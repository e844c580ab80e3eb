"""Draw the figures of docs/energy-onsets.md and docs/rhythm.md from the bundled sample clips.

Writes two PNGs to ``docs/img/``:

* ``energy_onsets.png`` -- drums.ogg: waveform, RMS, spectral-flux and energy onset strength with the
  detected onsets against the clip's schedule; speech.wav with silences, in pink noise at 10 dB SNR, with
  the voice_activity segments and the reference segments.
* ``rhythm.png`` -- drums.ogg tiled to 9 s: onset envelope with tracked beats and the ground-truth beats,
  autocorrelation tempogram with the estimated tempo, predominant local pulse.

Run from anywhere (needs matplotlib, a docs-only dependency)::

    python docs/make_rhythm_figures.py

Deterministic: fixed seeds, fixed sizes, no timestamps in the PNG metadata.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import audiofeat as af  # noqa: E402
from make_figures import _save  # noqa: E402

SAMPLES = ROOT / "data" / "samples"
TRUTH = json.loads((SAMPLES / "ground_truth.json").read_text())["clips"]
plt.rcParams.update({"axes.titlesize": 10, "font.size": 9})


def _speech_in_noise(seed=1, snr_db=10.0):
    y, sr = af.load(SAMPLES / "speech.wav", sr=None)
    y = y.astype(np.float64)
    cut = int(2.75 * sr)
    rng = np.random.default_rng(seed)
    parts, ref, t = [], [], 0
    for k, piece in enumerate([y[:cut], y[cut:]]):
        nz = np.flatnonzero(np.abs(piece) > 10 ** (-40 / 20) * np.abs(y).max())
        piece = piece[nz[0]: nz[-1] + 1]
        parts.append(np.zeros(int((0.8 + 0.4 * k) * sr)))
        t += len(parts[-1])
        parts.append(piece)
        ref.append((t / sr, (t + len(piece)) / sr))
        t += len(piece)
    parts.append(np.zeros(int(0.7 * sr)))
    s = np.concatenate(parts)
    X = np.fft.rfft(rng.standard_normal(len(s)))
    f = np.arange(X.size, dtype=float)
    f[0] = 1
    noise = np.fft.irfft(X / np.sqrt(f), len(s))
    active = np.zeros(len(s), bool)
    for a, b in ref:
        active[int(a * sr):int(b * sr)] = True
    noise *= np.sqrt(np.mean(s[active] ** 2) / 10 ** (snr_db / 10)) / noise.std()
    return (s + noise).astype(np.float32), sr, ref


def energy_figure():
    y, sr = af.load(SAMPLES / "drums.ogg", sr=None)
    t = np.arange(len(y)) / sr
    rms = af.feature.rms(y=y)[0]
    flux = af.onset.onset_strength(y=y, sr=sr)
    eos = af.onset.energy_onset_strength(y=y, sr=sr)
    ft = af.frames_to_time(np.arange(len(flux)), sr=sr)
    on_flux = af.onset.onset_detect(onset_envelope=flux, sr=sr, units="time")
    on_energy = af.onset.onset_detect(onset_envelope=eos, sr=sr, units="time")
    truth = TRUTH["drums.ogg"]["onsets_s"]
    v, vsr, ref = _speech_in_noise()
    segs = af.effects.voice_activity(v, vsr)

    fig, ax = plt.subplots(5, 1, figsize=(9, 9), gridspec_kw=dict(height_ratios=[1, 1, 1.2, 1.2, 1.4]))
    ax[0].plot(t, y, lw=0.4, color="0.3")
    ax[0].set_title("drums.ogg (kick, snare, hi-hat at 120 BPM)")
    ax[1].plot(ft, rms, color="C0")
    ax[1].set_title("rms (frame_length 2048, hop 512)")
    for a, env, on, name in [(ax[2], flux, on_flux, "onset_strength (log-mel spectral flux)"),
                             (ax[3], eos, on_energy, "energy_onset_strength (relative energy rise)")]:
        a.plot(ft, env, color="C1")
        a.vlines(truth, 0, env.max(), color="0.6", lw=3, alpha=0.5, label="schedule")
        a.vlines(on, 0, env.max(), color="C3", lw=1, label="onset_detect")
        a.set_title(name)
        a.legend(loc="upper right", fontsize=7)
    for a in ax[:4]:
        a.set_xlim(0, t[-1])
    vt = np.arange(len(v)) / vsr
    ax[4].plot(vt, v, lw=0.3, color="0.4")
    hi = np.abs(v).max()
    for k, (a, b) in enumerate(ref):
        ax[4].axvspan(a, b, ymin=0.5, ymax=1.0, color="0.6", alpha=0.5, label="reference" if k == 0 else None)
    for k, (a, b) in enumerate(segs):
        ax[4].axvspan(a, b, ymin=0.0, ymax=0.5, color="C2", alpha=0.5, label="voice_activity" if k == 0 else None)
    ax[4].set_ylim(-hi, hi)
    ax[4].set_xlim(0, vt[-1])
    ax[4].set_title("speech.wav with silences, pink noise at 10 dB SNR: voice_activity segments")
    ax[4].legend(loc="upper right", fontsize=7)
    ax[4].set_xlabel("time (s)")
    fig.tight_layout()
    _save(fig, "energy_onsets.png")


def rhythm_figure():
    y, sr = af.load(SAMPLES / "drums.ogg", sr=None)
    y = np.tile(y, 2)  # 9 s: two repeats of the 2-bar pattern (the pattern is 4 s + 0.5 s of tail)
    env = af.onset.onset_strength(y=y, sr=sr, aggregate=np.median)
    bpm, beats = af.beat.beat_track(onset_envelope=env, sr=sr, units="time")
    tg = af.feature.tempogram(onset_envelope=env, sr=sr)
    pulse = af.beat.plp(onset_envelope=env, sr=sr)
    ft = af.frames_to_time(np.arange(len(env)), sr=sr)
    truth = np.asarray(TRUTH["drums.ogg"]["beats_s"])
    truth = np.concatenate([truth, truth + len(y) / 2 / sr])
    fig, ax = plt.subplots(3, 1, figsize=(9, 7), gridspec_kw=dict(height_ratios=[1, 1.6, 1]))
    ax[0].plot(ft, env, color="C1")
    ax[0].vlines(truth, 0, env.max(), color="0.6", lw=3, alpha=0.5, label="schedule beats")
    ax[0].vlines(beats, 0, env.max(), color="C3", lw=1, label=f"beat_track ({float(bpm[0]):.1f} BPM)")
    ax[0].set_title("drums.ogg x2: onset strength (median aggregate) and beats")
    ax[0].legend(loc="upper right", fontsize=7)
    bpms = af.tempo_frequencies(tg.shape[0], sr=sr)
    lags = np.arange(1, 100)
    ax[1].imshow(tg[1:100], origin="lower", aspect="auto", extent=[ft[0], ft[-1], 1, 100], cmap="magma")
    ax[1].axhline(60 * sr / 512 / float(bpm[0]), color="w", ls="--", lw=1, label="estimated beat period")
    ax[1].set_yticks(lags[::20])
    ax[1].set_yticklabels([f"{b:.0f}" for b in bpms[lags[::20]]])
    ax[1].set_ylabel("BPM (lag)")
    ax[1].set_title("tempogram (autocorrelation of the onset envelope, 8.9 s windows)")
    ax[1].legend(loc="upper right", fontsize=7)
    ax[2].plot(ft, pulse, color="C2")
    ax[2].vlines(truth, 0, 1, color="0.6", lw=3, alpha=0.5)
    ax[2].set_title("plp: predominant local pulse")
    ax[2].set_xlabel("time (s)")
    for a in ax:
        a.set_xlim(0, ft[-1])
    fig.tight_layout()
    _save(fig, "rhythm.png")


if __name__ == "__main__":
    energy_figure()
    rhythm_figure()
