"""The named feature set against openSMILE 2.6's eGeMAPSv02 functionals (the `opensmile` package), same run.

60 s of 16 kHz audio (real: the bundled clips at 16 kHz, concatenated and tiled; synthetic: a vibrato tone in
noise with pauses), one vector per call: ``audiofeat.extract_features(y, 16000)`` (57 values) and
``opensmile.Smile(eGeMAPSv02, Functionals).process_signal(y, 16000)`` (88 values). Interleaved, median and
range of ``--repeat`` runs (default 7), x realtime and the ratio. Also prints how close the parameters that
both sets define are on the real clip (F0 semitone mean and median, loudness-independent ones).

    python benchmarks/bench_featureset.py [--repeat 7] [--seconds 60] [--accuracy]

``--accuracy`` prints what the feature set's 8 kHz pitch path changes against ``audiofeat.yin`` / ``audiofeat.hnr``
at 16 kHz on the same frames (tones of known f0, the bundled speech and melody) instead of timing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import audiofeat as af  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SR = 16000


def signals(seconds: float) -> dict[str, np.ndarray]:
    n = int(seconds * SR)
    y = np.concatenate([af.load(SAMPLES / c, sr=SR)[0] for c in ("speech.wav", "melody.flac", "drums.ogg",
                                                                   "noise.wav", "chord.mp3")])
    real = np.tile(y, -(-n // len(y)))[:n].astype(np.float32)
    t = np.arange(n) / SR
    f0 = 180 * 2 ** (0.3 * np.sin(2 * np.pi * 5 * t) / 12)
    tone = 0.3 * np.sin(2 * np.pi * np.cumsum(f0) / SR) * (np.sin(2 * np.pi * 0.5 * t) > -0.3)
    synth = (tone + 0.01 * np.random.default_rng(0).standard_normal(n)).astype(np.float32)
    return {"real": real, "synthetic": synth}


def accuracy() -> None:
    from audiofeat import featureset as fs
    from audiofeat.resampling import resample

    def both(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        y = y.astype(np.float32)
        n = 1 + y.size // fs.HOP
        f8, h8 = fs._pitch_hnr(resample(y, orig_sr=SR, target_sr=fs.PITCH_SR), n)
        kw = dict(sr=SR, frame_length=fs.PITCH_FRAME, hop_length=fs.HOP)
        f16 = np.asarray(af.yin(y.astype(np.float64), fmin=fs.FMIN, fmax=fs.FMAX, **kw))[:n]
        h16 = np.asarray(af.hnr(y.astype(np.float64), fmin=fs.FMIN, fmax=fs.FMAX, **kw))[:n]
        return f8, f16, h8, h16

    print("two-harmonic tone: median |error| (cents), feature set (8 kHz) vs audiofeat.yin (16 kHz)")
    t = np.arange(SR) / SR
    for f0 in (65.5, 110, 220, 440, 660, 880, 990):
        f8, f16, _, _ = both(0.3 * np.sin(2 * np.pi * f0 * t) + 0.1 * np.sin(4 * np.pi * f0 * t))
        e = [float(np.median(np.abs(1200 * np.log2(f[10:-10] / f0)))) for f in (f8, f16)]
        print(f"  {f0:6.1f} Hz  {e[0]:6.2f}  {e[1]:6.2f}")
    for clip in ("speech.wav", "melody.flac"):
        f8, f16, h8, h16 = both(af.load(SAMPLES / clip, sr=SR)[0])
        v = h8 > 2
        d = 1200 * np.abs(np.log2(f8[v] / f16[v]))
        print(f"  {clip}: voiced frames {v.sum()}, median |8k - 16k| {np.median(d):.2f} cents, within 50 cents "
              f"{np.mean(d < 50):.3f}; voicing (HNR > 2 dB) agrees with audiofeat.hnr on {np.mean(v == (h16 > 2)):.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--accuracy", action="store_true", help="what the 8 kHz pitch path changes; no timing")
    args = p.parse_args()
    if args.accuracy:
        accuracy()
        return
    import opensmile

    smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                            feature_level=opensmile.FeatureLevel.Functionals)
    import os

    print(f"{args.seconds:g} s at {SR} Hz; median (min-max) of {args.repeat} interleaved runs; audiofeat threads "
          f"{af.get_num_threads()} (its pool: FFT workers and the formant eigenvalue blocks), openSMILE 1 thread; "
          f"load average {os.getloadavg()[0]:.1f}")
    for kind, y in signals(args.seconds).items():
        af.extract_features(y[:SR], SR)  # warm-up (caches)
        smile.process_signal(y[:SR], SR)
        times = {"audiofeat": [], "opensmile": []}
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ours = af.extract_features(y, SR)
            times["audiofeat"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            theirs = smile.process_signal(y, SR)
            times["opensmile"].append(time.perf_counter() - t0)
        med = {k: float(np.median(v)) for k, v in times.items()}
        for k, v in times.items():
            print(f"  {kind:9s} {k:10s} {med[k] * 1e3:8.1f} ms ({min(v) * 1e3:.1f}-{max(v) * 1e3:.1f})  "
                  f"{args.seconds / med[k]:7.0f}x realtime")
        print(f"  {kind:9s} audiofeat / openSMILE speed: {med['opensmile'] / med['audiofeat']:.2f}x")
        d = dict(zip(af.feature_names(), ours))
        row = theirs.iloc[0]
        print(f"  {kind:9s} F0 semitone mean {d['F0semitone_mean']:.2f} vs "
              f"{row['F0semitoneFrom27.5Hz_sma3nz_amean']:.2f}; p50 {d['F0semitone_p50']:.2f} vs "
              f"{row['F0semitoneFrom27.5Hz_sma3nz_percentile50.0']:.2f}; F1 {d['F1_frequency_mean']:.0f} vs "
              f"{row['F1frequency_sma3nz_amean']:.0f} Hz; HNR {d['HNR_mean']:.1f} vs "
              f"{row['HNRdBACF_sma3nz_amean']:.1f} dB; jitter {d['jitterLocal_mean']:.4f} vs "
              f"{row['jitterLocal_sma3nz_amean']:.4f}; shimmer {d['shimmerLocaldB_mean']:.2f} vs "
              f"{row['shimmerLocaldB_sma3nz_amean']:.2f} dB")


if __name__ == "__main__":
    main()
