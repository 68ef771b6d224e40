"""Nearest-codeword search by BLAS: ``||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2``.

The cross terms of a block of rows against all codewords are one matrix
product (``X_block @ C.T``, BLAS GEMM); the block size bounds the memory of
the distance matrix. The squared distances returned for the chosen codewords
are recomputed directly from the differences, so they carry no cancellation
error from the expansion.
"""

import numpy as np

from audiogp import _validate
from audiogp.errors import ParameterError
from audiogp.vq._checks import vectors

#: Elements of the (rows x codewords) distance block held at once (32 MB of float64).
BLOCK_ELEMENTS = 1 << 22


def _block_rows(n_codewords):
    return max(64, BLOCK_ELEMENTS // max(1, n_codewords))


def nearest_unchecked(X, C, k=1, c_sqnorm=None, *, need_d2=True):
    """:func:`nearest` without input checks (X, C C-contiguous float64 2-D, 1 <= k <= len(C))."""
    n = X.shape[0]
    n_codewords = C.shape[0]
    if c_sqnorm is None:
        c_sqnorm = np.einsum("ij,ij->i", C, C)
    idx = np.empty((n, k), dtype=np.int64)
    d2 = np.empty((n, k), dtype=np.float64) if need_d2 else None
    rows = _block_rows(n_codewords)
    minus_2CT = -2.0 * C.T
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        Xb = X[start:stop]
        # ||x||^2 is the same for every codeword of a row: it does not change the ranking.
        dist = Xb @ minus_2CT
        dist += c_sqnorm
        if k == 1:
            best = np.argmin(dist, axis=1)[:, None]
        elif k == n_codewords:
            best = np.argsort(dist, axis=1, kind="stable")
        else:
            part = np.argpartition(dist, k - 1, axis=1)[:, :k]
            order = np.argsort(np.take_along_axis(dist, part, axis=1), axis=1, kind="stable")
            best = np.take_along_axis(part, order, axis=1)
        idx[start:stop] = best
        if need_d2:
            diff = Xb[:, None, :] - C[best]
            d2[start:stop] = np.einsum("ijk,ijk->ij", diff, diff)
    return idx, d2


def nearest(X, C, k=1):
    """Find the ``k`` nearest codewords of each vector (squared Euclidean distance).

    Parameters
    ----------
    X : array_like, shape (n, dim)
        Vectors, one per row.
    C : array_like, shape (n_codewords, dim)
        Codewords, one per row.
    k : int
        Number of neighbours to return (1 <= k <= n_codewords).

    Returns
    -------
    idx : ndarray of int64, shape (n, k)
        Codeword indices, nearest first.
    d2 : ndarray of float64, shape (n, k)
        Their squared distances ``||x - C[idx]||^2``, computed from the differences.

    Notes
    -----
    The search expands ``||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2`` and computes
    the cross terms of a block of rows with one matrix product (BLAS), so
    memory stays bounded (about 32 MB per block) for any ``n``. Candidates
    that differ by less than the rounding of that expansion may be ranked
    either way.

    Raises
    ------
    ParameterError
        If the arrays are not 2-D, their dimensions differ, contain NaN/Inf,
        or ``k`` is out of range.
    """
    C = vectors(C, "C")
    X = vectors(X, "X", dim=C.shape[1])
    k = _validate.integer(k, "k", minimum=1)
    if k > C.shape[0]:
        raise ParameterError(f"k={k} is larger than the number of codewords ({C.shape[0]})")
    return nearest_unchecked(X, C, k)
