"""Non-negative least squares for many right-hand sides with a sparse, banded matrix.

Inner loop of :func:`audiogp.dsp.nnls` (and so of mel-spectrogram
inversion). For each column ``b`` it solves the Tikhonov-regularised problem

    minimise 0.5 * |A x - b|**2 + 0.5 * eps * |x|**2  subject to  x >= 0

through its dual: the minimiser is ``x = max(0, A^T y)`` where ``y`` solves
the piecewise-linear equation ``F(y) = eps y + A max(0, A^T y) - b = 0``,
the gradient of a strongly convex function. A semismooth Newton method with
an exact line search solves it; each Newton system ``eps I + A_P A_P^T`` (``P``
the active columns) is banded when every column of ``A`` has its non-zeros
in a few neighbouring rows, as a mel filter bank does (tridiagonal there),
and is solved by a banded Cholesky factorisation. See Qi & Sun, "A nonsmooth
version of Newton's method", Math. Programming 58, 1993, for the method.

``A`` is given in compressed-column form (``values``, ``rows``,
``col_ptr``; rows ascending within a column). No validation; each call
handles the columns ``[start, stop)`` without the GIL.
"""

from libc.math cimport fabs, sqrt
from libc.stdlib cimport free, malloc

cdef Py_ssize_t MAX_LINE_STEPS = 60
cdef double POLISH_EPS = 1e-6


