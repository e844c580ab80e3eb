"""Deploy a model trained on audiofeat features: feature extraction and classifier in ONE ONNX file.

    python examples/deploy_onnx.py                              # trains, exports, runs data/samples/speech.wav
    python examples/deploy_onnx.py --wav data/samples/drums.ogg --steps 100 --out clip_classifier.onnx

1. A tiny classifier (log-mel front-end -> 1-D conv -> mean over time -> linear) learns, for a few steps, which
   bundled clip (speech, melody, drums, noise, chord) a random 1 s excerpt comes from. The front-end is
   ``audiofeat.nn.MelSpectrogram`` + ``audiofeat.nn.PowerToDB``: the same numbers as
   ``audiofeat.power_to_db(audiofeat.melspectrogram(...))`` on numpy.
2. ``audiofeat.nn.export_onnx`` writes front-end and classifier together to one ``.onnx`` file with dynamic
   batch and time axes: the deployed model takes raw 16 kHz samples.
3. onnxruntime runs that file on a wav (no torch, no audiofeat needed on the target), and the script prints
   the prediction of torch and of onnxruntime, and how far their logits differ.

Needs the deploy extra: ``pip install audiofeat[deploy]`` (torch, onnx, onnxruntime, onnxscript).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

import audiofeat
import audiofeat.nn as afnn

SR = 16000
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CLASSES = ["speech", "melody", "drums", "noise", "chord"]
FILES = {"speech": "speech.wav", "melody": "melody.flac", "drums": "drums.ogg", "noise": "noise.wav",
         "chord": "chord.mp3"}


class ClipClassifier(torch.nn.Module):
    """Raw audio ``(batch, time)`` -> class logits ``(batch, n_classes)``; the front-end is part of the model."""

    def __init__(self, n_classes: int, n_mels: int = 40) -> None:
        super().__init__()
        self.features = torch.nn.Sequential(
            afnn.MelSpectrogram(sr=SR, n_fft=512, hop_length=160, n_mels=n_mels),
            afnn.PowerToDB(top_db=80.0),
        )
        self.conv = torch.nn.Conv1d(n_mels, 16, kernel_size=3, padding=1)
        self.head = torch.nn.Linear(16, n_classes)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        x = (self.features(y) + 40.0) / 40.0  # roughly unit scale for the dB values
        x = torch.relu(self.conv(x))
        return self.head(x.mean(dim=-1))


def load_clips() -> list[np.ndarray]:
    return [np.asarray(audiofeat.load(SAMPLES / FILES[c], sr=SR, mono=True)[0], dtype=np.float32) for c in CLASSES]


def batch(clips: list[np.ndarray], rng: np.random.Generator, size: int = 16, length: int = SR):
    labels = rng.integers(0, len(clips), size)
    starts = [rng.integers(0, len(clips[k]) - length) for k in labels]
    x = np.stack([clips[k][s : s + length] for k, s in zip(labels, starts)])
    return torch.from_numpy(x), torch.from_numpy(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wav", default=str(SAMPLES / "speech.wav"), help="audio file to classify")
    parser.add_argument("--steps", type=int, default=60, help="training steps")
    parser.add_argument("--out", default=None, help="where to write the .onnx file (default: a temp dir)")
    args = parser.parse_args()

    import onnxruntime  # the deploy extra

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    clips = load_clips()
    model = ClipClassifier(len(CLASSES))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(args.steps):
        x, labels = batch(clips, rng)
        loss = torch.nn.functional.cross_entropy(model(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"trained {args.steps} steps: final loss {loss.item():.3f}")
    model.eval()

    if args.out is None:
        import tempfile

        out = Path(tempfile.mkdtemp()) / "clip_classifier.onnx"
    else:
        out = Path(args.out)
    path = afnn.export_onnx(model, out)  # dynamic batch and time; ONNX DFT (n_fft=512 is a power of two)
    print(f"exported: {path} ({Path(path).stat().st_size / 1e3:.0f} kB)")

    y, _ = audiofeat.load(args.wav, sr=SR, mono=True)
    y = np.asarray(y[: 2 * SR], dtype=np.float32)[None]  # the first 2 s, a batch of one
    with torch.no_grad():
        logits_torch = model(torch.from_numpy(y)).numpy()
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    logits_onnx = session.run(None, {"y": y})[0]
    diff = float(np.abs(logits_onnx - logits_torch).max() / np.abs(logits_torch).max())
    print(f"file: {args.wav}")
    print(f"torch prediction: {CLASSES[int(logits_torch.argmax())]}")
    print(f"onnxruntime prediction: {CLASSES[int(logits_onnx.argmax())]}")
    print(f"max relative difference of the logits: {diff:.2e}")


if __name__ == "__main__":
    main()
