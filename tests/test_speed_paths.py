"""Regression tests for the numpy fast paths of the augmentation speed work (issue 7), which landed without
tests of their own: ``_ops.frames``/``_ops.pad`` (as_strided view, preallocated constant pad), float32
white noise by Box-Muller (``seeded_normal``), istft's one-sided float64 redo of ill-conditioned ends, the
short ``time_stretch`` path and resampling's ``_fix_length``. Each test pins what the fast path claims to
keep: the reference operation's values, the caller's array untouched, a Gaussian distribution, float64
accuracy at the ends, bit-identity with the general path."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import audiofeat
from audiofeat import _ops
from audiofeat.augment import seeded_normal


# --------------------------------------------------------------------------------------------------
# frames / pad on every memory layout
# --------------------------------------------------------------------------------------------------
def _layouts():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((3, 4001)).astype(np.float32)
    fortran = np.asfortranarray(rng.standard_normal((2, 3, 3001)))
    readonly = base[1].copy()
    readonly.flags.writeable = False
    return {
        "contiguous": base[0].copy(),
        "reversed": base[0][::-1],
        "strided": base[1][::3],
        "fortran": fortran,
        "fortran_slice": fortran[:, 1, :],
        "readonly": readonly,
        "float16": base[2].astype(np.float16),
        "batch": base,
        "broadcast": np.broadcast_to(base[0], (2, 4001)),
        "reversed_batch": base.astype(np.float64)[::-1, ::-2],
        "empty_batch": np.zeros((0, 700), np.float32),
    }


@pytest.mark.parametrize("name", list(_layouts()))
@pytest.mark.parametrize("frame_length,hop", [(512, 128), (511, 100), (64, 64), (700, 1), (300, 1000)])
def test_frames_equals_sliding_window_view_on_every_layout(name, frame_length, hop):
    x = _layouts()[name]
    ref = np.lib.stride_tricks.sliding_window_view(x, frame_length, axis=-1)[..., ::hop, :]
    out = _ops.frames(x, frame_length, hop)
    assert out.shape == ref.shape and out.dtype == ref.dtype
    np.testing.assert_array_equal(out, ref)
    assert not out.flags.writeable  # a view of the caller's array: never writable
    if out.size:
        assert np.shares_memory(out, x)


@pytest.mark.parametrize("name", list(_layouts()))
@pytest.mark.parametrize("left,right,value", [(256, 256, 0.0), (0, 17, 0.0), (5, 0, 0.5), (1, 1, -2.0)])
def test_constant_pad_equals_np_pad_and_copies(name, left, right, value):
    x = _layouts()[name]
    before = np.array(x, copy=True)
    ref = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(left, right)], constant_values=value)
    out = _ops.pad(x, left, right, value=value)
    assert out.shape == ref.shape and out.dtype == ref.dtype
    np.testing.assert_array_equal(out, ref)
    assert not np.shares_memory(out, x)
    out[...] = 7  # a fresh array: writing to it leaves the caller's untouched
    np.testing.assert_array_equal(x, before)


def test_frame_based_features_leave_odd_layouts_untouched_and_equal_contiguous_input():
    layouts = _layouts()
    feats = {
        "rms": lambda y: audiofeat.feature.rms(y=y),
        "zcr": lambda y: audiofeat.feature.zero_crossing_rate(y),
        "stft": lambda y: audiofeat.stft(y, n_fft=512),
        "stft_nc": lambda y: audiofeat.stft(y, n_fft=511, hop_length=77, center=False),
        "mfcc": lambda y: audiofeat.feature.mfcc(y=y, sr=22050, n_fft=512),
        "yin": lambda y: audiofeat.yin(y, fmin=100, fmax=1000, sr=22050, frame_length=1024),
    }
    for name in ("reversed", "strided", "fortran_slice", "readonly", "broadcast", "reversed_batch"):
        x = layouts[name]
        before = np.array(x, copy=True)
        for fname, f in feats.items():
            got = f(x)
            ref = f(np.ascontiguousarray(x))
            np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6, err_msg=f"{name} {fname}")
            np.testing.assert_array_equal(x, before, err_msg=f"{fname} wrote into {name}")


def test_pad_and_frames_from_threads_do_not_share_buffers():
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(5000).astype(np.float32) for _ in range(8)]
    ref = [audiofeat.stft(x, n_fft=512) for x in xs]
    out = [None] * 8
    errors = []

    def work(i):
        try:
            for _ in range(20):
                S = audiofeat.stft(xs[i], n_fft=512)
                if not np.array_equal(S, ref[i]):
                    errors.append(i)
            out[i] = S
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


# --------------------------------------------------------------------------------------------------
# float32 white noise (Box-Muller)
# --------------------------------------------------------------------------------------------------
def test_float32_seeded_normal_is_standard_normal():
    stats = pytest.importorskip("scipy.stats", reason="scipy gives the normal's tail probabilities")
    x = seeded_normal(np.arange(20), 100_001, np.float32).astype(np.float64)  # odd n: a dropped sine
    flat = x.ravel()
    n = flat.size
    assert abs(flat.mean()) < 5 / math.sqrt(n)
    assert abs(flat.std() - 1) < 5 * math.sqrt(0.5 / n)
    assert abs(stats.skew(flat)) < 5 * math.sqrt(6 / n)
    assert abs(stats.kurtosis(flat)) < 5 * math.sqrt(24 / n)  # excess kurtosis 0
    for k in (1.0, 2.0, 3.0, 4.0):
        p = 2 * stats.norm.sf(k)
        assert abs((np.abs(flat) > k).mean() - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-7, k
    assert stats.kstest(flat[:500_000], "norm").pvalue > 1e-4
    assert np.abs(flat).max() < 5.8  # the documented cap of 24-bit uniforms
    # the cosine and sine halves share radii: they must still be uncorrelated, also in their squares
    h = (x.shape[1] + 1) // 2
    a, b = x[:, : x.shape[1] - h], x[:, h:]
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 5 / math.sqrt(a.size)
    assert abs(np.corrcoef(a.ravel() ** 2, b.ravel() ** 2)[0, 1]) < 5 / math.sqrt(a.size)
    # neighbouring samples uncorrelated
    assert abs(np.corrcoef(flat[:-1], flat[1:])[0, 1]) < 5 / math.sqrt(n)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_seeded_normal_rows_depend_only_on_their_seed(dtype):
    a = seeded_normal([3, 9, 27], 1001, dtype)
    b = seeded_normal([27, 3], 1001, dtype)
    assert a.dtype == dtype
    np.testing.assert_array_equal(a[2], b[0])
    np.testing.assert_array_equal(a[0], b[1])
    assert seeded_normal([1], 0, dtype).shape == (1, 0)
    one = seeded_normal([5], 1, dtype)
    assert one.shape == (1, 1) and np.isfinite(one).all()


def test_float32_colored_noise_numpy_equals_torch_batch_item():
    torch = pytest.importorskip("torch", reason="torch backend")
    from audiofeat.augment import colored_noise

    n = colored_noise((3001,), 0.0, 11, like=np.zeros(1, np.float32))
    batch = colored_noise((2, 3001), np.array([1.0, 0.0]), np.array([4, 11]), like=torch.zeros(1))
    assert n.dtype == np.float32 and batch.dtype == torch.float32
    np.testing.assert_allclose(batch[1].numpy(), n, rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------------------------------
# istft: the float64 redo of each ill-conditioned end
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("window", ["hann", "hamming", ("kaiser", 8.0)])
@pytest.mark.parametrize("n_fft,hop,win_length", [(512, 256, None), (512, 128, None), (511, 200, 301),
                                                  (400, 160, None)])
@pytest.mark.parametrize("center", [True, False])
def test_float32_istft_keeps_float64_accuracy_at_each_end(window, n_fft, hop, win_length, center):
    # the float32 inverse of a complex64 STFT must match the float64 inverse of the same numbers at both
    # ends, whichever end (or both) is ill-conditioned: lengths that end just past a frame centre, a tail
    # past every frame (center=False), and lengths shorter and longer than the frames give
    rng = np.random.default_rng(2)
    for n in (4000, 4000 + n_fft // 2 + 1, 4000 + hop - 1, 4000 + hop // 2 + 1):
        y = rng.standard_normal((2, n))
        D = audiofeat.stft(y, n_fft=n_fft, hop_length=hop, win_length=win_length, window=window,
                           center=center).astype(np.complex64)
        for length in (None, n, n - hop // 2 - 1, n + hop):
            kw = dict(n_fft=n_fft, hop_length=hop, win_length=win_length, window=window, center=center,
                      length=length)
            y32 = audiofeat.istft(D, **kw)
            y64 = audiofeat.istft(D.astype(np.complex128), **kw)
            assert y32.dtype == np.float32
            err = np.abs(y32 - y64)
            scale = np.abs(y64).max()
            for end in (err[..., :n_fft], err[..., -n_fft:]):
                assert end.max() <= 2e-5 * scale, (n, length, end.max(), scale)


# --------------------------------------------------------------------------------------------------
# time_stretch: the short numpy path is the general path
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [{}, dict(n_fft=512, hop_length=128), dict(n_fft=300, hop_length=75, window="hamming"),
                                dict(n_fft=512, win_length=400, center=False), dict(n_fft=256, pad_mode="reflect")])
@pytest.mark.parametrize("rate", [0.5, 0.83, 1.0, 1.3, 3.0])
@pytest.mark.parametrize("compiled", [False, True])
def test_short_time_stretch_equals_stft_vocoder_istft(dtype, kw, rate, compiled, monkeypatch):
    """The numpy short path is the general path's arithmetic (bit for bit); with the compiled kernels
    (audiofeat/_kernels.py) the same up to float rounding."""
    from audiofeat import phase

    if compiled:
        pytest.importorskip("numba", reason="the compiled kernels need numba")
        monkeypatch.delenv("AUDIOFEAT_NUMBA", raising=False)
    else:
        monkeypatch.setenv("AUDIOFEAT_NUMBA", "0")
    rng = np.random.default_rng(3)
    for shape in ((8000,), (2, 3, 3001)):
        y = rng.standard_normal(shape).astype(dtype)
        fast = phase._time_stretch_short_numpy(y, rate, **kw)
        if fast is None:
            continue  # not a short-path case (the general path is then taken)
        D = audiofeat.stft(y, **kw)
        Ds = audiofeat.phase_vocoder(D, rate=rate, hop_length=kw.get("hop_length"), n_fft=kw.get("n_fft"))
        ikw = {k: v for k, v in kw.items() if k != "pad_mode"}
        ref = audiofeat.istft(Ds, dtype=y.dtype, length=int(round(shape[-1] / rate)), **ikw)
        assert fast.dtype == ref.dtype and fast.shape == ref.shape
        if compiled:
            tol = (2e-5 if dtype == np.float32 else 1e-11) * np.abs(ref).max()
            np.testing.assert_allclose(fast, ref, rtol=0, atol=tol)
        else:
            np.testing.assert_array_equal(fast, ref)
        np.testing.assert_array_equal(audiofeat.effects.time_stretch(y, rate=rate, **kw), fast)


def test_short_time_stretch_matches_librosa_and_ground_truth():
    librosa = pytest.importorskip("librosa", reason="librosa parity")
    sr = 16000
    y = np.sin(2 * np.pi * 220 * np.arange(sr) / sr)
    for rate in (0.7, 1.25):
        got = audiofeat.effects.time_stretch(y, rate=rate)
        ref = librosa.effects.time_stretch(y, rate=rate)
        assert got.shape == ref.shape == (int(round(sr / rate)),)
        np.testing.assert_allclose(got, ref, atol=1e-8)
        seg = got[2000:-2000] * np.hanning(got.shape[-1] - 4000)
        f = np.argmax(np.abs(np.fft.rfft(seg, n=1 << 20))) * sr / (1 << 20)
        assert abs(1200 * math.log2(f / 220)) < 20  # the pitch is kept


# --------------------------------------------------------------------------------------------------
# resampling's zero-padding fix_length
# --------------------------------------------------------------------------------------------------
def test_fix_length_zero_pad_equals_np_pad():
    from audiofeat.resampling import _fix_length

    x = np.random.default_rng(4).standard_normal((2, 3, 10)).astype(np.float32)[..., ::-1]
    for kwargs in ({}, {"mode": "constant"}):
        out = _fix_length(x, 15, **dict(kwargs))
        np.testing.assert_array_equal(out, np.pad(x, [(0, 0), (0, 0), (0, 5)]))
        assert out.dtype == x.dtype
    np.testing.assert_array_equal(_fix_length(x, 13, mode="edge"), np.pad(x, [(0, 0), (0, 0), (0, 3)], mode="edge"))
    assert _fix_length(x, 4).shape == (2, 3, 4)


def test_frames_and_pad_refuse_what_numpy_refuses():
    # the fast paths must keep numpy's errors: a 0-d array cannot be framed (the fast path read its last
    # axis first: a bare IndexError), and negative pad widths are refused (the preallocated constant pad
    # silently returned [0, 0] for a length-1 signal padded by (-1, 2), where np.pad raises)
    with pytest.raises(ValueError):
        _ops.frames(np.array(1.0), 1, 1)
    for x in (np.ones(1), np.ones(3)):
        with pytest.raises(ValueError):
            _ops.pad(x, -1, 2)
        with pytest.raises(ValueError):
            _ops.pad(x, 2, -1, mode="reflect")
    torch = pytest.importorskip("torch", reason="torch backend")
    with pytest.raises(ValueError):
        _ops.pad(torch.ones(3), -1, 2)  # torch's pad would crop instead


# even_spans: tests/test_review18.py test_even_spans_hold_their_docstring_for_every_n
