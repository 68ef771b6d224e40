"""The log-thresholded spectrogram and its inverse, against plain NumPy."""

import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError


@pytest.mark.parametrize("thresh", [1.0, 4.0, 6.5])
def test_log_spectrogram_is_normalised_log10_clipped(thresh, rng):
    S = rng.random((65, 40)) ** 8 * 37.0
    L = dsp.log_spectrogram(S, thresh=thresh)
    expected = np.log10(S / S.max())
    expected[expected < -thresh] = -thresh
    np.testing.assert_allclose(L, expected, rtol=1e-12, atol=1e-12)
    assert L.max() == 0.0 and L.min() >= -thresh


def test_inverse_restores_unclipped_magnitudes(rng):
    S = rng.random((2, 33, 20)) + 1e-3  # within 4 decades of the peak: nothing clipped
    L, ref = dsp.log_spectrogram(S, thresh=4.0, return_ref=True)
    assert ref == S.max()
    np.testing.assert_allclose(dsp.inverse_log_spectrogram(L, ref=ref), S, rtol=1e-12)


def test_inverse_of_clipped_bins_is_the_threshold_level():
    S = np.array([[1.0, 1e-7, 0.0], [0.5, 0.25, 2.0]])
    L, ref = dsp.log_spectrogram(S, thresh=3.0, return_ref=True)
    back = dsp.inverse_log_spectrogram(L, ref=ref)
    np.testing.assert_allclose(back, [[1.0, 2e-3, 2e-3], [0.5, 0.25, 2.0]], rtol=1e-12)


def test_float32_stays_float32(rng):
    S = rng.random((10, 10)).astype(np.float32)
    L = dsp.log_spectrogram(S)
    assert L.dtype == np.float32
    assert dsp.inverse_log_spectrogram(L).dtype == np.float32


def test_silence_is_the_threshold_and_inverts_to_silence():
    L, ref = dsp.log_spectrogram(np.zeros((5, 5)), thresh=4.0, return_ref=True)
    np.testing.assert_array_equal(L, -4.0)
    assert ref == 0.0
    np.testing.assert_array_equal(dsp.inverse_log_spectrogram(L, ref=ref), 0.0)


def test_bad_input():
    with pytest.raises(ParameterTypeError, match=r"np\.abs\(D\)"):
        dsp.log_spectrogram(np.ones((3, 3), dtype=complex))
    with pytest.raises(ParameterError, match=r"\(1, 2\)"):
        dsp.log_spectrogram(np.array([[1.0, 2.0, 3.0], [1.0, 2.0, -3.0]]))
    with pytest.raises(ParameterError, match="thresh"):
        dsp.log_spectrogram(np.ones((3, 3)), thresh=0)
    with pytest.raises(ParameterTypeError, match="complex"):
        dsp.inverse_log_spectrogram(np.ones((3, 3), dtype=complex))
