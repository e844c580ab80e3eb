"""Streaming front-ends: per-chunk latency, throughput and Python overhead for 10 ms chunks at 16 kHz.

A 10 s stream (real audio: the bundled clips at 16 kHz, concatenated; or seeded noise plus tones) is fed in
160-sample chunks (10 ms; one new frame per chunk at hop 160), with speech settings (n_fft 400 = 25 ms,
hop 160, 80 mels, 13 MFCCs). Every round runs each method over the whole stream, methods interleaved in the
round so they share the machine's noise; the report gives the median over ``--repeat`` rounds (default 9,
at least 7) with the range (min-max) of:

* ``us/chunk``: mean wall time of one ``process(chunk)`` call in the round (the per-chunk latency that
  compute adds; the algorithmic latency is the front-end's ``latency`` attribute, printed too);
* ``p99 us``: the 99th percentile of the single calls in the round;
* ``x realtime``: seconds of audio per second of compute.

Methods:

    af-stream-numpy   audiofeat.streaming front-end, numpy float32 chunks
    af-stream-torch   the same front-end, torch CPU float32 chunks (same class)
    af-call-numpy     one offline call per chunk on the last n_fft samples (audiofeat.melspectrogram ...,
                      center=False): what the streaming class adds over the core call it makes
    librosa-call      the same per-chunk call with librosa 0.11 (the anchor: the usual way to stream with
                      librosa is to recompute on a ring buffer)
    onnx-step         audiofeat.nn.StreamingStep exported to ONNX, run with onnxruntime per chunk
                      (the deployed path; mel and log-mel only; skipped without the deploy extra)

and, once per run, the Python overhead per call: ``process`` of an empty chunk (validation and
bookkeeping only), and the offline whole-signal time per frame (the compute a chunk cannot avoid).

    python benchmarks/bench_streaming.py                 # mel, logmel+deltas, mfcc+deltas, stft; repeat 9
    python benchmarks/bench_streaming.py --quick         # mel only, repeat 7
    python benchmarks/bench_streaming.py --no-torch --no-onnx --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import audiofeat as af  # noqa: E402
from audiofeat import streaming  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CLIPS = ("speech.wav", "melody.flac", "drums.ogg", "noise.wav", "chord.mp3")
SR, N_FFT, HOP, N_MELS, N_MFCC, CHUNK, SECONDS = 16000, 400, 160, 80, 13, 160, 10.0


def real_audio() -> np.ndarray:
    y = np.concatenate([af.load(SAMPLES / name, sr=SR)[0] for name in CLIPS])
    n = int(SECONDS * SR)
    return np.ascontiguousarray(np.tile(y, -(-n // len(y)))[:n], dtype=np.float32)


def synthetic_audio() -> np.ndarray:
    n = int(SECONDS * SR)
    t = np.arange(n) / SR
    y = 0.05 * np.random.default_rng(0).standard_normal(n)
    for f in (220.0, 1000.0, 3150.0):
        y += 0.2 * np.sin(2 * np.pi * f * t)
    return y.astype(np.float32)


# front-end kinds: streaming class, offline call on a buffer (audiofeat / librosa), nn front-end for ONNX
def make_kinds():
    mel_kw = dict(sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)
    return {
        "mel": dict(
            stream=lambda: streaming.MelSpectrogram(center=False, **mel_kw),
            af_call=lambda y: af.melspectrogram(y=y, center=False, **mel_kw),
            librosa_call=lambda lr, y: lr.feature.melspectrogram(y=y, center=False, **mel_kw),
            nn=lambda afnn: afnn.MelSpectrogram(center=False, **mel_kw),
            offline=lambda y: af.melspectrogram(y=y, center=False, **mel_kw)),
        "logmel+d2": dict(
            stream=lambda: streaming.MelSpectrogram(center=False, log=True, deltas=2, **mel_kw),
            af_call=None, librosa_call=None, nn=None,
            offline=lambda y: _with_deltas(af.power_to_db(af.melspectrogram(y=y, center=False, **mel_kw),
                                                          top_db=None))),
        "mfcc+d2": dict(
            stream=lambda: streaming.MFCC(n_mfcc=N_MFCC, center=False, deltas=2, **mel_kw),
            af_call=None, librosa_call=None, nn=None,
            offline=lambda y: _with_deltas(af.mfcc(S=af.power_to_db(af.melspectrogram(y=y, center=False, **mel_kw),
                                                                    top_db=None), n_mfcc=N_MFCC))),
        "mfcc": dict(
            stream=lambda: streaming.MFCC(n_mfcc=N_MFCC, center=False, **mel_kw),
            af_call=lambda y: af.mfcc(S=af.power_to_db(af.melspectrogram(y=y, center=False, **mel_kw), top_db=None),
                                      n_mfcc=N_MFCC),
            librosa_call=lambda lr, y: lr.feature.mfcc(
                S=lr.power_to_db(lr.feature.melspectrogram(y=y, center=False, **mel_kw), top_db=None),
                n_mfcc=N_MFCC),
            nn=lambda afnn: afnn.MFCC(n_mfcc=N_MFCC, center=False, top_db=None, **mel_kw),
            offline=lambda y: af.mfcc(S=af.power_to_db(af.melspectrogram(y=y, center=False, **mel_kw), top_db=None),
                                      n_mfcc=N_MFCC)),
        "stft": dict(
            stream=lambda: streaming.STFT(n_fft=N_FFT, hop_length=HOP, center=False),
            af_call=lambda y: af.stft(y, n_fft=N_FFT, hop_length=HOP, center=False),
            librosa_call=lambda lr, y: lr.stft(y, n_fft=N_FFT, hop_length=HOP, center=False),
            nn=None,
            offline=lambda y: af.stft(y, n_fft=N_FFT, hop_length=HOP, center=False)),
    }


def _with_deltas(F):
    return np.concatenate([F, af.delta(F, order=1), af.delta(F, order=2)], axis=-2)


def run_stream(process, chunks):
    """Per-call wall times (ns) of ``process`` over the chunks."""
    times = np.empty(len(chunks), dtype=np.int64)
    clock = time.perf_counter_ns
    for i, c in enumerate(chunks):
        t0 = clock()
        process(c)
        times[i] = clock() - t0
    return times


def methods_for(kind: dict, y: np.ndarray, use_torch: bool, use_onnx: bool, lr, tmp: Path):
    """name -> (make a fresh per-round callable, chunks)."""
    chunks = [y[i:i + CHUNK] for i in range(0, len(y) - CHUNK + 1, CHUNK)]
    out = {"af-stream-numpy": (lambda: kind["stream"]().process, chunks)}
    if use_torch:
        import torch

        tchunks = [torch.from_numpy(c) for c in chunks]
        out["af-stream-torch"] = (lambda: kind["stream"]().process, tchunks)
    if kind["af_call"] is not None:
        def ring(call):
            def make():
                buf = np.zeros(N_FFT, dtype=np.float32)

                def process(c):
                    buf[:-CHUNK] = buf[CHUNK:]
                    buf[-CHUNK:] = c
                    return call(buf)
                return process
            return make

        out["af-call-numpy"] = (ring(kind["af_call"]), chunks)
        if lr is not None:
            out["librosa-call"] = (ring(lambda b: kind["librosa_call"](lr, b)), chunks)
    if use_onnx and kind["nn"] is not None:
        import onnxruntime as ort

        import audiofeat.nn as afnn

        step = afnn.StreamingStep(kind["nn"](afnn))
        path = afnn.export_onnx(step, tmp / "step.onnx")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        ochunks = [c[None] for c in chunks]

        def make_onnx():
            state = [np.zeros((1, step.state_length), np.float32)]

            def process(c):
                feats, state[0] = sess.run(None, {"chunk": c, "state": state[0]})
                return feats
            return process

        out["onnx-step"] = (make_onnx, ochunks)
    return out


def stats(values):
    v = np.asarray(values, dtype=float)
    return float(np.median(v)), float(v.min()), float(v.max())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--quick", action="store_true", help="mel only, repeat 7")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-onnx", action="store_true")
    ap.add_argument("--no-librosa", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    repeat = max(7, 7 if args.quick else args.repeat)

    use_torch = not args.no_torch
    if use_torch:
        try:
            import torch

            torch.set_num_threads(1)
        except ImportError:
            use_torch = False
    use_onnx = not args.no_onnx
    if use_onnx:
        try:
            import onnx, onnxruntime, onnxscript  # noqa: F401,E401
        except ImportError:
            use_onnx = False
    use_onnx = use_onnx and use_torch
    lr = None
    if not args.no_librosa:
        try:
            import librosa as lr
        except ImportError:
            lr = None
    af.set_fft_backend("scipy")  # what a numpy-only program gets
    af.set_num_threads(1)  # a real-time thread; chunks are far too small for the pool

    print(f"# audiofeat {af.__version__}, numpy {np.__version__}, python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}: other jobs share this machine)")
    print(f"# {SECONDS:.0f} s at {SR} Hz in {CHUNK}-sample chunks ({1000 * CHUNK / SR:.0f} ms); n_fft {N_FFT}, "
          f"hop {HOP}, {N_MELS} mels; {repeat} rounds, median [min-max]; single-threaded")
    kinds = make_kinds()
    names = ["mel"] if args.quick else list(kinds)
    results = []
    tmp = Path(tempfile.mkdtemp())
    for signal_name, y in (("real", real_audio()), ("synthetic", synthetic_audio())):
        if args.quick and signal_name == "synthetic":
            continue
        for name in names:
            kind = kinds[name]
            methods = methods_for(kind, y, use_torch, use_onnx, lr, tmp)
            for make, chunks in methods.values():  # warm-up: caches, librosa's numba, onnxruntime
                run_stream(make(), chunks[:50])
            per = {m: {"mean": [], "p99": []} for m in methods}
            for _ in range(repeat):
                for m, (make, chunks) in methods.items():
                    t = run_stream(make(), chunks)
                    per[m]["mean"].append(t.mean() / 1e3)
                    per[m]["p99"].append(np.percentile(t, 99) / 1e3)
            fe = kind["stream"]()
            # Python overhead: process() of an empty chunk (after one real chunk fixed the stream's type)
            fe.process(y[:CHUNK])
            empty = y[:0]
            over = [run_stream(fe.process, [empty] * 2000).mean() / 1e3 for _ in range(repeat)]
            offline = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                F = kind["offline"](y)
                offline.append((time.perf_counter() - t0) / F.shape[-1] * 1e6)
            print(f"\n{signal_name} / {name}: latency {fe.latency} samples ({1000 * fe.latency / SR:.1f} ms) "
                  f"+ compute; overhead of an empty process() {stats(over)[0]:.1f} us "
                  f"[{stats(over)[1]:.1f}-{stats(over)[2]:.1f}]; offline whole-signal {stats(offline)[0]:.1f} us/frame "
                  f"[{stats(offline)[1]:.1f}-{stats(offline)[2]:.1f}]")
            base = stats(per["af-stream-numpy"]["mean"])[0]
            for m, v in per.items():
                mean, lo, hi = stats(v["mean"])
                p99 = stats(v["p99"])
                xrt = (CHUNK / SR) / (mean / 1e6)
                ratio = mean / base
                print(f"  {m:16s} {mean:8.1f} us/chunk [{lo:7.1f}-{hi:7.1f}]  p99 {p99[0]:8.1f} us  "
                      f"x realtime {xrt:7.0f}   time vs af-stream-numpy {ratio:5.2f}x")
                results.append(dict(signal=signal_name, kind=name, method=m, us_per_chunk=mean, min=lo, max=hi,
                                    p99_us=p99[0], x_realtime=xrt, latency_samples=fe.latency,
                                    empty_call_us=stats(over)[0], offline_us_per_frame=stats(offline)[0]))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
