"""PyTorch datasets for audio: :class:`AudioDataset` and :func:`collate_audio` (imports torch; ``import
audiofeat`` does not import this module).

Reproducibility does not depend on the worker count or the batch size: the generator of example ``i`` in
epoch ``e`` is ``numpy.random.default_rng(numpy.random.SeedSequence([seed, e, i]))``; the crop offset and
every augmentation parameter of that example are drawn from it, in the worker that loads the example.
Call ``dataset.set_epoch(e)`` before each epoch (with ``persistent_workers=True`` workers keep their own
copy: the epoch then travels with the index, see :meth:`AudioDataset.set_epoch`).

Unreadable files raise the typed :class:`audiofeat.errors.AudioFileError` of :func:`audiofeat.load`, which
names the path; the dataset never substitutes another item.
"""

from __future__ import annotations

import csv
import math
import os
import re
from typing import Any, Callable, Sequence

import numpy as np
import torch

from .augment.waveform import AUDIO_EXTENSIONS, pad_or_crop
from .errors import AudioFileNotFoundError, ParameterError
from .io import info, load
from ._checks import check_positive

__all__ = ["AudioDataset", "collate_audio", "example_rng"]


def example_rng(seed: int, epoch: int, index: int) -> np.random.Generator:
    """The generator of example ``index`` in ``epoch`` (independent of workers and batching)."""
    seed, epoch, index = int(seed), int(epoch), int(index)
    if min(seed, epoch, index) < 0:  # SeedSequence would raise an untyped ValueError
        raise ParameterError(f"seed={seed}, epoch={epoch} and index={index} must be integers >= 0")
    return np.random.default_rng(np.random.SeedSequence([seed, epoch, index]))


def _files(files_or_folder: Any) -> tuple[list[str], str | None]:
    if isinstance(files_or_folder, (str, os.PathLike)):
        root = os.fspath(files_or_folder)
        if os.path.isfile(root):
            return [root], None
        if not os.path.isdir(root):
            raise AudioFileNotFoundError(root, "AudioDataset: no such file or folder")
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
                       if f.lower().endswith(AUDIO_EXTENSIONS))
        if not files:
            raise AudioFileNotFoundError(root, "AudioDataset: the folder holds no audio files")
        return files, root
    files = [os.fspath(f) for f in files_or_folder]
    if not files:
        raise ParameterError("AudioDataset: the list of files is empty")
    return files, None


def _read_csv_labels(path: str) -> dict[str, str]:
    """CSV with a header: a column ``path`` (or ``file``/``filename``) and a column ``label``.

    Labels lose surrounding whitespace (``a.wav, cat`` is the class ``cat``, as `` 7`` is the number 7). A file
    listed twice with different labels is an error (which one was meant?)."""
    # utf-8-sig: a byte-order mark (Excel's "CSV UTF-8") would otherwise become part of the first column name
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        cols = {c.lower(): c for c in (reader.fieldnames or [])}
        key = next((cols[c] for c in ("path", "file", "filename") if c in cols), None)
        if key is None or "label" not in cols:
            raise ParameterError(f"labels CSV {path!r} needs a header with 'path' (or 'file') and 'label' columns")
        table: dict[str, str] = {}
        for row in reader:
            name, label = row[key], (row[cols["label"]] or "").strip()  # a short row gives None
            if name in table and table[name] != label:
                raise ParameterError(f"labels CSV {path!r} lists {name!r} twice, with labels {table[name]!r} and "
                                     f"{label!r}")
            table[name] = label
        return table


_PLAIN_INT = re.compile(r"0|-?[1-9][0-9]*", re.ASCII)
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))([eE][-+]?[0-9]+)?", re.ASCII)
_INT64 = (-(1 << 63), 1 << 63)


