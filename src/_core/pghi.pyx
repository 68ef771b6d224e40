"""Heap integration of the phase gradient (PGHI).

Inner loop of :func:`audiogp.dsp.pghi`: given the log-magnitude of an STFT,
integrate the phase gradient that the magnitude implies, starting from the
largest coefficient and always extending the phase from the largest
coefficient already reached (a max-heap), as in Průša, Balazs & Søndergaard,
"A noniterative method for reconstruction of phase from STFT magnitude",
IEEE/ACM TASLP 25(5), 2017, Algorithm 1.

The phase derivatives are evaluated on the fly from centred differences of
the log-magnitude (continued by reflection across DC and Nyquist, one-sided
at the first and last frames):

- along time (one hop):  ``bin_advance * m + time_scale * dlog/dm``
- along frequency (one bin): ``-freq_scale * dlog/dj``

which is the Gaussian-window relation for a phase referenced to the centre
of each frame. The Python layer converts to librosa's frame-start reference.

No validation here; every kernel runs without the GIL on a range of channels.
"""

from libc.stdlib cimport free, malloc
from libc.math cimport M_PI, cos, floor

cdef enum:
    INSIGNIFICANT = 0
    PENDING = 1
    DONE = 2


cdef struct Entry:
    double key
    Py_ssize_t index


cdef inline bint above(Entry a, Entry b) noexcept nogil:
    """Max-heap order; ties go to the smaller index so the result is deterministic."""
    return a.key > b.key or (a.key == b.key and a.index < b.index)


cdef inline void sift_up(Entry* heap, Py_ssize_t pos) noexcept nogil:
    cdef Entry item = heap[pos]
    cdef Py_ssize_t parent
    while pos > 0:
        parent = (pos - 1) >> 1
        if above(item, heap[parent]):
            heap[pos] = heap[parent]
            pos = parent
        else:
            break
    heap[pos] = item


cdef inline void sift_down(Entry* heap, Py_ssize_t size, Py_ssize_t pos) noexcept nogil:
    cdef Entry item = heap[pos]
    cdef Py_ssize_t child
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        if child + 1 < size and above(heap[child + 1], heap[child]):
            child += 1
        if above(heap[child], item):
            heap[pos] = heap[child]
            pos = child
        else:
            break
    heap[pos] = item


cdef inline Entry pop(Entry* heap, Py_ssize_t size) noexcept nogil:
    """Remove and return the top of a heap of ``size`` entries (``size >= 1``)."""
    cdef Entry top = heap[0]
    if size > 1:
        heap[0] = heap[size - 1]
        sift_down(heap, size - 1, 0)
    return top


cdef inline double dlog_dm(const double* logs, Py_ssize_t m, Py_ssize_t j,
                           Py_ssize_t n_bins, Py_ssize_t n_frames, bint nyquist) noexcept nogil:
    """Derivative of the log-magnitude along frequency, per bin.

    The spectrum of a real signal is conjugate-symmetric, so its magnitude is
    even about DC and about the Nyquist frequency: the centred difference
    continues across both edges by reflection (zero at DC and at Nyquist; at
    the last bin of an odd ``n_fft``, whose mirror image is the next bin, half
    the backward difference).
    """
    if n_bins == 1 or m == 0:
        return 0.0
    if m == n_bins - 1:
        if nyquist:
            return 0.0
        return 0.5 * (logs[m * n_frames + j] - logs[(m - 1) * n_frames + j])
    return 0.5 * (logs[(m + 1) * n_frames + j] - logs[(m - 1) * n_frames + j])


cdef inline double dlog_dj(const double* logs, Py_ssize_t m, Py_ssize_t j,
                           Py_ssize_t n_bins, Py_ssize_t n_frames) noexcept nogil:
    """Derivative of the log-magnitude along time, per frame."""
    cdef Py_ssize_t row = m * n_frames
    if n_frames == 1:
        return 0.0
    if j == 0:
        return logs[row + 1] - logs[row]
    if j == n_frames - 1:
        return logs[row + j] - logs[row + j - 1]
    return 0.5 * (logs[row + j + 1] - logs[row + j - 1])


cdef inline bint is_local_max(const double* logs, Py_ssize_t m, Py_ssize_t j,
                              Py_ssize_t n_bins, Py_ssize_t n_frames) noexcept nogil:
    """Whether ``logs[m, j]`` is >= its four neighbours."""
    cdef Py_ssize_t i = m * n_frames + j
    cdef double value = logs[i]
    if m > 0 and logs[i - n_frames] > value:
        return False
    if m < n_bins - 1 and logs[i + n_frames] > value:
        return False
    if j > 0 and logs[i - 1] > value:
        return False
    if j < n_frames - 1 and logs[i + 1] > value:
        return False
    return True


