"""The ``audiofeat`` command line: argument parsing and progress display only; the work is in ``pipeline``.

Exit codes: 0 every file done; 3 some files failed (the rest are complete, see the errors file);
2 a usage error (bad option, spec or output folder); 1 an internal failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any, Sequence

from .errors import AudiofeatError, AudioFileError, ParameterError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_FAILED_FILES = 0, 1, 2, 3

MAIN_EXAMPLES = """\
examples:
  audiofeat extract data/samples -o features.parquet
  audiofeat extract corpus/ -o feats.parquet --features mfcc,loudness --sr 16000 --functionals mean,std --jobs 2
  audiofeat info data/samples/speech.wav --json
  audiofeat features
  audiofeat plot data/samples/speech.wav --feature mel -o speech.png

exit codes: 0 all files done, 3 some files failed (the rest are complete), 2 usage error, 1 internal error
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well; keep the message short
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog="audiofeat", formatter_class=fmt,
                     description="Turn folders of audio into feature datasets (parquet, npz), in parallel, "
                                 "resumable.", epilog=MAIN_EXAMPLES)
    from . import __version__

    parser.add_argument("--version", action="version", version=f"audiofeat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    ex = sub.add_parser("extract", help="extract features from files and folders into a dataset",
                        formatter_class=fmt, description="Extract features from audio files and folders.",
                        epilog="""\
examples:
  audiofeat extract data/samples -o features.parquet
  audiofeat extract corpus/ -o feats.parquet --config spec.yaml --jobs 2 --errors errors.jsonl
  audiofeat extract corpus/ -o feats.parquet --resume          # finish an interrupted run
  audiofeat extract corpus/ -o feats/ --format npz --segment 2.0:1.0
  audiofeat extract /shared/corpus -o /shared/feats.parquet --engine ray --address auto

then, in Python:  import pandas as pd; df = pd.read_parquet("features.parquet")
""")
    ex.add_argument("inputs", nargs="+", metavar="INPUT", help="audio files and folders (searched recursively)")
    ex.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder (parquet) or tree (npz)")
    ex.add_argument("--features", type=_csv, help="comma-separated feature names (see `audiofeat features`); "
                                                  "default mfcc")
    ex.add_argument("--config", metavar="SPEC", help="a YAML/JSON extractor spec; options given here override it")
    ex.add_argument("--sr", type=int, help="target sample rate (default 22050; 0 keeps each file's rate)")
    ex.add_argument("--functionals", type=_csv, metavar="STATS",
                    help="summarise each frame-level feature over time, e.g. mean,std,p10,p90,slope")
    ex.add_argument("--keep-frames", action="store_true", help="with --functionals, keep frame-level arrays too")
    ex.add_argument("--segment", metavar="WIN[:HOP]|vad",
                    help="fixed windows in seconds, one row per window; 'vad': one row per speech segment")
    ex.add_argument("--channels", action="store_true", help="keep channels (default: mix to mono)")
    ex.add_argument("--format", choices=("parquet", "npz"), default=None, help="output format (default parquet)")
    ex.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    ex.add_argument("--engine", choices=("local", "ray"), default="local")
    ex.add_argument("--address", help="Ray cluster address for --engine ray (default: a local cluster)")
    ex.add_argument("--resume", action="store_true", help="finish an interrupted run into the same OUT")
    ex.add_argument("--overwrite", action="store_true", help="replace an audiofeat dataset at OUT")
    ex.add_argument("--glob", metavar="PATTERN", help="which files to take from folders, e.g. '*.wav'")
    ex.add_argument("--errors", metavar="PATH", help="also write failures and warnings here (.jsonl or .csv)")
    ex.add_argument("--part-files", type=int, default=200, metavar="N",
                    help="commit a part after N files (or 30 s): the unit of --resume (default 200)")
    ex.add_argument("-q", "--quiet", action="store_true",
                    help="no progress, only the summary's first line (files done, failed)")
    ex.add_argument("--json", action="store_true", help="print the summary as JSON")

    info = sub.add_parser("info", help="duration, rate, channels and format of audio files",
                          formatter_class=fmt,
                          epilog="examples:\n  audiofeat info data/samples\n  audiofeat info data/samples/*.wav --json\n")
    info.add_argument("files", nargs="+", metavar="PATH",
                      help="audio files, or folders (their audio files, recursively, as extract takes them)")
    info.add_argument("--json", action="store_true", help="JSON lines instead of a table")

    feats = sub.add_parser("features", help="what can be extracted, with parameters", formatter_class=fmt,
                           epilog="example:\n  audiofeat features --json\n")
    feats.add_argument("--json", action="store_true")

    aug = sub.add_parser("augment", help="write augmented copies of audio files", formatter_class=fmt,
                         epilog="""\
example:
  audiofeat augment data/samples -o augmented/ --config aug.yaml --seed 7
  (aug.yaml: {name: Compose, transforms: [{name: Gain, gain_db: [-6, 6], p: 0.5}]})
""")
    aug.add_argument("inputs", nargs="+", metavar="IN")
    aug.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    aug.add_argument("--config", required=True, help="augmentation config (YAML/JSON), see docs/augmentation.md")
    aug.add_argument("--seed", type=int, default=0, help="file i gets the generator of (seed, i)")
    aug.add_argument("--copies", type=int, default=1, help="augmented copies per file")
    aug.add_argument("--sr", type=int, default=0, help="resample to this rate first (0 keeps each file's)")
    aug.add_argument("--glob", metavar="PATTERN")
    aug.add_argument("--overwrite", action="store_true")
    aug.add_argument("-q", "--quiet", action="store_true")

    plot = sub.add_parser("plot", help="waveform and a feature of one file, as a PNG", formatter_class=fmt,
                          epilog="example:\n  audiofeat plot data/samples/speech.wav --feature mel -o speech.png\n")
    plot.add_argument("file")
    plot.add_argument("--feature", default="mel", help="mel, mfcc, stft (and chroma, pitch, onsets where available)")
    plot.add_argument("-o", "--output", required=True, metavar="PNG")
    plot.add_argument("--sr", type=int, default=0, help="analysis rate (0 keeps the file's)")
    plot.add_argument("--width", type=float, default=10.0, help="inches")
    plot.add_argument("--height", type=float, default=6.0, help="inches")
    plot.add_argument("--dpi", type=int, default=100)
    return parser


