"""Bad input to stft / istft / StftPlan: clear errors naming the parameter and the place."""

import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError


@pytest.fixture
def spectrum(rng):
    return dsp.stft(rng.standard_normal(4000), n_fft=256, hop_length=64)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_stft_names_the_first_non_finite_sample(bad):
    y = np.zeros(3000, dtype=np.float32)
    y[1234] = bad
    y[2000] = np.nan
    with pytest.raises(ParameterError, match=r"y contains .* at index 1234"):
        dsp.stft(y, n_fft=512)


def test_stft_names_channel_and_sample_of_a_nan():
    y = np.zeros((2, 3000))
    y[1, 77] = np.nan
    with pytest.raises(ParameterError, match=r"index \(1, 77\)"):
        dsp.stft(y, n_fft=512)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_istft_names_bin_and_frame_of_a_non_finite_value(spectrum, bad):
    spectrum = spectrum.copy()
    spectrum[3, 17] = bad
    with pytest.raises(ParameterError, match=r"stft_matrix contains .* at index \(3, 17\)"):
        dsp.istft(spectrum, hop_length=64)


def test_istft_error_for_nan_in_one_channel(spectrum):
    stacked = np.stack([spectrum, spectrum])
    stacked[1, 0, 40] = complex(np.nan, 0)
    with pytest.raises(ParameterError, match=r"index \(1, 0, 40\)"):
        dsp.istft(stacked, hop_length=64)


def test_istft_reports_overflow_in_float32():
    huge = np.full((129, 20), 3e38, dtype=np.complex64)
    with pytest.raises(ParameterError, match="overflows float32"):
        dsp.istft(huge, hop_length=64)


def test_stft_refuses_complex_input():
    with pytest.raises(ParameterTypeError, match="y must be real-valued"):
        dsp.stft(np.ones(4000, dtype=complex), n_fft=512)


def test_stft_refuses_integer_input():
    with pytest.raises(ParameterTypeError, match="floating-point"):
        dsp.stft(np.ones(4000, dtype=np.int16), n_fft=512)


def test_istft_refuses_a_real_matrix():
    with pytest.raises(ParameterTypeError, match="complex STFT matrix"):
        dsp.istft(np.ones((129, 20)), hop_length=64)


@pytest.mark.parametrize("y", [np.float64(1.0), np.zeros(0), np.zeros((3, 0)), np.zeros((0, 500))])
def test_stft_refuses_scalars_and_empty_input(y):
    with pytest.raises(ParameterError, match="y (must have at least 1 dimension|is empty)"):
        dsp.stft(y, n_fft=64)


@pytest.mark.parametrize("shape", [(129,), (129, 0), (0, 20)])
def test_istft_refuses_one_dimensional_and_empty_input(shape):
    with pytest.raises(ParameterError, match="stft_matrix (must have at least 2 dimension|is empty)"):
        dsp.istft(np.zeros(shape, dtype=np.complex64), n_fft=256, hop_length=64)


def test_stft_refuses_short_signal_without_center():
    with pytest.raises(ParameterError, match="y has 100 samples, fewer than n_fft=512"):
        dsp.stft(np.ones(100), n_fft=512, center=False)


@pytest.mark.parametrize("hop", [0, -3])
def test_refuses_nonpositive_hop(hop, spectrum):
    with pytest.raises(ParameterError, match="hop_length must be >= 1"):
        dsp.stft(np.ones(4000), n_fft=512, hop_length=hop)
    with pytest.raises(ParameterError, match="hop_length must be >= 1"):
        dsp.istft(spectrum, hop_length=hop)
    with pytest.raises(ParameterError, match="hop_length must be >= 1"):
        dsp.StftPlan(n_fft=512, hop_length=hop)


def test_refuses_a_fractional_hop():
    with pytest.raises(ParameterTypeError, match="hop_length must be an integer"):
        dsp.stft(np.ones(4000), n_fft=512, hop_length=2.5)


def test_refuses_a_default_hop_of_zero():
    with pytest.raises(ParameterError, match="pass hop_length explicitly"):
        dsp.stft(np.ones(100), n_fft=3)


