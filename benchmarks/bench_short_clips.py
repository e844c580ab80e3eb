"""Feature calls on short clips (5 s at 16 kHz, a typical training example): audiofeat against librosa 0.11,
on one and two of audiofeat's threads, with and without audiofeat's heap pad.

A loop of feature calls on short clips is where glibc's allocator used to cost most: it handed the calls'
0.1-2 MB temporaries back to the kernel after every call, and the next call page-faulted them in again (a 5 s
``stft`` on one thread: 874 faults and 2.3 ms instead of 0.7 ms). ``import audiofeat`` now keeps an 8 MiB
pad (``audiofeat/_heap.py``); ``AUDIOFEAT_MALLOC_TOP_PAD=0`` turns it off, which the ``pad off`` runners use
to show the difference.

Runners, each a separate Python process started once (the allocator setting is per process), driven round
by round so that they share the machine's noise (round r: runner 1, runner 2, ..., then round r + 1):

    librosa           librosa 0.11 (its process keeps glibc's defaults, as a librosa user's does)
    af 1 thread       audiofeat, AUDIOFEAT_NUM_THREADS=1 (as in a DataLoader or pipeline worker)
    af 2 threads      audiofeat, AUDIOFEAT_NUM_THREADS=2
    ... pad off       the same with AUDIOFEAT_MALLOC_TOP_PAD=0 (``--pad-off`` adds these)

Each round calls every operation on each of 8 clips (after two warm-up rounds); the report gives, per
operation, the median (min-max) over ``--repeat`` rounds (default 7) of the time per clip in ms, and the
ratio librosa / audiofeat. Clips: ``real`` cuts of the bundled recordings (data/samples/, resampled to
16 kHz), ``synthetic`` seeded noise plus a tone.

    python benchmarks/bench_short_clips.py                 # real and synthetic, repeat 7
    python benchmarks/bench_short_clips.py --pad-off       # also the runners without the heap pad
    python benchmarks/bench_short_clips.py --op stft --op mfcc --kind real
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SR, SECONDS, CLIPS = 16000, 5.0, 8
OPS = ["stft", "melspectrogram", "mfcc", "chroma_stft", "spectral_centroid", "spectral_contrast",
       "onset_strength", "yin", "time_stretch", "pitch_shift", "resample"]

# the code each runner process executes: build the clips, then one round of timings per line on stdin
WORKER = r"""
import json, sys, time
import numpy as np
lib_name, kind, ops = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
SR, SECONDS, CLIPS = 16000, 5.0, 8
import soundfile, soxr
n = int(SR * SECONDS)
if kind == "real":
    parts = []
    for name in ("speech.wav", "melody.flac", "drums.ogg", "noise.wav"):
        y, sr = soundfile.read(f"data/samples/{name}", dtype="float32", always_2d=True)
        parts.append(soxr.resample(y.mean(axis=1), sr, SR).astype(np.float32))
    whole = np.tile(np.concatenate(parts), 8)
    rng = np.random.default_rng(0)
    clips = [whole[s:s + n] for s in rng.integers(0, len(whole) - n, CLIPS)]
else:
    rng = np.random.default_rng(0)
    t = np.arange(n) / SR
    clips = [(0.05 * rng.standard_normal(n) + 0.2 * np.sin(2 * np.pi * rng.uniform(100, 1000) * t))
             .astype(np.float32) for _ in range(CLIPS)]
