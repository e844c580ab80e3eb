"""Quick start: features for every audio file in a folder, in one dataset.

    python examples/quickstart.py data/samples            # prints a table, writes features.npz
    python examples/quickstart.py data/samples --sr 16000 --out speech_feats.npz

For each file it loads mono audio at a common rate, computes a log-mel spectrogram and 20 MFCCs with their
deltas (librosa's defaults, on numpy), and summarises each file with fixed-length statistics (mean and
standard deviation over time), the usual input of classical ML. One bad file never stops the run: a file
that cannot be read (missing, not audio, corrupt, NaN samples, empty...) or whose features fail is reported
with the reason and skipped; a truncated file is used as far as it goes and reported; features.npz is
always written.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import audiofeat as af

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".opus", ".mp3", ".aiff", ".aif"}


def features(y: np.ndarray, sr: int) -> dict[str, np.ndarray]:
    mel_db = af.power_to_db(af.melspectrogram(y=y, sr=sr), ref=1.0)
    mfcc = af.mfcc(S=mel_db, n_mfcc=20)
    d1 = af.delta(mfcc, width=9) if mfcc.shape[-1] >= 9 else np.zeros_like(mfcc)
    frames = np.concatenate([mfcc, d1])
    return {"mel_db": mel_db, "mfcc": mfcc, "summary": np.concatenate([frames.mean(axis=-1), frames.std(axis=-1)])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Extract MFCC features from every audio file in a folder.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sr", type=int, default=22050, help="common sample rate (default 22050)")
    parser.add_argument("--out", type=Path, default=Path("features.npz"))
    args = parser.parse_args(argv)

    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        print(f"no audio files under {args.folder}", file=sys.stderr)
        return 1
    names, summaries, failures = [], [], []
    t0 = time.perf_counter()
    print(f"{'file':<24}{'seconds':>9}{'frames':>8}  mfcc[0] mean")
    notes = []
    for path in files:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", af.errors.TruncatedAudioWarning)
                y, sr = af.load(path, sr=args.sr)
            feats = features(y, sr)
        except af.AudioFileError as err:  # typed: the reason says what was wrong; keep going
            failures.append((path, err.reason, str(err)))
            continue
        except Exception as err:  # anything else (a bug, memory): report it, the batch goes on
            failures.append((path, type(err).__name__, str(err)))
            continue
        notes += [(path, str(w.message)) for w in caught if issubclass(w.category, af.errors.TruncatedAudioWarning)]
        names.append(str(path.relative_to(args.folder)))
        summaries.append(feats["summary"])
        print(f"{names[-1]:<24}{len(y) / sr:>9.2f}{feats['mfcc'].shape[-1]:>8}  {feats['mfcc'][0].mean():>10.1f}")
    elapsed = time.perf_counter() - t0
    np.savez(args.out, names=np.array(names), summary=np.array(summaries, dtype=np.float32))
    print(f"\n{len(names)} files -> {args.out} (summary: {len(summaries)} x {len(summaries[0]) if summaries else 0}) "
          f"in {elapsed:.2f} s")
    for path, message in notes:
        print(f"warning: {message}", file=sys.stderr)
    for path, reason, message in failures:
        print(f"could not read {path} [{reason}]: {message}", file=sys.stderr)
    return 0 if names else 1


if __name__ == "__main__":
    raise SystemExit(main())
