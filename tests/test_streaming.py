"""audiofeat.streaming: chunk-by-chunk front-ends equal the offline functions for any chunking.

What each test proves: the concatenated outputs of ``process`` (+ ``flush``) equal the offline function with
``center=False`` and ``center=True`` (every pad mode) for chunk sizes 1, 7, 160, 1000 and random sizes
(hypothesis), on numpy and torch, float32 and float64, real speech and noise, with batch axes; the stated
``latency`` is exactly when a frame comes out; the state stays bounded and never aliases a caller's chunk;
misuse raises typed errors.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import audiofeat
from audiofeat import streaming
from audiofeat.errors import BackendError, ParameterError

from conftest import SAMPLES, rel_err

SR = 16000


@pytest.fixture(scope="module")
def speech():
    y, _ = audiofeat.load(SAMPLES / "speech.wav", sr=SR)
    return np.ascontiguousarray(y[8000:12000], dtype=np.float64)  # 0.25 s of voiced speech


def run(frontend, y, sizes):
    """Feed ``y`` in chunks of the given sizes (cycled), then flush; concatenate."""
    outs, pos, i = [], 0, 0
    n = y.shape[-1]
    while pos < n:
        size = sizes[i % len(sizes)]
        outs.append(frontend.process(y[..., pos:pos + size]))
        pos, i = pos + size, i + 1
    outs.append(frontend.flush())
    xp = np if isinstance(y, np.ndarray) else __import__("torch")
    return xp.concatenate(outs, -1) if xp is np else xp.cat(outs, -1)


# offline references --------------------------------------------------------------------------------
def ref_stft(y, **kw):
    return audiofeat.stft(y, n_fft=400, hop_length=160, **kw)


def ref_mel(y, log=False, deltas=0, **kw):
    S = audiofeat.melspectrogram(y=y, sr=SR, n_fft=400, hop_length=160, n_mels=40, **kw)
    if log:
        S = audiofeat.power_to_db(S, top_db=None)
    return with_deltas(S, deltas)


def ref_mfcc(y, deltas=0, **kw):
    S = audiofeat.power_to_db(audiofeat.melspectrogram(y=y, sr=SR, n_fft=400, hop_length=160, n_mels=40, **kw),
                              top_db=None)
    return with_deltas(audiofeat.mfcc(S=S, n_mfcc=13), deltas)


def with_deltas(F, deltas, width=9):
    parts = [F] + [audiofeat.delta(F, width=width, order=o) for o in range(1, deltas + 1)]
    if isinstance(F, np.ndarray):
        return np.concatenate(parts, axis=-2)
    import torch

    return torch.cat(parts, dim=-2)


FRONTENDS = {
    "stft": (lambda **kw: streaming.STFT(n_fft=400, hop_length=160, **kw), ref_stft),
    "mel": (lambda **kw: streaming.MelSpectrogram(sr=SR, n_fft=400, hop_length=160, n_mels=40, **kw), ref_mel),
    "logmel_d1": (lambda **kw: streaming.MelSpectrogram(sr=SR, n_fft=400, hop_length=160, n_mels=40, log=True,
                                                       deltas=1, **kw),
                  lambda y, **kw: ref_mel(y, log=True, deltas=1, **kw)),
    "mfcc_d2": (lambda **kw: streaming.MFCC(sr=SR, n_mfcc=13, n_fft=400, hop_length=160, n_mels=40, deltas=2, **kw),
                lambda y, **kw: ref_mfcc(y, deltas=2, **kw)),
}


@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("chunk", [1, 7, 160, 1000])
@pytest.mark.parametrize("name", sorted(FRONTENDS))
def test_numpy_chunks_equal_offline(speech, name, chunk, center):
    make, ref = FRONTENDS[name]
    y = speech if chunk > 1 else speech[:2400]
    got = run(make(center=center), y, [chunk])
    expected = ref(y, center=center)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert rel_err(got, expected) < 1e-9


@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("chunk", [7, 160, 1000])
@pytest.mark.parametrize("name", sorted(FRONTENDS))
def test_torch_chunks_equal_offline(speech, torch, name, chunk, center):
    make, ref = FRONTENDS[name]
    y = torch.from_numpy(speech.astype(np.float32))
    got = run(make(center=center), y, [chunk])
    expected = ref(y, center=center)
    assert isinstance(got, torch.Tensor) and got.dtype == expected.dtype and got.shape == expected.shape
    assert rel_err(got, expected) < 1e-5
    assert rel_err(got, ref(speech, center=center)) < 1e-4  # and the numpy float64 result


@pytest.mark.parametrize("pad_mode", ["constant", "edge", "reflect", "symmetric", "linear_ramp"])
@pytest.mark.parametrize("chunk", [1, 100, 1000])
def test_center_pad_modes(speech, pad_mode, chunk):
    y = speech[:1500]
    got = run(streaming.MelSpectrogram(sr=SR, n_fft=400, hop_length=160, n_mels=40, pad_mode=pad_mode), y, [chunk])
    assert rel_err(got, ref_mel(y, pad_mode=pad_mode)) < 1e-9


@pytest.mark.parametrize("pad_mode", ["edge", "reflect"])
def test_center_pad_modes_torch(speech, torch, pad_mode):
    y = torch.from_numpy(speech[:3000])
    got = run(streaming.STFT(n_fft=400, hop_length=160, pad_mode=pad_mode), y, [7, 300, 1])
    assert rel_err(got, ref_stft(y, pad_mode=pad_mode)) < 1e-9


@pytest.mark.parametrize("n", [1, 150, 201, 399])
def test_short_streams_with_center(n):
    """Streams shorter than the window (and than the reflection needs) pad as the offline call does."""
    y = np.random.default_rng(n).standard_normal(n)
    for mode in ("constant", "reflect", "edge"):
        got = run(streaming.STFT(n_fft=400, hop_length=160, pad_mode=mode), y, [3])
        with pytest.warns(UserWarning, match="too large"):
            expected = ref_stft(y, pad_mode=mode)
        assert rel_err(got, expected) < 1e-12


def test_hop_larger_than_window_and_short_window():
    y = np.random.default_rng(1).standard_normal(3000)
    for center in (False, True):
        got = run(streaming.STFT(n_fft=64, hop_length=100, center=center), y, [7, 33])
        assert rel_err(got, audiofeat.stft(y, n_fft=64, hop_length=100, center=center)) < 1e-12
        got = run(streaming.STFT(n_fft=256, hop_length=50, win_length=100, window="hamming", center=center), y, [41])
        expected = audiofeat.stft(y, n_fft=256, hop_length=50, win_length=100, window="hamming", center=center)
        assert rel_err(got, expected) < 1e-12


def test_batch_axes_and_float32(speech):
    y = np.stack([speech, speech[::-1], 0.5 * speech]).reshape(3, 1, -1).astype(np.float32)
    got = run(streaming.MFCC(sr=SR, n_mfcc=13, n_fft=400, hop_length=160, n_mels=40, deltas=1), y, [160, 333])
    expected = ref_mfcc(y, deltas=1)
    assert got.shape == (3, 1, 26, 26) and got.dtype == np.float32
    assert rel_err(got, expected) < 1e-5


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(0, 700), min_size=1, max_size=12), center=st.booleans(),
       n_fft=st.sampled_from([64, 256, 400]), hop=st.sampled_from([16, 100, 160]),
       deltas=st.integers(0, 2), n=st.integers(1500, 4000))
def test_random_chunkings_equal_offline(sizes, center, n_fft, hop, deltas, n):
    if sum(sizes) == 0:
        sizes = sizes + [1]
    y = np.random.default_rng(n).standard_normal(n)
    kw = dict(sr=SR, n_fft=n_fft, hop_length=hop, n_mels=20, center=center)
    S = audiofeat.power_to_db(audiofeat.melspectrogram(y=y, **kw), top_db=None)
    try:
        want = with_deltas(audiofeat.mfcc(S=S, n_mfcc=8), deltas)
    except ParameterError:  # fewer frames than delta_width (1500 samples, hop 160, no centring): both refuse
        with pytest.raises(ParameterError, match="delta_width"):
            run(streaming.MFCC(n_mfcc=8, deltas=deltas, **kw), y, sizes)
    else:
        assert rel_err(run(streaming.MFCC(n_mfcc=8, deltas=deltas, **kw), y, sizes), want) < 1e-9
    got = run(streaming.STFT(n_fft=n_fft, hop_length=hop, center=center), y, sizes)
    assert rel_err(got, audiofeat.stft(y, n_fft=n_fft, hop_length=hop, center=center)) < 1e-12


@settings(max_examples=10, deadline=None)
@given(sizes=st.lists(st.integers(1, 900), min_size=1, max_size=8), center=st.booleans())
def test_random_chunkings_torch(sizes, center):
    torch = pytest.importorskip("torch", reason="torch path")
    y = torch.from_numpy(np.random.default_rng(len(sizes)).standard_normal(3000))
    got = run(streaming.MelSpectrogram(sr=SR, n_fft=400, hop_length=160, n_mels=40, center=center, log=True,
                                       deltas=2), y, sizes)
    assert rel_err(got, ref_mel(y, log=True, deltas=2, center=center)) < 1e-9


@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("deltas", [0, 1])
def test_latency_is_when_frames_come_out(center, deltas):
    """Sample by sample: the frame centred on sample c comes out with sample c + latency, exactly."""
    n_fft, hop = 400, 160
    fe = streaming.MelSpectrogram(sr=SR, n_fft=n_fft, hop_length=hop, n_mels=20, center=center, deltas=deltas)
    assert fe.latency == n_fft - 1 - n_fft // 2 + (4 * hop if deltas else 0)
    y = np.random.default_rng(0).standard_normal(4000)
    emitted = 0
    for i in range(len(y)):
        k = fe.process(y[i:i + 1]).shape[-1]
        for t in range(emitted, emitted + k):
            centre = t * hop + (0 if center else n_fft // 2)
            # the first delta_width // 2 frames' deltas come with the delta_width-th frame (edge fit)
            first = (9 - 1) * hop + (0 if center else n_fft // 2) + n_fft - 1 - n_fft // 2 if deltas else -1
            assert i == max(centre + fe.latency, first)
        emitted += k
    assert emitted > 10


def test_state_is_bounded_and_never_aliases_the_chunk():
    fe = streaming.MelSpectrogram(sr=SR, n_fft=400, hop_length=160, n_mels=40, deltas=2)
    rng = np.random.default_rng(0)
    y = rng.standard_normal(20000)
    chunk = np.empty(333)
    outs = []
    for s in range(0, 19980, 333):
        chunk[:] = y[s:s + 333]  # the caller refills one buffer, as an audio callback does
        outs.append(fe.process(chunk))
        assert fe._buf.shape[-1] < 400 and fe._dbuf.shape[-1] <= 9 and fe._tail.shape[-1] == 201
    outs.append(fe.flush())
    assert rel_err(np.concatenate(outs, -1), ref_mel(y[:19980], deltas=2)) < 1e-9


def test_reset_starts_a_new_stream_of_any_backend(speech, torch):
    fe = streaming.STFT(n_fft=400, hop_length=160)
    run(fe, speech, [500])
    fe.reset()
    y = torch.from_numpy(speech.astype(np.float32))
    assert rel_err(run(fe, y, [500]), ref_stft(y)) < 1e-6


def test_empty_chunks_give_empty_frames(torch):
    fe = streaming.MFCC(sr=SR, n_mfcc=13, n_fft=400, hop_length=160, n_mels=40, deltas=1)
    out = fe.process(np.zeros(0, dtype=np.float32))
    assert out.shape == (26, 0) and out.dtype == np.float32
    fe = streaming.STFT(n_fft=400, hop_length=160)
    out = fe.process(torch.zeros(2, 10, dtype=torch.float64))
    assert out.shape == (2, 201, 0) and out.dtype == torch.complex128


def test_errors(torch):
    fe = streaming.STFT(n_fft=400, hop_length=160)
    with pytest.raises(ParameterError, match="before any audio"):
        fe.flush()
    fe.process(np.zeros(500))
    with pytest.raises(BackendError, match="reset"):
        fe.process(torch.zeros(500, dtype=torch.float64))
    with pytest.raises(ParameterError, match="dtype"):
        fe.process(np.zeros(500, dtype=np.float32))
    with pytest.raises(ParameterError, match="leading shape"):
        fe.process(np.zeros((2, 500)))
    with pytest.raises(ParameterError, match="finite"):
        fe.process(np.full(10, np.nan))
    with pytest.raises(ParameterError, match="floating-point"):
        fe.process(np.zeros(10, dtype=np.int16))
    fe.flush()
    with pytest.raises(ParameterError, match="flushed"):
        fe.process(np.zeros(10))
    assert fe.flush().shape == (201, 0)
    mel = streaming.MelSpectrogram(sr=SR, n_fft=400, hop_length=160, deltas=1, center=False)
    mel.process(np.zeros(1000))
    with pytest.raises(ParameterError, match="delta_width=9 frames"):
        mel.flush()
    for bad in (dict(deltas=3), dict(delta_width=4), dict(pad_mode="wrap"), dict(n_mels_typo=3), dict(power=0),
                dict(ref=0), dict(window="nope"), dict(n_fft=0), dict(hop_length=-1), dict(win_length=4096)):
        with pytest.raises(ParameterError):
            streaming.MelSpectrogram(sr=SR, **bad)
    with pytest.raises(ParameterError):
        streaming.MFCC(sr=SR, lifter=-1)
    with pytest.raises(ParameterError):
        streaming.MFCC(sr=SR, oops=1)
    with pytest.raises(ParameterError):
        streaming.STFT(dtype=np.float32)


def test_import_is_torch_free():
    code = "import sys, audiofeat, audiofeat.streaming; print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
    assert audiofeat.streaming is streaming


def test_cuda_chunks_stay_on_the_device(speech, torch):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    y = torch.from_numpy(speech.astype(np.float32)).cuda()
    got = run(streaming.MFCC(sr=SR, n_mfcc=13, n_fft=400, hop_length=160, n_mels=40, deltas=2), y, [160, 37])
    assert got.device.type == "cuda"
    assert rel_err(got.cpu(), ref_mfcc(speech, deltas=2)) < 1e-4
