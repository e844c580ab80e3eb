"""Time the frequency-content descriptors against librosa 0.11, interleaved in the same run.

Same method as bench_spectral.py (whose timing helpers it uses): each round calls audiofeat (numpy),
librosa and, when torch is importable, audiofeat on torch CPU tensors in turn; after two warm-up calls each
(librosa's numba compile, caches) it reports the median of ``--repeat`` rounds (default 9, at least 7) with
the min-max range, the ratio of medians (librosa / audiofeat: > 1 means audiofeat is faster) and
audiofeat's x-realtime factor.

Signals: 60 s at 22050 Hz of real audio (the bundled clips, concatenated and tiled) and synthetic audio
(seeded noise plus tones), librosa's defaults (n_fft 2048, hop 512). ``--batch`` adds a (8, 10 s) batch.

Operations, all from ``y``: spectral_centroid, spectral_bandwidth, spectral_rolloff, spectral_flatness,
spectral_contrast, poly_features, chroma_stft (estimated tuning, the default) and chroma_stft with
``tuning=0`` (no estimate: the projection runs inside the frame blocks); pcen of a (128, t) mel spectrogram
(the same precomputed input for both).

    python benchmarks/bench_descriptors.py                     # everything
    python benchmarks/bench_descriptors.py --case centroid --case chroma --repeat 7
    python benchmarks/bench_descriptors.py --no-torch --json out.json
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
from bench_spectral import cell, interleaved, real_audio, stats, synthetic_audio  # noqa: E402

OPS = ("spectral_centroid", "chroma_stft", "chroma_stft_tuning0", "spectral_bandwidth", "spectral_rolloff",
       "spectral_flatness", "spectral_contrast", "poly_features", "pcen")


def functions(op: str, y: np.ndarray, sr: int, librosa, torch):
    if op == "pcen":
        x = librosa.feature.melspectrogram(y=y, sr=sr) * 2**31

        def ours(v):
            return af.pcen(v, sr=sr)

        def theirs(v):
            return librosa.pcen(v, sr=sr)
    else:
        name, kw = (("chroma_stft", dict(tuning=0.0)) if op == "chroma_stft_tuning0" else (op, {}))
        if op != "spectral_flatness":
            kw["sr"] = sr
        x = y

        def ours(v):
            return getattr(af, name)(y=v, **kw)

        def theirs(v):
            return getattr(librosa.feature, name)(y=v, **kw)
    fns = {"audiofeat_numpy": lambda: ours(x), "librosa": lambda: theirs(x)}
    if torch is not None:
        xt = torch.from_numpy(np.ascontiguousarray(x))

        def af_t():
            with torch.inference_mode():
                return ours(xt)
        fns["audiofeat_torch_cpu"] = af_t
    return fns


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--case", action="append", help="only ops whose name contains this (repeatable)")
    ap.add_argument("--openblas-default", action="store_true", help=_blas_env.HELP)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--batch", action="store_true", help="also an (8, 10 s) batch")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    if args.repeat < 7:
        ap.error("--repeat must be at least 7")
    import librosa

    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    af.set_fft_backend("scipy")  # what a numpy-only user gets; torch's FFT is faster still when imported
    sr = 22050
    print(f"python {platform.python_version()}, numpy {np.__version__}, librosa {librosa.__version__}, "
          f"audiofeat threads {af.get_num_threads()}, cpus {os.cpu_count()}, FFT backend {af.get_fft_backend()}, "
          f"{_blas_env.describe()}"
          + (f", torch {torch.__version__} threads {torch.get_num_threads()}" if torch is not None else ""))
    signals = [("real-60s", real_audio(60.0, sr)), ("synth-60s", synthetic_audio(60.0, sr))]
    if args.batch:
        signals.append(("real-8x10s", real_audio(80.0, sr).reshape(8, -1)))
    ops = [op for op in OPS if not args.case or any(c in op for c in args.case)]
    results = []
    for label, y in signals:
        audio_s = y.size / sr
        print(f"\n== {label}: {y.shape}, sr {sr}, n_fft 2048, hop 512; times in ms, median of {args.repeat} "
              f"interleaved runs (min-max)")
        head = f"{'op':<22}{'librosa':>22}{'audiofeat numpy':>22}{'ratio':>8}{'x-rt':>8}"
        if torch is not None:
            head += f"{'audiofeat torch-cpu':>24}{'ratio':>8}"
        print(head)
        print("-" * len(head))
        for op in ops:
            st = {k: stats(v) for k, v in interleaved(functions(op, y, sr, librosa, torch), args.repeat).items()}
            ref = st["librosa"]["median_s"]
            row = dict(signal=label, op=op, shape=list(y.shape), **st,
                       ratio_numpy=ref / st["audiofeat_numpy"]["median_s"],
                       x_realtime_numpy=audio_s / st["audiofeat_numpy"]["median_s"])
            line = (f"{op:<22}{cell(st['librosa']):>22}{cell(st['audiofeat_numpy']):>22}"
                    f"{row['ratio_numpy']:>7.2f}x{row['x_realtime_numpy']:>8.0f}")
            if "audiofeat_torch_cpu" in st:
                row["ratio_torch_cpu"] = ref / st["audiofeat_torch_cpu"]["median_s"]
                line += f"{cell(st['audiofeat_torch_cpu']):>24}{row['ratio_torch_cpu']:>7.2f}x"
            print(line, flush=True)
            results.append(row)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
