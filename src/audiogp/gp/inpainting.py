"""Filling gaps in audio: the conditional mean (or a draw) of a stationary model of each gap's context.

Missing samples -- clicks cut out, dropouts, lost packets -- are restored
under a zero-mean stationary Gaussian process fitted to the signal around
each gap. The process is autoregressive of order ``p`` (the maximum-entropy
extension of its first ``p`` autocovariances), which makes both steps cheap
and exact:

1. **Model.** The autocovariance of a segment around the gap (its known
   samples and the current estimate of the missing ones), weighted by a
   Hann window centred on the gap, times a Gaussian lag window, gives the
   AR(p) predictor by the Levinson-Durbin recursion
   (:func:`audiogp.linalg.levinson_durbin`).
2. **Conditional mean.** For an AR(p) process and a gap with ``p`` known
   samples on each side, the conditional mean of the gap minimises the
   sum of squared prediction errors over the rows that touch it (the Markov
   property makes the rest of the signal irrelevant). Its normal equations
   ``B x = -A_u' A_k y_k`` have a symmetric positive-definite Toeplitz
   matrix ``B[i, j] = sum_k a_k a_{k+|i-j|}``, solved by Levinson's
   recursion (:func:`audiogp.linalg.solve_toeplitz`); the conditional
   covariance is ``sigma² B^-1``, so an exact draw is the same solve with
   white noise added to the right-hand side.

Steps 1 and 2 repeat ``n_iter`` times, each model fitted with the gap
filled by the last estimate (Janssen, Veldhuis & Vries 1986).
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import NotPositiveDefiniteError, ParameterError
from audiogp.gp.gaps import UNITS, gap_ranges

MODES = ("mean", "draw")

# Default context per side: four gap lengths, at least this many seconds.
_MIN_CONTEXT_S = 0.050
# Default AR order: three gap lengths plus two (Janssen et al.), at least this many seconds.
_MIN_ORDER_S = 0.025
# An AR order never exceeds this fraction of its segment (autocovariance
# estimates of higher lags rest on too few products).
_MAX_ORDER_FRACTION = 1.0 / 3.0
# Relative diagonal loading of every fitted autocovariance, and the most the
# loading grows to (tenfold per attempt) when a model is numerically singular.
_LOADING = 1e-9
_MAX_LOADING = 1e-3
# Above this many missing samples in one problem, its normal equations are
# solved by conjugate gradients instead of a dense Cholesky factorisation.
_MAX_DENSE = 3000


def inpaint(y, sr, gaps=None, *, units="samples", mode="mean", seed=None, context_ms=None,
            order=None, bandwidth=10.0, n_iter=3, return_models=False):
    """Fill gaps in a signal from a stationary model of the audio around each gap.

    Parameters
    ----------
    y : array_like, shape (..., n_samples)
        The signal; leading axes are channels, each filled on its own.
        Values inside the gaps are ignored (they may be NaN); outside them
        every sample must be finite.
    sr : float
        Sample rate in Hz.
    gaps : mask, sequence of (start, stop), or None
        Where samples are missing: a boolean mask of shape ``(n_samples,)``
        (True = missing), or half-open ranges ``start <= t < stop`` in
        ``units``; overlapping and touching gaps are merged (see
        :func:`audiogp.gp.gap_ranges`). The same gaps apply to every channel.
        None (the default): the NaN samples of each channel are its gaps.
    units : {"samples", "seconds"}
        Unit of the ``(start, stop)`` pairs.
    mode : {"mean", "draw"}
        ``"mean"``: the conditional mean (the minimum mean-square-error
        estimate under the model), which fades towards zero in the middle of
        gaps much longer than the signal stays predictable. ``"draw"``: one
        sample from the conditional distribution, with the model's own
        texture throughout (seeded by ``seed``).
    seed : None, int or numpy.random.Generator
        Randomness of ``mode="draw"``; the same seed gives the same samples.
    context_ms : float, optional
        Known signal used on each side of a gap to fit its model, in ms
        (default: four times the gap, at least 50 ms). It stops at the ends
        of the signal; gaps whose contexts overlap are solved together, as
        one problem with one model.
    order : int, optional
        AR order ``p`` of the models (default: ``3 * gap + 2`` samples, at
        least 25 ms), capped at a third of the problem's segment and at its
        longer one-sided context.
    bandwidth : float
        Width in Hz of the Gaussian lag window ``exp(-(2 pi bandwidth
        k / sr)² / 2)`` applied to the autocovariance (lag ``k``): every
        spectral line of the model is widened by about this much, which
        keeps the estimate from ringing on with confidence through changes
        of pitch or timbre. 0 turns it off.
    n_iter : int
        Model fits per problem; each after the first sees the gap filled by
        the previous estimate.
    return_models : bool
        Also return, for each channel, the list of problems solved (see
        Returns).

    Returns
    -------
    numpy.ndarray
        ``y`` with every gap filled, same shape; float32 for float32 input,
        else float64. Samples outside the gaps are returned unchanged.
    models : list of list of dict
        Only with ``return_models=True``: per channel, one dict per problem
        with ``start``, ``stop`` (the segment), ``gaps`` (its gaps, absolute
        sample ranges), ``ar`` (the last model's prediction-error filter
        ``[1, -a_1, ..., -a_p]``), ``noise_variance`` (its innovation
        variance) and ``reversed`` (whether it was solved in reversed time).

    Raises
    ------
    ParameterError
        For an empty signal, a gap outside it, NaN or Inf outside the gaps,
        a signal with no known sample, or parameters out of range.

    Notes
    -----
    *Edges.* A gap whose left context is shorter than the model order is
    solved in reversed time (a stationary Gaussian process and its time
    reverse have the same law), so a gap at the start of the file is the
    backward extrapolation of what follows it and a gap at the end the
    forward extrapolation of what precedes it: conditional means given one
    side, which decay to zero. A short context on the far side is used as
    far as it goes (the normal equations then lose their Toeplitz form and
    are solved densely). A gap with no known sample near it on either side
    is filled with zeros, the process mean.

    *Long gaps.* A gap longer than its context is still defined: the model
    is fitted to what there is (and, after the first pass, to its own
    estimate), and the conditional mean decays towards zero in the middle
    of the gap, as the least-squares estimate of an unpredictable stretch
    should; ``mode="draw"`` keeps the texture instead.

    *The model.* Autocovariance lag windowing widens the spectral lines of
    a linear-prediction model (as speech codecs do, e.g. ITU-T G.729 sec.
    3.2.1); in Gaussian-process terms the covariance is the context's
    empirical autocovariance times a squared-exponential kernel
    (Rasmussen & Williams, *Gaussian Processes for Machine Learning*, 2006,
    sec. 4.2), whose spectrum is the context's smoothed by a Gaussian.
    The conditional mean and covariance are those of Rasmussen & Williams
    eq. 2.19 / A.6, computed through the AR(p) precision structure instead
    of dense covariance matrices.

    References
    ----------
    A. J. E. M. Janssen, R. N. J. Veldhuis and L. B. Vries, "Adaptive
    interpolation of discrete-time signals that can be modeled as
    autoregressive processes", IEEE Trans. ASSP 34(2), 1986 (least-squares
    AR interpolation, iterated with re-estimated models).
    W. Etter, "Restoration of a discrete-time signal segment by
    interpolation based on the left-sided and right-sided autoregressive
    parameters", IEEE Trans. Signal Processing 44(5), 1996 (models of the
    context on both sides of a gap).
    S. J. Godsill and P. J. W. Rayner, *Digital Audio Restoration*,
    Springer 1998, ch. 5 (the LSAR interpolator as a conditional mean, and
    its sampling form).
    """
    y = np.asarray(y)
    values = check.float_array(y, "y", finite=False)
    sr = check.real_number(sr, "sr", exclusive_minimum=0)
    check.choice(units, "units", UNITS)
    check.choice(mode, "mode", MODES)
    context_ms = check.real_number(context_ms, "context_ms", exclusive_minimum=0, allow_none=True)
    order = check.integer(order, "order", minimum=1, allow_none=True)
    bandwidth = check.real_number(bandwidth, "bandwidth", minimum=0)
    n_iter = check.integer(n_iter, "n_iter", minimum=1)
    rng = np.random.default_rng(seed) if mode == "draw" else None

    n = values.shape[-1]
    channels = values.reshape(-1, n).astype(np.float64)
    if gaps is None:
        channel_ranges = [_nan_ranges(channel) for channel in channels]
    else:
        shared = gap_ranges(gaps, n, sr=sr, units=units)
        channel_ranges = [shared] * len(channels)
    for index, (channel, ranges) in enumerate(zip(channels, channel_ranges)):
        _check_known_finite(channel, ranges, index, values.shape)

    settings = _Settings(sr, context_ms, order, bandwidth, n_iter, mode, rng)
    problems = [p for c, ranges in enumerate(channel_ranges)
                for p in _plan(channels[c], c, ranges, settings)]
    _solve_all(problems, settings)

    out = channels.copy()
    for problem in problems:
        problem.write(out[problem.channel])
    # float32 -> float64 -> float32 is exact: the known samples come back bit for bit.
    result = out.reshape(values.shape).astype(values.dtype, copy=False)
    if not return_models:
        return result
    models = [[] for _ in channels]
    for problem in problems:
        models[problem.channel].append(problem.summary())
    return result, models


def ar_interpolate(y, gaps, ar, *, noise_variance=1.0, units="samples", sr=None, mode="mean",
                   seed=None):
    """Conditional mean (or a draw) of the gaps of a signal under a given AR model.

    The least-squares autoregressive interpolator (Janssen et al. 1986) with
    a known model: for the stationary Gaussian AR(p) process
    ``x[t] = a_1 x[t-1] + ... + a_p x[t-p] + e[t]``, ``e ~ N(0, noise_variance)``,
    the conditional distribution of the missing samples given all the known
    ones. Exact (equal to the dense Gaussian-process formulas) when the
    signal has ``p`` known samples before its first gap or after its last.

    Parameters
    ----------
    y : array_like, shape (n_samples,)
        The signal; values inside the gaps are ignored.
    gaps : mask or sequence of (start, stop)
        As for :func:`inpaint` (in ``units``; ``sr`` for seconds).
    ar : array_like, shape (p + 1,)
        The prediction-error filter ``[1, -a_1, ..., -a_p]`` (``ar[0]`` must
        be 1), e.g. ``np.concatenate([[1], -levinson_durbin(r).ar])``.
    noise_variance : float
        Innovation variance; only ``mode="draw"`` uses it.
    mode : {"mean", "draw"}
    seed : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape (n_samples,), float64
        ``y`` with the gaps filled.

    Raises
    ------
    ParameterError
        If ``ar[0] != 1``, the signal lacks ``p`` known samples at both
        ends, or for bad gaps or values.
    """
    values = check.float_array(y, "y", finite=False)
    if values.ndim != 1:
        raise ParameterError(f"y must be one channel (1-D), got shape {values.shape}")
    ar = check.float_array(ar, "ar")
    if ar.ndim != 1 or ar[0] != 1.0:
        raise ParameterError("ar must be a prediction-error filter [1, -a_1, ..., -a_p] (1-D, "
                             f"first coefficient 1), got {ar[:3]!r}...")
    check.choice(mode, "mode", MODES)
    noise_variance = check.real_number(noise_variance, "noise_variance", minimum=0)
    rng = np.random.default_rng(seed) if mode == "draw" else None
    n = values.shape[0]
    ranges = gap_ranges(gaps, n, sr=sr, units=units)
    _check_known_finite(values.astype(np.float64), ranges, 0, values.shape)
    x = values.astype(np.float64).copy()
    if len(ranges) == 0:
        return x
    p = len(ar) - 1
    flipped = ranges[0, 0] < p
    if flipped:
        if n - ranges[-1, 1] < p:
            raise ParameterError(
                f"an AR({p}) interpolation needs {p} known samples before the first gap or after "
                f"the last, but the gaps start at {ranges[0, 0]} and end at {ranges[-1, 1]} of {n}"
            )
        x = x[::-1].copy()
        ranges = (n - ranges[::-1, ::-1])
    mask = np.zeros(n, dtype=bool)
    for start, stop in ranges:
        mask[start:stop] = True
    x[mask] = 0.0
    x[mask] = _solve_general(x, mask, ar.astype(np.float64), noise_variance, rng)
    return x[::-1].copy() if flipped else x


class _Settings:
    def __init__(self, sr, context_ms, order, bandwidth, n_iter, mode, rng):
        self.sr, self.context_ms, self.order = sr, context_ms, order
        self.bandwidth, self.n_iter, self.mode, self.rng = bandwidth, n_iter, mode, rng

    def context(self, gap_length):
        if self.context_ms is not None:
            return max(1, int(round(self.context_ms * self.sr / 1000)))
        return max(4 * gap_length, int(round(_MIN_CONTEXT_S * self.sr)))

    def target_order(self, longest_gap):
        if self.order is not None:
            return self.order
        return max(3 * longest_gap + 2, int(round(_MIN_ORDER_S * self.sr)))


class _Problem:
    """One segment of one channel with the gaps solved together in it.

    Holds the segment in solving orientation (reversed when its left
    context is too short), the missing samples' mask, and the order.
    """

    def __init__(self, channel, lo, hi, runs, signal, settings):
        self.channel, self.lo, self.hi, self.runs = channel, lo, hi, runs
        segment = signal[lo:hi].copy()
        n = hi - lo
        left, right = runs[0][0] - lo, hi - runs[-1][1]
        longest = max(stop - start for start, stop in runs)
        p = min(settings.target_order(longest), int(n * _MAX_ORDER_FRACTION), max(left, right))
        if len(runs) == 1 and p / 2 <= min(left, right) < p:
            p = min(left, right)  # a lower order that both sides support: a Toeplitz problem
        self.order = p
        self.reversed = p > 0 and left < p
        mask = np.zeros(n, dtype=bool)
        for start, stop in runs:
            mask[start - lo:stop - lo] = True
        if self.reversed:
            segment, mask = segment[::-1].copy(), mask[::-1].copy()
        segment[mask] = 0.0
        self.segment, self.mask = segment, mask
        self.ar = np.ones(1)
        self.noise_variance = 0.0
        # The fast path: one gap with p known samples on both sides.
        starts = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8)])) == 1)
        self.gap_start = int(starts[0]) if len(starts) else 0
        self.gap_length = int(mask.sum())
        self.toeplitz = (len(runs) == 1 and p > 0 and self.gap_start >= p
                         and n - self.gap_start - self.gap_length >= p)
        centre = (np.flatnonzero(mask)[0] + np.flatnonzero(mask)[-1] + 1) / 2
        half = max(centre, n - centre) + 1
        self.window = 0.5 + 0.5 * np.cos(np.pi * (np.arange(n) + 0.5 - centre) / half)

    def group_key(self):
        if not self.toeplitz:
            return None
        return (self.segment.shape[0], self.gap_start, self.gap_length, self.order)

    def write(self, channel_values):
        segment = self.segment[::-1] if self.reversed else self.segment
        for start, stop in self.runs:
            channel_values[start:stop] = segment[start - self.lo:stop - self.lo]

    def summary(self):
        return {"start": self.lo, "stop": self.hi,
                "gaps": [(int(a), int(b)) for a, b in self.runs],
                "ar": self.ar.copy(), "noise_variance": float(self.noise_variance),
                "reversed": bool(self.reversed)}


def _plan(signal, channel, ranges, settings):
    """Cut one channel's gaps into problems: gaps whose contexts overlap go together."""
    n = signal.shape[0]
    if len(ranges) == 0:
        return []
    if int(np.sum(ranges[:, 1] - ranges[:, 0])) >= n:
        raise ParameterError(f"every sample of channel {channel} is in a gap: there is no known "
                             "signal to fit a model to")
    problems = []
    lo = hi = None
    runs = []
    for start, stop in ranges:
        c = settings.context(int(stop - start))
        a, b = max(0, int(start) - c), min(n, int(stop) + c)
        if runs and a < hi:
            hi = max(hi, b)
            runs.append((int(start), int(stop)))
        else:
            if runs:
                problems.append(_Problem(channel, lo, hi, runs, signal, settings))
            lo, hi, runs = a, b, [(int(start), int(stop))]
    problems.append(_Problem(channel, lo, hi, runs, signal, settings))
    return problems


