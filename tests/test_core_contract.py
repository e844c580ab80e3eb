"""The core's contract, item by item from the core issue: caches, warnings, librosa's edge behaviour, torch as a
first-class backend (compile, half precision, gradients, empty batches), memory, and librosa's namespaces."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tracemalloc
import warnings

import librosa
import numpy as np
import pytest

import audiofeat as af
from audiofeat import _cache
from audiofeat.errors import MissingDependencyError, ParameterError

SR = 22050


def _noise(n: int = SR * 2, seed: int = 0, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n).astype(dtype)


# --------------------------------------------------------------------------------------------------
# caches hold constants only, bounded by bytes; builders never swallow warnings
# --------------------------------------------------------------------------------------------------
def test_istft_does_not_cache_signal_sized_arrays():
    _cache.clear()
    y = _noise(SR * 30)
    af.istft(af.stft(y), length=len(y))
    # the window and its per-dtype copy, not a window sum as long as the signal (30 s: 5 MB)
    assert _cache.stored_bytes() < 256 << 10


def test_cache_is_bounded_by_bytes(monkeypatch):
    monkeypatch.setattr(_cache, "MAX_BYTES", 2 << 20)
    _cache.clear()
    for n_mels in range(20, 60):  # 40 filterbanks of ~80-250 kB each: ~6 MB if all were kept
        af.filters.mel(sr=SR, n_fft=2048, n_mels=n_mels)
    assert 0 < _cache.stored_bytes() <= 2 << 20
    _cache.clear()


def test_value_larger_than_entry_limit_is_not_kept(monkeypatch):
    monkeypatch.setattr(_cache, "MAX_ENTRY_BYTES", 1 << 10)
    _cache.clear()
    af.filters.mel(sr=SR, n_fft=4096)
    assert _cache.stored_bytes() == 0


def test_empty_filter_warning_fires_on_every_call():
    for _ in range(2):
        with pytest.warns(UserWarning, match="Empty filters"):
            af.filters.mel(sr=8000, n_fft=256, n_mels=200)


# --------------------------------------------------------------------------------------------------
# librosa's edge behaviour
# --------------------------------------------------------------------------------------------------
def test_stft_out_is_returned_and_must_be_complex():
    y = _noise()
    D = af.stft(y)
    out = np.empty(D.shape, dtype=np.complex64)
    assert af.stft(y, out=out) is out
    np.testing.assert_array_equal(out, D)
    bigger = np.zeros((D.shape[0], D.shape[1] + 5), dtype=np.complex64)
    view = af.stft(y, out=bigger)
    assert view.base is bigger and view.shape == D.shape
    with pytest.raises(ParameterError, match="not complex"):
        af.stft(y, out=np.empty(D.shape, dtype=np.float32))
    with pytest.raises(librosa.util.exceptions.ParameterError, match="not of complex type"):
        librosa.stft(y, out=np.empty(D.shape, dtype=np.float32))  # librosa refuses it too


def test_magphase_denormal_and_real_input():
    tiny = np.array([1e-40 + 1e-40j, 0j, 3 + 4j], dtype=np.complex64)
    mag, phase = af.magphase(tiny)
    ref_mag, ref_phase = librosa.magphase(tiny)
    assert np.all(np.isfinite(phase))
    np.testing.assert_allclose(phase, ref_phase, rtol=1e-6)
    np.testing.assert_allclose(mag, ref_mag)
    real = np.array([-2.0, 0.0, 3.0])
    mag, phase = af.magphase(real)
    assert np.iscomplexobj(phase)
    np.testing.assert_array_equal(phase, librosa.magphase(real)[1])


@pytest.mark.parametrize("fn", [af.power_to_db, af.amplitude_to_db])
def test_db_of_complex_input_warns_like_librosa(fn):
    D = af.stft(_noise())
    with pytest.warns(UserWarning, match="complex input so phase information will be discarded"):
        got = fn(D)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = getattr(librosa, fn.__name__)(D)
    np.testing.assert_allclose(got, want, atol=1e-4)


@pytest.mark.parametrize("call,match", [
    (lambda: af.power_to_db(np.ones(4), ref=np.nan), "ref=nan must be a finite number"),
    (lambda: af.power_to_db(np.ones(4), ref=lambda S: float("nan")), "ref=nan"),
    (lambda: af.mfcc(y=_noise(), sr=SR, lifter=np.inf), "lifter=inf must be a finite number"),
    (lambda: af.melspectrogram(y=_noise(), sr=SR, fmin="low"), "fmin='low' must be a finite number"),
    (lambda: af.stft(_noise(), window=("kaiser",)), "invalid window specification"),
    (lambda: af.stft(_noise(), window="no-such-window"), "invalid window specification"),
    (lambda: af.stft(_noise(), window=("tukey", [1])), "invalid window specification"),
    (lambda: af.filters.mel(sr=SR, n_fft=2048, norm="max"), "unsupported norm"),
    (lambda: af.filters.mel(sr=SR, n_fft=2048, dtype="not-a-dtype"), "dtype"),
])
def test_invalid_values_raise_parameter_error(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_melspectrogram_of_S_keeps_an_odd_n_fft():
    y = _noise()
    S = np.abs(librosa.stft(y, n_fft=1023)) ** 2
    got = af.melspectrogram(S=S, sr=SR, n_fft=1023)
    want = librosa.feature.melspectrogram(S=S, sr=SR, n_fft=1023)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * want.max())


def test_resample_lives_in_the_core():
    import audiofeat.io
    import audiofeat.resampling

    assert audiofeat.io.resample is audiofeat.resampling.resample is af.resample
    source = open(audiofeat.resampling.__file__).read()
    assert "soundfile" not in source and "from .io" not in source


# --------------------------------------------------------------------------------------------------
# memory: center=True frames the padded ends separately instead of copying the signal
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pad_mode", ["constant", "reflect"])
def test_centered_features_do_not_copy_the_signal(pad_mode):
    y = _noise(SR * 240)  # 21 MB of float32
    af.melspectrogram(y=y[: SR * 5], sr=SR, pad_mode=pad_mode)  # warm the constants
    tracemalloc.start()
    try:
        S = af.melspectrogram(y=y, sr=SR, pad_mode=pad_mode)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < S.nbytes + 8 * (1 << 20), f"peak {peak / 2**20:.1f} MiB for a {S.nbytes / 2**20:.1f} MiB output"


@pytest.mark.parametrize("pad_mode", ["constant", "edge", "reflect", "symmetric", "linear_ramp"])
@pytest.mark.parametrize("n,n_fft,hop", [(4096, 256, 64), (5000, 512, 147), (9999, 1024, 300), (4096, 16, 512)])
def test_edge_framing_equals_padding_the_whole_signal(pad_mode, n, n_fft, hop):
    y = np.random.default_rng(n).standard_normal((2, n))
    D = af.stft(y, n_fft=n_fft, hop_length=hop, pad_mode=pad_mode)
    padded = np.pad(y, [(0, 0), (n_fft // 2, n_fft // 2)], mode=pad_mode)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft, axis=-1)[:, ::hop]
    want = np.fft.rfft(frames * librosa.filters.get_window("hann", n_fft), axis=-1).swapaxes(-1, -2)
    np.testing.assert_allclose(D, want, atol=1e-9)


# --------------------------------------------------------------------------------------------------
# torch
# --------------------------------------------------------------------------------------------------
torch = pytest.importorskip("torch", reason="the torch backend tests need torch")


def _modules():
    import audiofeat.nn as afnn

    return [afnn.Spectrogram(n_fft=512, hop_length=128), afnn.MelSpectrogram(sr=16000, n_fft=512, hop_length=160,
                                                                              n_mels=40),
            afnn.MFCC(sr=16000, n_mfcc=13, n_fft=512, hop_length=160, n_mels=40)]


@pytest.mark.parametrize("index", [0, 1, 2], ids=["Spectrogram", "MelSpectrogram", "MFCC"])
def test_modules_compile_without_graph_breaks(index):
    module = _modules()[index]
    y = torch.randn(2, 8000)
    explanation = torch._dynamo.explain(module)(y)
    assert explanation.graph_break_count == 0, [str(b.reason)[:200] for b in explanation.break_reasons]
    compiled = torch.compile(module, fullgraph=True, backend="eager")
    torch.testing.assert_close(compiled(y), module(y))


def test_inductor_compiled_mel_matches_eager():
    module = _modules()[1]
    compiled = torch.compile(module, fullgraph=True)
    for n in (8000, 12345):
        y = torch.randn(3, n)
        want = module(y)
        torch.testing.assert_close(compiled(y), want, rtol=1e-4, atol=1e-5 * float(want.abs().max()))


@pytest.mark.parametrize("precision", ["half", "bfloat16"])
def test_modules_in_half_precision(precision):
    y = torch.randn(2, 8000)
    for module in _modules():
        ref = module(y)
        low = getattr(module, precision)()
        out = low(getattr(y, precision)())
        assert out.dtype == (torch.complex64 if out.is_complex() else torch.float32)
        assert torch.isfinite(out).all()
        scale = float(ref.abs().max())
        assert float((out - ref).abs().max()) < 0.05 * scale + 1.0


def test_istft_gradient_with_respect_to_the_window():
    y = torch.randn(600, dtype=torch.float64)
    D = af.stft(y, n_fft=64, hop_length=16)
    window = torch.hann_window(64, periodic=True, dtype=torch.float64) + 0.1
    window.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda w: af.istft(D, hop_length=16, window=w, length=600), (window,))


def test_empty_torch_batch_gives_empty_results():
    y = torch.zeros(0, 22050)
    assert af.stft(y).shape == (0, 1025, 44)
    assert af.melspectrogram(y=y).shape == (0, 128, 44)
    assert af.mfcc(y=y).shape == (0, 20, 44)
    assert af.power_to_db(torch.zeros(2, 128, 0)).shape == (2, 128, 0)


@pytest.mark.parametrize("S", [torch.zeros(2, 1025, 0), np.zeros((1025, 0))], ids=["torch", "numpy"])
def test_spectrogram_without_frames_is_a_typed_error(S):
    with pytest.raises(ParameterError, match="empty"):
        af.melspectrogram(S=S)
    with pytest.raises(ParameterError, match="no frames"):
        af.istft(S)


def test_torch_pad_modes_suggest_only_modes_that_work():
    with pytest.raises(ParameterError) as info:
        af.stft(torch.zeros(4096), pad_mode="symmetric")
    for mode in ("constant", "edge", "reflect"):
        assert mode in str(info.value)
        af.stft(torch.zeros(4096), pad_mode=mode)
    assert "symmetric" not in str(info.value).split("got")[0]


def test_no_finiteness_sync_while_compiling():
    """Non-finite input is checked eagerly on CPU; compiled graphs skip the check (no .item() sync)."""
    import audiofeat.nn as afnn

    bad = torch.full((1, 4096), float("nan"))
    with pytest.raises(ParameterError, match="not finite"):
        af.melspectrogram(y=bad)
    compiled = torch.compile(afnn.MelSpectrogram(), fullgraph=True, backend="eager")
    assert torch.isnan(compiled(bad)).all()


def test_nn_without_torch_is_an_import_error():
    code = ("import sys, audiofeat; sys.modules['torch'] = None\n"
            "try:\n    import audiofeat.nn\nexcept ImportError as e:\n"
            "    print(type(e).__name__, '|', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.startswith("MissingDependencyError |"), proc.stdout + proc.stderr
    assert "pip install torch" in proc.stdout and "audiofeat[torch]" not in proc.stdout
    assert issubclass(MissingDependencyError, ImportError)


# --------------------------------------------------------------------------------------------------
# librosa's namespaces
# --------------------------------------------------------------------------------------------------
NAMESPACES = ["feature", "util", "filters", "core", "onset", "beat", "effects", "sequence", "decompose", "segment"]


@pytest.mark.parametrize("ns", NAMESPACES)
def test_namespaces_hand_on_the_same_objects(ns):
    module = importlib.import_module(f"audiofeat.{ns}")
    assert getattr(af, ns) is module
    lib = importlib.import_module(f"librosa.{ns}")
    for name in module.__all__:
        obj = getattr(module, name)
        assert obj is getattr(af, name, obj), f"audiofeat.{ns}.{name} is not audiofeat.{name}"
        # filters is also the psychoacoustics module: it has the mel conversions (librosa's top level) and dct;
        # a namespace may list audiofeat's own additions in EXTENSIONS
        assert hasattr(lib, name) or name in getattr(module, "EXTENSIONS", ()) or (
            ns == "filters" and (hasattr(librosa, name) or name == "dct")), f"librosa.{ns} has no {name}"


def test_import_audiofeat_as_librosa_runs_librosa_code():
    import audiofeat as lr

    y = _noise()
    M = lr.feature.mfcc(y=y, sr=SR)
    D = lr.feature.delta(M)
    frames = lr.util.frame(y, frame_length=2048, hop_length=512)
    np.testing.assert_allclose(M, librosa.feature.mfcc(y=y, sr=SR), atol=1e-3)
    np.testing.assert_allclose(D, librosa.feature.delta(librosa.feature.mfcc(y=y, sr=SR)), atol=1e-3)
    np.testing.assert_array_equal(frames, librosa.util.frame(y, frame_length=2048, hop_length=512))
    S = lr.core.stft(y)
    assert S.shape == librosa.core.stft(y).shape


@pytest.mark.parametrize("expr,says", [
    ("af.feature.chroma_vqt", "librosa.feature.chroma_vqt is not implemented in audiofeat yet"),
    ("af.iirt", "librosa.iirt is not implemented in audiofeat yet"),
    ("af.effects.hpss", "librosa.effects.hpss is not implemented"),
    ("af.filters.diagonal_filter", "librosa.filters.diagonal_filter is not implemented"),
])
def test_missing_librosa_names_say_so(expr, says):
    with pytest.raises(AttributeError, match=says):
        eval(expr)


def test_unknown_names_are_plain_attribute_errors():
    with pytest.raises(AttributeError) as info:
        af.no_such_function  # noqa: B018
    assert "not implemented" not in str(info.value)
    assert not hasattr(af.feature, "no_such_function")


def test_module_names_do_not_shadow_functions():
    import audiofeat.shorttime

    assert callable(af.stft) and callable(af.resample)
    assert audiofeat.shorttime.stft is af.stft
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("audiofeat.stft")


def test_fft_backends_agree():
    y = _noise(SR * 5)
    try:
        af.set_fft_backend("scipy")
        ref = af.melspectrogram(y=y, sr=SR), af.stft(y)
        af.set_fft_backend("torch")
        got = af.melspectrogram(y=y, sr=SR), af.stft(y)
        assert isinstance(got[0], np.ndarray) and got[1].dtype == np.complex64
        for g, r in zip(got, ref):
            np.testing.assert_allclose(g, r, atol=1e-6 * float(np.abs(r).max()))
        with pytest.raises(ParameterError, match="FFT backend"):
            af.set_fft_backend("fftw")
    finally:
        af.set_fft_backend("scipy")


def test_no_stored_entry_pins_an_unstored_large_array(monkeypatch):
    """A derived entry (band spans, a dtype copy) must not keep alive a filterbank too big to store."""
    monkeypatch.setattr(_cache, "MAX_ENTRY_BYTES", 256 << 10)
    _cache.clear()
    y = _noise(SR)
    af.melspectrogram(y=y, sr=SR, n_fft=4096)  # its 128 x 2049 float32 filterbank (1 MB) is not kept
    af.melspectrogram(y=torch.from_numpy(y), sr=SR, n_fft=4096)
    for value, size, keepalive in list(_cache._store.values()):
        assert size <= _cache.MAX_ENTRY_BYTES
        assert keepalive is None or _cache._nbytes(keepalive) <= _cache.MAX_ENTRY_BYTES
    _cache.clear()


def test_review_findings_are_typed_or_empty(tmp_path):
    import audiofeat.nn as afnn
    from audiofeat.errors import BackendError

    assert af.istft(torch.zeros(0, 1025, 5, dtype=torch.complex64)).shape == (0, 2048)
    assert af.istft(np.zeros((3, 0, 257, 4), np.complex64), n_fft=512).shape == (3, 0, 384)
    af.save(tmp_path / "bf16.wav", torch.rand(100).bfloat16() - 0.5, 8000)
    assert af.info(tmp_path / "bf16.wav").frames == 100
    with pytest.raises(ParameterError, match="must be 1-D"):
        af.stft(_noise(), n_fft=512, window=np.ones((512, 1)))
    with pytest.raises(ParameterError, match="n_fft=0"):
        af.fft_frequencies(n_fft=0)
    with pytest.raises(BackendError, match="takes a torch tensor"):
        afnn.MelSpectrogram()(_noise())


def test_stft_refuses_a_real_dtype():
    with pytest.raises(ParameterError, match="not complex"):
        af.stft(_noise(), dtype=np.float32)
    assert af.stft(_noise(), dtype=np.complex128).dtype == np.complex128


def test_import_stays_light():
    proc = subprocess.run([sys.executable, "-c", "import sys, audiofeat; print('scipy.signal' in sys.modules)"],
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "False"


def test_power_to_db_of_interleaved_batch_equals_loop():
    """librosa's batched STFT is Fortran-ordered (items interleaved in memory): same numbers as the loop."""
    P = np.asfortranarray(np.abs(librosa.stft(np.random.default_rng(3).standard_normal((4, 8000)))) ** 2)
    got = af.power_to_db(P)
    for i in range(4):
        np.testing.assert_allclose(got[i], af.power_to_db(np.ascontiguousarray(P[i])), rtol=1e-12)
