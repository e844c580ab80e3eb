#!/usr/bin/env python
"""Regenerate the audio clips bundled with audiofeat (data/samples/).

Every clip is made from scratch by this script: the melody, drums, noise and
chord are synthesised with numpy/scipy, and the speech clip is synthesised
with the espeak-ng text-to-speech program.  No third-party recordings are
used.  The clips and this script are released under CC0-1.0.

Usage::

    python data/samples/make_samples.py            # writes next to this file
    python data/samples/make_samples.py --out DIR  # writes somewhere else

Requirements: numpy, scipy, soundfile (libsndfile >= 1.1 for MP3), soxr, and
the ``espeak-ng`` executable for ``speech.wav`` only.  If espeak-ng is not
installed the speech clip is left as it is (with a message) and its entry in
``ground_truth.json`` is read back from the existing file, if any.

Everything is deterministic (fixed seeds, fixed schedules).  WAV and FLAC
files are byte-for-byte reproducible; the Ogg/Vorbis and MP3 files decode to
the same audio but their container bytes may differ between runs or library
versions (e.g. the random Ogg stream serial number).

``ground_truth.json`` is written from the very schedules used to synthesise
the clips plus the properties of the files read back with soundfile, so the
numbers in it always match what was actually produced.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from scipy import signal

HERE = Path(__file__).resolve().parent

SR = 22050  # default sample rate of the clips
PEAK_M3DB = 10 ** (-3 / 20)  # -3 dBFS as a linear peak value (~0.708)

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def midi_to_hz(m: float) -> float:
    return 440.0 * 2.0 ** ((m - 69) / 12.0)


def normalise_peak(x: np.ndarray, peak: float = PEAK_M3DB) -> np.ndarray:
    return x * (peak / np.max(np.abs(x)))


def file_facts(path: Path) -> dict:
    """Properties of a written file, as soundfile reads it back."""
    info = sf.info(str(path))
    data, sr = sf.read(str(path), dtype="float64", always_2d=True)
    return {
        "file": path.name,
        "format": info.format,
        "subtype": info.subtype,
        "sample_rate": int(sr),
        "channels": int(data.shape[1]),
        "frames": int(data.shape[0]),
        "duration_s": round(data.shape[0] / sr, 6),
        "peak": round(float(np.max(np.abs(data))), 4),
        "rms_dbfs": round(float(20 * np.log10(np.sqrt(np.mean(data**2)))), 2),
        "size_bytes": path.stat().st_size,
    }


# --------------------------------------------------------------------------
# 1. speech.wav -- espeak-ng, resampled to 16 kHz, 16-bit PCM
# --------------------------------------------------------------------------

SPEECH_TEXT = (
    "The quick brown fox jumps over the lazy dog. "
    "Audio features for machine learning."
)
SPEECH_SR = 16000
SPEECH_VOICE = "en-us"
SPEECH_WPM = 175
SPEECH_PAD_S = 0.15  # silence kept before/after the speech


def make_speech(out: Path) -> bool:
    """Return True if speech.wav was (re)generated."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        print("espeak-ng not found: leaving speech.wav as it is "
              "(install espeak-ng to regenerate it)", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "espeak.wav"
        subprocess.run(
            [exe, "-v", SPEECH_VOICE, "-s", str(SPEECH_WPM),
             "-w", str(raw), SPEECH_TEXT],
            check=True,
        )
        x, sr_in = sf.read(str(raw), dtype="float64")
    if x.ndim > 1:
        x = x.mean(axis=1)
    y = soxr.resample(x, sr_in, SPEECH_SR, quality="VHQ")
    # trim espeak's leading/trailing silence, then add a fixed short pad
    thresh = 0.01 * np.max(np.abs(y))
    idx = np.flatnonzero(np.abs(y) > thresh)
    pad = int(round(SPEECH_PAD_S * SPEECH_SR))
    y = y[max(idx[0] - pad, 0): idx[-1] + pad + 1]
    # short fades so the clip starts/ends exactly at zero
    fade = int(0.01 * SPEECH_SR)
    ramp = np.linspace(0.0, 1.0, fade)
    y[:fade] *= ramp
    y[-fade:] *= ramp[::-1]
    y = normalise_peak(y)
    sf.write(str(out / "speech.wav"), y, SPEECH_SR, subtype="PCM_16")
    return True


# --------------------------------------------------------------------------
# 2. melody.flac -- harmonic tone playing an A-major scale from A3
# --------------------------------------------------------------------------