def _solve_all(problems, settings):
    """Run the fit / solve passes on every problem; same-shaped Toeplitz problems in batches."""
    groups, singles = {}, []
    for problem in problems:
        if problem.order == 0:  # no known sample beside the gaps: the process mean
            continue
        key = problem.group_key()
        if key is None:
            singles.append(problem)
        else:
            groups.setdefault(key, []).append(problem)
    last = settings.n_iter - 1
    for members in groups.values():
        for iteration in range(settings.n_iter):
            draw = settings.mode == "draw" and iteration == last
            _fit_batch(members, settings)
            _solve_toeplitz_batch(members, settings.rng if draw else None)
    for problem in singles:
        for iteration in range(settings.n_iter):
            draw = settings.mode == "draw" and iteration == last
            _fit_batch([problem], settings)
            problem.segment[problem.mask] = _solve_general(
                problem.segment, problem.mask, problem.ar, problem.noise_variance,
                settings.rng if draw else None)


def _fit_batch(problems, settings):
    """Fit each problem's AR model to its windowed segment (same length within a batch)."""
    from scipy import fft

    p = problems[0].order
    n = problems[0].segment.shape[0]
    weighted = np.stack([q.segment * q.window for q in problems])
    n_fft = fft.next_fast_len(n + p + 1, real=True)
    spectrum = fft.rfft(weighted, n_fft, axis=-1)
    r = fft.irfft(spectrum.real ** 2 + spectrum.imag ** 2, n_fft, axis=-1)[:, :p + 1]
    if settings.bandwidth > 0:
        lags = np.arange(p + 1)
        r *= np.exp(-0.5 * (2 * np.pi * settings.bandwidth * lags / settings.sr) ** 2)
    silent = ~(r[:, 0] > 0)
    r[silent] = 0.0
    r[silent, 0] = 1.0  # all-zero context: any model gives a zero fill; take white noise
    ar, err = _levinson_loaded(r, p)
    norms = np.array([np.sum(q.window ** 2) for q in problems])
    for index, problem in enumerate(problems):
        problem.ar = np.concatenate([[1.0], -ar[index]])
        problem.noise_variance = 0.0 if silent[index] else err[index] / norms[index]


