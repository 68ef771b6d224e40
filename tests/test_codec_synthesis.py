"""Harmonic synthesis: stationary sums of sinusoids, minimum phase against SciPy, the vocoder on speech."""

import numpy as np
import pytest
from scipy.signal import freqz

from audiogp.codec import (excitation_phase, harmonic_analysis, harmonic_synthesis, minimum_phase,
                           postfilter, synthesise)
from audiogp.data import example
from audiogp.errors import ParameterError


def test_constant_frames_synthesise_a_stationary_sum_of_harmonics():
    sr, hop, f0 = 8000, 80, 125.0                 # 125 Hz: harmonics on exact bins of an 8000-point DFT
    n_frames = 301
    L = 32
    rng = np.random.default_rng(0)
    A = rng.uniform(0.01, 0.2, L)
    y = harmonic_synthesis(np.full(n_frames, f0), np.ones(n_frames, bool), np.tile(A, (n_frames, 1)),
                           sr, hop)
    assert y.shape == (300 * hop,)
    seg = y[8000:16000]
    X = np.fft.rfft(seg) * 2 / len(seg)
    got = np.abs(X[125 * np.arange(1, L + 1)])
    got[-1] /= 2                                   # the harmonic at Nyquist is its own mirror
    np.testing.assert_allclose(got, A, rtol=1e-6)
    # nothing between the harmonics
    others = np.delete(np.abs(X), 125 * np.arange(0, L + 1))
    assert others.max() < 1e-6 * A.max()


def test_minimum_phase_matches_an_all_pole_filter():
    sr = 8000
    # a minimum-phase resonator pair (poles inside the unit circle)
    b, a = [1.0], np.poly([0.9 * np.exp(1j * 0.4), 0.9 * np.exp(-1j * 0.4),
                           0.7 * np.exp(1j * 1.7), 0.7 * np.exp(-1j * 1.7)]).real
    f0 = 25.0                                      # dense harmonics: the envelope is well sampled
    L = int(sr / 2 // f0)
    freqs = f0 * np.arange(1, L + 1)
    _, H = freqz(b, a, worN=2 * np.pi * freqs / sr)
    ph = minimum_phase(np.abs(H)[None, :], np.array([L]), np.array([f0]), sr, n_fft=4096)
    err = np.angle(np.exp(1j * (ph[0] - np.angle(H))))
    assert np.max(np.abs(err[2:-2])) < 0.05


def test_excitation_phase_advances_by_the_mean_fundamental():
    f0 = np.array([100.0, 120.0, 140.0])
    phi = excitation_phase(f0, 8000, 80)
    w = 2 * np.pi * f0 / 8000
    want = np.mod(np.cumsum([0.0, (w[0] + w[1]) / 2 * 80, (w[1] + w[2]) / 2 * 80]), 2 * np.pi)
    np.testing.assert_allclose(phi, want)


def test_postfilter_expands_about_the_mean_and_keeps_energy():
    A = np.array([[1.0, 0.5, 0.25, 0.0]])
    out = postfilter(A, np.array([3]), gain=2.0)
    np.testing.assert_allclose(np.sum(out ** 2), np.sum(A ** 2))
    db_in, db_out = 20 * np.log10(A[0, :3]), 20 * np.log10(out[0, :3])
    np.testing.assert_allclose(np.diff(db_out), 2 * np.diff(db_in))
    assert out[0, 3] == 0


def test_unquantised_vocoder_is_intelligible():
    pystoi = pytest.importorskip("pystoi")
    y, sr = example("vowels", sr=8000, duration=2.0)
    t = np.arange(1 + len(y) // 80) * 80 / sr
    f0 = 140.0 - 40.0 * t / 2.0 + 6.0 * np.sin(2 * np.pi * 5.0 * t)
    h = harmonic_analysis(y, sr, f0)
    out = synthesise(h)
    assert out.shape == y.shape
    assert pystoi.stoi(y.astype(np.float64), out, sr) > 0.75
    # same seed, same samples; another seed changes only unvoiced frames
    np.testing.assert_array_equal(out, synthesise(h))


def test_unvoiced_frames_use_seeded_random_phases():
    n = 51
    A = np.full((n, 20), 0.1)
    a = harmonic_synthesis(np.full(n, 200.0), np.zeros(n, bool), A, 8000, 80, seed=1)
    b = harmonic_synthesis(np.full(n, 200.0), np.zeros(n, bool), A, 8000, 80, seed=2)
    assert not np.allclose(a, b)
    np.testing.assert_allclose(np.sqrt(np.mean(a[800:-800] ** 2)), np.sqrt(np.mean(b[800:-800] ** 2)),
                               rtol=0.2)


def test_synthesis_refuses_mismatched_input():
    with pytest.raises(ParameterError, match="one value per"):
        harmonic_synthesis(np.full(3, 100.0), np.ones(3, bool), np.ones((4, 5)), 8000, 80)
    with pytest.raises(ParameterError, match="at frame 1"):
        harmonic_synthesis(np.array([100.0, -1.0]), np.ones(2, bool), np.ones((2, 5)), 8000, 80)