def _numeric_labels(values: list[str]) -> list | None:
    """CSV labels (stripped) as numbers (integer targets, or float targets for regression), or None when they
    are class names. Integers only in their plain ASCII spelling ('7', '-3') and within int64 (what a tensor
    holds): '007' and '7' are two names (speaker or take IDs), not one number, and a 20-digit ID is a name.
    Floats only in a plain ASCII spelling with a point or an exponent ('0.5', '1e3'), and finite: 'nan' and
    'inf' parse as floats but are names here, never NaN or infinite targets; and '007' stays a name next to
    '1.5' (whether a column is numeric must not turn on a spelling that another row allows)."""
    if all(_PLAIN_INT.fullmatch(v) for v in values):
        ints = [int(v) for v in values]
        return ints if all(_INT64[0] <= i < _INT64[1] for i in ints) else None
    if not all(_PLAIN_INT.fullmatch(v) or _PLAIN_FLOAT.fullmatch(v) for v in values):
        return None
    floats = [float(v) for v in values]
    return floats if all(math.isfinite(f) for f in floats) else None


_NON_FINITE = frozenset(f"{sign}{word}" for sign in ("", "+", "-") for word in ("nan", "inf", "infinity"))


def _refuse_missing_targets(values: list[str], path: str) -> None:
    """A column of numbers with 'nan'/'inf' cells is a regression column with missing targets, not a class
    column: the numbers would silently become class indices in string order ('2', '10', 'nan' -> 1, 0, 2)."""
    bad = [v for v in values if v.lower() in _NON_FINITE]
    if bad and all(v.lower() in _NON_FINITE or _PLAIN_INT.fullmatch(v) or _PLAIN_FLOAT.fullmatch(v)
                   for v in values) and len(bad) < len(values):
        raise ParameterError(f"labels CSV {path!r}: {bad[0]!r} among numeric targets (a missing target?): give "
                             "every file a finite number, or leave the file out of the dataset")


