"""Time audiofeat's effects against librosa 0.11 (the anchor), interleaved in the same run.

Each case calls audiofeat (numpy) and librosa one after the other in every round (af, librosa, af,
librosa, ...), so both share the machine's noise; ``--torch`` adds audiofeat on torch CPU tensors. After a
warm-up (two calls each) it reports the median of ``--repeat`` rounds (default 9, at least 7) with the
range (min-max), and the ratio of medians (librosa / audiofeat: > 1 means audiofeat is faster).

Signals, float32 like ``audiofeat.load``/``librosa.load``, 10 s each:

    real       the bundled speech clip (data/samples/speech.wav, 16 kHz) tiled to 10 s
    synthetic  a harmonic tone (220 Hz, 4 partials) plus seeded noise at 22050 Hz

Operations at librosa's defaults (n_fft 2048, hop 512): time_stretch (rate 1.25 and 0.8), pitch_shift
(+3 and -2 semitones, soxr_hq), phase_vocoder (of the precomputed STFT, rate 1.25), preemphasis,
deemphasis.

    python benchmarks/bench_effects.py                 # everything, repeat 9
    python benchmarks/bench_effects.py --case time_stretch --repeat 15
    python benchmarks/bench_effects.py --torch         # add a torch CPU column
    python benchmarks/bench_effects.py --threads 1     # audiofeat's numpy thread pool (default: all CPUs)
    python benchmarks/bench_effects.py --threads 1 --cpu-time   # CPU seconds of this process, not wall time

``--cpu-time`` times each call with ``time.process_time`` (CPU time of all this process's threads) instead of
``time.perf_counter``: on a machine shared with other jobs wall time mostly measures waiting for a core,
while the CPU time a single-threaded call consumes barely depends on the load. Use it with ``--threads 1``
(librosa is single-threaded) and say so with the figures.

What audiofeat computes is librosa's algorithm (same STFT, vocoder positions, soxr call); the phase is
carried as a unit phasor instead of an angle (no trigonometric calls), equal to librosa's to ~1e-11 on
complex128 (see docs/effects.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import audiofeat as af  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SECONDS = 10.0


def signals() -> dict[str, tuple[np.ndarray, int]]:
    y, sr = af.load(SAMPLES / "speech.wav", sr=None)
    n = int(SECONDS * sr)
    real = np.tile(y, -(-n // len(y)))[:n]
    sr_syn = 22050
    t = np.arange(int(SECONDS * sr_syn)) / sr_syn
    tone = sum(a * np.sin(2 * np.pi * 220 * k * t) for k, a in ((1, 0.5), (2, 0.25), (3, 0.15), (4, 0.1)))
    noise = 0.01 * np.random.default_rng(0).standard_normal(t.shape)
    return {"real": (real.astype(np.float32), sr), "synthetic": ((tone + noise).astype(np.float32), sr_syn)}


def operations(librosa):
    """name -> (audiofeat call, librosa call), each taking (y, sr, D)."""
    fx = af.effects
    return {
        "time_stretch(rate=1.25)": (lambda y, sr, D: fx.time_stretch(y, rate=1.25),
                                    lambda y, sr, D: librosa.effects.time_stretch(y, rate=1.25)),
        "time_stretch(rate=0.8)": (lambda y, sr, D: fx.time_stretch(y, rate=0.8),
                                   lambda y, sr, D: librosa.effects.time_stretch(y, rate=0.8)),
        "pitch_shift(n_steps=3)": (lambda y, sr, D: fx.pitch_shift(y, sr=sr, n_steps=3),
                                   lambda y, sr, D: librosa.effects.pitch_shift(y, sr=sr, n_steps=3)),
        "pitch_shift(n_steps=-2)": (lambda y, sr, D: fx.pitch_shift(y, sr=sr, n_steps=-2),
                                    lambda y, sr, D: librosa.effects.pitch_shift(y, sr=sr, n_steps=-2)),
        "phase_vocoder(rate=1.25)": (lambda y, sr, D: af.phase.phase_vocoder(D, rate=1.25),
                                     lambda y, sr, D: librosa.phase_vocoder(D, rate=1.25)),
        "preemphasis": (lambda y, sr, D: fx.preemphasis(y), lambda y, sr, D: librosa.effects.preemphasis(y)),
        "deemphasis": (lambda y, sr, D: fx.deemphasis(y), lambda y, sr, D: librosa.effects.deemphasis(y)),
    }


TIMER = time.perf_counter


def clock(fn, *args) -> float:
    t0 = TIMER()
    fn(*args)
    return TIMER() - t0


def fmt(ts: list[float]) -> str:
    ms = np.asarray(ts) * 1e3
    return f"{np.median(ms):8.2f} ({ms.min():.2f}-{ms.max():.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--case", action="append", default=[], help="only operations whose name contains this")
    parser.add_argument("--torch", action="store_true", help="also time audiofeat on torch CPU tensors")
    parser.add_argument("--threads", type=int, default=None, help="audiofeat's numpy thread count")
    parser.add_argument("--cpu-time", action="store_true", help="time CPU seconds (time.process_time), not wall")
    args = parser.parse_args()
    global TIMER
    if args.cpu_time:
        TIMER = time.process_time
    if args.repeat < 7:
        parser.error("--repeat must be at least 7")
    import librosa

    torch = None
    if args.torch:
        import torch
    if args.threads:
        af.set_num_threads(args.threads)
    print(f"# audiofeat effects vs librosa {librosa.__version__}; numpy {np.__version__}; python "
          f"{platform.python_version()}; {os.cpu_count()} CPUs; audiofeat threads {af.get_num_threads()}; "
          f"median (min-max) of {args.repeat} interleaved runs, ms of {'CPU' if args.cpu_time else 'wall'} time; "
          f"ratio = librosa / audiofeat; load average {os.getloadavg()[0]:.1f} (a shared machine)")
    cols = ["case", "audiofeat", "librosa"] + (["af torch"] if torch else []) + ["ratio"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for sig_name, (y, sr) in signals().items():
        D = af.stft(y)
        yt = torch.from_numpy(y) if torch else None
        Dt = torch.from_numpy(D.copy()) if torch else None
        for op_name, (f_af, f_lib) in operations(librosa).items():
            if args.case and not any(c in op_name for c in args.case):
                continue
            for _ in range(2):  # warm-up: caches, soxr plans
                f_af(y, sr, D), f_lib(y, sr, D)
                if torch and "pitch_shift" not in op_name:
                    f_af(yt, sr, Dt)
            t_af, t_lib, t_torch = [], [], []
            for _ in range(args.repeat):
                t_af.append(clock(f_af, y, sr, D))
                t_lib.append(clock(f_lib, y, sr, D))
                if torch and "pitch_shift" not in op_name:  # torch's sinc resampler: see docs/effects.md
                    t_torch.append(clock(f_af, yt, sr, Dt))
            row = [f"{sig_name}/{op_name}", fmt(t_af), fmt(t_lib)]
            if torch:
                row.append(fmt(t_torch) if t_torch else "n/a")
            row.append(f"{np.median(t_lib) / np.median(t_af):.2f}x")
            print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
