"""audiofeat.data: AudioDataset and collate_audio; reproducibility independent of workers and batch size."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import audiofeat
from audiofeat import augment as A
from audiofeat.errors import AudioFileError, AudioFileNotFoundError, ParameterError

torch = pytest.importorskip("torch", reason="audiofeat.data needs torch: pip install 'audiofeat[torch]'")
from audiofeat.data import AudioDataset, collate_audio  # noqa: E402

SR = 8000


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("clips")
    rng = np.random.default_rng(0)
    for k in range(7):
        n = int(SR * (0.3 + 0.2 * k))
        y = (0.3 * np.sin(2 * np.pi * (200 + 50 * k) * np.arange(n) / SR) + 0.05 * rng.standard_normal(n))
        sub = d / ("dog" if k % 2 else "cat")
        sub.mkdir(exist_ok=True)
        audiofeat.save(sub / f"clip{k}.wav", y.astype(np.float32), SR)
    (d / "labels.csv").write_text("path,label\n" + "".join(
        f"{'dog' if k % 2 else 'cat'}/clip{k}.wav,{'dog' if k % 2 else 'cat'}\n" for k in range(7)))
    return d


def pipeline():
    return A.Compose([A.Gain((-6, 6), p=0.5), A.AddColoredNoise((5, 20), color=["white", "pink"], p=0.8),
                      A.Shift(p=0.5), A.LowPassFilter((500, 3000), p=0.5)])


def run_loader(ds, workers, batch_size, epochs=(0, 1)):
    out = []
    for e in epochs:
        ds.set_epoch(e)
        kw = dict(multiprocessing_context="fork", timeout=120) if workers else {}
        loader = torch.utils.data.DataLoader(ds, batch_size=batch_size, num_workers=workers,
                                             collate_fn=collate_audio, shuffle=False, **kw)
        out.append(torch.cat([x for x, _, _ in loader]))
    return out


def test_dataloader_reproducible_across_workers_and_batch_sizes(folder):
    # the parent has used audiofeat (its thread pool, caches and torch FFT) before forking workers
    audiofeat.melspectrogram(y=np.random.default_rng(0).standard_normal(SR).astype(np.float32), sr=SR)
    A.AddColoredNoise()(torch.zeros(2, 100), SR, rng=0)
    ds = AudioDataset(folder, sr=SR, duration=0.5, augment=pipeline(), seed=3)
    ref = run_loader(ds, 0, 1)
    for workers, bs in [(0, 3), (2, 2), (2, 4)]:
        got = run_loader(ds, workers, bs)
        for a, b in zip(ref, got):
            assert torch.equal(a, b), (workers, bs)
    assert not torch.equal(ref[0], ref[1])  # epochs differ
    assert ref[0].shape == (7, int(0.5 * SR))


def test_whole_files_collate_pads_and_returns_lengths(folder):
    ds = AudioDataset(folder, sr=SR, labels=folder / "labels.csv")
    assert ds.classes == ["cat", "dog"]
    x, lengths, labels = collate_audio([ds[i] for i in range(3)])
    assert x.shape == (3, int(lengths.max())) and lengths.tolist() == sorted(lengths.tolist())
    for i in range(3):
        assert torch.equal(x[i, : lengths[i]], ds[i][0])
        assert (x[i, lengths[i]:] == 0).all()
    assert labels.tolist() == [0, 1, 0] or labels.dtype == torch.int64


def test_labels_callable_crop_center_and_stereo(folder):
    ds = AudioDataset(sorted(folder.rglob("*.wav")), sr=SR, duration=0.4, crop="center", mono=False,
                      labels=lambda p: len(str(p)))
    x, label = ds[4]
    assert x.shape == (1, int(0.4 * SR)) and isinstance(label, int)
    a, b = ds[4][0], AudioDataset(sorted(folder.rglob("*.wav")), sr=SR, duration=0.4, crop="center", mono=False,
                                  seed=99)[4][0]
    assert torch.equal(a, b)  # centre crop, no augmentation: seed irrelevant


def test_feature_transform_is_applied(folder):
    import audiofeat.nn as afnn

    ds = AudioDataset(folder, sr=SR, duration=0.5, transform=afnn.MelSpectrogram(sr=SR, n_fft=256, hop_length=64, n_mels=32))
    x, _ = ds[0]
    assert x.shape[0] == 32


def test_errors(folder, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(AudioFileNotFoundError):
        AudioDataset(empty, sr=SR)
    with pytest.raises(ParameterError):
        AudioDataset(folder, sr=0)
    with pytest.raises(ParameterError):
        AudioDataset(folder, sr=SR, crop="left")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x00\x00garbage")
    ds = AudioDataset([bad], sr=SR)
    with pytest.raises(AudioFileError) as info:
        ds[0]
    assert "bad.wav" in str(info.value)
    with pytest.raises(IndexError):
        ds[5]


def test_import_audiofeat_does_not_import_torch_or_data():
    code = "import sys, audiofeat; assert 'torch' not in sys.modules and 'audiofeat.data' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
