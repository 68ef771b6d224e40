"""Random-phase inversion: exact periodograms, band limits, seeds, silence, bad input."""

import librosa
import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 300), scaling=st.sampled_from(["density", "spectrum"]),
       sr=st.sampled_from([1.0, 8000.0, 44100.0]), seed=st.integers(0, 2**32 - 1))
def test_periodogram_of_the_blocks_is_the_psd(n, scaling, sr, seed):
    rng = np.random.default_rng(seed)
    psd = rng.random((3, n // 2 + 1))
    blocks = dsp.random_phase_psd(psd, n=n, sr=sr, scaling=scaling, random_state=seed)
    assert blocks.shape == (3, n)
    _, reference = scipy.signal.periodogram(blocks, fs=sr, window="boxcar", detrend=False,
                                            scaling=scaling, axis=-1)
    np.testing.assert_allclose(reference, psd, rtol=1e-9, atol=1e-12 * psd.max())


def test_psd_phases_are_uniform(rng):
    psd = np.ones((4000, 65))
    blocks = dsp.random_phase_psd(psd, random_state=1)
    spectrum = np.fft.rfft(blocks, axis=-1)[:, 1:-1]
    mean_phasor = np.mean(spectrum / np.abs(spectrum), axis=0)
    assert np.max(np.abs(mean_phasor)) < 0.06  # about 4 / sqrt(4000)


def test_random_phase_keeps_the_band(rng):
    S = np.zeros((257, 60))
    S[80:100] = 1.0
    y = dsp.random_phase(S, hop_length=128, random_state=3)
    rebuilt = np.abs(librosa.stft(y, n_fft=512, hop_length=128))[:, 2:-2]  # the cut ends leak
    outside = np.concatenate([rebuilt[:70], rebuilt[110:]])
    assert outside.max() < 1e-3 * rebuilt.max()
    assert rebuilt[80:100].mean() > 0.3


@pytest.mark.parametrize("n_fft, hop, window", [(512, 128, "hann"), (512, 64, "hamming"),
                                                (256, 128, "hann")])
def test_random_phase_of_noise_has_the_noise_power(n_fft, hop, window, rng):
    y = rng.standard_normal(40000)
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window))
    stft = dict(n_fft=n_fft, hop_length=hop, window=window)
    x = dsp.random_phase(S, random_state=0, length=y.size, **stft)
    raw = dsp.random_phase(S, random_state=0, length=y.size, match_energy=False, **stft)
    power = np.mean(np.abs(librosa.stft(x, **stft)) ** 2)
    raw_power = np.mean(np.abs(librosa.stft(raw, **stft)) ** 2)
    # frames of independent phase keep hop / n_fft of the power; the gain restores it
    assert power == pytest.approx(np.mean(S**2), rel=0.1)
    assert raw_power == pytest.approx(np.mean(S**2) * hop / n_fft, rel=0.1)


def test_same_seed_same_bytes(rng):
    S = rng.random((129, 20))
    a = dsp.random_phase(S, random_state=5)
    assert a.tobytes() == dsp.random_phase(S, random_state=5).tobytes()
    assert not np.array_equal(a, dsp.random_phase(S, random_state=6))


def test_silence_stays_silent():
    assert np.all(dsp.random_phase(np.zeros((129, 10)), random_state=0) == 0)
    assert np.all(dsp.random_phase_psd(np.zeros(33), random_state=0) == 0)


def test_refuses_bad_input():
    with pytest.raises(ParameterTypeError, match="complex"):
        dsp.random_phase(np.ones((129, 10), dtype=complex))
    with pytest.raises(ParameterError, match="129 frequency bins"):
        dsp.random_phase(np.ones((129, 10)), n_fft=512)
    with pytest.raises(ParameterError, match="length"):
        dsp.random_phase(np.ones((129, 10)), hop_length=64, length=5000)
    with pytest.raises(ParameterError, match="n=100 samples has 51"):
        dsp.random_phase_psd(np.ones(33), n=100)
    with pytest.raises(ParameterError, match="non-negative"):
        dsp.random_phase_psd(-np.ones(33))
