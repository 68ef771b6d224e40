"""Kernels for drawing blocks of a stationary Gaussian process.

The inner loops of :mod:`audiogp.gp.sampling`. A block's covariance is the
symmetric Toeplitz matrix of its autocovariance ``r``. Samples are generated
one at a time from their exact conditionals given everything before them,
``z[t] | z[:t] ~ N(a_t . z[t-1::-1], err_t)``, where ``a_t`` is the order-``t``
linear predictor and ``err_t`` its error variance, both raised one order per
sample by Durbin's recursion (the innovations form of the Cholesky factor,
Brockwell & Davis, Time Series: Theory and Methods, 1991, section 5.2). Samples
given beforehand (the context) are simply not redrawn, which is conditioning:
O(n**2) per block, O(n) memory.

No validation happens here; every kernel runs without the GIL on a range of
blocks. A block whose covariance is numerically singular (a prediction-error
variance below ``min_rel`` times the variance, or ``|k| >= 1``) is redrawn
with the diagonal loaded by ``jitter_start * r[0]``, then ``jitter_factor``
times more each time, up to ``jitter_max * r[0]``; the loading used is
written to ``jitter``. If even the largest fails, ``fail_order`` records the
order at which the recursion broke (else it is -1).
"""

from libc.math cimport sqrt
from libc.stdlib cimport free, malloc

from vecmath cimport dot_reversed, durbin_step


cdef Py_ssize_t innovations(const double* r, double variance, double min_err,
                            double* z, Py_ssize_t context, Py_ssize_t length,
                            const double* noise, double* a) noexcept nogil:
    """Fill ``z[context:context+length]`` given ``z[:context]``.

    ``variance`` replaces ``r[0]`` (loaded diagonal). Returns -1, or the
    order at which the covariance proved (numerically) not positive
    definite.
    """
    cdef Py_ssize_t n = context + length
    cdef Py_ssize_t t
    cdef double err = variance
    cdef double k
    for t in range(n):
        if t >= context:
            z[t] = dot_reversed(a, z + t - 1, t) + sqrt(err) * noise[t - context]
        if t + 1 < n:
            if not durbin_step(r, a, t, &err, &k) or not (err > min_err):
                return t + 1
    return -1


cdef Py_ssize_t pin_ends(const double* r, double variance, double min_rel,
                         double* x, Py_ssize_t length) noexcept nogil:
    """Condition an unconditional draw ``x`` on ``x[0] = x[-1] = 0``.

    Matheron's rule: ``x - C[:, B] C[B, B]^-1 x[B]`` with ``B`` the two ends
    is an exact draw from the conditional distribution (Journel & Huijbregts,
    Mining Geostatistics, 1978; Wilson et al., "Efficiently sampling
    functions from Gaussian process posteriors", ICML 2020) -- a rank-2
    correction, O(length).
    """
    cdef Py_ssize_t last = length - 1
    cdef Py_ssize_t i
    cdef double far = r[last]
    cdef double det = (variance - far) * (variance + far)
    cdef double w0, w1, c0, c1
    if not (det > min_rel * variance * variance):
        return last
    w0 = (variance * x[0] - far * x[last]) / det
    w1 = (variance * x[last] - far * x[0]) / det
    for i in range(1, last):
        x[i] = x[i] - (r[i] * w0 + r[last - i] * w1)
    x[0] = 0.0
    x[last] = 0.0
    return -1


cdef Py_ssize_t draw_block(const double* r, double* z, Py_ssize_t context, Py_ssize_t length,
                           const double* noise, bint pin, double* a,
                           double min_rel, double jitter_start, double jitter_factor,
                           double jitter_max, double* jitter) noexcept nogil:
    """One block with the jitter schedule; returns -1 or the failing order."""
    cdef double variance = r[0]
    cdef double load = 0.0
    cdef double loaded
    cdef Py_ssize_t i, failed
    jitter[0] = 0.0
    if variance == 0.0 or (pin and length <= 2):
        # A zero process (the caller has checked all its lags are zero), or
        # a block that is nothing but its pinned ends.
        for i in range(length):
            z[context + i] = 0.0
        return -1
    while True:
        loaded = variance + load
        failed = innovations(r, loaded, min_rel * loaded, z, context, length, noise, a)
        if failed < 0 and pin:
            failed = pin_ends(r, loaded, min_rel, z, length)
        if failed < 0:
            jitter[0] = load
            return -1
        load = jitter_start * variance if load == 0.0 else load * jitter_factor
        if load > jitter_max * variance * (1.0 + 1e-9):
            return failed


def draw_blocks(const double[:, ::1] r, const double[:, ::1] previous, const double[:, ::1] noise,
                bint pin, double min_rel, double jitter_start, double jitter_factor,
                double jitter_max, double[:, ::1] out, double[::1] jitter,
                Py_ssize_t[::1] fail_order, Py_ssize_t start, Py_ssize_t stop):
    """Independent blocks ``[start, stop)``: ``out[i]`` given ``previous[i]``.

    ``r[i]`` needs at least ``previous.shape[1] + out.shape[1]`` lags. With
    ``pin`` (and no context) each block is conditioned on zero end samples.
    ``out[i] = m_i + F_i noise[i]`` with ``m_i`` the conditional mean and
    ``F_i`` the Cholesky factor of the conditional covariance.
    """
    cdef Py_ssize_t context = previous.shape[1]
    cdef Py_ssize_t length = out.shape[1]
    cdef Py_ssize_t n = context + length
    cdef Py_ssize_t i, j
    cdef double* z = <double*> malloc(2 * n * sizeof(double))
    cdef double* a
    if z == NULL:
        raise MemoryError()
    a = z + n
    try:
        with nogil:
            for i in range(start, stop):
                for j in range(context):
                    z[j] = previous[i, j]
                fail_order[i] = draw_block(&r[i, 0], z, context, length, &noise[i, 0], pin, a,
                                           min_rel, jitter_start, jitter_factor, jitter_max,
                                           &jitter[i])
                for j in range(length):
                    out[i, j] = z[context + j]
    finally:
        free(z)


def draw_chain(const double[:, ::1] r, Py_ssize_t context, const double[:, ::1] noise,
               double min_rel, double jitter_start, double jitter_factor, double jitter_max,
               double[:, ::1] out, double[::1] jitter, Py_ssize_t[::1] fail_order,
               Py_ssize_t start, Py_ssize_t stop):
    """Consecutive blocks ``[start, stop)`` of one waveform, each conditioned
    on the ``min(context, b * block_len)`` samples before it.

    ``out`` is the whole ``(n_blocks, block_len)`` waveform; blocks before
    ``start`` must already be drawn. Block ``b`` uses its own
    autocovariance ``r[b]`` for the joint law of its context and itself.
    Stops at the first block that fails.
    """
    cdef Py_ssize_t length = out.shape[1]
    cdef Py_ssize_t b, have
    cdef double* flat = &out[0, 0]
    cdef double* a = <double*> malloc((context + length) * sizeof(double))
    if a == NULL:
        raise MemoryError()
    try:
        with nogil:
            for b in range(start, stop):
                have = b * length
                if have > context:
                    have = context
                fail_order[b] = draw_block(&r[b, 0], flat + b * length - have, have, length,
                                           &noise[b, 0], False, a, min_rel, jitter_start,
                                           jitter_factor, jitter_max, &jitter[b])
                if fail_order[b] >= 0:
                    break
    finally:
        free(a)
