"""Deployment: ONNX export of the nn front-ends and the streaming step, run with onnxruntime.

What each test proves: one exported file per module (dynamic batch and time) gives the eager torch output
within 1e-4 relative (max |diff| / max |eager|) on real clips and random input of several lengths and batch
sizes, with the ONNX ``DFT`` operator (opset 20) and with the matmul-DFT fallback (opset 18, no ``DFT`` node
in the graph); the exported streaming step run chunk by chunk equals the offline front-end and the Python
streaming front-end; the nn options (``dft``, ``PowerToDB``, ``StreamingStep``) are right in eager and under
``torch.compile(fullgraph=True)``; the deploy example runs and prints the same prediction from torch and
onnxruntime; a missing onnx raises MissingDependencyError.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys

import numpy as np
import pytest

import audiofeat
from audiofeat.errors import MissingDependencyError, ParameterError

from conftest import ROOT, SAMPLES, rel_err

torch = pytest.importorskip("torch", reason="ONNX export needs torch: pip install 'audiofeat[deploy]'")
afnn = pytest.importorskip("audiofeat.nn", reason="needs torch")

SR = 16000


def _deploy_deps():
    for name in ("onnx", "onnxruntime", "onnxscript"):
        pytest.importorskip(name, reason=f"ONNX tests need {name}: pip install 'audiofeat[deploy]'")
    import onnx
    import onnxruntime

    return onnx, onnxruntime


@pytest.fixture(scope="module")
def clips():
    out = []
    for name in ("speech.wav", "melody.flac", "drums.ogg"):
        y, _ = audiofeat.load(SAMPLES / name, sr=SR)
        out.append(np.asarray(y, dtype=np.float32))
    return out


MODULES = {
    "spectrogram": lambda: afnn.Spectrogram(n_fft=512, hop_length=160, power=1.0),
    "logmel": lambda: torch.nn.Sequential(afnn.MelSpectrogram(sr=SR, n_fft=512, hop_length=160, n_mels=64),
                                          afnn.PowerToDB(top_db=80.0)),
    "mfcc": lambda: afnn.MFCC(sr=SR, n_mfcc=20, n_fft=512, hop_length=160, n_mels=40, pad_mode="reflect"),
    "mel400": lambda: afnn.MelSpectrogram(sr=SR, n_fft=400, hop_length=160, n_mels=40, center=False),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    _deploy_deps()
    cache = {}

    def get(name, dft):
        if (name, dft) not in cache:
            module = MODULES[name]()
            path = tmp_path_factory.mktemp("onnx") / f"{name}_{dft}.onnx"
            cache[name, dft] = (module, afnn.export_onnx(module, path, dft=dft))
        return cache[name, dft]

    return get


def _ops(path):
    import onnx

    model = onnx.load(path)
    return collections.Counter(n.op_type for n in model.graph.node), model.opset_import[0].version


@pytest.mark.parametrize("dft", ["fft", "matmul"])
@pytest.mark.parametrize("name", ["spectrogram", "logmel", "mfcc"])
def test_onnx_equals_eager_on_real_and_random_input(exported, clips, name, dft):
    _, ort = _deploy_deps()
    module, path = exported(name, dft)
    ops, opset = _ops(path)
    assert ("DFT" in ops) == (dft == "fft")
    assert opset == {"fft": 20, "matmul": 18}[dft]
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    inputs = [clip[None, : n] for clip, n in zip(clips, (len(clips[0]), 16000, 12345))]  # one file, 3 lengths
    inputs += [np.stack([c[:8000] for c in clips])]  # batch of 3
    inputs += [(0.3 * rng.standard_normal((b, n))).astype(np.float32) for b, n in ((1, 512), (2, 5000), (4, 999))]
    for x in inputs:
        got = sess.run(None, {"y": x})[0]
        expected = module(torch.from_numpy(x)).detach().numpy()
        assert got.shape == expected.shape
        assert rel_err(got, expected) <= 1e-4, (name, dft, x.shape)


def test_auto_dft_takes_matmul_for_sizes_that_are_not_powers_of_two(exported, tmp_path):
    _, ort = _deploy_deps()
    module = MODULES["mel400"]()
    path = afnn.export_onnx(module, tmp_path / "auto.onnx")
    ops, _ = _ops(path)
    assert "DFT" not in ops and "MatMul" in ops
    import onnx

    meta = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert meta["dft"] == "matmul" and meta["n_fft"] == "400" and meta["hop_length"] == "160"
    x = (0.3 * np.random.default_rng(1).standard_normal((2, 7000))).astype(np.float32)
    got = ort.InferenceSession(path).run(None, {"y": x})[0]
    assert rel_err(got, module(torch.from_numpy(x)).numpy()) <= 1e-5
    # the DFT operator works for n_fft=400 too, less precisely (onnxruntime's non-power-of-two DFT)
    module, path = exported("mel400", "fft")
    got = ort.InferenceSession(path).run(None, {"y": x})[0]
    assert rel_err(got, module(torch.from_numpy(x)).numpy()) <= 1e-4


@pytest.mark.parametrize("dft", ["fft", "matmul"])
def test_streaming_step_in_onnx_equals_offline_and_python_streaming(tmp_path, clips, dft):
    _, ort = _deploy_deps()
    from audiofeat import streaming

    n_fft, hop = 512, 160
    step = afnn.StreamingStep(afnn.MFCC(sr=SR, n_mfcc=13, n_fft=n_fft, hop_length=hop, n_mels=40, center=False,
                                        top_db=None))
    path = afnn.export_onnx(step, tmp_path / "step.onnx", dft=dft)
    sess = ort.InferenceSession(path)
    assert [i.name for i in sess.get_inputs()] == ["chunk", "state"]
    y = clips[0][: hop * 150]
    state = step.initial_state(1).numpy()
    outs, pos = [], 0
    for hops in [1, 1, 3, 10, 1, 50, 2] * 10:  # one file, chunks of any number of hops
        if pos >= len(y):
            break
        chunk = y[None, pos : pos + hops * hop]
        feats, state = sess.run(None, {"chunk": chunk, "state": state})
        assert state.shape == (1, n_fft - hop) and feats.shape[-1] == chunk.shape[-1] // hop
        outs.append(feats)
        pos += chunk.shape[-1]
    got = np.concatenate(outs, -1)[0]
    padded = np.concatenate([np.zeros(n_fft - hop, np.float32), y])  # the zero initial state
    S = audiofeat.power_to_db(audiofeat.melspectrogram(y=padded, sr=SR, n_fft=n_fft, hop_length=hop, n_mels=40,
                                                       center=False), top_db=None)
    assert rel_err(got, audiofeat.mfcc(S=S, n_mfcc=13)) <= 1e-4
    fe = streaming.MFCC(sr=SR, n_mfcc=13, n_fft=n_fft, hop_length=hop, n_mels=40, center=False)
    python_stream = np.concatenate([fe.process(padded[i:i + 333]) for i in range(0, len(padded), 333)], -1)
    assert rel_err(got, python_stream) <= 1e-4


def test_streaming_step_eager_and_batch():
    mel = afnn.MelSpectrogram(sr=SR, n_fft=400, hop_length=160, n_mels=40, center=False)
    step = afnn.StreamingStep(mel)
    y = torch.randn(3, 160 * 20, dtype=torch.float64)
    state = step.initial_state(3, dtype=torch.float64)
    outs = []
    for s in range(0, y.shape[-1], 480):
        f, state = step(y[:, s:s + 480], state)
        outs.append(f)
    expected = mel(torch.cat([torch.zeros(3, 240, dtype=torch.float64), y], -1))
    assert rel_err(torch.cat(outs, -1), expected) < 1e-12
    with pytest.raises(ParameterError, match="multiple of hop_length"):
        step(torch.zeros(3, 100), step.initial_state(3))
    with pytest.raises(ParameterError, match="state has"):
        step(torch.zeros(3, 160), torch.zeros(3, 10))
    for bad in (afnn.MelSpectrogram(center=True), afnn.Spectrogram(power=None, center=False),
                afnn.MFCC(center=False), afnn.Spectrogram(n_fft=64, hop_length=100, center=False)):
        with pytest.raises(ParameterError):
            afnn.StreamingStep(bad)
    with pytest.raises(ParameterError):
        afnn.StreamingStep(torch.nn.Linear(2, 2))


def test_matmul_dft_equals_fft_in_eager_and_compiles():
    y = torch.randn(2, 6000, dtype=torch.float64)
    for cls, kw in ((afnn.Spectrogram, dict(n_fft=400, hop_length=100, power=None)),
                    (afnn.MelSpectrogram, dict(sr=SR, n_fft=512, hop_length=160)),
                    (afnn.MFCC, dict(sr=SR, n_fft=256, hop_length=64))):
        a, b = cls(**kw), cls(dft="matmul", **kw)
        assert rel_err(b(y), a(y)) < 1e-12
        assert rel_err(b(y.float()), a(y.float())) < 1e-5
    compiled = torch.compile(afnn.MelSpectrogram(sr=SR, n_fft=512, hop_length=160, dft="matmul"), fullgraph=True,
                             backend="eager")
    assert rel_err(compiled(y.float()), afnn.MelSpectrogram(sr=SR, n_fft=512, hop_length=160)(y.float())) < 1e-5
    with pytest.raises(ParameterError, match="dft"):
        afnn.Spectrogram(dft="cuFFT")


def test_power_to_db_module():
    S = torch.rand(2, 40, 30, dtype=torch.float64) ** 4
    for kw in (dict(), dict(top_db=None), dict(ref=2.0, amin=1e-6, top_db=40.0)):
        assert torch.equal(afnn.PowerToDB(**kw)(S), audiofeat.power_to_db(S, **kw))
    with pytest.raises(ParameterError):
        afnn.PowerToDB(amin=0)
    with pytest.raises(ParameterError):
        afnn.PowerToDB(top_db=-1)


def test_export_errors(tmp_path, monkeypatch):
    _deploy_deps()
    with pytest.raises(ParameterError, match="complex"):
        afnn.export_onnx(afnn.Spectrogram(power=None), tmp_path / "c.onnx")
    with pytest.raises(ParameterError, match="dft"):
        afnn.export_onnx(afnn.Spectrogram(), tmp_path / "c.onnx", dft="gpu")
    with pytest.raises(ParameterError, match="example"):
        afnn.export_onnx(torch.nn.Linear(3, 3), tmp_path / "c.onnx")
    monkeypatch.setitem(sys.modules, "onnxscript", None)
    with pytest.raises(MissingDependencyError, match="deploy"):
        afnn.export_onnx(afnn.Spectrogram(), tmp_path / "c.onnx")


def test_export_leaves_the_module_as_it_was(tmp_path):
    _deploy_deps()
    mfcc = afnn.MFCC(sr=SR, n_fft=512, hop_length=160)
    mfcc.train()
    afnn.export_onnx(mfcc, tmp_path / "m.onnx", dft="matmul")
    assert mfcc.training and mfcc.melspectrogram.dft == "fft"


def test_deploy_example_prints_the_same_prediction():
    _deploy_deps()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "deploy_onnx.py"), "--steps", "20"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in proc.stdout.splitlines() if ":" in line}
    assert lines["torch prediction"] == lines["onnxruntime prediction"]
    assert float(lines["max relative difference of the logits"]) <= 1e-4
