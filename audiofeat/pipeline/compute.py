"""From one file to its rows: load (or stream) the audio, compute the spec's features, summarise.

The functional part of the pipeline; runners call :func:`process_file` and sinks write what it returns.

Long files (longer than ``spec.block_seconds``) are never held in memory as a whole: the file is decoded in
blocks, resampled by one continuous soxr stream, and each streamable feature is fed blocks of its padded
signal with ``center=False``, which gives exactly the frames of the whole signal (frame ``k`` covers the same
samples either way); its whole-signal finish (e.g. MFCC's clipping relative to the peak) then runs on the
assembled frames. Segmented specs cut their windows from the same stream. A spec with a feature that is not
streamable loads long files whole (memory grows with the file; the docs say which features these are).
"""

from __future__ import annotations

import math
import os
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from .. import io as afio
from .. import lufs
from .._cache import cached
from ..errors import (AudioFileError, AudiofeatError, EmptyAudioError, ParameterError, SignalTooShortError,
                      TruncatedAudioWarning)
from ..summaries import functional_names, functionals
from ..temporal import delta
from .features import get_feature
from .spec import ExtractorSpec

__all__ = ["FileResult", "process_file", "compute_features", "rows_of"]

#: native-rate seconds decoded per block on the long-file path
STREAM_BLOCK_SECONDS = 20.0


@dataclass
class FileResult:
    """What one input file gave: rows, or an error; warnings either way."""

    path: str
    size: int = 0
    mtime: float = 0.0
    rows: list[dict] = field(default_factory=list)
    error: dict | None = None  # {"path", "type", "reason", "message"}
    warnings: list[dict] = field(default_factory=list)
    seconds: float = 0.0  # audio analysed, at the spec's rate

    @property
    def ok(self) -> bool:
        return self.error is None


