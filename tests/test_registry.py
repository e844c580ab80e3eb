"""Tests generated from the capability registry (audiofeat._registry): every public function declares what it
supports, and each declaration is checked here: parity with librosa, numpy = torch, batch = loop over items,
dtype kept, gradients, torch.compile = eager. A public function missing from the registry, or a registered
function without a case below, fails the suite, so each new function brings its row."""

from __future__ import annotations

import importlib
import inspect
import pathlib
from typing import Callable

import numpy as np
import pytest

import audiofeat as af
from audiofeat._registry import REGISTRY
from registry_support import (  # noqa: F401  (the make functions are used by cases_*.py too)
    SPEECH,
    Case,
    _features,
    _indices,
    _positive,
    _power,
    _signal,
    _stft,
    _tones,
)

CASES: dict[str, Case] = {
    "shorttime.stft": Case(_signal, lambda f, x: f(x, n_fft=512, hop_length=160)),
    "shorttime.istft": Case(_stft, lambda f, x: f(x, n_fft=256, hop_length=64, length=4000)),
    "shorttime.magphase": Case(_stft, lambda f, x: f(x)[0] + 0 * f(x)[1].real),
    "spectral.melspectrogram": Case(_signal, lambda f, x: f(y=x, n_mels=40, **SPEECH)),
    "spectral.mfcc": Case(_signal, lambda f, x: f(y=x, n_mfcc=13, n_mels=40, **SPEECH), rtol=1e-4),
    "spectral.power_to_db": Case(_power, lambda f, x: f(x, ref=1.0, top_db=None), rtol=1e-4),
    "spectral.amplitude_to_db": Case(_power, lambda f, x: f(x, top_db=None), rtol=1e-4),
    "spectral.db_to_power": Case(_features, lambda f, x: f(x)),
    "spectral.db_to_amplitude": Case(_features, lambda f, x: f(x)),
    "filters.hz_to_mel": Case(_positive, lambda f, x: f(x), float64_out=True),
    "filters.mel_to_hz": Case(_features, lambda f, x: f(x + 20.0), float64_out=True),
    "temporal.frame": Case(_signal, lambda f, x: f(x, frame_length=400, hop_length=160)),
    "temporal.delta": Case(_features, lambda f, x: f(x, order=2)),
    "temporal.stack_memory": Case(_features, lambda f, x: f(x, n_steps=3)),
    "temporal.frames_to_samples": Case(_indices, lambda f, x: f(x, hop_length=160), float_in=False),
    "temporal.samples_to_frames": Case(_indices, lambda f, x: f(x, hop_length=160), float_in=False),
    "temporal.frames_to_time": Case(_indices, lambda f, x: f(x, sr=16000, hop_length=160), float_in=False),
    "temporal.samples_to_time": Case(_indices, lambda f, x: f(x, sr=16000), float_in=False),
    "temporal.time_to_samples": Case(_positive, lambda f, x: f(x / 1000, sr=16000), float_in=False),
    "temporal.time_to_frames": Case(_positive, lambda f, x: f(x / 1000, sr=16000, hop_length=160),
                                    float_in=False),
    "phase.phase_vocoder": Case(_stft, lambda f, x: f(x, rate=1.25, hop_length=64), rtol=1e-4),
    "phase.time_stretch": Case(_signal, lambda f, x: f(x, rate=1.25, n_fft=512, hop_length=128), rtol=1e-4),
    "phase.pitch_shift": Case(_signal, lambda f, x: f(x, sr=16000, n_steps=3, n_fft=512, hop_length=128),
                              rtol=1e-4),
    "effects_impl.preemphasis": Case(_signal, lambda f, x: f(x)),
    "effects_impl.deemphasis": Case(_signal, lambda f, x: f(x)),
    "effects_impl.speed": Case(_tones, lambda f, x: f(x, rate=1.25)),
    "lufs.loudness": Case(_signal, lambda f, x: f(x, sr=16000, block_size=0.025)),
    "lufs.loudness_momentary": Case(_signal, lambda f, x: f(x[..., np.arange(4000) % x.shape[-1]], sr=8000)),
    "lufs.loudness_short_term": Case(_signal, lambda f, x: f(x[..., np.arange(24800) % x.shape[-1]], sr=8000)),
    "resampling.resample": Case(_tones, lambda f, x: f(x, orig_sr=16000, target_sr=11025), rtol=2e-3),
}

