"""Time audiofeat's yin and pyin against librosa 0.11 (the anchor), interleaved in the same run.

Each case calls audiofeat and librosa one after the other in every round (af, librosa, af, librosa, ...), so
both share the machine's noise. After a warm-up (two calls each: librosa's numba compile, caches) it reports
the median of ``--repeat`` rounds (default 7) with the range (min-max), the ratio of medians
(librosa / audiofeat: > 1 means audiofeat is faster), audiofeat's x-realtime factor, and how far the two
agree (pyin: share of frames with the same voicing decision, median |delta f0| in cents on frames both call
voiced).

Signals, 10 s at 22050 Hz (librosa's defaults otherwise; fmin = C2, fmax = C7 as in librosa's examples):

    real       data/samples/melody.flac and speech.wav, loaded at 22050 Hz, concatenated and tiled to 10 s
    synthetic  a harmonic tone with vibrato (220 Hz +-50 cents at 5.5 Hz), a glide, and white-noise gaps
    batch      the real signal as a (2, n) batch (2 x 10 s), one call each (librosa supports leading axes)

    python benchmarks/bench_pitch.py                  # everything, repeat 7
    python benchmarks/bench_pitch.py --case pyin --repeat 9
    python benchmarks/bench_pitch.py --op yin          # yin only ("yin" as a --case also matches pyin)
    python benchmarks/bench_pitch.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import audiofeat as af  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SR = 22050
C2, C7 = 65.40639132514966, 2093.004522404789
GAP_S = 0.05


def real_audio(seconds: float = 10.0) -> np.ndarray:
    y = np.concatenate([af.load(SAMPLES / name, sr=SR)[0] for name in ("melody.flac", "speech.wav")])
    n = int(seconds * SR)
    return np.ascontiguousarray(np.tile(y, -(-n // len(y)))[:n], dtype=np.float32)


def synthetic_audio(seconds: float = 10.0, seed: int = 0) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f0 = 220 * 2 ** (50 / 1200 * np.sin(2 * np.pi * 5.5 * t)) * 2 ** (np.floor(t / 2.5) / 12 * 5)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    y = 0.5 * np.sin(phase) + 0.25 * np.sin(2 * phase) + 0.12 * np.sin(3 * phase)
    gaps = (t % 2.5) > 2.0  # half a second of noise every 2.5 s
    y[gaps] = 0.1 * np.random.default_rng(seed).standard_normal(int(gaps.sum()))
    return y.astype(np.float32)


def interleaved(fns: dict, repeat: int, warmup: int = 2) -> dict:
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            time.sleep(GAP_S)
            t0 = time.perf_counter()
            out = fn()
            t1 = time.perf_counter()
            del out
            times[name].append(t1 - t0)
    return times


def stats(ts: list) -> dict:
    return dict(median_s=float(np.median(ts)), min_s=float(min(ts)), max_s=float(max(ts)), runs_s=list(ts))


def ms(x: float) -> str:
    x *= 1e3
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def agreement(op: str, ours, theirs) -> str:
    if op == "yin":
        a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
        return f"max rel diff {np.max(np.abs(a - b) / np.abs(b)):.1e}"
    (f1, v1, _), (f2, v2, _) = ours, theirs
    same = float(np.mean(v1 == v2))
    both = v1 & v2
    cents = 1200 * np.abs(np.log2(np.asarray(f1[both], np.float64) / f2[both])) if both.any() else np.zeros(1)
    return f"voicing equal {100 * same:.2f}%, median |df0| {np.median(cents):.3f} cents (max {cents.max():.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", metavar="NAME", help="run cases whose id contains NAME")
    parser.add_argument("--op", action="append", choices=("yin", "pyin"), help="run only this function")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per function (at least 7)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write all numbers to this file")
    args = parser.parse_args()
    if args.repeat < 7:
        parser.error("--repeat must be at least 7")
    import librosa

    signals = {"real": real_audio(), "synthetic": synthetic_audio()}
    signals["batch"] = np.stack([np.roll(signals["real"], k * SR) for k in range(2)])
    kw = dict(fmin=C2, fmax=C7, sr=SR)
    cases = [(f"{op}-{sig}", op, sig) for op in (args.op or ("yin", "pyin")) for sig in ("real", "synthetic", "batch")]
    if args.case:
        cases = [c for c in cases if any(name in c[0] for name in args.case)]
    print(f"# bench_pitch: audiofeat {af.__version__} vs librosa {librosa.__version__}; python "
          f"{platform.python_version()}, numpy {np.__version__}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}; median (min-max) of {args.repeat} interleaved runs, ms")
    print(f"{'case':<16} {'audiofeat':>22} {'librosa':>24} {'ratio':>7} {'x realtime':>11}  agreement")
    results = []
    for case_id, op, sig in cases:
        y = signals[sig]
        ours = lambda: getattr(af, op)(y, **kw)  # noqa: E731
        theirs = lambda: getattr(librosa, op)(y, **kw)  # noqa: E731
        times = interleaved({"audiofeat": ours, "librosa": theirs}, args.repeat)
        s_af, s_lr = stats(times["audiofeat"]), stats(times["librosa"])
        ratio = s_lr["median_s"] / s_af["median_s"]
        seconds = y.size / SR
        agree = agreement(op, ours(), theirs())
        print(f"{case_id:<16} {ms(s_af['median_s']):>8} ({ms(s_af['min_s'])}-{ms(s_af['max_s'])})".ljust(40)
              + f"{ms(s_lr['median_s']):>8} ({ms(s_lr['min_s'])}-{ms(s_lr['max_s'])})".ljust(26)
              + f"{ratio:>6.1f}x {seconds / s_af['median_s']:>10.0f}x  {agree}", flush=True)
        results.append(dict(case=case_id, audiofeat=s_af, librosa=s_lr, ratio=ratio, agreement=agree,
                            seconds_of_audio=seconds))
    if args.json:
        args.json.write_text(json.dumps(dict(load_average=os.getloadavg(), results=results), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
