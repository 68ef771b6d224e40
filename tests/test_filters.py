"""Butterworth filters against closed-form magnitude responses and SciPy."""

import numpy as np
import pytest
import scipy.signal

from audiogp import dsp
from audiogp.errors import ParameterError

SR = 16000


def warped(f):
    return np.tan(np.pi * np.asarray(f) / SR)


def lowpass_gain2(f, fc, order):
    return 1 / (1 + (warped(f) / warped(fc)) ** (2 * order))


def bandpass_gain2(f, f1, f2, order):
    w, w1, w2 = warped(f), warped(f1), warped(f2)
    return 1 / (1 + ((w**2 - w1 * w2) / (w * (w2 - w1))) ** (2 * order))


def measured_gain2(filtered_impulse, freqs):
    spectrum = np.fft.rfft(filtered_impulse)
    bins = np.fft.rfftfreq(filtered_impulse.size, 1 / SR)
    return np.interp(freqs, bins, np.abs(spectrum) ** 2)


FREQS = np.array([50.0, 300.0, 700.0, 1000.0, 1500.0, 2500.0, 4000.0, 7000.0])


@pytest.mark.parametrize("order", [1, 3, 6])
def test_bandpass_magnitude_response_is_butterworths(order):
    impulse = np.zeros(1 << 16)
    impulse[0] = 1
    out = dsp.butter_bandpass(impulse, sr=SR, lowcut=500.0, highcut=2000.0, order=order)
    bins = np.fft.rfftfreq(impulse.size, 1 / SR)[1:]
    np.testing.assert_allclose(np.abs(np.fft.rfft(out)[1:]) ** 2,
                               bandpass_gain2(bins, 500.0, 2000.0, order), atol=1e-9)
    np.testing.assert_allclose(measured_gain2(out, [500.0, 2000.0]), 0.5, rtol=1e-3)


@pytest.mark.parametrize("kind", ["low", "high"])
def test_low_and_high_pass_responses(kind):
    impulse = np.zeros(1 << 16)
    impulse[0] = 1
    bins = np.fft.rfftfreq(impulse.size, 1 / SR)[1:]
    if kind == "low":
        out = dsp.butter_lowpass(impulse, sr=SR, cutoff=1000.0, order=4)
        expected = lowpass_gain2(bins, 1000.0, 4)
    else:
        out = dsp.butter_highpass(impulse, sr=SR, cutoff=1000.0, order=4)
        # High-pass: the low-pass prototype evaluated at W(fc)^2 / W(f).
        expected = 1 / (1 + (warped(1000.0) / warped(bins)) ** 8)
    np.testing.assert_allclose(np.abs(np.fft.rfft(out)[1:]) ** 2, expected, atol=1e-9)


def test_zero_phase_squares_the_response_and_keeps_a_tone_in_place():
    t = np.arange(SR) / SR
    tone = np.sin(2 * np.pi * 2400 * t)
    out = dsp.butter_bandpass(tone, sr=SR, lowcut=500.0, highcut=2000.0, order=2, zero_phase=True)
    middle = slice(4000, 12000)
    # Forwards and backwards: the amplitude gain is |H|^2, with no phase shift.
    gain = bandpass_gain2(2400.0, 500.0, 2000.0, 2)
    assert 0.1 < gain < 0.5
    np.testing.assert_allclose(out[middle], gain * tone[middle], atol=1e-6)


@pytest.mark.parametrize("zero_phase", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_scipy_on_channels(zero_phase, dtype, rng):
    y = rng.standard_normal((2, 3000)).astype(dtype)
    ours = dsp.butter_bandpass(y, sr=SR, lowcut=300.0, highcut=3400.0, order=5,
                               zero_phase=zero_phase)
    sos = scipy.signal.butter(5, [300.0, 3400.0], btype="bandpass", fs=SR, output="sos")
    run = scipy.signal.sosfiltfilt if zero_phase else scipy.signal.sosfilt
    theirs = run(sos, y.astype(np.float64), axis=-1)
    assert ours.dtype == dtype and ours.shape == y.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(lowcut=0.0, highcut=1000.0), r"lowcut=0 Hz is outside \(0, sr/2\)"),
    (dict(lowcut=100.0, highcut=8000.0), r"highcut=8000 Hz is outside \(0, sr/2\) = \(0, 8000\)"),
    (dict(lowcut=-5.0, highcut=1000.0), "outside"),
    (dict(lowcut=2000.0, highcut=1000.0), "lowcut=2000 Hz must be below highcut"),
    (dict(lowcut=100.0, highcut=1000.0, order=0), "order"),
])
def test_bad_cuts_are_refused(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        dsp.butter_bandpass(np.zeros(1000), sr=SR, **kwargs)


def test_short_signal_for_zero_phase_is_explained():
    with pytest.raises(ParameterError, match="zero_phase=False"):
        dsp.butter_lowpass(np.zeros(10), sr=SR, cutoff=1000.0, order=5, zero_phase=True)
    assert dsp.butter_lowpass(np.zeros(10), sr=SR, cutoff=1000.0).shape == (10,)


def test_butter_sos_needs_a_pair_for_band_types():
    with pytest.raises(ParameterError, match="pair"):
        dsp.butter_sos(4, 1000.0, sr=SR, btype="bandpass")
    with pytest.raises(ParameterError, match="btype"):
        dsp.butter_sos(4, 1000.0, sr=SR, btype="band")
