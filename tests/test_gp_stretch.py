"""Time-stretching and extension: each block's stationary process drawn for longer or shorter.

Spectra are checked against the spectral mixture's density written out in closed form (Wilson &
Adams 2013), levels against the kernel's variance, never against our own output.
"""

import numpy as np
import pytest
from scipy.signal import welch

from audiogp import graph, gp
from audiogp.errors import ParameterError
from audiogp.gp import KernelFit

SR = 8000
S, L, P = np.array([1.0, 0.6, 0.3]), np.array([0.004, 0.003, 0.002]), np.array([400.0, 1300.0, 2600.0])
NOISE = 1e-3


def one_sided_density(f):
    """2 (Σ_q ½ s² √π l [exp(−π² l² (f − p)²) + exp(−π² l² (f + p)²)] + noise / sr)."""
    total = sum(0.5 * s * s * np.sqrt(np.pi) * l * (np.exp(-(np.pi * l * (f - p)) ** 2)
                                                     + np.exp(-(np.pi * l * (f + p)) ** 2))
                for s, l, p in zip(S, L, P))
    return 2.0 * (total + NOISE / SR)


def variance():
    return float(np.sum(S**2) + NOISE)


def stationary_fit(n_blocks, hop=400):
    tile = lambda v: np.tile(v, (n_blocks, 1))  # noqa: E731
    return KernelFit(kernel=gp.get_kernel("sm"), params={"s": tile(S), "l": tile(L), "p": tile(P)},
                     noise=np.full(n_blocks, NOISE), sr=SR, block_length=2 * hop, hop_length=hop,
                     n_samples=n_blocks * hop, scale=1.0)


@pytest.mark.parametrize("mode", ["overlap", "previous", "independent"])
@pytest.mark.parametrize("rate", [0.5, 0.8, 1.0, 1.7, 2.0])
def test_output_length_is_the_rate_scaled_length(mode, rate):
    fit = stationary_fit(n_blocks=7, hop=150)
    y = gp.synthesize(fit, mode=mode, rate=rate, seed=0)
    assert y.shape == (int(round(fit.n_samples / rate)),) and np.all(np.isfinite(y))


@pytest.mark.parametrize("mode", ["overlap", "previous"])
@pytest.mark.parametrize("rate", [0.5, 2.0])
def test_stretched_spectrum_is_the_fitted_density(mode, rate):
    """Welch estimate of a stretched stationary mixture against the closed-form density: within
    1 dB on average and 3 dB everywhere the density is within 30 dB of its peak (Welch over
    ~40 segments of 512 samples per seed, 4 seeds: the estimate's own spread is about 0.5 dB)."""
    fit = stationary_fit(n_blocks=24)
    draws = [gp.synthesize(fit, mode=mode, rate=rate, seed=seed).astype(np.float64) for seed in range(4)]
    freqs, estimate = welch(np.stack(draws), fs=SR, nperseg=512, axis=-1)
    estimate = estimate.mean(axis=0)
    truth = one_sided_density(freqs)
    keep = (truth > 1e-3 * truth.max()) & (freqs > 0) & (freqs < SR / 2)
    error_db = 10 * np.log10(estimate[keep] / truth[keep])
    assert np.mean(np.abs(error_db)) < 1.0, np.round(error_db, 1)
    assert np.max(np.abs(error_db)) < 3.0, np.round(error_db, 1)


