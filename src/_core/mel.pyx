"""Mel projection kernel: a banded filter bank applied to spectrogram frames.

The inner loop of :func:`audiogp.dsp.melspectrogram`. A triangular mel
filter touches only the FFT bins between its outer mel points, so the bank
is stored as one contiguous band of weights per filter (``band_start``,
``band_length`` into the bins, ``band_offset`` into ``weights``); the
projection then costs about two multiply-adds per bin instead of ``n_mels``.

Frames are the rows of a 2-D C-contiguous array: either real spectrogram
values, or a complex STFT viewed as interleaved ``(re, im)`` floats, whose
``|X| ** power`` is formed on the fly. No validation here: the Python layer
checks shapes and dtypes. Rows ``[row_start, row_stop)`` are independent, so
disjoint ranges can run on different threads (the GIL is released).
"""

from cython cimport floating
from libc.math cimport pow, sqrt
from libc.stdlib cimport free, malloc


def mel_project(const floating[:, ::1] rows, bint interleaved_complex, double power,
                const floating[::1] weights, const Py_ssize_t[::1] band_start,
                const Py_ssize_t[::1] band_length, const Py_ssize_t[::1] band_offset,
                floating[:, ::1] out, Py_ssize_t row_start, Py_ssize_t row_stop):
    """``out[r, m] = sum_k weights[band_offset[m] + k] * P[r, band_start[m] + k]``.

    ``P[r, f]`` is ``rows[r, f]`` for real rows, or ``|rows[r, 2f] + i rows[r, 2f+1]| ** power``
    for interleaved complex rows. Accumulates in double precision.
    """
    cdef Py_ssize_t n_bins = rows.shape[1] // 2 if interleaved_complex else rows.shape[1]
    cdef Py_ssize_t n_mels = out.shape[1]
    cdef Py_ssize_t r, f, m, k, start, offset, length
    cdef double re, im, squared, acc
    cdef double half_power = power / 2.0
    cdef double *p
    if row_stop <= row_start:
        return
    with nogil:
        p = <double *> malloc(n_bins * sizeof(double))
        if p == NULL:
            with gil:
                raise MemoryError()
        for r in range(row_start, row_stop):
            if interleaved_complex:
                for f in range(n_bins):
                    re = rows[r, 2 * f]
                    im = rows[r, 2 * f + 1]
                    squared = re * re + im * im
                    if power == 2.0:
                        p[f] = squared
                    elif power == 1.0:
                        p[f] = sqrt(squared)
                    else:
                        p[f] = pow(squared, half_power)
            else:
                for f in range(n_bins):
                    p[f] = rows[r, f]
            for m in range(n_mels):
                start = band_start[m]
                offset = band_offset[m]
                length = band_length[m]
                acc = 0.0
                for k in range(length):
                    acc = acc + weights[offset + k] * p[start + k]
                out[r, m] = <floating> acc
        free(p)
