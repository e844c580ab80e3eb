"""Review of session 23 (reviewer A, pipeline): the early tail commit of a pool run, problems from the manifests
kept in memory, and frame features with no frame on a clip too short for them."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf

import audiofeat
from audiofeat.errors import ParameterError
from audiofeat.pipeline import ExtractorSpec, extract, process_file, read_dataset, register_feature
from audiofeat.pipeline.features import FEATURES

SR = 8000


def _noise(path, seconds, seed=0):
    y = 0.1 * np.random.default_rng(seed).standard_normal(int(seconds * SR))
    sf.write(str(path), y.astype(np.float32), SR)
    return str(path)


def _speech_and_pauses(path, pattern, seed=0):
    """A voiced tone where `on`, faint noise elsewhere: voice_activity finds the tone's stretches."""
    rng = np.random.default_rng(seed)
    parts = []
    for seconds, on in pattern:
        n = int(seconds * SR)
        t = np.arange(n) / SR
        if on:
            parts.append(0.3 * np.sin(2 * np.pi * 150 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
                         + 0.01 * rng.standard_normal(n))
        else:
            parts.append(0.0005 * rng.standard_normal(n))
    sf.write(str(path), np.concatenate(parts).astype(np.float32), SR)
    return str(path)


# ------------------------------------------------------------------------------------------ finding 1
def test_npz_voice_activity_segments_with_frames_do_not_crash_the_run(tmp_path):
    # voice-activity segments differ in length, so their frames do too: NpzSink np.stack-ed them and the whole
    # run died with a bare ValueError (nothing of the batch written). Since session 23 a segment under 3 s has
    # *no* short-term loudness frame, which hits it at once; mfcc frames always did
    path = _speech_and_pauses(tmp_path / "s.wav", [(0.5, 0), (1.0, 1), (0.7, 0), (4.0, 1), (0.5, 0)])
    spec = {"features": ["loudness_short_term", "rms"], "sr": SR, "keep_frames": True,
            "functionals": ["mean"], "segment": {"voice_activity": {}}}
    r = process_file(path, ExtractorSpec.from_dict(spec))
    assert r.ok and len(r.rows) == 2
    s = extract([path], spec, tmp_path / "out", format="npz")
    assert (s.files_done, s.files_failed) == (1, 0)
    z = np.load(tmp_path / "out" / "s.wav.npz")
    for key in ("loudness_short_term", "rms"):
        shapes = z[f"{key}_shape"]
        assert [tuple(x) for x in shapes] == [row[key].shape for row in r.rows]
        for i, row in enumerate(r.rows):  # each segment's frames, the padding cut off by its shape
            got = z[key][(i, *(slice(0, n) for n in shapes[i]))]
            np.testing.assert_array_equal(got, row[key])
            assert np.isnan(z[key][i][..., shapes[i][-1]:]).all()
    assert np.isnan(z["loudness_short_term_mean"][0]) and np.isfinite(z["loudness_short_term_mean"][1])


# ------------------------------------------------------------------------------------------ finding 2
def test_a_registered_frame_feature_with_a_band_axis_keeps_its_columns_on_a_short_clip(tmp_path):
    # compute_features gave a too-short frame feature the shape (*signal axes, 0): right for momentary and
    # short-term loudness, but a registered frame feature with another axis (bands) lost it, so a short clip's
    # row had 'two_band_mean' where every other row has 'two_band_0_mean', 'two_band_1_mean' (silently, in
    # the same parquet). Such a file now fails as before the change (a typed feature_error)
    def two_band(y, sr=22050):
        st = audiofeat.loudness_short_term(y, sr)
        return np.stack([st, st + 1.0])

    register_feature("review23a_two_band", two_band)
    try:
        short, long_ = _noise(tmp_path / "a.wav", 1.0, 1), _noise(tmp_path / "b.wav", 4.0, 2)
        s = extract([short, long_], {"features": ["review23a_two_band"], "sr": SR, "functionals": ["mean"]},
                    tmp_path / "out")
        df = read_dataset(tmp_path / "out")
        assert "review23a_two_band_mean" not in df.columns
        assert {"review23a_two_band_0_mean", "review23a_two_band_1_mean"} <= set(df.columns)
        assert (s.files_done, s.files_failed) == (1, 1)
        assert s.failed_by_reason == {"feature_error": 1}
    finally:
        del FEATURES["review23a_two_band"]
    # the built-in loudness frame features still keep the clip, with no frame
    r = process_file(short, ExtractorSpec(features=["loudness_short_term"], sr=SR, functionals=["mean"]))
    assert r.ok and np.isnan(r.rows[0]["loudness_short_term_mean"])


# ------------------------------------------------------------------------------------------ finding 3
@pytest.mark.parametrize("bad", ["30", None, -1.0, float("nan"), True])
def test_seconds_per_part_is_checked_before_anything_is_written(tmp_path, bad):
    # files_per_part was checked, seconds_per_part not: '30' or None was a bare TypeError at the first result,
    # after the output folder was stamped (a rerun with a good value was then refused: 'already holds an
    # audiofeat dataset'); NaN silently never committed by time, a negative value every file
    path = _noise(tmp_path / "a.wav", 0.2)
    with pytest.raises(ParameterError, match="seconds_per_part"):
        extract([path], {"features": ["rms"], "sr": SR, "functionals": ["mean"]}, tmp_path / "out",
                seconds_per_part=bad)
    assert not (tmp_path / "out").exists()
    s = extract([path], {"features": ["rms"], "sr": SR, "functionals": ["mean"]}, tmp_path / "out",
                seconds_per_part=np.float64(0.0))
    assert s.files_done == 1
