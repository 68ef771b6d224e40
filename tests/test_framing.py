"""dsp.frame and dsp.autocorrelate against librosa and direct sums."""

import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError

librosa = pytest.importorskip("librosa")


@pytest.mark.parametrize("shape, axis, frame_length, hop_length", [
    ((1000,), -1, 256, 64), ((1000,), 0, 100, 100), ((2, 3, 500), -1, 50, 7), ((500, 2), 0, 64, 32),
    ((256,), -1, 256, 1),
])
def test_frame_matches_librosa(rng, shape, axis, frame_length, hop_length):
    x = rng.standard_normal(shape)
    ours = dsp.frame(x, frame_length=frame_length, hop_length=hop_length, axis=axis)
    theirs = librosa.util.frame(x, frame_length=frame_length, hop_length=hop_length, axis=axis)
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)
    assert np.shares_memory(ours, x) and not ours.flags.writeable


def test_frame_refuses_what_cannot_be_framed():
    with pytest.raises(ParameterError, match="fewer than frame_length=10"):
        dsp.frame(np.zeros(9), frame_length=10, hop_length=1)
    with pytest.raises(ParameterError, match="hop_length must be >= 1"):
        dsp.frame(np.zeros(9), frame_length=2, hop_length=0)
    with pytest.raises(ParameterError, match="axis must be 0 or -1"):
        dsp.frame(np.zeros((3, 4, 5)), frame_length=2, hop_length=1, axis=1)


@pytest.mark.parametrize("max_size", [None, 1, 17, 5000])
def test_autocorrelate_matches_a_direct_sum_and_librosa(rng, max_size):
    y = rng.standard_normal((3, 400))
    ours = dsp.autocorrelate(y, max_size=max_size)
    lags = 400 if max_size is None else min(max_size, 400)
    direct = np.array([[row[: 400 - k] @ row[k:] for k in range(lags)] for row in y])
    np.testing.assert_allclose(ours, direct, atol=1e-10)
    np.testing.assert_allclose(ours, librosa.autocorrelate(y, max_size=max_size), atol=1e-10)


def test_autocorrelate_of_frames_along_their_sample_axis(rng):
    y = rng.standard_normal(2000).astype(np.float32)
    frames = dsp.frame(y, frame_length=256, hop_length=128)
    r = dsp.autocorrelate(frames, max_size=11, axis=-2)
    assert r.shape == (11, frames.shape[-1]) and r.dtype == np.float32
    np.testing.assert_allclose(r[:, 3], [frames[: 256 - k, 3] @ frames[k:, 3] for k in range(11)],
                               rtol=1e-4)


def test_autocorrelate_refuses_non_finite_and_integer_input():
    with pytest.raises(ParameterError, match="nan"):
        dsp.autocorrelate(np.array([0.0, np.nan]))
    with pytest.raises(ParameterTypeError, match="floating-point"):
        dsp.autocorrelate(np.arange(4))
