"""Levinson-Durbin kernels for symmetric positive-definite Toeplitz matrices.

The inner loops of :mod:`audiogp.linalg.toeplitz`. A matrix is given by its
first column ``r`` (one row of a C-contiguous 2-D array per batch element).
No validation happens here: the Python layer checks shapes, dtypes and
values first and computes in float64.

Every kernel works on a range ``[start, stop)`` of the batch (or of the
right-hand-side columns) and runs without the GIL, so the caller can split
one call over threads. A kernel that meets a matrix that is not positive
definite records, for that batch element, the order at which the recursion
broke (``fail_order``, else -1) and the offending reflection coefficient
(``fail_k``); order 0 means ``r[0] <= 0``.

References: N. Levinson, "The Wiener RMS error criterion in filter design and
prediction", J. Math. Phys. 25, 1947; J. Durbin, "The fitting of time-series
models", Rev. Int. Stat. Inst. 28, 1960; Golub & Van Loan, Matrix
Computations, 4th ed., section 4.7.
"""

from libc.math cimport log
from libc.stdlib cimport free, malloc

from vecmath cimport dot_reversed, durbin_step


cdef inline bint start_recursion(const double* r, double* err, Py_ssize_t* fail_order,
                                 double* fail_k) noexcept nogil:
    err[0] = r[0]
    if not (r[0] > 0.0):
        fail_order[0] = 0
        fail_k[0] = r[0]
        return False
    return True


def durbin(const double[:, ::1] r, Py_ssize_t order, double[:, ::1] a, double[:, ::1] k,
           double[:, ::1] err, Py_ssize_t[::1] fail_order, double[::1] fail_k,
           Py_ssize_t start, Py_ssize_t stop):
    """Durbin's recursion to ``order`` for rows ``[start, stop)``.

    Writes the order-``order`` predictor ``a[i, :order]`` (``toeplitz(r[:p]) @ a
    = r[1:p+1]``), the reflection coefficients ``k[i, m-1]`` of orders
    ``m = 1..order`` and the prediction-error variances ``err[i, m]`` of
    orders ``m = 0..order``. Requires ``r.shape[1] > order``.
    """
    cdef Py_ssize_t i, t
    cdef double e, kk
    with nogil:
        for i in range(start, stop):
            fail_order[i] = -1
            if not start_recursion(&r[i, 0], &e, &fail_order[i], &fail_k[i]):
                continue
            err[i, 0] = e
            for t in range(order):
                if not durbin_step(&r[i, 0], &a[i, 0], t, &e, &kk):
                    fail_order[i] = t + 1
                    fail_k[i] = kk
                    break
                k[i, t] = kk
                err[i, t + 1] = e


def logdet(const double[:, ::1] r, double[::1] out, Py_ssize_t[::1] fail_order,
           double[::1] fail_k, Py_ssize_t start, Py_ssize_t stop):
    """``out[i] = log det toeplitz(r[i])``: the sum of the log prediction-error
    variances of orders ``0..n-1`` (the pivots of the LDL^T factorisation)."""
    cdef Py_ssize_t n = r.shape[1]
    cdef Py_ssize_t i, t
    cdef double e, kk, total
    cdef double* a = <double*> malloc(max(n, 1) * sizeof(double))
    if a == NULL:
        raise MemoryError()
    try:
        with nogil:
            for i in range(start, stop):
                fail_order[i] = -1
                if not start_recursion(&r[i, 0], &e, &fail_order[i], &fail_k[i]):
                    continue
                total = log(e)
                for t in range(n - 1):
                    if not durbin_step(&r[i, 0], a, t, &e, &kk):
                        fail_order[i] = t + 1
                        fail_k[i] = kk
                        break
                    total += log(e)
                out[i] = total
    finally:
        free(a)


def solve_vector(const double[:, ::1] r, const double[:, ::1] b, double[:, ::1] x,
                 Py_ssize_t[::1] fail_order, double[::1] fail_k,
                 Py_ssize_t start, Py_ssize_t stop):
    """Solve ``toeplitz(r[i]) @ x[i] = b[i]`` for rows ``[start, stop)``.

    Levinson's recursion: the order-``t`` solution is extended by a multiple
    of the reversed order-``t`` predictor, which Durbin's step then raises to
    order ``t + 1``; about ``2 n**2`` multiply-adds per system.
    """
    cdef Py_ssize_t n = r.shape[1]
    cdef Py_ssize_t i, j, t
    cdef double e, kk, mu
    cdef const double* ri
    cdef double* xi
    cdef double* a = <double*> malloc(n * sizeof(double))
    if a == NULL:
        raise MemoryError()
    try:
        with nogil:
            for i in range(start, stop):
                fail_order[i] = -1
                ri = &r[i, 0]
                xi = &x[i, 0]
                if not start_recursion(ri, &e, &fail_order[i], &fail_k[i]):
                    continue
                for t in range(n):
                    # x[0:t] solves the order-t system; extend it to order t + 1.
                    mu = (b[i, t] - dot_reversed(xi, ri + t, t)) / e
                    for j in range(t):
                        xi[j] = xi[j] - mu * a[t - 1 - j]
                    xi[t] = mu
                    if t + 1 < n and not durbin_step(ri, a, t, &e, &kk):
                        fail_order[i] = t + 1
                        fail_k[i] = kk
                        break
    finally:
        free(a)


