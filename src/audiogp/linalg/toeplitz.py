"""Symmetric positive-definite Toeplitz systems by the Levinson-Durbin recursion.

A symmetric Toeplitz matrix ``T[i, j] = c[|i - j|]`` is fixed by its first
column ``c`` -- for a stationary process, the autocovariance sequence. These
functions take ``c`` with any leading batch axes and run the O(n**2)
recursions of Levinson (1947) and Durbin (1960) in compiled, GIL-free
kernels (:mod:`audiogp._core.levinson`), spread over threads for batches.

Everything is computed in float64; float32 input gives float32 output.
A matrix that is not positive definite is reported with
:class:`audiogp.errors.NotPositiveDefiniteError`, naming the batch index and
the order at which the recursion broke.
"""

import math
from typing import NamedTuple

import numpy as np

from audiogp import _validate as check
from audiogp._core import levinson as _kernels
from audiogp._threads import run_split
from audiogp.errors import NotPositiveDefiniteError, ParameterError

# Below this many multiply-adds per thread a kernel runs in the calling thread.
_MIN_WORK_PER_THREAD = 1 << 21


class LevinsonResult(NamedTuple):
    """What :func:`levinson_durbin` returns; unpacks as ``a, k, err``."""

    ar: np.ndarray
    """AR (linear-prediction) coefficients, shape ``(..., order)``."""
    reflection: np.ndarray
    """Reflection (partial autocorrelation) coefficients, shape ``(..., order)``."""
    error_variance: np.ndarray
    """Prediction-error variances of orders ``0..order``, shape ``(..., order + 1)``."""


def solve_toeplitz(c, b):
    """Solve ``T x = b`` for symmetric positive-definite Toeplitz ``T``.

    Parameters
    ----------
    c : array_like, shape (..., n)
        First column (equivalently, first row) of each matrix:
        ``T[i, j] = c[..., |i - j|]``. Leading axes are a batch of matrices.
    b : array_like, shape (..., n) or (..., n, k)
        Right-hand sides. With ``b.ndim == c.ndim`` each matrix gets one
        right-hand-side vector; with ``b.ndim == c.ndim + 1`` it gets the
        ``k`` columns of a matrix (SciPy's ``(n, k)`` convention). The batch
        axes of ``c`` and ``b`` broadcast against each other.

    Returns
    -------
    numpy.ndarray
        ``x`` with the broadcast batch shape and ``b``'s trailing shape:
        ``(..., n)`` or ``(..., n, k)``. float32 if both inputs are float32,
        else float64.

    Raises
    ------
    NotPositiveDefiniteError
        If a matrix is not positive definite (a reflection coefficient with
        ``|k| >= 1``, or ``c[..., 0] <= 0``); the message and the
        exception's ``batch_index`` and ``order`` say which matrix and where.
    ParameterError
        For empty input, NaN or Inf, or shapes that do not fit.

    See Also
    --------
    scipy.linalg.solve_toeplitz : the general (not necessarily symmetric or
        definite) Levinson solver for one matrix.

    Notes
    -----
    Levinson's recursion (Levinson 1947) grows the solution of the leading
    ``t x t`` system one order at a time, using the order-``t`` linear
    predictor from Durbin's recursion (Durbin 1960) to correct it: about
    ``n**2`` multiply-adds for the predictors plus ``n**2`` per right-hand
    side, and O(n) memory (Golub & Van Loan, *Matrix Computations*, 4th ed.,
    section 4.7, Algorithm 4.7.2). Several right-hand sides of one matrix share
    a single predictor recursion. Batches of different matrices are solved
    in lock-step, several systems per vector instruction, and spread over
    threads.

    The recursion is weakly stable for positive-definite matrices (Cybenko,
    "The numerical stability of the Levinson-Durbin algorithm for Toeplitz
    systems of equations", SIAM J. Sci. Stat. Comput. 1(3), 1980): errors
    grow with the condition number as they do for a Cholesky solve.

    Examples
    --------
    >>> import numpy as np
    >>> from audiogp.linalg import solve_toeplitz
    >>> c = 0.9 ** np.arange(4)           # AR(1) autocovariance
    >>> x = solve_toeplitz(c, np.ones(4))
    >>> from scipy.linalg import toeplitz
    >>> bool(np.allclose(toeplitz(c) @ x, 1.0))
    True
    """
    c = check.float_array(c, "c")
    b = check.float_array(b, "b")
    n = c.shape[-1]
    if b.ndim == c.ndim:
        columns, b_batch, b_rows = False, b.shape[:-1], b.shape[-1]
    elif b.ndim == c.ndim + 1:
        columns, b_batch, b_rows = True, b.shape[:-2], b.shape[-2]
    else:
        raise ParameterError(
            f"b has shape {b.shape}, but with c of shape {c.shape} it must have {c.ndim} "
            f"dimension(s) (one right-hand side per matrix, (..., {n})) or {c.ndim + 1} "
            f"(k right-hand sides as columns, (..., {n}, k)); to use one matrix for a batch of "
            "right-hand sides, give c leading axes of length 1 (e.g. c[None, :])"
        )
    if b_rows != n:
        axis = "b.shape[-2]" if columns else "b.shape[-1]"
        raise ParameterError(f"{axis} is {b_rows}, but c describes {n} x {n} matrices (c.shape[-1] = {n})")
    try:
        batch = np.broadcast_shapes(c.shape[:-1], b_batch)
    except ValueError:
        raise ParameterError(
            f"the batch shapes of c {c.shape[:-1]} and b {b_batch} do not broadcast together"
        ) from None
    dtype = _result_dtype(c, b)
    tail = (n, b.shape[-1]) if columns else (n,)
    b = np.broadcast_to(b, batch + tail)

    if math.prod(c.shape[:-1]) == 1:
        # One matrix for everything: all right-hand sides share its recursion.
        rhs = b.reshape((-1,) + tail)
        rhs = np.moveaxis(rhs, 0, 1).reshape(n, -1) if columns else rhs.T
        if rhs.shape[1] == 1:
            x = _solve_vectors(c.reshape(1, n), rhs.reshape(1, n), c.shape[:-1], batch).reshape(n, 1)
        else:
            x = _solve_columns(c.reshape(1, n), rhs.reshape((1,) + rhs.shape), c.shape[:-1], batch)[0]
        x = np.moveaxis(x.reshape((n, -1) + tail[1:]), 0, 1) if columns else x.T
    else:
        rows = np.broadcast_to(c, batch + (n,)).reshape(-1, n)
        if columns:
            x = _solve_columns(rows, b.reshape((-1,) + tail), c.shape[:-1], batch)
        else:
            x = _solve_vectors(rows, b.reshape(-1, n), c.shape[:-1], batch)
    return x.reshape(batch + tail).astype(dtype, copy=False)


