"""Sampling waveforms from a fitted piecewise-stationary Gaussian process.

Block ``b`` of a :class:`~audiogp.gp.KernelFit` describes the samples
``[b·hop, (b+1)·hop)``; :func:`synthesize` draws them from the block's
covariance (the sum of its components plus its noise floor, times the
fit's scale²) and multiplies the envelope back in.

How the blocks are joined decides whether the output's level follows the
model. Conditioning each block on the samples before it under the *current*
block's covariance (what :func:`audiogp.gp.sample_blocks` does in mode
``"previous"``) treats those samples as if the current block's process had
produced them. Where neighbouring blocks differ (an onset, a quiet block
between loud ones), the context is improbable under the new model and the
conditional mean K12 K22⁻¹ x_prev extrapolates it with no bound: on an
espeak-ng sentence the carrier of single blocks came out 60-65 dB above its
model's variance, and the output 10-24 dB above the original's level. The
joins here are built instead so that the waveform is one Gaussian process
whose variance in every block is the block's own:

- ``"overlap"`` sums independent stationary draws, one per block and two
  hops long, under power-complementary sine windows (w_b² summing to 1):
  the covariance is Σ_b w_b(s) w_b(t) k_b(s − t), the variance at a sample
  the windowed mean of its blocks' variances, and the waveform is as smooth
  as its windows.
- ``"previous"`` drives every block with one white-noise sequence: block b
  is the last hop of a stationary draw of block b's process over the
  ``context`` innovations before it and its own, so it continues the
  previous block from the innovations that produced it, under the law they
  came from (a time-varying causal filter of one white noise; its variance
  in block b is block b's).
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError, ParameterTypeError
from audiogp.gp.kernelfit import KernelFit

MODES = ("overlap", "previous", "zero-ends", "independent", "statespace")
RATE_RANGE = (0.25, 4.0)


def synthesize(fit, *, mode="overlap", seed=None, context=None, rate=1.0, duration=None,
               match_level=True, progress=None):
    """Draw a waveform from a fitted model, optionally slower or faster than the original.

    Parameters
    ----------
    fit : KernelFit
        The model, from :func:`audiogp.gp.fit` or :meth:`KernelFit.load`.
    mode : {"overlap", "previous", "zero-ends", "independent", "statespace"}
        How blocks are joined:

        - ``"overlap"`` (default): independent stationary draws of two hops
          per block, summed under sine windows whose squares add to one:
          each sample's variance is the windowed mean of its two blocks'
          variances, and the waveform has no seams;
        - ``"previous"``: one white-noise sequence drives all blocks; block
          b is the last hop of a draw of its own stationary process over
          the ``context`` innovations before it and its own, i.e. it
          continues the previous block from the innovations that made it;
        - ``"zero-ends"``: each block on its own, pinned to zero at both
          ends (the original GP speech code's way);
        - ``"independent"``: plain independent draws per block (seams);
        - ``"statespace"``: for the Lorentzian kernel only, each component a
          damped stochastic oscillator whose state carries across blocks
          (:func:`audiogp.gp.statespace.sample_lorentzian`), O(N·Q).
    seed : None, int or numpy.random.Generator
        Randomness; the same seed gives the same samples.
    context : int, optional
        Innovations before each block that it is drawn over in
        ``"previous"`` mode (default: one hop).
    rate : float
        Speed of the output relative to the original, between 0.25 and 4:
        0.5 lasts twice as long, 2 half as long (as
        ``librosa.effects.time_stretch``). Every block's stationary process
        is drawn for ``1 / rate`` times its own duration, so spectra (and
        pitch) are kept; the envelope is stretched with it.
    duration : float, optional
        Length of the output in seconds instead of ``rate``: the model is
        stretched to it (``rate = original duration / duration``). A fit of
        a stationary sound (one block, or a texture) is extended this way to
        any length, with no loop point; the 0.25-4 limit of ``rate`` does
        not apply.
    match_level : bool
        For a fit with an envelope: divide the carrier draw by its own
        rolling standard deviation (over the fit's ``envelope_ms`` window,
        the estimator the fitted carrier was divided by) and multiply it by
        the model's standard deviation, before the envelope goes back on.
        The fitted carrier had a flat local level by construction; a
        Gaussian draw has slow random swells (for a narrow-band carrier, a
        Rayleigh-distributed amplitude), which put single peaks of the
        output up to 1.6 times above the original's. False keeps the plain
        Gaussian draw (its local level fluctuates; LSD on speech about
        0.3 dB lower).
    progress : callable, optional
        ``progress(done, total)`` with the number of blocks drawn.

    Returns
    -------
    numpy.ndarray, shape (round(n_samples / rate),), float32
        The waveform, with the fit's scale and envelope restored.

    Notes
    -----
    Sampling a Gaussian process block by block from Toeplitz covariances:
    Rasmussen & Williams, *Gaussian Processes for Machine Learning*, MIT
    Press 2006, sec. 2.2 and appendix A.2; the power-complementary windows
    of ``"overlap"`` are those of weighted overlap-add (Crochiere, "A
    weighted overlap-add method of short-time Fourier analysis/synthesis",
    IEEE Trans. ASSP 28(1), 1980); the state-space form of the Lorentzian:
    Hartikainen & Särkkä, IEEE MLSP 2010.
    """
    if not isinstance(fit, KernelFit):
        raise ParameterTypeError(f"fit must be a KernelFit, got {type(fit).__name__}")
    check.choice(mode, "mode", MODES)
    n_out = _output_length(fit, rate, duration)
    if context is not None and mode != "previous":
        raise ParameterError(f"context is only used with mode='previous', not {mode!r}")
    rng = np.random.default_rng(seed)
    if fit.scale == 0:  # a silent input: the model is silence
        return np.zeros(n_out, dtype=np.float32)
    hop = fit.hop_length
    blocks = _block_map(fit, n_out)
    if mode == "statespace":
        y = _statespace(fit, blocks, n_out, rng)
    elif mode == "overlap":
        y = _overlap(fit.autocov(2 * hop)[blocks], hop, n_out, rng)
    elif mode == "previous":
        context = hop if context is None else check.integer(context, "context", minimum=1)
        y = _carried(fit.autocov(hop + context)[blocks], hop, context, rng)
    else:
        from audiogp.gp.sampling import sample_blocks

        y = np.asarray(sample_blocks(fit.autocov(hop)[blocks], hop, mode=mode, rng=rng,
                                     progress=progress),
                       dtype=np.float64).reshape(-1)
    y = y[:n_out]
    if progress is not None and mode in ("overlap", "previous"):
        progress(blocks.shape[0], blocks.shape[0])
    if fit.envelope is not None:
        if match_level:
            y = _match_level(fit, y, blocks)
        y = y * _stretched(np.asarray(fit.envelope, dtype=np.float64), n_out)
    return y.astype(np.float32)


def _output_length(fit, rate, duration):
    if duration is not None:
        if rate != 1.0:
            raise ParameterError("give rate or duration, not both: duration sets the rate "
                                 f"(here rate = {fit.n_samples / fit.sr:g} s / duration)")
        duration = check.real_number(duration, "duration", exclusive_minimum=0.0)
        n_out = int(round(duration * fit.sr))
        if n_out < 1:
            raise ParameterError(f"duration={duration:g} s is less than one sample at sr={fit.sr}")
        return n_out
    rate = check.real_number(rate, "rate", minimum=RATE_RANGE[0], maximum=RATE_RANGE[1])
    return max(1, int(round(fit.n_samples / rate)))


def _block_map(fit, n_out):
    """The model block of each output hop: the block at the same relative time of the original."""
    hop = fit.hop_length
    n_hops = -(-n_out // hop)
    source = (np.arange(n_hops) + 0.5) * hop * (fit.n_samples / n_out)
    return np.clip(np.floor(source / hop).astype(np.intp), 0, fit.n_blocks - 1)


def _match_level(fit, y, blocks):
    """``y`` divided by its rolling standard deviation, times the model's (interpolated) one."""
    from audiogp.dsp.envelope import rolling_std_envelope

    hop = fit.hop_length
    frame = max(2, int(round(float(fit.info.get("envelope_ms") or 10.0) * fit.sr / 1000.0)))
    variance = fit.autocov(1)[blocks, 0]
    model_std = np.sqrt(np.interp(np.arange(y.shape[0]), (np.arange(blocks.shape[0]) + 0.5) * hop,
                                  variance))
    own = rolling_std_envelope(y, frame_length=frame, floor=1e-30)
    return y * (model_std / np.maximum(own, 1e-12 * model_std.max()))


def _stretched(envelope, n_out):
    """The envelope resampled to ``n_out`` samples, sample centres mapped linearly."""
    n = envelope.shape[0]
    if n == n_out:
        return envelope
    source = (np.arange(n_out) + 0.5) * (n / n_out) - 0.5
    return np.interp(source, np.arange(n), envelope)


def sine_window(length):
    """sin(π (t + ½) / length), t = 0 .. length − 1: halves overlapping by ``length / 2``
    have squares summing to exactly one."""
    return np.sin(np.pi * (np.arange(length) + 0.5) / length)


def _overlap(autocov, hop, n_out, rng):
    """Independent two-hop draws, sine-windowed and added at one-hop spacing.

    Segment j is centred on output hop j (samples [j·hop − hop/2, (j + 1)·hop
    + hop/2)). Where only one segment reaches (the first and last half hop)
    the sum is divided by the root of the summed squared windows, so the
    variance is the model's there too.
    """
    from audiogp.gp.sampling import sample_blocks

    n_hops = autocov.shape[0]
    length = 2 * hop
    draws = np.asarray(sample_blocks(autocov, length, mode="independent", rng=rng), dtype=np.float64)
    window = sine_window(length)
    weighted = draws * window
    out = np.zeros((n_hops + 1) * hop)
    norm = np.zeros_like(out)
    out[:n_hops * hop] += weighted[:, :hop].reshape(-1)
    out[hop:] += weighted[:, hop:].reshape(-1)
    norm[:n_hops * hop] += np.tile(window[:hop] ** 2, n_hops)
    norm[hop:] += np.tile(window[hop:] ** 2, n_hops)
    lead = hop // 2
    return out[lead:lead + n_out] / np.sqrt(norm[lead:lead + n_out])


def _carried(autocov, hop, context, rng):
    """One white-noise sequence; hop j is the end of a draw of its block over context + hop of it."""
    from audiogp.gp.sampling import sample_continuation

    n_hops = autocov.shape[0]
    noise = rng.standard_normal(n_hops * hop + context)
    windows = np.lib.stride_tricks.sliding_window_view(noise, context + hop)[::hop][:n_hops]
    draws = sample_continuation(autocov, np.empty((n_hops, 0)), context + hop, noise=windows)
    return np.asarray(draws, dtype=np.float64)[:, context:].reshape(-1)


def _statespace(fit, blocks, n_out, rng):
    from audiogp.gp.kernels import is_lorentzian
    from audiogp.gp.statespace import sample_lorentzian

    names = is_lorentzian(fit.kernel)
    if names is None:
        raise ParameterError(f"mode='statespace' needs the Lorentzian kernel s**2*exp(-abs(r)/l)*"
                             f"cos(2*pi*p*r); this fit's kernel is {fit.kernel.name!r} "
                             f"({fit.kernel.expression}). Fit with kernel='lorentzian' or use "
                             "mode='overlap'")
    s, l, p = (np.asarray(fit.params[n], dtype=np.float64)[blocks] for n in names)
    return sample_lorentzian(s * fit.scale, l, p, sr=fit.sr, hop_length=fit.hop_length,
                             n_samples=n_out, noise=np.asarray(fit.noise)[blocks] * fit.scale**2,
                             rng=rng)