def _levinson_loaded(r, p):
    """AR(p) predictors of autocovariance rows, with diagonal loading grown where singular.

    Every row gets a relative loading of 1e-9 of its variance; a row whose
    Levinson-Durbin recursion still breaks (a numerically singular model,
    e.g. of a pure tone) is retried alone with ten times more, up to 1e-3.
    """
    from audiogp.linalg import levinson_durbin

    loaded = r.copy()
    loaded[:, 0] *= 1.0 + _LOADING
    try:
        result = levinson_durbin(loaded, p)
        return result.ar, result.error_variance[:, -1]
    except NotPositiveDefiniteError:
        pass
    ar = np.zeros((r.shape[0], p))
    err = np.zeros(r.shape[0])
    for index, row in enumerate(r):
        loading = _LOADING
        while True:
            try:
                result = levinson_durbin(np.concatenate([[row[0] * (1.0 + loading)], row[1:]]), p)
                break
            except NotPositiveDefiniteError:
                loading *= 10.0
                if loading > _MAX_LOADING:
                    raise
        ar[index], err[index] = result.ar, result.error_variance[-1]
    return ar, err


def _solve_toeplitz_batch(problems, rng):
    """Conditional mean (or draw) of one interior gap per problem, by Levinson's recursion."""
    from scipy.signal import fftconvolve

    from audiogp.linalg import solve_toeplitz

    p = problems[0].order
    s0, m = problems[0].gap_start, problems[0].gap_length
    ar = np.stack([q.ar for q in problems])
    around = np.stack([q.segment[s0 - p:s0 + m + p] for q in problems])
    around[:, p:p + m] = 0.0
    # Prediction errors of the rows t = s0 .. s0+m+p-1 with the gap at zero, then A_u' e.
    errors = fftconvolve(around, ar, mode="valid", axes=-1)
    if rng is not None:
        errors = errors - np.sqrt(np.array([q.noise_variance for q in problems]))[:, None] \
            * rng.standard_normal(errors.shape)
    rhs = fftconvolve(errors, ar[:, ::-1], mode="valid", axes=-1)
    b = np.zeros((len(problems), m))
    lags = min(p + 1, m)
    full = fftconvolve(ar, ar[:, ::-1], mode="full", axes=-1)[:, p:p + lags]
    b[:, :lags] = full
    x = solve_toeplitz(b, -rhs)
    for problem, fill in zip(problems, x):
        problem.segment[s0:s0 + m] = fill


