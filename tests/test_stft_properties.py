"""Property tests (hypothesis) for stft / istft over shapes, geometries and dtypes.

librosa is the oracle for the numbers; scipy.signal.check_NOLA decides
whether a geometry must invert or raise.
"""

import warnings

import librosa
import numpy as np
import pytest
import scipy.signal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiogp import dsp
from audiogp.errors import ParameterError

RTOL = {np.float32: 1e-5, np.float64: 1e-10}
WINDOWS = ["hann", "hamming", "blackman", "boxcar", ("kaiser", 5.0), "triang"]
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def geometries(draw):
    n_fft = draw(st.integers(2, 96))
    win_length = draw(st.integers(1, n_fft))
    hop = draw(st.integers(1, n_fft + 4))
    center = draw(st.booleans())
    return dict(n_fft=n_fft, hop_length=hop, win_length=win_length,
                window=draw(st.sampled_from(WINDOWS)), center=center)


@st.composite
def signals(draw, n_fft, center):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    channels = draw(st.sampled_from([(), (1,), (2,), (2, 2)]))
    minimum = 1 if center else n_fft
    n = draw(st.integers(minimum, minimum + 4 * n_fft + 10))
    seed = draw(st.integers(0, 2**32 - 1))
    y = np.random.default_rng(seed).standard_normal(channels + (n,)).astype(dtype)
    return y


def _librosa_stft(y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "n_fft too large for input"
        return librosa.stft(y, **params)


@PROFILE
@given(data=st.data(), params=geometries(), pad_mode=st.sampled_from(["constant", "reflect"]))
def test_stft_equals_librosa_for_any_geometry_shape_and_dtype(data, params, pad_mode):
    y = data.draw(signals(params["n_fft"], params["center"]))
    ours = dsp.stft(y, pad_mode=pad_mode, **params)
    theirs = _librosa_stft(y, pad_mode=pad_mode, **params)
    assert ours.shape == theirs.shape == y.shape[:-1] + (params["n_fft"] // 2 + 1, ours.shape[-1])
    assert ours.dtype == theirs.dtype
    scale = np.max(np.abs(theirs))
    assert np.max(np.abs(ours - theirs)) <= RTOL[y.dtype.type] * max(scale, 1e-30)


def _nola(params):
    window = librosa.util.pad_center(
        librosa.filters.get_window(params["window"], params["win_length"], fftbins=True),
        size=params["n_fft"])
    if params["hop_length"] > params["n_fft"]:
        return False
    return bool(scipy.signal.check_NOLA(window, params["n_fft"], params["n_fft"] - params["hop_length"]))


@PROFILE
@given(data=st.data(), params=geometries())
def test_istft_inverts_or_refuses_by_nola(data, params):
    y = data.draw(signals(params["n_fft"], params["center"]))
    S = _librosa_stft(y, **params)
    if not _nola(params):
        with pytest.raises(ParameterError, match="NOLA"):
            dsp.istft(S, length=y.shape[-1], **params)
        return
    back = dsp.istft(S, length=y.shape[-1], **params)
    theirs = librosa.istft(S, length=y.shape[-1], **params)
    assert back.shape == theirs.shape == y.shape
    assert back.dtype == theirs.dtype == y.dtype
    # Against librosa, and against the signal itself, on the samples where
    # the squared-window envelope is at least 1e-3 of its peak: there the
    # reconstruction is well conditioned (the ends of center=False
    # transforms and samples past the last frame are not).
    n_fft, hop = params["n_fft"], params["hop_length"]
    window = librosa.util.pad_center(
        librosa.filters.get_window(params["window"], params["win_length"], fftbins=True), size=n_fft)
    envelope = librosa.filters.window_sumsquare(
        window=window, n_frames=S.shape[-1], hop_length=hop, win_length=n_fft, n_fft=n_fft)
    start = n_fft // 2 if params["center"] else 0
    envelope = np.pad(envelope[start:], (0, y.shape[-1]))[:y.shape[-1]]
    good = envelope >= 1e-3 * envelope.max()
    tolerance = {np.float32: 1e-4, np.float64: 1e-10}[y.dtype.type] * np.max(np.abs(y))
    assert np.all(np.abs(back - theirs)[..., good] <= tolerance)
    assert np.all(np.abs(back - y)[..., good] <= tolerance)


@PROFILE
@given(data=st.data(), params=geometries())
def test_plan_round_trip_equals_librosa(data, params):
    y = data.draw(signals(params["n_fft"], params["center"]))
    plan = dsp.StftPlan(n_samples=y.shape[-1], dtype=y.dtype, **params)
    S = plan.stft(y)
    theirs = _librosa_stft(y, **params)
    assert S.shape == theirs.shape
    assert np.max(np.abs(S - theirs)) <= RTOL[y.dtype.type] * max(np.max(np.abs(theirs)), 1e-30)
    assert plan.n_frames == theirs.shape[-1]
