"""STFT / ISTFT against librosa, and their error handling."""

import librosa
import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError

GRID = [
    dict(n_fft=1024, hop_length=256),
    dict(n_fft=1023, hop_length=300, win_length=800),
    dict(n_fft=512, hop_length=100, center=False),
    dict(n_fft=256, hop_length=64, pad_mode="reflect"),
    dict(n_fft=64, hop_length=16, window="hamming"),
]


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float64, 1e-10)])
@pytest.mark.parametrize("params", GRID)
def test_stft_matches_librosa(params, dtype, rtol, rng):
    y = rng.standard_normal(5000).astype(dtype)
    ours = dsp.stft(y, **params)
    theirs = librosa.stft(y, **params)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.max(np.abs(ours - theirs)) <= rtol * np.max(np.abs(theirs))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_istft_inverts_stft(dtype, rng):
    y = rng.standard_normal((2, 4000)).astype(dtype)
    S = dsp.stft(y, n_fft=512, hop_length=128)
    back = dsp.istft(S, hop_length=128, length=y.shape[-1])
    assert back.dtype == dtype and back.shape == y.shape
    assert np.max(np.abs(back - y)) < 1e-5


def test_istft_refuses_a_window_violating_nola(rng):
    S = dsp.stft(rng.standard_normal(4000), n_fft=256, hop_length=64)
    with pytest.raises(ParameterError, match="NOLA"):
        dsp.istft(S, hop_length=256)


def test_stft_names_the_first_nan_sample():
    y = np.zeros(3000)
    y[1234] = np.nan
    with pytest.raises(ParameterError, match="1234"):
        dsp.stft(y, n_fft=512)


def test_stft_refuses_complex_input():
    with pytest.raises(ParameterTypeError, match="real"):
        dsp.stft(np.ones(4000, dtype=complex), n_fft=512)


def test_stft_refuses_short_signal_without_center():
    with pytest.raises(ParameterError, match="fewer than n_fft"):
        dsp.stft(np.ones(100), n_fft=512, center=False)


def test_stft_refuses_nonpositive_hop():
    with pytest.raises(ParameterError, match="hop_length"):
        dsp.stft(np.ones(4000), n_fft=512, hop_length=0)
