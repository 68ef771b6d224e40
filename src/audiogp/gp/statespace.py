"""State-space sampling of Lorentzian components: damped stochastic oscillators, O(N·Q).

The Lorentzian kernel s² exp(−|r|/l) cos(2πpr) is the covariance of the
first coordinate of a two-dimensional linear stochastic differential
equation, a stochastically driven damped oscillator,

    dx = [[−λ, −ω], [ω, −λ]] x dt + sqrt(2λ) s dβ,    λ = 1/l, ω = 2πp,

whose stationary covariance is s²·I (Hartikainen & Särkkä, "Kalman
filtering and smoothing solutions to temporal Gaussian process regression
models", IEEE MLSP 2010; Solin & Särkkä, "Explicit link between periodic
covariance functions and state space models", AISTATS 2014). Written as one
complex state z = x₁ + i x₂, its exact discretisation at step Δ = 1/sr is
the complex AR(1) recursion

    z[t+1] = a z[t] + sqrt(1 − |a|²) w[t],   a = exp((−λ + iω) Δ),

with w circular complex white noise. Sampling is then O(N) per component
instead of O(N²) for a Toeplitz factorisation, and the state z carries
from one block to the next while a and the amplitude change: the oscillator
is normalised to unit stationary variance whatever λ and ω are, so the
process stays in its stationary distribution across a change of parameters
and the waveform has no seam. Amplitudes are interpolated geometrically
between block centres (``interpolate=True``) so they do not step either.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError


def sample_lorentzian(s, l, p, *, sr, hop_length, n_samples=None, noise=None, rng=None,
                      interpolate=True):
    """Draw one waveform from a piecewise-stationary sum of Lorentzian components.

    Parameters
    ----------
    s, l, p : numpy.ndarray, shape (n_blocks, n_components)
        Per block and component: standard deviation, decay time (seconds,
        > 0) and frequency (Hz) of s² exp(−|r|/l) cos(2πpr).
    sr : int
        Sample rate in Hz.
    hop_length : int
        Samples per block: block ``b`` covers samples ``[b·hop, (b+1)·hop)``.
    n_samples : int, optional
        Length of the output (default ``n_blocks · hop_length``; at most that).
    noise : numpy.ndarray, shape (n_blocks,), optional
        Variance of white noise added in each block.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    interpolate : bool
        Interpolate amplitudes (log s, and the noise standard deviation)
        linearly between block centres instead of holding them per block.

    Returns
    -------
    numpy.ndarray, shape (n_samples,), float64

    Notes
    -----
    With constant parameters the output is an exact draw from the
    stationary Gaussian process with covariance Σ_q s_q² exp(−|r|/l_q)
    cos(2π p_q r) (plus noise): the recursion is the exact discretisation of
    the oscillator SDE and its initial state is drawn from the stationary
    distribution. Cost O(n_samples · n_components).
    """
    import scipy.signal

    s, l, p = (check.float_array(v, name, dtypes=(np.float64,)) for v, name in ((s, "s"), (l, "l"), (p, "p")))
    if s.ndim != 2 or s.shape != l.shape or s.shape != p.shape:
        raise ParameterError(f"s, l and p must have one shape (n_blocks, n_components); got "
                             f"{s.shape}, {l.shape}, {p.shape}")
    _positive(l, "l")
    _nonnegative(s, "s")
    sr = check.integer(sr, "sr", minimum=1)
    hop_length = check.integer(hop_length, "hop_length", minimum=1)
    n_blocks, n_components = s.shape
    total = n_blocks * hop_length
    n_samples = total if n_samples is None else check.integer(n_samples, "n_samples", minimum=0, maximum=total)
    if noise is not None:
        noise = check.float_array(noise, "noise", dtypes=(np.float64,))
        if noise.shape != (n_blocks,):
            raise ParameterError(f"noise must have shape ({n_blocks},), got {noise.shape}")
        _nonnegative(noise, "noise")
    rng = np.random.default_rng(rng)

    poles = np.exp((-1.0 / l + 2j * np.pi * p) / sr)  # (n_blocks, n_components)
    gains = np.sqrt(np.maximum(1.0 - np.abs(poles) ** 2, 0.0))
    # Circular complex white noise with E|w|^2 = 2, so that Re z has unit variance.
    innovations = rng.standard_normal((n_components, total)) + 1j * rng.standard_normal((n_components, total))
    state = rng.standard_normal(n_components) + 1j * rng.standard_normal(n_components)
    oscillators = np.empty((n_components, total))
    for b in range(n_blocks):
        span = slice(b * hop_length, (b + 1) * hop_length)
        for q in range(n_components):
            a = poles[b, q]
            out, _ = scipy.signal.lfilter([gains[b, q]], [1.0, -a], innovations[q, span],
                                          zi=[a * state[q]])
            oscillators[q, span] = out.real
            state[q] = out[-1]
    amplitude = _per_sample(s.T, hop_length, total, interpolate, log=True)
    y = np.einsum("qt,qt->t", amplitude, oscillators)
    if noise is not None:
        deviation = _per_sample(np.sqrt(noise)[None, :], hop_length, total, interpolate, log=False)[0]
        y += deviation * rng.standard_normal(total)
    return y[:n_samples]


def _per_sample(values, hop_length, total, interpolate, *, log):
    """(rows, n_blocks) block values to (rows, total) per-sample values."""
    n_blocks = values.shape[1]
    if not interpolate or n_blocks == 1:
        return np.repeat(values, hop_length, axis=1)[:, :total]
    centres = (np.arange(n_blocks) + 0.5) * hop_length - 0.5
    t = np.arange(total)
    if log:
        logs = np.log(np.maximum(values, np.finfo(np.float64).tiny))
        return np.exp(np.stack([np.interp(t, centres, row) for row in logs]))
    return np.stack([np.interp(t, centres, row) for row in values])


def _positive(x, name):
    bad = np.flatnonzero(~(x.ravel() > 0))
    if bad.size:
        raise ParameterError(f"{name} must be > 0, got {x.ravel()[bad[0]]} at flat index {int(bad[0])}")


def _nonnegative(x, name):
    bad = np.flatnonzero(x.ravel() < 0)
    if bad.size:
        raise ParameterError(f"{name} must be >= 0, got {x.ravel()[bad[0]]} at flat index {int(bad[0])}")
