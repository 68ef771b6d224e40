"""Griffin-Lim kernels: the fused phase update of the fast Griffin-Lim algorithm.

Inner loop of :func:`audiogp.dsp.griffinlim`. Complex arrays are passed as
real views with interleaved real and imaginary parts, shape
``(n_channels, n_frames, 2 * n_bins)``; magnitudes are
``(n_channels, n_frames, n_bins)``. No validation; runs without the GIL on a
range of frames.
"""

from cython cimport floating
from libc.math cimport sqrt, sqrtf


def update_phase(const floating[:, :, ::1] rebuilt, const floating[:, :, ::1] previous,
                 double beta, const floating[:, :, ::1] magnitude, double eps,
                 floating[:, :, ::1] out, Py_ssize_t frame_start, Py_ssize_t frame_stop):
    """``out = magnitude * c / (|c| + eps)`` with ``c = rebuilt - beta * previous``.

    This is the accelerated projection step of Perraudin, Balazs &
    Søndergaard (2013) in librosa's parametrisation (``beta = momentum /
    (1 + momentum)``). Pass ``beta = 0`` (with any ``previous`` of the right
    shape) for the plain Griffin-Lim step. Only frames
    ``frame_start <= t < frame_stop`` are written.
    """
    cdef Py_ssize_t n_channels = magnitude.shape[0]
    cdef Py_ssize_t n_bins = magnitude.shape[2]
    cdef Py_ssize_t c, t
    if frame_stop <= frame_start:
        return
    with nogil:
        for c in range(n_channels):
            for t in range(frame_start, frame_stop):
                update_row(&rebuilt[c, t, 0], &previous[c, t, 0], <floating>beta,
                           &magnitude[c, t, 0], <floating>eps, &out[c, t, 0], n_bins)


cdef inline void update_row(const floating* rebuilt, const floating* previous, floating beta,
                            const floating* magnitude, floating eps, floating* out,
                            Py_ssize_t n_bins) noexcept nogil:
    cdef Py_ssize_t b
    cdef floating re, im, scale
    for b in range(n_bins):
        re = rebuilt[2 * b] - beta * previous[2 * b]
        im = rebuilt[2 * b + 1] - beta * previous[2 * b + 1]
        if floating is float:
            scale = magnitude[b] / (sqrtf(re * re + im * im) + eps)
        else:
            scale = magnitude[b] / (sqrt(re * re + im * im) + eps)
        out[2 * b] = re * scale
        out[2 * b + 1] = im * scale
