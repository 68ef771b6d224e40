"""Synthesis from a KernelFit: stationary statistics, seamless blocks, envelope and scale restored."""

import dataclasses

import numpy as np
import pytest

from audiogp import gp
from audiogp.errors import ParameterError
from audiogp.gp import KernelFit

SR = 8000
S, L, P = np.array([1.0, 0.5]), np.array([0.003, 0.002]), np.array([500.0, 1800.0])


def covariance(r):
    """The two-component spectral mixture, written out."""
    return sum(s * s * np.exp(-(r / l) ** 2) * np.cos(2 * np.pi * p * r) for s, l, p in zip(S, L, P))


def stationary_fit(kernel="sm", n_blocks=150, hop=64, scale=2.0, envelope=None, noise=1e-3):
    params = {"s": np.tile(S, (n_blocks, 1)), "l": np.tile(L, (n_blocks, 1)), "p": np.tile(P, (n_blocks, 1))}
    n = n_blocks * hop
    return KernelFit(kernel=gp.get_kernel(kernel), params=params, noise=np.full(n_blocks, noise), sr=SR,
                     block_length=2 * hop, hop_length=hop, n_samples=n, scale=scale, envelope=envelope)


@pytest.mark.parametrize("mode", ["overlap", "previous", "zero-ends", "independent"])
def test_modes_give_the_fit_length_and_same_seed_same_bytes(mode):
    fit = stationary_fit(n_blocks=10)
    a = gp.synthesize(fit, mode=mode, seed=3)
    b = gp.synthesize(fit, mode=mode, seed=3)
    assert a.shape == (fit.n_samples,) and a.dtype == np.float32
    assert np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gp.synthesize(fit, mode=mode, seed=4))


def test_previous_mode_is_seamless_with_the_kernels_covariance():
    """Across every block boundary (hop 64) and inside blocks alike, products of samples one and
    two steps apart average to scale² k(τ); bound: 5 standard errors of a mean of n products of
    jointly Gaussian samples, sqrt((k(0)² + k(τ)²) / n), inflated 3x for the dependence between
    neighbouring products."""
    fit = stationary_fit(n_blocks=400, hop=64, scale=1.0, noise=1e-6)
    draws = [gp.synthesize(fit, mode="previous", seed=seed).astype(np.float64) for seed in range(6)]
    k0 = covariance(0.0)
    for lag in (1, 2):
        truth = covariance(lag / SR)
        boundary = np.concatenate([x[64::64] * x[64 - lag:-64:64] for x in draws])
        inside = np.concatenate([x[32::64] * x[32 - lag::64] for x in draws])
        for products in (boundary, inside):
            bound = 3 * 5 * np.sqrt((k0**2 + truth**2) / products.size)
            assert abs(products.mean() - truth) < bound, (lag, products.mean(), truth, bound)
    variance_at_boundary = np.concatenate([x[64::64] ** 2 for x in draws]).mean()
    assert variance_at_boundary == pytest.approx(k0, rel=0.1)


def test_scale_and_envelope_are_restored():
    hop, n_blocks = 64, 20
    envelope = np.linspace(0.1, 3.0, hop * n_blocks).astype(np.float32)
    with_envelope = stationary_fit(n_blocks=n_blocks, hop=hop, envelope=envelope)
    without = dataclasses.replace(with_envelope, envelope=None)
    a = gp.synthesize(with_envelope, seed=1, match_level=False)
    b = gp.synthesize(without, seed=1)
    np.testing.assert_allclose(a, b * envelope, rtol=1e-6, atol=1e-6)
    long = gp.synthesize(stationary_fit(n_blocks=300, hop=hop, scale=2.0, noise=1e-4), seed=2)
    assert np.var(long) == pytest.approx(4.0 * (covariance(0.0) + 1e-4), rel=0.15)


def test_statespace_mode_needs_the_lorentzian_kernel():
    with pytest.raises(ParameterError, match="Lorentzian"):
        gp.synthesize(stationary_fit(n_blocks=4), mode="statespace")
    fit = stationary_fit(kernel="lorentzian", n_blocks=200, hop=64, scale=1.0, noise=1e-6)
    y = gp.synthesize(fit, mode="statespace", seed=0).astype(np.float64)
    assert y.shape == (fit.n_samples,)
    assert np.var(y) == pytest.approx(np.sum(S**2), rel=0.15)


def test_silent_fit_synthesises_silence():
    fit = dataclasses.replace(stationary_fit(n_blocks=3), scale=0.0)
    assert not np.any(gp.synthesize(fit))


def test_fit_then_synthesize_keeps_the_level():
    rng = np.random.default_rng(0)
    t = np.arange(SR) / SR
    y = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(SR)).astype(np.float32)
    fit = gp.fit(y, SR, n_components=4, block_ms=50.0, max_iter=30)
    x = gp.synthesize(fit, seed=0)
    assert x.shape == y.shape
    assert np.std(x) == pytest.approx(np.std(y), rel=0.25)


def test_bad_arguments():
    fit = stationary_fit(n_blocks=3)
    with pytest.raises(ParameterError, match="mode="):
        gp.synthesize(fit, mode="prev")
    with pytest.raises(ParameterError, match="context is only used"):
        gp.synthesize(fit, mode="independent", context=5)
    with pytest.raises(TypeError, match="KernelFit"):
        gp.synthesize({"not": "a fit"})
