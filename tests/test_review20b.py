"""Session 20 review 2: empty batches still validate their keywords; too-short NaN keeps the feature's shape;
extract() with a segment window shorter than loudness's block runs (NaN + too_short) instead of refusing."""

import math

import numpy as np
import pytest

import audiofeat
from audiofeat.errors import ParameterError

sf = pytest.importorskip("soundfile", reason="the pipeline reads audio files")


@pytest.mark.parametrize("shape", [(0, 4000), (2, 0, 4000)])
def test_empty_batch_still_checks_keywords(shape):
    y = np.zeros(shape, np.float32)
    with pytest.raises(ParameterError):
        audiofeat.effects.pitch_shift(y, sr=16000, n_steps=2, res_type="nope")
    with pytest.raises(ParameterError):
        audiofeat.effects.time_stretch(y, rate=2.0, n_fft=-4)
    with pytest.raises(TypeError):
        audiofeat.effects.time_stretch(y, rate=2.0, bogus=1)
    assert audiofeat.effects.time_stretch(y, rate=2.0).shape == shape[:-1] + (2000,)
    assert audiofeat.effects.pitch_shift(y, sr=16000, n_steps=0).shape == shape


def test_too_short_nan_has_the_feature_shape_with_channel_axis(tmp_path):
    from audiofeat.pipeline import ExtractorSpec, process_file

    spec = ExtractorSpec(features=[{"loudness": {"channel_axis": 0}}], sr=16000, mono=False)
    cols = []
    for secs in (0.1, 1.0):
        path = str(tmp_path / f"{secs}.wav")
        sf.write(path, (0.1 * np.random.default_rng(0).standard_normal((int(secs * 16000), 2))).astype(np.float32),
                 16000)
        r = process_file(path, spec)
        assert r.ok, r.error
        cols.append(sorted(k for k in r.rows[0] if k.startswith("loudness")))
    assert cols[0] == cols[1] == ["loudness"]


def test_extract_with_segments_shorter_than_loudness_block(tmp_path):
    from audiofeat.pipeline import extract

    path = str(tmp_path / "one.wav")
    sf.write(path, (0.1 * np.random.default_rng(2).standard_normal(16000)).astype(np.float32), 16000)
    s = extract([path], {"features": ["mfcc", "loudness"], "sr": 16000, "functionals": ["mean"],
                         "segment": {"window": 0.25, "hop": 0.25}}, str(tmp_path / "out"))
    assert s.files_done == 1 and not s.files_failed
    too_short = [p for p in s.dataset_problems if p.get("reason") == "too_short"]
    assert len(too_short) == 1 and too_short[0]["count"] == 4  # one warning for the file's 4 segments
    pd = pytest.importorskip("pandas", reason="reads the parquet output")
    df = pd.read_parquet(str(tmp_path / "out"))
    assert len(df) == 4 and df["loudness"].isna().all() and np.isfinite(df["mfcc_0_mean"]).all()
    assert not math.isnan(df["duration"].iloc[0])


def test_ray_schema_survives_a_scalar_the_probe_is_too_short_for():
    """The Ray engine's schema comes from 1 s of noise; loudness with a 2 s block made it raise, so every Ray
    batch failed, while the local engine wrote NaN + too_short."""
    pytest.importorskip("pyarrow", reason="the schema is an Arrow schema")
    from audiofeat.pipeline import ExtractorSpec
    from audiofeat.pipeline.ray_engine import _schema

    schema = _schema(ExtractorSpec(features=[{"loudness": {"block_size": 2.0}}, "rms"], sr=16000,
                                   functionals=["mean"]))
    assert "loudness" in schema.names
