"""Hostile review of the augmentation speed work of session 21 (issue 7, diff 9c04c4f..9554aa2).

Each test is one finding and fails on 9554aa2. The comment above each says what is wrong, why the expected
value is the right one, and whether the defect is new in 9554aa2 (a regression) or older (pre-existing, found
while probing the new paths).

Probed without finding a defect (see the report): the compiled short-clip time stretch against the numpy path
(``AUDIOFEAT_NUMBA=0``) and librosa 0.11 over windows, odd ``n_fft``, hop = n_fft, win_length < n_fft, rates
0.13-7.3 and the rounding rate, float32/float64, (B, C, T), Fortran-order, negative-stride, strided and
read-only input; the direct pocketfft calls against ``scipy.fft`` (strides, empty axes, subclasses, workers);
check_audio's fast path; add_noise's one-signal path against the general one (shapes, snr kinds); 1-D
resample against the batch path and librosa; SplitMix64 compiled == numpy bits, statistics; last_params
pickling/deepcopy/replay; threads and fork (serial == 4 threads == fork pool; NUMBA_DISABLE_JIT=1 ==
AUDIOFEAT_NUMBA=0).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import audiofeat
from audiofeat import _checks
from audiofeat import effects
from audiofeat.augment import Compose, Gain, PitchShift, TimeStretch, colored_noise, snap_steps
from audiofeat.errors import ParameterError


def _brute_force_snap(x, bins_per_octave=12, cents=1.0):
    """snap_steps' definition (its code before 10cda07, and the test in test_augment): for each shift the
    first q = 1..256 whose nearest numerator rint(ratio * q) lies within ``cents``; else the shift itself."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    ratio = 2.0 ** (x[:, None] / bins_per_octave)
    q = np.arange(1, 257, dtype=np.float64)
    num = np.maximum(np.rint(ratio * q), 1.0)
    with np.errstate(all="ignore"):
        ok = np.abs(1200 * np.log2(num / (q * ratio))) <= cents
    first = np.argmax(ok, axis=1)
    rows = np.arange(len(x))
    return np.where(ok[rows, first], bins_per_octave * np.log2(num[rows, first] / q[first]), x)


# ---------------------------------------------------------------------------------------------------------
# 1. REGRESSION (medium): TimeStretch / PitchShift inside a Compose no longer check that the signal they get
# is finite. `_stretch_one` / `_pitch_shift_one` (augment/waveform.py) call phase._time_stretch /
# phase._pitch_shift "without validating again" on the ground that `_prepare` checked the clip; but a
# composite calls its children's `_forward` directly, so an earlier child's output (here a +1000 dB gain that
# overflows float32 to inf) reaches the compiled kernels unchecked. 9c04c4f raised ParameterError ("y is not
# finite everywhere"), as librosa's time_stretch/pitch_shift do (valid_audio) and as AddColoredNoise in the
# same position still does; 9554aa2 returns NaN (the fastmath kernels assume finite input: TimeStretch gives
# a mix of NaN and finite garbage).
@pytest.mark.parametrize("transform", [TimeStretch(rate=(1.2, 1.2)), PitchShift(n_steps=(2.0, 2.0))],
                         ids=["TimeStretch", "PitchShift"])
def test_stretch_and_shift_inside_compose_refuse_a_non_finite_signal(transform):
    y = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
    chain = Compose([Gain((1000.0, 1000.0)), transform])
    with np.errstate(all="ignore"), pytest.raises(ParameterError, match="finite"):
        chain(y, 16000, rng=0)


# ---------------------------------------------------------------------------------------------------------
# 1b. REGRESSION (medium): resample of a 1-D float64 np.memmap (np.load(..., mmap_mode="r") of a dataset) or
# masked array returns float32. resampling._resample_valid's new one-signal path hands `y` to soxr.resample
# as it is, and soxr converts anything whose type is not exactly np.ndarray with np.asarray(x, np.float32);
# the result is returned without the cast to y's dtype that the batch path (_resample_numpy: a plain
# ascontiguousarray in, dtype=y.dtype out) and librosa (np.asarray(y_hat, dtype=y.dtype)) make. float64 in
# must be float64 out, equal to the result for the same samples as a plain array.
@pytest.mark.parametrize("kind", ["memmap", "masked"])
def test_resample_of_a_float64_ndarray_subclass_stays_float64(kind, tmp_path):
    x = np.random.default_rng(0).standard_normal(1000)
    if kind == "memmap":
        y = np.lib.format.open_memmap(tmp_path / "y.npy", mode="w+", dtype=np.float64, shape=x.shape)
        y[:] = x
    else:
        y = np.ma.masked_array(x, mask=np.zeros(x.shape, bool))
    got = audiofeat.resample(y, orig_sr=16000, target_sr=8000)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, audiofeat.resample(x, orig_sr=16000, target_sr=8000))