cdef int integrate_channel(const double* logs, double floor_log, double bin_advance,
                           double time_scale, double freq_scale, double* phase,
                           Py_ssize_t n_bins, Py_ssize_t n_frames, bint nyquist) noexcept nogil:
    """Integrate one channel; returns -1 if memory ran out, else 0."""
    cdef Py_ssize_t n = n_bins * n_frames
    cdef Py_ssize_t i, k, cur, nxt, m, j, size, seeds, remaining
    cdef Py_ssize_t dm, dj
    cdef double grad_here, grad_next
    cdef char* state = <char*> malloc(n * sizeof(char))
    cdef Entry* heap = <Entry*> malloc(n * sizeof(Entry))
    cdef Entry* seed_heap = <Entry*> malloc(n * sizeof(Entry))
    if state == NULL or heap == NULL or seed_heap == NULL:
        free(state)
        free(heap)
        free(seed_heap)
        return -1

    remaining = 0
    for i in range(n):
        phase[i] = 0.0
        if logs[i] > floor_log:
            state[i] = PENDING
            remaining += 1
        else:
            state[i] = INSIGNIFICANT
    # The integration floods whole connected regions of significant
    # coefficients, so the next seed (the largest coefficient not reached
    # yet) is the maximum of a region: a local maximum. Only those are
    # candidates; heapify them in O(n).
    seeds = 0
    for m in range(n_bins):
        for j in range(n_frames):
            i = m * n_frames + j
            if state[i] == PENDING and is_local_max(logs, m, j, n_bins, n_frames):
                seed_heap[seeds].key = logs[i]
                seed_heap[seeds].index = i
                seeds += 1
    k = seeds // 2 - 1
    while k >= 0:
        sift_down(seed_heap, seeds, k)
        k -= 1

    size = 0
    while remaining > 0 and seeds > 0:
        # Next seed: the largest coefficient the integration has not reached.
        cur = pop(seed_heap, seeds).index
        seeds -= 1
        if state[cur] != PENDING:
            continue
        state[cur] = DONE
        remaining -= 1
        heap[0].key = logs[cur]
        heap[0].index = cur
        size = 1
        while size > 0:
            cur = pop(heap, size).index
            size -= 1
            m = cur // n_frames
            j = cur - m * n_frames
            for k in range(4):
                if k == 0:
                    dm, dj = 0, 1
                elif k == 1:
                    dm, dj = 0, -1
                elif k == 2:
                    dm, dj = 1, 0
                else:
                    dm, dj = -1, 0
                if m + dm < 0 or m + dm >= n_bins or j + dj < 0 or j + dj >= n_frames:
                    continue
                nxt = cur + dm * n_frames + dj
                if state[nxt] != PENDING:
                    continue
                if dm == 0:
                    # trapezoidal rule along time
                    grad_here = bin_advance * m + time_scale * dlog_dm(logs, m, j, n_bins, n_frames, nyquist)
                    grad_next = bin_advance * m + time_scale * dlog_dm(logs, m, j + dj, n_bins, n_frames, nyquist)
                    phase[nxt] = phase[cur] + dj * 0.5 * (grad_here + grad_next)
                else:
                    # trapezoidal rule along frequency
                    grad_here = -freq_scale * dlog_dj(logs, m, j, n_bins, n_frames)
                    grad_next = -freq_scale * dlog_dj(logs, m + dm, j, n_bins, n_frames)
                    phase[nxt] = phase[cur] + dm * 0.5 * (grad_here + grad_next)
                state[nxt] = DONE
                remaining -= 1
                heap[size].key = logs[nxt]
                heap[size].index = nxt
                sift_up(heap, size)
                size += 1

    # Librosa's frames are referenced to their first sample, n_fft / 2 before
    # the centre: bin m picks up -pi * m. Wrap to [-pi, pi).
    for i in range(n):
        if state[i] == INSIGNIFICANT:
            phase[i] = 0.0
            continue
        m = i // n_frames
        phase[i] = phase[i] - M_PI * m + M_PI
        phase[i] = phase[i] - 2.0 * M_PI * floor(phase[i] / (2.0 * M_PI)) - M_PI
        # The DC coefficient of a real frame is real, and so is the Nyquist
        # one: keep the nearer of 0 and pi (the inverse FFT would otherwise
        # drop the imaginary part, and with it part of the magnitude).
        if m == 0 or (nyquist and m == n_bins - 1):
            phase[i] = 0.0 if cos(phase[i]) >= 0.0 else -M_PI

    free(state)
    free(heap)
    free(seed_heap)
    return 0


def integrate(const double[:, :, ::1] logs, const double[::1] floor_log,
              double bin_advance, double time_scale, double freq_scale,
              double[:, :, ::1] phase, Py_ssize_t c_start, Py_ssize_t c_stop, bint nyquist):
    """Fill ``phase[c]`` for channels ``c_start <= c < c_stop``.

    ``nyquist`` says whether the last bin is the Nyquist frequency (even ``n_fft``).

    ``logs[c]`` is the natural log of the magnitude, shape (n_bins, n_frames);
    coefficients with ``logs <= floor_log[c]`` are left out of the integration
    and get phase 0. Raises ``MemoryError`` if the heaps cannot be allocated.
    """
    cdef Py_ssize_t n_bins = logs.shape[1]
    cdef Py_ssize_t n_frames = logs.shape[2]
    cdef Py_ssize_t c
    cdef int status = 0
    if n_bins == 0 or n_frames == 0:
        return
    with nogil:
        for c in range(c_start, c_stop):
            status = integrate_channel(&logs[c, 0, 0], floor_log[c], bin_advance,
                                       time_scale, freq_scale, &phase[c, 0, 0],
                                       n_bins, n_frames, nyquist)
            if status != 0:
                break
    if status != 0:
        raise MemoryError("pghi: cannot allocate the integration heaps")
