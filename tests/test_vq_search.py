"""Nearest-codeword search against brute-force dense NumPy."""

import numpy as np
import pytest

from audiogp.errors import ParameterError
from audiogp.vq import nearest
from audiogp.vq import search


def brute_force(X, C):
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    return d2


@pytest.mark.parametrize("k", [1, 3, 17])
def test_nearest_matches_brute_force(rng, k):
    X = rng.normal(size=(700, 12))
    C = rng.normal(size=(40, 12))
    idx, d2 = nearest(X, C, k=k)
    dense = brute_force(X, C)
    order = np.argsort(dense, axis=1, kind="stable")[:, :k]
    assert idx.dtype == np.int64 and idx.shape == (700, k)
    assert d2.dtype == np.float64 and d2.shape == (700, k)
    np.testing.assert_array_equal(idx, order)
    np.testing.assert_allclose(d2, np.take_along_axis(dense, order, axis=1), rtol=1e-12, atol=1e-12)


def test_nearest_blocks_give_the_same_answer(rng, monkeypatch):
    X = rng.normal(size=(1000, 5))
    C = rng.normal(size=(30, 5))
    whole = nearest(X, C, k=2)
    monkeypatch.setattr(search, "BLOCK_ELEMENTS", 30 * 7)  # forces many blocks of 64 rows
    blocked = nearest(X, C, k=2)
    np.testing.assert_array_equal(whole[0], blocked[0])
    np.testing.assert_array_equal(whole[1], blocked[1])
    np.testing.assert_array_equal(whole[0][:, 0], np.argmin(brute_force(X, C), axis=1))


def test_nearest_distance_has_no_cancellation_error():
    # Far from the origin ||x||^2 - 2x.c + ||c||^2 loses digits; the returned d2 must not.
    X = np.array([[1e6 + 1.0, 1e6]])
    C = np.array([[1e6, 1e6], [0.0, 0.0]])
    idx, d2 = nearest(X, C)
    assert idx[0, 0] == 0
    assert d2[0, 0] == 1.0


def test_nearest_k_equal_to_codebook_sorts_all(rng):
    X = rng.normal(size=(50, 3))
    C = rng.normal(size=(6, 3))
    idx, d2 = nearest(X, C, k=6)
    np.testing.assert_array_equal(np.sort(idx, axis=1), np.tile(np.arange(6), (50, 1)))
    assert (np.diff(d2, axis=1) >= 0).all()


def test_nearest_refuses_bad_input(rng):
    C = rng.normal(size=(4, 3))
    with pytest.raises(ParameterError, match="dimension 2.*codebook's dimension is 3"):
        nearest(rng.normal(size=(5, 2)), C)
    X = rng.normal(size=(5, 3))
    X[3, 1] = np.nan
    with pytest.raises(ParameterError, match="nan at vector 3, component 1"):
        nearest(X, C)
    with pytest.raises(ParameterError, match="k=5 is larger than the number of codewords"):
        nearest(X[:2], C, k=5)
    with pytest.raises(ParameterError, match="2-D array of vectors"):
        nearest(np.zeros(3), C)
    with pytest.raises(ParameterError, match="empty"):
        nearest(np.zeros((0, 3)), C)