MELODY_MIDI = [57, 59, 61, 62, 64, 66, 68, 69]  # A3 B3 C#4 D4 E4 F#4 G#4 A4
MELODY_NOTE_S = 0.4
MELODY_START_S = 0.25  # silence before the first note
MELODY_TAIL_S = 0.25   # silence after the last note
MELODY_HARMONICS = [1.0, 0.5, 0.33, 0.25, 0.2]  # relative amplitudes


def melody_schedule() -> list[dict]:
    return [
        {
            "onset_s": round(MELODY_START_S + i * MELODY_NOTE_S, 6),
            "offset_s": round(MELODY_START_S + (i + 1) * MELODY_NOTE_S, 6),
            "midi": m,
            "f0_hz": round(midi_to_hz(m), 4),
        }
        for i, m in enumerate(MELODY_MIDI)
    ]


def harmonic_note(f0: float, dur: float, sr: int) -> np.ndarray:
    n = int(round(dur * sr))
    t = np.arange(n) / sr
    x = np.zeros(n)
    for k, a in enumerate(MELODY_HARMONICS, start=1):
        if k * f0 >= sr / 2:
            break
        # higher harmonics decay faster, like a plucked/struck string
        x += a * np.exp(-t * (1.5 + 1.5 * k)) * np.sin(2 * np.pi * k * f0 * t)
    # 5 ms linear attack, 30 ms raised-cosine release so every note ends
    # before the next starts (a smooth release avoids a spurious "onset"
    # from spectral splatter at the end of the last note)
    env = np.ones(n)
    att = int(0.005 * sr)
    rel = int(0.030 * sr)
    env[:att] = np.linspace(0.0, 1.0, att)
    env[-rel:] = 0.5 * (1.0 + np.cos(np.pi * np.arange(rel) / (rel - 1)))
    return x * env


def make_melody(out: Path) -> list[dict]:
    notes = melody_schedule()
    total = MELODY_START_S + len(notes) * MELODY_NOTE_S + MELODY_TAIL_S
    y = np.zeros(int(round(total * SR)))
    for note in notes:
        start = int(round(note["onset_s"] * SR))
        x = harmonic_note(note["f0_hz"], MELODY_NOTE_S, SR)
        y[start:start + len(x)] += x
    y = normalise_peak(y)
    sf.write(str(out / "melody.flac"), y, SR, format="FLAC", subtype="PCM_16")
    return notes


# --------------------------------------------------------------------------
# 3. drums.ogg -- kick / snare / hi-hat at 120 BPM, plus a bass note per bar
# --------------------------------------------------------------------------

DRUMS_SEED = 20240301
DRUMS_BPM = 120.0
DRUMS_BARS = 2
DRUMS_START_S = 0.2   # time of the first downbeat
DRUMS_TAIL_S = 0.55   # audio after the last eighth-note slot
# 4/4, eighth-note grid (8 slots per bar); which slots each instrument plays
KICK_SLOTS = [0, 4]          # beats 1 and 3
SNARE_SLOTS = [2, 6]         # beats 2 and 4
HAT_SLOTS = list(range(8))   # every eighth note
BASS_MIDI = [33, 28]         # A1 in bar 1, E1 in bar 2 (one note per bar)


def drums_schedule() -> dict:
    beat = 60.0 / DRUMS_BPM
    eighth = beat / 2
    kick, snare, hat, bass = [], [], [], []
    for bar in range(DRUMS_BARS):
        for slot in range(8):
            t = round(DRUMS_START_S + (bar * 8 + slot) * eighth, 6)
            if slot in KICK_SLOTS:
                kick.append(t)
            if slot in SNARE_SLOTS:
                snare.append(t)
            if slot in HAT_SLOTS:
                hat.append(t)
        bass.append({
            "onset_s": round(DRUMS_START_S + bar * 4 * beat, 6),
            "midi": BASS_MIDI[bar % len(BASS_MIDI)],
            "f0_hz": round(midi_to_hz(BASS_MIDI[bar % len(BASS_MIDI)]), 4),
        })
    onsets = sorted(set(kick) | set(snare) | set(hat) | {b["onset_s"] for b in bass})
    beats = [round(DRUMS_START_S + i * beat, 6) for i in range(DRUMS_BARS * 4)]
    return {
        "tempo_bpm": DRUMS_BPM,
        "onsets_s": onsets,
        "beats_s": beats,
        "downbeats_s": [round(DRUMS_START_S + b * 4 * beat, 6) for b in range(DRUMS_BARS)],
        "kick_s": kick,
        "snare_s": snare,
        "hihat_s": hat,
        "bass_notes": bass,
    }


