"""Time audiofeat against librosa 0.11 (the anchor) in the same run.

Workloads (the issue's): one 60 s clip at 22050 Hz, and a batch of 32 x 10 s clips, with librosa's default
parameters; plus the same with speech settings (16 kHz, n_fft 512, hop 160, 80 mels). For each operation it
prints the median time of audiofeat (numpy, and torch on CPU/GPU when installed), of librosa, the x-realtime
factor (seconds of audio per second of compute) and the speed-up over librosa.

    python benchmarks/bench_spectral.py            # all workloads
    python benchmarks/bench_spectral.py --quick    # fewer repeats
    python benchmarks/bench_spectral.py --json out.json

Times are the best wall-clock time of several repeats after a warm-up call (librosa's first call compiles
with numba), for both libraries alike; run on an idle machine, they are noisy on a shared one.
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


def real_audio(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """Bundled clips, resampled to ``sr`` and tiled to ``seconds`` (plus a little noise so tiles differ)."""
    pieces = [af.load(SAMPLES / name, sr=sr)[0] for name in ("melody.flac", "drums.ogg", "speech.wav", "noise.wav")]
    y = np.concatenate(pieces)
    n = int(seconds * sr)
    y = np.tile(y, -(-n // len(y)))[:n]
    return (y + 1e-3 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


def timeit(fn, repeat: int) -> float:
    """Best of ``repeat`` calls after a warm-up (like ``timeit``): on a shared machine the minimum is the
    least disturbed measure of what the code costs; both libraries are measured the same way."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()

    import librosa

    try:
        import torch
    except ImportError:
        torch = None

    devices = []
    if torch is not None:
        devices.append("cpu")
        if torch.cuda.is_available():
            devices.append("cuda")

    settings = {
        "librosa defaults (sr 22050, n_fft 2048, hop 512, 128 mels)": dict(sr=22050, n_fft=2048, hop_length=512,
                                                                           n_mels=128),
        "speech (sr 16000, n_fft 512, hop 160, 80 mels)": dict(sr=16000, n_fft=512, hop_length=160, n_mels=80),
    }
    print(f"python {platform.python_version()}, numpy {np.__version__}, librosa {librosa.__version__}, "
          f"torch {torch.__version__ if torch else 'absent'}, audiofeat {af.__version__}, "
          f"{os.cpu_count()} cores, audiofeat threads {af.get_num_threads()}")
    results = []
    for setting_name, p in settings.items():
        sr = p["sr"]
        workloads = {"60 s clip": real_audio(60, sr), "32 x 10 s batch": real_audio(320, sr, seed=1).reshape(32, -1)}
        for load_name, y in workloads.items():
            seconds = y.size / sr
            repeat = 5 if args.quick else (15 if y.ndim == 1 else 5)
            stft_kw = dict(n_fft=p["n_fft"], hop_length=p["hop_length"])
            ops = {
                "stft": (lambda x: af.stft(x, **stft_kw), lambda x: librosa.stft(x, **stft_kw)),
                "melspectrogram": (lambda x: af.melspectrogram(y=x, **p),
                                   lambda x: librosa.feature.melspectrogram(y=x, **p)),
                "mfcc": (lambda x: af.mfcc(y=x, **p), lambda x: librosa.feature.mfcc(y=x, **p)),
            }
            print(f"\n== {setting_name}; {load_name} ({seconds:.0f} s of audio)")
            print(f"{'op':<16}{'librosa ms':>12}{'audiofeat ms':>14}{'x-realtime':>12}{'speed-up':>10}"
                  + "".join(f"{'torch-' + d + ' ms':>16}{'speed-up':>10}" for d in devices))
            for op, (ours, theirs) in ops.items():
                t_ref = timeit(lambda: theirs(y), repeat)
                t_np = timeit(lambda: ours(y), repeat)
                row = dict(setting=setting_name, workload=load_name, op=op, audio_s=seconds, librosa_s=t_ref,
                           audiofeat_numpy_s=t_np, speedup_numpy=t_ref / t_np)
                line = f"{op:<16}{t_ref * 1e3:>12.1f}{t_np * 1e3:>14.1f}{seconds / t_np:>12.0f}{t_ref / t_np:>9.2f}x"
                for d in devices:
                    yt = torch.from_numpy(y).to(d)

                    def run_torch():
                        out = ours(yt)
                        if d == "cuda":
                            torch.cuda.synchronize()
                        return out

                    t_t = timeit(run_torch, repeat)
                    row[f"audiofeat_torch_{d}_s"] = t_t
                    row[f"speedup_torch_{d}"] = t_ref / t_t
                    line += f"{t_t * 1e3:>16.1f}{t_ref / t_t:>9.2f}x"
                print(line, flush=True)
                results.append(row)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
