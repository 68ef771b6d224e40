"""Amplitude envelopes (dense NumPy and closed-form references) and the envelope/carrier split."""

import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import ParameterError


def dense_rolling_std(y, frame_length):
    n = y.shape[-1]
    out = np.empty(n)
    for t in range(n):
        lo = max(0, t - frame_length // 2)
        hi = min(n, t - frame_length // 2 + frame_length)
        out[t] = np.std(y[lo:hi])
    return out


@pytest.mark.parametrize("frame_length", [1, 2, 7, 64, 600])
def test_rolling_std_matches_dense_windows(frame_length, rng):
    y = rng.standard_normal(500) * np.linspace(0.1, 2, 500) + 0.5
    ours = dsp.rolling_std_envelope(y, frame_length=frame_length, floor=1e-12)
    expected = np.maximum(dense_rolling_std(y, frame_length), 1e-12)
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-12)


def test_rolling_std_stays_accurate_in_a_quiet_passage_after_a_loud_one(rng):
    loud = 0.9 * rng.standard_normal(200_000)
    quiet = 1e-5 * rng.standard_normal(2000)
    env = dsp.rolling_std_envelope(np.concatenate([loud, quiet]), frame_length=256, floor=1e-9)
    t = 200_000 + 1000
    np.testing.assert_allclose(env[t], np.std(quiet[1000 - 128:1000 + 128]), rtol=1e-6)


def test_rolling_std_per_channel_and_dtype(rng):
    y = rng.standard_normal((3, 400)).astype(np.float32)
    env = dsp.rolling_std_envelope(y, frame_length=32, floor=1e-6)
    assert env.shape == y.shape and env.dtype == np.float32
    for c in range(3):
        np.testing.assert_allclose(env[c], dense_rolling_std(y[c].astype(np.float64), 32),
                                   rtol=1e-5)


def test_hilbert_envelope_of_an_am_tone_is_its_modulator():
    # Integer numbers of periods over the signal: the FFT-based analytic signal is exact.
    sr, n = 8000, 8000
    t = np.arange(n) / sr
    modulator = 1 + 0.5 * np.cos(2 * np.pi * 3 * t)
    y = modulator * np.cos(2 * np.pi * 1000 * t)
    env = dsp.hilbert_envelope(y)
    np.testing.assert_allclose(env, modulator, atol=1e-9)


def test_hilbert_envelope_smoothing_is_a_centred_moving_average(rng):
    y = rng.standard_normal(300)
    import scipy.signal

    magnitude = np.abs(scipy.signal.hilbert(y))
    expected = np.array([
        magnitude[max(0, t - 5):min(300, t - 5 + 11)].mean() for t in range(300)
    ])
    np.testing.assert_allclose(dsp.hilbert_envelope(y, smooth_length=11, floor=1e-12), expected,
                               rtol=1e-10)


@pytest.mark.parametrize("estimator", [
    lambda y: dsp.rolling_std_envelope(y, frame_length=64, floor=1e-3),
    lambda y: dsp.hilbert_envelope(y, smooth_length=32, floor=1e-3),
])
def test_silence_gets_the_floor_and_a_zero_carrier(estimator):
    y = np.zeros(1000)
    env = estimator(y)
    assert np.all(env == 1e-3)
    carrier = dsp.demodulate(y, env)
    assert np.all(carrier == 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_carrier_times_envelope_gives_back_the_signal(dtype, rng):
    y = (rng.standard_normal((2, 5000)) * np.linspace(0, 1, 5000) ** 3).astype(dtype)
    env = dsp.rolling_std_envelope(y, frame_length=128, floor=1e-4)
    carrier = dsp.demodulate(y, env)
    assert np.all(np.isfinite(carrier))
    back = dsp.modulate(carrier, env)
    assert back.dtype == dtype
    np.testing.assert_allclose(back, y, rtol=4 * np.finfo(dtype).eps, atol=0)


def test_carrier_of_an_am_tone_is_the_tone():
    t = np.arange(8000) / 8000
    tone = np.cos(2 * np.pi * 500 * t)
    modulator = 1.5 + np.sin(2 * np.pi * 2 * t)
    env = dsp.hilbert_envelope(modulator * tone, floor=1e-6)
    np.testing.assert_allclose(dsp.demodulate(modulator * tone, env), tone, atol=1e-9)


def test_bad_envelopes_are_refused():
    with pytest.raises(ParameterError, match="index 2"):
        dsp.demodulate(np.ones(5), np.array([1.0, 1.0, 0.0, 1.0, 1.0]))
    with pytest.raises(ParameterError, match="broadcast"):
        dsp.modulate(np.ones(5), np.ones(4))
    with pytest.raises(ParameterError, match="floor"):
        dsp.rolling_std_envelope(np.ones(5), floor=0)
    with pytest.raises(ParameterError, match="frame_length"):
        dsp.rolling_std_envelope(np.ones(5), frame_length=0)
