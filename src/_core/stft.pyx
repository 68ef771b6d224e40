"""STFT kernels: framing with windowing, and windowed overlap-add.

These are the inner loops of :func:`audiogp.dsp.stft` and
:func:`audiogp.dsp.istft`. They do no validation: the Python layer checks
shapes, dtypes and values first. Every kernel works on a range of frames or
output samples and runs without the GIL, so the caller can split one call
over several threads.

Signals are 2-D ``(n_channels, n_samples)`` C-contiguous arrays; frames are
3-D ``(n_channels, n_frames, n_fft)``.
"""

from cython cimport floating


cdef inline Py_ssize_t reflect_index(Py_ssize_t i, Py_ssize_t n) noexcept nogil:
    """Map index ``i`` into ``[0, n)`` as NumPy's ``reflect`` padding does
    (mirror about the end samples without repeating them), for any distance."""
    cdef Py_ssize_t period
    if n == 1:
        return 0
    period = 2 * (n - 1)
    i = i % period
    if i < 0:
        i = i + period
    if i >= n:
        i = period - i
    return i


def frame_window(const floating[:, ::1] y, const floating[::1] window,
                 Py_ssize_t hop, Py_ssize_t offset, bint reflect,
                 floating[:, :, ::1] frames,
                 Py_ssize_t frame_start, Py_ssize_t frame_stop):
    """Fill ``frames[c, j, k] = window[k] * y_padded[c, j*hop + offset + k]``.

    ``y_padded`` is ``y`` extended outside ``[0, n)`` with zeros, or by
    reflection when ``reflect`` is true; the padding is never materialised.
    Only frames ``frame_start <= j < frame_stop`` are written.
    """
    cdef Py_ssize_t n_channels = y.shape[0]
    cdef Py_ssize_t n = y.shape[1]
    cdef Py_ssize_t n_fft = window.shape[0]
    cdef Py_ssize_t c, j, k, start, idx
    cdef floating value
    with nogil:
        for c in range(n_channels):
            for j in range(frame_start, frame_stop):
                start = j * hop + offset
                if start >= 0 and start + n_fft <= n:
                    for k in range(n_fft):
                        frames[c, j, k] = window[k] * y[c, start + k]
                else:
                    for k in range(n_fft):
                        idx = start + k
                        if 0 <= idx < n:
                            value = y[c, idx]
                        elif reflect:
                            value = y[c, reflect_index(idx, n)]
                        else:
                            value = 0
                        frames[c, j, k] = window[k] * value


def overlap_add(const floating[:, :, ::1] frames, const floating[::1] window,
                Py_ssize_t hop, Py_ssize_t start,
                floating[:, ::1] out, Py_ssize_t t_start, Py_ssize_t t_stop):
    """Overlap-add windowed frames into ``out[:, t_start:t_stop]``.

    Frame ``j`` covers samples ``j*hop - start + k`` of ``out``:
    ``out[c, t] = sum_j window[t + start - j*hop] * frames[c, j, t + start - j*hop]``.
    ``out`` must be zero on entry in the written range. Disjoint
    ``[t_start, t_stop)`` ranges may be filled concurrently.
    """
    cdef Py_ssize_t n_channels = frames.shape[0]
    cdef Py_ssize_t n_frames = frames.shape[1]
    cdef Py_ssize_t n_fft = frames.shape[2]
    cdef Py_ssize_t c, j, k, j_first, j_last, k_lo, k_hi, base
    if t_stop <= t_start or n_frames == 0:
        return
    # Frames touching [t_start, t_stop): j*hop - start < t_stop and
    # j*hop - start + n_fft > t_start.
    j_first = (t_start + start - n_fft) // hop + 1
    if j_first < 0:
        j_first = 0
    j_last = (t_stop + start - 1) // hop
    if j_last > n_frames - 1:
        j_last = n_frames - 1
    with nogil:
        for c in range(n_channels):
            for j in range(j_first, j_last + 1):
                base = j * hop - start
                k_lo = t_start - base
                if k_lo < 0:
                    k_lo = 0
                k_hi = t_stop - base
                if k_hi > n_fft:
                    k_hi = n_fft
                for k in range(k_lo, k_hi):
                    out[c, base + k] += window[k] * frames[c, j, k]


def window_sumsquare(const floating[::1] window, Py_ssize_t n_frames,
                     Py_ssize_t hop, Py_ssize_t start, floating[::1] envelope):
    """Sum of squared windows over ``n_frames`` frames, as seen by ``overlap_add``.

    ``envelope[t] = sum_j window[t + start - j*hop]**2``; ``envelope`` must be
    zero on entry.
    """
    cdef Py_ssize_t length = envelope.shape[0]
    cdef Py_ssize_t n_fft = window.shape[0]
    cdef Py_ssize_t j, k, t
    with nogil:
        for j in range(n_frames):
            for k in range(n_fft):
                t = j * hop - start + k
                if t < 0:
                    continue
                if t >= length:
                    break
                envelope[t] += window[k] * window[k]


def divide_by_envelope(floating[:, ::1] out, const floating[::1] envelope,
                       double tiny):
    """``out[c, t] /= envelope[t]`` wherever ``envelope[t] > tiny``."""
    cdef Py_ssize_t n_channels = out.shape[0]
    cdef Py_ssize_t length = out.shape[1]
    cdef Py_ssize_t c, t
    with nogil:
        for c in range(n_channels):
            for t in range(length):
                if envelope[t] > tiny:
                    out[c, t] = out[c, t] / envelope[t]
