"""Viterbi decoding of the pitch HMM of pYIN (Mauch & Dixon, ICASSP 2014, section 2.2).

The inner loop of :func:`audiogp.dsp.pitch_track`. States are ``n_bins``
pitch bins, each voiced or unvoiced. From frame to frame the bin moves by
``k`` in ``-J..J`` with log-weight ``log_w[k + J]`` (in both voicing states;
moves off the grid are impossible), and the voicing stays (``log_stay``) or
switches (``log_switch``). Voiced state ``b`` of frame ``t`` emits with
log-probability ``log_v[t, b]``, every unvoiced state with ``log_u[t]``.

No validation happens here: the Python layer checks shapes and values.
Runs without the GIL.
"""

from libc.math cimport INFINITY
from libc.stdlib cimport free, malloc


def decode(const double[:, ::1] log_v, const double[::1] log_u, const double[::1] log_w,
           double log_stay, double log_switch, double log_start,
           Py_ssize_t[::1] path_bins, unsigned char[::1] path_voiced,
           int[:, :, ::1] back_bin, unsigned char[:, :, ::1] back_voiced):
    """Most likely state path; writes ``path_bins[t]`` and ``path_voiced[t]`` (1 = voiced).

    ``back_bin`` and ``back_voiced`` (shape ``(n_frames, 2, n_bins)``) are
    scratch for the back-pointers (layer 0: into a voiced state, 1: into an
    unvoiced one). ``log_start`` is the log-probability of each of the
    ``2 n_bins`` states at the first frame.
    """
    cdef Py_ssize_t n_frames = log_v.shape[0], n_bins = log_v.shape[1]
    cdef Py_ssize_t J = (log_w.shape[0] - 1) // 2
    cdef Py_ssize_t t, b, k, src, layer, best_src
    cdef double from_v, from_u, value, best
    cdef double* score = <double*> malloc(4 * n_bins * sizeof(double))
    cdef double* merged = <double*> malloc(n_bins * sizeof(double))
    cdef unsigned char* merged_v = <unsigned char*> malloc(n_bins)
    if score == NULL or merged == NULL or merged_v == NULL:
        free(score)
        free(merged)
        free(merged_v)
        raise MemoryError()
    cdef double* sv = score
    cdef double* su = score + n_bins
    cdef double* nv = score + 2 * n_bins
    cdef double* nu = score + 3 * n_bins
    cdef double* swap
    cdef double into, stay_or_switch_v, stay_or_switch_u, obs
    with nogil:
        for b in range(n_bins):
            sv[b] = log_start + log_v[0, b]
            su[b] = log_start + log_u[0]
        for t in range(1, n_frames):
            for layer in range(2):
                # From each bin, the better of its voiced and unvoiced state into this layer.
                stay_or_switch_v = log_stay if layer == 0 else log_switch
                stay_or_switch_u = log_switch if layer == 0 else log_stay
                for b in range(n_bins):
                    from_v = sv[b] + stay_or_switch_v
                    from_u = su[b] + stay_or_switch_u
                    if from_v >= from_u:
                        merged[b] = from_v
                        merged_v[b] = 1
                    else:
                        merged[b] = from_u
                        merged_v[b] = 0
                for b in range(n_bins):
                    best = -INFINITY
                    best_src = b
                    for src in range(b - J if b >= J else 0,
                                     b + J + 1 if b + J < n_bins else n_bins):
                        value = merged[src] + log_w[src - b + J]
                        if value > best:
                            best = value
                            best_src = src
                    obs = log_v[t, b] if layer == 0 else log_u[t]
                    if layer == 0:
                        nv[b] = best + obs
                    else:
                        nu[b] = best + obs
                    back_bin[t, layer, b] = <int> best_src
                    back_voiced[t, layer, b] = merged_v[best_src]
            swap = sv
            sv = nv
            nv = swap
            swap = su
            su = nu
            nu = swap
        best = -INFINITY
        best_src = 0
        layer = 0
        for b in range(n_bins):
            if sv[b] > best:
                best = sv[b]
                best_src = b
                layer = 0
        for b in range(n_bins):
            if su[b] > best:
                best = su[b]
                best_src = b
                layer = 1
        b = best_src
        for t in range(n_frames - 1, -1, -1):
            path_bins[t] = b
            path_voiced[t] = 1 if layer == 0 else 0
            if t > 0:
                src = back_bin[t, layer, b]
                layer = 0 if back_voiced[t, layer, b] else 1
                b = src
    free(score)
    free(merged)
    free(merged_v)