def _solve_general(segment, mask, ar, noise_variance, rng):
    """Conditional mean (or draw) of the masked samples of ``segment`` under AR filter ``ar``.

    Minimises the prediction errors of the rows ``t = p .. n-1`` (every
    missing sample must be at ``t >= p``); ``segment[mask]`` must be zero.
    """
    import scipy.linalg

    p = len(ar) - 1
    n = segment.shape[0]
    unknown = np.flatnonzero(mask)
    errors = np.convolve(segment, ar, mode="valid")  # rows t = p .. n-1
    if rng is not None:
        errors = errors - np.sqrt(noise_variance) * rng.standard_normal(errors.shape)
    rhs = np.convolve(errors, ar[::-1])[unknown]  # A_u' e
    if unknown.size > _MAX_DENSE:
        return _solve_cg(ar, n, unknown, -rhs)
    autocorr = np.correlate(ar, ar, mode="full")[p:]
    lag = np.abs(unknown[:, None] - unknown[None, :])
    B = np.where(lag <= p, autocorr[np.minimum(lag, p)], 0.0)
    # Rows past the end of the segment do not exist: remove their share.
    tail = np.arange(n, n + p)[:, None] - unknown[None, :]
    inside = (tail >= 0) & (tail <= p)
    if inside.any():
        D = np.where(inside, ar[np.clip(tail, 0, p)], 0.0)
        B -= D.T @ D
    factor = scipy.linalg.cho_factor(B, lower=True, check_finite=False)
    return scipy.linalg.cho_solve(factor, -rhs, check_finite=False)


