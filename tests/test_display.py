"""specshow and waveshow: axis limits, labels and ticks follow the signal's duration and sample rate."""

from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af
from audiofeat.errors import ParameterError

pytest.importorskip("matplotlib", reason="display needs matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from audiofeat import display  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_specshow_time_and_linear_axes(ax):
    sr, hop, n_fft = 16000, 256, 1024
    y = np.random.default_rng(0).standard_normal(sr * 2)
    S = np.abs(af.stft(y, n_fft=n_fft, hop_length=hop))
    display.specshow(S, sr=sr, hop_length=hop, n_fft=n_fft, x_axis="time", y_axis="linear", ax=ax)
    assert ax.get_xlim() == pytest.approx((0.0, S.shape[1] * hop / sr))
    assert ax.get_ylim() == pytest.approx((0.0, sr / 2))
    assert ax.get_xlabel() == "Time (s)" and ax.get_ylabel() == "Hz"


def test_specshow_mel_log_ms_chroma_and_notes(ax):
    sr = 22050
    M = np.ones((64, 100))
    display.specshow(M, sr=sr, x_axis="ms", y_axis="mel", fmax=8000, ax=ax)
    assert ax.get_xlim() == pytest.approx((0.0, 100 * 512 / sr * 1000))
    assert ax.get_ylim() == pytest.approx((0.0, 8000.0)) and ax.get_yscale() == "symlog"
    ax.clear()
    display.specshow(np.ones((1025, 10)), sr=sr, y_axis="log", ax=ax)
    assert ax.get_ylim()[1] == pytest.approx(sr / 2) and ax.get_ylabel() == "Hz (log)"
    ax.clear()
    display.specshow(np.ones((12, 10)), y_axis="chroma", x_axis="frames", ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()][:3] == ["C", "C♯", "D"]
    assert ax.get_xlim() == (0.0, 10.0)
    ax.clear()
    display.specshow(np.ones((84, 10)), sr=sr, y_axis="cqt_note", ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "C2" in labels and "C7" in labels


def test_waveshow_axis_follows_duration(ax):
    sr = 8000
    artist = display.waveshow(np.zeros(3 * sr), sr=sr, ax=ax)  # long: envelope
    assert ax.get_xlim() == pytest.approx((0.0, 3.0)) and ax.get_xlabel() == "Time (s)"
    assert artist is not None
    ax.clear()
    display.waveshow(np.zeros((2, 400)), sr=sr, offset=1.0, ax=ax)  # short stereo: lines
    assert ax.get_xlim() == pytest.approx((1.0, 1.05)) and len(ax.lines) == 2


@pytest.mark.parametrize("call, match", [
    (lambda: display.specshow(np.ones(5)), "2-D"),
    (lambda: display.specshow(np.ones((3, 3)) * 1j), "complex"),
    (lambda: display.specshow(np.ones((3, 3)), x_axis="tempo"), "x_axis"),
    (lambda: display.specshow(np.ones((3, 3)), y_axis="bark"), "y_axis"),
    (lambda: display.waveshow(np.zeros(0)), "n > 0"),
    (lambda: display.waveshow(np.zeros(10), sr=0), "sr"),
])
def test_bad_input(call, match):
    with pytest.raises(ParameterError, match=match):
        call()
    plt.close("all")


def test_torch_tensors_are_shown():
    torch = pytest.importorskip("torch")
    fig, ax = plt.subplots()
    display.specshow(torch.ones(4, 5, requires_grad=True), ax=ax)
    display.waveshow(torch.zeros(100), sr=100, ax=ax)
    plt.close(fig)


@pytest.mark.parametrize("data, kw", [(np.zeros((0, 0)), {}), (np.zeros((4, 0)), {"x_axis": "time"}),
                                      (np.zeros((4, 4)), {"sr": 0, "x_axis": "time"})])
def test_specshow_empty_or_zero_rate_is_a_parameter_error(ax, data, kw):
    with pytest.raises(ParameterError):  # were numpy/matplotlib ValueErrors
        display.specshow(data, ax=ax, **kw)


def test_specshow_one_row_on_a_linear_axis_needs_n_fft(ax):
    with pytest.raises(ParameterError, match="at least 2 rows"):  # was matplotlib's ValueError on NaN edges
        display.specshow(np.ones((1, 4)), y_axis="log", ax=ax)
    display.specshow(np.ones((1, 4)), y_axis="linear", n_fft=2, ax=ax)