def solve_matrix(const double[:, ::1] r, const double[:, :, ::1] b, double[:, :, ::1] x,
                 Py_ssize_t[:, ::1] fail_order, double[:, ::1] fail_k,
                 Py_ssize_t start, Py_ssize_t stop, Py_ssize_t col_start, Py_ssize_t col_stop):
    """Solve ``toeplitz(r[i]) @ x[i] = b[i]`` for ``b[i]`` of shape ``(n, k)``.

    Only batch rows ``[start, stop)`` and right-hand-side columns
    ``[col_start, col_stop)`` are written. One Durbin recursion per matrix
    serves every column; the per-column updates run along the contiguous
    column axis, about ``n**2`` multiply-adds per column.

    Failures are recorded in ``fail_order[i, col_start]`` and
    ``fail_k[i, col_start]`` (shape ``(n_batch, k)``), so that calls on
    disjoint column ranges never write the same element; entries for other
    columns are left as they are.
    """
    cdef Py_ssize_t n = r.shape[1]
    cdef Py_ssize_t n_cols = col_stop - col_start
    cdef Py_ssize_t i, j, t, c
    cdef double e, kk, coeff, rnext
    cdef const double* ri
    cdef double* row
    cdef double* a
    cdef double* mu
    cdef double* acc
    if n_cols <= 0:
        return
    a = <double*> malloc((n + 2 * n_cols) * sizeof(double))
    if a == NULL:
        raise MemoryError()
    mu = a + n
    acc = mu + n_cols
    try:
        with nogil:
            for i in range(start, stop):
                ri = &r[i, 0]
                if not start_recursion(ri, &e, &fail_order[i, col_start], &fail_k[i, col_start]):
                    continue
                # acc holds sum_j r[t-j] x[j] over the order-t solution x[0:t]; it
                # is accumulated during the pass that updates x, so each step
                # reads the (n, k) block once.
                for c in range(n_cols):
                    acc[c] = 0.0
                for t in range(n):
                    for c in range(n_cols):
                        mu[c] = (b[i, t, col_start + c] - acc[c]) / e
                        acc[c] = ri[1] * mu[c] if t + 1 < n else 0.0
                    row = &x[i, t, col_start]
                    for c in range(n_cols):
                        row[c] = mu[c]
                    # x[j] -= mu * a[t-1-j]; then acc += r[t+1-j] * x[j] for order t + 1.
                    for j in range(t):
                        coeff = a[t - 1 - j]
                        row = &x[i, j, col_start]
                        if t + 1 < n:
                            rnext = ri[t + 1 - j]
                            for c in range(n_cols):
                                row[c] = row[c] - coeff * mu[c]
                                acc[c] = acc[c] + rnext * row[c]
                        else:
                            for c in range(n_cols):
                                row[c] = row[c] - coeff * mu[c]
                    if t + 1 < n and not durbin_step(ri, a, t, &e, &kk):
                        fail_order[i, col_start] = t + 1
                        fail_k[i, col_start] = kk
                        break
    finally:
        free(a)


cdef enum:
    # Systems solved side by side by solve_interleaved: 32 doubles are four
    # cache lines per row, long enough for the lane loops to vectorise.
    LANES = 32

#: Number of systems :func:`solve_interleaved` handles per chunk.
lanes = LANES


