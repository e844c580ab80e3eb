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
