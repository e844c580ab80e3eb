"""Bad parameters and bad arrays get a typed error whose message names the problem."""

from __future__ import annotations

import numpy as np
import pytest

import audiofeat as af
from audiofeat.errors import AudiofeatError, BackendError, ParameterError
from conftest import random_signal

Y = random_signal(4096, seed=30)

CASES = {
    "n_fft zero": (lambda: af.stft(Y, n_fft=0), "n_fft=0 must be an integer >= 1"),
    "n_fft float": (lambda: af.stft(Y, n_fft=512.0), "n_fft=512.0 must be an integer"),
    "hop zero": (lambda: af.stft(Y, hop_length=0), "hop_length=0 must be an integer >= 1"),
    "hop negative (mel)": (lambda: af.melspectrogram(y=Y, hop_length=-5), "hop_length=-5 must be"),
    "window longer than n_fft": (lambda: af.stft(Y, n_fft=256, win_length=512), "win_length=512 must not exceed n_fft=256"),
    "window array wrong length": (lambda: af.stft(Y, n_fft=256, window=np.ones(100)), "window size mismatch"),
    "unknown window": (lambda: af.stft(Y, window="nonesuch"), "invalid window"),
    "NaN sample": (lambda: af.stft(np.r_[Y, np.nan].astype(np.float32)), "not finite"),
    "inf sample (mel)": (lambda: af.melspectrogram(y=np.r_[Y, np.inf]), "not finite"),
    "inf sample (mfcc)": (lambda: af.mfcc(y=np.r_[np.inf, Y]), "not finite"),
    "integer audio": (lambda: af.stft((Y * 1000).astype(np.int16)), "floating-point"),
    "complex audio": (lambda: af.melspectrogram(y=Y.astype(np.complex64)), "floating-point"),
    "scalar audio": (lambda: af.stft(np.float32(1.0)), "at least one dimension"),
    "empty audio": (lambda: af.stft(np.zeros(0, np.float32)), "empty"),
    "too short without centering": (lambda: af.stft(Y[:100], n_fft=256, center=False), "too short"),
    "bad pad mode": (lambda: af.stft(Y, pad_mode="sideways"), "pad_mode"),
    "sr zero": (lambda: af.melspectrogram(y=Y, sr=0), "sr=.* must be a positive"),
    "sr negative (mfcc)": (lambda: af.mfcc(y=Y, sr=-16000), "sr=.* must be a positive"),
    "sr nan (filter)": (lambda: af.filters.mel(sr=float("nan"), n_fft=512), "sr=.* must be a positive"),
    "n_mels zero": (lambda: af.melspectrogram(y=Y, n_mels=0), "n_mels=0 must be an integer"),
    "fmax below fmin": (lambda: af.melspectrogram(y=Y, fmin=4000.0, fmax=1000.0), "fmin < fmax"),
    "bad mel norm": (lambda: af.filters.mel(sr=16000, n_fft=512, norm="area"), "unsupported norm"),
    "unknown mel kwarg": (lambda: af.melspectrogram(y=Y, n_mel=40), "unexpected keyword"),
    "power zero": (lambda: af.melspectrogram(y=Y, power=0), "power=0.0 must be a positive finite number"),
    "neither y nor S": (lambda: af.melspectrogram(sr=16000), "either y"),
    "S without time axis": (lambda: af.melspectrogram(S=np.ones(1025)), "S must have shape"),
    "negative lifter": (lambda: af.mfcc(y=Y, lifter=-1), "lifter"),
    "bad dct type": (lambda: af.mfcc(y=Y, dct_type=5), "dct_type"),
    "bad dct norm": (lambda: af.mfcc(y=Y, norm="forward"), "norm"),
    "amin zero": (lambda: af.power_to_db(np.ones(3), amin=0), "amin=0.0 must be a positive finite number"),
    "top_db negative": (lambda: af.power_to_db(np.ones(3), top_db=-1), "top_db=-1.0 must be a non-negative finite number"),
    "istft bins mismatch": (lambda: af.istft(np.ones((100, 5), np.complex64), n_fft=512), "bins"),
    "istft 1-d": (lambda: af.istft(np.ones(10, np.complex64)), "shape"),
    "delta even width": (lambda: af.delta(np.ones((2, 20)), width=4), "odd"),
    "delta width > frames": (lambda: af.delta(np.ones((2, 5))), "cannot exceed"),
    "delta order zero": (lambda: af.delta(np.ones((2, 20)), order=0), "order=0 must be"),
    "delta bad mode": (lambda: af.delta(np.ones((2, 20)), mode="bogus"), "mode must be"),
    "stack_memory zero delay": (lambda: af.stack_memory(np.ones((2, 5)), delay=0), "delay must be a non-zero"),
    "stack_memory zero steps": (lambda: af.stack_memory(np.ones((2, 5)), n_steps=0), "n_steps"),
    "stack_memory no frames": (lambda: af.stack_memory(np.ones((2, 0))), "no frames"),
    "frame hop zero": (lambda: af.frame(Y, frame_length=10, hop_length=0), "hop_length"),
    "frame too short": (lambda: af.frame(Y[:5], frame_length=10, hop_length=1), "too short"),
    "frame bad axis": (lambda: af.frame(Y, frame_length=10, hop_length=1, axis=3), "axis"),
    "threads zero": (lambda: af.set_num_threads(0), "threads must be an integer >= 1"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_parameter_raises_parameter_error(case):
    fn, message = CASES[case]
    with pytest.raises(ParameterError, match=message) as info:
        fn()
    assert isinstance(info.value, AudiofeatError) and isinstance(info.value, ValueError)


def test_unsupported_array_type_raises_backend_error():
    class Opaque:
        pass

    with pytest.raises(BackendError, match="numpy array or a torch tensor"):
        af.stft(Opaque())
    with pytest.raises(AudiofeatError):
        af.melspectrogram(y="not audio")


def test_torch_errors():
    torch = pytest.importorskip("torch")
    y = torch.from_numpy(Y)
    with pytest.raises(ParameterError, match="for torch input"):
        af.stft(y, pad_mode="symmetric")
    with pytest.raises(ParameterError, match="not finite"):
        af.melspectrogram(y=torch.tensor([0.0, float("nan")] * 2048))
    with pytest.raises(ParameterError, match="floating-point"):
        af.stft(torch.arange(4096))
    with pytest.raises(ParameterError, match="reflect padding"):
        af.stft(y[:100], n_fft=512, pad_mode="reflect")


def test_short_input_with_centering_warns_not_fails():
    with pytest.warns(UserWarning, match="too large"):
        D = af.stft(Y[:100], n_fft=256)
    assert D.shape == (129, 1 + 100 // 64)


def test_a_failing_block_does_not_poison_the_pool():
    # An error raised in one call must not leave the thread pool or BLAS limits in a broken state.
    with pytest.raises(ParameterError):
        af.melspectrogram(y=np.r_[Y, np.nan])
    assert np.isfinite(af.melspectrogram(y=random_signal(200000, seed=31))).all()
