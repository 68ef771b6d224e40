"""Toeplitz solves, Levinson-Durbin and log-determinants against SciPy and dense NumPy."""

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogp.errors import NotPositiveDefiniteError, ParameterError, ParameterTypeError
from audiogp.linalg import levinson_durbin, solve_toeplitz, toeplitz_logdet


def autocovariance(rng, shape, n, *, nugget=0.5):
    """Random well-conditioned autocovariances: damped cosines plus white noise.

    ``rho**|m| cos(w m)`` is positive definite in ``m`` (a product of positive-
    definite kernels), so the sum is too; the white-noise ``nugget`` (relative
    to the total power) bounds the condition number.
    """
    m = np.arange(n)
    r = np.zeros(shape + (n,))
    for _ in range(3):
        weight = rng.uniform(0.2, 1.0, shape + (1,))
        rho = rng.uniform(0.0, 0.95, shape + (1,))
        omega = rng.uniform(0.0, np.pi, shape + (1,))
        r += weight * rho**m * np.cos(omega * m)
    r[..., 0] += nugget * r[..., 0]
    return r


def dense_solve(c, b):
    """Reference: numpy.linalg.solve on the explicit matrices, one by one."""
    c = np.asarray(c, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    columns = b.ndim == c.ndim + 1
    batch = np.broadcast_shapes(c.shape[:-1], b.shape[:-2] if columns else b.shape[:-1])
    c = np.broadcast_to(c, batch + c.shape[-1:])
    b = np.broadcast_to(b, batch + (b.shape[-2:] if columns else b.shape[-1:]))
    out = np.empty(b.shape)
    for index in np.ndindex(*batch):
        out[index] = np.linalg.solve(scipy.linalg.toeplitz(c[index]), b[index])
    return out


def relative_error(x, reference):
    return np.max(np.abs(x - reference)) / np.max(np.abs(reference))


# --- solve_toeplitz ---------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_single_system_matches_scipy(n, rng):
    c = autocovariance(rng, (), n)
    b = rng.standard_normal(n)
    x = solve_toeplitz(c, b)
    assert x.shape == (n,) and x.dtype == np.float64
    assert relative_error(x, scipy.linalg.solve_toeplitz(c, b)) <= 1e-10
    assert relative_error(x, np.linalg.solve(scipy.linalg.toeplitz(c), b)) <= 1e-10


@pytest.mark.parametrize("k", [1, 2, 5, 64])
def test_many_right_hand_sides_match_scipy(k, rng):
    c = autocovariance(rng, (), 150)
    b = rng.standard_normal((150, k))
    x = solve_toeplitz(c, b)
    assert x.shape == (150, k)
    assert relative_error(x, scipy.linalg.solve_toeplitz(c, b)) <= 1e-10


# Fewer systems than, exactly, and not a multiple of the lock-step width.
@pytest.mark.parametrize("batch", [(3,), (32,), (2, 37), (70,)])
def test_batch_of_systems_matches_scipy_one_by_one(batch, rng):
    c = autocovariance(rng, batch, 40)
    b = rng.standard_normal(batch + (40,))
    x = solve_toeplitz(c, b)
    assert x.shape == batch + (40,)
    for index in np.ndindex(*batch):
        assert relative_error(x[index], scipy.linalg.solve_toeplitz(c[index], b[index])) <= 1e-10


def test_batch_of_systems_with_several_right_hand_sides(rng):
    c = autocovariance(rng, (5,), 30)
    b = rng.standard_normal((5, 30, 3))
    assert relative_error(solve_toeplitz(c, b), dense_solve(c, b)) <= 1e-10


def test_batch_axes_broadcast(rng):
    c = autocovariance(rng, (4, 1), 20)
    b = rng.standard_normal((1, 3, 20))
    x = solve_toeplitz(c, b)
    assert x.shape == (4, 3, 20)
    assert relative_error(x, dense_solve(c, b)) <= 1e-10


def test_one_matrix_shared_by_a_batch_of_right_hand_sides(rng):
    c = autocovariance(rng, (), 25)
    b = rng.standard_normal((6, 25, 2))
    x = solve_toeplitz(c[None, :], b)
    assert x.shape == (6, 25, 2)
    assert relative_error(x, dense_solve(c[None, :], b)) <= 1e-10


def test_float32_in_float32_out(rng):
    c = autocovariance(rng, (40,), 64).astype(np.float32)
    b = rng.standard_normal((40, 64)).astype(np.float32)
    x = solve_toeplitz(c, b)
    assert x.dtype == np.float32
    assert relative_error(x, dense_solve(c, b)) <= 1e-6


def test_mixed_precision_gives_float64(rng):
    c = autocovariance(rng, (), 10).astype(np.float32)
    assert solve_toeplitz(c, rng.standard_normal(10)).dtype == np.float64


def test_inputs_are_not_modified(rng):
    c = autocovariance(rng, (33,), 12)
    b = rng.standard_normal((33, 12))
    c_copy, b_copy = c.copy(), b.copy()
    solve_toeplitz(c, b)
    solve_toeplitz(c[0], b.T)
    assert np.array_equal(c, c_copy) and np.array_equal(b, b_copy)


@settings(max_examples=60, deadline=None)
@given(
    batch=st.lists(st.integers(1, 4), min_size=0, max_size=2).map(tuple),
    n=st.integers(1, 24),
    k=st.one_of(st.none(), st.integers(1, 4)),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_solution_satisfies_the_system(batch, n, k, dtype, seed):
    rng = np.random.default_rng(seed)
    c = autocovariance(rng, batch, n).astype(dtype)
    b = rng.standard_normal(batch + ((n,) if k is None else (n, k))).astype(dtype)
    x = solve_toeplitz(c, b)
    assert x.shape == b.shape and x.dtype == dtype
    tolerance = 1e-10 if dtype == np.float64 else 1e-6
    assert relative_error(x, dense_solve(c, b)) <= tolerance


# --- levinson_durbin --------------------------------------------------------


def test_levinson_durbin_solves_the_yule_walker_equations(rng):
    r = autocovariance(rng, (), 30)
    a, k, err = levinson_durbin(r, order=12)
    assert a.shape == (12,) and k.shape == (12,) and err.shape == (13,)
    assert relative_error(a, scipy.linalg.solve_toeplitz(r[:12], r[1:13])) <= 1e-10
    assert np.allclose(scipy.linalg.toeplitz(r[:12]) @ a, r[1:13], rtol=1e-10, atol=0)


def test_reflection_coefficients_and_error_variances_match_dense_predictors(rng):
    r = autocovariance(rng, (), 16)
    a, k, err = levinson_durbin(r)
    assert err[0] == r[0]
    for m in range(1, 16):
        predictor = np.linalg.solve(scipy.linalg.toeplitz(r[:m]), r[1:m + 1])
        # k_m is the last coefficient of the order-m predictor (the PACF at lag m)
        assert abs(k[m - 1] - predictor[-1]) <= 1e-10 * max(1.0, abs(predictor[-1]))
        # the order-m prediction-error variance is r[0] - r[1:m+1] . a_m
        assert abs(err[m] - (r[0] - r[1:m + 1] @ predictor)) <= 1e-10 * r[0]
    assert np.all(np.abs(k) < 1)


def test_levinson_durbin_of_an_ar1_autocovariance():
    phi = 0.7
    a, k, err = levinson_durbin(phi ** np.arange(6) / (1 - phi**2))  # closed form
    assert np.allclose(a, [phi, 0, 0, 0, 0], atol=1e-14)
    assert np.allclose(k, [phi, 0, 0, 0, 0], atol=1e-14)
    assert np.allclose(err, [1 / (1 - phi**2)] + [1.0] * 5, rtol=1e-14)


def test_levinson_durbin_batch_and_dtype(rng):
    r = autocovariance(rng, (3, 2), 10).astype(np.float32)
    a, k, err = levinson_durbin(r, order=4)
    assert a.shape == (3, 2, 4) and k.shape == (3, 2, 4) and err.shape == (3, 2, 5)
    assert a.dtype == k.dtype == err.dtype == np.float32
    for index in np.ndindex(3, 2):
        reference = scipy.linalg.solve_toeplitz(r[index][:4].astype(np.float64), r[index][1:5].astype(np.float64))
        assert relative_error(a[index], reference) <= 1e-6


def test_levinson_durbin_order_zero(rng):
    r = autocovariance(rng, (), 5)
    a, k, err = levinson_durbin(r, order=0)
    assert a.shape == (0,) and k.shape == (0,) and np.array_equal(err, r[:1])


@settings(max_examples=40, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
    n_lags=st.integers(1, 20),
    dtype=st.sampled_from([np.float32, np.float64]),
    data=st.data(),
)
def test_property_levinson_durbin_shapes_and_equations(batch, n_lags, dtype, data):
    order = data.draw(st.one_of(st.none(), st.integers(0, n_lags - 1)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    r = autocovariance(rng, batch, n_lags).astype(dtype)
    p = n_lags - 1 if order is None else order
    a, k, err = levinson_durbin(r, order=order)
    assert a.shape == batch + (p,) and k.shape == batch + (p,) and err.shape == batch + (p + 1,)
    assert a.dtype == dtype
    tolerance = 1e-10 if dtype == np.float64 else 1e-5
    for index in np.ndindex(*batch):
        r64 = r[index].astype(np.float64)
        lhs = scipy.linalg.toeplitz(r64[:p]) @ a[index].astype(np.float64) if p else np.zeros(0)
        assert np.all(np.abs(lhs - r64[1:p + 1]) <= tolerance * r64[0])
        assert np.all(np.abs(k[index]) < 1)


# --- toeplitz_logdet --------------------------------------------------------


def test_logdet_matches_slogdet(rng):
    c = autocovariance(rng, (4,), 50)
    ours = toeplitz_logdet(c)
    assert ours.shape == (4,)
    for i in range(4):
        sign, reference = np.linalg.slogdet(scipy.linalg.toeplitz(c[i]))
        assert sign == 1 and abs(ours[i] - reference) <= 1e-10 * max(1.0, abs(reference))


def test_logdet_of_a_large_matrix_does_not_overflow(rng):
    c = 1e-3 * autocovariance(rng, (), 1500)  # det ~ 1e-4500: far below float64
    sign, reference = np.linalg.slogdet(scipy.linalg.toeplitz(c))
    ours = toeplitz_logdet(c)
    assert np.ndim(ours) == 0 and np.isfinite(ours)
    assert abs(ours - reference) <= 1e-10 * abs(reference)


@settings(max_examples=30, deadline=None)
@given(
    batch=st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
    n=st.integers(1, 20),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_logdet(batch, n, dtype, seed):
    c = autocovariance(np.random.default_rng(seed), batch, n).astype(dtype)
    ours = toeplitz_logdet(c)
    assert np.shape(ours) == batch and ours.dtype == dtype
    reference = np.linalg.slogdet(scipy.linalg.toeplitz(c[(0,) * len(batch)].astype(np.float64)))[1]
    tolerance = 1e-10 if dtype == np.float64 else 1e-5
    assert abs(np.ravel(ours)[0] - reference) <= tolerance * max(1.0, abs(reference))


# --- positive definiteness --------------------------------------------------


def first_indefinite_order(r):
    """Dense reference: the smallest m with toeplitz(r[:m+1]) not positive definite."""
    for m in range(len(r)):
        if np.linalg.eigvalsh(scipy.linalg.toeplitz(r[:m + 1]))[0] <= 0:
            return m
    return None


@pytest.mark.parametrize("function", ["solve", "levinson", "logdet"])
def test_indefinite_matrix_names_batch_index_and_order(function, rng):
    c = autocovariance(rng, (3, 4), 12)
    c[1, 2, 6] = 3 * c[1, 2, 0]  # a lag larger than the variance: indefinite
    order = first_indefinite_order(c[1, 2])
    assert order is not None
    call = {
        "solve": lambda: solve_toeplitz(c, np.ones((3, 4, 12))),
        "levinson": lambda: levinson_durbin(c),
        "logdet": lambda: toeplitz_logdet(c),
    }[function]
    with pytest.raises(NotPositiveDefiniteError, match=rf"\[1, 2\].*order {order}\b") as info:
        call()
    assert info.value.batch_index == (1, 2) and info.value.order == order


@pytest.mark.parametrize("k", [None, 3])
def test_singular_matrix_raises_instead_of_nan(k):
    c = np.ones(5)  # the all-ones matrix: rank one, |k_1| = 1
    b = np.ones(5) if k is None else np.ones((5, k))
    with pytest.raises(NotPositiveDefiniteError, match="order 1") as info:
        solve_toeplitz(c, b)
    assert info.value.batch_index == () and info.value.order == 1


def test_nonpositive_variance_is_order_zero():
    with pytest.raises(NotPositiveDefiniteError, match="lag 0") as info:
        toeplitz_logdet(np.array([[1.0, 0.1], [-2.0, 0.1]]))
    assert info.value.batch_index == (1,) and info.value.order == 0


def test_indefinite_matrix_in_a_large_lock_step_batch(rng):
    c = autocovariance(rng, (100,), 20)
    c[77, 3] = 2 * c[77, 0]
    with pytest.raises(NotPositiveDefiniteError, match=r"c\[77\]") as info:
        solve_toeplitz(c, np.ones((100, 20)))
    assert info.value.order == first_indefinite_order(c[77])


def test_broadcast_matrix_is_reported_by_its_own_index(rng):
    c = autocovariance(rng, (3, 1), 8)
    c[2, 0, 2] = 5 * c[2, 0, 0]
    with pytest.raises(NotPositiveDefiniteError) as info:
        solve_toeplitz(c, np.ones((1, 4, 8)))
    assert info.value.batch_index == (2, 0)


# --- argument errors --------------------------------------------------------


@pytest.mark.parametrize(
    "c, b, message",
    [
        (np.ones(0), np.ones(0), "c is empty"),
        (np.array([2.0, 0.5, np.nan]), np.ones(3), "c contains nan at index 2"),
        (np.array([2.0, 0.5, 0.1]), np.array([1.0, np.inf, 0.0]), "b contains inf at index 1"),
        (np.array([2.0, 0.5]), np.ones(3), r"b.shape\[-1\] is 3"),
        (np.array([2.0, 0.5]), np.ones((3, 2)), r"b.shape\[-2\] is 3"),
        (np.array([2.0, 0.5]), np.ones((2, 2, 2)), "b has shape"),
        (np.ones((2, 3)), np.ones((4, 3)), "do not broadcast"),
    ],
)
def test_solve_argument_errors(c, b, message):
    with pytest.raises(ParameterError, match=message):
        solve_toeplitz(c, b)


@pytest.mark.parametrize("bad", [np.array([2, 1, 0]), np.array([2.0, 0.5]) + 0j, [True, False]])
def test_non_float_input_is_refused(bad):
    with pytest.raises(ParameterTypeError):
        solve_toeplitz(bad, np.ones(len(bad)))
    with pytest.raises(ParameterTypeError):
        levinson_durbin(bad)
    with pytest.raises(ParameterTypeError):
        toeplitz_logdet(bad)


def test_scalar_input_is_refused():
    with pytest.raises(ParameterError, match="at least 1 dimension"):
        toeplitz_logdet(np.float64(2.0))


@pytest.mark.parametrize("order, error, message", [
    (5, ParameterError, "order=5 needs"),
    (-1, ParameterError, "order must be >= 0"),
    (2.5, ParameterTypeError, "order must be an integer"),
])
def test_levinson_durbin_order_errors(order, error, message):
    with pytest.raises(error, match=message):
        levinson_durbin(np.array([1.0, 0.5, 0.2, 0.1, 0.0]), order=order)


def test_levinson_durbin_names_nan():
    with pytest.raises(ParameterError, match=r"r contains nan at index \(1, 2\)"):
        levinson_durbin(np.array([[1.0, 0.5, 0.2], [1.0, 0.5, np.nan]]))