@pytest.mark.parametrize("rate", [0.5, 0.75, 1.5])
def test_joins_are_seamless_when_stretched(rate):
    """At every hop join and mid-hop alike (over 100 seeds): the variance is the kernel's, k(0),
    and the mean squared step between neighbouring samples is 2 (k(0) − k(1/sr)) -- a dip in
    level or a click at the joins would show in the first, a seam in the second. Bound: 5
    standard errors of a mean of N squares of Gaussians, 5 sqrt(2 / N) relative (samples a hop
    apart are nearly independent: the kernel decays within 10 samples)."""
    hop = 100
    fit = stationary_fit(n_blocks=30, hop=hop)
    k0 = variance()
    k1 = float(np.sum(S**2 * np.exp(-(1 / SR / L) ** 2) * np.cos(2 * np.pi * P / SR)))
    draws = np.stack([gp.synthesize(fit, rate=rate, seed=seed).astype(np.float64) for seed in range(100)])
    n_hops = draws.shape[1] // hop
    joins = np.arange(1, n_hops) * hop
    middles = joins - hop // 2
    for where in (joins, middles):
        level = np.mean(draws[:, where] ** 2)
        step = np.mean((draws[:, where] - draws[:, where - 1]) ** 2)
        bound = 5 * np.sqrt(2 / (draws.shape[0] * where.size))
        assert level == pytest.approx(k0, rel=bound), (where[:3], level, k0)
        assert step == pytest.approx(2 * (k0 - k1), rel=bound), (where[:3], step, 2 * (k0 - k1))


def test_a_one_block_fit_extends_to_any_length_without_a_loop():
    """A texture fitted as one block, drawn for 3 s: the requested length, the kernel's level
    throughout, and no repetition (a loop would correlate the start with a later stretch)."""
    fit = stationary_fit(n_blocks=1)
    y = gp.synthesize(fit, duration=3.0, seed=5).astype(np.float64)
    assert y.shape == (3 * SR,)
    quarters = np.mean(y.reshape(4, -1) ** 2, axis=1)
    np.testing.assert_allclose(quarters, variance(), rtol=0.2)
    head = y[:800]
    correlation = np.correlate(y[800:], head, mode="valid") / (np.linalg.norm(head) ** 2)
    assert np.max(np.abs(correlation)) < 0.4


def test_envelope_is_stretched_with_the_model():
    fit = stationary_fit(n_blocks=10, hop=200)
    envelope = np.linspace(0.1, 2.0, fit.n_samples).astype(np.float32)
    import dataclasses

    shaped = dataclasses.replace(fit, envelope=envelope)
    y = np.stack([gp.synthesize(shaped, rate=0.5, seed=s, match_level=False).astype(np.float64)
                  for s in range(30)])
    first, last = np.mean(y[:, :400] ** 2), np.mean(y[:, -400:] ** 2)
    expect_first = variance() * np.mean(np.linspace(0.1, 2.0, fit.n_samples)[:200] ** 2)
    expect_last = variance() * np.mean(np.linspace(0.1, 2.0, fit.n_samples)[-200:] ** 2)
    assert first == pytest.approx(expect_first, rel=0.3) and last == pytest.approx(expect_last, rel=0.2)


def test_bad_rates():
    fit = stationary_fit(n_blocks=3, hop=100)
    with pytest.raises(ParameterError, match="rate"):
        gp.synthesize(fit, rate=0.1)
    with pytest.raises(ParameterError, match="rate"):
        gp.synthesize(fit, rate=5.0)
    with pytest.raises(ParameterError, match="not both"):
        gp.synthesize(fit, rate=0.5, duration=2.0)
    with pytest.raises(ParameterError, match="duration"):
        gp.synthesize(fit, duration=0.0)


def test_rate_and_duration_as_node_parameters(tmp_path):
    spec = """
audiogp: 1
seed: 0
nodes:
  voice: {use: example, name: vowels, sr: 8000, duration: 0.3}
  model: {use: gp_fit, input: voice, n_components: 4, block_ms: 40, max_iter: 5}
  slow:  {use: gp_synthesize, fit: model, rate: 0.5}
  long:  {use: gp_synthesize, fit: model, duration: 1.25}
"""
    result = graph.run_text(spec, out_dir=tmp_path)
    assert result.values["slow"]["signal"].y.shape == (4800,)
    assert result.values["long"]["signal"].y.shape == (10000,)
