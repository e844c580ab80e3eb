"""Review of session 19's later commits (input identity across resume, B.magnitude's numpy path, the
vocoder's renormalised running product)."""

from __future__ import annotations

import glob
import json
import os

import numpy as np
import pytest

pytest.importorskip("pyarrow.parquet", reason="parquet output needs pyarrow")

from audiofeat.pipeline import extract, read_dataset  # noqa: E402


def test_a_dataset_keyed_before_session_19_resumes_through_a_symlinked_path_without_duplicates(wav_tree):
    """A manifest written before 5566452 holds each file's absolute path as given (folder links unresolved);
    resumed with the same input path after it, every file was extracted again and the dataset held each row
    twice (any input path with a symbolic link in it: /tmp on macOS, a linked home or data folder)."""
    root = wav_tree("real/in/x.wav", "real/in/y.wav")
    os.symlink(root / "real", root / "lnk")
    os.chdir(root)
    spec = {"features": ["rms"], "sr": 16000, "functionals": ["mean"]}
    first = extract(["lnk/in"], spec, "out", files_per_part=1)
    assert first.files_done == 2
    manifests = glob.glob(os.path.join("out", "*", "manifest-*.json"))
    assert manifests
    for m in manifests:  # what the code before 5566452 wrote
        with open(m) as f:
            j = json.load(f)
        for e in j["files"]:
            e["abspath"] = os.path.abspath(e["path"])
        with open(m, "w") as f:
            json.dump(j, f)
    again = extract(["lnk/in"], spec, "out", resume=True)
    assert (again.files_skipped, again.files_done) == (2, 0)
    assert len(read_dataset(root / "out")) == 2


def test_dotdot_after_a_folder_link_is_the_file_beside_the_links_target(wav_tree):
    """'real/dl/../a.wav' opens elsewhere/a.wav when real/dl links to elsewhere/deep; abspath's lexical '..'
    made its key real/a.wav, so given with real/a.wav one of the two files was dropped as a duplicate."""
    from audiofeat.pipeline import discover

    root = wav_tree("real/a.wav", "elsewhere/a.wav", "elsewhere/deep/b.wav")
    os.symlink(root / "elsewhere" / "deep", root / "real" / "dl")
    os.chdir(root)
    assert [p for p, _ in discover(["real/dl/../a.wav", "real/a.wav"])] == ["real/dl/../a.wav", "real/a.wav"]
    assert [p for p, _ in discover(["real/a.wav", "./real/a.wav", os.path.abspath("real/a.wav")])] == ["real/a.wav"]


def test_a_traced_front_end_computes_the_magnitude_of_each_new_input():
    """029c484's numpy path ran under torch.jit.trace too: numpy's |X| was recorded as a constant, so a traced
    Spectrogram(power=1) returned the example input's magnitudes for every later input."""
    import warnings

    torch = pytest.importorskip("torch", reason="torch front-end")
    import audiofeat as af

    m = af.nn.Spectrogram(n_fft=256, hop_length=64, power=1.0)
    g = torch.Generator().manual_seed(0)
    y1, y2 = torch.randn(1, 2048, generator=g), torch.randn(1, 2048, generator=g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(m, (y1,), check_trace=False)
    torch.testing.assert_close(traced(y2), m(y2), rtol=1e-5, atol=1e-5)


def test_magnitude_of_a_negative_view_and_a_sparse_complex_tensor():
    torch = pytest.importorskip("torch", reason="torch backend")
    from audiofeat import _ops

    x = torch.randn(4, 6, dtype=torch.complex64, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(_ops.magnitude(torch._neg_view(x)), x.abs())
    torch.testing.assert_close(_ops.magnitude(x.to_sparse()).to_dense(), x.abs())


def test_given_spectrograms_still_map_under_torch_func_vmap():
    """029c484's finiteness check on S is data-dependent control flow, which torch.func.vmap refuses:
    vmap over mfcc(S=), melspectrogram(S=) and onset_strength(S=) worked before it and raised after. The check
    is skipped on vmapped tensors (as on a GPU); outside vmap a NaN still raises."""
    torch = pytest.importorskip("torch", reason="torch.func")
    import audiofeat as af
    from audiofeat.errors import ParameterError

    g = torch.Generator().manual_seed(2)
    S = torch.rand(3, 40, 50, generator=g)
    out = torch.func.vmap(lambda s: af.feature.mfcc(S=s))(S)
    torch.testing.assert_close(out, af.feature.mfcc(S=S))
    P = torch.rand(3, 257, 20, generator=g)
    torch.testing.assert_close(torch.func.vmap(lambda s: af.feature.melspectrogram(S=s, sr=16000))(P),
                               af.feature.melspectrogram(S=P, sr=16000))
    torch.testing.assert_close(torch.func.vmap(lambda s: af.onset.onset_strength(S=s))(S),
                               af.onset.onset_strength(S=S))
    bad = S[0].clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ParameterError):
        af.feature.mfcc(S=bad)


@pytest.mark.xfail(strict=True, reason="realpath does not see bind mounts: a folder reached through a bind mount's "
                                       "alias is new input (and a resume through it extracts every file again); "
                                       "an identity by the folder's (st_dev, st_ino) would")
def test_a_bind_mount_alias_of_an_input_folder_is_the_same_folder(tmp_path):
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (a user namespace) to bind-mount without root")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.wav").write_bytes(b"")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = (f"import sys; sys.path.insert(0, {root!r}); from audiofeat.pipeline import discover; "
            f"print(len(discover([{str(tmp_path / 'a')!r}, {str(tmp_path / 'b')!r}])))")
    r = subprocess.run(["unshare", "-rm", "sh", "-c", f'mount --bind "$1" "$2" && exec "$3" -c "$4"', "sh",
                        str(tmp_path / "a"), str(tmp_path / "b"), sys.executable, code],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"no user namespace here: {r.stderr.strip()[:200]}")
    assert r.stdout.strip() == "1"
