"""Time audiofeat's Griffin-Lim (and reassignment, LPC) against librosa 0.11, interleaved in the same run.

Each round calls audiofeat (numpy), librosa and, when torch is importable, audiofeat on a torch CPU tensor,
one after the other, so they share the machine's noise. After a warm-up (two calls each: librosa's numba
compile, window caches) it reports the median of ``--repeat`` rounds (default 9, at least 7), the min-max
range, and the ratio of medians (librosa / audiofeat: > 1 means audiofeat is faster); also the median CPU
time of the process (all threads), which is steadier than wall time on a loaded machine.

Workloads (10 s at 22050 Hz, librosa's defaults n_fft 2048, hop 512):

    real       data/samples/speech.wav (+ the other bundled clips) loaded at 22050 Hz and tiled to 10 s
    synthetic  seeded white noise plus three tones

Operations:

    griffinlim              32 iterations from |stft(y)|, init=None (the same deterministic work on both)
    reassigned_spectrogram  y -> (freqs, times, mags)
    lpc                     order 16 on 25 ms frames (a (431, 551) batch of frames)

    python benchmarks/bench_phase_noise.py
    python benchmarks/bench_phase_noise.py --op griffinlim --repeat 15 --no-torch
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import audiofeat as af  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SR = 22050
SECONDS = 10.0
OPS = ("griffinlim", "reassigned_spectrogram", "lpc")


def real_audio() -> np.ndarray:
    clips = [af.load(str(SAMPLES / name), sr=SR)[0] for name in ("speech.wav", "melody.flac", "drums.ogg")]
    y = np.concatenate([c if c.ndim == 1 else c.mean(0) for c in clips]).astype(np.float32)
    n = int(SECONDS * SR)
    return np.tile(y, -(-n // len(y)))[:n]


def synthetic_audio() -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(SECONDS * SR)) / SR
    tones = sum(0.2 * np.sin(2 * np.pi * f * t) for f in (220.0, 440.0, 1234.5))
    return (0.05 * rng.standard_normal(t.shape) + tones).astype(np.float32)


def calls(op: str, y: np.ndarray, librosa, torch):
    """(audiofeat numpy, librosa, audiofeat torch or None) zero-argument callables for one op."""
    if op == "griffinlim":
        S = np.abs(librosa.stft(y))
        St = torch.from_numpy(S) if torch else None
        return (lambda: af.griffinlim(S, n_iter=32, init=None),
                lambda: librosa.griffinlim(S, n_iter=32, init=None),
                (lambda: af.griffinlim(St, n_iter=32, init=None)) if torch else None)
    if op == "reassigned_spectrogram":
        yt = torch.from_numpy(y) if torch else None
        return (lambda: af.reassigned_spectrogram(y, sr=SR),
                lambda: librosa.reassigned_spectrogram(y, sr=SR),
                (lambda: af.reassigned_spectrogram(yt, sr=SR)) if torch else None)
    if op == "lpc":
        frames = np.ascontiguousarray(af.frame(y, frame_length=551, hop_length=512).T)
        ft = torch.from_numpy(frames) if torch else None
        return (lambda: af.lpc(frames, order=16),
                lambda: librosa.lpc(frames, order=16),
                (lambda: af.lpc(ft, order=16)) if torch else None)
    raise ValueError(op)


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all threads)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--op", action="append", choices=OPS)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    repeat = max(7, args.repeat)
    import librosa

    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    print(f"# python {platform.python_version()}, numpy {np.__version__}, librosa {librosa.__version__}, "
          f"torch {torch.__version__ if torch else '-'}, audiofeat threads {af.get_num_threads()}, "
          f"fft backend {af.get_fft_backend()}, {platform.machine()}")
    print(f"# median of {repeat} interleaved rounds [min-max], wall seconds; ratio = librosa / audiofeat; "
          "cpu = median CPU seconds (all threads) audiofeat / librosa = ratio")
    header = f"{'workload':10} {'op':24} {'audiofeat':>22} {'librosa':>22} {'ratio':>7} {'torch-cpu':>22} {'ratio':>7}"
    print(header)
    for name, y in (("real", real_audio()), ("synthetic", synthetic_audio())):
        for op in args.op or OPS:
            fns = calls(op, y, librosa, torch)
            for fn in fns:
                if fn is not None:
                    fn(), fn()  # warm-up
            times, cpu = [[], [], []], [[], [], []]
            for _ in range(repeat):
                for i, fn in enumerate(fns):
                    if fn is not None:
                        wall, used = timed(fn)
                        times[i].append(wall)
                        cpu[i].append(used)

            def cell(ts):
                return f"{statistics.median(ts):.4f} [{min(ts):.4f}-{max(ts):.4f}]" if ts else "-"

            ratio = statistics.median(times[1]) / statistics.median(times[0])
            tratio = (f"{statistics.median(times[1]) / statistics.median(times[2]):7.2f}" if times[2] else "      -")
            cratio = statistics.median(cpu[1]) / statistics.median(cpu[0])
            print(f"{name:10} {op:24} {cell(times[0]):>22} {cell(times[1]):>22} {ratio:7.2f} {cell(times[2]):>22} "
                  f"{tratio}   cpu {statistics.median(cpu[0]):.4f} / {statistics.median(cpu[1]):.4f} "
                  f"= {cratio:.2f}", flush=True)


if __name__ == "__main__":
    main()