#: registered functions without an array case here, and where they are tested instead
NOT_ARRAY_OPS = {
    "shorttime.get_window": "test_parity (windows); returns numpy by design",
    "shorttime.fft_frequencies": "test_parity; numpy constants",
    "filters.mel_frequencies": "test_reference (mel conversions); numpy constants",
    "filters.mel": "test_reference (144 MATLAB filterbanks); numpy constants",
    "filters.dct": "test_parity via mfcc; numpy constants",
    "io.load": "test_io, test_io_corpus",
    "io.stream": "test_io",
    "io.info": "test_io, test_io_corpus",
    "io.save": "test_io, test_io_corpus",
}

# torch-path tolerances against the numpy path: resampling uses different filters on each backend (soxr
# and a windowed sinc), which differ most in the first and last few samples; test_io checks the agreement
# on whole band-limited signals (correlation > 0.9999)
TORCH_RTOL = {"resampling.resample": 2e-2, "phase.pitch_shift": 1e-1, "effects_impl.speed": 5e-2}


def _merge_area_cases() -> None:
    """Add the cases of each area's ``tests/cases_<area>.py`` (one file per area keeps parallel work apart)."""
    for path in sorted(pathlib.Path(__file__).parent.glob("cases_*.py")):
        module = importlib.import_module(path.stem)
        for name, table in (("CASES", CASES), ("NOT_ARRAY_OPS", NOT_ARRAY_OPS), ("TORCH_RTOL", TORCH_RTOL)):
            extra = getattr(module, name, {})
            clash = set(extra) & set(table)
            assert not clash, f"{path.name} repeats {name} keys {sorted(clash)}"
            table.update(extra)


_merge_area_cases()


def _fn(key: str) -> Callable:
    module, name = key.split(".")
    return getattr(importlib.import_module(f"audiofeat.{module}"), name)


def _librosa_fn(caps) -> Callable:
    librosa = pytest.importorskip("librosa", reason="librosa is the test oracle")
    obj = librosa
    for part in caps.librosa.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def rel(a, b) -> float:
    a = np.asarray(a.detach().cpu() if hasattr(a, "detach") else a, dtype=np.complex128)
    b = np.asarray(b.detach().cpu() if hasattr(b, "detach") else b, dtype=np.complex128)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    scale = np.abs(b).max()
    return float(np.abs(a - b).max() / (scale if scale > 0 else 1.0))


# --------------------------------------------------------------------------------------------------
# completeness: every public function is registered, and every registered function is tested
# --------------------------------------------------------------------------------------------------
def _public_functions():
    names = set()
    for module in [af] + [importlib.import_module(f"audiofeat.{ns}") for ns in
                          ("feature", "util", "core", "filters", "onset", "beat", "effects", "sequence",
                           "decompose", "segment")]:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__.startswith("audiofeat."):
                names.add(obj)
    return names


SETTINGS = {"get_num_threads", "set_num_threads", "get_fft_backend", "set_fft_backend"}


def test_every_public_function_is_registered():
    missing = sorted(f"{f.__module__}.{f.__name__}" for f in _public_functions()
                     if f.__name__ not in SETTINGS and not hasattr(f, "__audiofeat_capabilities__"))
    assert not missing, f"public functions without @capabilities: {missing}"


