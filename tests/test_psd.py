"""Block periodogram scaling (closed forms, SciPy) and the Bark band table."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError


@pytest.mark.parametrize("n_fft", [256, 255])
def test_density_of_a_block_integrates_to_its_mean_square(n_fft, rng):
    # Parseval: with a boxcar window, sum_k P[k] * (sr / n_fft) is the block's mean square.
    sr = 8000
    y = rng.standard_normal(n_fft * 6)
    freqs, psd = dsp.block_periodogram(y, sr=sr, block_length=n_fft)
    mean_square = (y.reshape(6, n_fft) ** 2).mean(axis=1)
    assert psd.shape == (6, n_fft // 2 + 1)
    np.testing.assert_allclose(psd.sum(axis=-1) * sr / n_fft, mean_square, rtol=1e-12)
    np.testing.assert_allclose(freqs, np.arange(n_fft // 2 + 1) * sr / n_fft)


def test_white_noise_density_level_is_twice_the_variance_over_sr(rng):
    sr, sigma = 16000, 0.3
    y = sigma * rng.standard_normal(400 * 128)
    _, psd = dsp.block_periodogram(y, sr=sr, block_length=128, window="hann")
    interior = psd[:, 1:-1].mean()  # DC and Nyquist are not doubled
    assert interior == pytest.approx(2 * sigma**2 / sr, rel=0.02)


@pytest.mark.parametrize("window", ["boxcar", "hann"])
def test_power_spectrum_of_a_bin_centred_sinusoid_is_its_power(window):
    sr, n_fft, k0, amplitude = 8000, 512, 37, 0.7
    t = np.arange(4 * n_fft) / sr
    y = amplitude * np.sin(2 * np.pi * k0 * sr / n_fft * t + 0.3)
    _, power = dsp.block_periodogram(y, sr=sr, block_length=n_fft, window=window,
                                     scaling="spectrum")
    np.testing.assert_allclose(power[:, k0], amplitude**2 / 2, rtol=1e-10)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 2e-5)])
@pytest.mark.parametrize("params", [
    dict(block_length=256, hop_length=256, window="boxcar", scaling="density", detrend=False),
    dict(block_length=256, hop_length=100, window="hann", scaling="spectrum", detrend="constant"),
    dict(block_length=200, hop_length=50, n_fft=512, window=("tukey", 0.25), scaling="density",
         detrend="constant"),
    dict(block_length=111, hop_length=37, window="hamming", scaling="density", detrend=False),
])
def test_block_periodogram_matches_scipy_spectrogram(params, dtype, rtol, rng):
    sr = 22050
    y = rng.standard_normal((2, 3000)).astype(dtype)
    freqs, ours = dsp.block_periodogram(y, sr=sr, **params)
    f_ref, _, theirs = scipy.signal.spectrogram(
        y, fs=sr, window=params["window"], nperseg=params["block_length"],
        noverlap=params["block_length"] - params["hop_length"], nfft=params.get("n_fft"),
        detrend=params["detrend"], scaling=params["scaling"], mode="psd",
    )
    theirs = theirs.swapaxes(-1, -2)  # scipy: frequency by segment
    assert ours.shape == theirs.shape and ours.dtype == dtype
    np.testing.assert_allclose(freqs, f_ref, rtol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * theirs.max())


def test_mean_of_blocks_is_welch(rng):
    sr = 16000
    y = rng.standard_normal(5000)
    _, blocks = dsp.block_periodogram(y, sr=sr, block_length=400, hop_length=200, window="hann",
                                      detrend="constant")
    _, welch = scipy.signal.welch(y, fs=sr, nperseg=400, noverlap=200, window="hann",
                                  detrend="constant", average="mean")
    np.testing.assert_allclose(blocks.mean(axis=0), welch, rtol=1e-10)


@pytest.mark.parametrize("n_fft", [None, 4096])
def test_periodogram_matches_scipy(n_fft, rng):
    y = rng.standard_normal(3001)
    freqs, ours = dsp.periodogram(y, sr=44100, n_fft=n_fft, window="hann", detrend="constant")
    f_ref, theirs = scipy.signal.periodogram(y, fs=44100, nfft=n_fft, window="hann",
                                             detrend="constant")
    np.testing.assert_allclose(freqs, f_ref)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


def test_pad_end_keeps_the_partial_last_block(rng):
    y = rng.standard_normal(1000)
    _, psd = dsp.block_periodogram(y, sr=1000, block_length=300, pad_end=True)
    assert psd.shape[0] == 4
    last = np.zeros(300)
    last[:100] = y[900:]
    expected = np.abs(np.fft.rfft(last)) ** 2 / (1000 * 300)
    expected[1:-1] *= 2
    np.testing.assert_allclose(psd[-1], expected, rtol=1e-10)
    _, dropped = dsp.block_periodogram(y, sr=1000, block_length=300)
    assert dropped.shape[0] == 3


def test_lengths_in_milliseconds():
    assert dsp.block_lengths(22050, block_ms=5) == (110, 110)
    assert dsp.block_lengths(16000, block_ms=20, hop_ms=10) == (320, 160)
    assert dsp.block_lengths(16000, 320, hop_ms=5) == (320, 80)
    y = np.random.default_rng(0).standard_normal(1600)
    _, psd = dsp.block_periodogram(y, sr=16000, block_ms=20, hop_ms=10)
    assert psd.shape == (9, 161)


def test_silence_gives_zero_density():
    _, psd = dsp.block_periodogram(np.zeros(2048), sr=8000, block_length=256, window="hann",
                                   detrend="constant")
    assert np.all(psd == 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(block_length=256, block_ms=10), "not both"),
    (dict(block_length=4096), "fewer than block_length"),
    (dict(block_length=256, n_fft=128), "n_fft"),
    (dict(block_ms=0.01), "less than one sample"),
    (dict(scaling="psd"), "scaling"),
    (dict(detrend="linear"), "detrend"),
])
def test_bad_parameters_are_named(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        dsp.block_periodogram(np.ones(2048), sr=8000, **kwargs)


def test_complex_signal_is_refused():
    with pytest.raises(ParameterTypeError, match="real"):
        dsp.block_periodogram(np.ones(2048, dtype=complex), sr=8000)


def test_bark_table_follows_zwicker_terhardt_formula():
    # Zwicker & Terhardt (1980) give the Bark number of a frequency in closed form; the
    # 1961 table's upper edge of band b must sit within a quarter Bark of b + 1.
    edges = dsp.bark_band_edges()
    assert edges.shape == (25,) and edges[0] == 0 and np.all(np.diff(edges) > 0)
    z = 13 * np.arctan(0.00076 * edges) + 3.5 * np.arctan((edges / 7500) ** 2)
    np.testing.assert_allclose(z, np.arange(25), atol=0.3)
    centers = dsp.bark_band_centers()
    assert np.all((edges[:-1] < centers) & (centers < edges[1:]))


def test_band_of_each_frequency():
    edges = dsp.bark_band_edges()
    f = np.array([0.0, 99.9, 100.0, 1000.0, 15499.0, 15500.0, 20000.0])
    np.testing.assert_array_equal(dsp.bark_band(f), [0, 0, 1, 8, 23, -1, -1])
    assert dsp.bark_band(450.0) == 4
    mids = (edges[:-1] + edges[1:]) / 2
    np.testing.assert_array_equal(dsp.bark_band(mids), np.arange(24))
    with pytest.raises(ParameterError, match="index 1"):
        dsp.bark_band([10.0, -5.0])


def test_bark_edges_truncated_at_nyquist():
    edges = dsp.bark_band_edges(fmax=8000)
    np.testing.assert_array_equal(edges[-3:], [6400, 7700, 8000])
    assert dsp.bark_band_centers(fmax=8000).shape == (edges.size - 1,)
    with pytest.raises(ValueError):
        dsp.BARK_BAND_EDGES[0] = 1.0


@settings(max_examples=40, deadline=None)
@given(
    dtype=st.sampled_from([np.float32, np.float64]),
    channels=st.sampled_from([(), (2,), (2, 3)]),
    n=st.integers(16, 700),
    block=st.integers(1, 300),
    hop=st.integers(1, 300),
    extra_fft=st.integers(0, 40),
    window=st.sampled_from(["boxcar", "hann", "hamming"]),
    scaling=st.sampled_from(["density", "spectrum"]),
    detrend=st.sampled_from([False, "constant"]),
)
def test_block_periodogram_matches_scipy_for_any_shape(dtype, channels, n, block, hop, extra_fft,
                                                       window, scaling, detrend):
    assume(block <= n and hop <= block)  # scipy.signal.spectrogram wants noverlap >= 0
    y = np.random.default_rng(n).standard_normal(channels + (n,)).astype(dtype)
    freqs, ours = dsp.block_periodogram(y, sr=1000, block_length=block, hop_length=hop,
                                        n_fft=block + extra_fft, window=window, scaling=scaling,
                                        detrend=detrend)
    f_ref, _, theirs = scipy.signal.spectrogram(
        y, fs=1000, window=window, nperseg=block, noverlap=block - hop, nfft=block + extra_fft,
        detrend=detrend, scaling=scaling, mode="psd")
    theirs = theirs.swapaxes(-1, -2)
    assert ours.shape == theirs.shape and ours.dtype == dtype
    np.testing.assert_allclose(freqs, f_ref, rtol=1e-12)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol * max(theirs.max(), 1e-30))


def test_periodogram_refuses_a_truncating_fft():
    with pytest.raises(ParameterError, match="n_fft=100 is shorter than the signal"):
        dsp.periodogram(np.ones(200), sr=1000, n_fft=100)
