"""Mel spectrograms and MFCCs against librosa."""

import librosa
import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError


def chirp(n=6000, sr=16000, dtype=np.float64):
    t = np.arange(n) / sr
    rng = np.random.default_rng(5)
    y = np.sin(2 * np.pi * (100 + 2000 * t) * t) + 0.05 * rng.standard_normal(n)
    return y.astype(dtype)


def assert_close_in_range(ours, theirs, fraction):
    """Largest difference within ``fraction`` of the reference's range."""
    assert ours.shape == theirs.shape
    scale = np.ptp(theirs)
    assert np.max(np.abs(ours - theirs)) <= fraction * scale


MEL_GRID = [
    dict(),
    dict(n_fft=1024, hop_length=256, n_mels=80, fmax=8000.0),
    dict(n_fft=512, hop_length=128, win_length=400, window="hamming", n_mels=40, htk=True,
         norm=None, power=1.0),
    dict(n_fft=1023, hop_length=200, n_mels=64, fmin=50.0, center=False, norm=2),
    dict(n_fft=512, hop_length=160, pad_mode="reflect", power=1.5, n_mels=32),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", MEL_GRID)
def test_melspectrogram_matches_librosa(params, dtype):
    y = chirp(dtype=dtype)
    ours = dsp.melspectrogram(y=y, sr=16000, **params)
    theirs = librosa.feature.melspectrogram(y=y, sr=16000, **params)
    assert ours.dtype == theirs.dtype
    rtol = 1e-4 if dtype == np.float32 else 1e-6
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * theirs.max())


def test_melspectrogram_of_a_given_spectrogram_and_of_channels(rng):
    y = rng.standard_normal((2, 4000))
    S = np.abs(librosa.stft(y, n_fft=1024, hop_length=256)) ** 2
    ours = dsp.melspectrogram(S=S, sr=22050, n_mels=50)
    theirs = librosa.feature.melspectrogram(S=S, sr=22050, n_mels=50)
    assert ours.shape == (2, 50, S.shape[-1])
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9 * theirs.max())


MFCC_GRID = [
    dict(),
    dict(n_mfcc=13, dct_type=2, norm=None),
    dict(n_mfcc=20, dct_type=1, norm="ortho"),
    dict(n_mfcc=20, dct_type=1, norm=None),
    dict(n_mfcc=30, dct_type=3, norm="ortho"),
    dict(n_mfcc=30, dct_type=3, norm=None, lifter=22),
    dict(n_mfcc=40, lifter=10.5, n_mels=64, htk=True, n_fft=1024, hop_length=256, fmax=7000.0),
    dict(n_mfcc=20, norm="ortho", n_mels=40, n_fft=512, hop_length=128, norm_mel=None),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", MFCC_GRID)
def test_mfcc_matches_librosa(params, dtype):
    params = dict(params)
    if "norm_mel" in params:  # the mel filter bank's norm, not the DCT's
        mel_norm = params.pop("norm_mel")
        y = chirp(dtype=dtype)
        S = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=16000, n_mels=40,
                                                               n_fft=512, hop_length=128,
                                                               norm=mel_norm))
        for key in ("n_mels", "n_fft", "hop_length"):
            params.pop(key)
        ours = dsp.mfcc(S=S, sr=16000, **params)
        theirs = librosa.feature.mfcc(S=S, sr=16000, **params)
    else:
        y = chirp(dtype=dtype)
        ours = dsp.mfcc(y=y, sr=16000, **params)
        theirs = librosa.feature.mfcc(y=y, sr=16000, **params)
    assert ours.dtype == theirs.dtype
    assert_close_in_range(ours, theirs, 1e-3 if dtype == np.float32 else 1e-6)


def test_mfcc_of_silence_is_finite():
    M = dsp.mfcc(y=np.zeros(4000), sr=16000, n_mfcc=13)
    assert np.all(np.isfinite(M))
    np.testing.assert_allclose(M, librosa.feature.mfcc(y=np.zeros(4000), sr=16000, n_mfcc=13),
                               atol=1e-6)


def test_melspectrogram_refuses_complex_spectrogram(rng):
    D = librosa.stft(rng.standard_normal(2000), n_fft=256)
    with pytest.raises(ParameterTypeError, match=r"np\.abs"):
        dsp.melspectrogram(S=D, sr=8000)
    with pytest.raises(ParameterTypeError, match="complex"):
        dsp.mfcc(S=D[:20], sr=8000)


def test_bad_mel_and_mfcc_arguments(rng):
    S = rng.random((257, 10))
    with pytest.raises(ParameterError, match="n_fft=1024"):
        dsp.melspectrogram(S=S, n_fft=1024)
    with pytest.raises(ParameterError, match="either y or S"):
        dsp.melspectrogram(y=np.zeros(1000), S=S)
    with pytest.raises(ParameterError, match="give a signal"):
        dsp.melspectrogram()
    with pytest.raises(ParameterError, match="n_mfcc=50"):
        dsp.mfcc(S=rng.random((40, 10)), n_mfcc=50)
    with pytest.raises(ParameterError, match="dct_type"):
        dsp.mfcc(S=rng.random((40, 10)), dct_type=4)
    with pytest.raises(ParameterError, match="lifter"):
        dsp.mfcc(S=rng.random((40, 10)), lifter=-1)
    with pytest.raises(ParameterError, match="only apply"):
        dsp.mfcc(S=rng.random((40, 10)), n_fft=512)


def test_melspectrogram_with_empty_filters_matches_librosa(rng):
    # 128 bands over 129 bins: some low bands fall between bins and stay empty.
    S = rng.random((3, 129, 17))
    with pytest.warns(UserWarning, match="no FFT bin"):
        ours = dsp.melspectrogram(S=S, sr=16000, n_mels=128)
    with pytest.warns(UserWarning):
        theirs = librosa.feature.melspectrogram(S=S, sr=16000, n_mels=128)
    assert np.any(np.all(theirs == 0, axis=(0, 2)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)