# ---------------------------------------------------------------------------------------------------------
# 2. REGRESSION (low) + pre-existing: pitch_shift with a shift so large that 2 ** (-n_steps / bins_per_octave)
# underflows to 0.0 raised ParameterError("rate=0.0 must be a positive finite number") in 9c04c4f (it called
# the public time_stretch, which checks the rate); phase._pitch_shift now calls _time_stretch, which divides by
# the rate: ZeroDivisionError. The overflow the other way (n_steps=-13200: OverflowError from Python's float
# power) is older. Both should be the library's typed error for a parameter it cannot honour.
@pytest.mark.parametrize("n_steps", [13200.0, -13200.0], ids=["underflow-regression", "overflow-preexisting"])
def test_pitch_shift_with_an_unrepresentable_rate_raises_a_typed_error(n_steps):
    y = np.random.default_rng(0).standard_normal(4000)
    with pytest.raises(ParameterError):
        effects.pitch_shift(y, sr=16000, n_steps=n_steps)


# ---------------------------------------------------------------------------------------------------------
# 3. REGRESSION (low): snap_steps by continued fractions returns the *smallest* numerator in the cents window
# (`_simplest_fraction`'s last step takes the smallest integer in [lo, hi]), where its docstring ("moved to the
# nearest n ... with the smallest q") and the definition it replaced take the nearest numerator rint(ratio*q).
# The two differ wherever the window holds two fractions with the smallest denominator: shifts beyond ~117
# semitones at the default 1 cent, or any max_cents above ~200. E.g. 12*log2(3000.4) goes to 2999/1 (0.81 cent
# away) instead of 3000/1 (0.23 cent); 22 semitones at max_cents=300 goes to 3/1 (-294 cents) instead of 4/1
# (+202 cents); at max_cents=1200, 3/1 (19.02 semitones, exact) is moved a fifth down to 2/1.
@pytest.mark.parametrize("steps, bins_per_octave, cents", [
    (np.array([12 * math.log2(3000.4), 117.3468, 130.0, -0.5, 150.25]), 12, 1.0),
    (np.array([22.0, 19.019550008653873, 17.6, 10.19, -20.5]), 12, 300.0),
    (np.array([19.019550008653873, 7.0, -5.0]), 12, 1200.0),
])
def test_snap_steps_equals_its_brute_force_definition_for_wide_windows(steps, bins_per_octave, cents):
    np.testing.assert_allclose(snap_steps(steps, bins_per_octave, cents),
                               _brute_force_snap(steps, bins_per_octave, cents), rtol=0, atol=1e-9)


# ---------------------------------------------------------------------------------------------------------
# 4. REGRESSION (low): snap_steps (public in audiofeat.augment) raises untyped errors where the vectorised
# definition returned values: max_cents=nan -> ValueError from math.floor(nan); max_cents=inf -> the window
# [0, inf] gives the "fraction" 0/1 and math.log2(0) raises ValueError; bins_per_octave=0 -> ZeroDivisionError
# (a Python float division where numpy gave inf and kept the shift). Either refuse them with ParameterError
# (check_number / check_int(..., 1)) or answer as the definition does; never a bare ValueError.
@pytest.mark.parametrize("kwargs", [dict(max_cents=float("nan")), dict(max_cents=float("inf")),
                                    dict(bins_per_octave=0)], ids=["cents-nan", "cents-inf", "bpo-0"])
def test_snap_steps_bad_parameters_give_a_typed_error_or_the_definition(kwargs):
    steps = np.array([3.0, -7.25, 12.0])
    bpo = kwargs.get("bins_per_octave", 12)
    cents = kwargs.get("max_cents", 1.0)
    try:
        got = snap_steps(steps, **kwargs)
    except ParameterError:
        return
    with np.errstate(all="ignore"):
        want = _brute_force_snap(steps, bpo, cents)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


