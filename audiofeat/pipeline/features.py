"""What the pipeline can extract: one registration line per feature.

A feature is a function of the core called as ``fn(y, sr=sr, **params)`` (``y`` passed by keyword when the
function takes it keyword-only, ``sr`` only when it takes one). Registering it is one line::

    register_feature("mfcc", spectral.mfcc)
    register_feature("loudness", lufs.loudness, kind="scalar", programme=True)

``kind`` says what one call returns for a mono signal:

* ``'frames'``: a frame-level feature with time last, ``(n, frames)`` or ``(frames,)``;
* ``'scalar'``: one number per signal (or segment);
* ``'vector'``: a fixed-length vector per signal.

A frame-level feature whose frames each depend on their own samples only (STFT, mel, MFCC, RMS, spectral
descriptors) is *streamable*: for a long file the pipeline feeds it blocks of the signal with
``center=False`` and gets the frames of the whole signal (see :mod:`audiofeat.pipeline.compute`). A feature
that looks across frames (tuning estimation, onset strength with a lag, normalisation over the file) says
``streamable=False`` and is computed on the whole signal.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import ParameterError

__all__ = ["Feature", "FEATURES", "register_feature", "get_feature"]

KINDS = ("frames", "scalar", "vector")


@dataclass(frozen=True)
class Feature:
    """One extractable feature."""

    name: str
    fn: Callable
    kind: str = "frames"
    streamable: bool | Callable[[dict], bool] = True  # or a test of the parameters
    transform: Callable[[np.ndarray], np.ndarray] | None = None  # applied to the output (e.g. |STFT|)
    defaults: dict = field(default_factory=dict)  # parameters that differ from the function's defaults
    description: str = ""
    # for long files: (frames of one block with center=False, finish on the whole frame matrix)
    stage: Callable | None = None
    finish: Callable | None = None
    params_from: tuple = ()  # functions whose keyword defaults fn's **kwargs passes on (e.g. a filterbank)
    names: Callable[[dict], list] | None = None  # for kind='vector': the column names, from the parameters
    # with mono=True, measured on the file's channels (channel_axis=0) rather than on their mix: a programme
    # measure such as BS.1770 loudness sums the channels' powers, which the mix does not keep
    programme: bool = False

    @functools.cached_property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.fn)

    def parameters(self) -> dict[str, Any]:
        """Every keyword parameter with its default as the pipeline uses it (the function's, or ours)."""
        return dict(self._parameters)

    @functools.cached_property
    def _parameters(self) -> dict[str, Any]:
        # signatures are read once per feature, not for every file
        out = {}
        for fn in (self.fn, *self.params_from):
            for p in inspect.signature(fn).parameters.values():
                if p.name in ("y", "sr", "S", "out", "dtype") or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                    continue
                if p.default is not inspect.Parameter.empty:
                    out.setdefault(p.name, p.default)
        out.update(self.defaults)
        return out

    def check_params(self, params: dict) -> dict:
        """The full parameter set for ``params``, or a ParameterError naming an unknown one."""
        known = self.parameters()
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ParameterError(
                f"feature {self.name!r} has no parameter(s) {unknown}; its parameters are {sorted(known)}")
        return {**known, **params}

    def framing(self, params: dict) -> tuple[int, int, bool] | None:
        """``(frame_length, hop_length, center)`` when blocks of the signal give the whole signal's frames."""
        if self.kind != "frames" or self.programme:  # a programme feature sees the whole file's channels
            return None
        if not (self.streamable(params) if callable(self.streamable) else self.streamable):
            return None
        length = params.get("n_fft", params.get("frame_length"))
        if length is None or "center" not in params or "hop_length" not in params:
            return None
        # librosa's default hop: a quarter of the window (win_length, which defaults to n_fft), not of n_fft
        window = params.get("win_length") or length
        hop = params["hop_length"] if params["hop_length"] is not None else max(1, int(window) // 4)
        if params["center"] and params.get("pad_mode", "constant") != "constant":
            return None  # reflecting pads read samples from inside the signal; use the whole signal
        return int(length), int(hop), bool(params["center"])

    def frames_of_block(self, y: np.ndarray, sr: float, params: dict, device: str | None = None) -> np.ndarray:
        """The frames that lie wholly inside ``y`` (the frame-local stage, ``center=False``)."""
        params = {**params, "center": False}
        if self.stage is not None:
            return _numpy(self.stage(_on(y, device, self.fn), sr, params))
        return self(y, sr, params, device)

    def finish_frames(self, frames: np.ndarray, sr: float, params: dict, device: str | None = None) -> np.ndarray:
        """The feature from the whole signal's frame-local stage."""
        if self.finish is None:
            return frames
        return _numpy(self.finish(_on(frames, device, self.fn), sr, params))

    def __call__(self, y: np.ndarray, sr: float, params: dict, device: str | None = None) -> np.ndarray:
        y = _on(y, device, self.fn)
        sig = self.signature.parameters
        kwargs = dict(params)
        if "sr" in sig:
            kwargs["sr"] = sr
        if sig["y"].kind is inspect.Parameter.KEYWORD_ONLY:
            out = self.fn(y=y, **kwargs)
        else:
            out = self.fn(y, **kwargs)
        if self.transform is not None:
            out = abs(out) if self.transform is np.abs else self.transform(out)
        return _numpy(out)


def _on(x: np.ndarray, device: str | None, fn: Callable) -> Any:
    """``x`` as a torch tensor on ``device`` when one is asked for and ``fn`` supports torch."""
    caps = getattr(fn, "__audiofeat_capabilities__", None)
    if device is None or (caps is not None and not caps.torch):
        return x
    import torch

    return torch.from_numpy(np.ascontiguousarray(x)).to(device)


def _numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


#: name -> Feature, in registration order
FEATURES: dict[str, Feature] = {}


def register_feature(name: str, fn: Callable, *, kind: str = "frames", streamable: bool = True,
                     transform: Callable | None = None, defaults: dict | None = None,
                     description: str | None = None, stage: Callable | None = None,
                     finish: Callable | None = None, params_from: Callable | tuple = (),
                     names: Callable[[dict], list] | None = None, programme: bool = False) -> Feature:
    """Make ``fn`` extractable by the pipeline and the command line under ``name``.

    Parameters
    ----------
    name : str
        The name used in specs, on the command line and as the column prefix.
    fn : callable
        A core function taking the signal as ``y`` (and ``sr`` if it needs one).
    kind : {'frames', 'scalar', 'vector'}
        What one call returns (see the module docstring).
    streamable : bool or callable
        Whether each frame depends only on its own samples (long files are then processed in blocks); a callable
        decides from the parameters (e.g. chroma is frame-local only when ``tuning`` is given).
    transform : callable, optional
        Applied to the output, e.g. ``np.abs`` to store an STFT's magnitude.
    defaults : dict, optional
        Parameter defaults that differ from the function's own.
    description : str, optional
        One line for ``audiofeat features``; the first line of the function's docstring by default.
    stage, finish : callable, optional
        For a streamable feature that is not itself frame-local (e.g. MFCC clips its log-mel relative to the
        whole signal's maximum): ``stage(y, sr, params)`` gives frame-local frames of a block
        (``params['center']`` is False) and ``finish(frames, sr, params)`` the feature from all of them.
        By default the stage is ``fn`` itself with ``center=False`` and the finish is nothing.
    params_from : callable or tuple of callables, optional
        Functions whose keyword defaults ``fn``'s ``**kwargs`` passes on (e.g. the filterbank of a spectrogram),
        so they are listed and checked as the feature's parameters.
    names : callable, optional
        For ``kind='vector'``: ``names(params)`` gives the vector's column names (``<feature>_<name>``); by
        default the columns are numbered.
    programme : bool
        For a measure of the whole programme over its channels (``fn`` takes ``channel_axis``): with
        ``mono=True`` it is computed on the file's channels with ``channel_axis=0``, not on their mix (BS.1770
        loudness of a stereo file is the channels' powers summed: the mix of two uncorrelated channels is
        ~6 LU lower). With ``mono=False`` it is computed per channel, like every other feature, unless the
        spec passes ``channel_axis: 0``.

    Returns
    -------
    Feature

    Examples
    --------
    >>> from audiofeat.pipeline import register_feature, FEATURES
    >>> import numpy as np
    >>> def peak(y, *, floor=0.0):
    ...     return np.maximum(np.abs(y).max(axis=-1), floor)
    >>> _ = register_feature("peak_example", peak, kind="scalar")
    >>> FEATURES["peak_example"].parameters()
    {'floor': 0.0}
    >>> del FEATURES["peak_example"]
    """
    if kind not in KINDS:
        raise ParameterError(f"kind must be one of {KINDS}, got {kind!r}")
    if "y" not in inspect.signature(fn).parameters:
        raise ParameterError(f"{fn.__name__} takes no 'y': a feature is computed from the signal")
    if description is None:
        description = (inspect.getdoc(fn) or "").split("\n", 1)[0]
    if callable(params_from):
        params_from = (params_from,)
    if programme and "channel_axis" not in inspect.signature(fn).parameters:
        raise ParameterError(f"{fn.__name__} takes no 'channel_axis': a programme feature is computed across the "
                             "channels of a file")
    feature = Feature(name, fn, kind, streamable, transform, dict(defaults or {}), description, stage, finish,
                      tuple(params_from), names, programme)
    FEATURES[name] = feature
    return feature


def get_feature(name: str) -> Feature:
    """The registered feature ``name``, or a ParameterError listing what is available."""
    try:
        return FEATURES[name]
    except KeyError:
        raise ParameterError(f"unknown feature {name!r}; available: {sorted(FEATURES)}") from None


#: melspectrogram's pass-through parameters (its **kwargs go to filters.mel), as librosa's defaults
MEL_PARAMS = dict(n_fft=2048, hop_length=512, win_length=None, window="hann", center=True, pad_mode="constant",
                  power=2.0, n_mels=128, fmin=0.0, fmax=None, htk=False)
_MEL_KEYS = tuple(MEL_PARAMS)


def _mel_stage(y: np.ndarray, sr: float, params: dict, norm_key: str = "norm") -> np.ndarray:
    from ..spectral import melspectrogram

    kwargs = {k: params[k] for k in _MEL_KEYS}
    return melspectrogram(y=y, sr=sr, norm=params.get(norm_key, "slaney"), **kwargs)


def _register_core() -> None:
    from .. import lufs, shorttime, spectral

    def logmel(*, y, sr=22050, ref=1.0, amin=1e-10, top_db=80.0, norm="slaney", **mel):
        """Log-power mel spectrogram in dB: ``power_to_db(melspectrogram(y))``, clipped at ``top_db`` below the peak."""
        return spectral.power_to_db(spectral.melspectrogram(y=y, sr=sr, norm=norm, **mel), ref=ref, amin=amin,
                                    top_db=top_db)

    def logmel_finish(M, sr, p):
        return spectral.power_to_db(M, ref=p["ref"], amin=p["amin"], top_db=p["top_db"])

    def mfcc_finish(M, sr, p):
        return spectral.mfcc(S=spectral.power_to_db(M), sr=sr, n_mfcc=p["n_mfcc"], dct_type=p["dct_type"],
                             norm=p["norm"], lifter=p["lifter"])

    register_feature("stft", shorttime.stft, transform=np.abs,
                     description="Magnitude of the short-time Fourier transform |STFT| (n_fft//2+1, frames).")
    register_feature("melspectrogram", spectral.melspectrogram, defaults={**MEL_PARAMS, "norm": "slaney"},
                     stage=_mel_stage)
    register_feature("logmel", logmel, defaults={**MEL_PARAMS, "norm": "slaney"}, stage=_mel_stage,
                     finish=logmel_finish)
    register_feature("mfcc", spectral.mfcc, defaults=MEL_PARAMS,
                     stage=lambda y, sr, p: _mel_stage(y, sr, p, "mel_norm"), finish=mfcc_finish)
    register_feature("loudness", lufs.loudness, kind="scalar", programme=True)
    # frequency content (descriptors.py)
    from .. import descriptors as d

    for fn in (d.spectral_centroid, d.spectral_bandwidth, d.spectral_rolloff, d.spectral_flatness,
               d.spectral_contrast, d.poly_features):
        register_feature(fn.__name__, fn)
    # tuning=None estimates the tuning from the whole signal; a given tuning makes chroma frame-local
    register_feature("chroma_stft", d.chroma_stft, streamable=lambda p: p.get("tuning") is not None)
    register_feature("tonnetz", d.tonnetz, streamable=False)
    # psychoacoustic scales (psychoacoustics.py) and wavelets
    from .. import psychoacoustics as pa, wavelets

    register_feature("gammatonegram", pa.gammatonegram, params_from=pa.gammatone)
    register_feature("barkspectrogram", pa.barkspectrogram, params_from=pa.bark)
    # gtcc clips its log energies at top_db below the whole signal's peak, like MFCC
    register_feature("gtcc", pa.gtcc, params_from=(pa.gammatonegram, pa.gammatone), streamable=False)
    register_feature("cwt", wavelets.cwt, transform=np.abs, defaults={"hop_length": 512},
                     description="Magnitude of the continuous (Morlet) wavelet transform, (n_freqs, frames).")
    # constant-Q (cqt.py): multi-rate filtering over the whole signal, so computed on the whole signal
    from .. import constantq as cq

    register_feature("cqt", cq.cqt, streamable=False, transform=np.abs,
                     description="Magnitude of the constant-Q transform (n_bins, frames).")
    register_feature("vqt", cq.vqt, streamable=False, transform=np.abs,
                     description="Magnitude of the variable-Q transform (n_bins, frames).")
    register_feature("hybrid_cqt", cq.hybrid_cqt, streamable=False)
    register_feature("chroma_cqt", cq.chroma_cqt, streamable=False)
    register_feature("chroma_cens", cq.chroma_cens, streamable=False)
    # energy, onsets, rhythm (energy.py, temporal.py, rhythm.py)
    from .. import energy, featureset, filters, noise, pitch, rhythm, temporal

    register_feature("rms", energy.rms)
    register_feature("zero_crossing_rate", temporal.zero_crossing_rate, streamable=False)  # edge padding
    mel_params = (spectral.melspectrogram, filters.mel)
    register_feature("onset_strength", energy.onset_strength, streamable=False, params_from=mel_params)
    register_feature("energy_onset_strength", energy.energy_onset_strength, streamable=False)
    register_feature("tempogram", rhythm.tempogram, streamable=False)
    register_feature("fourier_tempogram", rhythm.fourier_tempogram, streamable=False, transform=np.abs)
    register_feature("plp", rhythm.plp, streamable=False)
    register_feature("tempo", rhythm.tempo, kind="vector", names=lambda p: ["bpm"])
    # periodicity (pitch.py): f0 is NaN where unvoiced (functionals leave those frames out)
    pitch_range = {"fmin": 65.40639132514966, "fmax": 2093.004522404789}  # C2..C7, librosa's examples

    def f0_pyin(y, *, sr=22050, **kwargs):
        """Fundamental frequency (Hz) per frame by pYIN, NaN where unvoiced."""
        return pitch.pyin(y, sr=sr, **kwargs)[0]

    def voiced_prob(y, *, sr=22050, **kwargs):
        """pYIN's probability that each frame is voiced."""
        return pitch.pyin(y, sr=sr, **kwargs)[2]

    for fn in (f0_pyin, voiced_prob):
        register_feature(fn.__name__, fn, streamable=False, params_from=pitch.pyin, defaults=pitch_range)
    register_feature("f0_yin", pitch.yin, streamable=False, defaults=pitch_range,
                     description="Fundamental frequency (Hz) per frame by YIN.")
    register_feature("hnr", pitch.hnr)
    # noise and the named feature set
    register_feature("estimate_snr", noise.estimate_snr, kind="scalar")
    register_feature("egemaps", featureset.extract_features, kind="vector",
                     names=lambda p: featureset.feature_names(p["feature_set"]),
                     description="The named feature set (eGeMAPS-style voice and spectral parameters, "
                                 "docs/featureset.md).")
    register_feature("loudness_momentary", lufs.loudness_momentary, streamable=False, programme=True)
    register_feature("loudness_short_term", lufs.loudness_short_term, streamable=False, programme=True)


_register_core()
