"""A tiny training loop with seeded augmentation on the bundled clips (data/samples).

Augmentation runs in the DataLoader workers on numpy (per-example generators derived from
(seed, epoch, index): identical tensors for any num_workers / batch size); SpecAugment masking and mixup run
batched on torch after the mel spectrogram.

    python examples/train_with_augmentation.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import audiofeat.nn  # noqa: E402
from audiofeat import augment as A  # noqa: E402
from audiofeat.data import AudioDataset, collate_audio  # noqa: E402

SR = 16000
ROOT = Path(__file__).resolve().parents[1] / "data" / "samples"


def main(epochs: int = 2) -> None:
    wave_aug = A.Compose([
        A.Gain((-6, 6), p=0.5),
        A.AddColoredNoise((10, 30), color=["white", "pink"], p=0.5),
        A.OneOf([A.LowPassFilter((1000, 6000)), A.HighPassFilter((50, 400))], p=0.3),
        A.Shift((-0.2, 0.2), p=0.5),
    ])
    ds = AudioDataset(ROOT, sr=SR, duration=1.0, augment=wave_aug, labels=lambda p: Path(p).suffix, seed=0)
    classes = sorted(set(ds._labels))
    mel = audiofeat.nn.MelSpectrogram(sr=SR, n_fft=512, hop_length=160, n_mels=40)
    spec_aug = A.Compose([A.TimeMasking(max_width=10, n_masks=2), A.FrequencyMasking(max_width=6)])
    mixup = A.Mixup(alpha=0.4, num_classes=len(classes))
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.LazyLinear(len(classes)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    for epoch in range(epochs):
        ds.set_epoch(epoch)
        loader = torch.utils.data.DataLoader(ds, batch_size=2, shuffle=False, num_workers=0, collate_fn=collate_audio)
        for x, lengths, labels in loader:
            y = torch.tensor([classes.index(lab) for lab in labels])
            S = torch.log(mel(x) + 1e-6)                  # (B, 40, frames)
            S = spec_aug(S, rng=gen)                       # every example its own masks
            S, target = mixup(S, rng=gen, labels=y)        # soft labels (B, classes)
            loss = torch.sum(-target * torch.log_softmax(model(S), -1), -1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            print(f"epoch {epoch}: batch of {len(lengths)}, loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
