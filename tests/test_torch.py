"""The torch path: same numbers as numpy, batched, on the input's device, differentiable."""

from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af
from conftest import random_signal, rel_err

torch = pytest.importorskip("torch", reason="torch path tests need torch: pip install 'audiofeat[torch]'")

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
SPEECH = dict(sr=16000, n_fft=512, hop_length=160, n_mels=80)


def _ops():
    return {
        "stft": lambda y: af.stft(y, n_fft=512, hop_length=160),
        "stft-reflect": lambda y: af.stft(y, n_fft=400, hop_length=100, pad_mode="reflect"),
        "stft-nocenter-winlen": lambda y: af.stft(y, n_fft=512, win_length=400, hop_length=160, center=False),
        "melspectrogram": lambda y: af.melspectrogram(y=y, **SPEECH),
        "melspectrogram-defaults": lambda y: af.melspectrogram(y=y),
        "melspectrogram-power1-htk": lambda y: af.melspectrogram(y=y, power=1.0, htk=True, n_mels=40),
        "mfcc": lambda y: af.mfcc(y=y, n_mfcc=13, **SPEECH),
        "mfcc-lifter": lambda y: af.mfcc(y=y, lifter=22),
        "delta": lambda y: af.delta(af.mfcc(y=y, **SPEECH), order=2),
        "stack_memory": lambda y: af.stack_memory(af.mfcc(y=y, **SPEECH), n_steps=3),
        "power_to_db": lambda y: af.power_to_db(af.melspectrogram(y=y, **SPEECH), ref=1e-3, top_db=70.0),
        "istft": lambda y: af.istft(af.stft(y, n_fft=512), n_fft=512, length=y.shape[-1]),
        "frame": lambda y: af.frame(y, frame_length=400, hop_length=160),
    }


OPS = _ops()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(OPS))
def test_numpy_and_torch_agree(name, device):
    y = random_signal(16000, seed=20)
    expected = OPS[name](y)
    got = OPS[name](torch.from_numpy(y).to(device))
    assert torch.is_tensor(got) and got.device.type == device
    assert str(got.dtype).split(".")[-1] == str(expected.dtype)
    assert rel_err(got, expected) <= 1e-5


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(OPS))
def test_batch_equals_loop(name, backend):
    batch = np.stack([random_signal(12000, seed=s) * (10.0 ** -s) for s in range(3)])  # different levels
    batch = np.stack([batch, batch[::-1]])  # (2, 3, n): two leading axes
    if backend == "torch":
        batch = torch.from_numpy(batch)
    out = OPS[name](batch)
    for i in range(2):
        for j in range(3):
            assert rel_err(out[i, j], OPS[name](batch[i, j])) <= 1e-6


def test_float64_stays_float64():
    y = torch.from_numpy(random_signal(8000, seed=21, dtype=np.float64))
    assert af.stft(y).dtype == torch.complex128
    assert af.melspectrogram(y=y).dtype == torch.float64
    assert af.mfcc(y=y).dtype == torch.float64
    assert af.melspectrogram(y=y.float()).dtype == torch.float32
    assert af.melspectrogram(y=y.half()).dtype == torch.float32  # half precision is computed in float32


def test_gradcheck_mfcc_chain():
    y = torch.randn(2, 1200, dtype=torch.float64, requires_grad=True)

    def chain(x):
        return af.mfcc(y=x, sr=8000, n_fft=256, hop_length=64, n_mels=20, n_mfcc=8)

    assert torch.autograd.gradcheck(chain, (y,), eps=1e-6, atol=1e-4)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: torch.view_as_real(af.stft(x, n_fft=128, hop_length=32)),
        lambda x: af.melspectrogram(y=x, sr=8000, n_fft=128, hop_length=32, n_mels=16),
        lambda x: af.istft(af.stft(x, n_fft=128, hop_length=32), n_fft=128, hop_length=32, length=x.shape[-1]),
        lambda x: af.delta(af.melspectrogram(y=x, sr=8000, n_fft=128, hop_length=32, n_mels=8), width=5),
    ],
    ids=["stft", "melspectrogram", "istft", "delta"],
)
def test_gradcheck(fn):
    y = torch.randn(400, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (y,), eps=1e-6, atol=1e-5)


