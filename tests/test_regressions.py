"""Bugs found in review, each pinned by the smallest reproducer (see the closing note of issue 2)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import audiofeat as af
from conftest import random_signal, rel_err


def test_mfcc_of_integer_S_is_not_truncated(librosa):
    S = np.round(librosa.power_to_db(np.abs(np.random.default_rng(0).standard_normal((40, 5))) ** 2)).astype(np.int64)
    ours, ref = af.mfcc(S=S, n_mfcc=3), librosa.feature.mfcc(S=S, n_mfcc=3)
    assert ours.dtype == ref.dtype == np.float64
    assert rel_err(ours, ref) <= 1e-12


def test_melspectrogram_float64_filterbank_promotes_like_librosa(librosa):
    y = random_signal(8000, seed=1)
    ours = af.melspectrogram(y=y, sr=16000, dtype=np.float64)
    ref = librosa.feature.melspectrogram(y=y, sr=16000, dtype=np.float64)
    assert ours.dtype == ref.dtype == np.float64
    assert rel_err(ours, ref) <= 1e-6


def test_empty_mel_filters_warn_like_librosa():
    with pytest.warns(UserWarning, match="Empty filters"):
        af.filters.mel(sr=16000, n_fft=512, n_mels=201)


def test_stft_out_with_room_for_more_frames(librosa):
    y = random_signal(5000, seed=2)
    out = np.zeros((1025, 50), dtype=np.complex64)
    got = af.stft(y, out=out)
    assert got.shape == (1025, 1 + 5000 // 512) and np.shares_memory(got, out)
    assert rel_err(got, librosa.stft(y)) <= 1e-6


def test_conversion_scalar_types_match_librosa(librosa):
    for ours, ref in [(af.samples_to_frames(1100), librosa.samples_to_frames(1100)),
                      (af.time_to_frames(1.0), librosa.time_to_frames(1.0)),
                      (af.frames_to_samples(3), librosa.frames_to_samples(3)),
                      (af.hz_to_mel(np.float32(3000)), librosa.hz_to_mel(np.float32(3000)))]:
        assert type(ours) is type(ref) and np.shape(ours) == np.shape(ref) and ours == pytest.approx(ref)
    assert np.isfinite(af.mel_to_hz(np.float32(3000)))


def test_concurrent_callers_get_correct_results_and_leave_blas_alone():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
    y = random_signal(200000, seed=3)
    expected = af.melspectrogram(y=y)
    for _ in range(3):
        with ThreadPoolExecutor(4) as ex:
            results = list(ex.map(lambda _: af.melspectrogram(y=y), range(8)))
        # (BLAS may sum in another order when called from other threads: equal to float32 rounding)
        assert all(rel_err(r, expected) <= 1e-6 for r in results)
    after = [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
    assert after == before


def test_set_num_threads_while_others_compute():
    y = random_signal(100000, seed=4)
    expected = af.melspectrogram(y=y)
    errors = []

    def worker():
        try:
            for _ in range(10):
                assert rel_err(af.melspectrogram(y=y), expected) <= 1e-6
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    original = af.get_num_threads()
    for n in (1, 2, 1, 3, original):
        af.set_num_threads(n)
    for t in threads:
        t.join()
    assert not errors


class TestTorch:
    torch = pytest.importorskip("torch", reason="torch path tests need torch")

    def test_inference_mode_does_not_poison_the_constant_caches(self):
        torch = self.torch
        y = torch.randn(2, 8000)
        with torch.inference_mode():
            af.melspectrogram(y=y, sr=16000, n_mels=37)
            af.mfcc(y=y, sr=16000, n_mfcc=7)
            af.delta(torch.randn(3, 40), width=7)
            af.resample(y, 16000, 11025)
        x = y.clone().requires_grad_()
        (af.melspectrogram(y=x, sr=16000, n_mels=37).sum() + af.mfcc(y=x, sr=16000, n_mfcc=7).sum()
         + af.delta(af.mfcc(y=x, sr=16000, n_mfcc=7), width=7).sum() + af.resample(x, 16000, 11025).sum()).backward()
        assert torch.isfinite(x.grad).all()

    def test_nn_mel_basis_follows_load_state_dict_and_edits(self):
        torch = self.torch
        from audiofeat import nn as afn

        y = torch.randn(2, 16000)
        a = afn.MelSpectrogram(sr=16000, n_fft=512, hop_length=160, n_mels=64)
        b = afn.MelSpectrogram(sr=16000, n_fft=512, hop_length=160, n_mels=64, fmin=2000.0)
        a(y)  # bands computed for a's own filterbank
        a.load_state_dict(b.state_dict())
        assert rel_err(a(y), b(y)) <= 1e-6
        with torch.no_grad():
            a.mel_basis.fill_(1 / 257)
        S = af.stft(y, n_fft=512, hop_length=160).abs() ** 2
        assert rel_err(a(y), a.mel_basis.float() @ S) <= 1e-5

    def test_nn_float64_keeps_full_precision(self, librosa):
        torch = self.torch
        from audiofeat import nn as afn

        y = random_signal(16000, seed=5, dtype=np.float64)
        kw = dict(sr=16000, n_fft=512, hop_length=160, n_mels=40)
        mel = afn.MelSpectrogram(**kw)(torch.from_numpy(y))
        assert mel.dtype == torch.float64
        assert rel_err(mel, librosa.feature.melspectrogram(y=y, **kw)) <= 1e-12
        mfcc = afn.MFCC(n_mfcc=13, **kw)(torch.from_numpy(y))
        assert rel_err(mfcc, af.mfcc(y=y, n_mfcc=13, **kw)) <= 1e-12

    def test_half_precision_spectrogram_input(self):
        torch = self.torch
        S = np.abs(af.stft(random_signal(8000, seed=6), n_fft=512)) ** 2
        got = af.melspectrogram(S=torch.from_numpy(S).half(), sr=16000, n_mels=40)
        assert got.dtype == torch.float32
        assert rel_err(got, af.melspectrogram(S=S.astype(np.float16).astype(np.float32), sr=16000, n_mels=40)) <= 1e-5
        assert af.mfcc(S=torch.from_numpy(S[:40]).half()).dtype == torch.float32

    def test_torch_window_with_numpy_audio(self):
        torch = self.torch
        y = random_signal(8000, seed=7)
        got = af.stft(y, n_fft=512, window=torch.hann_window(512, periodic=True, dtype=torch.float64))
        assert isinstance(got, np.ndarray)
        assert rel_err(got, af.stft(y, n_fft=512)) <= 1e-6


@pytest.mark.parametrize("pad_mode", ["constant", "edge", "reflect", "symmetric", "linear_ramp"])
@pytest.mark.parametrize("n", [70001, 300000])
def test_stft_frames_edges_in_place_like_padding_the_whole_signal(librosa, monkeypatch, pad_mode, n):
    # long signals are framed as head, body and tail views (never copied); short ones are padded whole. Force
    # both on the same signal: both equal librosa (which pads the whole signal), for every pad mode
    import audiofeat.shorttime as st

    y = random_signal(n, seed=11)
    ref = librosa.stft(y, n_fft=2048, hop_length=512, pad_mode=pad_mode)
    for small in (0, 1 << 30):
        monkeypatch.setattr(st, "_SMALL_SIGNAL", small)
        assert rel_err(af.stft(y, n_fft=2048, hop_length=512, pad_mode=pad_mode), ref) <= 1e-5


def test_float64_edge_frames_only_where_the_ends_are_ill_conditioned(monkeypatch):
    # the float64 redo of stft's edge frames and istft's edge blocks cost 70% of time_stretch on a 1 s clip
    # (augmentation: 828 -> 535 clips/s); at librosa's overlap of 4 the ends are well conditioned, so it is skipped
    import audiofeat.shorttime as st

    calls = []
    monkeypatch.setattr(st, "_edge_frames_float64", lambda *a, **k: calls.append("stft"))
    monkeypatch.setattr(st, "_edge_blocks_float64", lambda *a, **k: calls.append("istft"))
    y = random_signal(16000, seed=12)
    af.istft(af.stft(y, n_fft=2048, hop_length=512), hop_length=512, length=16000)
    assert calls == []
    y = random_signal(511, seed=13)  # overlap 2, the last sample under one window's tail: both redone
    af.istft(af.stft(y, n_fft=128, hop_length=64), hop_length=64, length=511)
    assert calls == ["stft", "istft"]
