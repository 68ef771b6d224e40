"""Non-negative least squares: optimality (KKT), scipy.optimize.nnls, minimum norm, mel filter banks."""

import librosa
import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError


def objective(A, X, B):
    return float(np.sum((A @ X - B) ** 2))


@pytest.mark.parametrize("shape", [(5, 12), (12, 5), (8, 8), (30, 90)])
@pytest.mark.parametrize("feasible", [True, False])
def test_objective_equals_scipy_nnls(shape, feasible, rng):
    A = rng.random(shape)
    columns = 6
    if feasible:
        B = A @ rng.random((shape[1], columns))
    else:
        B = rng.standard_normal((shape[0], columns))
    X = dsp.nnls(A, B)
    assert X.shape == (shape[1], columns) and np.all(X >= 0)
    for j in range(columns):
        _, residual = scipy.optimize.nnls(A, B[:, j])
        ours = np.linalg.norm(A @ X[:, j] - B[:, j])
        assert ours <= residual + 1e-6 * np.linalg.norm(B[:, j]) + 1e-12


@pytest.mark.parametrize("shape", [(6, 15), (15, 6)])
def test_solution_satisfies_the_kkt_conditions(shape, rng):
    A = rng.random(shape)
    B = rng.standard_normal((shape[0], 5))
    X = dsp.nnls(A, B)
    gradient = A.T @ (A @ X - B)
    scale = np.linalg.norm(A) * np.linalg.norm(B)
    assert np.all(X >= 0)
    assert np.all(gradient >= -1e-6 * scale)           # dual feasibility
    assert np.max(np.abs(X * gradient)) <= 1e-6 * scale * np.max(X)  # complementarity


def test_among_exact_solutions_it_picks_the_least_norm(rng):
    # reference: the minimum-norm feasible point by a general-purpose QP solver
    A = rng.random((3, 7))
    b = A @ rng.random(7)
    x = dsp.nnls(A, b[:, None])[:, 0]
    reference = scipy.optimize.minimize(
        lambda v: v @ v, np.full(7, 0.5), jac=lambda v: 2 * v, method="SLSQP",
        bounds=[(0, None)] * 7,
        constraints=[{"type": "eq", "fun": lambda v: A @ v - b, "jac": lambda v: A}],
        options={"ftol": 1e-14, "maxiter": 500},
    ).x
    np.testing.assert_allclose(x, reference, atol=1e-5)


def test_mel_filter_bank_inversion_is_exact_and_beats_librosa(rng):
    sr, n_fft = 16000, 512
    A = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=40)
    power = np.abs(librosa.stft(rng.standard_normal(8000), n_fft=n_fft)) ** 2
    M = A @ power
    X = dsp.nnls(A, M)
    ours = objective(A, X, M)
    librosa_value = objective(A, librosa.util.nnls(A, M), M)
    assert ours <= 1e-12 * np.sum(M**2)
    assert ours <= librosa_value


def test_leading_axes_and_float32(rng):
    A = librosa.filters.mel(sr=8000, n_fft=128, n_mels=10)
    B = (A @ rng.random((2, 65, 7))).astype(np.float32)
    X = dsp.nnls(A, B)
    assert X.shape == (2, 65, 7) and X.dtype == np.float32
    for c in range(2):
        np.testing.assert_allclose(X[c], dsp.nnls(A, B[c]), rtol=1e-6)


def test_zero_right_hand_side_gives_zero():
    A = librosa.filters.mel(sr=8000, n_fft=128, n_mels=10)
    assert np.all(dsp.nnls(A, np.zeros((10, 4))) == 0)


def test_progress_counts_columns(rng):
    A = rng.random((4, 9))
    calls = []
    dsp.nnls(A, rng.random((4, 300)), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (300, 300)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 8), n=st.integers(1, 8), k=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_never_worse_than_scipy_for_any_shape(m, n, k, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    B = rng.standard_normal((m, k))
    X = dsp.nnls(A, B)
    assert np.all(np.isfinite(X)) and np.all(X >= 0)
    for j in range(k):
        _, residual = scipy.optimize.nnls(A, B[:, j])
        assert np.linalg.norm(A @ X[:, j] - B[:, j]) <= residual + 1e-6 * (1 + np.linalg.norm(B[:, j]))


def test_refuses_complex_and_mismatched_input(rng):
    A = rng.random((4, 9))
    with pytest.raises(ParameterTypeError, match="complex"):
        dsp.nnls(A, np.ones((4, 3), dtype=complex))
    with pytest.raises(ParameterError, match="B has 5 rows"):
        dsp.nnls(A, np.ones((5, 3)))
    with pytest.raises(ParameterError, match="2-D"):
        dsp.nnls(np.ones((2, 4, 9)), np.ones((4, 3)))
    B = np.ones((4, 3))
    B[2, 1] = np.nan
    with pytest.raises(ParameterError, match=r"\(2, 1\)"):
        dsp.nnls(A, B)
