"""Corpus extraction: audiofeat's pipeline against a plain librosa loop, in the same run.

The workload of issue 8: ``--clips`` files of 5 s (default 1,000; 16 kHz mono wav) made from the bundled
clips (real audio, cut and tiled) or from seeded noise plus tones (synthetic); MFCCs (librosa's defaults at
16 kHz) and ten functionals per coefficient (mean, std, min, max, p10, p50, p90, skew, kurtosis, slope), one row
per file, to parquet.

    anchor     for each file: librosa.load(sr=16000) + librosa.feature.mfcc + the same statistics with
               numpy/scipy; rows into a pandas DataFrame; DataFrame.to_parquet
    af-1job    audiofeat.pipeline.extract(folder, spec, out, jobs=1)
    af-2jobs   the same with jobs=2
    af-1job-1thread  jobs=1 with audiofeat.set_num_threads(1): what one pool worker runs (each worker uses one
               audiofeat thread), so "2 jobs vs 1 single-threaded job" is the pool's own scaling; a plain
               jobs=1 run also uses audiofeat's second thread (frame blocks of the STFT) for ~10-15%

Runs are interleaved (anchor, af-1job, af-2jobs, anchor, ...), each into a fresh output; the report gives
the median and range (min-max) of ``--repeat`` runs (default 7), files/s, x realtime and the ratios
(anchor / audiofeat, and 1 job / 2 jobs), and the 1-job / 2-job ratio within each repeat (median and range):
those two runs ran back to back, so on a shared host whose load drifts it compares like with like.

    python benchmarks/bench_pipeline.py                       # 1,000 clips, real and synthetic, repeat 7
    python benchmarks/bench_pipeline.py --clips 200 --repeat 7 --kind real
    python benchmarks/bench_pipeline.py --memory              # peak RSS of a 2-hour file (mfcc, mfcc+mel)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import audiofeat as af  # noqa: E402
from audiofeat.pipeline import extract  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SR, SECONDS = 16000, 5.0
STATS = ("mean", "std", "min", "max", "p10", "p50", "p90", "skew", "kurtosis", "slope")


def make_corpus(folder: Path, n: int, kind: str) -> None:
    folder.mkdir(parents=True)
    length = int(SR * SECONDS)
    if kind == "real":
        y = np.concatenate([af.load(SAMPLES / c, sr=SR)[0] for c in
                            ("speech.wav", "melody.flac", "drums.ogg", "noise.wav", "chord.mp3")])
        y = np.tile(y, -(-(length * 8) // len(y)))
    rng = np.random.default_rng(0)
    for i in range(n):
        if kind == "real":
            start = int(rng.integers(0, len(y) - length))
            clip = y[start:start + length]
        else:
            t = np.arange(length) / SR
            clip = 0.05 * rng.standard_normal(length) + 0.2 * np.sin(2 * np.pi * rng.uniform(100, 2000) * t)
        af.save(str(folder / f"clip{i:05d}.wav"), clip.astype(np.float32), SR, subtype="PCM_16")


def librosa_loop(folder: Path, out: Path) -> None:
    import librosa
    import pandas as pd
    import scipy.stats

    rows = []
    for path in sorted(folder.glob("*.wav")):
        y, sr = librosa.load(path, sr=SR)
        M = librosa.feature.mfcc(y=y, sr=sr)
        t = np.arange(M.shape[1])
        stats = np.stack([M.mean(1), M.std(1), M.min(1), M.max(1), *np.percentile(M, [10, 50, 90], axis=1),
                          scipy.stats.skew(M, axis=1), scipy.stats.kurtosis(M, axis=1),
                          np.polyfit(t, M.T, 1)[0]], axis=1)
        row = {"path": str(path), "duration": len(y) / sr, "sr": sr}
        row.update({f"mfcc_{i}_{s}": float(stats[i, j]) for i in range(M.shape[0]) for j, s in enumerate(STATS)})
        rows.append(row)
    pd.DataFrame(rows).to_parquet(out)


def audiofeat_run(folder: Path, out: Path, jobs: int, threads: int | None = None) -> None:
    before = af.get_num_threads()
    if threads is not None:
        af.set_num_threads(threads)
    try:
        s = extract(folder, {"features": ["mfcc"], "sr": SR, "functionals": list(STATS)}, out, jobs=jobs)
    finally:
        af.set_num_threads(before)
    assert s.files_failed == 0


def bench(kind: str, n: int, repeat: int, work: Path) -> dict:
    folder = work / f"corpus-{kind}"
    make_corpus(folder, n, kind)
    runners = {
        "librosa loop": lambda out: librosa_loop(folder, out),
        "af-1job": lambda out: audiofeat_run(folder, out, 1),
        "af-2jobs": lambda out: audiofeat_run(folder, out, 2),
        "af-1job-1thread": lambda out: audiofeat_run(folder, out, 1, threads=1),
    }
    # warm-up: numba compile, caches, page cache of the corpus
    for name, fn in runners.items():
        out = work / f"warm-{name}"
        fn(out)
        shutil.rmtree(out, ignore_errors=True) if out.is_dir() else out.unlink(missing_ok=True)
    times: dict[str, list[float]] = {k: [] for k in runners}
    for r in range(repeat):
        for name, fn in runners.items():
            out = work / f"run-{name}-{r}" / "out.parquet"
            out.parent.mkdir()
            t0 = time.perf_counter()
            fn(out)
            times[name].append(time.perf_counter() - t0)
            shutil.rmtree(out.parent)
    result = {}
    audio = n * SECONDS
    for name, ts in times.items():
        med = float(np.median(ts))
        result[name] = {"median_s": med, "min_s": min(ts), "max_s": max(ts), "files_per_s": n / med,
                        "x_realtime": audio / med, "runs": ts}
    result["ratio_vs_librosa_1job"] = result["librosa loop"]["median_s"] / result["af-1job"]["median_s"]
    result["ratio_vs_librosa_2jobs"] = result["librosa loop"]["median_s"] / result["af-2jobs"]["median_s"]
    result["ratio_2jobs_vs_1job"] = result["af-1job"]["median_s"] / result["af-2jobs"]["median_s"]
    result["ratio_2jobs_vs_1job_1thread"] = result["af-1job-1thread"]["median_s"] / result["af-2jobs"]["median_s"]
    # the same ratio within each repeat (its 1-job and 2-job runs ran back to back): on a shared host whose load
    # drifts over the minutes of a benchmark, this pairs runs that saw the same conditions
    paired = [a / b for a, b in zip(times["af-1job"], times["af-2jobs"])]
    result["paired_2jobs_vs_1job"] = {"median": float(np.median(paired)), "min": min(paired), "max": max(paired)}
    return result


def memory(work: Path) -> dict:
    import soundfile as sf

    path = work / "two-hours.wav"
    with sf.SoundFile(str(path), "w", SR, 1, subtype="PCM_16") as f:
        block = (0.1 * np.random.default_rng(0).standard_normal(SR * 60)).astype(np.float32)
        for _ in range(120):
            f.write(block)
    out = {}
    for label, feats in (("mfcc", ["mfcc"]), ("mfcc+melspectrogram", ["mfcc", "melspectrogram"])):
        code = (f"import time; from audiofeat.pipeline import process_file, ExtractorSpec; "
                f"t = time.perf_counter(); r = process_file({str(path)!r}, ExtractorSpec(features={feats!r}, "
                f"sr={SR}, functionals={list(STATS)!r})); assert r.ok, r.error; "
                f"hwm = [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
                f"print(hwm / 1024, time.perf_counter() - t)")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parents[1])
        rss, wall = map(float, res.stdout.split())
        out[label] = {"peak_rss_mb": rss, "wall_s": wall, "x_realtime": 7200 / wall}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clips", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--kind", action="append", choices=("real", "synthetic"))
    p.add_argument("--memory", action="store_true", help="only the 2-hour file's peak RSS")
    p.add_argument("--json")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    try:
        if args.memory:
            res = memory(work)
            for label, r in res.items():
                print(f"2-hour 16 kHz file, {label}: peak RSS {r['peak_rss_mb']:.0f} MB, {r['wall_s']:.1f} s "
                      f"({r['x_realtime']:.0f}x realtime)")
        else:
            print(f"{args.clips} clips x {SECONDS:g} s at {SR} Hz, MFCC + {len(STATS)} functionals to parquet; "
                  f"median (min-max) of {args.repeat} interleaved runs; {os.cpu_count()} CPUs")
            res = {}
            for kind in args.kind or ["real", "synthetic"]:
                r = res[kind] = bench(kind, args.clips, args.repeat, work)
                for name in ("librosa loop", "af-1job", "af-2jobs", "af-1job-1thread"):
                    v = r[name]
                    print(f"  {kind:9s} {name:15s} {v['median_s']:7.2f} s ({v['min_s']:.2f}-{v['max_s']:.2f})  "
                          f"{v['files_per_s']:7.1f} files/s  {v['x_realtime']:6.0f}x realtime")
                print(f"  {kind:9s} audiofeat vs librosa loop: {r['ratio_vs_librosa_1job']:.2f}x (1 job), "
                      f"{r['ratio_vs_librosa_2jobs']:.2f}x (2 jobs); 2 jobs vs 1 job: "
                      f"{r['ratio_2jobs_vs_1job']:.2f}x; 2 jobs vs 1 single-threaded job: "
                      f"{r['ratio_2jobs_vs_1job_1thread']:.2f}x")
                pr = r["paired_2jobs_vs_1job"]
                print(f"  {kind:9s} 2 jobs vs 1 job within each repeat: median {pr['median']:.2f}x "
                      f"({pr['min']:.2f}-{pr['max']:.2f})")
        if args.json:
            Path(args.json).write_text(json.dumps(res, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