# --------------------------------------------------------------------------------------------------- extract
class _Progress:
    """A tqdm bar on a terminal (files, audio hours, x realtime, ETA); plain log lines otherwise."""

    def __init__(self, quiet: bool, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.bar = None
        self.t0 = time.perf_counter()
        self.last_log = self.t0
        self.done = self.failed = 0
        self.seconds = 0.0
        self.total = 0

    def start(self, todo: int, skipped: int) -> None:
        self.total = todo
        if self.quiet:
            return
        if skipped:
            print(f"resuming: {skipped} files already done, {todo} to go", file=self.stream)
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=todo, unit="file", file=self.stream, dynamic_ncols=True, smoothing=0.1)
        else:
            print(f"extracting {todo} files", file=self.stream)

    def __call__(self, r) -> None:
        self.done += 1
        self.failed += not r.ok
        self.seconds += r.seconds
        if self.quiet:
            return
        wall = time.perf_counter() - self.t0
        xrt = self.seconds / wall if wall > 0 else 0.0
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.seconds / 3600:.3f} h audio, {xrt:.0f}x realtime, "
                                     f"{self.failed} failed", refresh=False)
            self.bar.update(1)
        else:
            if not r.ok:
                print(f"failed: {r.path}: {r.error['reason']}: {r.error['message'].splitlines()[0]}",
                      file=self.stream)
            now = time.perf_counter()
            if now - self.last_log >= 10.0 or self.done == self.total:
                self.last_log = now
                print(f"{self.done}/{self.total} files, {self.seconds / 3600:.3f} h audio, {xrt:.0f}x realtime, "
                      f"{self.failed} failed", file=self.stream)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _spec_from_args(args: argparse.Namespace):
    from .pipeline import ExtractorSpec

    spec = ExtractorSpec.load(args.config) if args.config else ExtractorSpec()
    changes: dict[str, Any] = {}
    if args.features:
        changes["features"] = args.features
    if args.sr is not None:
        if args.sr < 0:
            raise ParameterError(f"--sr must be >= 0, got {args.sr}")
        changes["sr"] = args.sr or None
    if args.functionals:
        changes["functionals"] = args.functionals
    if args.keep_frames:
        changes["keep_frames"] = True
    if args.channels:
        changes["mono"] = False
    if args.segment == "vad":
        changes["segment"] = {"voice_activity": True}
    elif args.segment:
        win, _, hop = args.segment.partition(":")
        try:
            changes["segment"] = {"window": float(win), "hop": float(hop or win)}
        except ValueError:
            raise ParameterError(f"--segment is WIN[:HOP] in seconds, got {args.segment!r}") from None
    return spec.replace(**changes) if changes else spec


def _extract(args: argparse.Namespace) -> int:
    from .pipeline import extract

    spec = _spec_from_args(args)
    fmt = args.format or "parquet"
    progress = _Progress(args.quiet)
    try:
        summary = extract(args.inputs, spec, args.output, format=fmt, jobs=args.jobs, engine=args.engine,
                          resume=args.resume, overwrite=args.overwrite, glob=args.glob, errors=args.errors,
                          progress=progress, on_start=progress.start, address=args.address,
                          files_per_part=args.part_files)
    finally:
        progress.close()
    if args.json:
        d = summary.to_dict()
        d.pop("dataset_problems", None)
        print(json.dumps(d, indent=1, sort_keys=True))
    elif args.quiet:
        print(str(summary).splitlines()[0])
    else:
        print(summary)
        if summary.errors:
            where = args.errors or os.path.join(summary.out, "_audiofeat", "errors.jsonl")
            print(f"problems recorded in {where}:")
            for rec in summary.errors[:10]:
                print(f"  {rec['level']}: {rec['path']}: {rec['reason']}: {rec['message'].splitlines()[0]}")
            if len(summary.errors) > 10:
                print(f"  ... and {len(summary.errors) - 10} more")
    return EXIT_FAILED_FILES if summary.files_failed else EXIT_OK


