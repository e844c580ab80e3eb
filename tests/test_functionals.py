"""functionals: statistics against numpy/scipy, the stated values on degenerate inputs, names, torch, batch."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import audiofeat as af
from audiofeat.errors import ParameterError

ALL = ("mean", "std", "var", "min", "max", "range", "median", "iqr", "rms", "skew", "kurtosis", "slope",
       "p10", "p50", "p90", "p2.5")


def _reference(x: np.ndarray) -> dict[str, np.ndarray]:
    t = np.arange(x.shape[-1])
    return {
        "mean": x.mean(-1), "std": x.std(-1), "var": x.var(-1), "min": x.min(-1), "max": x.max(-1),
        "range": np.ptp(x, -1), "median": np.median(x, -1),
        "iqr": np.percentile(x, 75, -1) - np.percentile(x, 25, -1), "rms": np.sqrt((x ** 2).mean(-1)),
        "skew": scipy.stats.skew(x, -1), "kurtosis": scipy.stats.kurtosis(x, -1),
        "slope": np.array([np.polyfit(t, row, 1)[0] for row in x.reshape(-1, x.shape[-1])]).reshape(x.shape[:-1]),
        "p10": np.percentile(x, 10, -1), "p50": np.percentile(x, 50, -1), "p90": np.percentile(x, 90, -1),
        "p2.5": np.percentile(x, 2.5, -1),
    }


def test_every_statistic_matches_numpy_and_scipy():
    x = np.random.default_rng(0).standard_normal((3, 4, 50)) ** 3 + np.linspace(0, 2, 50)
    out = af.functionals(x, ALL)
    assert out.shape == (3, 4, len(ALL))
    ref = _reference(x)
    for i, name in enumerate(ALL):
        np.testing.assert_allclose(out[..., i], ref[name], rtol=1e-10, atol=1e-12, err_msg=name)


def test_default_stats_and_names_line_up():
    F = af.mfcc(y=np.random.default_rng(1).standard_normal(8000).astype(np.float32), sr=16000, n_mfcc=5)
    out = af.functionals(F)
    names = af.functional_names("mfcc", F.shape[:-1])
    assert out.shape == (5, 10) and len(names) == out.size == len(set(names))
    flat = dict(zip(names, out.reshape(-1)))
    assert flat["mfcc_3_p90"] == pytest.approx(np.percentile(F[3], 90), rel=1e-5)
    assert flat["mfcc_0_mean"] == pytest.approx(F[0].mean(), rel=1e-5)
    assert af.functional_names("loudness", (), ["mean", "std"]) == ["loudness_mean", "loudness_std"]
    assert out.dtype == np.float32


def test_axis_selects_time():
    x = np.random.default_rng(2).standard_normal((30, 6))
    np.testing.assert_allclose(af.functionals(x, ["mean", "slope"], axis=0),
                               af.functionals(x.T, ["mean", "slope"]))


@pytest.mark.parametrize("F", [np.zeros((3, 40)), np.full((3, 40), 0.1), np.full((2, 1), 7.0),
                               np.full((1, 40), -80.0, dtype=np.float32),
                               np.full((2, 100_003), 0.1, dtype=np.float32),
                               np.full((1, 5000), 1e4, dtype=np.float32)],
                         ids=["silence", "constant", "one-frame", "db-floor", "long-float32", "offset-float32"])
def test_degenerate_inputs_have_the_stated_values(F):
    out = af.functionals(F, ALL)
    assert np.all(np.isfinite(out))
    by = dict(zip(ALL, np.moveaxis(out, -1, 0)))
    for name in ("std", "var", "skew", "kurtosis", "slope", "range", "iqr"):
        np.testing.assert_array_equal(by[name], 0.0, err_msg=name)
    for name in ("mean", "min", "max", "median", "p10", "p90"):
        np.testing.assert_allclose(by[name], F[..., 0], rtol=1e-6, err_msg=name)


def test_a_float32_row_with_a_large_offset_keeps_its_spread():
    # was: std, skew and kurtosis all 0 (the constant-row test took any std below 1.2e-4 * max|x| for rounding)
    scipy_stats = pytest.importorskip("scipy.stats")
    x = np.random.default_rng(4).standard_normal((2, 400)) ** 3
    F = (x + 1e4).astype(np.float32)
    out = af.functionals(F, ["std", "skew", "kurtosis"])
    ref = np.stack([x.std(-1), scipy_stats.skew(x, axis=-1), scipy_stats.kurtosis(x, axis=-1)], -1)
    np.testing.assert_allclose(out, ref, rtol=2e-2)


def test_a_near_constant_row_is_not_a_huge_skew():
    F = np.full((1, 100), 0.1, dtype=np.float32) + np.float32(1e-9) * (np.arange(100) % 2)
    out = af.functionals(F, ["skew", "kurtosis"])
    assert np.all(np.abs(out) <= 2.0)


def test_nan_policy():
    F = np.array([[1.0, np.nan, 3.0, np.nan, 5.0], [np.nan] * 5])
    with pytest.raises(ParameterError, match="nan_policy"):
        af.functionals(F)
    out = af.functionals(F, ["mean", "std", "min", "max", "p50", "slope"], nan_policy="omit")
    np.testing.assert_allclose(out[0], [3.0, np.std([1, 3, 5.0]), 1.0, 5.0, 3.0, 1.0])
    np.testing.assert_array_equal(out[1], 0.0)  # no finite frame: zeros, documented
    with pytest.raises(ParameterError, match="infinite"):
        af.functionals(np.array([[1.0, np.inf]]), nan_policy="omit")


@pytest.mark.parametrize("bad, match", [
    (dict(F=np.zeros((3, 0))), "no frames"),
    (dict(F=np.zeros(3), stats=["mode"]), "unknown statistic"),
    (dict(F=np.zeros(3), stats=[]), "at least one"),
    (dict(F=np.zeros(3), stats=["mean", "mean"]), "repeated"),
    (dict(F=np.zeros(3), axis=3), "axis"),
    (dict(F=np.zeros(3), nan_policy="drop"), "nan_policy"),
    (dict(F=np.float64(1.0)), "at least one axis"),
])
def test_bad_input_raises_typed_errors(bad, match):
    with pytest.raises(ParameterError, match=match):
        af.functionals(**bad)


def test_torch_equals_numpy_batched_and_differentiable():
    torch = pytest.importorskip("torch", reason="torch backend")
    x = np.random.default_rng(3).standard_normal((2, 3, 40))
    want = af.functionals(x, ALL)
    got = af.functionals(torch.from_numpy(x), ALL)
    assert torch.is_tensor(got) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-9, atol=1e-12)
    f32 = af.functionals(torch.from_numpy(x.astype(np.float32)), ALL)
    assert f32.dtype == torch.float32
    nan = torch.tensor([[1.0, float("nan"), 3.0]], dtype=torch.float64)
    np.testing.assert_allclose(af.functionals(nan, ["mean", "p50"], nan_policy="omit").numpy(), [[2.0, 2.0]])
    t = torch.from_numpy(x[0, :, :12].copy()).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda v: af.functionals(v, ["mean", "std", "skew", "kurtosis", "slope"]),
                                    (t,), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("shape", [(-1,), (2.5,), ("3",), -2])
def test_functional_names_rejects_a_bad_shape(shape):
    with pytest.raises(ParameterError):  # (-1,) was numpy's ValueError "negative dimensions"
        af.functional_names("m", shape, ["mean"])
