"""Time audiofeat's energy, onset and rhythm functions against librosa 0.11, interleaved in the same run.

Same method as bench_spectral.py (whose signal and timing helpers it uses): each round calls audiofeat
(numpy), librosa and, when torch is importable, audiofeat on torch CPU tensors one after the other, so they
share the machine's noise; after a warm-up (librosa's numba compiles) it reports the median of ``--repeat``
rounds (default 9, at least 7) with the min-max range and the ratio of medians (librosa / audiofeat numpy).

Signals: 60 s at 22050 Hz, real (the bundled clips, concatenated and tiled) and synthetic (a 120 BPM click
track over noise and tones, so the beat tracker has beats to find).

Operations, all from the waveform at librosa's defaults (n_fft 2048, hop 512): rms, zero_crossing_rate,
onset_strength, onset_detect, tempo, beat_track (each computes its own onset envelope, as a user would call
it), and tempogram / beat_track from a precomputed envelope (``*-env``: the rhythm code alone).

    python benchmarks/bench_rhythm.py                     # everything, repeat 9
    python benchmarks/bench_rhythm.py --case beat --repeat 7 --no-torch
    python benchmarks/bench_rhythm.py --repeat 7 --no-torch --gap 0.2   # each timed call after a 0.2 s pause

Back to back (the default, ``--gap 0``) every audiofeat call starts right after a librosa call, while
OpenBLAS's worker threads, woken by librosa's dense mel product, still spin: about 100 ms of CPU in the
0.2 s after each librosa onset_strength call on this 2-vCPU machine. They hold the second core that
audiofeat's 2-thread pool would use, so back-to-back figures give audiofeat about one core; ``--gap 0.2``
lets the spinning stop before every timed call (audiofeat's and librosa's alike). Report both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _blas_env  # noqa: E402  (before numpy: OpenBLAS reads its settings when it loads)
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import audiofeat as af  # noqa: E402
import bench_spectral  # noqa: E402
from bench_spectral import cell, interleaved, real_audio, stats  # noqa: E402

SR = 22050
SECONDS = 60.0
OPS = ("rms", "zero_crossing_rate", "onset_strength", "onset_detect", "tempo", "beat_track", "tempogram-env",
       "beat_track-env")


def synthetic_clicks(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """A 120 BPM click track (accent every 4th beat) over noise (0.02 rms) and two tones."""
    n = int(round(seconds * sr))
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    y = 0.02 * rng.standard_normal(n) + 0.05 * np.sin(2 * np.pi * 220 * t) + 0.05 * np.sin(2 * np.pi * 1000 * t)
    click = np.exp(-np.arange(int(0.03 * sr)) / (0.004 * sr)) * rng.standard_normal(int(0.03 * sr))
    for k, start in enumerate(np.arange(0.1, seconds - 0.1, 0.5)):
        i = int(start * sr)
        y[i:i + click.size] += (0.8 if k % 4 == 0 else 0.4) * click
    return y.astype(np.float32)


def functions(op: str, y: np.ndarray, librosa):
    env = librosa.onset.onset_strength(y=y, sr=SR, aggregate=np.median)
    table = {
        "rms": (lambda m, x: m.feature.rms(y=x), y),
        "zero_crossing_rate": (lambda m, x: m.feature.zero_crossing_rate(x), y),
        "onset_strength": (lambda m, x: m.onset.onset_strength(y=x, sr=SR), y),
        "onset_detect": (lambda m, x: m.onset.onset_detect(y=x, sr=SR), y),
        "tempo": (lambda m, x: m.feature.tempo(y=x, sr=SR), y),
        "beat_track": (lambda m, x: m.beat.beat_track(y=x, sr=SR), y),
        "tempogram-env": (lambda m, x: m.feature.tempogram(onset_envelope=x, sr=SR), env),
        "beat_track-env": (lambda m, x: m.beat.beat_track(onset_envelope=x, sr=SR), env),
    }
    return table[op]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--case", action="append", default=[], help="run cases whose id contains NAME")
    ap.add_argument("--openblas-default", action="store_true", help=_blas_env.HELP)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--json", help="write the timings here")
    ap.add_argument("--gap", type=float, default=0.0, metavar="SECONDS",
                    help="pause before each timed call (both libraries), so BLAS threads left spinning by the "
                         "previous call settle (default 0: back to back)")
    args = ap.parse_args()
    args.repeat = max(7, args.repeat)
    bench_spectral.GAP_S = max(0.0, args.gap)
    import librosa

    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    print(f"# audiofeat {af.__version__} vs librosa {librosa.__version__}; numpy {np.__version__}; "
          f"{platform.python_version()}; CPUs visible {os.cpu_count()}, audiofeat threads {af.get_num_threads()}; "
          f"{_blas_env.describe()}")
    print(f"# 60 s at {SR} Hz, float32; median (min-max) of {args.repeat} interleaved rounds, ms; "
          f"ratio = librosa / audiofeat-numpy; pause before each call {bench_spectral.GAP_S:g} s; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'case':<36} {'audiofeat':>20} {'librosa':>20} {'af-torch':>20} {'ratio':>6}")
    results = []
    for kind in ("real", "synth"):
        y = real_audio(SECONDS, SR) if kind == "real" else synthetic_clicks(SECONDS, SR)
        for op in OPS:
            cid = f"{kind}/{op}"
            if args.case and not any(c in cid for c in args.case):
                continue
            call, x = functions(op, y, librosa)
            fns = {"af": lambda: call(af, x), "librosa": lambda: call(librosa, x)}
            if torch is not None and op not in ("beat_track-env",):
                xt = torch.from_numpy(np.ascontiguousarray(x))

                def af_t(xt=xt):
                    with torch.inference_mode():
                        return call(af, xt)
                fns["af-torch"] = af_t
            times = interleaved(fns, args.repeat)
            s = {k: stats(v) for k, v in times.items()}
            ratio = s["librosa"]["median_s"] / s["af"]["median_s"]
            tcell = cell(s["af-torch"]) if "af-torch" in s else "-"
            print(f"{cid:<36} {cell(s['af']):>20} {cell(s['librosa']):>20} {tcell:>20} {ratio:6.2f}", flush=True)
            results.append(dict(case=cid, ratio=ratio, **{k: v for k, v in s.items()}))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