# ---------------------------------------------------------------------------------------------- features
def _deltas(name: str, F: np.ndarray, orders: tuple[int, ...]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if not orders:
        return out
    n = F.shape[-1]
    width = min(9, n if n % 2 else n - 1)
    for order in orders:
        key = f"{name}_delta" if order == 1 else f"{name}_delta{order}"
        if width < 3:  # fewer than 3 frames: no local slope to estimate
            out[key] = np.zeros_like(F)
        else:
            out[key] = delta(F, width=width, order=order)
    return out


def compute_features(y: np.ndarray, sr: float, spec: ExtractorSpec, warnings: list | None = None,
                     path: str = "", channels: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Every feature of ``spec`` (and its deltas) on the whole signal ``y`` (``(n,)`` or ``(channels, n)``).

    ``channels``: the same samples with the file's channels kept (``(channels, n)``), for the programme
    features (loudness) of a ``mono=True`` spec, which are measured across channels; without it they see
    ``y``.

    With a ``warnings`` list, a feature that the signal is too short for (``SignalTooShortError``: loudness of
    a clip or segment under 400 ms, short-term loudness under 3 s) is NaN if scalar, or has no frames (time
    axis of length 0, so its functionals are NaN) if frame-level (momentary and short-term loudness; a
    registered frame feature's other axes are not known, so its error propagates), and one warning for ``path``
    says so; the row keeps every other feature. Without it the error propagates and the file fails."""
    out: dict[str, np.ndarray] = {}
    for fs in spec.features:
        feature = get_feature(fs.name)
        src, params = y, fs.full_params
        if channels is not None and feature.programme:
            src, params = channels, _programme_params(fs.name, params, channels.shape[0], warnings, path)
        try:
            value = feature(src, sr, params, spec.device)
        except SignalTooShortError as exc:
            if warnings is None or feature.kind not in ("scalar", "frames"):
                raise
            if feature.kind == "frames" and feature.fn not in (lufs.loudness_momentary, lufs.loudness_short_term):
                # a frame feature of unknown shape (a registered one with, say, a band axis): an empty time
                # axis with the wrong other axes would give this file other columns than the rest (a
                # 'name_mean' beside 'name_0_mean'), silently; the file fails as before
                raise
            # NaN of the shape the feature gives: one per signal, less a summed channel axis (loudness with
            # channel_axis=0 on mono=False audio is one number, not one per channel)
            shape = list(src.shape[:-1])
            axis = params.get("channel_axis")
            if axis is not None and src.ndim > 1:
                if not -src.ndim <= axis < src.ndim or axis % src.ndim == src.ndim - 1:
                    raise  # not a channel axis: the feature's own error on a long enough signal says so
                del shape[axis % src.ndim]
            # (frames: time last, no frame; the frame features that raise it, momentary and short-term
            # loudness, have no other axis)
            frames = feature.kind == "frames"
            value = np.full((*shape, 0) if frames else tuple(shape), np.nan)
            what = "has no frames" if frames else "is NaN"
            # one warning per file and feature, however many segments (0.25 s windows of an hour: 14,400)
            for w in warnings:
                if w.get("reason") == "too_short" and w.get("feature") == fs.name:
                    w["count"] += 1
                    w["message"] = f"{path}: {fs.name} {what} in {w['count']} segments: {exc}"
                    break
            else:
                warnings.append({"path": path, "type": "SignalTooShortError", "reason": "too_short",
                                 "feature": fs.name, "count": 1, "message": f"{path}: {fs.name} {what}: {exc}"})
        out[fs.name] = value
        out.update(_deltas(fs.name, value, fs.deltas))
    return out


def _programme_params(name: str, params: dict, n_channels: int, warnings: list | None, path: str) -> dict:
    """A programme feature's parameters on a file's channels: ``channel_axis=0``, and where the spec gives no
    ``weights`` and BS.1770 has no layout for this many channels (4, 7, 8, ...), weight 1 for every channel
    (the front channels' weight) with a warning, rather than failing the file (and its other features)."""
    from ..lufs import DEFAULT_WEIGHTS

    params = {**params, "channel_axis": 0}
    if "weights" in params and params["weights"] is None and n_channels not in DEFAULT_WEIGHTS:
        params["weights"] = (1.0,) * n_channels
        if warnings is not None and not any(w.get("reason") == "channel_weights" and w.get("feature") == name
                                            for w in warnings):
            warnings.append({"path": path, "type": "ChannelWeightsWarning", "reason": "channel_weights",
                             "feature": name,
                             "message": f"{path}: {name}: BS.1770 has no channel layout for {n_channels} channels; "
                                        "every channel weighted 1.0 (give weights in the spec to set them)"})
    return params


class _Framer:
    """Feeds one streamable feature the blocks of its (virtually) padded signal; see the module docstring."""

    def __init__(self, feature, params: dict, sr: float, channels: int | None, device: str | None = None,
                 expected_samples: int = 0) -> None:
        self.feature, self.params, self.sr, self.device = feature, params, sr, device
        self.n, self.hop, self.center = feature.framing(params)
        self.pad = self.n // 2 if self.center else 0
        shape = (channels, self.pad) if channels else (self.pad,)
        self.buf = np.zeros(shape, dtype=np.float32)
        # frames go into one array sized from the expected length (no concatenation copy at the end)
        self.capacity = max(1, 1 + (expected_samples + 2 * self.pad - self.n) // self.hop + 8)
        self.out: np.ndarray | None = None
        self.count = 0
        self.skip = 0  # samples to drop before the next frame (hop > frame length: frames leave gaps)

    def feed(self, x: np.ndarray, last: bool) -> None:
        buf = np.concatenate([self.buf, x], axis=-1)
        if last and self.pad:
            buf = np.concatenate([buf, np.zeros((*buf.shape[:-1], self.pad), buf.dtype)], axis=-1)
        if self.skip:  # the gap after the last frame reaches into this block
            drop = min(self.skip, buf.shape[-1])
            buf, self.skip = buf[..., drop:], self.skip - drop
        length = buf.shape[-1]
        m = 1 + (length - self.n) // self.hop if length >= self.n else 0
        if m > 0:
            part = self.feature.frames_of_block(buf[..., : (m - 1) * self.hop + self.n], self.sr, self.params,
                                                self.device)
            self._store(part)
            self.skip = max(0, m * self.hop - length)
            buf = buf[..., m * self.hop:]
        self.buf = np.ascontiguousarray(buf)

    def _store(self, part: np.ndarray) -> None:
        k = part.shape[-1]
        if self.out is None:
            self.out = np.empty((*part.shape[:-1], max(self.capacity, k)), dtype=part.dtype)
        if self.count + k > self.out.shape[-1]:  # longer than expected: grow geometrically
            grown = np.empty((*self.out.shape[:-1], max(2 * self.out.shape[-1], self.count + k)), self.out.dtype)
            grown[..., : self.count] = self.out[..., : self.count]
            self.out = grown
        self.out[..., self.count: self.count + k] = part
        self.count += k

    def result(self) -> np.ndarray:
        if self.out is None or self.count == 0:
            raise AudiofeatError("the signal is shorter than one frame")
        frames, self.out = self.out[..., : self.count], None
        return self.feature.finish_frames(frames, self.sr, self.params, self.device)


def _streamable(spec: ExtractorSpec) -> bool:
    return all(get_feature(f.name).framing(f.full_params) is not None for f in spec.features)


# ---------------------------------------------------------------------------------------------- signal
def _chunks(path: str, spec: ExtractorSpec, native_sr: int, channels: int, long: bool, mono: bool | None = None
            ) -> Iterator[tuple[np.ndarray, bool]]:
    """The signal at the spec's rate, as ``(chunk, is_last)``: one chunk, or continuous blocks; downmixed as
    ``mono`` says (default: the spec's ``mono``)."""
    sr = spec.sr or native_sr
    mono = spec.mono if mono is None else mono
    if not long:
        y, _ = afio.load(path, sr=spec.sr, mono=mono)
        yield (y if mono or y.ndim == 2 else y[None]), True
        return
    import soxr

    block = max(1, int(STREAM_BLOCK_SECONDS * native_sr))
    chans = 1 if mono or channels == 1 else channels
    resampler = soxr.ResampleStream(native_sr, sr, chans, dtype="float32", quality="HQ") if sr != native_sr \
        else None
    blocks = afio.stream(path, block_length=block, frame_length=1, hop_length=1, mono=mono)
    pending = next(blocks, None)
    n_in = n_out = 0
    while pending is not None:
        nxt = next(blocks, None)
        last = nxt is None
        x = pending
        if resampler is not None:
            n_in += x.shape[-1]
            x = resampler.resample_chunk(np.ascontiguousarray(x.T), last=last).T  # soxr wants (n, channels)
            if last:  # the length load() gives: ceil(n * sr / native_sr) (soxr's stream can be a sample short)
                want = math.ceil(n_in * sr / native_sr) - n_out
                x = x[..., :want] if x.shape[-1] >= want else np.concatenate(
                    [x, np.zeros((*x.shape[:-1], want - x.shape[-1]), x.dtype)], axis=-1)
            n_out += x.shape[-1]
        x = np.ascontiguousarray(x, dtype=np.float32)
        yield (x if mono or x.ndim == 2 else x[None]), last
        pending = nxt


def _segments(chunks: Iterator[tuple[np.ndarray, bool]], window: int, hop: int
              ) -> Iterator[tuple[int, np.ndarray]]:
    """Cut ``(start, samples)`` windows from the chunk stream; see ExtractorSpec.segment for the last one."""
    buf: np.ndarray | None = None
    start = 0  # signal index of buf[0]
    next_start = 0
    emitted = 0
    for chunk, last in chunks:
        buf = chunk if buf is None else np.concatenate([buf, chunk], axis=-1)
        while next_start + window <= start + buf.shape[-1]:
            a = next_start - start
            yield next_start, buf[..., a:a + window]
            emitted += 1
            next_start += hop
        drop = min(next_start - start, buf.shape[-1])
        buf = buf[..., drop:]
        start += drop
        if last and emitted == 0 and buf.shape[-1] > 0:
            yield 0, buf  # shorter than one window: the whole file is the one segment


# ---------------------------------------------------------------------------------------------- rows
def rows_of(features: dict[str, np.ndarray], spec: ExtractorSpec) -> dict[str, Any]:
    """The feature columns of one row: frame arrays and/or named functionals, scalars, vectors."""
    row: dict[str, Any] = {}
    kinds = {}
    labels = {}
    for fs in spec.features:
        feature = get_feature(fs.name)
        kind = feature.kind
        kinds[fs.name] = kind
        if feature.names is not None:
            labels[fs.name] = list(feature.names(fs.full_params))
        for d in fs.deltas:
            kinds[f"{fs.name}_delta" if d == 1 else f"{fs.name}_delta{d}"] = kind
    for name, value in features.items():
        kind = kinds[name]
        value = np.asarray(value)
        if kind == "frames":
            if spec.keep_frames:
                row[name] = value.astype(np.float32, copy=False)
            if spec.functionals:
                stats = _functionals_by_rows(value, spec.functionals)
                row.update(zip(_column_names(name, value.shape[:-1], tuple(spec.functionals)),
                               stats.reshape(-1).tolist()))
        elif value.ndim == 0:
            row[name] = float(value)
        elif name in labels and value.ndim >= 1 and len(labels[name]) == value.shape[-1]:
            # named values, per channel with mono=False: egemaps_F0semitone_mean, egemaps_1_F0semitone_mean
            for index in np.ndindex(value.shape[:-1]):
                prefix = "".join(f"_{i}" for i in index)
                for label, v in zip(labels[name], value[index]):
                    row[f"{name}{prefix}_{label}"] = float(v)
        else:
            # one column per element (loudness per channel: loudness_0, loudness_1); named like the
            # functionals of a one-frame feature, less the statistic's suffix
            for col, v in zip(functional_names(name, value.shape, ["mean"]), value.reshape(-1)):
                row[col[: -len("_mean")]] = float(v)
    return row


@cached
def _column_names(name: str, shape: tuple, stats: tuple) -> tuple[str, ...]:
    # the same few names for every file of a run: built once, not per file
    return tuple(functional_names(name, shape, stats))


def _functionals_by_rows(F: np.ndarray, stats: tuple[str, ...], max_elements: int = 1 << 20) -> np.ndarray:
    """functionals in float64, a few rows at a time (a 2-hour mel spectrogram would otherwise take several
    float64 temporaries of its own size)."""
    if F.shape[-1] == 0:  # no frame (a signal too short for the feature, warned): nothing to summarise
        return np.full((*F.shape[:-1], len(stats)), np.nan)
    flat = F.reshape(-1, F.shape[-1])
    rows_per_call = max(1, max_elements // max(1, flat.shape[1]))
    out = np.empty((flat.shape[0], len(stats)))
    for i in range(0, flat.shape[0], rows_per_call):
        out[i: i + rows_per_call] = functionals(flat[i: i + rows_per_call].astype(np.float64), stats,
                                                nan_policy="omit")
    return out.reshape(*F.shape[:-1], len(stats))


def _error(path: str, exc: BaseException) -> dict:
    if isinstance(exc, AudioFileError):
        reason = exc.reason
    elif isinstance(exc, AudiofeatError):
        reason = "feature_error"
    elif isinstance(exc, MemoryError):
        reason = "out_of_memory"
    else:
        reason = "internal"
    message = str(exc)
    if reason == "internal":
        message += "\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-3:])
    return {"path": path, "type": type(exc).__name__, "reason": reason, "message": message}


def process_file(path: str, spec: ExtractorSpec) -> FileResult:
    """All rows of one input file, or the error that stopped it (never raised; a run goes on).

    Parameters
    ----------
    path : str
        The audio file.
    spec : ExtractorSpec
        What to extract.

    Returns
    -------
    FileResult
        ``rows`` (one per file, or one per segment) with ``path``, ``size``, ``mtime``, ``sr``, ``duration``
        (and ``segment``, ``start``, ``end`` when segmented) followed by the feature columns; or ``error``.
        Truncated files are extracted from the frames present and reported in ``warnings``.

    Examples
    --------
    >>> from audiofeat.pipeline import ExtractorSpec, process_file
    >>> r = process_file("data/samples/speech.wav", ExtractorSpec(features=["mfcc"], sr=16000,
    ...                                                           functionals=["mean"]))
    >>> r.ok, r.rows[0]["sr"], len([k for k in r.rows[0] if k.startswith("mfcc_")])
    (True, 16000, 20)
    """
    result = FileResult(path=str(path))
    try:
        st = os.stat(path)
        result.size, result.mtime = int(st.st_size), float(st.st_mtime)
    except OSError:
        pass  # info() below raises the typed error
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TruncatedAudioWarning)
            result.rows, result.seconds = _rows(str(path), spec, result)
        truncated = set()
        for w in caught:
            if issubclass(w.category, TruncatedAudioWarning):
                if str(w.message) in truncated:  # the second read of a multichannel file (programme features)
                    continue
                truncated.add(str(w.message))
                result.warnings.append({"path": str(path), "type": w.category.__name__, "reason": "truncated",
                                        "message": str(w.message)})
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        try:
            st = os.stat(path)
            changed = (int(st.st_size), float(st.st_mtime)) != (result.size, result.mtime)
        except OSError:
            changed = True
        if changed and result.rows:  # the row's size and mtime would not describe the audio it was computed from
            result.warnings.append({"path": str(path), "type": "FileChangedWarning", "reason": "changed",
                                    "message": f"{path}: the file changed (or went away) while it was being read; "
                                               "its features may mix old and new contents: extract it again"})
    except Exception as exc:  # noqa: BLE001 -- every failure is recorded, and the run goes on
        result.rows = []
        result.error = _error(str(path), exc)
    return result


def _rows(path: str, spec: ExtractorSpec, result: FileResult) -> tuple[list[dict], float]:
    try:
        meta = afio.info(path)
    except ParameterError as exc:  # a FIFO or a device named like audio: an input problem, not a feature's
        raise AudioFileError(path, str(exc), reason="unreadable") from None
    native_sr = int(meta.samplerate)
    sr = spec.sr or native_sr
    long = meta.duration > spec.block_seconds
    base = {"path": path, "size": result.size, "mtime": result.mtime, "sr": int(sr)}
    chunks = _chunks(path, spec, native_sr, meta.channels, long)
    channels = None if spec.mono else meta.channels  # mono=False: a channel axis even for one channel
    # the programme features (loudness) of a mono spec are measured across the file's channels (see
    # Feature.programme): a second read of a multichannel file, in step with the mix; a mono file's one channel
    programme = spec.mono and any(get_feature(f.name).programme for f in spec.features)
    second_read = programme and meta.channels > 1

    def kept() -> Iterator[tuple[np.ndarray, bool]]:
        return _chunks(path, spec, native_sr, meta.channels, long, mono=False)

    def whole(parts: Iterator[tuple[np.ndarray, bool]]) -> np.ndarray:
        return np.concatenate([x for x, _ in parts], axis=-1)

    def programme_channels(y: np.ndarray, read: Callable[[], np.ndarray | None]) -> np.ndarray | None:
        """``y``'s samples with the file's channels, for the programme features (``read()``: the same samples
        from the second read; a mono file's are ``y`` itself); None when the spec has none."""
        if not programme:
            return None
        if not second_read:
            return y[None]
        kept_y = read()
        if kept_y is None or kept_y.shape[-1] != y.shape[-1]:  # two reads of one file: not silently misaligned
            raise AudioFileError(path, "the file's channels and their mix gave different lengths (the file "
                                       "changed while it was read?): extract it again", reason="changed")
        return kept_y

    if spec.segment is not None and "voice_activity" in spec.segment:
        from ..energy import voice_activity

        y = whole(chunks)
        if y.shape[-1] == 0:
            raise EmptyAudioError(path, "no samples to analyse")
        multi = programme_channels(y, lambda: whole(kept()))
        mono = y if y.ndim == 1 else y.mean(axis=0)
        segments = np.asarray(voice_activity(mono, sr, **spec.segment["voice_activity"])).reshape(-1, 2)
        rows = []
        for i, (t0, t1) in enumerate(segments):
            a, b = int(round(t0 * sr)), min(int(round(t1 * sr)), y.shape[-1])
            if b <= a:
                continue
            row = {**base, "segment": len(rows), "start": a / sr, "end": b / sr, "duration": (b - a) / sr}
            row.update(rows_of(compute_features(y[..., a:b], sr, spec, result.warnings, path,
                                                None if multi is None else multi[:, a:b]), spec))
            rows.append(row)
        if not rows:
            result.warnings.append({"path": path, "type": "NoSpeech", "reason": "no_speech",
                                    "message": f"{path}: no speech found by voice_activity; no rows"})
        return rows, y.shape[-1] / sr

    if spec.segment is not None:
        window = max(1, int(round(spec.segment["window"] * sr)))
        hop = max(1, int(round(spec.segment["hop"] * sr)))
        rows, seconds = [], 0.0
        kept_segments = _segments(kept(), window, hop) if second_read else None
        for i, (start, y) in enumerate(_segments(chunks, window, hop)):
            n = y.shape[-1]
            multi = programme_channels(y, lambda: next(kept_segments, (0, None))[1])
            row = {**base, "segment": i, "start": start / sr, "end": (start + n) / sr, "duration": n / sr}
            row.update(rows_of(compute_features(y, sr, spec, result.warnings, path, multi), spec))
            rows.append(row)
            seconds = max(seconds, (start + n) / sr)
        if not rows:
            raise EmptyAudioError(path, "no samples to analyse")
        return rows, seconds

    if long and _streamable(spec):
        expected = int(meta.frames * sr / native_sr)
        framers = {fs.name: _Framer(get_feature(fs.name), fs.full_params, sr, channels, spec.device, expected)
                   for fs in spec.features}
        n = 0
        for x, last in chunks:
            n += x.shape[-1]
            for framer in framers.values():
                framer.feed(x, last)
        features = {}
        for fs in spec.features:
            value = framers.pop(fs.name).result()  # each framer's frames are let go once finished
            features[fs.name] = value
            features.update(_deltas(fs.name, value, fs.deltas))
    else:
        y = whole(chunks)
        n = y.shape[-1]
        multi = programme_channels(y, lambda: whole(kept())) if n else None
        features = compute_features(y, sr, spec, result.warnings, path, multi)
    if n == 0:
        raise EmptyAudioError(path, "no samples to analyse")
    row = {**base, "duration": n / sr}
    row.update(rows_of(features, spec))
    return [row], n / sr


def expected_rows(seconds: float, spec: ExtractorSpec) -> int:
    """How many rows a file of ``seconds`` gives (for progress estimates)."""
    if spec.segment is None:
        return 1
    if "voice_activity" in spec.segment:
        return 1
    w, h = spec.segment["window"], spec.segment["hop"]
    return max(1, 1 + math.floor((seconds - w) / h)) if seconds >= w else 1