def test_istft_refuses_bins_inconsistent_with_n_fft(spectrum):
    with pytest.raises(ParameterError, match="129 frequency bins but n_fft=512 gives 257"):
        dsp.istft(spectrum, n_fft=512, hop_length=64)


def test_istft_needs_n_fft_for_a_single_bin():
    with pytest.raises(ParameterError, match="pass n_fft explicitly"):
        dsp.istft(np.ones((1, 10), dtype=np.complex64), hop_length=1)


def test_refuses_a_window_longer_than_n_fft():
    with pytest.raises(ParameterError, match="win_length=600 must be <= n_fft=512"):
        dsp.stft(np.ones(4000), n_fft=512, win_length=600)


def test_refuses_a_window_array_of_the_wrong_length():
    with pytest.raises(ParameterError, match=r"window has shape \(100,\), expected \(512,\)"):
        dsp.stft(np.ones(4000), n_fft=512, window=np.ones(100))


def test_refuses_a_window_with_nan():
    window = np.ones(512)
    window[10] = np.nan
    with pytest.raises(ParameterError, match="window contains nan at index 10"):
        dsp.stft(np.ones(4000), n_fft=512, window=window)


def test_refuses_an_unknown_window_name():
    with pytest.raises(ParameterError, match="window='hanning-ish' is not a window"):
        dsp.stft(np.ones(4000), n_fft=512, window="hanning-ish")


def test_refuses_an_unknown_pad_mode():
    with pytest.raises(ParameterError, match="pad_mode='reflekt'.*Did you mean 'reflect'"):
        dsp.stft(np.ones(4000), n_fft=512, pad_mode="reflekt")


def test_refuses_bad_dtypes(spectrum):
    with pytest.raises(ParameterTypeError, match="dtype must be complex64 or complex128"):
        dsp.stft(np.ones(4000), n_fft=512, dtype=np.float32)
    with pytest.raises(ParameterTypeError, match="dtype must be float32 or float64"):
        dsp.istft(spectrum, hop_length=64, dtype=np.complex64)
    with pytest.raises(ParameterTypeError, match="dtype must be float32 or float64"):
        dsp.StftPlan(n_fft=256, dtype=np.int32)


@pytest.mark.parametrize("length", [0, -5])
def test_istft_refuses_a_nonpositive_length(spectrum, length):
    with pytest.raises(ParameterError, match="length must be >= 1"):
        dsp.istft(spectrum, hop_length=64, length=length)


def test_istft_refuses_a_window_violating_nola(spectrum):
    with pytest.raises(ParameterError, match="does not satisfy the NOLA condition"):
        dsp.istft(spectrum, hop_length=256)


def test_plan_refuses_too_few_samples_without_center():
    with pytest.raises(ParameterError, match="n_samples has 100 samples, fewer than n_fft=256"):
        dsp.StftPlan(n_fft=256, n_samples=100, center=False)


def test_plan_refuses_wrong_bins(spectrum):
    plan = dsp.StftPlan(n_fft=512, hop_length=64)
    with pytest.raises(ParameterError, match="n_fft=512"):
        plan.istft(spectrum)


def test_plan_refuses_a_wrong_signal_out(spectrum):
    plan = dsp.StftPlan(n_fft=256, hop_length=64, dtype=np.float64)
    with pytest.raises(ParameterError, match=r"out must be a float64 array of shape \(4000,\)"):
        plan.istft(spectrum, length=4000, out=np.zeros(4000, dtype=np.float32))


def test_nola_error_describes_an_array_window_briefly(rng):
    window = np.ones(256)
    window[::2] = 0  # with hop 2, the even offsets only ever see zeros
    S = dsp.stft(rng.standard_normal(4000), n_fft=256, hop_length=64)
    with pytest.raises(ParameterError, match=r"window=<array of 256 samples> .* NOLA") as info:
        dsp.istft(S, hop_length=2, window=window)
    assert len(str(info.value)) < 400
