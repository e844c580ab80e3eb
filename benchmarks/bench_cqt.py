"""Time audiofeat's constant-Q family against librosa 0.11 (the anchor), interleaved in the same run.

Each case calls audiofeat (numpy), librosa and, when torch is importable, audiofeat on a torch CPU tensor,
one after the other in every round, so they share the machine's noise. After a warm-up (two calls each:
librosa's numba compile, audiofeat's filter cache) it reports the median of ``--repeat`` rounds (default 9,
at least 7) with the range (min-max), and the ratio of medians (librosa / audiofeat: > 1 means audiofeat is
faster). librosa rebuilds its filters on every call (its joblib cache is off by default); audiofeat keeps
them in its constant store, which is part of what is measured.

Signals: 60 s at 22050 Hz of real audio (the bundled clips in data/samples/, loaded with audiofeat.load at
22050 Hz, concatenated and tiled) and of synthetic audio (seeded white noise plus three tones).

Operations: cqt (defaults: 84 bins from C1, hop 512), cqt at 44.1 kHz (an early decimation by 2),
vqt (gamma=None), hybrid_cqt, chroma_cqt (36 bins per octave, tuning 0), chroma_cens, icqt.

    python benchmarks/bench_cqt.py                 # everything (repeat 9)
    python benchmarks/bench_cqt.py --case cqt --repeat 15 --no-torch
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
CLIPS = ("speech.wav", "melody.flac", "drums.ogg", "noise.wav", "chord.mp3")


def real_audio(seconds: float, sr: int) -> np.ndarray:
    y = np.concatenate([af.load(SAMPLES / name, sr=sr)[0] for name in CLIPS])
    n = int(round(seconds * sr))
    return np.ascontiguousarray(np.tile(y, -(-n // len(y)))[:n], dtype=np.float32)


def synthetic_audio(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    n = int(round(seconds * sr))
    t = np.arange(n) / sr
    y = 0.05 * np.random.default_rng(seed).standard_normal(n)
    for f in (220.0, 1000.0, 3150.0):
        y += 0.2 * np.sin(2 * np.pi * f * t)
    return y.astype(np.float32)


def cases(librosa):
    """name -> (audiofeat fn(x), librosa fn(x), sample rate, input maker)."""
    chroma_kw = dict(sr=22050, tuning=0.0)
    return {
        "cqt": (lambda x: af.cqt(x, sr=22050), lambda x: librosa.cqt(y=x, sr=22050), 22050, None),
        "cqt-44k": (lambda x: af.cqt(x, sr=44100), lambda x: librosa.cqt(y=x, sr=44100), 44100, None),
        "vqt": (lambda x: af.vqt(x, sr=22050, gamma=None), lambda x: librosa.vqt(y=x, sr=22050, gamma=None),
                22050, None),
        "hybrid_cqt": (lambda x: af.hybrid_cqt(x, sr=22050), lambda x: librosa.hybrid_cqt(y=x, sr=22050), 22050,
                       None),
        "chroma_cqt": (lambda x: af.feature.chroma_cqt(y=x, **chroma_kw),
                       lambda x: librosa.feature.chroma_cqt(y=x, **chroma_kw), 22050, None),
        "chroma_cens": (lambda x: af.feature.chroma_cens(y=x, **chroma_kw),
                        lambda x: librosa.feature.chroma_cens(y=x, **chroma_kw), 22050, None),
        "icqt": (lambda C: af.icqt(C, sr=22050), lambda C: librosa.icqt(C, sr=22050), 22050,
                 lambda y: librosa.cqt(y=y, sr=22050)),
    }


def interleaved(fns: dict, repeat: int, warmup: int = 2) -> dict:
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            out = fn()
            t1 = time.perf_counter()
            del out
            times[name].append(t1 - t0)
    return times


def cell(ts) -> str:
    return f"{1e3 * np.median(ts):.1f} ({1e3 * min(ts):.1f}-{1e3 * max(ts):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--case", action="append", default=[], help="run cases whose name contains NAME")
    parser.add_argument("--kind", choices=("real", "synthetic", "both"), default="both")
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    if args.repeat < 7:
        parser.error("--repeat must be at least 7 (median of >= 7 runs)")
    import librosa

    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    af.set_fft_backend("scipy")  # what a numpy-only user gets, even though torch was imported
    print(f"# audiofeat {af.__version__} vs librosa {librosa.__version__}; python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, audiofeat threads {af.get_num_threads()}")
    print(f"# median (min-max) ms over {args.repeat} interleaved rounds; ratio = librosa / audiofeat numpy")
    print(f"{'case':<26}{'audiofeat numpy':>24}{'librosa':>24}{'ratio':>8}{'audiofeat torch':>24}")
    kinds = ("real", "synthetic") if args.kind == "both" else (args.kind,)
    for name, (ours, theirs, sr, prep) in cases(librosa).items():
        if args.case and not any(c in name for c in args.case):
            continue
        for kind in kinds:
            y = real_audio(60.0, sr) if kind == "real" else synthetic_audio(60.0, sr)
            x = prep(y) if prep else y
            fns = {"af": lambda x=x: ours(x), "librosa": lambda x=x: theirs(x)}
            if torch is not None:
                xt = torch.from_numpy(x)
                fns["torch"] = lambda xt=xt: ours(xt)
            times = interleaved(fns, args.repeat)
            ratio = np.median(times["librosa"]) / np.median(times["af"])
            t = cell(times["torch"]) if "torch" in times else "-"
            print(f"{name + ' ' + kind + ' 60s':<26}{cell(times['af']):>24}{cell(times['librosa']):>24}"
                  f"{ratio:>7.2f}x{t:>24}", flush=True)
    print(f"# load average after: {os.getloadavg()[0]:.1f} (the machine is shared; compare ratios, not times)")


if __name__ == "__main__":
    main()
