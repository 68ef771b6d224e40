"""Sampling waveforms from a fitted piecewise-stationary Gaussian process.

Block ``b`` of a :class:`~audiogp.gp.KernelFit` describes the samples
``[b·hop, (b+1)·hop)``; :func:`synthesize` draws them from the block's
covariance (the sum of its components plus its noise floor, times the
fit's scale²) and multiplies the envelope back in.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError, ParameterTypeError
from audiogp.gp.kernelfit import KernelFit

MODES = ("previous", "zero-ends", "independent", "statespace")


def synthesize(fit, *, mode="previous", seed=None, context=None, progress=None):
    """Draw a waveform from a fitted model.

    Parameters
    ----------
    fit : KernelFit
        The model, from :func:`audiogp.gp.fit` or :meth:`KernelFit.load`.
    mode : {"previous", "zero-ends", "independent", "statespace"}
        How blocks are joined (see :func:`audiogp.gp.sample_blocks`):

        - ``"previous"``: each block is drawn conditioned on the last
          ``context`` samples before it, x_b | x_prev ~ N(K12 K22⁻¹ x_prev,
          K11 − K12 K22⁻¹ K21): no seams;
        - ``"zero-ends"``: each block on its own, pinned to zero at both
          ends (the original GP speech code's way);
        - ``"independent"``: plain independent draws per block;
        - ``"statespace"``: for the Lorentzian kernel only, each component a
          damped stochastic oscillator whose state carries across blocks
          (:func:`audiogp.gp.statespace.sample_lorentzian`), O(N·Q).
    seed : None, int or numpy.random.Generator
        Randomness; the same seed gives the same samples.
    context : int, optional
        Samples of the previous block conditioned on in ``"previous"`` mode
        (default: one hop).
    progress : callable, optional
        ``progress(done, total)`` with the number of blocks drawn (not called
        in ``"statespace"`` mode, which draws sample by sample).

    Returns
    -------
    numpy.ndarray, shape (n_samples,), float32
        The waveform, with the fit's scale and envelope restored.

    Notes
    -----
    Sampling a Gaussian process block by block from Toeplitz covariances:
    Rasmussen & Williams, *Gaussian Processes for Machine Learning*, MIT
    Press 2006, sec. 2.2 and appendix A.2 (conditioning); the state-space
    form of the Lorentzian: Hartikainen & Särkkä, IEEE MLSP 2010.
    """
    if not isinstance(fit, KernelFit):
        raise ParameterTypeError(f"fit must be a KernelFit, got {type(fit).__name__}")
    check.choice(mode, "mode", MODES)
    rng = np.random.default_rng(seed)
    hop = fit.hop_length
    if fit.scale == 0:  # a silent input: the model is silence
        return np.zeros(fit.n_samples, dtype=np.float32)
    if mode == "statespace":
        y = _statespace(fit, rng)
    else:
        from audiogp.gp.sampling import sample_blocks

        if mode == "previous":
            context = hop if context is None else check.integer(context, "context", minimum=1)
            n_lags = hop + context
        else:
            if context is not None:
                raise ParameterError(f"context is only used with mode='previous', not {mode!r}")
            n_lags = hop
        autocov = fit.autocov(n_lags)
        y = np.asarray(sample_blocks(autocov, hop, mode=mode, context=context, rng=rng,
                                     progress=progress), dtype=np.float64).reshape(-1)
    y = y[:fit.n_samples]
    if fit.envelope is not None:
        y = y * fit.envelope
    return y.astype(np.float32)


def _statespace(fit, rng):
    from audiogp.gp.kernels import is_lorentzian
    from audiogp.gp.statespace import sample_lorentzian

    names = is_lorentzian(fit.kernel)
    if names is None:
        raise ParameterError(f"mode='statespace' needs the Lorentzian kernel s**2*exp(-abs(r)/l)*"
                             f"cos(2*pi*p*r); this fit's kernel is {fit.kernel.name!r} "
                             f"({fit.kernel.expression}). Fit with kernel='lorentzian' or use "
                             "mode='previous'")
    s, l, p = (np.asarray(fit.params[n], dtype=np.float64) for n in names)
    return sample_lorentzian(s * fit.scale, l, p, sr=fit.sr, hop_length=fit.hop_length,
                             n_samples=fit.n_samples, noise=np.asarray(fit.noise) * fit.scale**2,
                             rng=rng)