cdef inline Py_ssize_t imin(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a if a < b else b


cdef inline Py_ssize_t imax(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a if a > b else b


cdef void assemble(const double* values, const Py_ssize_t* rows, const Py_ssize_t* col_ptr,
                   Py_ssize_t n_cols, const double* z, bint all_active, double eps,
                   double* band, Py_ssize_t n_rows, Py_ssize_t width) noexcept nogil:
    """``band[k * width + q] = (eps I + sum_{f active} a_f a_f^T)[k, k - q]``."""
    cdef Py_ssize_t f, p, r, lo, hi
    cdef double v
    for p in range(n_rows * width):
        band[p] = 0.0
    for p in range(n_rows):
        band[p * width] = eps
    for f in range(n_cols):
        if not all_active and z[f] <= 0:
            continue
        lo = col_ptr[f]
        hi = col_ptr[f + 1]
        for p in range(lo, hi):
            v = values[p]
            for r in range(lo, p + 1):
                band[rows[p] * width + (rows[p] - rows[r])] += v * values[r]


cdef void cholesky(double* band, Py_ssize_t n_rows, Py_ssize_t width) noexcept nogil:
    """In-place banded Cholesky: ``band`` holds the lower factor afterwards."""
    cdef Py_ssize_t k, q, i, r, bw = width - 1
    cdef double s
    for k in range(n_rows):
        for q in range(imin(bw, k), 0, -1):
            i = k - q
            s = band[k * width + q]
            for r in range(imax(k - bw, 0), i):
                s -= band[k * width + (k - r)] * band[i * width + (i - r)]
            band[k * width + q] = s / band[i * width]
        s = band[k * width]
        for r in range(imax(k - bw, 0), k):
            s -= band[k * width + (k - r)] * band[k * width + (k - r)]
        # eps > 0 keeps the matrix positive definite; guard against rounding.
        band[k * width] = sqrt(s) if s > 1e-300 else 1e-150


cdef void solve(const double* band, Py_ssize_t n_rows, Py_ssize_t width,
                const double* rhs, double* out) noexcept nogil:
    """Solve ``L L^T out = rhs`` with the banded factor ``L``."""
    cdef Py_ssize_t k, r, bw = width - 1
    cdef double s
    for k in range(n_rows):
        s = rhs[k]
        for r in range(imax(k - bw, 0), k):
            s -= band[k * width + (k - r)] * out[r]
        out[k] = s / band[k * width]
    k = n_rows - 1
    while k >= 0:
        s = out[k]
        for r in range(k + 1, imin(n_rows, k + bw + 1)):
            s -= band[r * width + (r - k)] * out[r]
        out[k] = s / band[k * width]
        k -= 1


cdef void transpose_times(const double* values, const Py_ssize_t* rows, const Py_ssize_t* col_ptr,
                          Py_ssize_t n_cols, const double* y, double* z) noexcept nogil:
    """``z = A^T y``."""
    cdef Py_ssize_t f, p
    cdef double s
    for f in range(n_cols):
        s = 0.0
        for p in range(col_ptr[f], col_ptr[f + 1]):
            s += values[p] * y[rows[p]]
        z[f] = s


cdef double line_search(const double* y, const double* d, const double* z, const double* w,
                        const double* b, double eps, Py_ssize_t n_rows,
                        Py_ssize_t n_cols) noexcept nogil:
    """Exact minimiser ``t >= 0`` of the dual objective along ``y + t d``.

    The dual objective is convex and piecewise quadratic along the line, so
    its derivative ``g(t) = eps (y + t d).d - b.d + sum_f w_f max(0, z_f + t w_f)``
    (``w = A^T d``) is non-decreasing and piecewise linear: Newton steps on
    each linear piece, safeguarded by a bracket, find its root.
    """
    cdef Py_ssize_t k, f, step
    cdef double yd = 0.0, dd = 0.0, bd = 0.0
    cdef double t, g, slope, g0, lo = 0.0, hi = -1.0, g_lo, g_hi = 0.0, v, t_new
    for k in range(n_rows):
        yd += y[k] * d[k]
        dd += d[k] * d[k]
        bd += b[k] * d[k]
    t = 0.0
    g0 = eps * yd - bd
    for f in range(n_cols):
        if z[f] > 0:
            g0 += w[f] * z[f]
    if g0 >= 0:
        return 0.0  # not a descent direction (rounding level)
    g_lo = g0
    t = 1.0
    for step in range(MAX_LINE_STEPS):
        g = eps * (yd + t * dd) - bd
        slope = eps * dd
        for f in range(n_cols):
            v = z[f] + t * w[f]
            if v > 0 or (v == 0 and w[f] > 0):
                g += w[f] * v
                slope += w[f] * w[f]
        if g == 0 or fabs(g) <= 1e-13 * fabs(g0):
            return t
        if g < 0:
            lo, g_lo = t, g
        else:
            hi, g_hi = t, g
        t_new = t - g / slope if slope > 0 else -1.0
        if hi >= 0 and not (lo < t_new < hi):
            t_new = lo - g_lo * (hi - lo) / (g_hi - g_lo)  # regula falsi inside the bracket
            if not (lo < t_new < hi):
                t_new = 0.5 * (lo + hi)
        elif hi < 0 and not (t_new > t):
            t_new = 2.0 * t
        if hi >= 0 and hi - lo <= 1e-15 * hi:
            return lo if lo > 0 else hi
        t = t_new
    return lo if lo > 0 else t


cdef int solve_column(const double* values, const Py_ssize_t* rows, const Py_ssize_t* col_ptr,
                      Py_ssize_t n_rows, Py_ssize_t n_cols, Py_ssize_t width,
                      const double* gram_factor, const double* b, double eps, double rtol,
                      Py_ssize_t max_iter, double* x, double* work) noexcept nogil:
    """Solve one column into ``x``; returns the number of Newton steps taken."""
    cdef double* y = work
    cdef double* F = y + n_rows
    cdef double* d = F + n_rows
    cdef double* z = d + n_rows
    cdef double* w = z + n_cols
    cdef double* band = w + n_cols
    cdef Py_ssize_t k, f, p, it
    cdef double b_norm = 0.0, f_norm, step
    for k in range(n_rows):
        b_norm += b[k] * b[k]
    b_norm = sqrt(b_norm)
    if b_norm == 0:
        for f in range(n_cols):
            x[f] = 0.0
        return 0

    # Start from the unconstrained minimum-norm solution: x0 = max(0, pinv(A) b).
    solve(gram_factor, n_rows, width, b, y)
    transpose_times(values, rows, col_ptr, n_cols, y, z)
    it = 0
    while it < max_iter:
        for k in range(n_rows):
            F[k] = eps * y[k] - b[k]
        for f in range(n_cols):
            if z[f] > 0:
                for p in range(col_ptr[f], col_ptr[f + 1]):
                    F[rows[p]] += values[p] * z[f]
        f_norm = 0.0
        for k in range(n_rows):
            f_norm += F[k] * F[k]
        if sqrt(f_norm) <= rtol * b_norm:
            break
        assemble(values, rows, col_ptr, n_cols, z, False, eps, band, n_rows, width)
        cholesky(band, n_rows, width)
        solve(band, n_rows, width, F, d)
        for k in range(n_rows):
            d[k] = -d[k]
        transpose_times(values, rows, col_ptr, n_cols, d, w)
        step = line_search(y, d, z, w, b, eps, n_rows, n_cols)
        it += 1
        if step <= 0:
            break  # no further progress at this precision
        for k in range(n_rows):
            y[k] += step * d[k]
        for f in range(n_cols):
            z[f] += step * w[f]
    for f in range(n_cols):
        x[f] = z[f] if z[f] > 0 else 0.0
    polish(values, rows, col_ptr, n_rows, n_cols, width, b, eps * POLISH_EPS, x, z, y, F, band)
    return it


cdef void polish(const double* values, const Py_ssize_t* rows, const Py_ssize_t* col_ptr,
                 Py_ssize_t n_rows, Py_ssize_t n_cols, Py_ssize_t width, const double* b,
                 double eps, double* x, double* z, double* y, double* r, double* band) noexcept nogil:
    """Remove the regularisation's bias on the final active set, where that stays feasible.

    With ``P`` the bins where ``x > 0``, solve ``(eps I + A_P A_P^T) y = b``
    with a far smaller ``eps`` and take ``x_P = A_P^T y``: on a nearly
    degenerate problem (``b`` close to the boundary of the cone of ``A``'s
    columns) this cuts the residual left by the regularisation. It is kept
    only if ``x_P >= 0`` and the residual ``|A x - b|`` decreases.
    """
    cdef Py_ssize_t k, f, p
    cdef double before = 0.0, after = 0.0
    for k in range(n_rows):
        r[k] = -b[k]
    for f in range(n_cols):
        z[f] = x[f]
        if x[f] > 0:
            for p in range(col_ptr[f], col_ptr[f + 1]):
                r[rows[p]] += values[p] * x[f]
    for k in range(n_rows):
        before += r[k] * r[k]
    if before == 0:
        return
    assemble(values, rows, col_ptr, n_cols, z, False, eps, band, n_rows, width)
    cholesky(band, n_rows, width)
    solve(band, n_rows, width, b, y)
    for k in range(n_rows):
        r[k] = -b[k]
    for f in range(n_cols):
        if x[f] <= 0:
            continue
        z[f] = 0.0
        for p in range(col_ptr[f], col_ptr[f + 1]):
            z[f] += values[p] * y[rows[p]]
        if z[f] < 0:
            return
        for p in range(col_ptr[f], col_ptr[f + 1]):
            r[rows[p]] += values[p] * z[f]
    for k in range(n_rows):
        after += r[k] * r[k]
    if after < before:
        for f in range(n_cols):
            if x[f] > 0:
                x[f] = z[f]


def solve_columns(const double[::1] values, const Py_ssize_t[::1] rows, const Py_ssize_t[::1] col_ptr,
                  Py_ssize_t n_rows, Py_ssize_t width, double eps, double rtol, Py_ssize_t max_iter,
                  const double[:, ::1] B, double[:, ::1] X, Py_ssize_t[::1] iterations,
                  Py_ssize_t start, Py_ssize_t stop):
    """Solve ``min_{x >= 0} |A x - B[j]|`` (regularised by ``eps``) into ``X[j]``.

    ``B`` is ``(n_problems, n_rows)``, ``X`` is ``(n_problems, n_cols)``;
    ``width - 1`` is the bandwidth of ``A A^T``. ``iterations[j]`` receives the
    number of Newton steps. Problems ``start <= j < stop`` are solved.
    """
    cdef Py_ssize_t n_cols = col_ptr.shape[0] - 1
    cdef Py_ssize_t j
    cdef double* work
    cdef double* gram
    cdef Py_ssize_t n_work = 3 * n_rows + 2 * n_cols + n_rows * width
    if stop <= start:
        return
    work = <double*> malloc(n_work * sizeof(double))
    gram = <double*> malloc(n_rows * width * sizeof(double))
    if work == NULL or gram == NULL:
        free(work)
        free(gram)
        raise MemoryError("nnls: cannot allocate work space")
    with nogil:
        assemble(&values[0], &rows[0], &col_ptr[0], n_cols, NULL, True, eps, gram, n_rows, width)
        cholesky(gram, n_rows, width)
        for j in range(start, stop):
            iterations[j] = solve_column(&values[0], &rows[0], &col_ptr[0], n_rows, n_cols, width,
                                         gram, &B[j, 0], eps, rtol, max_iter, &X[j, 0], work)
    free(work)
    free(gram)
