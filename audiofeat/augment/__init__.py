"""Augmentation: seeded, batched transforms over pure functions (numpy one example, torch batches).

>>> import numpy as np
>>> from audiofeat import augment as A
>>> t = A.Compose([A.Gain((-6, 6), p=0.5), A.AddColoredNoise(snr_db=(10, 30), color="pink", p=0.5)])
>>> y = np.zeros(16000, dtype=np.float32); y[::100] = 1
>>> z = t(y, 16000, rng=0)
>>> z.shape, z.dtype
((16000,), dtype('float32'))
>>> np.array_equal(t.apply(y, 16000, t.last_params), z)
True

See ``docs/augmentation.md``: every transform, the seeding model, a DataLoader recipe.
"""

from __future__ import annotations

from ._rng import Draw, as_draw, seeded_normal
from .adapters import AudiomentationsTransform, from_audiomentations
from .base import TRANSFORMS, Compose, OneOf, SomeOf, Transform, from_config, params_item, to_config
from .mixing import Mixup, mixup
from .spectrogram import FrequencyMasking, TimeMasking, TimeWarp, mask_freq, mask_time, time_warp
from .waveform import (
    AddBackgroundNoise, AddColoredNoise, ApplyImpulseResponse, BandPassFilter, BandStopFilter, Clip,
    CodecCompression, Distortion, Gain, HighPassFilter, LoudnessNormalize, LowPassFilter, Normalize,
    PadOrCrop, PeakingFilter, PitchShift, PolarityInversion, Resample, Reverse, Shift, Speed, TimeStretch,
    Trim, add_noise, butterworth_response, clip, codec_roundtrip, colored_noise, convolve, distortion,
    fft_filter, fix_length, gain, normalize_peak, pad_or_crop, peaking_response, shift, synthetic_rir,
    snap_steps, trim_silence,
)

__all__ = [
    "Transform", "Compose", "OneOf", "SomeOf", "from_config", "to_config", "params_item", "TRANSFORMS",
    "as_draw", "Draw", "seeded_normal", "from_audiomentations", "AudiomentationsTransform",
    "Gain", "AddColoredNoise", "AddBackgroundNoise", "ApplyImpulseResponse", "Shift", "TimeStretch",
    "PitchShift", "LowPassFilter", "HighPassFilter", "BandPassFilter", "BandStopFilter", "PeakingFilter",
    "Clip", "Distortion", "PolarityInversion", "Reverse", "Normalize", "LoudnessNormalize", "Speed",
    "Resample", "CodecCompression", "Trim", "PadOrCrop", "TimeMasking", "FrequencyMasking", "TimeWarp",
    "Mixup",
    "gain", "add_noise", "colored_noise", "shift", "clip", "distortion", "normalize_peak", "fft_filter",
    "butterworth_response", "peaking_response", "convolve", "synthetic_rir", "pad_or_crop", "fix_length",
    "trim_silence", "codec_roundtrip", "snap_steps", "mask_time", "mask_freq", "time_warp", "mixup",
]