# ---------------------------------------------------------------------------------------------------------
# 5. PRE-EXISTING (low; the brief's ">f4!" probe of check_audio): a big-endian float64 signal is computed in
# float32. check_audio's new fast path rightly refuses non-native dtypes, but the general path it falls back to
# (_namespace.as_float) tests `dt in (float32, float64)` -- False for '>f8' -- and casts every other real float
# to float32, as if it were float16. The dtype rule says float64 stays float64: time_stretch of '>f8' audio must
# be float64 and equal the native result (here it is float32, 1.5e-6 off).
def test_big_endian_float64_stays_float64():
    y = np.random.default_rng(0).standard_normal(8000)
    assert _checks.check_audio(y.astype(">f8")).dtype == np.float64
    native = effects.time_stretch(y, rate=1.25)
    swapped = effects.time_stretch(y.astype(">f8"), rate=1.25)
    assert swapped.dtype == np.float64
    np.testing.assert_allclose(swapped, native, rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# 6. PRE-EXISTING, made inconsistent by 41e7f00 (low): a negative seed gives float32 noise (SplitMix64 takes any
# integer) but an untyped ValueError("expected non-negative integer") from PCG64 for float64 noise. A seed
# must mean the same thing for both dtypes: refuse negative seeds with ParameterError for both, or accept them
# for both.
def test_colored_noise_treats_a_negative_seed_the_same_in_both_dtypes():
    outcomes = []
    for like in (np.zeros(1, np.float32), np.zeros(1, np.float64)):
        try:
            colored_noise((16,), 0.0, -1, like=like)
            outcomes.append("ok")
        except ParameterError:
            outcomes.append("ParameterError")
        except Exception as exc:  # noqa: BLE001 -- an untyped error is the finding
            outcomes.append(type(exc).__name__)
    assert outcomes[0] == outcomes[1] and set(outcomes) <= {"ok", "ParameterError"}, outcomes


# ---------------------------------------------------------------------------------------------------------
# 7. PRE-EXISTING (low): time_stretch accepts any positive finite rate, but a tiny one gives numpy's
# ValueError ("Maximum allowed dimension exceeded", rate=1e-300, on the compiled and the numpy path alike) or
# OverflowError (rate=5e-324: ceil(n_frames / rate) is inf). The output would be round(n / rate) samples;
# a rate whose output cannot exist should be a ParameterError naming the rate.
@pytest.mark.parametrize("rate", [1e-300, 5e-324])
def test_time_stretch_with_a_rate_too_small_to_represent_raises_a_typed_error(rate):
    y = np.random.default_rng(0).standard_normal(4096)
    with pytest.raises(ParameterError):
        effects.time_stretch(y, rate=rate)


# ---------------------------------------------------------------------------------------------------------
# 8. PRE-EXISTING (low): time_stretch / phase_vocoder of audio at subnormal amplitude (float64 ~1e-310, float32
# ~1e-39) is NaN everywhere on the numpy vocoder path, where librosa 0.11 (and audiofeat's own stft / istft, and
# the compiled kernels for float64) give finite values. phase._unit_phasors takes np.reciprocal of the
# magnitude, which overflows to inf for a subnormal magnitude, and inf * 0 / inf * inf give NaN phasors; the
# compiled vocoder's `_guard` (a float64 hypot division) shows the fix. float32 reaches the numpy path even with
# numba (its ill-conditioned ends send it there).
# (float64 with the compiled kernels is already right, so it is not among the cases.)
@pytest.mark.parametrize("numba, dtype, scale, tol", [("0", np.float64, 1e-310, 1e-9), ("0", np.float32, 1e-39, 2e-3),
                                                      ("1", np.float32, 1e-39, 2e-3)])
def test_time_stretch_of_subnormal_audio_is_finite_like_librosa(monkeypatch, numba, dtype, scale, tol):
    librosa = pytest.importorskip("librosa", reason="the reference")
    monkeypatch.setenv("AUDIOFEAT_NUMBA", numba)
    y = (np.random.default_rng(0).standard_normal(8000) * scale).astype(dtype)
    want = librosa.effects.time_stretch(y, rate=1.3)
    with np.errstate(all="ignore"):
        got = effects.time_stretch(y, rate=1.3)
    assert np.isfinite(want).all() and np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=0, atol=tol * np.abs(want).max())
