"""The augmentation speed work of the seventh pass (issue 7): each faster path against the path it replaces or
the definition it implements, on the inputs where the two could part (rounding, edges, silence, dtypes).

* time_stretch's output positions: float rounding can put the last of ``arange(0, n_frames, rate)`` exactly at
  ``n_frames`` (librosa reads zero frames there); every path indexed past the last frame.
* the compiled short-clip stretch: framing, the float64 redo of an ill-conditioned end (``edge_blocks``).
* float32 white noise: SplitMix64 uniforms, compiled and numpy giving the same bits.
* add_noise of one signal, resample of one signal, check_audio of a plain array: the general paths' results.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import audiofeat
from audiofeat import _checks, _kernels, noise, phase, resampling, shorttime
from audiofeat.augment import _rng, seeded_normal
from audiofeat.errors import ParameterError

numba_only = pytest.mark.skipif(_kernels.kernels() is None, reason="the compiled kernels need numba")

# 9,000 samples make 18 frames at hop 512; 20 * 0.8999999999999999 rounds to 18.0 == n_frames
ROUNDING_RATE = float(np.linspace(0.7, 1.4, 57)[16])


def test_the_rounding_rate_really_reaches_the_frame_count():
    assert ROUNDING_RATE == 0.8999999999999999 and np.arange(0, 18, ROUNDING_RATE)[-1] == 18.0


@pytest.mark.parametrize("numba", ["1", "0"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_time_stretch_where_the_last_position_rounds_to_the_frame_count(monkeypatch, numba, dtype):
    librosa = pytest.importorskip("librosa", reason="librosa is the reference")
    monkeypatch.setenv("AUDIOFEAT_NUMBA", numba)
    y = np.random.default_rng(1).standard_normal(9000).astype(dtype)
    got = audiofeat.effects.time_stretch(y, rate=ROUNDING_RATE)  # raised IndexError (numpy), read past (numba)
    ref = librosa.effects.time_stretch(y.astype(np.float64), rate=ROUNDING_RATE)
    assert got.shape == ref.shape and got.dtype == dtype
    np.testing.assert_allclose(got, ref, rtol=0, atol=(2e-5 if dtype == np.float32 else 1e-10) * np.abs(ref).max())


def test_torch_stretch_where_the_last_position_rounds_to_the_frame_count():
    torch = pytest.importorskip("torch", reason="torch backend")
    librosa = pytest.importorskip("librosa", reason="librosa is the reference")
    y = np.random.default_rng(1).standard_normal(9000)
    ref = librosa.effects.time_stretch(y, rate=ROUNDING_RATE)
    one = audiofeat.effects.time_stretch(torch.from_numpy(y), rate=ROUNDING_RATE).numpy()
    batch = phase._stretch_rates_torch(torch.from_numpy(np.stack([y, y])), [ROUNDING_RATE, 1.0], ref.shape[-1])
    for got in (one, batch[0].numpy()):  # the batch kept the last frame's magnitude where librosa has 0
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9 * np.abs(ref).max())


def test_positions_match_librosa_steps_and_zero_the_frame_past_the_end():
    for n_frames in range(1, 60):
        for rate in (0.3, 0.7, ROUNDING_RATE, 1.0, 1.3, 2.9):
            left, right, alpha, valid = phase._time_steps(n_frames, rate)
            steps = np.arange(0, n_frames, rate)
            assert left.max() < n_frames and right.max() < n_frames
            inside = steps < n_frames
            np.testing.assert_array_equal(left[inside], np.floor(steps[inside]))
            np.testing.assert_array_equal(alpha[inside], np.mod(steps[inside], 1.0))
            assert ((1 - alpha[~inside]) == 0).all() and (valid[~inside] == 0).all()


@numba_only
def test_compiled_positions_equal_the_numpy_ones():
    from audiofeat import _numba_loops as L

    rng = np.random.default_rng(0)
    for _ in range(3000):
        n_frames, rate = int(rng.integers(1, 300)), float(np.exp(rng.uniform(-3, 3)))
        left, _, alpha, valid = phase._time_steps(n_frames, rate)
        got = L.time_steps(n_frames, rate, left.shape[0])
        for a, b in zip((left, alpha, valid), got):
            np.testing.assert_array_equal(a, b)
    left, _, alpha, valid = phase._time_steps(18, ROUNDING_RATE)
    for a, b in zip((left, alpha, valid), L.time_steps(18, ROUNDING_RATE, left.shape[0])):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------------------------------
# the compiled short-clip stretch
# --------------------------------------------------------------------------------------------------
@numba_only
@pytest.mark.parametrize("n", [2048, 2049, 3001, 16000])
def test_compiled_framing_equals_the_padded_frames_times_the_window(n):
    from audiofeat import _numba_loops as L

    for dtype in (np.float32, np.float64):
        y = np.random.default_rng(n).standard_normal((2, n)).astype(dtype)
        framed = shorttime._framed_signal(y, 2048, 512, True, "constant")
        framed = np.concatenate(framed, axis=-2) if isinstance(framed, list) else framed
        win = shorttime._analysis_window("hann", 2048, 2048, y)
        out = np.empty(framed.shape, dtype)
        L.frame_window(y, win, 512, 1024, out)
        np.testing.assert_array_equal(out, framed * win)


@numba_only
@pytest.mark.parametrize("head", [True, False])
def test_compiled_edge_redo_equals_the_numpy_redo(head):
    from audiofeat import _numba_loops as L

    n_fft, hop, n_frames = 2048, 512, 30
    k = n_fft // hop - 1
    D = (np.random.default_rng(3).standard_normal((1025, n_frames))
         + 1j * np.random.default_rng(4).standard_normal((1025, n_frames))).astype(np.complex64)
    blocks = np.zeros((n_frames + k, hop), np.float32)
    ref = blocks.copy()
    shorttime._edge_blocks_float64(ref, D, window="hann", win_length=n_fft, n_fft=n_fft, hop=hop,
                                   ends=(head, not head))
    win64, head64, _, tail64 = phase._stretch_plan("hann", n_fft, n_fft, hop, "float64")
    sl = slice(0, k) if head else slice(n_frames - k, n_frames)
    frames64 = np.fft.irfft(D[:, sl].T.astype(np.complex128), n=n_fft)
    L.edge_blocks(frames64, win64, head64 if head else tail64, head, blocks[:k] if head else blocks[n_frames:])
    assert np.abs(blocks).max() > 0
    np.testing.assert_allclose(blocks, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


def test_end_conditioning_keys_are_bounded_by_the_window():
    # one cache key per end position, every tail past the frames sharing one: the keys do not grow with the
    # signal lengths a corpus brings (they were keyed by length, one entry per clip length)
    shorttime._end_flags_cached.cache_clear()
    rng = np.random.default_rng(7)
    for n in rng.integers(10**4, 10**7, 3000):
        n = int(n)
        for n_frames in (1 + n // 512, 20):  # the frames of n samples; far fewer (tail past them all)
            shorttime._ill_conditioned_ends("hann", 2048, 2048, 512, True, n, n_frames)
    keys = range(shorttime._end_flags_cached.cache_info().currsize)
    assert 0 < len(keys) <= 512 + 2  # the tail positions within one hop of the frame grid, plus "past"


# --------------------------------------------------------------------------------------------------
# float32 white noise
# --------------------------------------------------------------------------------------------------
def _splitmix(state: int, count: int) -> list[int]:
    """Vigna's SplitMix64 (reference: splitmix64.c), Python integers."""
    out, mask = [], (1 << 64) - 1
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append(z ^ (z >> 31))
    return out