def kick_hit(sr: int) -> np.ndarray:
    n = int(0.35 * sr)
    t = np.arange(n) / sr
    freq = 50.0 + 100.0 * np.exp(-t / 0.04)       # 150 Hz -> 50 Hz sweep
    phase = 2 * np.pi * np.cumsum(freq) / sr
    return np.sin(phase) * np.exp(-t / 0.09)


def snare_hit(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.25 * sr)
    t = np.arange(n) / sr
    b, a = signal.butter(2, [1000, 8000], btype="bandpass", fs=sr)
    noise = signal.lfilter(b, a, rng.standard_normal(n))
    noise /= np.max(np.abs(noise))
    tone = np.sin(2 * np.pi * 185.0 * t) * np.exp(-t / 0.04)
    return 0.8 * noise * np.exp(-t / 0.06) + 0.5 * tone


def hat_hit(sr: int, rng: np.random.Generator) -> np.ndarray:
    n = int(0.12 * sr)
    t = np.arange(n) / sr
    b, a = signal.butter(4, 5000, btype="highpass", fs=sr)
    noise = signal.lfilter(b, a, rng.standard_normal(n))
    noise /= np.max(np.abs(noise))
    return noise * np.exp(-t / 0.03)


def bass_note(f0: float, dur: float, sr: int) -> np.ndarray:
    n = int(round(dur * sr))
    t = np.arange(n) / sr
    x = (np.sin(2 * np.pi * f0 * t) + 0.3 * np.sin(2 * np.pi * 2 * f0 * t)
         + 0.1 * np.sin(2 * np.pi * 3 * f0 * t))
    env = np.exp(-t / 0.8)
    att, rel = int(0.005 * sr), int(0.05 * sr)
    env[:att] *= np.linspace(0.0, 1.0, att)
    env[-rel:] *= np.linspace(1.0, 0.0, rel)
    return x * env


def make_drums(out: Path) -> dict:
    rng = np.random.default_rng(DRUMS_SEED)
    sched = drums_schedule()
    beat = 60.0 / DRUMS_BPM
    total = DRUMS_START_S + DRUMS_BARS * 4 * beat + DRUMS_TAIL_S - beat / 2
    y = np.zeros(int(round(total * SR)))

    def add(x: np.ndarray, t: float, gain: float) -> None:
        s = int(round(t * SR))
        e = min(s + len(x), len(y))
        y[s:e] += gain * x[: e - s]

    for t in sched["kick_s"]:
        add(kick_hit(SR), t, 1.0)
    for t in sched["snare_s"]:
        add(snare_hit(SR, rng), t, 0.8)
    for t in sched["hihat_s"]:
        add(hat_hit(SR, rng), t, 0.6)
    for note in sched["bass_notes"]:
        add(bass_note(note["f0_hz"], 4 * beat - 0.02, SR), note["onset_s"], 0.35)
    y = normalise_peak(y)
    sf.write(str(out / "drums.ogg"), y, SR, format="OGG", subtype="VORBIS")
    return sched


# --------------------------------------------------------------------------
# 4. noise.wav -- 3 s of pink (1/f) noise at -20 dBFS RMS
# --------------------------------------------------------------------------

NOISE_SEED = 12345
NOISE_DUR_S = 3.0
NOISE_RMS_DBFS = -20.0


def make_noise(out: Path) -> dict:
    rng = np.random.default_rng(NOISE_SEED)
    n = int(round(NOISE_DUR_S * SR))
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, d=1 / SR)
    scale = np.zeros_like(f)
    scale[1:] = 1.0 / np.sqrt(f[1:])  # power ~ 1/f  -> amplitude ~ 1/sqrt(f)
    x = np.fft.irfft(spec * scale, n=n)
    x -= x.mean()
    x *= 10 ** (NOISE_RMS_DBFS / 20) / np.sqrt(np.mean(x**2))
    sf.write(str(out / "noise.wav"), x, SR, subtype="PCM_16")
    return {"seed": NOISE_SEED, "rms_dbfs_target": NOISE_RMS_DBFS,
            "spectral_slope": "power ~ 1/f (-3 dB/octave)"}


# --------------------------------------------------------------------------
# 5. chord.mp3 -- 3 s stereo C-major chord (chord.wav if MP3 is unavailable)
# --------------------------------------------------------------------------

CHORD_MIDI = [60, 64, 67]           # C4 E4 G4
CHORD_GAINS_L = [1.0, 0.6, 0.2]     # left: mostly C (+ some E)
CHORD_GAINS_R = [0.2, 0.6, 1.0]     # right: mostly G (+ some E)
CHORD_DUR_S = 3.0