class AudioDataset(torch.utils.data.Dataset):
    """Audio files as a ``torch.utils.data.Dataset``.

    Parameters
    ----------
    files_or_folder : folder (searched recursively, sorted) or a list of paths
    sr : target sampling rate (files are resampled by :func:`audiofeat.load`)
    mono : average the channels (``(T,)`` items); else ``(C, T)``
    duration : seconds per item or None (whole files; then batch with :func:`collate_audio`). Longer files are
        cropped (only the window is decoded), shorter ones zero-padded at the end.
    crop : ``"random"`` (offset drawn from the example's generator) or ``"center"``
    labels : None, a callable ``path -> label``, or a CSV path (columns ``path``/``file`` and ``label``,
        matched by the path as listed, relative to the folder, or the file name). Integer labels (plain
        spelling, within int64) and finite float labels are targets as they are; any other column (names, IDs
        with leading zeros such as ``007``, ``nan``) becomes class indices (``dataset.classes`` lists them,
        sorted). Labels are stripped; an empty label, or ``nan``/``inf`` among numbers (a missing target), is
        a ``ParameterError``.
    augment : an :mod:`audiofeat.augment` transform, called as ``augment(y, sr, rng=generator)`` on numpy
    transform : a feature transform applied to the (augmented) tensor, e.g. ``audiofeat.nn.MelSpectrogram``
    seed : the base seed

    Items are ``(x, label)`` (``label`` is None without labels).
    """

    def __init__(self, files_or_folder: Any, *, sr: float, mono: bool = True, duration: float | None = None,
                 crop: str = "random", labels: Any = None, augment: Callable | None = None,
                 transform: Callable | None = None, seed: int = 0) -> None:
        self.files, self.root = _files(files_or_folder)
        self.sr = check_positive("sr", sr, " (samples per second)")
        self.sr = int(self.sr) if float(self.sr).is_integer() else self.sr
        self.mono = bool(mono)
        self.duration = None if duration is None else check_positive("duration", duration, " (seconds)")
        if crop not in ("random", "center"):
            raise ParameterError(f"crop={crop!r} must be 'random' or 'center'")
        self.crop = crop
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ParameterError(f"seed={seed!r} must be an integer >= 0")
        self.seed = int(seed)
        self.augment, self.transform = augment, transform
        self.epoch = 0
        self.classes: list | None = None
        self._labels = self._resolve_labels(labels)

    def _resolve_labels(self, labels: Any) -> list | None:
        if labels is None:
            return None
        if callable(labels):
            return [labels(f) for f in self.files]
        if isinstance(labels, (str, os.PathLike)):
            table = _read_csv_labels(os.fspath(labels))
            out = []
            for f in self.files:
                keys = [f, os.path.basename(f)]
                if self.root is not None:
                    keys.insert(1, os.path.relpath(f, self.root))
                hit = next((table[k] for k in keys if k in table), None)
                if hit is None:
                    raise ParameterError(f"labels CSV {os.fspath(labels)!r} has no row for {f!r}")
                if hit == "":  # a label never filled in: not a class named '', not a reason to make targets classes
                    raise ParameterError(f"labels CSV {os.fspath(labels)!r} has an empty label for {f!r}")
                out.append(hit)
            numbers = _numeric_labels(out)
            if numbers is not None:
                return numbers
            _refuse_missing_targets(out, os.fspath(labels))
            self.classes = sorted(set(out))
            index = {c: i for i, c in enumerate(self.classes)}
            return [index[v] for v in out]
        raise ParameterError("labels must be None, a callable path -> label, or a CSV path")

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose generators the next items use. With ``persistent_workers=True`` the workers
        hold copies made when they started; index the dataset with ``(epoch, i)`` pairs instead (a sampler
        that yields tuples), which :meth:`__getitem__` accepts."""
        if int(epoch) < 0:
            raise ParameterError(f"epoch={epoch!r} must be an integer >= 0")
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.files)

    def _read(self, path: str, rng: np.random.Generator) -> np.ndarray:
        if self.duration is None:
            y, _ = load(path, sr=self.sr, mono=self.mono)
        else:
            total = info(path).duration
            span = max(total - self.duration, 0.0)
            u = rng.random()  # always drawn, so the stream does not depend on the crop mode or file length
            offset = u * span if self.crop == "random" else span / 2
            y, _ = load(path, sr=self.sr, mono=self.mono, offset=offset, duration=self.duration)
            y = pad_or_crop(y, int(round(self.duration * self.sr)), 0)
        if not self.mono and y.ndim == 1:
            y = y[None]
        return np.ascontiguousarray(y, dtype=np.float32)

    def __getitem__(self, index: Any):
        epoch, i = (index if isinstance(index, tuple) else (self.epoch, index))
        i = int(i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} files")
        i %= len(self)
        rng = example_rng(self.seed, epoch, i)
        y = self._read(self.files[i], rng)
        if self.augment is not None:
            y = self.augment(y, self.sr, rng=rng)
        x = torch.from_numpy(np.ascontiguousarray(y))
        if self.transform is not None:
            x = self.transform(x)
        label = None if self._labels is None else self._labels[i]
        return x, label


def collate_audio(batch: Sequence[Any]):
    """Stack items of different lengths: zero-pad the last axis to the longest.

    Items are tensors/arrays or ``(x, label)`` pairs. Returns ``(x, lengths, labels)``: ``x`` of shape
    ``(B, ..., T_max)``, ``lengths`` (int64, the original last-axis lengths), ``labels`` as a tensor (numbers),
    a list (anything else) or None (no labels).
    """
    if len(batch) == 0:
        raise ParameterError("collate_audio got an empty batch")
    pairs = [b if isinstance(b, (tuple, list)) else (b, None) for b in batch]
    xs = [torch.as_tensor(x) for x, _ in pairs]
    lead = {tuple(x.shape[:-1]) for x in xs}
    if len(lead) > 1:
        raise ParameterError(f"collate_audio: items differ in more than the last axis: {sorted(lead)}")
    lengths = torch.tensor([x.shape[-1] for x in xs], dtype=torch.int64)
    T = int(lengths.max())
    out = xs[0].new_zeros((len(xs),) + tuple(xs[0].shape[:-1]) + (T,))
    for k, x in enumerate(xs):
        out[k, ..., : x.shape[-1]] = x
    labels = [lab for _, lab in pairs]
    if all(lab is None for lab in labels):
        return out, lengths, None
    if all(isinstance(lab, (int, float, np.integer, np.floating)) and not isinstance(lab, bool) for lab in labels):
        return out, lengths, torch.tensor(labels)
    if all(torch.is_tensor(lab) for lab in labels):
        return out, lengths, torch.stack(labels)
    return out, lengths, labels
