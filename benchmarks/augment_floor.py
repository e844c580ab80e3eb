"""What issue 7's augmentation pipeline cannot go below on this CPU, whatever the code around it.

The pipeline (noise 5-30 dB, TimeStretch 0.8-1.25, PitchShift +-4 semitones, Shift, Gain; each p=0.5) on 1 s
clips at 16 kHz is mostly four computations that every librosa-compatible implementation must do, each already
a single call into compiled code:

* TimeStretch: librosa's phase vocoder at n_fft=2048, hop 512: the forward and inverse FFTs of ~32 frames;
* PitchShift: the same stretch, then a soxr_hq resampling of the stretched clip back to 16,000 samples;
* AddColoredNoise (white): 16,000 Gaussian samples;
* everything else (vocoder arithmetic, overlap-add, mixing, Shift, Gain, drawing parameters, dispatch).

This times the first three as bare calls (scipy/torch FFT, soxr, numpy's Generator), the audiofeat transforms
as they run, and audiomentations 0.43's pipeline, interleaved, median of ``--repeat`` rounds, and prints the
throughput the pipeline could reach if everything but those calls took no time at all (the "floor"), against
audiomentations' figure.

    python benchmarks/augment_floor.py [--repeat 7] [--clips 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import audiofeat  # noqa: E402
from audiofeat import augment as A  # noqa: E402
from audiofeat import _backend as B  # noqa: E402

SR = 16000


def per_call(fn, n: int) -> float:
    """Seconds per call of ``fn`` over ``n`` calls."""
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--clips", type=int, default=200, help="clips (or calls) per round")
    args = ap.parse_args()
    import soxr

    audiofeat.set_num_threads(1)
    rng = np.random.default_rng(0)
    clips = (0.3 * np.sin(2 * np.pi * rng.uniform(100, 400, (args.clips, 1)) * np.arange(SR) / SR)
             + 0.05 * rng.standard_normal((args.clips, SR))).astype(np.float32)
    y = clips[0]
    frames = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(np.pad(y, 1024), 2048)[::512])
    spec = B.rfft(frames, workers=1)
    steps = A.snap_steps(rng.uniform(-4, 4, 64))
    ratios = [Fraction(2 ** (s / 12)).limit_denominator(256) for s in steps]
    stretched = [np.ascontiguousarray(np.resize(y, int(round(SR * float(1 / r))))) for r in ratios]
    gen = np.random.default_rng(1)
    counter = iter(range(1 << 62))

    def resample() -> None:
        i = next(counter) % len(ratios)
        r = ratios[i]
        soxr.resample(stretched[i], SR * r.denominator, SR * r.numerator, "HQ")

    floor_parts = {
        "FFT pair (32 x 2048, float32)": lambda: B.irfft(B.rfft(frames, workers=1), n=2048, workers=1),
        "soxr_hq resample (1 s)": resample,
        "16,000 Gaussian samples": lambda: A._rng.seeded_normal([int(gen.integers(1 << 31))], SR, np.float32),
    }
    transforms = {
        "TimeStretch": A.TimeStretch((0.8, 1.25)),
        "PitchShift": A.PitchShift((-4, 4)),
        "AddColoredNoise": A.AddColoredNoise((5, 30), color="white"),
    }
    pipe = A.Compose([A.AddColoredNoise((5, 30), color="white", p=0.5), A.TimeStretch((0.8, 1.25), p=0.5),
                      A.PitchShift((-4, 4), p=0.5), A.Shift((-0.5, 0.5), p=0.5), A.Gain((-12, 12), p=0.5)])
    try:
        import audiomentations as am

        am_pipe = am.Compose([am.AddGaussianSNR(min_snr_db=5, max_snr_db=30, p=0.5),
                              am.TimeStretch(min_rate=0.8, max_rate=1.25, leave_length_unchanged=True, p=0.5),
                              am.PitchShift(min_semitones=-4, max_semitones=4, p=0.5),
                              am.Shift(min_shift=-0.5, max_shift=0.5, p=0.5),
                              am.Gain(min_gain_db=-12, max_gain_db=12, p=0.5)])
    except ImportError:
        am_pipe = None
    times: dict[str, list[float]] = {}
    for r in range(args.repeat):
        for name, fn in floor_parts.items():
            times.setdefault(name, []).append(per_call(fn, args.clips))
        for name, t in transforms.items():
            it = iter(clips)
            times.setdefault(name, []).append(per_call(lambda: t(next(it), SR, rng=rng), args.clips))
        it = iter(clips)
        times.setdefault("audiofeat pipeline", []).append(per_call(lambda: pipe(next(it), SR, rng=rng), args.clips))
        if am_pipe is not None:
            np.random.seed(r)
            it = iter(clips)
            times.setdefault("audiomentations pipeline", []).append(
                per_call(lambda: am_pipe(samples=next(it), sample_rate=SR), args.clips))
    med = {k: float(np.median(v)) * 1e3 for k, v in times.items()}
    print(f"ms per 1 s clip at 16 kHz, one thread, median (min-max) of {args.repeat} rounds of {args.clips}")
    for k, v in times.items():
        print(f"  {k:32s} {med[k]:7.3f} ({min(v) * 1e3:.3f}-{max(v) * 1e3:.3f})")
    fft, sox, noise = (med[k] for k in floor_parts)
    floor = 0.5 * (fft + (fft + sox) + noise)  # each transform applied to half the clips
    print(f"floor of the pipeline at p=0.5 (FFTs of both stretches, soxr, noise; nothing else): {floor:.3f} ms "
          f"= {1e3 / floor:.0f} clips/s")
    if am_pipe is not None:
        am_ms = med["audiomentations pipeline"]
        print(f"audiomentations 0.43: {am_ms:.3f} ms = {1e3 / am_ms:.0f} clips/s; audiofeat now "
              f"{am_ms / med['audiofeat pipeline']:.2f}x; the floor alone would be {am_ms / floor:.2f}x")


if __name__ == "__main__":
    main()