def test_gradient_of_istft_stft_is_identity():
    y = torch.randn(4000, dtype=torch.float64, requires_grad=True)
    af.istft(af.stft(y, n_fft=256), n_fft=256, length=4000).sum().backward()
    assert torch.allclose(y.grad, torch.ones_like(y), atol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
def test_nn_modules_match_functional(device):
    from audiofeat import nn as afn

    y = torch.from_numpy(np.stack([random_signal(16000, seed=s) for s in range(4)])).to(device)
    mel = afn.MelSpectrogram(**SPEECH).to(device)
    assert rel_err(mel(y), af.melspectrogram(y=y, **SPEECH)) <= 1e-6
    mfcc = afn.MFCC(n_mfcc=13, lifter=10, **SPEECH).to(device)
    assert rel_err(mfcc(y), af.mfcc(y=y.cpu().numpy(), n_mfcc=13, lifter=10, **SPEECH)) <= 1e-5
    spec = afn.Spectrogram(n_fft=512, win_length=400, hop_length=160, power=1.0).to(device)
    assert rel_err(spec(y), np.abs(af.stft(y.cpu().numpy(), n_fft=512, win_length=400, hop_length=160))) <= 1e-5
    complex_spec = afn.Spectrogram(n_fft=512, hop_length=160, power=None)(y.cpu())
    assert complex_spec.is_complex()
    assert {"window", "mel_basis"} <= set(mel.state_dict())
    assert {"dct_basis"} <= set(mfcc.state_dict())


def test_nn_module_trains():
    from audiofeat import nn as afn

    torch.manual_seed(0)
    frontend = afn.MFCC(sr=8000, n_mfcc=10, n_fft=256, hop_length=128, n_mels=20)
    waveform = torch.nn.Parameter(torch.randn(1, 4000) * 0.1)
    loss = frontend(waveform).pow(2).mean()
    loss.backward()
    assert waveform.grad is not None and torch.isfinite(waveform.grad).all() and waveform.grad.abs().sum() > 0


@pytest.mark.parametrize("requires_grad", [False, True])
def test_torch_cpu_blocked_path_matches_numpy(requires_grad):
    # Inputs whose frames exceed 4 MiB run item by item in blocks on CPU (with or without a graph).
    y = np.stack([random_signal(60000, seed=s) for s in range(6)])  # 6 x 469 frames x 2048 x 4 B = 23 MiB
    yt = torch.from_numpy(y).requires_grad_(requires_grad)
    assert rel_err(af.melspectrogram(y=yt), af.melspectrogram(y=y)) <= 1e-5
    assert rel_err(af.stft(yt), af.stft(y)) <= 1e-5
    if requires_grad:
        af.mfcc(y=yt).sum().backward()
        assert yt.grad is not None and torch.isfinite(yt.grad).all()


@pytest.mark.parametrize("device", DEVICES)
def test_compiled_with_inductor_equals_eager(device):
    """What users run: torch.compile's default backend (inductor: C++ on CPU, Triton kernels on CUDA).

    Regression: every cached constant (window, mel basis, DCT) entered the graph under one source name, and
    inductor refused the graph ("source ConstantSource(...) already in seen_sources") for any feature with
    two constants; the registry's compile tests use aot_eager, which does not check this."""
    from audiofeat import nn as afn

    y = torch.from_numpy(np.stack([random_signal(16000, seed=s) for s in range(4)])).to(device)
    torch._dynamo.reset()
    for name in ("melspectrogram", "mfcc", "power_to_db"):
        fn = OPS[name]
        assert rel_err(torch.compile(fn, fullgraph=True)(y), fn(y)) <= 1e-5, name

    def two_windows(y):  # the same builder twice, with other arguments, in one graph
        return af.stft(y, n_fft=512).abs().mean(-1) + af.stft(y, n_fft=256, hop_length=128).abs().mean(-1).sum(-1,
                                                                                                              True)

    assert rel_err(torch.compile(two_windows, fullgraph=True)(y), two_windows(y)) <= 1e-5
    module = afn.MFCC(n_mfcc=13, **SPEECH).to(device)
    assert rel_err(torch.compile(module)(y), module(y)) <= 1e-5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_gradient_flows():
    y = torch.from_numpy(random_signal(8000, seed=3)).cuda().requires_grad_(True)
    af.mfcc(y=y, n_mfcc=13, **SPEECH).pow(2).mean().backward()
    assert y.grad.device.type == "cuda" and torch.isfinite(y.grad).all() and y.grad.abs().sum() > 0
