# Small vector helpers shared by the Levinson-family kernels (levinson.pyx,
# gpsample.pyx). Inline, pointer-based and GIL-free; no bounds checks.
#
# The dot products keep four partial sums: the compiler may not reorder a
# single floating-point sum (we build without -ffast-math), so independent
# accumulators are what lets it pipeline and pair the multiply-adds.


cdef inline double dot(const double* x, const double* y, Py_ssize_t n) noexcept nogil:
    """sum_i x[i] * y[i] for i in [0, n)."""
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    cdef Py_ssize_t i = 0
    while i + 4 <= n:
        s0 += x[i] * y[i]
        s1 += x[i + 1] * y[i + 1]
        s2 += x[i + 2] * y[i + 2]
        s3 += x[i + 3] * y[i + 3]
        i += 4
    while i < n:
        s0 += x[i] * y[i]
        i += 1
    return (s0 + s1) + (s2 + s3)


cdef inline double dot_reversed(const double* x, const double* y_last, Py_ssize_t n) noexcept nogil:
    """sum_i x[i] * y_last[-i] for i in [0, n): ``x`` against ``y`` read backwards."""
    cdef double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    cdef Py_ssize_t i = 0
    while i + 4 <= n:
        s0 += x[i] * y_last[-i]
        s1 += x[i + 1] * y_last[-i - 1]
        s2 += x[i + 2] * y_last[-i - 2]
        s3 += x[i + 3] * y_last[-i - 3]
        i += 4
    while i < n:
        s0 += x[i] * y_last[-i]
        i += 1
    return (s0 + s1) + (s2 + s3)


cdef inline bint durbin_step(const double* r, double* a, Py_ssize_t t,
                             double* err, double* k) noexcept nogil:
    """Raise the order of a symmetric linear predictor from ``t`` to ``t + 1``.

    On entry ``a[0:t]`` solves ``toeplitz(r[0:t]) @ a = r[1:t+1]`` and
    ``err[0]`` is its prediction-error variance; on exit ``a[0:t+1]`` and
    ``err[0]`` describe order ``t + 1`` and ``k[0]`` holds the reflection
    coefficient. Returns false (leaving ``a`` and ``err`` untouched) when the
    order-``t + 1`` matrix is not positive definite: ``|k| >= 1``, or the new
    error variance is not positive after rounding. ``r[0]`` is not read, so
    the caller may load the diagonal by passing a different ``err``.
    (Durbin 1960; Golub & Van Loan, Matrix Computations, 4th ed., Alg. 4.7.1.)
    """
    cdef double kk, lo, hi, new_err
    cdef Py_ssize_t j, half
    kk = (r[t + 1] - dot_reversed(a, r + t, t)) / err[0]
    k[0] = kk
    if not (kk < 1.0 and kk > -1.0):  # also catches NaN
        return False
    new_err = err[0] * ((1.0 - kk) * (1.0 + kk))
    if not (new_err > 0.0):
        return False
    half = t // 2
    for j in range(half):
        lo = a[j]
        hi = a[t - 1 - j]
        a[j] = lo - kk * hi
        a[t - 1 - j] = hi - kk * lo
    if t % 2 == 1:
        a[half] = a[half] * (1.0 - kk)
    a[t] = kk
    err[0] = new_err
    return True
