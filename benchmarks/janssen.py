"""The peer of audiogp.gp.inpaint: Janssen, Veldhuis & Vries (1986), written plainly in NumPy.

A. J. E. M. Janssen, R. N. J. Veldhuis and L. B. Vries, "Adaptive
interpolation of discrete-time signals that can be modeled as autoregressive
processes", IEEE Trans. ASSP 34(2), 317-330, 1986. For a burst of ``m``
missing samples in a segment of ``N`` samples around it, starting with the
missing samples at zero, repeat:

1. estimate the AR(p) coefficients of the segment by the autocorrelation
   method (the biased autocorrelation of the whole segment, missing samples
   at their current estimates; the Yule-Walker equations);
2. choose the missing samples that minimise the sum of squared prediction
   errors ``sum_t (sum_k a_k x[t-k])²`` over the segment's rows
   ``t = p .. N-1`` (the covariance method): linear least squares, whose
   normal equations for a burst at least ``p`` samples from both ends of the
   segment are Toeplitz.

The paper's choices: order ``p = 3m + 2``; here the segment is the gap with
``N = 3p`` samples around it (so ``p`` is a third of the segment, the bound
the Audio Inpainting toolbox also puts on it), clipped at the ends of the
signal. Both Toeplitz systems are solved by SciPy's Levinson solver; the
non-Toeplitz normal equations of a gap near the end of a segment by a dense
solve. Nothing here is shared with audiogp.

``python benchmarks/janssen.py`` checks the implementation on its own: a
sum of two sinusoids (exactly AR(4)) is recovered to better than 40 dB,
and the least-squares step agrees with a dense least-squares solve.
"""

import numpy as np
import scipy.linalg


def janssen_inpaint(y, gaps, *, n_iter=3, order=None, segment=None):
    """Fill each ``(start, stop)`` gap of ``y`` by Janssen et al.'s iterative AR interpolation.

    ``order`` defaults to ``3 m + 2`` and ``segment`` (the samples around a
    gap used, gap included) to ``3 * order`` for a gap of ``m`` samples.
    Gaps are filled one after the other, each from the original signal (a
    gap's segment should not hold another gap).
    """
    y = np.asarray(y, dtype=np.float64)
    out = y.copy()
    for start, stop in gaps:
        out[start:stop] = _fill_gap(y, int(start), int(stop), n_iter, order, segment)
    return out


def _fill_gap(y, start, stop, n_iter, order, segment):
    m = stop - start
    p = 3 * m + 2 if order is None else order
    n_segment = 3 * p if segment is None else segment
    side = max(0, (n_segment - m) // 2)
    lo, hi = max(0, start - side), min(len(y), stop + side)
    x = y[lo:hi].copy()
    gap = slice(start - lo, stop - lo)
    x[gap] = 0.0
    p = min(p, (hi - lo) // 3)
    for _ in range(n_iter):
        r = _autocorrelation(x, p)
        if r[0] <= 0:  # a silent segment: the fill is silence
            return np.zeros(m)
        a = scipy.linalg.solve_toeplitz(r[:p], r[1:p + 1])
        x[gap] = _least_squares(x, gap, np.concatenate([[1.0], -a]))
    return x[gap]


def _autocorrelation(x, p):
    """Biased autocorrelation ``r[k] = sum_t x[t] x[t+k] / N``, ``k = 0..p``."""
    n = len(x)
    n_fft = 1 << int(np.ceil(np.log2(2 * n)))
    spectrum = np.fft.rfft(x, n_fft)
    return np.fft.irfft(np.abs(spectrum) ** 2, n_fft)[:p + 1] / n


def _least_squares(x, gap, a):
    """The missing samples minimising ``sum_{t=p}^{N-1} (sum_k a[k] x[t-k])²``."""
    p = len(a) - 1
    n = len(x)
    known = x.copy()
    known[gap] = 0.0
    e = np.convolve(known, a, mode="valid")          # prediction errors, rows t = p .. N-1
    columns = np.arange(gap.start, gap.stop)
    rhs = np.convolve(e, a[::-1])[columns]           # A_u^T e
    b = np.correlate(a, a, mode="full")[p:]          # autocorrelation of the filter
    m = len(columns)
    if gap.start >= p and n - gap.stop >= p:         # a burst inside: Toeplitz normal equations
        first = np.zeros(m)
        first[:min(m, p + 1)] = b[:min(m, p + 1)]
        return scipy.linalg.solve_toeplitz(first, -rhs)
    # Near an end of the segment only the rows t = p .. N-1 exist: form A_u and solve.
    rows = np.arange(p, n)[:, None] - columns[None, :]
    A = np.where((rows >= 0) & (rows <= p), a[np.clip(rows, 0, p)], 0.0)
    return np.linalg.solve(A.T @ A, -rhs)


def _check():
    rng = np.random.default_rng(1)
    sr = 8000
    t = np.arange(4000) / sr
    y = np.sin(2 * np.pi * 310 * t + 0.3) + 0.6 * np.sin(2 * np.pi * 1220 * t + 2.0)
    gaps = [(1000, 1040), (2500, 2580)]
    filled = janssen_inpaint(y, gaps, n_iter=5)
    for start, stop in gaps:
        error = filled[start:stop] - y[start:stop]
        snr = 10 * np.log10(np.sum(y[start:stop] ** 2) / np.sum(error ** 2))
        # The autocorrelation method's bias keeps it from exact recovery, but not by much.
        assert snr > 40, f"a sum of two sinusoids is not recovered: SNR {snr:.1f} dB"
    # The least-squares step against a dense least-squares solve, gap near the segment's end.
    x = rng.standard_normal(300)
    a = np.array([1.0, -0.5, 0.2, 0.1])
    gap = slice(280, 295)
    x[gap] = 0.0
    ours = _least_squares(x, gap, a)
    A = scipy.linalg.convolution_matrix(a, 300, mode="valid")  # rows t = p .. N-1
    known = x.copy()
    dense = np.linalg.lstsq(A[:, gap], -(A @ known), rcond=None)[0]
    assert np.allclose(ours, dense, atol=1e-10), "least-squares step disagrees with lstsq"
    print("janssen.py: sum of sinusoids recovered (> 40 dB); least-squares step agrees with numpy.linalg.lstsq")


if __name__ == "__main__":
    _check()
