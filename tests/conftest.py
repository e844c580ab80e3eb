"""Shared fixtures: bundled samples, the external reference data, oracles and tolerances."""

from __future__ import annotations

import os

# inductor compiles in a pool whose warm-up imports modules from a background thread; dynamo, tracing another
# test's function meanwhile, walks sys.modules and fails ("dictionary changed size during iteration"). One
# compile thread: nothing imports behind the suite's back (set before torch is imported)
os.environ.setdefault("TORCHINDUCTOR_COMPILE_THREADS", "1")

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
# ../shared/reference from the project root: present on the team's machines, absent in a user's clone.
REFERENCE = ROOT.parent / "shared" / "reference" / "librosa_test_data"

SAMPLE_FILES = sorted(p.name for p in SAMPLES.glob("*") if p.suffix in {".wav", ".flac", ".ogg", ".mp3"})

try:  # property tests draw the same examples on every run (CI must not fail on a new draw one day in ten);
    # HYPOTHESIS_PROFILE=explore draws fresh ones, to hunt for new failures locally
    import os

    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("audiofeat", derandomize=True)
    _hypothesis_settings.register_profile("explore", derandomize=False)
    _hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "audiofeat"))
except ImportError:  # hypothesis is in the test extra; without it those tests skip
    pass


@pytest.fixture(autouse=True, scope="session")
def _scipy_fft_by_default():
    """The suite imports torch, which would switch the numpy path's FFT to torch's ('auto'); keep scipy's,
    what a numpy-only user gets, except where a test asks for another (see ``fft_backend`` in test_parity)."""
    import audiofeat

    before = audiofeat.get_fft_backend()
    audiofeat.set_fft_backend("scipy")
    yield
    audiofeat.set_fft_backend(before)


def rel_err(actual, expected) -> float:
    """max |actual - expected| / max |expected| (the parity measure used throughout the suite)."""
    a = np.asarray(actual.detach().cpu() if hasattr(actual, "detach") else actual)
    e = np.asarray(expected.detach().cpu() if hasattr(expected, "detach") else expected)
    assert a.shape == e.shape, f"shape {a.shape} != {e.shape}"
    scale = np.abs(e).max()
    return float(np.abs(a - e).max() / (scale if scale > 0 else 1.0))


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data not found at {REFERENCE} (only on the team's machines)")
    return REFERENCE


@pytest.fixture(scope="session")
def librosa():
    return pytest.importorskip("librosa", reason="librosa is the test oracle: pip install 'audiofeat[test]'")


@pytest.fixture(scope="session")
def torch():
    return pytest.importorskip("torch", reason="torch path tests need torch: pip install 'audiofeat[torch]'")


@pytest.fixture(scope="session")
def ground_truth() -> dict:
    return json.loads((SAMPLES / "ground_truth.json").read_text())


@pytest.fixture(scope="session")
def sample_audio():
    """Every bundled clip, mono float32 at its native rate: {name: (y, sr)}."""
    import soundfile as sf

    out = {}
    for name in SAMPLE_FILES:
        y, sr = sf.read(SAMPLES / name, dtype="float32", always_2d=True)
        out[name] = (np.ascontiguousarray(y.mean(axis=1)), sr)
    return out


def random_signal(n: int, seed: int = 0, dtype=np.float32) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n).astype(dtype)


@pytest.fixture
def wav_tree(tmp_path, monkeypatch):
    """``make(*relpaths)``: a 0.1 s wav file (16 kHz) at each path under ``tmp_path``, which becomes the current
    folder; returns ``tmp_path``."""
    import audiofeat

    def make(*relpaths: str):
        for rel in relpaths:
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            audiofeat.save(str(tmp_path / rel), np.full(1600, 0.1, np.float32), 16000)
        monkeypatch.chdir(tmp_path)
        return tmp_path

    return make