def _solve_vectors(rows, rhs, c_batch, batch):
    """Different matrices, one right-hand side each: solved in lock-step."""
    n_systems, n = rows.shape
    lanes = _kernels.lanes
    if n_systems < lanes:
        r = np.ascontiguousarray(rows, dtype=np.float64)
        b = np.ascontiguousarray(rhs, dtype=np.float64)
        x = np.empty_like(b)
        fail_order = np.full(n_systems, -1, dtype=np.intp)
        fail_k = np.zeros(n_systems)

        def solve(start, stop):
            _kernels.solve_vector(r, b, x, fail_order, fail_k, start, stop)

        run_split(solve, n_systems, min_chunk=_min_chunk(2 * n * n))
        _raise_if_failed(fail_order, fail_k, "c", batch, c_batch)
        return x
    # Chunks of `lanes` systems, each chunk transposed to (n, lanes); the
    # last chunk is padded with identity systems.
    n_chunks = -(-n_systems // lanes)
    rt = _to_lanes(rows, n_chunks, lanes, pad_value=1.0)
    bt = _to_lanes(rhs, n_chunks, lanes, pad_value=0.0)
    xt = np.empty_like(bt)
    padded = n_chunks * lanes
    fail_order = np.full(padded, -1, dtype=np.intp)
    fail_k = np.zeros(padded)

    def solve(start, stop):
        _kernels.solve_interleaved(rt, bt, xt, fail_order, fail_k, start, stop)

    run_split(solve, n_chunks, min_chunk=_min_chunk(2 * n * n * lanes))
    _raise_if_failed(fail_order[:n_systems], fail_k[:n_systems], "c", batch, c_batch)
    return xt.transpose(0, 2, 1).reshape(padded, n)[:n_systems]


def _to_lanes(a, n_chunks, lanes, *, pad_value):
    """(m, n) -> (n_chunks, n, lanes) float64, system ``i`` in chunk ``i // lanes``,
    lane ``i % lanes``; missing systems get ``pad_value`` at row 0, zeros elsewhere."""
    m, n = a.shape
    out = np.empty((n_chunks, n, lanes))
    full = m // lanes
    out[:full] = a[:full * lanes].reshape(full, lanes, n).transpose(0, 2, 1)
    if full < n_chunks:
        rest = m - full * lanes
        out[full] = 0.0
        out[full, 0, rest:] = pad_value
        out[full, :, :rest] = a[full * lanes:].T
    return out


def _solve_columns(rows, rhs, c_batch, batch):
    """Matrices ``rows`` (m, n) with right-hand-side matrices ``rhs`` (m, n, K).

    One predictor recursion per matrix serves all its columns. Threads take
    whole matrices when there are enough of them, else ranges of columns.
    """
    n_systems, n = rows.shape
    n_rhs = rhs.shape[-1]
    r = np.ascontiguousarray(rows, dtype=np.float64)
    b = np.ascontiguousarray(rhs, dtype=np.float64)
    x = np.empty_like(b)
    fail_order = np.full((n_systems, n_rhs), -1, dtype=np.intp)
    fail_k = np.zeros((n_systems, n_rhs))
    work = n * n * (n_rhs + 1)
    if n_systems > 1:

        def solve(start, stop):
            _kernels.solve_matrix(r, b, x, fail_order, fail_k, start, stop, 0, n_rhs)

        run_split(solve, n_systems, min_chunk=_min_chunk(work))
    else:

        def solve(start, stop):
            _kernels.solve_matrix(r, b, x, fail_order, fail_k, 0, 1, start, stop)

        run_split(solve, n_rhs, min_chunk=_min_chunk(work / n_rhs))
    worst = fail_order.argmax(axis=1)
    every = np.arange(n_systems)
    _raise_if_failed(fail_order[every, worst], fail_k[every, worst], "c", batch, c_batch)
    return x


def levinson_durbin(r, order=None):
    """Linear-prediction (AR) coefficients from an autocovariance sequence.

    Durbin's recursion solves the Yule-Walker equations
    ``toeplitz(r[:p]) @ a = r[1:p+1]`` one order at a time, giving the AR
    coefficients of every order up to ``p`` on the way.

    Parameters
    ----------
    r : array_like, shape (..., n_lags)
        Autocovariance (or autocorrelation) sequences ``r[0], r[1], ...``;
        leading axes are a batch.
    order : int, optional
        Prediction order ``p``, ``0 <= p < n_lags`` (default ``n_lags - 1``).

    Returns
    -------
    LevinsonResult
        A named tuple ``(ar, reflection, error_variance)``:

        ``ar`` : shape (..., p)
            ``a`` with ``r[1:p+1] = toeplitz(r[:p]) @ a``: the predictor
            ``x[t] ~ a[0] x[t-1] + ... + a[p-1] x[t-p]`` (so the AR filter
            polynomial is ``1 - a[0] z^-1 - ... - a[p-1] z^-p``).
        ``reflection`` : shape (..., p)
            Reflection coefficients ``k_1 .. k_p`` (``reflection[..., m-1]``
            is the last coefficient of the order-``m`` predictor, the partial
            autocorrelation at lag ``m``); all satisfy ``|k| < 1``.
        ``error_variance`` : shape (..., p + 1)
            Prediction-error variances of orders ``0..p``:
            ``error_variance[..., 0] = r[..., 0]`` and
            ``error_variance[..., m] = error_variance[..., m-1] * (1 - k_m**2)``.

    Raises
    ------
    NotPositiveDefiniteError
        If ``toeplitz(r[:p+1])`` is not positive definite, naming the batch
        index and the order at which ``|k| >= 1`` (order 0: ``r[0] <= 0``).
    ParameterError
        For empty input, NaN or Inf, or an order out of range.

    Notes
    -----
    Levinson (1947) and Durbin (1960); see Golub & Van Loan, *Matrix
    Computations*, 4th ed., Algorithm 4.7.1. About ``p**2`` multiply-adds per
    sequence. The error variances are the pivots ``d`` of
    ``toeplitz(r[:p+1]) = L diag(d) L^T``; their logarithms sum to the
    log-determinant (:func:`toeplitz_logdet`).

    Examples
    --------
    >>> import numpy as np
    >>> from audiogp.linalg import levinson_durbin
    >>> a, k, err = levinson_durbin(0.5 ** np.arange(4))   # AR(1), phi = 0.5
    >>> np.round(a, 12).tolist(), np.round(err, 12).tolist()
    ([0.5, 0.0, 0.0], [1.0, 0.75, 0.75, 0.75])
    """
    r = check.float_array(r, "r")
    n_lags = r.shape[-1]
    if order is None:
        order = n_lags - 1
    order = check.integer(order, "order", minimum=0)
    if order >= n_lags:
        raise ParameterError(
            f"order={order} needs order + 1 = {order + 1} lags, but r has only {n_lags} "
            f"(r.shape[-1]); pass a longer autocovariance or order <= {n_lags - 1}"
        )
    dtype = _result_dtype(r)
    batch = r.shape[:-1]
    rows = np.ascontiguousarray(r.reshape(-1, n_lags), dtype=np.float64)
    n_rows = rows.shape[0]
    # One spare column so the kernels never see a zero-width row.
    a = np.zeros((n_rows, order + 1))
    k = np.zeros((n_rows, order + 1))
    err = np.zeros((n_rows, order + 1))
    fail_order = np.full(n_rows, -1, dtype=np.intp)
    fail_k = np.zeros(n_rows)

    def recurse(start, stop):
        _kernels.durbin(rows, order, a, k, err, fail_order, fail_k, start, stop)

    run_split(recurse, n_rows, min_chunk=_min_chunk(order * order + 1))
    _raise_if_failed(fail_order, fail_k, "r", batch, batch)
    return LevinsonResult(
        a[:, :order].reshape(batch + (order,)).astype(dtype),
        k[:, :order].reshape(batch + (order,)).astype(dtype),
        err.reshape(batch + (order + 1,)).astype(dtype),
    )


def toeplitz_logdet(c):
    """Log-determinant of symmetric positive-definite Toeplitz matrices.

    Parameters
    ----------
    c : array_like, shape (..., n)
        First column of each matrix, ``T[i, j] = c[..., |i - j|]``.

    Returns
    -------
    numpy.ndarray or numpy scalar, shape (...)
        ``log det T`` for each matrix in the batch (float32 for float32
        input, else float64).

    Raises
    ------
    NotPositiveDefiniteError
        If a matrix is not positive definite (its determinant may still be
        positive, but no Gaussian has it as covariance), naming the batch
        index and the order at which the recursion broke.
    ParameterError
        For empty input, NaN or Inf.

    Notes
    -----
    ``T = L diag(d) L^T`` with ``d`` the prediction-error variances of orders
    ``0..n-1`` from Durbin's recursion (Durbin 1960; Golub & Van Loan,
    *Matrix Computations*, 4th ed., section 4.7), so ``log det T =
    sum(log d)``: O(n**2) work and O(n) memory, and no overflow for large
    ``n`` because the logarithms are summed, not the determinant formed.
    This is the log-determinant term of a Gaussian log-likelihood
    (Rasmussen & Williams, *Gaussian Processes for Machine Learning*, 2006,
    eq. 2.30).

    Examples
    --------
    >>> import numpy as np
    >>> from audiogp.linalg import toeplitz_logdet
    >>> c = 0.5 ** np.arange(3)           # det = 0.75**2
    >>> bool(np.isclose(toeplitz_logdet(c), 2 * np.log(0.75)))
    True
    """
    c = check.float_array(c, "c")
    n = c.shape[-1]
    dtype = _result_dtype(c)
    batch = c.shape[:-1]
    rows = np.ascontiguousarray(c.reshape(-1, n), dtype=np.float64)
    out = np.zeros(rows.shape[0])
    fail_order = np.full(rows.shape[0], -1, dtype=np.intp)
    fail_k = np.zeros(rows.shape[0])

    def recurse(start, stop):
        _kernels.logdet(rows, out, fail_order, fail_k, start, stop)

    run_split(recurse, rows.shape[0], min_chunk=_min_chunk(n * n))
    _raise_if_failed(fail_order, fail_k, "c", batch, batch)
    out = out.astype(dtype).reshape(batch)
    return out[()] if out.ndim == 0 else out


def _result_dtype(*arrays):
    return np.dtype(np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64)


def _min_chunk(work_per_item):
    return max(1, int(_MIN_WORK_PER_THREAD // max(work_per_item, 1)))


def _raise_if_failed(fail_order, fail_k, name, batch, own_batch):
    """Raise NotPositiveDefiniteError for the first failed system, if any.

    ``batch`` is the (broadcast) batch shape the flat system index refers
    to; ``own_batch`` the batch shape of the argument called ``name``, which
    the reported index refers to.
    """
    failed = np.flatnonzero(np.asarray(fail_order) >= 0)
    if failed.size == 0:
        return
    first = int(failed[0])
    order = int(fail_order[first])
    k = float(fail_k[first])
    full_index = np.unravel_index(first, batch) if batch else ()
    skip = len(batch) - len(own_batch)
    index = tuple(0 if size == 1 else int(full_index[skip + d]) for d, size in enumerate(own_batch))
    where = f"{name}[{', '.join(str(i) for i in index)}]" if index else name
    if order == 0:
        message = (
            f"{where} does not describe a positive-definite Toeplitz matrix: its first element "
            f"(the variance, lag 0) is {k:g}, and must be > 0"
        )
    else:
        message = (
            f"{where} does not describe a positive-definite Toeplitz matrix: the Levinson-Durbin "
            f"recursion broke at order {order} (reflection coefficient {k:.6g}; positive "
            f"definiteness needs |k| < 1), so its leading {order + 1} x {order + 1} block is "
            f"singular or indefinite. An autocovariance must have a non-negative spectrum; if it "
            f"is only numerically indefinite, add a small positive value to {name}[..., 0]"
        )
    raise NotPositiveDefiniteError(message, batch_index=index, order=order)
