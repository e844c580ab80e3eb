"""Pictures of audio and features: librosa's ``specshow`` and ``waveshow`` (matplotlib, an optional extra).

Axes are in the units a person reads: seconds along time; Hz, mel-spaced Hz, log-Hz, notes or pitch classes
along frequency. :func:`plot_file` (used by ``audiofeat plot``) draws a waveform above one feature.

Coordinates: a spectrogram column ``k`` spans ``[k, k+1) * hop_length / sr`` seconds and a frequency row spans
the half-way points between neighbouring bin centres, so ``specshow(S, sr=sr, hop_length=h, x_axis='time')``
has x limits ``(0, n_frames * h / sr)`` and ``y_axis='linear'`` has limits ``(0, sr / 2)`` (bin centres
``0 .. sr/2`` padded by half a bin at both ends, then clipped to the Nyquist range).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._checks import require
from .errors import ParameterError

__all__ = ["specshow", "waveshow", "plot_file"]

_NOTES = ("C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B")
_TIME_AXES = ("time", "s", "ms")
_FREQ_AXES = ("linear", "fft", "hz", "log", "mel", "cqt_hz", "cqt_note", "chroma")


def _plt():
    require("matplotlib", "audiofeat.display", "matplotlib")
    import matplotlib.pyplot as plt  # picks a non-interactive backend by itself when there is no display

    return plt


def _edges(centres: np.ndarray) -> np.ndarray:
    centres = np.asarray(centres, dtype=np.float64)
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])]])


def _note(hz: float) -> str:
    if hz <= 0:
        return ""
    midi = int(round(69 + 12 * np.log2(hz / 440.0)))
    return f"{_NOTES[midi % 12]}{midi // 12 - 1}"


def _freq_coords(kind: str, n: int, sr: float, n_fft: int | None, fmin: float | None, fmax: float | None,
                 htk: bool, bins_per_octave: int) -> np.ndarray:
    if kind in ("linear", "fft", "hz", "log"):
        n_fft = n_fft or 2 * (n - 1)
        if n_fft <= 0:
            raise ParameterError(f"a {kind!r} frequency axis needs at least 2 rows (or n_fft=), got {n} row(s)")
        centres = np.arange(n) * sr / n_fft
        return np.clip(_edges(centres), 0.0, sr / 2)
    if kind == "mel":
        from .filters import mel_frequencies

        lo, hi = fmin or 0.0, fmax if fmax is not None else sr / 2
        return np.clip(_edges(mel_frequencies(n, fmin=lo, fmax=hi, htk=htk)), lo, hi)
    if kind in ("cqt_hz", "cqt_note"):
        fmin = fmin or 32.70319566257483  # C1, librosa's default
        return fmin * 2.0 ** ((np.arange(n + 1) - 0.5) / bins_per_octave)
    if kind == "chroma":
        return np.arange(n + 1) * 12.0 / bins_per_octave - 0.5 * 12.0 / bins_per_octave
    raise ParameterError(f"y_axis must be one of {_FREQ_AXES}, 'frames' or None, got {kind!r}")


def _hz_ticks(ax: Any, lo: float, hi: float, first: int = 6) -> None:
    """Plain Hz labels (0, 128, 256, ... 8192) instead of powers of two on a (sym)log axis."""
    import matplotlib.ticker as mticker

    ticks = [0.0] + [2.0 ** k for k in range(first, 16) if max(lo, 1.0) <= 2.0 ** k <= hi]
    ticks = [t for t in ticks if lo <= t <= hi]
    ax.yaxis.set_major_locator(mticker.FixedLocator(ticks))
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(mticker.NullLocator())


def specshow(
    data: Any,
    *,
    x_coords: Any = None,
    y_coords: Any = None,
    x_axis: str | None = None,
    y_axis: str | None = None,
    sr: float = 22050,
    hop_length: int = 512,
    n_fft: int | None = None,
    fmin: float | None = None,
    fmax: float | None = None,
    htk: bool = False,
    bins_per_octave: int = 12,
    ax: Any = None,
    **kwargs: Any,
) -> Any:
    """Show a spectrogram-like matrix with labelled axes (librosa-compatible subset).

    Parameters
    ----------
    data : np.ndarray or torch.Tensor, shape (n_rows, n_frames)
        The matrix, e.g. ``power_to_db(melspectrogram(y=y, sr=sr))``.
    x_coords, y_coords : array, optional
        Explicit edges (n+1) or centres (n) instead of the axis types.
    x_axis : {'time', 's', 'ms', 'frames', None}
        ``'time'``/``'s'`` label seconds, ``'ms'`` milliseconds.
    y_axis : {'linear', 'fft', 'hz', 'log', 'mel', 'cqt_hz', 'cqt_note', 'chroma', 'frames', None}
        Frequency rows in Hz (linear or log scale), mel-spaced Hz, constant-Q Hz or notes, pitch classes.
    sr, hop_length, n_fft, fmin, fmax, htk, bins_per_octave
        What the rows and columns mean, as passed to the feature.
    ax : matplotlib Axes, optional
        Where to draw (the current axes by default).
    **kwargs
        Passed to ``ax.pcolormesh`` (``cmap``, ``vmin``, ``vmax``, ...).

    Returns
    -------
    matplotlib.collections.QuadMesh

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> import matplotlib; matplotlib.use("Agg")
    >>> y = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> S = audiofeat.amplitude_to_db(np.abs(audiofeat.stft(y)), ref=np.max)
    >>> mesh = audiofeat.display.specshow(S, sr=22050, x_axis="time", y_axis="log")
    >>> [round(float(v), 3) for v in mesh.axes.get_xlim()]
    [0.0, 1.022]
    """
    plt = _plt()
    if hasattr(data, "detach"):
        data = data.detach().cpu().numpy()
    data = np.asarray(data)
    if data.ndim != 2 or 0 in data.shape:
        raise ParameterError(f"specshow needs a non-empty 2-D matrix (rows, frames), got shape {data.shape}")
    if not sr > 0 or not hop_length > 0:
        raise ParameterError(f"sr and hop_length must be > 0, got sr={sr!r}, hop_length={hop_length!r}")
    if np.iscomplexobj(data):
        raise ParameterError("specshow got a complex matrix: show np.abs(D) or amplitude_to_db(np.abs(D))")
    n_rows, n_cols = data.shape
    if x_axis not in (None, "frames") + _TIME_AXES:
        raise ParameterError(f"x_axis must be 'time', 's', 'ms', 'frames' or None, got {x_axis!r}")
    if ax is None:
        ax = plt.gca()
    if x_coords is None:
        x = np.arange(n_cols + 1, dtype=np.float64)
        if x_axis in _TIME_AXES:
            x = x * hop_length / sr * (1000.0 if x_axis == "ms" else 1.0)
    else:
        x = np.asarray(x_coords, dtype=np.float64)
        x = _edges(x) if x.size == n_cols else x
    if y_coords is None:
        y = (np.arange(n_rows + 1, dtype=np.float64) if y_axis in (None, "frames")
             else _freq_coords(y_axis, n_rows, sr, n_fft, fmin, fmax, htk, bins_per_octave))
    else:
        y = np.asarray(y_coords, dtype=np.float64)
        y = _edges(y) if y.size == n_rows else y
    kwargs.setdefault("cmap", "magma" if data.min() < 0 or data.dtype.kind == "f" else "viridis")
    kwargs.setdefault("shading", "flat")
    kwargs.setdefault("rasterized", True)
    mesh = ax.pcolormesh(x, y, data, **kwargs)
    ax.set_xlim(x.min(), x.max())
    ax.set_ylim(y.min(), y.max())
    if x_axis in ("time", "s"):
        ax.set_xlabel("Time (s)")
    elif x_axis == "ms":
        ax.set_xlabel("Time (ms)")
    elif x_axis == "frames":
        ax.set_xlabel("Frames")
    if y_axis in ("linear", "fft", "hz"):
        ax.set_ylabel("Hz")
    elif y_axis == "log":
        ax.set_yscale("symlog", base=2, linthresh=64.0)
        ax.set_ylim(max(y.min(), 0.0), y.max())
        _hz_ticks(ax, y.min(), y.max())
        ax.set_ylabel("Hz (log)")
    elif y_axis == "mel":
        ax.set_yscale("symlog", base=2, linthresh=1000.0)
        _hz_ticks(ax, y.min(), y.max(), first=9)
        ax.set_ylabel("Hz (mel)")
    elif y_axis == "cqt_hz":
        ax.set_yscale("log", base=2)
        ax.set_ylabel("Hz")
    elif y_axis == "cqt_note":
        ax.set_yscale("log", base=2)
        octaves = [f for f in 440.0 * 2.0 ** ((np.arange(0, 128, 12) - 69) / 12) if y.min() <= f <= y.max()]
        ax.set_yticks(octaves, [_note(f) for f in octaves])
        ax.set_ylabel("Note")
    elif y_axis == "chroma":
        step = 12.0 / bins_per_octave
        ticks = np.arange(0, 12, 1.0) if bins_per_octave >= 12 else np.arange(n_rows) * step
        ax.set_yticks(ticks, [_NOTES[int(t) % 12] for t in ticks])
        ax.set_ylabel("Pitch class")
    elif y_axis == "frames":
        ax.set_ylabel("Bins")
    return mesh


def waveshow(
    y: Any,
    *,
    sr: float = 22050,
    max_points: int = 11025,
    axis: str | None = "time",
    offset: float = 0.0,
    ax: Any = None,
    **kwargs: Any,
) -> Any:
    """Show a waveform against time (librosa-compatible subset).

    Long signals are drawn as their min/max envelope over ``max_points`` columns (so a one-hour file draws as
    fast as a second), short ones sample by sample.

    Parameters
    ----------
    y : np.ndarray or torch.Tensor, shape (n,) or (channels, n)
        The signal (channels are drawn over each other).
    sr : float
        Sample rate.
    max_points : int
        Above this many samples, draw the envelope.
    axis : {'time', 's', 'ms', None}
        x axis labels (seconds or milliseconds).
    offset : float
        Start time of ``y`` in seconds.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to ``ax.plot`` / ``ax.fill_between`` (``color``, ``alpha``, ``label``, ...).

    Returns
    -------
    matplotlib artist (Line2D or PolyCollection) of the last channel drawn.

    Examples
    --------
    >>> import numpy as np, audiofeat
    >>> import matplotlib; matplotlib.use("Agg")
    >>> artist = audiofeat.display.waveshow(np.zeros(44100), sr=22050)
    >>> [round(float(v), 3) for v in artist.axes.get_xlim()]
    [0.0, 2.0]
    """
    plt = _plt()
    if hasattr(y, "detach"):
        y = y.detach().cpu().numpy()
    y = np.asarray(y)
    if y.ndim not in (1, 2) or y.shape[-1] == 0:
        raise ParameterError(f"waveshow needs a signal of shape (n,) or (channels, n) with n > 0, got {y.shape}")
    if not sr > 0:
        raise ParameterError(f"sr must be > 0, got {sr!r}")
    if axis not in (None,) + _TIME_AXES:
        raise ParameterError(f"axis must be 'time', 's', 'ms' or None, got {axis!r}")
    if ax is None:
        ax = plt.gca()
    scale = 1000.0 if axis == "ms" else 1.0
    n = y.shape[-1]
    artist = None
    for channel in np.atleast_2d(y):
        if n > max_points:
            hop = int(np.ceil(n / max_points))
            pad = (-n) % hop
            blocks = np.pad(channel, (0, pad), mode="edge").reshape(-1, hop)
            t = (np.arange(blocks.shape[0]) * hop / sr + offset) * scale
            artist = ax.fill_between(t, blocks.min(axis=1), blocks.max(axis=1), step="post", **kwargs)
        else:
            t = (np.arange(n) / sr + offset) * scale
            (artist,) = ax.plot(t, channel, **kwargs)
    ax.set_xlim(offset * scale, (offset + n / sr) * scale)
    if axis in ("time", "s"):
        ax.set_xlabel("Time (s)")
    elif axis == "ms":
        ax.set_xlabel("Time (ms)")
    return artist


def plot_file(path: str | os.PathLike, *, feature: str = "mel", out: str | os.PathLike, sr: float | None = None,
              figsize: tuple[float, float] = (10.0, 6.0), dpi: int = 100) -> str:
    """Draw the waveform of a file above one feature and save a PNG (what ``audiofeat plot`` does).

    Parameters
    ----------
    path : str or os.PathLike
        Audio file (mixed to mono).
    feature : {'mel', 'mfcc', 'stft', 'chroma', 'pitch', 'onsets'}
        What to draw under the waveform (chroma, pitch and onsets need those features in this build).
    out : str or os.PathLike
        The PNG to write (atomically).
    sr : float, optional
        Analysis rate (the file's own by default).
    figsize, dpi
        Size in inches and resolution: the PNG is ``figsize * dpi`` pixels.

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> import tempfile, os, audiofeat.display
    >>> png = audiofeat.display.plot_file("data/samples/speech.wav", feature="mel",
    ...                                   out=os.path.join(tempfile.mkdtemp(), "s.png"), figsize=(4, 3))
    >>> os.path.getsize(png) > 1000
    True
    """
    plt = _plt()
    import audiofeat as af

    from .pipeline.sinks import _atomic_write

    y, rate = af.load(path, sr=sr)
    hop = 512
    fig, (top, bottom) = plt.subplots(2, 1, figsize=figsize, dpi=dpi, sharex=True, layout="constrained",
                                      gridspec_kw={"height_ratios": [1, 2]})
    waveshow(y, sr=rate, ax=top, color="steelblue")
    top.set_ylabel("Amplitude")
    top.set_title(os.path.basename(os.fspath(path)))
    top.set_xlabel("")
    if feature == "mel":
        S = af.power_to_db(af.melspectrogram(y=y, sr=rate, hop_length=hop), ref=np.max)
        mesh = specshow(S, sr=rate, hop_length=hop, x_axis="time", y_axis="mel", ax=bottom)
        fig.colorbar(mesh, ax=[top, bottom], format="%+.0f dB")
    elif feature == "mfcc":
        M = af.mfcc(y=y, sr=rate, hop_length=hop)
        mesh = specshow(M, sr=rate, hop_length=hop, x_axis="time", ax=bottom, cmap="coolwarm")
        bottom.set_ylabel("MFCC")
        fig.colorbar(mesh, ax=[top, bottom])
    elif feature == "stft":
        S = af.amplitude_to_db(np.abs(af.stft(y, hop_length=hop)), ref=np.max)
        mesh = specshow(S, sr=rate, hop_length=hop, x_axis="time", y_axis="log", ax=bottom)
        fig.colorbar(mesh, ax=[top, bottom], format="%+.0f dB")
    elif feature == "chroma" and hasattr(af, "chroma_stft"):
        C = af.chroma_stft(y=y, sr=rate, hop_length=hop)
        mesh = specshow(C, sr=rate, hop_length=hop, x_axis="time", y_axis="chroma", ax=bottom, cmap="viridis")
        fig.colorbar(mesh, ax=[top, bottom])
    elif feature == "pitch" and hasattr(af, "pyin"):
        S = af.amplitude_to_db(np.abs(af.stft(y, hop_length=hop)), ref=np.max)
        specshow(S, sr=rate, hop_length=hop, x_axis="time", y_axis="log", ax=bottom)
        f0, voiced, _ = af.pyin(y, fmin=65.0, fmax=1000.0, sr=rate, hop_length=hop)
        t = np.arange(f0.shape[-1]) * hop / rate
        bottom.plot(t + hop / rate / 2, f0, color="cyan", linewidth=2, label="f0 (pYIN)")
        bottom.legend(loc="upper right")
    elif feature == "onsets" and hasattr(af.onset, "onset_strength"):
        env = af.onset.onset_strength(y=y, sr=rate, hop_length=hop)
        t = np.arange(env.shape[-1]) * hop / rate
        bottom.plot(t, env, color="k", label="onset strength")
        onsets = af.onset.onset_detect(onset_envelope=env, sr=rate, hop_length=hop, units="time")
        bottom.vlines(onsets, 0, env.max(), color="r", linestyle="--", label="onsets")
        bottom.set_xlim(0, y.shape[-1] / rate)
        bottom.set_xlabel("Time (s)")
        bottom.legend(loc="upper right")
    else:
        plt.close(fig)
        known = ["mel", "mfcc", "stft"] + [n for n, ok in (("chroma", hasattr(af, "chroma_stft")),
                                                             ("pitch", hasattr(af, "pyin")),
                                                             ("onsets", hasattr(af.onset, "onset_strength")))
                                            if ok]
        raise ParameterError(f"cannot plot feature {feature!r}; available: {known}")
    out = os.fspath(out)
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        plt.close(fig)
        raise ParameterError(f"the folder of {out!r} does not exist")
    try:
        _atomic_write(os.path.abspath(out), lambda f: fig.savefig(f, format="png", dpi=dpi))
    finally:
        plt.close(fig)
    return out
