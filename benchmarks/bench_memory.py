"""Peak memory of load + melspectrogram on a long file, audiofeat vs librosa, each in a fresh process.

    PYTHONPATH=. python benchmarks/bench_memory.py                # 2 hours at 16 kHz (the issue's case)
    PYTHONPATH=. python benchmarks/bench_memory.py --minutes 10   # quicker

Writes a mono 16 kHz PCM_16 WAV of noise into a temporary folder, then runs each case in its own
interpreter and reports the peak resident set size (VmHWM from /proc, ru_maxrss elsewhere) minus the
same interpreter's RSS after its imports. Cases:

* ``load``: ``load(path)`` alone (librosa's defaults: mono, resampled to 22050 Hz: 635 MB of float32).
* ``load + melspectrogram``: the above and ``melspectrogram(y=y, sr=sr)`` (librosa's defaults,
  center=True; the (128, 310079) result is 159 MB).
* ``load(sr=None) + mel``: the same at the native 16 kHz (461 MB signal, 115 MB result).
* ``stream + mel, kept``: ``stream(path, block_length=256, frame_length=2048, hop_length=512)`` at the
  native rate, ``melspectrogram(y=block, sr=16000, center=False)`` per block, written into a preallocated
  (128, frames) array (115 MB for 2 hours: the result itself).
* ``stream + mel, consumed``: the same, each block's frames reduced as they come (memory independent of
  the file's length).

``--check`` verifies that the kept blocks equal the whole file's ``center=False`` mel spectrogram and
prints the largest relative difference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, os, resource, sys, time

def rss_now():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0

def peak():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)

lib, case, path = sys.argv[1], sys.argv[2], sys.argv[3]
import numpy as np
if lib == "librosa":
    import librosa as L
    mel = L.feature.melspectrogram
else:
    import audiofeat as L
    mel = L.melspectrogram
base = rss_now()
t0 = time.perf_counter()
if case == "load":
    y, sr = L.load(path)
    shape = y.shape
elif case in ("load_mel", "load_native_mel"):
    y, sr = L.load(path, sr=None if case == "load_native_mel" else 22050)
    M = mel(y=y, sr=sr)
    shape = M.shape
elif case in ("stream_mel", "stream_mel_reduce"):
    import soundfile
    sr = 16000
    kw = dict(n_fft=2048, hop_length=512, center=False)
    blocks = L.stream(path, block_length=256, frame_length=2048, hop_length=512)
    n_frames = 1 + (soundfile.info(path).frames - 2048) // 512
    if case == "stream_mel":  # keep every frame: the (128, frames) result is preallocated and filled
        M, pos = np.empty((128, n_frames), np.float32), 0
        for b in blocks:
            if b.shape[-1] >= 2048:
                m = mel(y=b, sr=sr, **kw)
                M[:, pos:pos + m.shape[1]] = m
                pos += m.shape[1]
        shape = (128, pos)
        if len(sys.argv) > 4:  # equality check against the whole file (after the peak is taken)
            np.save(sys.argv[4], M[:, :pos])
    else:  # consume the frames as they come (per-band mean): memory independent of the length
        total, count = np.zeros(128), 0
        for b in blocks:
            if b.shape[-1] >= 2048:
                m = mel(y=b, sr=sr, **kw)
                total += m.sum(axis=1)
                count += m.shape[1]
        shape = (128, count)
print(json.dumps({"peak": peak(), "base": base, "seconds": time.perf_counter() - t0, "shape": shape}))
"""


def run(lib: str, case: str, path: str, *extra: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, lib, case, path, *extra],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"rc {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument("--skip-librosa", action="store_true")
    parser.add_argument("--cases", default="", help="comma-separated subset of the cases")
    parser.add_argument("--check", action="store_true", help="check stream blocks == whole file (center=False)")
    args = parser.parse_args()

    import numpy as np
    import soundfile

    sr = 16000
    n = int(args.minutes * 60 * sr)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "long.wav")
        rng = np.random.default_rng(0)
        with soundfile.SoundFile(path, "w", samplerate=sr, channels=1, subtype="PCM_16") as f:
            for i in range(0, n, sr * 60):
                f.write((0.1 * rng.standard_normal(min(sr * 60, n - i))).astype(np.float32))
        print(f"{args.minutes:g} min at {sr} Hz mono: {os.path.getsize(path) / 1e6:.0f} MB PCM_16, "
              f"{n * 4 / 1e6:.0f} MB as float32")
        libs = ["audiofeat"] + ([] if args.skip_librosa else ["librosa"])
        print(f"{'case':<28}{'library':<11}{'peak RSS':>10}{'above imports':>15}{'seconds':>9}")
        cases = (("load", "load (sr=22050)"), ("load_mel", "load + melspectrogram"),
                 ("load_native_mel", "load(sr=None) + mel"), ("stream_mel", "stream + mel, kept"),
                 ("stream_mel_reduce", "stream + mel, consumed"))
        for case, label in cases:
            if args.cases and case not in args.cases.split(","):
                continue
            for lib in libs:
                extra = [os.path.join(tmp, f"{lib}.npy")] if (args.check and case == "stream_mel") else []
                r = run(lib, case, path, *extra)
                if "error" in r:
                    print(f"{label:<28}{lib:<11}  failed: {r['error']}")
                    continue
                print(f"{label:<28}{lib:<11}{r['peak'] / 1e6:>8.0f}MB{(r['peak'] - r['base']) / 1e6:>13.0f}MB"
                      f"{r['seconds']:>9.1f}")
        if args.check:
            import audiofeat

            y, _ = audiofeat.load(path, sr=None)
            whole = audiofeat.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=512, center=False)
            blocks = np.load(os.path.join(tmp, "audiofeat.npy"))
            err = float(np.abs(blocks - whole).max() / np.abs(whole).max())
            print(f"stream blocks vs whole file (center=False): shapes {blocks.shape} {whole.shape}, "
                  f"max rel diff {err:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
