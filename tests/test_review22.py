"""Hostile review of session 22 (helper 2): CSV labels of AudioDataset, programme loudness in the pipeline."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from audiofeat.errors import ParameterError

torch = pytest.importorskip("torch", reason="AudioDataset is a torch Dataset")


def _dataset(tmp_path, labels):
    from audiofeat.data import AudioDataset

    root = tmp_path / "audio"
    root.mkdir()
    names = [f"f{i}.wav" for i in range(len(labels))]
    for name in names:
        sf.write(str(root / name), np.zeros(800, np.float32), 8000)
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,label\n" + "".join(f"{n},{v}\n" for n, v in zip(names, labels)), encoding="utf-8")
    return AudioDataset(str(root), sr=8000, labels=str(csv_path))


# An empty label cell (a file whose label was never filled in) silently became the class '' -- and in a
# regression column it turned every target into a class index (['1.5', '', '2'] -> classes ['', '1.5', '2'],
# targets [1, 0, 2]): a model trained on it learns nonsense with no error anywhere. A missing label is an
# input error, like a file missing from the CSV (which already raises ParameterError).
@pytest.mark.parametrize("labels", [["1.5", "", "2"], ["1", "  ", "2"], ["cat", "", "dog"]])
def test_empty_label_cell_is_an_error_not_a_class(tmp_path, labels):
    with pytest.raises(ParameterError, match="empty label"):
        _dataset(tmp_path, labels)


# ' cat' (a space after the comma) and 'cat' were two classes, while ' 7' and '7' are one number: the
# whitespace rule differed between numbers and names, so "a.wav, cat" split a class in two silently.
def test_whitespace_around_class_names_is_not_part_of_the_name(tmp_path):
    ds = _dataset(tmp_path, ["cat", " cat", "dog "])
    assert ds.classes == ["cat", "dog"]
    assert [ds[i][1] for i in range(3)] == [0, 0, 1]


# The float rule let through spellings the integer rule calls names: '007' is a name next to '7', but next
# to '1.5' it became the number 7.0; Arabic-Indic '٣' likewise became 3.0 (but is a name next to '1').
# Whether an ID column is numeric must not depend on what other rows hold.
@pytest.mark.parametrize("labels, classes", [
    (["007", "1.5"], ["007", "1.5"]),
    (["\u0663", "1.5"], ["1.5", "\u0663"]),
    (["1_000.5", "2.5"], ["1_000.5", "2.5"]),
])
def test_float_column_does_not_read_ids_as_numbers(tmp_path, labels, classes):
    ds = _dataset(tmp_path, labels)
    assert ds.classes == classes


# A 20-digit integer label (an ID) was taken as an integer target that no tensor can hold: collate_audio
# then failed with a bare ValueError ('Overflow when unpacking long long') at the first batch, far from the
# CSV. Integers outside int64 are identifiers (class names).
def test_integer_beyond_int64_is_a_name_and_batches(tmp_path):
    from audiofeat.data import collate_audio

    ds = _dataset(tmp_path, ["99999999999999999999", "1"])
    assert ds.classes == ["1", "99999999999999999999"]
    x, lengths, labels = collate_audio([ds[0], ds[1]])
    assert labels.tolist() == [1, 0]


# The same file listed twice with different labels: the last row silently won.
def test_conflicting_duplicate_rows_are_an_error(tmp_path):
    from audiofeat.data import AudioDataset

    root = tmp_path / "audio"
    root.mkdir()
    sf.write(str(root / "a.wav"), np.zeros(800, np.float32), 8000)
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text("path,label\na.wav,cat\na.wav,dog\n")
    with pytest.raises(ParameterError, match="a.wav"):
        AudioDataset(str(root), sr=8000, labels=str(csv_path))
    csv_path.write_text("path,label\na.wav,cat\na.wav,cat\n")  # a repeated identical row is harmless
    assert AudioDataset(str(root), sr=8000, labels=str(csv_path)).classes == ["cat"]


# --channels (mono=False) with programme loudness of 5.1 files, {"channel_axis": 0, "weights": [six]}: every
# file computes, but the run's probe fed the feature a one-channel test signal and refused the whole run
# ('weights has 6 values for 1 channels'). Session 22 gave the mono=True probe channels; mono=False was left.
def test_probe_of_channel_weights_with_mono_false_does_not_refuse_the_run(tmp_path):
    from audiofeat.pipeline import ExtractorSpec, extract, process_file

    rng = np.random.default_rng(0)
    audio = tmp_path / "in"
    audio.mkdir()
    sf.write(str(audio / "surround.wav"), (0.1 * rng.standard_normal((16000, 6))).astype(np.float32), 16000)
    spec = ExtractorSpec(features=[{"name": "loudness", "params": {"channel_axis": 0,
                                                                   "weights": [1, 1, 1, 0, 1.41, 1.41]}}],
                         sr=16000, mono=False)
    assert process_file(str(audio / "surround.wav"), spec).ok
    summary = extract([str(audio)], spec, str(tmp_path / "out.parquet"))
    assert summary is not None


# A stereo file rewritten (shorter) between the pipeline's two reads (the mix, then the channels for
# programme loudness) failed with a bare AudiofeatError filed under reason 'feature_error': the summary and
# errors.jsonl blamed the loudness feature for what is a file that changed while it was read.
def test_file_changed_between_the_two_reads_is_a_file_error(tmp_path, monkeypatch):
    import audiofeat.pipeline.compute as compute
    from audiofeat.errors import AudioFileError
    from audiofeat.pipeline import ExtractorSpec, process_file

    path = str(tmp_path / "st.wav")
    sf.write(path, np.full((48000, 2), 0.1, np.float32), 16000)
    real, calls = compute.afio.load, []

    def load(p, **kw):
        out = real(p, **kw)
        calls.append(p)
        if len(calls) == 1:
            sf.write(path, np.full((30000, 2), 0.1, np.float32), 16000)
        return out

    monkeypatch.setattr(compute.afio, "load", load)
    r = process_file(path, ExtractorSpec(features=["loudness"], sr=16000))
    assert not r.ok
    assert r.error["reason"] == "changed" and r.error["type"] == AudioFileError.__name__, r.error
