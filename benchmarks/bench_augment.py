"""Augmentation throughput: audiofeat.augment (numpy, one process; torch CPU batches) vs audiomentations 0.43.

The pipeline (each transform p=0.5), on N clips of 1 s at 16 kHz (default 1,000), per issue 7:

    colored (white Gaussian) noise at 5-30 dB SNR, TimeStretch 0.8-1.25 (length kept),
    PitchShift -4..4 semitones, Shift -50..50 % (roll), Gain -12..12 dB

TimeStretch and PitchShift are included only when ``audiofeat.effects`` has ``time_stretch`` and
``pitch_shift`` (else both libraries run the pipeline without them, and the table says so). audiomentations
runs the same transforms (AddGaussianSNR, TimeStretch, PitchShift, Shift, Gain) with the same ranges, one clip
at a time, seeded through its global state. Runs are interleaved (af numpy, audiomentations, af torch, ...)
so all share the machine's noise; median and range over ``--repeat`` runs (default 7). The GPU column
appears when CUDA is available.

What each library computes (so the comparison is read correctly):

* audiomentations 0.43's TimeStretch and PitchShift default to ``method="signalsmith_stretch"`` (a C++
  stretcher); ``--am-vocoder`` adds a runner with ``method="librosa_phase_vocoder"``, the same algorithm as
  audiofeat's (librosa's phase vocoder at n_fft 2048, hop 512, and soxr_hq for PitchShift). Its TimeStretch
  draws the rate uniformly, audiofeat's log-uniformly (same range 0.8-1.25); its Shift fades the seam over
  5 ms, audiofeat's rolls without a fade.
* audiofeat's PitchShift moves each drawn shift by at most 1 cent so that the frequency ratio is a fraction
  with a denominator <= 256 (``augment.snap_steps``; ``snap=False`` turns it off), which soxr resamples on its
  fast exact-ratio path.
* A CPU torch batch runs TimeStretch/PitchShift example by example through the numpy code (identical
  results); the other transforms run vectorised on the batch.

    python benchmarks/bench_augment.py [--clips 1000] [--repeat 7] [--batch 64] [--no-torch] [--am-vocoder]
                                       [--cpu-time] [--json out.json] [--breakdown]

``--breakdown`` times each transform of the pipeline alone at p=1 (ms per clip, audiofeat numpy and its
audiomentations counterpart, interleaved), and the pipeline at p=0 (parameter draws and dispatch only: the
per-clip Python overhead), on ``min(clips, 300)`` clips.

``--cpu-time`` counts CPU seconds of this process (``time.process_time``) instead of wall time: on a machine
shared with other jobs, wall time mostly measures waiting for a core. Pair it with
``AUDIOFEAT_NUM_THREADS=1`` so every runner is single-threaded.
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

import audiofeat  # noqa: E402
from audiofeat import augment as A  # noqa: E402

SR = 16000
TIMER = time.perf_counter


def has_effects() -> bool:
    return hasattr(audiofeat.effects, "time_stretch") and hasattr(audiofeat.effects, "pitch_shift")


def audiofeat_pipeline(effects: bool):
    ts = [A.TimeStretch((0.8, 1.25), p=0.5), A.PitchShift((-4, 4), p=0.5)] if effects else []
    return A.Compose([A.AddColoredNoise((5, 30), color="white", p=0.5), *ts, A.Shift((-0.5, 0.5), p=0.5),
                      A.Gain((-12, 12), p=0.5)])


def audiomentations_pipeline(effects: bool, method: str | None = None):
    import audiomentations as am

    kw = {} if method is None else {"method": method}
    ts = [am.TimeStretch(min_rate=0.8, max_rate=1.25, leave_length_unchanged=True, p=0.5, **kw),
          am.PitchShift(min_semitones=-4, max_semitones=4, p=0.5, **kw)] if effects else []
    return am.Compose([am.AddGaussianSNR(min_snr_db=5, max_snr_db=30, p=0.5), *ts,
                       am.Shift(min_shift=-0.5, max_shift=0.5, p=0.5),
                       am.Gain(min_gain_db=-12, max_gain_db=12, p=0.5)])


def clips(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(SR) / SR
    f0 = rng.uniform(100, 400, (n, 1))
    return (0.3 * np.sin(2 * np.pi * f0 * t) + 0.05 * rng.standard_normal((n, SR))).astype(np.float32)


def time_numpy(pipe, data, seed):
    rng = np.random.default_rng(seed)
    t0 = TIMER()
    for y in data:
        pipe(y, SR, rng=rng)
    return TIMER() - t0


def time_audiomentations(pipe, data, seed):
    np.random.seed(seed)
    t0 = TIMER()
    for y in data:
        pipe(samples=y, sample_rate=SR)
    return TIMER() - t0


def time_torch(pipe, batches, seed, sync=None):
    import torch

    g = torch.Generator(device=batches[0].device).manual_seed(seed)
    t0 = TIMER()
    for b in batches:
        pipe(b, SR, rng=g)
    if sync:
        sync()
    return TIMER() - t0


def breakdown(data: np.ndarray, repeat: int, effects: bool) -> None:
    """ms per clip of each transform alone (p=1), audiofeat numpy vs audiomentations, interleaved."""
    rows = [("noise (white, 5-30 dB)", A.AddColoredNoise((5, 30), color="white"), "AddGaussianSNR",
             dict(min_snr_db=5, max_snr_db=30))]
    if effects:
        rows += [("TimeStretch 0.8-1.25", A.TimeStretch((0.8, 1.25)), "TimeStretch",
                  dict(min_rate=0.8, max_rate=1.25, leave_length_unchanged=True)),
                 ("PitchShift -4..4", A.PitchShift((-4, 4)), "PitchShift", dict(min_semitones=-4, max_semitones=4))]
    rows += [("Shift -50..50 %", A.Shift((-0.5, 0.5)), "Shift", dict(min_shift=-0.5, max_shift=0.5)),
             ("Gain -12..12 dB", A.Gain((-12, 12)), "Gain", dict(min_gain_db=-12, max_gain_db=12))]
    off = audiofeat_pipeline(effects)
    off = A.Compose([type(t)(**{**t._init_args, "p": 0.0}) for t in off.transforms])
    try:
        import audiomentations as am
    except ImportError:
        am = None
    print(f"# breakdown: ms per clip, each transform alone at p=1, median (range) of {repeat} runs on "
          f"{len(data)} clips")
    print(f"{'transform':34s} {'audiofeat numpy':>24s} {'audiomentations':>24s}")
    for name, t, am_name, am_kw in rows + [("Compose, all p=0 (draws+dispatch)", off, None, None)]:
        am_t = getattr(am, am_name)(p=1.0, **am_kw) if am is not None and am_name else None
        af_times, am_times = [], []
        time_numpy(t, data[:10], 0)
        for r in range(repeat):
            af_times.append(time_numpy(t, data, r) / len(data) * 1e3)
            if am_t is not None:
                am_times.append(time_audiomentations(am_t, data, r) / len(data) * 1e3)

        def fmt(v):
            return f"{np.median(v):.3f} ({min(v):.3f}-{max(v):.3f})" if v else "-"
        print(f"{name:34s} {fmt(af_times):>24s} {fmt(am_times):>24s}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--am-vocoder", action="store_true",
                    help="also run audiomentations with method='librosa_phase_vocoder' (audiofeat's algorithm)")
    ap.add_argument("--torch-threads", type=int, default=1,
                    help="torch intra-op threads (default 1: one process, like audiomentations)")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time CPU seconds of this process (time.process_time) instead of wall time")
    ap.add_argument("--json")
    ap.add_argument("--breakdown", action="store_true",
                    help="also time each transform alone (p=1) and the pipeline at p=0, per clip")
    args = ap.parse_args()
    global TIMER
    if args.cpu_time:
        TIMER = time.process_time
    effects = has_effects()
    data = clips(args.clips)
    af_pipe = audiofeat_pipeline(effects)
    runners = {"audiofeat numpy (1 process)": lambda s: time_numpy(af_pipe, data, s)}
    try:
        am_pipe = audiomentations_pipeline(effects)
        runners["audiomentations 0.43 (1 process)"] = lambda s: time_audiomentations(am_pipe, data, s)
        if args.am_vocoder and effects:
            am_voc = audiomentations_pipeline(effects, "librosa_phase_vocoder")
            runners["audiomentations 0.43 librosa vocoder"] = lambda s: time_audiomentations(am_voc, data, s)
    except ImportError:
        print("audiomentations is not installed: pip install 'audiomentations==0.43.*'")
    if not args.no_torch:
        import torch

        torch.set_num_threads(args.torch_threads)
        cpu = [torch.from_numpy(data[i:i + args.batch]) for i in range(0, len(data), args.batch)]
        runners[f"audiofeat torch CPU (B={args.batch})"] = lambda s: time_torch(af_pipe, cpu, s)
        if torch.cuda.is_available():
            gpu = [b.cuda() for b in cpu]
            runners[f"audiofeat torch CUDA (B={args.batch})"] = (
                lambda s: time_torch(af_pipe, gpu, s, torch.cuda.synchronize))
    for run in runners.values():  # warm-up (caches, first-call costs)
        run(12345)
    times = {k: [] for k in runners}
    for r in range(args.repeat):
        for k, run in runners.items():
            times[k].append(run(r))
    print(f"# {args.clips} clips of 1 s at {SR} Hz, pipeline: noise, "
          f"{'TimeStretch, PitchShift, ' if effects else '(no TimeStretch/PitchShift: audiofeat.effects lacks them) '}"
          f"Shift, Gain (each p=0.5); median (range) of {args.repeat} runs, "
          f"{'CPU' if args.cpu_time else 'wall'} time")
    if effects:
        print("# audiomentations: TimeStretch/PitchShift method=signalsmith_stretch (its default) unless the row "
              "says 'librosa vocoder'; audiofeat: librosa's phase vocoder, PitchShift snapped to <= 1 cent of a "
              "ratio p/q with q <= 256 (snap=True)")
    import os
    print(f"# load average {os.getloadavg()[0]:.2f} at the end (a shared machine: other jobs run beside this)")
    print(f"# {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"audiofeat threads {audiofeat.get_num_threads()}, torch threads {args.torch_threads}")
    ref = "audiomentations 0.43 (1 process)"
    print(f"{'runner':38s} {'clips/s':>10s} {'range':>21s} {'vs audiomentations':>19s}")
    out = {}
    for k, ts in times.items():
        rates = sorted(args.clips / t for t in ts)
        med = float(np.median(rates))
        out[k] = {"clips_per_s_median": med, "min": rates[0], "max": rates[-1], "runs": rates}
        ratio = med / float(np.median([args.clips / t for t in times[ref]])) if ref in times else float("nan")
        print(f"{k:38s} {med:10.0f} {rates[0]:10.0f}-{rates[-1]:<10.0f} {ratio:18.1f}x")
    if args.breakdown:
        breakdown(data[: min(args.clips, 300)], args.repeat, effects)
    if args.json:
        Path(args.json).write_text(json.dumps({"effects": effects, "clips": args.clips, "results": out}, indent=1))


if __name__ == "__main__":
    main()
