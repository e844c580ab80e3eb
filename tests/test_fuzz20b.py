"""Hostile tests (session 20, fuzz B): blocked long-file extraction, loudness, feature sets, data loading."""

from __future__ import annotations

import numpy as np
import pytest

sf = pytest.importorskip("soundfile", reason="writes test files")


def _frames(path, feature, params, *, sr=None, mono=True, block=None, monkeypatch=None):
    """``feature``'s frames from process_file: whole-file path (block None) or blocked path."""
    from audiofeat.pipeline import ExtractorSpec, process_file
    import audiofeat.pipeline.compute as C

    if block is not None:
        monkeypatch.setattr(C, "STREAM_BLOCK_SECONDS", block)
    spec = ExtractorSpec(features=[{"name": feature, "params": params}], sr=sr, mono=mono, keep_frames=True,
                         functionals=None, block_seconds=1.0 if block is not None else 1e6)
    r = process_file(path, spec)
    assert r.ok, r.error
    return r.rows[0][feature], r.rows[0]["duration"]


@pytest.mark.parametrize("block", [999, 1000, 1001, 1278, 1282])
@pytest.mark.parametrize("channels", [1, 2])
def test_blocked_frames_when_hop_exceeds_frame_length(tmp_path, monkeypatch, block, channels):
    # hop_length > frame_length: frames leave gaps; a gap that crosses a block seam was lost (the next
    # frame started early), giving extra, shifted frames on the long-file path
    native = 8000
    y = (0.3 * np.random.default_rng(0).standard_normal((2 * native + 1, channels))).astype(np.float32)
    path = str(tmp_path / "x.wav")
    sf.write(path, y, native, subtype="FLOAT")
    params = {"frame_length": 128, "hop_length": 300}
    whole, _ = _frames(path, "rms", params, mono=channels == 1)
    blocked, _ = _frames(path, "rms", params, mono=channels == 1, block=block / native, monkeypatch=monkeypatch)
    assert blocked.shape == whole.shape
    np.testing.assert_allclose(blocked, whole, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("n", [16389, 23999])
def test_blocked_resampled_length_equals_load(tmp_path, monkeypatch, n):
    # the long-file path resampled with a soxr stream, one sample shorter than load(sr=...) gives
    # (ceil(n * sr / native)): the row's duration differed, and a frame could go missing
    native, sr = 8000, 22050
    y = (0.3 * np.random.default_rng(1).standard_normal(n)).astype(np.float32)
    path = str(tmp_path / "x.wav")
    sf.write(path, y, native, subtype="FLOAT")
    params = {"n_fft": 512, "hop_length": 128}
    whole, d_whole = _frames(path, "melspectrogram", params, sr=sr)
    blocked, d_blocked = _frames(path, "melspectrogram", params, sr=sr, block=1000 / native,
                                 monkeypatch=monkeypatch)
    assert d_blocked == d_whole
    assert blocked.shape == whole.shape
    np.testing.assert_allclose(blocked, whole, rtol=1e-4, atol=1e-6 * float(np.max(whole)))


def test_blocked_frame_count_when_resampled_length_is_a_multiple_of_hop(tmp_path, monkeypatch):
    # n_out = ceil(n * 22050 / 8000) a multiple of the hop: the one-sample-short stream lost the last frame
    import math

    native, sr, hop = 8000, 22050, 128
    n = next(k for k in range(16001, 17000) if math.ceil(k * sr / native) % hop == 0)
    y = (0.3 * np.random.default_rng(2).standard_normal(n)).astype(np.float32)
    path = str(tmp_path / "x.wav")
    sf.write(path, y, native, subtype="FLOAT")
    params = {"frame_length": 512, "hop_length": hop}
    whole, _ = _frames(path, "rms", params, sr=sr)
    blocked, _ = _frames(path, "rms", params, sr=sr, block=1000 / native, monkeypatch=monkeypatch)
    assert blocked.shape == whole.shape
    np.testing.assert_allclose(blocked, whole, rtol=1e-4, atol=1e-7)


# ---------------------------------------------------------------------------------------------- data
def _folder(tmp_path, names=("a.wav", "b.wav")):
    for k, name in enumerate(names):
        sf.write(str(tmp_path / name), np.full(800 + 100 * k, 0.1, np.float32), 8000)
    return tmp_path


def _labelled_dataset(tmp_path, csv_text, encoding):
    """An AudioDataset over two short files with labels from a CSV of ``csv_text``."""
    pytest.importorskip("torch", reason="AudioDataset is a torch Dataset")
    from audiofeat.data import AudioDataset

    root = _folder(tmp_path)
    csv_path = tmp_path / "labels.csv"
    csv_path.write_text(csv_text, encoding=encoding)
    return AudioDataset(str(root), sr=8000, labels=str(csv_path))


def test_labels_csv_with_byte_order_mark(tmp_path):
    # Excel's "CSV UTF-8" writes a BOM: the first header cell read as "\ufeffpath", and the dataset said the
    # CSV had no 'path' column
    ds = _labelled_dataset(tmp_path, "path,label\na.wav,dog\nb.wav,cat\n", "utf-8-sig")
    assert ds.classes == ["cat", "dog"] and [ds[i][1] for i in range(2)] == [1, 0]


def test_labels_csv_nan_class_name_is_not_a_nan_target(tmp_path):
    # fixed in session 22: 'nan'/'inf' are class names, never NaN/inf targets
    ds = _labelled_dataset(tmp_path, "path,label\na.wav,nan\nb.wav,inf\n", "utf-8")
    labels = [ds[i][1] for i in range(2)]
    assert all(np.isfinite(v) for v in labels)


def test_negative_epoch_is_a_typed_error(tmp_path):
    # set_epoch(-1) (or an (epoch, i) index with a negative epoch) reached SeedSequence's untyped ValueError
    # on the first item, inside a worker
    pytest.importorskip("torch", reason="AudioDataset is a torch Dataset")
    from audiofeat.data import AudioDataset
    from audiofeat.errors import ParameterError

    ds = AudioDataset(str(_folder(tmp_path)), sr=8000, duration=0.05)
    with pytest.raises(ParameterError, match="epoch"):
        ds.set_epoch(-1)
        ds[0]
    with pytest.raises(ParameterError, match="epoch"):
        ds[(-2, 0)]
    assert ds[(1, 0)][0].shape == (400,)


# ---------------------------------------------------------------------------------------------- open findings
def test_pipeline_loudness_of_stereo_file_is_programme_loudness():
    import os

    import audiofeat
    from audiofeat.pipeline import ExtractorSpec, process_file

    path = os.path.join(os.path.dirname(__file__), "..", "data", "samples", "chord.mp3")
    y, sr = audiofeat.load(path, sr=None, mono=False)
    assert y.shape[0] == 2
    expected = float(audiofeat.loudness(y, sr, channel_axis=0))
    r = process_file(path, ExtractorSpec(features=["loudness"]))
    assert r.ok, r.error
    assert abs(r.rows[0]["loudness"] - expected) < 0.05


def test_streaming_short_uncentred_stream_raises_as_offline():
    # fixed in session 22: the stream's flush raises as the offline call does
    from audiofeat import stft
    from audiofeat.errors import ParameterError
    from audiofeat.streaming import STFT

    y = np.zeros(100, np.float32)
    with pytest.raises(ParameterError):
        stft(y, n_fft=512, hop_length=128, center=False)
    st = STFT(n_fft=512, hop_length=128, center=False)
    st.process(y)
    with pytest.raises(ParameterError):
        st.flush()


def test_named_vector_columns_keep_their_names_per_channel():
    # mono=False: egemaps' 57 named values (and tempo's 'bpm') became egemaps_0_0 ... egemaps_1_56, so the
    # same feature had different column names for mono and stereo files
    import os

    import audiofeat
    from audiofeat.pipeline import ExtractorSpec, process_file

    path = os.path.join(os.path.dirname(__file__), "..", "data", "samples", "chord.mp3")
    r = process_file(path, ExtractorSpec(features=["egemaps", "tempo"], mono=False))
    assert r.ok, r.error
    names = audiofeat.feature_names()
    cols = [k for k in r.rows[0] if k.startswith("egemaps")]
    assert cols == [f"egemaps_{c}_{n}" for c in range(2) for n in names]
    assert [k for k in r.rows[0] if k.startswith("tempo")] == ["tempo_0_bpm", "tempo_1_bpm"]
    y, sr = audiofeat.load(path, sr=None, mono=False)
    np.testing.assert_allclose([r.rows[0][f"egemaps_1_{n}"] for n in names], audiofeat.extract_features(y[1], sr),
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("feature", ["stft", "melspectrogram", "spectral_centroid", "mfcc"])
def test_blocked_frames_default_hop_follows_win_length(tmp_path, monkeypatch, feature):
    # hop_length=None is win_length // 4 (librosa); the long-file framer took n_fft // 4 and cut its blocks at
    # the wrong frames: 705 frames instead of 744
    native = 16000
    y = (0.3 * np.random.default_rng(3).standard_normal(int(2.3 * native))).astype(np.float32)
    path = str(tmp_path / "x.wav")
    sf.write(path, y, native, subtype="FLOAT")
    params = {"n_fft": 512, "win_length": 400, "hop_length": None}
    whole, _ = _frames(path, feature, params)
    blocked, _ = _frames(path, feature, params, block=1001 / native, monkeypatch=monkeypatch)
    assert blocked.shape == whole.shape
    np.testing.assert_allclose(blocked, whole, rtol=1e-4, atol=1e-5 * float(np.max(np.abs(whole))))


def test_featureset_ignores_dc_offset():
    import os

    import audiofeat

    names = audiofeat.feature_names()
    sr = 16000
    v = dict(zip(names, audiofeat.extract_features(np.full(2 * sr, 0.01), sr)))
    assert v["voiced_segments_per_sec"] == 0 and v["F0semitone_mean"] == 0
    y, sr = audiofeat.load(os.path.join(os.path.dirname(__file__), "..", "data", "samples", "speech.wav"), sr=None)
    a = dict(zip(names, audiofeat.extract_features(y, sr)))
    b = dict(zip(names, audiofeat.extract_features(y + 0.01, sr)))
    for key in ("F0semitone_mean", "F0semitone_cv", "F1_frequency_mean", "HNR_mean", "loudness_mean"):
        assert b[key] == pytest.approx(a[key], rel=0.1), key


def test_pipeline_short_clip_keeps_other_features_when_loudness_is_undefined(tmp_path):
    """A clip (or segment) under loudness's 400 ms block: loudness is NaN with a warning, the other features
    stay (the whole row was lost to loudness's too-short error)."""
    import math

    from audiofeat.errors import ParameterError, SignalTooShortError
    from audiofeat.pipeline import ExtractorSpec, extract, process_file

    path = str(tmp_path / "kw.wav")
    sf.write(path, (0.1 * np.random.default_rng(0).standard_normal(4800)).astype(np.float32), 16000)
    r = process_file(path, ExtractorSpec(features=["mfcc", "loudness"], sr=16000, functionals=["mean"]))
    assert r.ok, r.error
    assert "mfcc_0_mean" in r.rows[0] and math.isnan(r.rows[0]["loudness"])
    assert [w["reason"] for w in r.warnings] == ["too_short"] and "loudness" in r.warnings[0]["message"]
    # stereo, mono=False: one NaN per channel
    sf.write(path, (0.1 * np.random.default_rng(1).standard_normal((4800, 2))).astype(np.float32), 16000)
    r = process_file(path, ExtractorSpec(features=["loudness", "rms"], sr=16000, mono=False, functionals=["mean"]))
    assert r.ok and math.isnan(r.rows[0]["loudness_0"]) and math.isnan(r.rows[0]["loudness_1"])
    # 0.25 s segments of a 1 s file: every segment keeps its mfcc; a long enough clip still has its loudness
    long_path = str(tmp_path / "one_second.wav")
    sf.write(long_path, (0.1 * np.random.default_rng(2).standard_normal(16000)).astype(np.float32), 16000)
    spec = ExtractorSpec(features=["mfcc", "loudness"], sr=16000, functionals=["mean"],
                         segment={"window": 0.25, "hop": 0.25})
    r = process_file(long_path, spec)
    assert r.ok and len(r.rows) == 4 and all(math.isnan(row["loudness"]) for row in r.rows)
    assert all(np.isfinite(row["mfcc_0_mean"]) for row in r.rows)
    assert len(r.warnings) == 1 and r.warnings[0]["count"] == 4 and "in 4 segments" in r.warnings[0]["message"]
    whole = process_file(long_path, ExtractorSpec(features=["loudness"], sr=16000))
    assert np.isfinite(whole.rows[0]["loudness"]) and not whole.warnings
    # a run records the warning and counts the file done
    s = extract([path], {"features": ["mfcc", "loudness"], "sr": 16000, "functionals": ["mean"]},
                str(tmp_path / "out"))
    assert s.files_done == 1 and not s.files_failed
    assert any(p.get("reason") == "too_short" for p in s.dataset_problems)
    # the function itself still raises, typed
    import audiofeat

    with pytest.raises(SignalTooShortError):
        audiofeat.loudness(np.zeros(4800, np.float32), 16000)
    assert issubclass(SignalTooShortError, ParameterError)


# ---------------------------------------------------------------------------------------------- io.stream
def test_stream_gap_past_the_end_with_fill_value(tmp_path):
    # hop_length > frame_length leaves gaps between blocks; with fill_value and a duration beyond the end of
    # the file, the gap's seek went past the end and a valid file was reported as corrupt (CorruptAudioError
    # "psf_fseek() failed"). (librosa.stream is no reference here: soundfile.blocks with a negative overlap
    # yields overlapping, shifted blocks.)
    from audiofeat import io as afio

    path = str(tmp_path / "x.wav")
    y = np.random.default_rng(0).standard_normal(1000).astype(np.float32) * 0.1
    sf.write(path, y, 8000, subtype="FLOAT")
    blocks = list(afio.stream(path, block_length=3, frame_length=100, hop_length=300, duration=0.3, fill_value=0.0))
    padded = np.concatenate([y, np.zeros(2400 - 1000 + 700, np.float32)])  # the 0.3 s span, then fill
    assert len(blocks) == 3  # blocks start at 0, 900, 1800 (< 2400 frames of the span)
    for k, b in enumerate(blocks):
        np.testing.assert_array_equal(b, padded[900 * k: 900 * k + 700])


def test_dataloader_worker_reraises_the_typed_file_error(tmp_path):
    # with num_workers > 0 torch re-raises a worker's error as type(error)(message); AudioFileError needed
    # (path, detail), so the user got a bare RuntimeError instead of CorruptAudioError
    torch = pytest.importorskip("torch", reason="AudioDataset is a torch Dataset")
    from audiofeat.data import AudioDataset, collate_audio
    from audiofeat.errors import AudioFileError, CorruptAudioError

    root = _folder(tmp_path)
    bad = tmp_path / "zz_corrupt.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    ds = AudioDataset(str(root), sr=8000)
    dl = torch.utils.data.DataLoader(ds, batch_size=1, num_workers=1, collate_fn=collate_audio,
                                     multiprocessing_context="fork")
    with pytest.raises(CorruptAudioError) as info:
        list(dl)
    assert str(bad) in str(info.value)
    # the two-argument form is unchanged
    e = AudioFileError("x.wav", "cannot be read", reason="corrupt")
    assert (e.path, e.detail, e.reason, str(e)) == ("x.wav", "cannot be read", "corrupt", "x.wav: cannot be read")
