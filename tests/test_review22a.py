"""Review of session 22, first reviewer (programme loudness in the pipeline, CSV labels); the second reviewer's
tests are in test_review22.py."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

import audiofeat
from audiofeat.pipeline import ExtractorSpec, extract, process_file

SR = 16000


def _noise(channels, seconds=2.0, seed=22):
    rng = np.random.default_rng(seed)
    return (0.1 * rng.standard_normal((channels, int(seconds * SR)))).astype(np.float32)


def test_truncated_stereo_file_is_warned_once(tmp_path):
    # A truncated stereo file was reported twice (the programme loudness reads the file a second time), so the
    # run's summary said "truncated files: 2" for one file and errors.jsonl held the same warning twice.
    path = str(tmp_path / "t.wav")
    sf.write(path, _noise(2, 3.0).T, SR, subtype="FLOAT")
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[: len(raw) // 2])
    for seg in (None, {"window": 0.5, "hop": 0.5}):
        r = process_file(path, ExtractorSpec(features=["loudness", "rms"], sr=SR, functionals=["mean"],
                                             segment=seg))
        assert r.ok, r.error
        assert [w["reason"] for w in r.warnings] == ["truncated"]
    summary = extract(str(tmp_path), ExtractorSpec(features=["loudness"], sr=SR), str(tmp_path / "out"))
    assert summary.truncated_warned == 1


@pytest.mark.parametrize("mono, params", [
    (True, {"weights": [1.0, 1.0, 1.0, 1.0]}),
    (False, {"weights": [1.0, 1.0, 1.0, 1.0], "channel_axis": 0}),
])
def test_explicit_channel_weights_are_not_refused_by_the_probe(tmp_path, mono, params):
    # A 4-channel file fails with "no default channel weights ...; pass weights=[...]", but a spec that passes
    # them was refused by extract()'s probe (it tried the weights on a one-channel test signal), so there was
    # no way to get the programme loudness of a quad corpus.
    y = _noise(4)
    sf.write(str(tmp_path / "q.wav"), y.T, SR, subtype="FLOAT")
    spec = ExtractorSpec(features=[{"loudness": params}], sr=SR, mono=mono)
    summary = extract(str(tmp_path), spec, str(tmp_path / "out"))
    assert summary.files_done == 1, summary.errors
    import pandas as pd

    got = pd.read_parquet(str(tmp_path / "out"))["loudness"].iloc[0]
    assert got == pytest.approx(float(audiofeat.loudness(y, SR, channel_axis=0, weights=[1, 1, 1, 1])), abs=1e-4)


def test_probe_still_refuses_weights_that_fit_no_file(tmp_path):
    sf.write(str(tmp_path / "s.wav"), _noise(2).T, SR, subtype="FLOAT")
    from audiofeat.errors import ParameterError

    with pytest.raises(ParameterError):  # negative weight: fails for every file
        extract(str(tmp_path), ExtractorSpec(features=[{"loudness": {"weights": [1, -1]}}], sr=SR),
                str(tmp_path / "o1"))
    with pytest.raises(ParameterError):  # mono=False, weights without channel_axis
        extract(str(tmp_path), ExtractorSpec(features=[{"loudness": {"weights": [1, 1]}}], sr=SR, mono=False),
                str(tmp_path / "o2"))


# ------------------------------------------------------------------------------------- dataset CSV labels
def _labels(tmp_path, labels):
    pytest.importorskip("torch", reason="AudioDataset is a torch Dataset")
    from audiofeat.data import AudioDataset

    root = tmp_path / "audio"
    root.mkdir()
    names = [f"{i}.wav" for i in range(len(labels))]
    for name in names:
        sf.write(str(root / name), np.zeros(800, np.float32), 8000)
    (tmp_path / "l.csv").write_text("path,label\n" + "".join(f"{n},{v}\n" for n, v in zip(names, labels)))
    ds = AudioDataset(str(root), sr=8000, labels=str(tmp_path / "l.csv"))
    return ds, [ds[i][1] for i in range(len(labels))]


@pytest.mark.parametrize("labels", [["0.5", "", "1.5"], ["2", "10", "nan"], ["0.5", "NaN", "1.5"]])
def test_a_missing_target_in_a_numeric_label_column_is_an_error(tmp_path, labels):
    # One empty or 'nan' cell in a regression column turned the whole column into class indices, in string
    # order: ['2', '10', 'nan'] gave targets [1, 0, 2]. A silent wrong answer ('nan' gave a NaN target before
    # session 22, so this part is new).
    from audiofeat.errors import ParameterError

    with pytest.raises(ParameterError, match="label"):
        _labels(tmp_path, labels)


@pytest.mark.parametrize("labels, classes, targets", [
    (["dog", " dog", "cat"], ["cat", "dog"], [1, 1, 0]),   # ' 7' and '7' were one number, ' dog'/'dog' two classes
    (["007", "1.5", "2"], ["007", "1.5", "2"], [0, 1, 2]),  # '007' became 7.0 as soon as a float was in the column
    (["1_000", "2.5", "3"], ["1_000", "2.5", "3"], [0, 1, 2]),  # float('1_000') is 1000.0
    (["12345678901234567890123", "1", "2"], ["1", "12345678901234567890123", "2"], [1, 0, 2]),  # no int64: an ID
    (["1", "dog", "nan"], ["1", "dog", "nan"], [0, 1, 2]),  # names among numbers: a class column
    (["-4", "0", "3"], None, [-4, 0, 3]),
])
def test_csv_label_edge_cases(tmp_path, labels, classes, targets):
    ds, got = _labels(tmp_path, labels)
    assert ds.classes == classes and got == targets
    import torch

    torch.utils.data.default_collate(got)  # a huge int target crashed collate with an untyped ValueError


def test_weights_on_a_mono_file_name_the_channel_count(tmp_path):
    # With mono=True and weights for quad files, every mono file of the corpus failed with "weights are per
    # channel: give channel_axis too", advice the pipeline user cannot follow (it sets channel_axis itself).
    # A one-channel file is now a programme of one channel: same number, and an error that says what is wrong.
    from audiofeat.errors import ParameterError

    y = _noise(1)[0]
    path = str(tmp_path / "m.wav")
    sf.write(path, y, SR, subtype="FLOAT")
    r = process_file(path, ExtractorSpec(features=[{"loudness": {"weights": [1, 1, 1, 1]}}], sr=SR))
    assert r.error["type"] == ParameterError.__name__ and "4 values for 1 channels" in r.error["message"]
    plain = process_file(path, ExtractorSpec(features=["loudness", "loudness_momentary"], sr=SR, functionals=["mean"]))
    assert plain.rows[0]["loudness"] == pytest.approx(float(audiofeat.loudness(y, SR)), abs=1e-6)