# --------------------------------------------------------------------------------------------------- others
def _info(args: argparse.Namespace) -> int:
    from .io import info
    from .pipeline import discover

    failed = 0
    rows = []
    paths = [path for path, _ in discover(args.files)]  # a folder: its audio files, as extract lists them
    if not paths:
        print("no audio files in " + ", ".join(args.files), file=sys.stderr)
        return EXIT_FAILED_FILES
    for path in paths:
        try:
            i = info(path)
            rows.append({"path": path, "sr": i.samplerate, "channels": i.channels, "duration": i.duration,
                         "frames": i.frames, "format": i.format, "subtype": i.subtype,
                         "truncated": i.truncated})
        except (AudioFileError, ParameterError) as exc:  # ParameterError: a FIFO or device; the rest go on
            failed += 1
            rows.append({"path": path, "error": type(exc).__name__,
                         "reason": getattr(exc, "reason", "unreadable"), "message": str(exc)})
    if args.json:
        for row in rows:
            print(json.dumps(row, sort_keys=True))
    else:
        width = max(len(r["path"]) for r in rows)
        print(f"{'path':<{width}}  {'sr':>6}  {'ch':>2}  {'duration':>9}  format")
        for r in rows:
            if "error" in r:
                print(f"{r['path']:<{width}}  error: {r['reason']}: {r['message']}")
            else:
                trunc = "  TRUNCATED" if r["truncated"] else ""
                print(f"{r['path']:<{width}}  {r['sr']:>6}  {r['channels']:>2}  {r['duration']:>8.3f}s  "
                      f"{r['format']}/{r['subtype']}{trunc}")
    return EXIT_FAILED_FILES if failed else EXIT_OK


def _features(args: argparse.Namespace) -> int:
    from .pipeline import FEATURES

    if args.json:
        for f in FEATURES.values():
            print(json.dumps({"name": f.name, "kind": f.kind, "streamable": f.framing(f.parameters()) is not None,
                              "description": f.description, "parameters": f.parameters()}, default=repr,
                             sort_keys=True))
        return EXIT_OK
    for f in FEATURES.values():
        params = ", ".join(f"{k}={v!r}" for k, v in f.parameters().items())
        print(f"{f.name}  [{f.kind}]  {f.description}\n    {params}")
    return EXIT_OK


def _augment(args: argparse.Namespace) -> int:
    import numpy as np

    from . import augment
    from .io import load, save
    from .pipeline import discover

    if not os.path.isfile(args.config):  # from_config would take the missing path as YAML text
        raise ParameterError(f"cannot read the augmentation config {args.config!r}: no such file")
    transform = augment.from_config(args.config)
    files = discover(args.inputs, args.glob)
    if args.copies < 1:
        raise ParameterError(f"--copies must be >= 1, got {args.copies}")
    failed = done = 0
    for i, (path, rel) in enumerate(files):
        try:
            y, sr = load(path, sr=args.sr or None, mono=False)
            for c in range(args.copies):
                rng = np.random.default_rng(np.random.SeedSequence([args.seed, i, c]))
                z = transform(y, sr, rng=rng)
                stem, ext = os.path.splitext(rel)
                target = os.path.join(args.output, f"{stem}" + (f"_aug{c}" if args.copies > 1 else "") + ext)
                os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
                save(target, z, sr, overwrite=args.overwrite)
            done += 1
        except AudiofeatError as exc:  # a file that cannot be read or augmented; the others go on
            failed += 1
            print(f"failed: {path}: {getattr(exc, 'reason', type(exc).__name__)}: {exc}", file=sys.stderr)
    if not args.quiet:
        print(f"files: {done} augmented, {failed} failed; output: {args.output}")
    return EXIT_FAILED_FILES if failed else EXIT_OK


def _plot(args: argparse.Namespace) -> int:
    from .display import plot_file

    if not (args.width > 0 and args.height > 0 and args.dpi > 0):
        raise ParameterError(f"--width, --height and --dpi must be > 0, got {args.width}, {args.height}, {args.dpi}")
    plot_file(args.file, feature=args.feature, out=args.output, sr=args.sr or None,
              figsize=(args.width, args.height), dpi=args.dpi)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    handler = {"extract": _extract, "info": _info, "features": _features, "augment": _augment,
               "plot": _plot}[args.command]
    try:
        return handler(args)
    except (ParameterError, AudioFileError) as exc:
        print(f"audiofeat {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AudiofeatError as exc:
        print(f"audiofeat {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted; rerun with --resume to finish", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `audiofeat features | head`: the reader left; not an error of ours
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        print(f"audiofeat {args.command}: internal error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


def entry_point() -> None:
    sys.exit(main())
