"""Seam sweep of the blocked numpy paths (session 18 fuzz): frame counts either side of the block sizes of
``map_frame_blocks`` (``block_frames``), the istft overlap-add blocks, the fused time_stretch blocks and the
``even_spans`` of yin/griffinlim, on 1 and 3 threads, against librosa (float64) and audiofeat's own 1-thread
result. A seam bug shows as an error far above rounding at one length; these lengths are the ones the sweep
found clean, kept so a regression at a seam fails here."""
from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af
from audiofeat._parallel import block_frames

librosa = pytest.importorskip("librosa", reason="compares against librosa at runtime")

SR, HOP, NFFT = 22050, 512, 2048


@pytest.fixture
def threads():
    old = af.get_num_threads()
    yield
    af.set_num_threads(old)


def _sig(n, dtype, batch=False):
    rng = np.random.default_rng(n)
    t = np.arange(n) / SR
    y = 0.3 * rng.standard_normal(n) + 0.3 * np.sin(2 * np.pi * 440 * t)
    if batch:
        y = np.stack([y, 0.7 * y[::-1]])
    return y.astype(dtype)


def _n(frames, center):
    return (frames - 1) * HOP + ((frames * 37) % HOP if center else NFFT)


def _rel(a, b):
    return np.max(np.abs(np.asarray(a, dtype=np.complex128) - b)) / np.max(np.abs(b))


def _seam_frames(dtype, ks=(4, 5)):
    # the segmented centred path starts its body at frame 2, so seams sit at k*B + 2
    b = block_frames(NFFT, np.dtype(dtype).itemsize)
    return [k * b + d for k in ks for d in (-1, 0, 2, 3)]


CALLS = {
    "stft": lambda m, y, c: m.stft(y, center=c),
    "istft": lambda m, y, c: m.istft(m.stft(y, center=c), center=c, length=y.shape[-1] if c else None),
    "melspectrogram": lambda m, y, c: m.feature.melspectrogram(y=y, sr=SR, center=c),
    "spectral_centroid": lambda m, y, c: m.feature.spectral_centroid(y=y, sr=SR, center=c),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frame_block_seams(name, dtype, threads):
    f = CALLS[name]
    tol = 2e-6 if dtype == np.float32 else 1e-12
    for center in (True, False):
        for frames in _seam_frames(dtype):
            y = _sig(_n(frames, center), dtype, batch=True)
            af.set_num_threads(1)
            one = f(af, y, center)
            af.set_num_threads(3)
            three = f(af, y, center)
            np.testing.assert_array_equal(three, one)
            ref = f(librosa, y.astype(np.float64), center)
            if name == "istft" and not center:
                # the ill-conditioned ends of a non-centred istft: compare the interior only
                three, ref = three[..., NFFT:-NFFT], ref[..., NFFT:-NFFT]
            assert _rel(three, ref) < tol, (name, center, frames)


@pytest.mark.parametrize("frames", [255, 256, 257, 258, 385, 513, 769])
def test_yin_spans(frames, threads):
    y = _sig(_n(frames, True), np.float64)
    ref = librosa.yin(y, fmin=80, fmax=800, sr=SR)
    for t in (1, 2, 3):
        af.set_num_threads(t)
        np.testing.assert_allclose(af.yin(y, fmin=80, fmax=800, sr=SR), ref, rtol=1e-10)


@pytest.mark.parametrize("frames", [63, 64, 65, 128, 129, 191, 385])
def test_griffinlim_spans(frames, threads):
    y = _sig(_n(frames, True), np.float64)
    S = np.abs(librosa.stft(y))
    ref = librosa.griffinlim(S, n_iter=4, init=None)
    outs = []
    for t in (1, 2, 3):
        af.set_num_threads(t)
        outs.append(af.griffinlim(S, n_iter=4, init=None))
        assert _rel(outs[-1], ref) < 1e-10
    np.testing.assert_array_equal(outs[1], outs[0])
    np.testing.assert_array_equal(outs[2], outs[0])


@pytest.mark.parametrize("rate", [0.8, 1.25, 2.0])
def test_time_stretch_fused_block_seams(rate, threads):
    per_block = max(8, int(block_frames(NFFT, 4) / 4 / max(rate, 1.0)))
    for n_out in (7 * per_block - 1, 7 * per_block, 7 * per_block + 1, 9 * per_block):
        frames = max(192, int(n_out * rate))
        y = _sig(_n(frames, True), np.float32)
        af.set_num_threads(1)
        one = af.effects.time_stretch(y, rate=rate)
        af.set_num_threads(3)
        three = af.effects.time_stretch(y, rate=rate)
        np.testing.assert_array_equal(three, one)
        ref = librosa.effects.time_stretch(y.astype(np.float64), rate=rate)
        assert _rel(three, ref) < 1e-4, (rate, frames)
