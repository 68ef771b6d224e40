"""Drawing waveforms from piecewise-stationary Gaussian processes, block by block.

Each block of the waveform has its own stationary covariance, given by an
autocovariance sequence, so its covariance matrix is symmetric Toeplitz. The
kernels (:mod:`audiogp._core.gpsample`) draw every sample from its exact
conditional given the samples before it, with the linear predictors of
Durbin's recursion: O(n**2) work and O(n) memory per block, where a dense
implementation inverts and factors an n x n matrix in O(n**3).

Conditioning on a block's *context* (the samples just before it) costs
nothing extra: the context samples are fed to the same recursion instead of
being drawn. Pinning a block to zero at both ends is an exact rank-2
correction of an unconditional draw (Matheron's rule).

Randomness: every function draws its standard normals from ``rng`` in one
call (documented per function), so the same seed gives the same bytes; or
takes them explicitly as ``noise``, which makes a draw a deterministic
linear map -- ``mean + F @ noise`` with ``F`` the lower Cholesky factor of
the conditional covariance.
"""

import warnings

import numpy as np

from audiogp import _validate as check
from audiogp._core import gpsample as _kernels
from audiogp._threads import n_threads, run_split
from audiogp.errors import NotPositiveDefiniteError, ParameterError, ParameterTypeError

# A block whose covariance has a prediction-error variance below this
# fraction of its variance (roughly: condition number above 1e12) is
# numerically singular and redrawn with diagonal loading ("jitter") of
# _JITTER_START * variance, growing tenfold per attempt up to _JITTER_MAX.
_MIN_RELATIVE_ERROR = 1e-12
_JITTER_START = 1e-10
_JITTER_FACTOR = 10.0
_JITTER_MAX = 1e-2

_MIN_WORK_PER_THREAD = 1 << 21
_MODES = ("previous", "zero-ends", "independent")


class JitterWarning(UserWarning):
    """Some blocks were drawn with diagonal loading because their covariance
    was numerically singular; the message says which and how much."""


