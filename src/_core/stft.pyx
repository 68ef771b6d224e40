"""STFT kernels: framing with windowing, windowed overlap-add, envelopes.

These are the inner loops of :func:`audiogp.dsp.stft` and
:func:`audiogp.dsp.istft`. They do no validation: the Python layer checks
shapes, dtypes and values first. Every kernel works on a block of frames or
a range of output samples of one channel and runs without the GIL, so the
caller can process a long signal block by block (keeping the working set in
cache) and split it over several threads.

Signals are 1-D contiguous rows; a block of frames is a 2-D C-contiguous
``(n_block, n_fft)`` array.
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


cdef inline Py_ssize_t floor_div(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """``a // b`` rounded towards minus infinity for ``b > 0`` (C division truncates)."""
    if a >= 0:
        return a // b
    return -((-a + b - 1) // b)


cdef void fill_frames(const floating[::1] y, const floating[::1] window,
                      Py_ssize_t hop, Py_ssize_t offset, bint reflect,
                      Py_ssize_t tail_frame, Py_ssize_t tail_origin,
                      Py_ssize_t first_frame, floating[:, ::1] frames) noexcept nogil:
    cdef Py_ssize_t n = y.shape[0]
    cdef Py_ssize_t n_fft = window.shape[0]
    cdef Py_ssize_t i, j, k, begin, idx
    cdef floating value
    cdef floating *dst
    cdef const floating *src
    cdef const floating *win = &window[0]
    for i in range(frames.shape[0]):
        j = first_frame + i
        begin = j * hop + offset
        dst = &frames[i, 0]
        if begin >= 0 and begin + n_fft <= n:
            # Interior frame: one contiguous, vectorisable product.
            src = &y[begin]
            for k in range(n_fft):
                dst[k] = win[k] * src[k]
            continue
        for k in range(n_fft):
            idx = begin + k
            if 0 <= idx < n:
                value = y[idx]
            elif not reflect:
                value = 0
            elif idx >= n and j >= tail_frame:
                value = y[tail_origin + reflect_index(idx - tail_origin, n - tail_origin)]
            else:
                value = y[reflect_index(idx, n)]
            dst[k] = win[k] * value


def frame_block(const floating[::1] y, const floating[::1] window,
                Py_ssize_t hop, Py_ssize_t offset, bint reflect,
                Py_ssize_t tail_frame, Py_ssize_t tail_origin,
                Py_ssize_t first_frame, floating[:, ::1] frames):
    """Fill ``frames[i, k] = window[k] * y_ext[(first_frame + i)*hop + offset + k]``.

    ``y_ext`` is ``y`` extended outside ``[0, n)`` with zeros, or by
    reflection when ``reflect`` is true; the padding is never materialised.
    Frames ``j >= tail_frame`` reflect their right end within
    ``y[tail_origin:]`` only (the segment librosa pads for its tail frames);
    pass ``tail_frame`` beyond the last frame to reflect within all of ``y``.
    """
    if frames.shape[0] == 0:
        return
    with nogil:
        fill_frames(y, window, hop, offset, reflect, tail_frame, tail_origin, first_frame, frames)


def overlap_add_block(const floating[:, ::1] frames, const floating[::1] window,
                      Py_ssize_t hop, Py_ssize_t start, Py_ssize_t first_frame,
                      floating[::1] out, Py_ssize_t t_start, Py_ssize_t t_stop,
                      Py_ssize_t written, Py_ssize_t done, Py_ssize_t complete,
                      const floating[::1] inverse_envelope, Py_ssize_t head_len,
                      Py_ssize_t tail_start):
    """Overlap-add a block of frames into ``out[t_start:t_stop]`` and normalise what it completed.

    Frame ``j = first_frame + i`` adds ``window * frames[i]`` onto
    ``out[j*hop - start + k]``; the part outside ``[t_start, t_stop)`` is
    dropped. Blocks must come in increasing frame order: samples before
    ``written`` already hold earlier frames' sum and are added to; samples
    from ``written`` on are assigned (gaps are zeroed), so ``out`` needs no
    zeroing beforehand.

    Then ``out[done:complete]``, whose frames have now all been added (the
    caller knows which), is multiplied by the inverse squared-window
    envelope while it is still in cache; ``[written, complete)`` is zeroed
    first if no frame reached it. ``inverse_envelope`` holds ``head_len``
    values for ``t < head_len``, then one period of ``hop`` values for the
    interior (``t + start`` modulo ``hop``), then the values for
    ``t >= tail_start``.

    Returns
    -------
    (int, bool)
        The new ``written`` and whether ``out[done:complete]`` is all finite
        (a NaN or Inf in a frame reaches every output sample it overlaps).
    """
    cdef Py_ssize_t n_block = frames.shape[0]
    cdef Py_ssize_t n_fft = frames.shape[1]
    cdef Py_ssize_t i, k, base, lo, hi, mid
    cdef floating *dst
    cdef const floating *src
    cdef const floating *win
    cdef floating *o
    cdef int bad = 0
    if t_stop <= t_start:
        return written, True
    o = &out[0]
    with nogil:
        for i in range(n_block):
            base = (first_frame + i) * hop - start
            lo = base if base > t_start else t_start
            hi = base + n_fft if base + n_fft < t_stop else t_stop
            if hi <= lo:
                continue
            if lo > written:
                for k in range(written, lo):
                    o[k] = 0
                written = lo
            mid = hi if hi < written else written
            dst = &out[lo]
            src = &frames[i, lo - base]
            win = &window[lo - base]
            for k in range(mid - lo):
                dst[k] = dst[k] + win[k] * src[k]
            for k in range(mid - lo, hi - lo):
                dst[k] = win[k] * src[k]
            if hi > written:
                written = hi
        if complete > written:
            for k in range(written, complete):
                o[k] = 0
            written = complete
        if complete > done:
            bad = scale_range(o, done, complete, &inverse_envelope[0], head_len, hop,
                              tail_start, start)
    return written, bad == 0


cdef int scale_range(floating *out, Py_ssize_t t_start, Py_ssize_t t_stop,
                     const floating *factors, Py_ssize_t head_len, Py_ssize_t period,
                     Py_ssize_t tail_start, Py_ssize_t phase) noexcept nogil:
    """``out[t] *= factor(t)`` on ``[t_start, t_stop)``, ``factors`` laid out
    as described in :func:`overlap_add_block`: away from the ends of the
    signal every sample sees the same window offsets, so one period serves
    the whole interior. Returns 1 if a result is NaN or Inf, else 0."""
    cdef Py_ssize_t t, k, p, m, stop
    cdef floating value
    cdef int bad = 0
    cdef const floating *pattern = factors + head_len
    cdef Py_ssize_t tail_offset = head_len + period - tail_start
    t = t_start
    stop = head_len if head_len < t_stop else t_stop
    while t < stop:
        out[t] = out[t] * factors[t]
        bad = bad | ((out[t] - out[t]) != 0)
        t = t + 1
    stop = tail_start if tail_start < t_stop else t_stop
    if t < stop:
        p = (t + phase) % period
        while t < stop:
            m = period - p
            if m > stop - t:
                m = stop - t
            for k in range(m):
                # x - x is 0 for finite x and NaN for NaN/Inf: an exact test
                # whose OR-reduction vectorises (a float sum would not).
                value = out[t + k] * pattern[p + k]
                out[t + k] = value
                bad = bad | ((value - value) != 0)
            t = t + m
            p = 0
    while t < t_stop:
        out[t] = out[t] * factors[t + tail_offset]
        bad = bad | ((out[t] - out[t]) != 0)
        t = t + 1
    return bad


def window_sumsquare(const double[::1] window, Py_ssize_t n_frames,
                     Py_ssize_t hop, Py_ssize_t start, Py_ssize_t t_start,
                     double[::1] envelope):
    """Squared-window sum over ``n_frames`` frames, on ``[t_start, t_start + len(envelope))``.

    ``envelope[t - t_start] = sum_j window[t + start - j*hop]**2`` over the
    frames ``0 <= j < n_frames`` that reach sample ``t``.
    """
    cdef Py_ssize_t length = envelope.shape[0]
    cdef Py_ssize_t n_fft = window.shape[0]
    cdef Py_ssize_t t_stop = t_start + length
    cdef Py_ssize_t j, j_first, j_stop, k, base, lo, hi
    if length == 0 or n_frames == 0:
        return
    j_first = floor_div(t_start + start - n_fft, hop) + 1
    if j_first < 0:
        j_first = 0
    j_stop = floor_div(t_stop - 1 + start, hop) + 1
    if j_stop > n_frames:
        j_stop = n_frames
    with nogil:
        for j in range(j_first, j_stop):
            base = j * hop - start
            lo = base if base > t_start else t_start
            hi = base + n_fft if base + n_fft < t_stop else t_stop
            for k in range(lo, hi):
                envelope[k - t_start] += window[k - base] * window[k - base]
