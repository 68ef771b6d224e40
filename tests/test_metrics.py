"""Quality metrics against plain NumPy, closed forms and pystoi."""

import sys

import librosa
import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import MissingDependencyError, ParameterError, ParameterTypeError


def test_spectral_convergence_of_a_signal_matches_plain_numpy(rng):
    x = rng.standard_normal(8000)
    y = x + 0.1 * rng.standard_normal(8000)
    S = np.abs(librosa.stft(x, n_fft=512, hop_length=128))
    expected = 20 * np.log10(np.linalg.norm(S - np.abs(librosa.stft(y, n_fft=512, hop_length=128)))
                             / np.linalg.norm(S))
    assert dsp.spectral_convergence(S, y, hop_length=128) == pytest.approx(expected, abs=1e-9)


def test_spectral_convergence_of_a_magnitude_estimate(rng):
    S = rng.random((2, 129, 30))
    estimate = S * 1.1  # a 10% error everywhere: 20 log10(0.1) = -20 dB
    assert dsp.spectral_convergence(S, S_estimate=estimate) == pytest.approx(-20.0, abs=1e-9)
    assert dsp.spectral_convergence(S, S_estimate=S) == -np.inf


def test_spectral_convergence_bad_input(rng):
    x = rng.standard_normal(4000)
    D = librosa.stft(x, n_fft=256, hop_length=64)
    with pytest.raises(ParameterTypeError, match=r"np\.abs"):
        dsp.spectral_convergence(D, x, hop_length=64)
    with pytest.raises(ParameterError, match="exactly one"):
        dsp.spectral_convergence(np.abs(D))
    with pytest.raises(ParameterError, match="shape"):
        dsp.spectral_convergence(np.abs(D), x[:3000], hop_length=64)
    with pytest.raises(ParameterError, match="all zero"):
        dsp.spectral_convergence(np.zeros_like(np.abs(D)), x, hop_length=64)
    with pytest.raises(ParameterTypeError, match="real"):
        dsp.spectral_convergence(np.abs(D), x.astype(complex), hop_length=64)


@pytest.mark.parametrize("power", [1.0, 2.0])
def test_log_spectral_distance_matches_its_definition(power, rng):
    S = rng.random((65, 12)) + 0.01
    S_hat = S * rng.uniform(0.5, 2.0, S.shape)
    db = 20 / power
    per_frame = [np.sqrt(np.mean((db * np.log10(S[:, t]) - db * np.log10(S_hat[:, t])) ** 2))
                 for t in range(S.shape[1])]
    assert dsp.log_spectral_distance(S, S_hat, power=power) == pytest.approx(np.mean(per_frame))


def test_log_spectral_distance_of_a_uniform_gain_is_the_gain_in_db(rng):
    S = rng.random((3, 129, 20)) + 1e-3
    assert dsp.log_spectral_distance(S, S * 10 ** (3 / 20)) == pytest.approx(3.0)
    assert dsp.log_spectral_distance(S[0, :, 0], S[0, :, 0] * 10 ** (-6 / 20)) == pytest.approx(6.0)
    assert dsp.log_spectral_distance(S, S) == 0.0


def test_log_spectral_distance_of_silence_is_finite():
    zeros = np.zeros((33, 5))
    assert dsp.log_spectral_distance(zeros, zeros) == 0.0
    # One silent spectrum against a unit one: the floor amin=1e-10 is -100 dB.
    assert dsp.log_spectral_distance(zeros, np.ones((33, 5))) == pytest.approx(100.0)
    with pytest.raises(ParameterError, match="shape"):
        dsp.log_spectral_distance(zeros, np.ones((33, 4)))


def test_snr_closed_form(rng):
    y = rng.standard_normal(1000)
    assert dsp.snr(y, 1.01 * y) == pytest.approx(40.0)  # error 1% of y: 20 log10(100)
    assert dsp.snr(y, y) == np.inf
    with pytest.raises(ParameterError, match="all zero"):
        dsp.snr(np.zeros(10), np.ones(10))
    with pytest.raises(ParameterError, match="shape"):
        dsp.snr(y, y[:-1])


def test_stoi_is_pystoi(rng):
    pystoi = pytest.importorskip("pystoi")
    sr = 10000
    t = np.arange(2 * sr) / sr
    clean = np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))
    clean += 0.01 * rng.standard_normal(t.size)
    noisy = clean + 0.5 * rng.standard_normal(t.size)
    for extended in (False, True):
        assert dsp.stoi(clean, noisy, sr=sr, extended=extended) == pytest.approx(
            pystoi.stoi(clean, noisy, sr, extended=extended))
    assert dsp.stoi(clean, clean, sr=sr) == pytest.approx(1.0, abs=1e-6)
    less_noisy = clean + 0.05 * rng.standard_normal(t.size)
    assert dsp.stoi(clean, noisy, sr=sr) < dsp.stoi(clean, less_noisy, sr=sr)


def test_stoi_without_pystoi_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pystoi", None)  # makes `import pystoi` fail
    with pytest.raises(MissingDependencyError, match="pip install pystoi"):
        dsp.stoi(np.ones(100), np.ones(100), sr=10000)


def test_stoi_refuses_mismatched_lengths():
    pytest.importorskip("pystoi")
    with pytest.raises(ParameterError, match="samples"):
        dsp.stoi(np.ones(100), np.ones(99), sr=10000)
