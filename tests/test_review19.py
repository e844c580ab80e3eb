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