def test_uniforms_are_splitmix64_bits():
    # the published first output of SplitMix64 seeded with 1234567
    assert _splitmix(1234567, 1) == [6457827717110365317]
    assert _rng._splitmix_start(1234567) == 6457827717110365317
    u, v = _rng._uniform_pairs(77, 5)
    for z, a, b in zip(_splitmix(_rng._splitmix_start(77), 5), u, v):
        assert a == np.float32((z >> 40) * 2.0**-24) and b == np.float32(((z >> 16) & 0xFFFFFF) * 2.0**-24)


@numba_only
def test_compiled_and_numpy_uniforms_are_the_same_bits(monkeypatch):
    for seed, h in ((0, 1), (1, 7), (2**32 - 1, 8000), (12345, 8001)):
        fast = _rng._uniform_pairs(seed, h)
        monkeypatch.setenv("AUDIOFEAT_NUMBA", "0")
        slow = _rng._uniform_pairs(seed, h)
        monkeypatch.delenv("AUDIOFEAT_NUMBA")
        np.testing.assert_array_equal(fast[0], slow[0])
        np.testing.assert_array_equal(fast[1], slow[1])
        assert fast[0].dtype == np.float32 and 0 <= fast[0].min() and fast[0].max() < 1


def test_neighbouring_seeds_give_unrelated_noise():
    x = seeded_normal(np.arange(40), 20_000, np.float32).astype(np.float64)
    c = np.corrcoef(x)
    off = c[~np.eye(40, dtype=bool)]
    assert np.abs(off).max() < 5 / math.sqrt(20_000)


