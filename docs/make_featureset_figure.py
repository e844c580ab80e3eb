"""Draw the feature-set figure (docs/featureset.md) from the bundled sample clips.

Writes ``docs/img/featureset.png``: the 57 values of ``extract_features(y, 16000)`` for each bundled clip
(speech, melody, drums, noise, chord), each row scaled to the clips' range (0 = smallest, 1 = largest, so
rows with different units share one colour scale), with the raw value printed in each cell.

Run from anywhere (needs matplotlib, a docs-only dependency)::

    python docs/make_featureset_figure.py
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's audiofeat
import audiofeat as af  # noqa: E402

CLIPS = ("speech.wav", "melody.flac", "drums.ogg", "noise.wav", "chord.mp3")


def main() -> None:
    names = af.feature_names()
    values = np.stack([af.extract_features(af.load(ROOT / "data" / "samples" / c, sr=16000)[0], 16000)
                       for c in CLIPS], axis=1)  # (57, 5)
    lo, hi = values.min(axis=1, keepdims=True), values.max(axis=1, keepdims=True)
    scaled = np.where(hi > lo, (values - lo) / np.where(hi > lo, hi - lo, 1.0), 0.5)
    fig, ax = plt.subplots(figsize=(7.5, 15))
    ax.imshow(scaled, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(CLIPS)), [c.split(".")[0] for c in CLIPS])
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.xaxis.tick_top()
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, f"{values[i, j]:.3g}", ha="center", va="center", fontsize=6,
                    color="white" if scaled[i, j] < 0.6 else "black")
    ax.set_title("extract_features(y, 16000): 57 values per clip (colour: row scaled to the clips' range)",
                 fontsize=9, pad=24)
    fig.tight_layout()
    out = ROOT / "docs" / "img" / "featureset.png"
    fig.savefig(out, dpi=100)
    print(out)


if __name__ == "__main__":
    main()
