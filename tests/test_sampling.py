"""Block sampling of Gaussian processes against dense NumPy conditionals."""

import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogp.errors import NotPositiveDefiniteError, ParameterError, ParameterTypeError
from audiogp.gp import JitterWarning, sample_blocks, sample_continuation, sample_pinned


def autocovariance(rng, shape, n, *, nugget=0.3):
    """Random positive-definite autocovariances: damped cosines plus white noise."""
    m = np.arange(n)
    r = np.zeros(shape + (n,))
    for _ in range(3):
        weight = rng.uniform(0.2, 1.0, shape + (1,))
        rho = rng.uniform(0.5, 0.95, shape + (1,))
        omega = rng.uniform(0.0, np.pi, shape + (1,))
        r += weight * rho**m * np.cos(omega * m)
    r[..., 0] += nugget * r[..., 0]
    return r


def dense_conditional(r, previous, block_len):
    """Mean and covariance of the next block given ``previous``, by dense linear algebra
    (Rasmussen & Williams 2006, eq. A.6)."""
    context = len(previous)
    K = scipy.linalg.toeplitz(r[:context + block_len])
    K22, K12, K11 = K[:context, :context], K[context:, :context], K[context:, context:]
    if context == 0:
        return np.zeros(block_len), K11
    K22_inv = np.linalg.inv(K22)
    return K12 @ K22_inv @ previous, K11 - K12 @ K22_inv @ K12.T


def dense_pinned_covariance(r, block_len):
    K = scipy.linalg.toeplitz(r[:block_len])
    ends = [0, block_len - 1]
    return K - K[:, ends] @ np.linalg.solve(K[np.ix_(ends, ends)], K[ends, :])


def dense_sample_blocks(autocov, block_len, mode, context, noise):
    """The same waveform as sample_blocks from the same standard normals, with dense
    inverses and Cholesky factors per block (as the original GP speech code did)."""
    n_blocks = autocov.shape[0]
    x = np.zeros((n_blocks, block_len))
    for b in range(n_blocks):
        r = autocov[b]
        if r[0] == 0:  # a zero process
            continue
        if mode == "previous":
            have = min(context, b * block_len)
            previous = x.ravel()[b * block_len - have:b * block_len]
            mean, cov = dense_conditional(r, previous, block_len)
            x[b] = mean + np.linalg.cholesky(cov) @ noise[b]
        elif mode == "independent":
            x[b] = np.linalg.cholesky(scipy.linalg.toeplitz(r[:block_len])) @ noise[b]
        elif block_len > 2:  # zero-ends: an unconditional draw corrected at the ends
            K = scipy.linalg.toeplitz(r[:block_len])
            z = np.linalg.cholesky(K) @ noise[b]
            ends = [0, block_len - 1]
            x[b] = z - K[:, ends] @ np.linalg.solve(K[np.ix_(ends, ends)], z[ends])
    return x


def scale_error(x, reference):
    return np.max(np.abs(x - reference)) / max(np.max(np.abs(reference)), 1e-300)


# --- conditional mean and covariance factor ---------------------------------


@pytest.mark.parametrize("context, block_len", [(0, 6), (1, 1), (7, 5), (40, 25), (25, 40)])
def test_continuation_mean_and_cholesky_factor_match_dense(context, block_len, rng):
    r = autocovariance(rng, (), context + block_len + 3)
    previous = rng.standard_normal(context)
    mean = sample_continuation(r, previous, block_len, noise=np.zeros(block_len))
    draws = sample_continuation(r, previous, block_len, noise=np.eye(block_len))
    factor = (draws - mean).T  # column j is F @ e_j
    dense_mean, dense_cov = dense_conditional(r, previous, block_len)
    assert np.max(np.abs(mean - dense_mean)) <= 1e-8 * max(1.0, np.max(np.abs(dense_mean)))
    assert np.max(np.abs(factor @ factor.T - dense_cov)) <= 1e-8 * np.max(np.abs(dense_cov))
    # the factor is the (unique, lower) Cholesky factor of the conditional covariance
    assert np.max(np.abs(factor - np.linalg.cholesky(dense_cov))) <= 1e-8 * np.sqrt(r[0])


def test_pinned_covariance_matches_dense(rng):
    block_len = 30
    r = autocovariance(rng, (), 40)
    assert np.array_equal(sample_pinned(r, block_len, noise=np.zeros(block_len)), np.zeros(block_len))
    G = sample_pinned(r, block_len, noise=np.eye(block_len)).T
    dense = dense_pinned_covariance(r, block_len)
    assert np.max(np.abs(G @ G.T - dense)) <= 1e-8 * r[0]
    assert np.all(G[0] == 0) and np.all(G[-1] == 0)


