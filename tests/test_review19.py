"""Session 19: the parquet sink's encodings, and each input's absolute path computed once."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

pq = pytest.importorskip("pyarrow.parquet", reason="parquet output needs pyarrow")

from audiofeat.pipeline import extract, read_dataset  # noqa: E402
from audiofeat.pipeline.sinks import META_DIR  # noqa: E402


def test_parquet_dictionary_encodes_the_file_columns_and_not_the_feature_values(wav_tree):
    root = wav_tree("a/x.wav", "a/y.wav", "a/z.wav")
    spec = {"features": ["mfcc"], "sr": 16000, "functionals": ["mean", "std"], "keep_frames": True}
    s = extract("a", spec, "out.parquet")
    assert (s.files_done, s.files_failed) == (3, 0)
    meta = pq.ParquetFile(str(root / "out.parquet" / "part-00000.parquet")).metadata
    encodings = {}
    for i in range(meta.num_columns):
        col = meta.row_group(0).column(i)
        encodings[col.path_in_schema] = set(col.encodings)
    dictionary = {name for name, enc in encodings.items() if "RLE_DICTIONARY" in enc or "PLAIN_DICTIONARY" in enc}
    assert {"path", "sr", "size"} <= dictionary
    features = [n for n in encodings if n.startswith("mfcc")]
    assert len(features) > 40 and not dictionary & set(features)
    frame = read_dataset(root / "out.parquet")
    assert frame.shape[0] == 3 and np.isfinite(frame["mfcc_0_mean"]).all()


def test_manifest_records_each_inputs_absolute_path_however_it_was_given(wav_tree):
    root = wav_tree("a/x.wav", "b/y.wav")
    os.chdir(root / "a")
    s = extract(["x.wav", "../b/y.wav", "./x.wav"], {"features": ["rms"], "sr": 16000,
                                                     "functionals": ["mean"]}, "../out")
    assert (s.files_total, s.files_done) == (2, 2)  # ./x.wav is x.wav
    manifest = json.loads((root / "out" / META_DIR / "manifest-00000.json").read_text())
    assert sorted(e["abspath"] for e in manifest["files"]) == [str(root / "a" / "x.wav"), str(root / "b" / "y.wav")]
    assert sorted(e["path"] for e in manifest["files"]) == ["../b/y.wav", "x.wav"]
    # resume from another folder finds both files done by their absolute paths
    os.chdir(root)
    again = extract([str(root / "a" / "x.wav"), "b/y.wav"], {"features": ["rms"], "sr": 16000,
                                                             "functionals": ["mean"]}, "out", resume=True)
    assert (again.files_skipped, again.files_done) == (2, 0)


@pytest.mark.parametrize("frame_length,hop", [(2048, 512), (1000, 300), (7, 3), (64, 64), (16, 40), (5, 1)])
def test_overlap_add_is_one_computation_on_numpy_and_torch(frame_length, hop):
    """torch overlap-adds with the numpy chunk adds (was nn.functional.fold, 15-30x slower on CPU): both equal
    a plain loop, for hops that divide the frame, do not, and exceed it; gradients flow on torch."""
    torch = pytest.importorskip("torch", reason="the torch half needs torch")
    from audiofeat._ops import overlap_add

    rng = np.random.default_rng(frame_length + hop)
    framed = rng.standard_normal((2, 3, 9, frame_length))
    want = np.zeros((2, 3, frame_length + hop * 8))
    for t in range(9):
        want[..., t * hop : t * hop + frame_length] += framed[..., t, :]
    np.testing.assert_allclose(overlap_add(framed, hop), want, rtol=0, atol=1e-12)
    x = torch.tensor(framed, requires_grad=True)
    got = overlap_add(x, hop)
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=0, atol=1e-12)
    weights = torch.tensor(rng.standard_normal(want.shape))
    (got * weights).sum().backward()
    # d/d framed[..., t, k] of sum(w * out) is w at t * hop + k
    expect = np.stack([weights.numpy()[..., t * hop : t * hop + frame_length] for t in range(9)], axis=-2)
    np.testing.assert_allclose(x.grad.numpy(), expect, rtol=0, atol=1e-12)


def test_torch_vocoder_on_digital_silence_has_finite_gradients_and_matches_librosa():
    """The torch vocoder now carries the phase as unit phasors D / |D| (was a float64 angle sum): frames of
    exact zeros (leading silence) must neither give NaN gradients nor move the result off librosa's."""
    torch = pytest.importorskip("torch", reason="needs torch")
    librosa = pytest.importorskip("librosa", reason="librosa is the oracle")
    import audiofeat as af

    y = np.zeros(12000)
    y[6000:] = np.sin(0.05 * np.arange(6000)) * np.hanning(6000)
    D = librosa.stft(y, n_fft=512, hop_length=128)
    for rate in (0.7, 1.0, 1.6):
        want = librosa.phase_vocoder(D, rate=rate, hop_length=128)
        got = af.phase_vocoder(torch.from_numpy(D), rate=rate, hop_length=128).numpy()
        assert np.abs(got - want).max() <= 1e-9 * np.abs(want).max()
    t = torch.tensor(y, requires_grad=True)
    out = af.effects.time_stretch(t, rate=1.3, n_fft=512, hop_length=128)
    out.square().sum().backward()
    assert torch.isfinite(t.grad).all() and t.grad[6000:].abs().max() > 0


