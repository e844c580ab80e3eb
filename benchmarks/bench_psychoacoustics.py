"""Time the psychoacoustic and wavelet features against their anchors, interleaved in the same run.

Cases (each on real audio -- the bundled clips, loaded at the rate, concatenated and tiled -- and on
synthetic audio: seeded white noise plus three tones):

    cwt            audiofeat.cwt (numpy; torch CPU) vs pywt.cwt(method='fft') on a 5 s clip at 16 kHz, 48
                   complex Morlet ('cmor1.5-1.0') bands from 50 Hz to 6.4 kHz (1/7 octave), every sample
                   (PyWavelets has no hop); audiofeat with hop_length=64 is timed too, for information
    gammatonegram  audiofeat.gammatonegram (64 ERB bands) vs audiofeat.melspectrogram (128 mels) vs
                   librosa.feature.melspectrogram, 60 s at 22.05 kHz, librosa's STFT defaults
    gtcc           audiofeat.gtcc vs audiofeat.mfcc vs librosa.feature.mfcc (20 coefficients), same signal
    weighting      audiofeat.weighting_filter (A, FFT convolution) vs scipy.signal.sosfilt of the same
                   sections, 60 s at 48 kHz

Each round calls every contender once, one after the other (so they share the machine's noise); after two
warm-up calls each, it reports the median of ``--repeat`` rounds (default 9, at least 7) with the range
(min-max), and the ratio of medians (anchor / audiofeat: > 1 means audiofeat is faster).

    python benchmarks/bench_psychoacoustics.py
    python benchmarks/bench_psychoacoustics.py --case cwt --repeat 7 --no-torch
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import audiofeat as af  # noqa: E402
from bench_spectral import cell, interleaved, real_audio, stats, synthetic_audio  # noqa: E402

CWT_FREQS = 50.0 * 2.0 ** (np.arange(48) / 7.0)


def cases(kind: str, torch, which: list[str]):
    """{case: (description, {contender: fn}, anchor name, audiofeat name)}."""
    out = {}

    def signal(seconds, sr):
        return real_audio(seconds, sr) if kind == "real" else synthetic_audio(seconds, sr)

    if not which or any("cwt" in w for w in which):
        import pywt

        sr = 16000
        y = signal(5.0, sr)
        scales = 1.0 * sr / CWT_FREQS
        fns = {
            "pywt.cwt(fft)": lambda: pywt.cwt(y, scales, "cmor1.5-1.0", sampling_period=1 / sr, method="fft"),
            "af.cwt": lambda: af.cwt(y, sr=sr, freqs=CWT_FREQS, wavelet="cmor1.5-1.0", norm="l2"),
            "af.cwt hop64": lambda: af.cwt(y, sr=sr, freqs=CWT_FREQS, wavelet="cmor1.5-1.0", norm="l2",
                                           hop_length=64),
        }
        if torch is not None:
            yt = torch.from_numpy(y)

            def cwt_torch():
                with torch.inference_mode():
                    return af.cwt(yt, sr=sr, freqs=CWT_FREQS, wavelet="cmor1.5-1.0", norm="l2")
            fns["af.cwt torch"] = cwt_torch
        out["cwt"] = ("5 s at 16 kHz, 48 bands, every sample", fns, "pywt.cwt(fft)", "af.cwt")

    if not which or any(w in ("gammatonegram", "gtcc") for w in which):
        import librosa

        sr = 22050
        y = signal(60.0, sr)
        if not which or "gammatonegram" in which:
            fns = {
                "librosa.melspectrogram": lambda: librosa.feature.melspectrogram(y=y, sr=sr),
                "af.melspectrogram": lambda: af.melspectrogram(y=y, sr=sr),
                "af.gammatonegram": lambda: af.gammatonegram(y=y, sr=sr),
            }
            out["gammatonegram"] = ("60 s at 22.05 kHz, n_fft 2048, hop 512; 64 ERB bands vs 128 mels", fns,
                                    "af.melspectrogram", "af.gammatonegram")
        if not which or "gtcc" in which:
            fns = {
                "librosa.mfcc": lambda: librosa.feature.mfcc(y=y, sr=sr),
                "af.mfcc": lambda: af.mfcc(y=y, sr=sr),
                "af.gtcc": lambda: af.gtcc(y=y, sr=sr),
            }
            out["gtcc"] = ("60 s at 22.05 kHz, 20 coefficients", fns, "af.mfcc", "af.gtcc")

    if not which or "weighting" in which:
        import scipy.signal

        from audiofeat.psychoacoustics import _weighting_sos

        sr = 48000
        y = signal(60.0, sr).astype(np.float64)
        sos = _weighting_sos("A", sr)
        fns = {
            "scipy.sosfilt": lambda: scipy.signal.sosfilt(sos, y),
            "af.weighting_filter": lambda: af.weighting_filter(y, sr),
        }
        out["weighting"] = ("60 s at 48 kHz, float64, A-weighting", fns, "scipy.sosfilt", "af.weighting_filter")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--case", action="append", default=[], help="cwt, gammatonegram, gtcc, weighting")
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--kind", action="append", default=[], help="real, synth (default both)")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.repeat < 7:
        parser.error("--repeat must be at least 7")
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    print(f"audiofeat {af.__version__}, threads {af.get_num_threads()}, repeat {args.repeat}; "
          "times in ms: median (min-max)")
    results = []
    for kind in args.kind or ["real", "synth"]:
        for name, (desc, fns, anchor, ours) in cases(kind, torch, args.case).items():
            times = interleaved(fns, args.repeat)
            st = {k: stats(v) for k, v in times.items()}
            ratio = st[anchor]["median_s"] / st[ours]["median_s"]
            print(f"\n{name} [{kind}] {desc}")
            for k, s in st.items():
                print(f"  {k:26s} {cell(s)}")
            print(f"  ratio {anchor} / {ours} = {ratio:.2f}")
            results.append(dict(case=name, kind=kind, desc=desc, stats=st, ratio=ratio, anchor=anchor,
                                ours=ours))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