@pytest.mark.parametrize("block_len", [1, 2, 3])
def test_pinned_tiny_blocks(block_len, rng):
    r = autocovariance(rng, (), 5)
    x = sample_pinned(r, block_len, rng=rng)
    assert np.array_equal(x[[0, -1]], [0.0, 0.0])
    if block_len == 3:  # the middle sample has the conditional variance
        G = sample_pinned(r, 3, noise=np.eye(3)).T
        assert abs((G @ G.T)[1, 1] - dense_pinned_covariance(r, 3)[1, 1]) <= 1e-12 * r[0]


def test_continuation_broadcasts_a_batch(rng):
    r = autocovariance(rng, (3, 1), 20)
    previous = rng.standard_normal((1, 4, 8))
    noise = rng.standard_normal((3, 4, 10))
    x = sample_continuation(r, previous, 10, noise=noise)
    assert x.shape == (3, 4, 10)
    for i, j in np.ndindex(3, 4):
        mean, cov = dense_conditional(r[i, 0], previous[0, j], 10)
        expected = mean + np.linalg.cholesky(cov) @ noise[i, j]
        assert scale_error(x[i, j], expected) <= 1e-8


# --- sample_blocks against the dense implementation ------------------------


@pytest.mark.parametrize(
    "mode, block_len, context",
    [("previous", 8, 12), ("previous", 10, 10), ("previous", 16, 3), ("previous", 5, 0),
     ("zero-ends", 9, None), ("independent", 9, None)],
)
def test_sample_blocks_equals_dense_conditionals(mode, block_len, context, rng):
    n_blocks = 6
    lags = block_len + (context or 0) + 2
    autocov = autocovariance(rng, (n_blocks,), lags)  # a different process per block
    x = sample_blocks(autocov, block_len, mode=mode, context=context, rng=123)
    noise = np.random.default_rng(123).standard_normal((n_blocks, block_len))
    expected = dense_sample_blocks(autocov, block_len, mode, context, noise)
    assert x.shape == (n_blocks, block_len) and x.dtype == np.float64
    assert scale_error(x, expected) <= 1e-8


def test_previous_mode_default_context_uses_every_lag(rng):
    autocov = autocovariance(rng, (4,), 17)
    x = sample_blocks(autocov, 5, rng=7)
    noise = np.random.default_rng(7).standard_normal((4, 5))
    assert scale_error(x, dense_sample_blocks(autocov, 5, "previous", 12, noise)) <= 1e-8