def sample_blocks(autocov, block_len, *, mode="previous", context=None, rng=None,
                  return_jitter=False, progress=None):
    """Draw one waveform from a piecewise-stationary Gaussian process.

    Block ``b`` of the waveform (samples ``b * block_len`` to
    ``(b + 1) * block_len - 1``) is a zero-mean Gaussian process with
    autocovariance ``autocov[b]``: ``Cov(x[s], x[t]) = autocov[b, |s - t|]``.

    Parameters
    ----------
    autocov : array_like, shape (n_blocks, n_lags)
        One autocovariance sequence per block, lag 0 first. Needs
        ``n_lags >= block_len + context`` in mode ``"previous"`` and
        ``n_lags >= block_len`` otherwise.
    block_len : int
        Samples per block.
    mode : {"previous", "zero-ends", "independent"}
        How blocks join:

        ``"previous"``
            Each block is drawn from its conditional distribution given the
            ``context`` samples before it,
            ``x_b | x_prev ~ N(K12 K22^-1 x_prev, K11 - K12 K22^-1 K21)``,
            so the waveform has no seams. The joint covariance ``K`` of
            ``(x_prev, x_b)`` is the Toeplitz matrix of the **current**
            block's autocovariance ``autocov[b]``: the context is treated as
            if the current block's process had produced it. The first block
            (and any block with fewer than ``context`` samples before it)
            uses what there is; block 0 is a plain draw from its stationary
            law. Blocks are drawn in order, one after the other.
        ``"zero-ends"``
            Each block on its own, conditioned on its first and last samples
            being 0 (which they then are, exactly). Blocks are independent
            and drawn in parallel.
        ``"independent"``
            Each block a plain draw from its stationary law, in parallel.
    context : int, optional
        Mode ``"previous"`` only: how many preceding samples each block is
        conditioned on (default: all the lags allow, ``n_lags - block_len``).
        ``context=block_len`` conditions each block on the whole previous
        block.
    rng : None, int or numpy.random.Generator
        Source of randomness. The draw is a deterministic function of
        ``rng.standard_normal((n_blocks, block_len))`` (block ``b`` uses row
        ``b``), so a seed fixes the output bytes.
    return_jitter : bool
        Also return the diagonal loading used per block (see Returns); no
        :class:`JitterWarning` is issued then.
    progress : callable, optional
        ``progress(done, total)`` is called with the number of blocks drawn
        so far, from the calling thread.

    Returns
    -------
    samples : numpy.ndarray, shape (n_blocks, block_len)
        The waveform, one block per row; ``samples.ravel()`` is the
        waveform as one signal. float32 for float32 ``autocov``, else
        float64.
    jitter : numpy.ndarray, shape (n_blocks,)
        Only with ``return_jitter=True``: the value added to the variance
        (lag 0) of each block's covariance before drawing it (0 where none
        was needed).

    Warns
    -----
    JitterWarning
        When some blocks' covariances were numerically singular (a
        prediction-error variance below 1e-12 of the variance) and were drawn
        with diagonal loading: 1e-10 of the block's variance, increased
        tenfold until the block is drawable. The warning names the blocks
        and the amounts.

    Raises
    ------
    NotPositiveDefiniteError
        If a block's autocovariance is not positive definite even with
        loading of 1e-2 of its variance (or has a negative variance), naming
        the block and the order at which the recursion broke.
    ParameterError
        For wrong shapes, too few lags, NaN or Inf, empty input, or an
        unknown mode.

    Notes
    -----
    The samples of a block and its context are generated in order, each
    from its exact conditional given all samples before it,
    ``x[t] | x[:t] ~ N(a_t . (x[t-1], ..., x[0]), e_t)``, with ``a_t`` the
    order-``t`` linear predictor and ``e_t`` its error variance from
    Durbin's recursion (Levinson 1947; Durbin 1960; Golub & Van Loan,
    *Matrix Computations*, 4th ed., section 4.7). This is the innovations
    algorithm (Brockwell & Davis, *Time Series: Theory and Methods*, 1991,
    section 5.2): it applies the Cholesky factor of the Toeplitz covariance
    without forming it. Context samples are fed to the recursion instead of
    drawn, which yields exactly the Gaussian conditional of Rasmussen &
    Williams, *Gaussian Processes for Machine Learning*, 2006, eq. A.6 --
    in O((context + block_len)**2) operations per block instead of the
    O(n**3) of inverting ``K22`` and factoring the conditional covariance.

    For ``"zero-ends"`` an unconditional draw ``z`` is corrected to
    ``z - K[:, B] K[B, B]^-1 z[B]`` with ``B`` the two end samples, which
    has exactly the conditional law given ``x[B] = 0`` (Matheron's rule;
    Journel & Huijbregts, *Mining Geostatistics*, 1978): a rank-2 update.

    Examples
    --------
    >>> import numpy as np
    >>> from audiogp.gp import sample_blocks
    >>> lags = np.arange(1200)
    >>> autocov = np.exp(-lags / 50.0) * np.cos(0.1 * lags)   # one block's
    >>> x = sample_blocks(np.tile(autocov, (20, 1)), 400, context=800, rng=0)
    >>> x.shape, x.ravel().shape
    ((20, 400), (8000,))
    """
    autocov = check.float_array(autocov, "autocov", min_ndim=2)
    if autocov.ndim != 2:
        raise ParameterError(
            f"autocov must be 2-D (n_blocks, n_lags), one autocovariance per block; got shape "
            f"{autocov.shape}"
        )
    block_len = check.integer(block_len, "block_len", minimum=1)
    check.choice(mode, "mode", _MODES)
    n_blocks, n_lags = autocov.shape
    if mode == "previous":
        if context is None:
            context = n_lags - block_len
            if context < 1:
                raise ParameterError(
                    f"autocov has {n_lags} lags per block, no more than block_len={block_len}, so "
                    f"there is no lag left to condition a block on its context in mode='previous'; "
                    f"pass autocov with block_len + context lags (e.g. {2 * block_len}), or "
                    f"mode='zero-ends' / 'independent'"
                )
        context = check.integer(context, "context", minimum=0)
    elif context not in (None, 0):
        raise ParameterError(
            f"context={context!r} only applies to mode='previous'; with mode={mode!r} leave it out"
        )
    else:
        context = 0
    needed = block_len + context
    if n_lags < needed:
        what = f"block_len + context = {block_len} + {context}" if context else f"block_len = {block_len}"
        raise ParameterError(
            f"autocov has {n_lags} lags per block (autocov.shape[1]), but {what} = {needed} are "
            f"needed: the joint covariance of a block{' and its context' if context else ''} "
            f"spans that many lags"
        )
    dtype = np.dtype(np.float32 if autocov.dtype == np.float32 else np.float64)
    rows = np.ascontiguousarray(autocov[:, :needed], dtype=np.float64)
    _check_variances(rows, "autocov", (n_blocks,))
    noise = _generator(rng).standard_normal((n_blocks, block_len))
    out = np.empty((n_blocks, block_len))
    jitter = np.zeros(n_blocks)
    fail_order = np.full(n_blocks, -1, dtype=np.intp)
    settings = (_MIN_RELATIVE_ERROR, _JITTER_START, _JITTER_FACTOR, _JITTER_MAX)
    report = progress if progress is not None else (lambda done, total: None)

    if mode == "previous":
        step = n_blocks if progress is None else max(1, -(-n_blocks // 100))
        for start in range(0, n_blocks, step):
            stop = min(n_blocks, start + step)
            _kernels.draw_chain(rows, context, noise, *settings, out, jitter, fail_order, start, stop)
            if (fail_order[start:stop] >= 0).any():
                break
            report(stop, n_blocks)
    else:
        no_context = np.empty((n_blocks, 0))
        pin = mode == "zero-ends"

        def draw(start, stop):
            _kernels.draw_blocks(rows, no_context, noise, pin, *settings, out, jitter, fail_order,
                                 start, stop)

        min_chunk = _min_chunk(block_len)
        step = n_blocks if progress is None else max(min_chunk * n_threads(), -(-n_blocks // 100))
        for start in range(0, n_blocks, step):
            stop = min(n_blocks, start + step)
            run_split(lambda a, b, s=start: draw(s + a, s + b), stop - start, min_chunk=min_chunk)
            report(stop, n_blocks)

    _raise_if_failed(fail_order, rows, "autocov", (n_blocks,))
    out = out.astype(dtype, copy=False)
    if return_jitter:
        return out, jitter
    _warn_jitter(jitter, rows[:, 0], "block", stacklevel=3)
    return out


def sample_continuation(autocov, previous, block_len, *, noise=None, rng=None, return_jitter=False):
    """Draw the next ``block_len`` samples of a stationary Gaussian process
    given the samples before them.

    With ``K`` the Toeplitz covariance of ``(previous, x)`` built from
    ``autocov``, ``x | previous ~ N(K12 K22^-1 previous, K11 - K12 K22^-1 K21)``
    (Rasmussen & Williams 2006, eq. A.6). This is the step
    :func:`sample_blocks` takes for every block in mode ``"previous"``.

    Parameters
    ----------
    autocov : array_like, shape (..., n_lags)
        Autocovariance, lag 0 first; ``n_lags >= context + block_len``.
    previous : array_like, shape (..., context)
        The samples just before the new ones, oldest first (``context`` may
        be 0 for an unconditional draw).
    block_len : int
        Number of samples to draw.
    noise : array_like, shape (..., block_len), optional
        Standard normal variates to use instead of drawing them from
        ``rng``. The result is then ``mean + F @ noise`` with ``mean`` the
        conditional mean and ``F`` the lower Cholesky factor of the
        conditional covariance -- so ``noise = 0`` gives the conditional mean
        and ``noise = numpy.eye(block_len)`` the rows of ``mean + F.T``.
    rng : None, int or numpy.random.Generator
        Used when ``noise`` is not given: ``noise = rng.standard_normal(batch +
        (block_len,))``.
    return_jitter : bool
        Also return the diagonal loading used per draw (shape: the batch
        shape), instead of warning about it.

    Returns
    -------
    numpy.ndarray, shape (..., block_len)
        The batch axes of ``autocov``, ``previous`` and ``noise`` broadcast.
        float32 if every input is float32, else float64.

    Raises, warns
        As :func:`sample_blocks`.

    Notes
    -----
    The innovations form of Durbin's recursion (see :func:`sample_blocks`),
    O((context + block_len)**2) per draw.
    """
    autocov = check.float_array(autocov, "autocov")
    previous = check.float_array(previous, "previous", allow_empty=True)
    block_len = check.integer(block_len, "block_len", minimum=1)
    context = previous.shape[-1]
    arrays = [autocov, previous]
    batch_shapes = [autocov.shape[:-1], previous.shape[:-1]]
    noise = _checked_noise(noise, block_len, arrays, batch_shapes)
    batch = _broadcast_batch(batch_shapes, "autocov, previous and noise")
    needed = context + block_len
    if autocov.shape[-1] < needed:
        raise ParameterError(
            f"autocov has {autocov.shape[-1]} lags (autocov.shape[-1]), but context + block_len = "
            f"{context} + {block_len} = {needed} are needed for the joint covariance of previous and "
            f"the new samples"
        )
    return _draw_independent(autocov, previous, noise, rng, block_len, batch, arrays,
                             pin=False, return_jitter=return_jitter)


def sample_pinned(autocov, block_len, *, noise=None, rng=None, return_jitter=False):
    """Draw a block of a stationary Gaussian process pinned to 0 at both ends.

    The draw has the law of ``x`` given ``x[0] = x[block_len - 1] = 0``:
    zero mean and covariance ``K - K[:, B] K[B, B]^-1 K[B, :]`` with ``B`` the
    two ends (Rasmussen & Williams 2006, eq. A.6). This is the step
    :func:`sample_blocks` takes for every block in mode ``"zero-ends"``.

    Parameters
    ----------
    autocov : array_like, shape (..., n_lags)
        Autocovariance, lag 0 first; ``n_lags >= block_len``.
    block_len : int
        Samples per block, both ends included.
    noise : array_like, shape (..., block_len), optional
        Standard normal variates to use instead of drawing them from
        ``rng``; the result is then the linear map ``G @ noise`` with
        ``G G^T`` the conditional covariance.
    rng : None, int or numpy.random.Generator
        Used when ``noise`` is not given, as in :func:`sample_continuation`.
    return_jitter : bool
        Also return the diagonal loading used per draw.

    Returns
    -------
    numpy.ndarray, shape (..., block_len)
        First and last samples exactly 0.

    Notes
    -----
    An unconditional draw ``z`` (innovations form of Durbin's recursion, see
    :func:`sample_blocks`) corrected by Matheron's rule,
    ``z - K[:, B] K[B, B]^-1 z[B]`` (Journel & Huijbregts, *Mining
    Geostatistics*, 1978; Wilson et al., "Efficiently sampling functions
    from Gaussian process posteriors", ICML 2020): O(block_len**2) for the
    draw, O(block_len) for the rank-2 correction.
    """
    autocov = check.float_array(autocov, "autocov")
    block_len = check.integer(block_len, "block_len", minimum=1)
    arrays = [autocov]
    batch_shapes = [autocov.shape[:-1]]
    noise = _checked_noise(noise, block_len, arrays, batch_shapes)
    batch = _broadcast_batch(batch_shapes, "autocov and noise")
    if autocov.shape[-1] < block_len:
        raise ParameterError(
            f"autocov has {autocov.shape[-1]} lags (autocov.shape[-1]), but block_len = {block_len} "
            f"are needed"
        )
    return _draw_independent(autocov, np.empty(autocov.shape[:-1] + (0,)), noise, rng, block_len,
                             batch, arrays, pin=True, return_jitter=return_jitter)


def _draw_independent(autocov, previous, noise, rng, block_len, batch, arrays, *, pin, return_jitter):
    """Independent draws, one per element of the broadcast ``batch``."""
    context = previous.shape[-1]
    needed = context + block_len
    dtype = np.dtype(np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64)
    own_batch = autocov.shape[:-1]
    rows = np.ascontiguousarray(
        np.broadcast_to(autocov[..., :needed], batch + (needed,)), dtype=np.float64
    ).reshape(-1, needed)
    count = rows.shape[0]
    if noise is None:
        noise = _generator(rng).standard_normal(batch + (block_len,))
    noise = np.ascontiguousarray(np.broadcast_to(noise, batch + (block_len,)), dtype=np.float64)
    noise = noise.reshape(count, block_len)
    previous = np.ascontiguousarray(
        np.broadcast_to(previous, batch + (context,)), dtype=np.float64
    ).reshape(count, context)
    _check_variances(rows, "autocov", batch, own_batch)
    out = np.empty((count, block_len))
    jitter = np.zeros(count)
    fail_order = np.full(count, -1, dtype=np.intp)

    def draw(start, stop):
        _kernels.draw_blocks(rows, previous, noise, pin, _MIN_RELATIVE_ERROR, _JITTER_START,
                             _JITTER_FACTOR, _JITTER_MAX, out, jitter, fail_order, start, stop)

    run_split(draw, count, min_chunk=_min_chunk(needed))
    _raise_if_failed(fail_order, rows, "autocov", batch, own_batch)
    out = out.reshape(batch + (block_len,)).astype(dtype, copy=False)
    if return_jitter:
        return out, jitter.reshape(batch)
    _warn_jitter(jitter, rows[:, 0], "draw", stacklevel=4)
    return out


def _generator(rng):
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        try:
            return np.random.default_rng(rng)
        except ValueError as error:
            raise ParameterError(f"rng={rng!r} is not a valid seed: {error}") from None
    if isinstance(rng, np.random.Generator):
        return rng
    raise ParameterTypeError(
        f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}"
    )


def _checked_noise(noise, block_len, arrays, batch_shapes):
    """Validate an optional ``noise`` array of ``block_len`` samples per draw.

    A given ``noise`` joins ``arrays`` and its batch shape ``batch_shapes``, so
    that it is broadcast with the other inputs.
    """
    if noise is None:
        return None
    noise = check.float_array(noise, "noise")
    if noise.shape[-1] != block_len:
        raise ParameterError(f"noise.shape[-1] is {noise.shape[-1]}, but block_len={block_len}")
    arrays.append(noise)
    batch_shapes.append(noise.shape[:-1])
    return noise


def _broadcast_batch(shapes, names):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = ", ".join(str(s) for s in shapes)
        raise ParameterError(f"the batch shapes of {names} ({listed}) do not broadcast together") from None


def _min_chunk(n):
    return max(1, _MIN_WORK_PER_THREAD // max(1, 2 * n * n))


def _where(name, flat, batch, own_batch=None):
    own_batch = batch if own_batch is None else own_batch
    if not batch:
        return name, ()
    full = np.unravel_index(flat, batch)
    skip = len(batch) - len(own_batch)
    index = tuple(0 if size == 1 else int(full[skip + d]) for d, size in enumerate(own_batch))
    return (f"{name}[{', '.join(str(i) for i in index)}]" if index else name), index


def _check_variances(rows, name, batch, own_batch=None):
    """A negative variance, or a zero variance with non-zero lags, is not a covariance."""
    variance = rows[:, 0]
    bad = (variance < 0) | ((variance == 0) & np.any(rows[:, 1:] != 0, axis=1))
    if not bad.any():
        return
    flat = int(np.argmax(bad))
    where, index = _where(name, flat, batch, own_batch)
    if variance[flat] < 0:
        detail = f"its variance (lag 0) is {variance[flat]:g}, and must be >= 0"
    else:
        lag = int(np.argmax(rows[flat, 1:] != 0)) + 1
        detail = f"its variance (lag 0) is 0 but lag {lag} is {rows[flat, lag]:g}"
    raise NotPositiveDefiniteError(
        f"{where} is not an autocovariance: {detail}", batch_index=index, order=0
    )


def _raise_if_failed(fail_order, rows, name, batch, own_batch=None):
    failed = np.flatnonzero(fail_order >= 0)
    if failed.size == 0:
        return
    flat = int(failed[0])
    order = int(fail_order[flat])
    where, index = _where(name, flat, batch, own_batch)
    raise NotPositiveDefiniteError(
        f"{where} does not give a positive-definite covariance, even with diagonal loading "
        f"(jitter) of {_JITTER_MAX:g} times its variance: the Levinson-Durbin recursion broke at "
        f"order {order}. An autocovariance must have a non-negative spectrum; check how it was "
        f"computed (a biased estimate, or a kernel evaluated at integer lags, always has one)",
        batch_index=index,
        order=order,
    )


def _warn_jitter(jitter, variance, what, *, stacklevel):
    loaded = np.flatnonzero(jitter > 0)
    if loaded.size == 0:
        return
    relative = jitter[loaded] / variance[loaded]
    worst = loaded[int(np.argmax(relative))]
    listed = ", ".join(str(int(i)) for i in loaded[:10]) + (", ..." if loaded.size > 10 else "")
    warnings.warn(
        f"{loaded.size} of {jitter.size} {what}(s) had a numerically singular covariance and were "
        f"drawn with diagonal loading (jitter added to the variance): {what}(s) {listed}; the "
        f"largest was {jitter[worst]:.3g} ({relative.max():.1e} of the variance) at {what} "
        f"{int(worst)}. Pass return_jitter=True to get the amounts per {what}",
        JitterWarning,
        stacklevel=stacklevel,
    )