def solve_interleaved(const double[:, :, ::1] rt, const double[:, :, ::1] bt,
                      double[:, :, ::1] xt, Py_ssize_t[::1] fail_order, double[::1] fail_k,
                      Py_ssize_t chunk_start, Py_ssize_t chunk_stop):
    """Solve many different systems at once, ``LANES`` side by side.

    Chunked, transposed layout: ``rt[g, :, c]`` is the first column of system
    ``g * LANES + c``, likewise ``bt`` and ``xt``; all have shape
    ``(n_chunks, n, LANES)``. Chunks ``[chunk_start, chunk_stop)`` are solved.
    Running the same Levinson recursion in lock-step turns every dot product
    into element-wise vector work across the systems, which the compiler
    vectorises without reordering any sum.
    A lane whose matrix is not positive definite carries on with meaningless
    numbers (its failure is recorded); the other lanes are unaffected.
    """
    cdef Py_ssize_t n = rt.shape[1]
    cdef Py_ssize_t chunk, s0, j, jj, t, c, half
    cdef double mu[LANES]
    cdef double kk[LANES]
    cdef double e[LANES]
    cdef double acc_x[LANES]
    cdef double acc_a[LANES]
    cdef double lo, hi, alo, ahi, xlo, xhi
    cdef bint more
    cdef const double* r
    cdef const double* r1
    cdef const double* r2
    cdef double* x
    cdef double* xrow
    cdef double* xrow2
    cdef double* arow
    cdef double* arow2
    cdef double* a = <double*> malloc(n * LANES * sizeof(double))
    if a == NULL:
        raise MemoryError()
    try:
        with nogil:
            for chunk in range(chunk_start, chunk_stop):
                s0 = chunk * LANES
                r = &rt[chunk, 0, 0]
                x = &xt[chunk, 0, 0]
                for c in range(LANES):
                    fail_order[s0 + c] = -1
                    e[c] = r[c]
                    acc_x[c] = 0.0
                    acc_a[c] = 0.0
                    if not (e[c] > 0.0):
                        fail_order[s0 + c] = 0
                        fail_k[s0 + c] = e[c]
                for t in range(n):
                    # Here x[0:t] solves the order-t system and a[0:t] is the
                    # order-t predictor; acc_x = sum_j r[t-j] x[j] and
                    # acc_a = sum_j r[t-j] a[j] were gathered by the last pass.
                    more = t + 1 < n
                    for c in range(LANES):
                        mu[c] = (bt[chunk, t, c] - acc_x[c]) / e[c]
                        kk[c] = ((r[(t + 1) * LANES + c] - acc_a[c]) / e[c]) if more else 0.0
                        acc_x[c] = 0.0
                        acc_a[c] = 0.0
                    # One pass, pairwise from both ends: x[j] -= mu * a[t-1-j],
                    # a[j] -= k * a[t-1-j], and the order-(t+1) sums of the
                    # updated values against r[t+1-j].
                    half = t // 2
                    for j in range(half):
                        jj = t - 1 - j
                        xrow = x + j * LANES
                        xrow2 = x + jj * LANES
                        arow = a + j * LANES
                        arow2 = a + jj * LANES
                        r1 = r + ((t + 1 - j) * LANES if more else 0)
                        r2 = r + (t + 1 - jj) * LANES
                        for c in range(LANES):
                            lo = arow[c]
                            hi = arow2[c]
                            xlo = xrow[c] - mu[c] * hi
                            xhi = xrow2[c] - mu[c] * lo
                            alo = lo - kk[c] * hi
                            ahi = hi - kk[c] * lo
                            xrow[c] = xlo
                            xrow2[c] = xhi
                            arow[c] = alo
                            arow2[c] = ahi
                            acc_x[c] = acc_x[c] + r1[c] * xlo + r2[c] * xhi
                            acc_a[c] = acc_a[c] + r1[c] * alo + r2[c] * ahi
                    if t % 2 == 1:
                        xrow = x + half * LANES
                        arow = a + half * LANES
                        r1 = r + ((t + 1 - half) * LANES if more else 0)
                        for c in range(LANES):
                            xlo = xrow[c] - mu[c] * arow[c]
                            lo = arow[c] * (1.0 - kk[c])
                            xrow[c] = xlo
                            arow[c] = lo
                            acc_x[c] = acc_x[c] + r1[c] * xlo
                            acc_a[c] = acc_a[c] + r1[c] * lo
                    xrow = x + t * LANES
                    for c in range(LANES):
                        xrow[c] = mu[c]
                    if more:
                        arow = a + t * LANES
                        r1 = r + LANES
                        for c in range(LANES):
                            arow[c] = kk[c]
                            acc_x[c] = acc_x[c] + r1[c] * mu[c]
                            acc_a[c] = acc_a[c] + r1[c] * kk[c]
                            e[c] = e[c] * ((1.0 - kk[c]) * (1.0 + kk[c]))
                        for c in range(LANES):
                            if fail_order[s0 + c] < 0 and not (
                                    kk[c] < 1.0 and kk[c] > -1.0 and e[c] > 0.0):
                                fail_order[s0 + c] = t + 1
                                fail_k[s0 + c] = kk[c]
    finally:
        free(a)
