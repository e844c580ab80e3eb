"""Time audiofeat against librosa 0.11 (the anchor), interleaved in the same run.

Each case calls audiofeat (numpy), librosa and, when torch is importable, audiofeat on torch CPU tensors,
one after the other in every round (af-numpy, librosa, af-torch, af-numpy, librosa, af-torch, ...), so
the three share the machine's noise. After a warm-up (two calls each: librosa's numba compile, filter and
window caches) it reports the median of ``--repeat`` rounds (default 9, at least 7) and the range
(min-max) of each, the ratio of medians (librosa / audiofeat: > 1 means audiofeat is faster) and
audiofeat's x-realtime factor (seconds of audio per second of compute).

Workloads, each on real audio (the bundled clips in data/samples/, loaded with audiofeat.load at the
target rate and concatenated and tiled to length) and on synthetic audio (seeded white noise plus tones):

    default-60s    one 60 s clip, librosa's defaults (sr 22050, n_fft 2048, hop 512, 128 mels, 20 mfcc)
    speech-60s     one 60 s clip, speech settings (sr 16000, n_fft 512, hop 160, 80 mels, 13 mfcc)
    default-32x10s a (32, 220500) batch of 32 x 10 s at the defaults; both libraries get the (32, n) array
                   in one call (librosa supports leading axes)

Operations: stft, melspectrogram, mfcc (all from y) and power_to_db (of |stft|^2, precomputed).

    python benchmarks/bench_spectral.py                  # everything (repeat 9)
    python benchmarks/bench_spectral.py --quick          # real audio, melspectrogram + mfcc, repeat 7
    python benchmarks/bench_spectral.py --case speech --case mfcc   # cases whose id contains any NAME
    python benchmarks/bench_spectral.py --breakdown      # where the time goes in the 60 s mel pipeline
    python benchmarks/bench_spectral.py --no-torch --repeat 15 --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
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

SETTINGS = {
    "default": dict(sr=22050, n_fft=2048, hop_length=512, n_mels=128, n_mfcc=20),
    "speech": dict(sr=16000, n_fft=512, hop_length=160, n_mels=80, n_mfcc=13),
}
# workload id -> (setting, number of clips, seconds per clip)
WORKLOADS = {
    "default-60s": ("default", None, 60.0),
    "speech-60s": ("speech", None, 60.0),
    "default-32x10s": ("default", 32, 10.0),
}
OPS = ("stft", "melspectrogram", "mfcc", "power_to_db")
QUICK_OPS = ("melspectrogram", "mfcc")


# --------------------------------------------------------------------------------------------------
# signals
# --------------------------------------------------------------------------------------------------
def real_audio(seconds: float, sr: int) -> np.ndarray:
    """The bundled clips loaded with audiofeat.load at ``sr`` (mono), concatenated and tiled to ``seconds``."""
    y = np.concatenate([af.load(SAMPLES / name, sr=sr)[0] for name in CLIPS])
    n = int(round(seconds * sr))
    return np.ascontiguousarray(np.tile(y, -(-n // len(y)))[:n], dtype=np.float32)


def synthetic_audio(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """Seeded white noise (0.05 rms) plus three tones (220, 1000, 3150 Hz, amplitude 0.2 each)."""
    n = int(round(seconds * sr))
    t = np.arange(n) / sr
    y = 0.05 * np.random.default_rng(seed).standard_normal(n)
    for f in (220.0, 1000.0, 3150.0):
        y += 0.2 * np.sin(2 * np.pi * f * t)
    return y.astype(np.float32)


def make_signal(kind: str, workload: str) -> tuple[np.ndarray, dict]:
    setting, batch, seconds = WORKLOADS[workload]
    p = SETTINGS[setting]
    total = seconds * (batch or 1)
    y = real_audio(total, p["sr"]) if kind == "real" else synthetic_audio(total, p["sr"])
    if batch:
        y = np.ascontiguousarray(y.reshape(batch, -1))
    return y, p


# --------------------------------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------------------------------
GAP_S = 0.0  # pause before each timed call (--gap)


def interleaved(fns: dict, repeat: int, warmup: int = 2, setup: dict | None = None) -> dict:
    """Warm each function up, then time them in turn, ``repeat`` rounds. Returns {name: [seconds, ...]}.

    ``setup[name]()``, if given, runs untimed before each call of ``fns[name]``. The result of each call is
    kept until after the clock is read, so freeing it is not timed. Each timed call starts after a pause of
    ``GAP_S``: BLAS and OpenMP worker threads spin for a while after a call returns (librosa's dense mel
    product wakes OpenBLAS's threads, torch its OpenMP pool), and without the pause that spinning is charged
    to whichever library is timed next."""
    setup = setup or {}
    for name, fn in fns.items():
        for _ in range(warmup):
            setup.get(name, lambda: None)()
            fn()
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            setup.get(name, lambda: None)()
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


def cell(s: dict) -> str:
    return f"{ms(s['median_s'])} ({ms(s['min_s'])}-{ms(s['max_s'])})"


# --------------------------------------------------------------------------------------------------
# main benchmark
# --------------------------------------------------------------------------------------------------
def case_functions(op: str, y: np.ndarray, p: dict, librosa, torch):
    """(audiofeat numpy, librosa, audiofeat torch or None) zero-argument callables for one case."""
    stft_kw = dict(n_fft=p["n_fft"], hop_length=p["hop_length"])
    mel_kw = dict(sr=p["sr"], n_mels=p["n_mels"], **stft_kw)
    if op == "stft":
        def ours(x):
            return af.stft(x, **stft_kw)

        def theirs(x):
            return librosa.stft(x, **stft_kw)
        x = y
    elif op == "melspectrogram":
        def ours(x):
            return af.melspectrogram(y=x, **mel_kw)

        def theirs(x):
            return librosa.feature.melspectrogram(y=x, **mel_kw)
        x = y
    elif op == "mfcc":
        def ours(x):
            return af.mfcc(y=x, n_mfcc=p["n_mfcc"], **mel_kw)

        def theirs(x):
            return librosa.feature.mfcc(y=x, n_mfcc=p["n_mfcc"], **mel_kw)
        x = y
    elif op == "power_to_db":
        def ours(x):
            return af.power_to_db(x)

        def theirs(x):
            return librosa.power_to_db(x)
        x = (np.abs(librosa.stft(y, **stft_kw)) ** 2).astype(np.float32)  # same input for all
    else:
        raise ValueError(op)
    af_np = lambda: ours(x)  # noqa: E731
    lr = lambda: theirs(x)  # noqa: E731
    af_t = None
    if torch is not None:
        xt = torch.from_numpy(x)

        def af_t():
            with torch.inference_mode():
                return ours(xt)
    return af_np, lr, af_t


def run_cases(args, librosa, torch) -> list:
    kinds = ("real",) if args.quick else ("real", "synth")
    ops = QUICK_OPS if args.quick else OPS
    workloads = ("default-60s", "speech-60s") if args.quick else tuple(WORKLOADS)
    results = []
    for workload in workloads:
        for kind in kinds:
            ids = [f"{workload}/{kind}/{op}" for op in ops]
            ids = [i for i in ids if not args.case or any(c in i for c in args.case)]
            if not ids:
                continue
            y, p = make_signal(kind, workload)
            audio_s = y.size / p["sr"]
            setting = ", ".join(f"{k} {v}" for k, v in p.items())
            how = (f"librosa and audiofeat both called once on the {y.shape} array (leading batch axis)"
                   if y.ndim == 2 else f"1-D array of {y.shape[0]} samples")
            src = ("bundled clips (" + ", ".join(CLIPS) + ") via audiofeat.load, concatenated+tiled"
                   if kind == "real" else "synthetic: seeded white noise + 220/1000/3150 Hz tones")
            print(f"\n== {workload} / {kind}: {audio_s:.0f} s of audio; {setting}")
            print(f"   signal: {src}")
            print(f"   input:  {how}; times in ms, median ({args.repeat} interleaved runs) and (min-max)")
            head = f"{'case':<16}{'librosa':>22}{'audiofeat numpy':>22}{'ratio':>8}{'x-rt':>8}"
            if torch is not None:
                head += f"{'audiofeat torch-cpu':>24}{'ratio':>8}"
            print(head)
            print("-" * len(head))
            for cid in ids:
                op = cid.rsplit("/", 1)[1]
                af_np, lr, af_t = case_functions(op, y, p, librosa, torch)
                fns = {"audiofeat_numpy": af_np, "librosa": lr}
                if af_t is not None:
                    fns["audiofeat_torch_cpu"] = af_t
                times = interleaved(fns, args.repeat)
                st = {k: stats(v) for k, v in times.items()}
                ref = st["librosa"]["median_s"]
                row = dict(case=cid, workload=workload, signal=kind, op=op, params=p, shape=list(y.shape),
                           audio_s=audio_s, librosa_call="batched (32, n) array" if y.ndim == 2 else "1-D",
                           **st, ratio_numpy=ref / st["audiofeat_numpy"]["median_s"],
                           x_realtime_numpy=audio_s / st["audiofeat_numpy"]["median_s"])
                line = (f"{op:<16}{cell(st['librosa']):>22}{cell(st['audiofeat_numpy']):>22}"
                        f"{row['ratio_numpy']:>7.2f}x{row['x_realtime_numpy']:>8.0f}")
                if "audiofeat_torch_cpu" in st:
                    row["ratio_torch_cpu"] = ref / st["audiofeat_torch_cpu"]["median_s"]
                    line += f"{cell(st['audiofeat_torch_cpu']):>24}{row['ratio_torch_cpu']:>7.2f}x"
                print(line, flush=True)
                results.append(row)
    return results


def summary(results: list) -> str:
    def part(key, label):
        rs = [(r[key], r["case"]) for r in results if key in r]
        if not rs:
            return None
        gm = math.exp(sum(math.log(v) for v, _ in rs) / len(rs))
        lo, hi = min(rs), max(rs)
        return (f"{label} geo-mean {gm:.2f}x over {len(rs)} cases, min {lo[0]:.2f}x ({lo[1]}), "
                f"max {hi[0]:.2f}x ({hi[1]})")
    parts = [p for p in (part("ratio_numpy", "numpy"), part("ratio_torch_cpu", "torch-cpu")) if p]
    return "SUMMARY librosa/audiofeat median ratio: " + "; ".join(parts)


# --------------------------------------------------------------------------------------------------
# breakdown
# --------------------------------------------------------------------------------------------------
def run_breakdown(args, librosa, torch) -> list:
    import scipy
    import scipy.fft

    p = SETTINGS["default"]
    y = real_audio(60.0, p["sr"])
    n_fft, hop, sr = p["n_fft"], p["hop_length"], p["sr"]
    stft_kw = dict(n_fft=n_fft, hop_length=hop)
    # inputs for each stage, computed once with librosa so both libraries get identical arrays
    D = librosa.stft(y, **stft_kw)
    power = (np.abs(D) ** 2).astype(np.float32)
    mel = librosa.feature.melspectrogram(S=power, sr=sr, n_mels=p["n_mels"])
    logmel = librosa.power_to_db(mel)
    # the windowed frame matrix of the centred (zero-padded) signal, one frame a row, C-contiguous
    yp = np.pad(y, n_fft // 2)
    n_frames = 1 + (len(yp) - n_fft) // hop
    frames = np.lib.stride_tricks.sliding_window_view(yp, n_fft)[::hop][:n_frames]
    frames = np.ascontiguousarray(frames * af.get_window("hann", n_fft).astype(np.float32), dtype=np.float32)

    print(f"\n== breakdown: default-60s / real ({len(y) / sr:.0f} s, sr {sr}, n_fft {n_fft}, hop {hop}, "
          f"{p['n_mels']} mels, {p['n_mfcc']} mfcc); times in ms, median ({args.repeat} interleaved runs) "
          f"and (min-max)")
    print(f"   stage inputs (power = |D|^2 {power.shape}, mel {mel.shape}, log-mel) are computed once and "
          f"shared; frame matrix {frames.shape} {frames.dtype}")
    stages = [
        ("stft (complex)", lambda: af.stft(y, **stft_kw), lambda: librosa.stft(y, **stft_kw)),
        ("np.abs(D)**2", lambda: np.abs(D) ** 2, None),
        ("melspectrogram(S=power)", lambda: af.melspectrogram(S=power, sr=sr, n_mels=p["n_mels"]),
         lambda: librosa.feature.melspectrogram(S=power, sr=sr, n_mels=p["n_mels"])),
        ("power_to_db(mel)", lambda: af.power_to_db(mel), lambda: librosa.power_to_db(mel)),
        ("mfcc(S=log-mel)", lambda: af.mfcc(S=logmel, n_mfcc=p["n_mfcc"]),
         lambda: librosa.feature.mfcc(S=logmel, n_mfcc=p["n_mfcc"])),
        ("= melspectrogram(y)", lambda: af.melspectrogram(y=y, sr=sr, n_mels=p["n_mels"], **stft_kw),
         lambda: librosa.feature.melspectrogram(y=y, sr=sr, n_mels=p["n_mels"], **stft_kw)),
        ("= mfcc(y)", lambda: af.mfcc(y=y, sr=sr, n_mfcc=p["n_mfcc"], n_mels=p["n_mels"], **stft_kw),
         lambda: librosa.feature.mfcc(y=y, sr=sr, n_mfcc=p["n_mfcc"], n_mels=p["n_mels"], **stft_kw)),
    ]
    head = f"{'stage':<34}{'audiofeat numpy':>22}{'librosa':>22}{'ratio':>8}"
    print(head)
    print("-" * len(head))
    rows = []
    for name, ours, theirs in stages:
        fns = {"audiofeat_numpy": ours}
        if theirs is not None:
            fns["librosa"] = theirs
        st = {k: stats(v) for k, v in interleaved(fns, args.repeat).items()}
        row = dict(stage=name, **st)
        line = f"{name:<34}{cell(st['audiofeat_numpy']):>22}"
        if theirs is not None:
            row["ratio"] = st["librosa"]["median_s"] / st["audiofeat_numpy"]["median_s"]
            line += f"{cell(st['librosa']):>22}{row['ratio']:>7.2f}x"
        else:
            line += f"{'(same op for both)':>22}"
        print(line, flush=True)
        rows.append(row)

    # raw FFT of the frame matrix: what the stft stage costs at best
    print(f"\n   raw real FFT of the {frames.shape[0]}x{frames.shape[1]} float32 frame matrix along rows")
    head = f"{'fft':<34}{'time':>22}"
    print(head)
    print("-" * len(head))
    ffts = {
        "scipy.fft.rfft workers=1": lambda: scipy.fft.rfft(frames, axis=-1, workers=1),
        "scipy.fft.rfft workers=2": lambda: scipy.fft.rfft(frames, axis=-1, workers=2),
        "numpy.fft.rfft (librosa's default)": lambda: np.fft.rfft(frames, axis=-1),
    }
    saved_threads = None
    setup = {}
    if torch is not None:
        ft = torch.from_numpy(frames)
        saved_threads = torch.get_num_threads()

        def torch_fft():
            with torch.inference_mode():
                return torch.fft.rfft(ft, dim=-1)
        for n in (1, 2):  # torch.set_num_threads(n) runs before each call, outside the timed region
            name = f"torch.fft.rfft {n} thread" + ("s" if n > 1 else "")
            ffts[name] = torch_fft
            setup[name] = (lambda n=n: torch.set_num_threads(n))
    try:
        times = interleaved(ffts, args.repeat, setup=setup)
    finally:
        if saved_threads is not None:
            torch.set_num_threads(saved_threads)
    for name, ts in times.items():
        st = stats(ts)
        print(f"{name:<34}{cell(st):>22}", flush=True)
        rows.append(dict(stage=name, time=st))
    return rows


# --------------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer cases (real audio, 60 s clips, melspectrogram and mfcc), repeat 7")
    parser.add_argument("--case", action="append", metavar="NAME",
                        help="only cases whose id (workload/signal/op, e.g. speech-60s/real/mfcc) contains NAME; "
                             "repeatable")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per function (default 9, quick 7; "
                                                                  "at least 7)")
    parser.add_argument("--breakdown", action="store_true", help="time the parts of the 60 s default mel pipeline")
    parser.add_argument("--no-torch", action="store_true", help="do not import torch (no torch columns)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write all numbers to this file")
    parser.add_argument("--gap", type=float, default=0.0, metavar="SECONDS",
                        help="pause before each timed call, so threads left spinning by the previous call "
                             "settle or a parked thread pool must wake (default 0: back to back)")
    args = parser.parse_args()
    globals()["GAP_S"] = max(0.0, args.gap)
    if args.repeat is None:
        args.repeat = 7 if args.quick else 9
    if args.repeat < 7:
        parser.error("--repeat must be at least 7")

    import librosa

    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None

    blas = ""
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info())
    except ImportError:
        pass
    meta = dict(python=platform.python_version(), numpy=np.__version__, librosa=librosa.__version__,
                torch=torch.__version__ if torch else None, audiofeat=af.__version__, cores=os.cpu_count(),
                audiofeat_threads=af.get_num_threads(), torch_threads=torch.get_num_threads() if torch else None,
                blas=blas, repeat=args.repeat, machine=platform.machine(), argv=sys.argv[1:],
                loadavg_start=list(os.getloadavg()) if hasattr(os, "getloadavg") else None)
    print(f"python {meta['python']}, numpy {meta['numpy']}, librosa {meta['librosa']}, "
          f"torch {meta['torch'] or 'not used'}, audiofeat {meta['audiofeat']}; {meta['cores']} cores; "
          f"audiofeat numpy threads {meta['audiofeat_threads']}"
          + (f", torch threads {meta['torch_threads']}" if torch else "") + (f"; BLAS: {blas}" if blas else ""))
    if not args.breakdown:
        print("ratio = librosa median / audiofeat median (> 1: audiofeat faster); x-rt = seconds of audio per "
              "second of audiofeat numpy compute"
              + ("; torch-cpu = audiofeat on torch.from_numpy(input) under torch.inference_mode()" if torch else ""))

    if meta["loadavg_start"]:
        print("load average at start (1/5/15 min): " + " / ".join(f"{x:.2f}" for x in meta["loadavg_start"])
              + f" on {meta['cores']} cores")
    out = dict(meta=meta)
    if args.breakdown:
        out["breakdown"] = run_breakdown(args, librosa, torch)
    else:
        out["cases"] = run_cases(args, librosa, torch)
        if out["cases"]:
            print("\n" + summary(out["cases"]))
        else:
            print("no case matches --case " + " ".join(args.case or []))
    if hasattr(os, "getloadavg"):
        meta["loadavg_end"] = list(os.getloadavg())
        print("load average at end (1/5/15 min): " + " / ".join(f"{x:.2f}" for x in meta["loadavg_end"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