def test_two_links_with_different_names_to_one_file_stay_two_inputs(wav_tree):
    """The identity of an input resolves its folder, not the file: one cached file linked under two labels'
    folders is two examples (resume must not skip the second as done)."""
    root = wav_tree("cache/x.wav")
    os.makedirs("train/cat")
    os.makedirs("train/dog")
    os.symlink(root / "cache" / "x.wav", "train/cat/001.wav")
    os.symlink(root / "cache" / "x.wav", "train/dog/005.wav")
    spec = {"features": ["rms"], "sr": 16000, "functionals": ["mean"]}
    s = extract("train", spec, "out", files_per_part=1)
    assert (s.files_total, s.files_done) == (2, 2)
    frame = read_dataset(root / "out")
    assert sorted(os.path.basename(os.path.dirname(p)) for p in frame["path"]) == ["cat", "dog"]
    again = extract("train", spec, "out", resume=True)
    assert (again.files_skipped, again.files_done) == (2, 0)


def test_cqt_of_a_cpu_tensor_runs_soxr_yet_traces_through_torch():
    """B.cpu_view: a CPU tensor without derivatives is decimated by soxr (numpy's exact result); under
    torch.jit.trace the torch convolution is recorded (numpy's result would be baked in as a constant)."""
    torch = pytest.importorskip("torch", reason="needs torch")
    import warnings

    import audiofeat as af

    rng = np.random.default_rng(5)
    a, b = (rng.standard_normal(8000).astype(np.float32) for _ in range(2))
    kw = dict(sr=16000, hop_length=128, fmin=55.0, n_bins=60)  # an early decimation by 4 and two halvings
    want_a = af.cqt(a, **kw)
    assert np.abs(af.cqt(torch.from_numpy(a), **kw).numpy() - want_a).max() <= 1e-5 * np.abs(want_a).max()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(lambda t: af.cqt(t, **kw).abs(), torch.from_numpy(a), check_trace=False)
    got = traced(torch.from_numpy(b)).numpy()
    want = np.abs(af.cqt(b, **kw))
    assert np.abs(got - want).max() <= 1e-4 * np.abs(want).max()


def test_tracing_a_feature_leaves_the_constant_store_usable_by_torch_func():
    """torch.jit.trace of a feature that caches a constant made the store's byte count a traced tensor
    (numel() is traced), and every later torch.func.jvp through a cached constant then raised (found by the
    fresh-clone CI, where the trace test ran before a jvp test)."""
    torch = pytest.importorskip("torch", reason="needs torch")
    import warnings

    import audiofeat as af
    from audiofeat import _cache

    x = torch.from_numpy(np.random.default_rng(2).standard_normal(3000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.trace(lambda t: af.feature.melspectrogram(y=t, sr=16000, n_fft=256, hop_length=64, n_mels=23),
                        x, check_trace=False)  # caches a new mel basis while tracing
    assert isinstance(_cache._bytes, int)
    f = lambda t: af.effects.time_stretch(t, rate=1.37, n_fft=256, hop_length=64).square().sum()  # noqa: E731
    _, jv = torch.func.jvp(f, (x,), (torch.ones_like(x),))
    assert torch.isfinite(jv)
