"""GPU batch throughput: audiofeat on CUDA tensors vs torchaudio on CUDA (the GPU anchor), in the same run.

Each case runs one batch through audiofeat on the GPU, torchaudio on the GPU (when importable; its
transforms are built with librosa's settings: Slaney mel scale and norm, centred frames with zero padding),
audiofeat on the same batch as a CPU torch tensor and librosa on it as numpy, interleaved round by round so
all share the machine's noise. GPU calls end with ``torch.cuda.synchronize()``. After a warm-up (three calls
each: kernel caches, cuFFT plans, librosa's numba compile) it reports the median of ``--repeat`` rounds
(default 9, at least 7) with the range (min-max), clips per second, and the ratios of medians (anchor /
audiofeat-GPU: > 1 means audiofeat is faster). Before timing, each pair is checked for agreement (max
relative difference of the outputs), so a fast wrong answer shows.

Workloads, each on real audio (the bundled clips of data/samples/, tiled to length) and synthetic audio:

    music-64x10s    64 clips of 10 s at 22050 Hz, librosa's defaults (n_fft 2048, hop 512, 128 mels, 20 MFCC)
    speech-256x4s   256 clips of 4 s at 16 kHz (n_fft 512, hop 160, 80 mels, 13 MFCC)

Operations: stft (magnitude), melspectrogram, mfcc; with ``--more``: chroma_stft, spectral_centroid,
onset_strength, cqt, yin (audiofeat and librosa only: torchaudio has no such transform).

    python benchmarks/bench_gpu.py [--repeat 9] [--more] [--no-cpu] [--json out.json]

Without CUDA it prints a line saying so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import audiofeat as af  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CLIPS = ("speech.wav", "melody.flac", "drums.ogg", "noise.wav", "chord.mp3")
WORKLOADS = {
    "music-64x10s": dict(sr=22050, n=64, seconds=10.0, n_fft=2048, hop_length=512, n_mels=128, n_mfcc=20),
    "speech-256x4s": dict(sr=16000, n=256, seconds=4.0, n_fft=512, hop_length=160, n_mels=80, n_mfcc=13),
}
OPS = ("stft", "melspectrogram", "mfcc")
MORE = ("chroma_stft", "spectral_centroid", "onset_strength", "cqt", "yin")


def batch(kind: str, sr: int, n: int, seconds: float) -> np.ndarray:
    length = int(sr * seconds)
    if kind == "real":
        audio = np.concatenate([af.load(SAMPLES / c, sr=sr)[0] for c in CLIPS])
        reps = -(-(n * length) // len(audio))
        flat = np.tile(audio, reps)
        # each clip starts at a different place in the tiled recording
        starts = (np.arange(n) * 7919 * 13) % (len(flat) - length)
        return np.stack([flat[s:s + length] for s in starts]).astype(np.float32)
    rng = np.random.default_rng(0)
    t = np.arange(length) / sr
    f0 = rng.uniform(100, 1000, (n, 1))
    return (0.3 * np.sin(2 * np.pi * f0 * t) + 0.05 * rng.standard_normal((n, length))).astype(np.float32)


def audiofeat_call(op: str, w: dict):
    s = dict(sr=w["sr"])
    fft = dict(n_fft=w["n_fft"], hop_length=w["hop_length"])
    if op == "stft":
        return lambda y: af.stft(y, **fft).abs()
    if op == "melspectrogram":
        return lambda y: af.melspectrogram(y=y, **s, **fft, n_mels=w["n_mels"])
    if op == "mfcc":
        return lambda y: af.mfcc(y=y, **s, **fft, n_mels=w["n_mels"], n_mfcc=w["n_mfcc"])
    if op == "yin":
        return lambda y: af.yin(y, fmin=65, fmax=2093, sr=w["sr"], frame_length=w["n_fft"] * 2 if w["n_fft"] < 2048
                                else w["n_fft"], hop_length=w["hop_length"])
    if op == "cqt":
        return lambda y: af.cqt(y, sr=w["sr"], hop_length=w["hop_length"] if w["hop_length"] % 32 == 0 else 512).abs()
    return lambda y: getattr(af, op)(y=y, **s, hop_length=w["hop_length"],
                                     **({} if op == "onset_strength" else {"n_fft": w["n_fft"]}))


def librosa_call(op: str, w: dict):
    import librosa

    s = dict(sr=w["sr"])
    fft = dict(n_fft=w["n_fft"], hop_length=w["hop_length"])
    if op == "stft":
        return lambda y: np.abs(librosa.stft(y, **fft))
    if op == "melspectrogram":
        return lambda y: librosa.feature.melspectrogram(y=y, **s, **fft, n_mels=w["n_mels"])
    if op == "mfcc":
        return lambda y: librosa.feature.mfcc(y=y, **s, **fft, n_mels=w["n_mels"], n_mfcc=w["n_mfcc"])
    if op == "yin":
        return lambda y: librosa.yin(y, fmin=65, fmax=2093, sr=w["sr"], frame_length=w["n_fft"] * 2
                                     if w["n_fft"] < 2048 else w["n_fft"], hop_length=w["hop_length"])
    if op == "cqt":
        return lambda y: np.abs(librosa.cqt(y, sr=w["sr"], hop_length=w["hop_length"] if w["hop_length"] % 32 == 0
                                            else 512))
    if op == "onset_strength":
        return lambda y: librosa.onset.onset_strength(y=y, **s, hop_length=w["hop_length"])
    return lambda y: getattr(librosa.feature, op)(y=y, **s, **fft)


def torchaudio_call(op: str, w: dict, device):
    """torchaudio's transform with librosa's settings, or None when torchaudio is missing or has no such op."""
    try:
        import torchaudio.transforms as T
    except Exception:  # noqa: BLE001 - any import failure means no anchor
        return None
    import torch

    fft = dict(n_fft=w["n_fft"], hop_length=w["hop_length"], center=True, pad_mode="constant")
    mel = dict(sample_rate=w["sr"], n_mels=w["n_mels"], norm="slaney", mel_scale="slaney", **fft)
    if op == "stft":
        win = torch.hann_window(w["n_fft"], device=device)
        return lambda y: torch.stft(y, w["n_fft"], w["hop_length"], window=win, center=True, pad_mode="constant",
                                    return_complex=True).abs()
    if op == "melspectrogram":
        t = T.MelSpectrogram(**mel, power=2.0).to(device)
        return t
    if op == "mfcc":
        t = T.MFCC(sample_rate=w["sr"], n_mfcc=w["n_mfcc"], norm="ortho", log_mels=False,
                   melkwargs={k: v for k, v in mel.items() if k != "sample_rate"}).to(device)
        return t
    return None


def rel_diff(a, b) -> float:
    a = np.asarray(a.detach().cpu() if hasattr(a, "detach") else a, dtype=np.float64)
    b = np.asarray(b.detach().cpu() if hasattr(b, "detach") else b, dtype=np.float64)
    if a.shape != b.shape:
        return float("nan")
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--more", action="store_true", help="also chroma_stft, spectral_centroid, onset_strength, "
                    "cqt, yin (no torchaudio anchor)")
    ap.add_argument("--no-cpu", action="store_true", help="skip the CPU runners (audiofeat torch CPU, librosa)")
    ap.add_argument("--case", action="append", default=[], help="only cases whose id contains NAME")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--device", default="cuda", help=argparse.SUPPRESS)  # 'cpu': a dry run of this script
    args = ap.parse_args(argv)
    repeat = max(7, args.repeat)

    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench_gpu: no CUDA device; nothing to time")
        return 0
    dev = torch.device(args.device)
    try:
        import torchaudio

        ta_version = torchaudio.__version__
    except Exception:  # noqa: BLE001
        ta_version = None
    gpu_name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "dry run on the CPU"
    print(f"# {gpu_name} | torch {torch.__version__} | torchaudio {ta_version} | "
          f"audiofeat {af.__version__} | {platform.python_version()} | repeat {repeat}")
    ops = OPS + (MORE if args.more else ())
    rows = []

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    for wname, w in WORKLOADS.items():
        for kind in ("real", "synthetic"):
            data = batch(kind, w["sr"], w["n"], w["seconds"])
            y_gpu = torch.from_numpy(data).to(dev)
            y_cpu = torch.from_numpy(data)
            for op in ops:
                cid = f"{wname}/{kind}/{op}"
                if args.case and not any(c in cid for c in args.case):
                    continue
                runners = {"af_gpu": (audiofeat_call(op, w), y_gpu, sync)}
                ta = torchaudio_call(op, w, dev)
                if ta is not None:
                    runners["torchaudio_gpu"] = (ta, y_gpu, sync)
                if not args.no_cpu:
                    runners["af_torch_cpu"] = (audiofeat_call(op, w), y_cpu, None)
                    try:
                        runners["librosa_cpu"] = (librosa_call(op, w), data, None)
                    except ImportError:
                        pass
                outs = {}
                for name, (fn, y, s) in runners.items():
                    for _ in range(3):
                        out = fn(y)
                        if s:
                            s()
                    outs[name] = out
                # librosa takes some batch-wide decisions (top_db below the batch's maximum, one tuning estimate
                # for the batch): it is compared on the first clip alone, audiofeat's batch item 0 against it
                if "librosa_cpu" in runners:
                    outs["librosa_cpu"] = runners["librosa_cpu"][0](data[:1])
                agree = {name: rel_diff(outs["af_gpu"][:1] if name == "librosa_cpu" else outs["af_gpu"], out)
                         for name, out in outs.items() if name != "af_gpu"}
                times = {name: [] for name in runners}
                for _ in range(repeat):
                    for name, (fn, y, s) in runners.items():
                        t0 = time.perf_counter()
                        fn(y)
                        if s:
                            s()
                        times[name].append(time.perf_counter() - t0)
                med = {k: float(np.median(v)) for k, v in times.items()}
                row = {"case": cid, "clips": w["n"], "median_s": med,
                       "min_s": {k: float(min(v)) for k, v in times.items()},
                       "max_s": {k: float(max(v)) for k, v in times.items()}, "rel_diff_vs_af_gpu": agree}
                rows.append(row)
                lo, hi = min(times["af_gpu"]) * 1e3, max(times["af_gpu"]) * 1e3
                parts = [f"{cid:38s} af-gpu {med['af_gpu'] * 1e3:7.2f} ms [{lo:.2f}-{hi:.2f}] "
                         f"{w['n'] / med['af_gpu']:7.0f} clips/s"]
                for name in runners:
                    if name == "af_gpu":
                        continue
                    parts.append(f"{name} {med[name] * 1e3:8.2f} ms [{min(times[name]) * 1e3:.2f}-"
                                 f"{max(times[name]) * 1e3:.2f}] x{med[name] / med['af_gpu']:.2f} "
                                 f"(diff {agree[name]:.1e})")
                print(" | ".join(parts), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
