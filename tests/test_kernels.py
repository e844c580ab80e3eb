"""The compiled (numba) vocoder and overlap-add of the short-signal time stretch (audiofeat/_kernels.py) against
the numpy path they replace (AUDIOFEAT_NUMBA=0), on the inputs where compiled float arithmetic could differ:
tiny and huge magnitudes, silence, long outputs (phasor renormalisation), float64, channels, threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import audiofeat
from audiofeat import _kernels

pytest.importorskip("numba", reason="the compiled kernels need numba")


def both(monkeypatch, fn):
    """``fn()`` with the compiled kernels, then on the numpy path."""
    monkeypatch.delenv("AUDIOFEAT_NUMBA", raising=False)
    assert _kernels.kernels() is not None
    fast = fn()
    monkeypatch.setenv("AUDIOFEAT_NUMBA", "0")
    assert _kernels.kernels() is None
    slow = fn()
    monkeypatch.delenv("AUDIOFEAT_NUMBA")
    return fast, slow


def close(fast, slow, rtol):
    assert fast.shape == slow.shape and fast.dtype == slow.dtype
    np.testing.assert_allclose(fast, slow, rtol=0, atol=rtol * max(np.abs(slow).max(), 1e-300))


@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-5), (np.float64, 1e-11)])
@pytest.mark.parametrize("shape", [(16000,), (2, 16000), (2, 3, 3001)])
@pytest.mark.parametrize("rate", [0.5, 0.8, 1.1, 1.25, 3.0])
def test_compiled_time_stretch_equals_numpy(monkeypatch, dtype, tol, shape, rate):
    y = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    fast, slow = both(monkeypatch, lambda: audiofeat.effects.time_stretch(y, rate=rate))
    close(fast, slow, tol)


@pytest.mark.parametrize("scale", [1e-30, 1e-18, 1e18, 1e30])
def test_compiled_vocoder_keeps_the_phase_of_tiny_and_huge_bins(monkeypatch, scale):
    # float32 squares of these magnitudes under- or overflow: the guard redoes them in float64 (hypot), as
    # numpy's abs does; a wrong phasor there would shift that bin's phase for every later frame
    y = np.random.default_rng(2).standard_normal(16000).astype(np.float32)
    ref = audiofeat.effects.time_stretch(y, rate=1.1)
    fast, slow = both(monkeypatch, lambda: audiofeat.effects.time_stretch(y * np.float32(scale), rate=1.1))
    assert np.isfinite(fast).all()
    close(fast, slow, 2e-5)
    close(fast / np.float32(scale), ref, 2e-5)


def test_compiled_vocoder_on_silence_and_a_click(monkeypatch):
    y = np.zeros(16000, np.float32)
    fast, slow = both(monkeypatch, lambda: audiofeat.effects.time_stretch(y, rate=0.9))
    assert not fast.any() and not slow.any()
    y[8000] = 1.0  # most bins of most frames are exactly zero: phasors +-1 by the sign of the real part
    fast, slow = both(monkeypatch, lambda: audiofeat.effects.time_stretch(y, rate=0.9))
    close(fast, slow, 2e-5)


def test_compiled_vocoder_renormalises_long_outputs(monkeypatch):
    # rate 0.1 turns ~60 input frames into ~600 output frames: the running product is brought back to
    # modulus 1 every 256 frames on both paths
    y = np.random.default_rng(3).standard_normal(30000).astype(np.float64)
    fast, slow = both(monkeypatch, lambda: audiofeat.effects.time_stretch(y, rate=0.1))
    close(fast, slow, 1e-10)


def test_compiled_pitch_shift_equals_numpy_and_librosa(monkeypatch):
    librosa = pytest.importorskip("librosa", reason="librosa parity")
    y = np.random.default_rng(4).standard_normal(16000)
    fast, slow = both(monkeypatch, lambda: audiofeat.effects.pitch_shift(y, sr=16000, n_steps=3.0))
    close(fast, slow, 1e-10)
    ref = librosa.effects.pitch_shift(y, sr=16000, n_steps=3.0)
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-4 * np.abs(ref).max())


def test_compiled_kernels_from_several_threads():
    # the kernels hold no state and release the GIL: concurrent calls give the serial results
    rng = np.random.default_rng(5)
    ys = [rng.standard_normal(16000).astype(np.float32) for _ in range(8)]
    rates = np.linspace(0.8, 1.25, 8)
    serial = [audiofeat.effects.time_stretch(y, rate=r) for y, r in zip(ys, rates)]
    got: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        for _ in range(3):
            got[i] = audiofeat.effects.time_stretch(ys[i], rate=rates[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(8):
        np.testing.assert_array_equal(got[i], serial[i])


def test_switch_off_is_read_at_each_call(monkeypatch):
    monkeypatch.setenv("AUDIOFEAT_NUMBA", "0")
    assert _kernels.kernels() is None
    monkeypatch.setenv("AUDIOFEAT_NUMBA", "1")
    assert _kernels.kernels() is not None