def mp3_supported() -> bool:
    return "MP3" in sf.available_formats()


def make_chord(out: Path) -> dict:
    n = int(round(CHORD_DUR_S * SR))
    t = np.arange(n) / SR
    env = np.exp(-t / 2.0)
    att, rel = int(0.01 * SR), int(0.1 * SR)
    env[:att] *= np.linspace(0.0, 1.0, att)
    env[-rel:] *= np.linspace(1.0, 0.0, rel)
    left = np.zeros(n)
    right = np.zeros(n)
    for m, gl, gr in zip(CHORD_MIDI, CHORD_GAINS_L, CHORD_GAINS_R):
        f0 = midi_to_hz(m)
        tone = np.sin(2 * np.pi * f0 * t) + 0.3 * np.sin(2 * np.pi * 2 * f0 * t)
        left += gl * tone
        right += gr * tone
    y = np.stack([left, right], axis=1) * env[:, None]
    y = normalise_peak(y)

    # remove a stale file of the other kind so only one chord clip exists
    name = "chord.mp3"
    written = False
    if mp3_supported():
        try:
            sf.write(str(out / name), y, SR, format="MP3",
                     subtype="MPEG_LAYER_III")
            sf.read(str(out / name))  # make sure it decodes
            written = True
        except Exception as exc:  # pragma: no cover - depends on libsndfile
            print(f"MP3 writing failed ({exc}); writing chord.wav instead",
                  file=sys.stderr)
            (out / name).unlink(missing_ok=True)
    if not written:
        name = "chord.wav"
        sf.write(str(out / name), y, SR, subtype="PCM_16")
    other = out / ("chord.wav" if name == "chord.mp3" else "chord.mp3")
    other.unlink(missing_ok=True)
    return {
        "file": name,
        "notes": [
            {"midi": m, "f0_hz": round(midi_to_hz(m), 4),
             "gain_left": gl, "gain_right": gr}
            for m, gl, gr in zip(CHORD_MIDI, CHORD_GAINS_L, CHORD_GAINS_R)
        ],
    }


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE,
                    help="output folder (default: this script's folder)")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    truth: dict = {
        "_comment": ("Written by make_samples.py from the schedules used to "
                     "synthesise the clips. Times in seconds, frequencies in "
                     "Hz. frames/duration_s are as soundfile decodes the "
                     "file; for lossy formats (OGG, MP3) allow a small "
                     "tolerance across decoders."),
        "clips": {},
    }
    clips = truth["clips"]

    make_speech(out)
    if (out / "speech.wav").exists():
        clips["speech.wav"] = {
            **file_facts(out / "speech.wav"),
            "description": "spoken English, synthesised with espeak-ng",
            "text": SPEECH_TEXT,
            "synth": {"program": "espeak-ng", "voice": SPEECH_VOICE,
                      "words_per_minute": SPEECH_WPM},
        }

    notes = make_melody(out)
    clips["melody.flac"] = {
        **file_facts(out / "melody.flac"),
        "description": ("A-major scale from A3, 8 notes of 0.4 s, harmonic "
                        "tone with decaying harmonics"),
        "note_duration_s": MELODY_NOTE_S,
        "onsets_s": [n["onset_s"] for n in notes],
        "f0_hz": [n["f0_hz"] for n in notes],
        "midi": [n["midi"] for n in notes],
        "notes": notes,
    }

    sched = make_drums(out)
    clips["drums.ogg"] = {
        **file_facts(out / "drums.ogg"),
        "description": ("kick/snare/hi-hat pattern in 4/4 at 120 BPM, two "
                        "bars, with a bass note on each downbeat"),
        **sched,
    }

    noise = make_noise(out)
    clips["noise.wav"] = {
        **file_facts(out / "noise.wav"),
        "description": "pink (1/f) noise",
        **noise,
    }

    chord = make_chord(out)
    clips[chord["file"]] = {
        **file_facts(out / chord["file"]),
        "description": ("C-major chord (C4 E4 G4), stereo: left mostly C, "
                        "right mostly G"),
        "notes": chord["notes"],
    }

    with open(out / "ground_truth.json", "w", encoding="utf-8") as fh:
        json.dump(truth, fh, indent=2)
        fh.write("\n")

    for name, facts in clips.items():
        print(f"{name:12s} {facts['format']:5s} {facts['subtype']:14s} "
              f"sr={facts['sample_rate']:5d} ch={facts['channels']} "
              f"dur={facts['duration_s']:.3f}s peak={facts['peak']:.3f} "
              f"size={facts['size_bytes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
