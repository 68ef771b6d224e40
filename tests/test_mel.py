"""Mel scale and mel filter banks against librosa."""

import warnings

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError


@pytest.mark.parametrize("htk", [False, True])
def test_hz_to_mel_and_back_match_librosa(htk):
    f = np.concatenate([np.linspace(0, 30000, 1001), [999.999, 1000.0, 1000.001]])
    mels = dsp.hz_to_mel(f, htk=htk)
    np.testing.assert_allclose(mels, librosa.hz_to_mel(f, htk=htk), rtol=1e-12)
    np.testing.assert_allclose(dsp.mel_to_hz(mels, htk=htk), librosa.mel_to_hz(mels, htk=htk),
                               rtol=1e-12)
    np.testing.assert_allclose(dsp.mel_to_hz(mels, htk=htk), f, rtol=1e-10, atol=1e-9)


def test_scales_follow_their_closed_forms():
    # Slaney: 200/3 Hz per mel below 1 kHz, 27 mels per factor 6.4 above; HTK: 2595 log10(1 + f/700).
    assert dsp.hz_to_mel(600.0) == pytest.approx(9.0)
    assert dsp.hz_to_mel(6400.0) == pytest.approx(15 + 27)
    assert dsp.hz_to_mel(700.0, htk=True) == pytest.approx(2595 * np.log10(2))
    assert isinstance(dsp.hz_to_mel(440.0), float)
    assert isinstance(dsp.mel_to_hz(10.0, htk=True), float)


@pytest.mark.parametrize("htk", [False, True])
def test_mel_frequencies_match_librosa(htk):
    ours = dsp.mel_frequencies(40, fmin=30.0, fmax=8000.0, htk=htk)
    np.testing.assert_allclose(ours, librosa.mel_frequencies(40, fmin=30.0, fmax=8000.0, htk=htk),
                               rtol=1e-12)


GRID = [
    dict(sr=22050, n_fft=2048),
    dict(sr=22050, n_fft=1024, n_mels=80, fmin=0.0, fmax=8000.0),
    dict(sr=16000, n_fft=512, n_mels=40, fmin=20.0, fmax=None, htk=True),
    dict(sr=44100, n_fft=2048, n_mels=64, fmin=50.0, fmax=16000.0, norm=None),
    dict(sr=22050, n_fft=1023, n_mels=60, norm=1),
    dict(sr=22050, n_fft=1024, n_mels=60, norm=2, htk=True),
    dict(sr=8000, n_fft=256, n_mels=20, norm=np.inf),
    dict(sr=22050, n_fft=2048, n_mels=128, norm=2.5, fmax=None),
]


@pytest.mark.parametrize("params", GRID)
def test_mel_filters_match_librosa(params):
    ours = dsp.mel_filters(**params)
    theirs = librosa.filters.mel(**params)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


def test_mel_filters_dtype_follows_request():
    ours = dsp.mel_filters(22050, 1024, 40, dtype=np.float64)
    theirs = librosa.filters.mel(sr=22050, n_fft=1024, n_mels=40, dtype=np.float64)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_slaney_norm_gives_every_band_the_same_area():
    # Each triangle is scaled by 2 / (its width in Hz): its area (sum * bin spacing) is 1.
    sr, n_fft = 22050, 8192
    weights = dsp.mel_filters(sr, n_fft, 40, dtype=np.float64)
    np.testing.assert_allclose(weights.sum(axis=1) * sr / n_fft, 1.0, rtol=2e-3)


@settings(max_examples=40, deadline=None)
@given(
    sr=st.sampled_from([8000, 16000, 22050, 44100]),
    n_fft=st.integers(64, 2048),
    n_mels=st.integers(1, 128),
    fmin=st.floats(0, 500),
    fmax_fraction=st.one_of(st.none(), st.floats(0.3, 1.3)),  # beyond sr/2 too, as librosa allows
    htk=st.booleans(),
    norm=st.sampled_from(["slaney", None, 1, 2, np.inf]),
)
def test_mel_filters_match_librosa_for_any_settings(sr, n_fft, n_mels, fmin, fmax_fraction, htk,
                                                    norm):
    fmax = None if fmax_fraction is None else fmin + fmax_fraction * (sr / 2 - fmin)
    params = dict(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = dsp.mel_filters(**params)
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        theirs = librosa.filters.mel(**params)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)
    assert bool(ours_warned) == bool(theirs_warned)


def test_mel_filters_bad_parameters():
    with pytest.raises(ParameterError, match="fmax"):
        dsp.mel_filters(22050, 1024, fmin=4000, fmax=3000)
    with pytest.raises(ParameterError, match="norm"):
        dsp.mel_filters(22050, 1024, norm="slany")
    with pytest.raises(ParameterError, match="norm"):
        dsp.mel_filters(22050, 1024, norm=-1)
    with pytest.raises(ParameterError, match="n_mels"):
        dsp.mel_filters(22050, 1024, 0)
    with pytest.raises(ParameterTypeError, match="complex"):
        dsp.hz_to_mel(np.array([100j]))
