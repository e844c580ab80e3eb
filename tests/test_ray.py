"""The Ray Data engine on a local cluster: the same dataset as the local engine, failures recorded."""

from __future__ import annotations

import json
import os
import shutil

import pytest

pytest.importorskip("ray.data", reason="the Ray engine needs ray[data] (pip install 'audiofeat[ray]')")
pd = pytest.importorskip("pandas")

from audiofeat.errors import ParameterError  # noqa: E402
from audiofeat.pipeline import extract, read_dataset  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "data", "samples")


@pytest.fixture(scope="module")
def ray_cluster():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="error")
    yield ray
    ray.shutdown()


@pytest.mark.parametrize("spec", [
    {"features": ["mfcc", "loudness"], "sr": 16000, "functionals": ["mean", "p90"]},
    {"features": [{"name": "melspectrogram", "params": {"n_mels": 32}, "deltas": [1]}], "sr": 16000,
     "segment": {"window": 1.0, "hop": 1.0}},
], ids=["functionals", "frames-segments"])
def test_ray_output_equals_local(tmp_path, ray_cluster, spec):
    inputs = tmp_path / "in"
    shutil.copytree(SAMPLES, inputs)
    (inputs / "broken.wav").write_text("not audio")
    local = extract(inputs, spec, tmp_path / "local")
    remote = extract(inputs, spec, tmp_path / "ray", engine="ray")
    assert (remote.files_done, remote.files_failed, remote.rows) == (local.files_done, local.files_failed,
                                                                     local.rows)
    assert remote.failed_by_reason == local.failed_by_reason == {"not_audio": 1}
    pd.testing.assert_frame_equal(read_dataset(tmp_path / "local"), read_dataset(tmp_path / "ray"))
    errors = [json.loads(line) for line in (tmp_path / "ray" / "_audiofeat" / "errors.jsonl").read_text()
              .splitlines()]
    assert [os.path.basename(e["path"]) for e in errors] == ["broken.wav"]
    assert json.loads((tmp_path / "ray" / "_audiofeat" / "spec.json").read_text())["spec"]["sr"] == 16000


def test_ray_refuses_what_it_cannot_do(tmp_path, ray_cluster):
    with pytest.raises(ParameterError, match="parquet"):
        extract(SAMPLES, None, tmp_path / "o", engine="ray", format="npz")
    with pytest.raises(ParameterError, match="resume"):
        extract(SAMPLES, None, tmp_path / "o", engine="ray", resume=True)


def test_ray_stereo_files_with_mono_false(tmp_path, ray_cluster):
    """mono=False: the schema comes from the files' channel count (it was a one-channel probe, so every stereo
    file failed the Ray run); files of different channel counts are refused up front, with the folder left
    untouched."""
    import numpy as np
    import soundfile as sf

    inputs = tmp_path / "in"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.wav", "b.wav"):
        sf.write(str(inputs / name), (0.1 * rng.standard_normal((16000, 2))).astype(np.float32), 16000)
    spec = {"features": ["loudness", "rms"], "sr": 16000, "functionals": ["mean"], "mono": False}
    local = extract(inputs, spec, tmp_path / "local")
    remote = extract(inputs, spec, tmp_path / "ray", engine="ray")
    assert remote.files_done == local.files_done == 2 and not remote.files_failed
    got, want = read_dataset(tmp_path / "ray"), read_dataset(tmp_path / "local")
    assert {"loudness_0", "loudness_1"} <= set(got.columns)
    pd.testing.assert_frame_equal(got, want)
    sf.write(str(inputs / "c.wav"), (0.1 * rng.standard_normal(16000)).astype(np.float32), 16000)
    with pytest.raises(ParameterError, match="same number of channels"):
        extract(inputs, spec, tmp_path / "mixed", engine="ray")
    assert not (tmp_path / "mixed").exists()
