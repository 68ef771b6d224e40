"""audiogp.gp.inpaint / ar_interpolate / gaps: dense Gaussian-process formulas, exact recovery, edges, bad input."""

import numpy as np
import pytest
import scipy.linalg
import scipy.signal

from audiogp import gp
from audiogp.errors import ParameterError


def ar_autocovariance(ar, n_lags, variance=1.0):
    """Autocovariance of the AR process with error filter ``ar`` from a long impulse response."""
    impulse = np.zeros(20000)
    impulse[0] = 1.0
    h = scipy.signal.lfilter([1.0], ar, impulse)
    return variance * np.array([np.dot(h[:len(h) - k], h[k:]) for k in range(n_lags)])


AR = np.array([1.0, -1.2, 0.8, -0.2, 0.05])  # stable AR(4)


def ar_signal(n, seed=0):
    return scipy.signal.lfilter([1.0], AR, np.random.default_rng(seed).standard_normal(n + 500))[500:]


@pytest.mark.parametrize("gaps", [[(100, 130)], [(60, 70), (75, 90)], [(150, 195)]])
def test_conditional_mean_matches_dense_gp(gaps):
    n = 200
    y = ar_signal(n)
    mask = gp.gap_mask(gaps, n)
    r = ar_autocovariance(AR, n)
    K = scipy.linalg.toeplitz(r)
    o, u = ~mask, mask
    dense = K[np.ix_(u, o)] @ np.linalg.solve(K[np.ix_(o, o)], y[o])
    ours = gp.ar_interpolate(y, gaps, AR)
    np.testing.assert_allclose(ours[u], dense, rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(ours[o], y[o])


def test_conditional_draw_covariance_matches_dense_gp():
    n, gaps = 120, [(50, 58)]
    y = ar_signal(n, seed=3)
    mask = gp.gap_mask(gaps, n)
    K = scipy.linalg.toeplitz(ar_autocovariance(AR, n))
    o, u = ~mask, mask
    cov = K[np.ix_(u, u)] - K[np.ix_(u, o)] @ np.linalg.solve(K[np.ix_(o, o)], K[np.ix_(o, u)])
    draws = np.array([gp.ar_interpolate(y, gaps, AR, mode="draw", seed=s)[u] for s in range(4000)])
    mean = gp.ar_interpolate(y, gaps, AR)[u]
    np.testing.assert_allclose(draws.mean(axis=0), mean, atol=0.1)
    # 4000 draws: a variance v is estimated to about v * sqrt(2 / 4000) = 2 % (one sigma).
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.08 * np.max(np.diag(cov)))


def test_sum_of_sinusoids_recovered():
    sr = 16000
    t = np.arange(sr) / sr
    y = np.sin(2 * np.pi * 440 * t) + 0.5 * np.sin(2 * np.pi * 1234 * t + 1.0)
    gaps = [(3000, 3160), (9000, 9640)]
    filled = gp.inpaint(y, sr, gaps, bandwidth=0)
    assert gp.gap_snr(y, filled, gaps) > 60


def test_exact_ar_recursion_recovered():
    # x[t] = 1.6 x[t-1] - 0.9 x[t-2] has no innovation: a damped... exactly AR(2), undamped here.
    sr = 8000
    theta = 2 * np.pi * 700 / sr
    y = np.cos(theta * np.arange(4000) + 0.4)
    gaps = [(1500, 1580)]
    filled = gp.inpaint(y, sr, gaps, bandwidth=0)
    assert gp.gap_snr(y, filled, gaps) > 60


def test_known_samples_untouched_and_dtype_kept():
    y = ar_signal(5000).astype(np.float32)
    gaps = [(1000, 1100)]
    out = gp.inpaint(y, 8000, gaps)
    assert out.dtype == np.float32
    mask = gp.gap_mask(gaps, len(y))
    np.testing.assert_array_equal(out[~mask], y[~mask])


def test_edges_overlaps_and_long_gaps_are_defined():
    sr = 8000
    y = ar_signal(8000, seed=5)
    for gaps in ([(0, 200)], [(7800, 8000)], [(30, 300)], [(2000, 2300), (2200, 2600)]):
        out = gp.inpaint(y, sr, gaps)
        assert np.all(np.isfinite(out))
        assert np.max(np.abs(out)) <= 3 * np.max(np.abs(y))
    # Overlapping gaps are their union.
    a = gp.inpaint(y, sr, [(2000, 2300), (2200, 2600)])
    b = gp.inpaint(y, sr, [(2000, 2600)])
    np.testing.assert_allclose(a, b)
    # A gap much longer than its context: finite, fading towards zero in the middle.
    out = gp.inpaint(y, sr, [(3000, 3800)], context_ms=5)
    middle = out[3300:3500]
    assert np.all(np.isfinite(out)) and np.sqrt(np.mean(middle ** 2)) < np.sqrt(np.mean(y ** 2))


def test_nan_marks_gaps():
    y = ar_signal(3000, seed=2)
    holes = y.copy()
    holes[1000:1040] = np.nan
    np.testing.assert_allclose(gp.inpaint(holes, 8000), gp.inpaint(y, 8000, [(1000, 1040)]))


def test_seconds_and_mask_agree():
    y = ar_signal(4000, seed=4)
    a = gp.inpaint(y, 8000, [(0.25, 0.26)], units="seconds")
    mask = np.zeros(4000, bool)
    mask[2000:2080] = True
    np.testing.assert_allclose(a, gp.inpaint(y, 8000, mask))


@pytest.mark.parametrize("gaps, message", [
    ([(100, 50)], "stop > start"),
    ([(3990, 4100)], "outside the signal"),
    ([(-5, 10)], "outside the signal"),
    ([(1.5, 3)], "whole"),
    (np.zeros(10, bool), "mask has 10 samples"),
])
def test_bad_gaps(gaps, message):
    with pytest.raises(ParameterError, match=message):
        gp.inpaint(np.zeros(4000) + 0.1, 8000, gaps)


def test_bad_values():
    y = ar_signal(1000)
    y[10] = np.nan
    with pytest.raises(ParameterError, match="sample 10"):
        gp.inpaint(y, 8000, [(500, 520)])
    with pytest.raises(ParameterError, match="empty"):
        gp.inpaint(np.zeros(0), 8000, [])
    with pytest.raises(ParameterError, match="every sample"):
        gp.inpaint(np.zeros(100), 8000, [(0, 100)])
