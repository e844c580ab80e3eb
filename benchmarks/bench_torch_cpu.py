"""torch CPU tensors against numpy arrays through the same audiofeat calls (one implementation, two backends).

A user who passes CPU tensors expects numpy's speed; this lists where torch's CPU kernels cost more. Each call
runs on ``--items`` x ``--seconds`` of float32 noise at 22.05 kHz (default 8 x 5 s), numpy and torch
interleaved in every round, one audiofeat and one torch thread by default (``--threads``); median (min-max) of
``--repeat`` rounds (default 7) in ms, and torch / numpy.

    python benchmarks/bench_torch_cpu.py [--items 8] [--seconds 5] [--repeat 7] [--threads 1] [--only cqt,...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import audiofeat as af  # noqa: E402

SR = 22050


def calls(D_np, D_t, S_np, S_t):
    pick = lambda x, a, b: b if not isinstance(x, np.ndarray) else a  # noqa: E731
    return {
        "istft": lambda x: af.istft(pick(x, D_np, D_t)),
        "time_stretch": lambda x: af.effects.time_stretch(x, rate=1.1),
        "pitch_shift": lambda x: af.effects.pitch_shift(x, sr=SR, n_steps=2),
        "phase_vocoder": lambda x: af.phase_vocoder(pick(x, D_np, D_t), rate=1.1),
        "griffinlim": lambda x: af.griffinlim(pick(x, S_np, S_t), n_iter=8),
        "spectral_contrast": lambda x: af.spectral_contrast(y=x, sr=SR),
        "spectral_centroid": lambda x: af.spectral_centroid(y=x, sr=SR),
        "melspectrogram": lambda x: af.melspectrogram(y=x, sr=SR),
        "mfcc": lambda x: af.mfcc(y=x, sr=SR),
        "pseudo_cqt": lambda x: af.pseudo_cqt(x, sr=SR),
        "cqt": lambda x: af.cqt(x, sr=SR),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--items", type=int, default=8)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--only", help="comma-separated call names")
    args = p.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    af.set_num_threads(args.threads)
    y = (0.1 * np.random.default_rng(0).standard_normal((args.items, int(args.seconds * SR)))).astype(np.float32)
    yt = torch.from_numpy(y)
    D_np, D_t = af.stft(y), af.stft(yt)
    table = calls(D_np, D_t, np.abs(D_np), D_t.abs())
    names = args.only.split(",") if args.only else list(table)
    print(f"# {args.items} x {args.seconds:g} s float32 at {SR} Hz; {args.threads} audiofeat/torch thread(s); "
          f"median (min-max) of {args.repeat} rounds, ms; torch {torch.__version__}")
    print(f"{'call':20s} {'numpy':>22s} {'torch CPU':>22s} {'torch/numpy':>12s}")
    for name in names:
        fn = table[name]
        fn(y), fn(yt)  # warm: caches, constants
        times = {"numpy": [], "torch": []}
        for _ in range(args.repeat):
            for label, x in (("numpy", y), ("torch", yt)):
                t0 = time.perf_counter()
                fn(x)
                times[label].append(1e3 * (time.perf_counter() - t0))
        cells = [f"{np.median(v):8.1f} ({min(v):.1f}-{max(v):.1f})" for v in times.values()]
        ratio = np.median(times["torch"]) / np.median(times["numpy"])
        print(f"{name:20s} {cells[0]:>22s} {cells[1]:>22s} {ratio:11.2f}x", flush=True)


if __name__ == "__main__":
    main()
