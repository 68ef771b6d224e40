"""The Lorentzian state-space sampler: stationary covariance, seamless parameter changes."""

import numpy as np
import pytest

from audiogp import gp
from audiogp.errors import ParameterError
from audiogp.gp.kernels import is_lorentzian
from audiogp.gp.statespace import sample_lorentzian

SR = 8000


def lorentzian(r, s, l, p):
    return s**2 * np.exp(-np.abs(r) / l) * np.cos(2 * np.pi * p * r)


def test_stationary_covariance_equals_the_kernel():
    """Many independent short draws; the empirical covariance between sample 0 and sample τ
    must match the kernel within 5 standard errors (the standard error of a product moment of
    jointly Gaussian x, y is sqrt((σx²σy² + c²)/n))."""
    s = np.array([[1.0, 0.6]])
    l = np.array([[0.002, 0.005]])
    p = np.array([[400.0, 1500.0]])
    n_draws, length = 4000, 48
    rng = np.random.default_rng(11)
    draws = np.stack([sample_lorentzian(s, l, p, sr=SR, hop_length=length, rng=rng) for _ in range(n_draws)])
    lags = np.arange(length) / SR
    truth = sum(lorentzian(lags, *v) for v in zip(s[0], l[0], p[0]))
    for start in (0, 20):  # stationary: the same at any offset
        empirical = np.mean(draws[:, start:start + 24] * draws[:, [start]], axis=0)
        standard_error = np.sqrt((truth[0] ** 2 + truth[:24] ** 2) / n_draws)
        assert np.all(np.abs(empirical - truth[:24]) < 5 * standard_error)


def test_parameter_changes_keep_the_variance_and_have_no_seam():
    """Across a block boundary where every parameter but the amplitude changes, the variance
    stays the stationary one and the correlation across the boundary is the kernel's."""
    rng = np.random.default_rng(5)
    hop = 64
    s = np.array([[1.0], [1.0]])
    l = np.array([[0.004], [0.001]])
    p = np.array([[300.0], [2000.0]])
    draws = np.stack([sample_lorentzian(s, l, p, sr=SR, hop_length=hop, rng=rng) for _ in range(3000)])
    variance = draws.var(axis=0)
    assert np.all(np.abs(variance - 1.0) < 5 * np.sqrt(2.0 / draws.shape[0]))
    # the first sample of block 1 follows the last of block 0 through block 1's dynamics
    correlation = np.mean(draws[:, hop - 1] * draws[:, hop])
    expected = lorentzian(1 / SR, 1.0, 0.001, 2000.0)
    assert abs(correlation - expected) < 5 * np.sqrt((1 + expected**2) / draws.shape[0])


def test_same_seed_same_samples_and_noise_is_added():
    s, l, p = np.ones((3, 2)), np.full((3, 2), 0.003), np.array([[200.0, 900.0]] * 3)
    a = sample_lorentzian(s, l, p, sr=SR, hop_length=50, rng=4, noise=np.full(3, 0.5))
    b = sample_lorentzian(s, l, p, sr=SR, hop_length=50, rng=4, noise=np.full(3, 0.5))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (150,)
    assert sample_lorentzian(s, l, p, sr=SR, hop_length=50, n_samples=120, rng=1).shape == (120,)


def test_is_lorentzian_recognises_the_kernel_by_its_expression():
    assert is_lorentzian(gp.get_kernel("lorentzian")) == ("s", "l", "p")
    assert is_lorentzian(gp.get_kernel("sm")) is None
    renamed = gp.kernel_from_string("exp(-abs(r)/tau) * cos(2*pi*nu*r) * a**2",
                                    {"a": {"role": "amplitude"}, "tau": {"role": "lengthscale"},
                                     "nu": {"role": "frequency"}})
    assert is_lorentzian(renamed) == ("a", "tau", "nu")


def test_bad_parameters_are_named():
    good = np.ones((2, 1))
    with pytest.raises(ParameterError, match="l must be > 0"):
        sample_lorentzian(good, np.zeros((2, 1)), good, sr=SR, hop_length=4)
    with pytest.raises(ParameterError, match="one shape"):
        sample_lorentzian(good, np.ones((2, 2)), good, sr=SR, hop_length=4)