def _solve_cg(ar, n, unknown, rhs):
    """Large problems: conjugate gradients with the normal-equation matrix applied by convolutions."""
    from scipy.sparse.linalg import LinearOperator, cg

    def apply(v):
        x = np.zeros(n)
        x[unknown] = v
        e = np.convolve(x, ar, mode="valid")
        return np.convolve(e, ar[::-1])[unknown]

    operator = LinearOperator((unknown.size, unknown.size), matvec=apply, dtype=np.float64)
    solution, info = cg(operator, rhs, rtol=1e-10, maxiter=10 * unknown.size)
    return solution


def _nan_ranges(channel):
    from audiogp.gp.gaps import _ranges_from_mask

    return _ranges_from_mask(np.isnan(channel), channel.shape[0])


def _check_known_finite(channel, ranges, index, shape):
    known = np.ones(channel.shape[0], dtype=bool)
    for start, stop in ranges:
        known[start:stop] = False
    bad = np.flatnonzero(known & ~np.isfinite(channel))
    if bad.size:
        where = f"channel {index}, sample {bad[0]}" if len(shape) > 1 else f"sample {bad[0]}"
        raise ParameterError(
            f"y has {channel[bad[0]]} at {where}, outside every gap; mark it as missing (include "
            "it in gaps, or pass gaps=None to treat every NaN as missing) or replace it first"
        )