def test_every_registered_function_has_a_case():
    untested = sorted(set(REGISTRY) - set(CASES) - set(NOT_ARRAY_OPS))
    assert not untested, f"registered functions with no case in tests/test_registry.py or tests/cases_*.py: {untested}"
    assert not set(CASES) - set(REGISTRY), "cases for unregistered functions"


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_docstring_states_capabilities(key):
    doc = _fn(key).__doc__
    assert "Supports:" in doc
    caps = REGISTRY[key]
    if caps.librosa:
        assert caps.librosa in " ".join(doc.split())
    assert ("torch" in doc.split("Supports:")[1].split(".")[0]) == caps.torch


# --------------------------------------------------------------------------------------------------
# numpy: parity with librosa, batch = loop, dtype kept
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", sorted(k for k in CASES if REGISTRY[k].librosa))
def test_parity_with_librosa(key):
    case, caps = CASES[key], REGISTRY[key]
    x = case.make(np.random.default_rng(1), (), np.float64)
    with np.errstate(all="ignore"):
        want = case.call(_librosa_fn(caps), x)
    got = case.call(_fn(key), x)
    assert rel(got, want) <= case.rtol


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("key", sorted(k for k in CASES if REGISTRY[k].batch))
def test_batch_equals_loop(key, backend):
    case = CASES[key]
    if backend == "torch" and not REGISTRY[key].torch:
        pytest.skip("numpy only")
    batch = case.make(np.random.default_rng(2), (2, 3), np.float64 if case.float_in else None)
    if backend == "torch":
        torch = pytest.importorskip("torch", reason="torch backend")
        batch = torch.from_numpy(batch)
    out = case.call(_fn(key), batch)
    for i in range(2):
        for j in range(3):
            assert rel(out[i, j], case.call(_fn(key), batch[i, j])) <= 1e-9


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("key", sorted(k for k in CASES if CASES[k].float_in))
def test_float_dtype_is_kept(key, dtype):
    case = CASES[key]
    out = case.call(_fn(key), case.make(np.random.default_rng(3), (), dtype))
    real = np.real(out).dtype
    assert real == (np.float64 if case.float64_out else dtype), f"{dtype.__name__} in gave {out.dtype}"


# --------------------------------------------------------------------------------------------------
# torch: numpy = torch, gradients, compile
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="the torch capability tests need torch")


def _devices(torch):
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("key", sorted(k for k in CASES if REGISTRY[k].torch))
def test_numpy_equals_torch(key, torch):
    case = CASES[key]
    x = case.make(np.random.default_rng(4), (), np.float32 if case.float_in else None)
    want = case.call(_fn(key), x)
    for device in _devices(torch):
        got = case.call(_fn(key), torch.from_numpy(x).to(device))
        assert torch.is_tensor(got) and got.device.type == device
        assert rel(got, want) <= TORCH_RTOL.get(key, 1e-5)


@pytest.mark.parametrize("key", sorted(k for k in CASES if REGISTRY[k].autograd and CASES[k].float_in))
def test_gradients(key, torch):
    case = CASES[key]
    full = torch.from_numpy(case.make(np.random.default_rng(5), (), np.float64))
    x = full[..., :600].clone() if full.shape[-1] > 600 else full.clone()
    x.requires_grad_(True)

    def f(t):
        out = case.call(_fn(key), t)
        return out.abs() if out.is_complex() else out

    assert torch.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize("key", sorted(k for k in CASES if REGISTRY[k].compile))
def test_compiled_equals_eager(key, torch):
    case = CASES[key]
    x = torch.from_numpy(case.make(np.random.default_rng(6), (2,), np.float32 if case.float_in else None))
    fn = _fn(key)
    torch._dynamo.reset()  # each case compiles afresh (the shared lambda would hit the recompile limit)
    compiled = torch.compile(lambda t: case.call(fn, t), fullgraph=True, backend="aot_eager")
    assert rel(compiled(x), case.call(fn, x)) <= 1e-6