# --------------------------------------------------------------------------------------------------
# one signal through add_noise, resample, check_audio
# --------------------------------------------------------------------------------------------------
def _general_add_noise(y, n, snr):
    # a two-row batch (the same row twice) with per-row SNRs takes the general path
    axes = tuple(range(1, y.ndim + 1))
    return noise.add_noise(np.stack([y, y]), np.stack([n, n]), np.array([snr, snr]), axis=axes,
                           silent_noise="keep")[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(16000,), (1, 4000), (1, 1, 5)])
def test_add_noise_of_one_signal_equals_the_general_path(dtype, shape):
    rng = np.random.default_rng(5)
    for scale, nscale, snr in [(1.0, 1.0, 10.0), (1e-20, 1.0, -20.0), (1e20, 1e-25, 300.0), (0.0, 1.0, 3.0),
                               (1.0, 0.0, 3.0), (1.0, 1.0, -400.0)]:
        y = (rng.standard_normal(shape) * scale).astype(dtype)
        n = (rng.standard_normal(shape) * nscale).astype(dtype)
        axis = None if len(shape) == 1 else tuple(range(1, len(shape)))
        with np.errstate(all="ignore"):
            got = noise.add_noise(y, n, snr, axis=axis, silent_noise="keep")
            want = _general_add_noise(y, n, snr)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_add_noise_of_one_signal_keeps_its_errors():
    with pytest.raises(ParameterError, match="silent"):
        noise.add_noise(np.ones(5), np.zeros(5), 3.0)
    with pytest.raises(ParameterError, match="finite"):
        noise.add_noise(np.ones(5), np.ones(5), np.nan)
    with pytest.raises(ParameterError, match="more axes"):
        noise.add_noise(np.ones(5), np.ones(5), np.array([[3.0]]))
    mix = noise.add_noise(np.ones(4000), np.random.default_rng(0).standard_normal(4000), 12.5)
    assert abs(audiofeat.snr(np.ones(4000), mix) - 12.5) < 1e-9


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [False, True])
def test_resample_of_one_signal_equals_the_batch_path(dtype, scale):
    rng = np.random.default_rng(6)
    for n in (1, 7, 1000, 16001):
        for orig, target in ((16000, 22050), (20160.0, 16000.0), (16000 / 0.87, 16000), (44100, 8000)):
            y = rng.standard_normal(n).astype(dtype)
            got = resampling.resample(y, orig, target, scale=scale)
            want = resampling.resample(y[None], orig, target, scale=scale)[0]
            assert got.dtype == want.dtype == dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)


def test_check_audio_plain_arrays_keep_every_error():
    y = np.zeros(8, np.float32)
    assert _checks.check_audio(y) is y
    for bad, match in ((np.array([0.0, np.nan]), "not finite"), (np.array([np.inf], np.float32), "not finite"),
                       (np.array(1.0), "at least one dimension"), (np.zeros(3, np.int16), "floating-point"),
                       (np.zeros(3, np.complex64), "complex")):
        with pytest.raises(ParameterError, match=match):
            _checks.check_audio(bad)
    assert _checks.check_audio(np.array([np.nan]), finite=False).shape == (1,)
    assert _checks.check_audio(np.zeros(3, np.float16)).dtype == np.float32