# one table for both: audiofeat takes librosa's names and keywords (the switch is the import)
L = __import__("librosa" if lib_name == "librosa" else "audiofeat")
calls = {
    "stft": lambda y: L.stft(y),
    "melspectrogram": lambda y: L.feature.melspectrogram(y=y, sr=SR),
    "mfcc": lambda y: L.feature.mfcc(y=y, sr=SR),
    "chroma_stft": lambda y: L.feature.chroma_stft(y=y, sr=SR),
    "spectral_centroid": lambda y: L.feature.spectral_centroid(y=y, sr=SR),
    "spectral_contrast": lambda y: L.feature.spectral_contrast(y=y, sr=SR),
    "onset_strength": lambda y: L.onset.onset_strength(y=y, sr=SR),
    "yin": lambda y: L.yin(y, fmin=65, fmax=1000, sr=SR),
    "time_stretch": lambda y: L.effects.time_stretch(y, rate=1.1),
    "pitch_shift": lambda y: L.effects.pitch_shift(y, sr=SR, n_steps=2),
    "resample": lambda y: L.resample(y, orig_sr=SR, target_sr=22050),
}
print("ready", flush=True)
for line in sys.stdin:
    out = {}
    for op in ops:
        f = calls[op]
        t0 = time.perf_counter()
        for y in clips:
            r = f(y)
        out[op] = (time.perf_counter() - t0) / len(clips) * 1e3
        del r
    print(json.dumps(out), flush=True)
"""


def runners(pad_off: bool) -> dict[str, dict[str, str]]:
    """name -> environment changes of its process."""
    off = {"AUDIOFEAT_MALLOC_TOP_PAD": "0"}
    out = {"librosa": {**off, "AUDIOFEAT_NUM_THREADS": "1"},
           "af 1 thread": {"AUDIOFEAT_NUM_THREADS": "1"},
           "af 2 threads": {"AUDIOFEAT_NUM_THREADS": "2"}}
    if pad_off:
        out["af 1 thread, pad off"] = {**off, "AUDIOFEAT_NUM_THREADS": "1"}
        out["af 2 threads, pad off"] = {**off, "AUDIOFEAT_NUM_THREADS": "2"}
    return out


def run(kind: str, ops: list[str], repeat: int, pad_off: bool) -> dict:
    procs = {}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "AUDIOFEAT_", "GLIBC_TUNABLES"))}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT), base.get("PYTHONPATH", "")])
    for name, env in runners(pad_off).items():
        lib = "librosa" if name == "librosa" else "audiofeat"
        procs[name] = subprocess.Popen([sys.executable, "-c", WORKER, lib, kind, ",".join(ops)], cwd=ROOT,
                                       env={**base, **env}, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        for p in procs.values():
            assert p.stdout.readline().strip() == "ready"
        times: dict[str, dict[str, list[float]]] = {name: {op: [] for op in ops} for name in procs}
        for r in range(repeat + 2):  # two warm-up rounds: librosa's numba compilation, caches
            for name, p in procs.items():
                p.stdin.write("go\n")
                p.stdin.flush()
                result = json.loads(p.stdout.readline())
                if r >= 2:
                    for op in ops:
                        times[name][op].append(result[op])
    finally:
        for p in procs.values():
            p.stdin.close()
            p.wait()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--kind", choices=["real", "synthetic"], action="append")
    ap.add_argument("--op", choices=OPS, action="append")
    ap.add_argument("--pad-off", action="store_true", help="add audiofeat runners without the heap pad")
    ap.add_argument("--json", help="write every run's times here")
    args = ap.parse_args()
    if args.repeat < 7:
        ap.error("--repeat must be at least 7 (medians of fewer runs are noise)")
    ops = args.op or OPS
    print(f"# {CLIPS} clips of {SECONDS:g} s at {SR} Hz per round, ms per clip: median (min-max) of {args.repeat} "
          f"interleaved rounds; ratio = librosa / audiofeat")
    print(f"# {platform.machine()}, python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at the start")
    everything = {}
    for kind in args.kind or ["real", "synthetic"]:
        times = run(kind, ops, args.repeat, args.pad_off)
        everything[kind] = times
        names = list(times)
        print(f"\n## {kind}")
        print(f"{'op':18s} " + " ".join(f"{n:>24s}" for n in names))
        for op in ops:
            lib = float(np.median(times["librosa"][op]))
            cells = []
            for n in names:
                v = times[n][op]
                med = float(np.median(v))
                ratio = "" if n == "librosa" else f" {lib / med:4.1f}x"
                cells.append(f"{med:7.2f} ({min(v):.2f}-{max(v):.2f}){ratio}")
            print(f"{op:18s} " + " ".join(f"{c:>24s}" for c in cells))
    print(f"# load average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1))


if __name__ == "__main__":
    main()