def test_two_blocks_with_full_context_have_the_stationary_joint_covariance():
    """Statistical test of the whole conditional law.

    With block 1 conditioned on all of block 0, (block 0, block 1) must be
    N(0, T) with T the Toeplitz covariance of 2 * block_len samples. Whitened
    by T's Cholesky factor, M draws have sample second moment S; the
    likelihood-ratio statistic M (tr S - log det S - d) for H0: Cov = T is
    asymptotically chi-square with d(d+1)/2 degrees of freedom (Anderson, An
    Introduction to Multivariate Statistical Analysis, 3rd ed., 2003,
    section 10.8). We require it below the 99.9 % quantile. The same test
    rejects independent blocks, so it has the power to fail.
    """
    block_len, draws = 10, 3000
    d = 2 * block_len
    m = np.arange(d)
    r = 0.8 * 0.9**m * np.cos(0.3 * m) + 0.2 * 0.97**m  # strongly correlated across the seam
    r[0] += 0.05
    autocov = np.tile(r, (2, 1))
    whiten = np.linalg.inv(np.linalg.cholesky(scipy.linalg.toeplitz(r)))
    bound = scipy.stats.chi2.ppf(0.999, d * (d + 1) // 2)

    def statistic(mode, context):
        generator = np.random.default_rng(2024)
        x = np.stack([sample_blocks(autocov, block_len, mode=mode, context=context,
                                    rng=generator).ravel() for _ in range(draws)])
        y = x @ whiten.T
        S = y.T @ y / draws
        return draws * (np.trace(S) - np.linalg.slogdet(S)[1] - d)

    assert statistic("previous", block_len) < bound
    assert statistic("independent", None) > bound


# --- jitter -----------------------------------------------------------------


def test_singular_blocks_get_jitter_and_it_is_reported():
    lags = np.arange(60)
    good = 0.9**lags + np.r_[0.5, np.zeros(59)]
    smooth = np.exp(-0.5 * (lags / 6.0) ** 2)  # squared-exponential: numerically singular
    autocov = np.stack([good, smooth, good, np.cos(0.4 * lags)])  # last: rank 2
    with pytest.warns(JitterWarning, match=r"2 of 4 block\(s\).*block\(s\) 1, 3"):
        x = sample_blocks(autocov, 20, context=40, rng=0)
    assert np.all(np.isfinite(x))
    x2, jitter = sample_blocks(autocov, 20, context=40, rng=0, return_jitter=True)
    assert np.array_equal(x, x2)
    assert jitter[0] == 0 and jitter[2] == 0
    assert 0 < jitter[1] <= 1e-2 and 0 < jitter[3] <= 1e-2


def test_jittered_block_follows_the_loaded_covariance():
    lags = np.arange(12)
    r = np.cos(0.4 * lags)  # rank 2: needs loading
    x, jitter = sample_pinned(r, 12, noise=np.eye(12), return_jitter=True)
    assert jitter.shape == (12,) and np.all(jitter > 0) and np.all(jitter == jitter[0])
    loaded = r.copy()
    loaded[0] += jitter[0]
    dense = dense_pinned_covariance(loaded, 12)
    G = x.T
    assert np.max(np.abs(G @ G.T - dense)) <= 1e-6


def test_zero_process_draws_zeros_without_jitter(rng):
    autocov = autocovariance(rng, (3,), 30)
    autocov[1] = 0.0  # silence
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, jitter = sample_blocks(autocov, 10, context=20, rng=1, return_jitter=True)
    assert np.all(x[1] == 0) and np.all(jitter == 0)
    noise = np.random.default_rng(1).standard_normal((3, 10))
    assert scale_error(x[2], dense_sample_blocks(autocov, 10, "previous", 20, noise)[2]) <= 1e-8


# --- randomness, dtypes, progress -------------------------------------------


def test_same_seed_same_bytes_and_generators_accepted(rng):
    autocov = autocovariance(rng, (5,), 24)
    a = sample_blocks(autocov, 8, rng=99)
    b = sample_blocks(autocov, 8, rng=np.random.default_rng(99))
    c = sample_blocks(autocov, 8, rng=100)
    assert a.tobytes() == b.tobytes() and not np.array_equal(a, c)


def test_float32_in_float32_out(rng):
    autocov = autocovariance(rng, (4,), 24).astype(np.float32)
    x = sample_blocks(autocov, 8, rng=5)
    assert x.dtype == np.float32
    expected = dense_sample_blocks(autocov.astype(np.float64), 8, "previous", 16,
                                   np.random.default_rng(5).standard_normal((4, 8)))
    assert scale_error(x, expected) <= 1e-6


@pytest.mark.parametrize("mode", ["previous", "zero-ends"])
def test_progress_is_reported(mode, rng):
    calls = []
    sample_blocks(autocovariance(rng, (7,), 10), 5, mode=mode, rng=0,
                  progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (7, 7)
    assert all(b[0] > a[0] for a, b in zip(calls, calls[1:]))


def test_inputs_are_not_modified(rng):
    autocov = autocovariance(rng, (3,), 20)
    previous = rng.standard_normal(5)
    saved = autocov.copy(), previous.copy()
    sample_blocks(autocov, 6, rng=0)
    sample_continuation(autocov, previous, 6, rng=0)
    assert np.array_equal(autocov, saved[0]) and np.array_equal(previous, saved[1])


@settings(max_examples=40, deadline=None)
@given(
    n_blocks=st.integers(1, 5),
    block_len=st.integers(1, 12),
    mode=st.sampled_from(["previous", "zero-ends", "independent"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    data=st.data(),
)
def test_property_sample_blocks_matches_dense(n_blocks, block_len, mode, dtype, data):
    context = data.draw(st.integers(0, 15)) if mode == "previous" else None
    extra = data.draw(st.integers(0, 3))
    seed = data.draw(st.integers(0, 2**32 - 1))
    autocov = autocovariance(np.random.default_rng(seed), (n_blocks,),
                             block_len + (context or 0) + extra).astype(dtype)
    x = sample_blocks(autocov, block_len, mode=mode, context=context, rng=seed)
    assert x.shape == (n_blocks, block_len) and x.dtype == dtype
    noise = np.random.default_rng(seed).standard_normal((n_blocks, block_len))
    expected = dense_sample_blocks(autocov.astype(np.float64), block_len, mode, context, noise)
    assert scale_error(x, expected) <= (1e-8 if dtype == np.float64 else 1e-6)
    if mode == "zero-ends":
        assert np.all(x[:, 0] == 0) and np.all(x[:, -1] == 0)


@settings(max_examples=30, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
    context=st.integers(0, 8),
    block_len=st.integers(1, 8),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_continuation_shapes_and_values(batch, context, block_len, dtype, seed):
    rng = np.random.default_rng(seed)
    r = autocovariance(rng, batch, context + block_len).astype(dtype)
    previous = rng.standard_normal(batch + (context,)).astype(dtype)
    noise = rng.standard_normal(batch + (block_len,)).astype(dtype)
    x = sample_continuation(r, previous, block_len, noise=noise)
    assert x.shape == batch + (block_len,) and x.dtype == dtype
    index = (0,) * len(batch)
    mean, cov = dense_conditional(r[index].astype(np.float64), previous[index].astype(np.float64),
                                  block_len)
    expected = mean + np.linalg.cholesky(cov) @ noise[index].astype(np.float64)
    assert scale_error(x[index], expected) <= (1e-8 if dtype == np.float64 else 1e-5)


@settings(max_examples=30, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
    block_len=st.integers(1, 12),
    extra=st.integers(0, 3),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_pinned_shapes_and_values(batch, block_len, extra, dtype, seed):
    rng = np.random.default_rng(seed)
    r = autocovariance(rng, batch, block_len + extra).astype(dtype)
    noise = rng.standard_normal(batch + (block_len,)).astype(dtype)
    x = sample_pinned(r, block_len, noise=noise)
    assert x.shape == batch + (block_len,) and x.dtype == dtype
    assert np.all(x[..., 0] == 0) and np.all(x[..., -1] == 0)
    index = (0,) * len(batch)
    expected = dense_sample_blocks(r[index][None].astype(np.float64), block_len, "zero-ends", None,
                                   noise[index][None].astype(np.float64))[0]
    assert scale_error(x[index], expected) <= (1e-8 if dtype == np.float64 else 1e-5)


# --- errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(autocov=np.ones(20)), ParameterError, "must have at least 2 dimension"),
        (dict(autocov=np.ones((2, 3, 20))), ParameterError, "must be 2-D"),
        (dict(autocov=np.ones((0, 20))), ParameterError, "autocov is empty"),
        (dict(block_len=0), ParameterError, "block_len must be >= 1"),
        (dict(block_len=2.5), ParameterTypeError, "block_len must be an integer"),
        (dict(mode="zero_ends"), ParameterError, "Did you mean 'zero-ends'"),
        (dict(context=15), ParameterError, r"block_len \+ context = 10 \+ 15 = 25"),
        (dict(context=-1), ParameterError, "context must be >= 0"),
        (dict(mode="independent", context=3), ParameterError, "only applies to mode='previous'"),
        (dict(block_len=21, mode="zero-ends"), ParameterError, "block_len = 21 = 21 are needed"),
        (dict(block_len=20), ParameterError, "no lag left"),
        (dict(rng="seed"), ParameterTypeError, "rng must be"),
        (dict(autocov=np.array([[1.0] * 20, [np.nan] + [0.0] * 19])), ParameterError,
         r"nan at index \(1, 0\)"),
        (dict(autocov=np.ones((3, 20), dtype=int)), ParameterTypeError, "floating-point"),
    ],
)
def test_sample_blocks_argument_errors(kwargs, error, message):
    arguments = dict(autocov=0.5 ** np.arange(20)[None, :].repeat(3, 0), block_len=10, rng=0)
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        sample_blocks(arguments.pop("autocov"), arguments.pop("block_len"), **arguments)


def test_negative_variance_names_the_block():
    autocov = 0.5 ** np.arange(12)[None, :].repeat(4, 0)
    autocov[2, 0] = -1.0
    with pytest.raises(NotPositiveDefiniteError, match=r"autocov\[2\].*variance") as info:
        sample_blocks(autocov, 4, rng=0)
    assert info.value.batch_index == (2,)


def test_hopelessly_indefinite_block_names_block_and_order():
    autocov = 0.5 ** np.arange(12)[None, :].repeat(4, 0)
    autocov[3, 2] = 3.0  # |lag 2| > variance: no loading up to 1e-2 fixes that
    with pytest.raises(NotPositiveDefiniteError, match=r"autocov\[3\].*order 2") as info:
        sample_blocks(autocov, 4, mode="independent", rng=0)
    assert info.value.batch_index == (3,) and info.value.order == 2


def test_zero_variance_with_nonzero_lags_is_refused():
    autocov = 0.5 ** np.arange(12)[None, :].repeat(2, 0)
    autocov[1, 0] = 0.0
    with pytest.raises(NotPositiveDefiniteError, match=r"autocov\[1\].*lag 1"):
        sample_blocks(autocov, 4, rng=0)


def test_continuation_argument_errors(rng):
    r = autocovariance(rng, (), 10)
    with pytest.raises(ParameterError, match=r"context \+ block_len = 6 \+ 5 = 11"):
        sample_continuation(r, np.zeros(6), 5)
    with pytest.raises(ParameterError, match=r"noise.shape\[-1\] is 4"):
        sample_continuation(r, np.zeros(3), 5, noise=np.zeros(4))
    with pytest.raises(ParameterError, match="do not broadcast"):
        sample_continuation(np.tile(r, (2, 1)), np.zeros((3, 3)), 5)
    with pytest.raises(ParameterError, match=r"previous contains inf at index 1"):
        sample_continuation(r, np.array([0.0, np.inf]), 5)
    with pytest.raises(ParameterError, match="block_len = 11 are needed"):
        sample_pinned(r, 11)
