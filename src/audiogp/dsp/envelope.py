"""Amplitude envelopes, and splitting a signal into envelope and carrier.

A signal is modelled as ``y = envelope * carrier``: a slowly varying,
positive envelope times a carrier of roughly constant scale (Turner,
"Statistical models for natural sounds", PhD thesis, UCL 2010, ch. 5). The
Gaussian-process speech models fit the carrier, which is closer to
stationary, and multiply the envelope back in after sampling.

Both envelope estimators floor their output at ``floor`` (> 0), so the
carrier ``y / envelope`` is finite everywhere, silence included, and
``modulate(demodulate(y, e), e)`` returns ``y`` to rounding.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError


def rolling_std_envelope(y, *, frame_length=512, floor=1e-3):
    """Amplitude envelope as the standard deviation over a sliding window.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real floating-point signal(s); leading axes are channels.
    frame_length : int
        Window length in samples. The window for sample ``t`` is centred on
        it, ``[t - frame_length // 2, t - frame_length // 2 + frame_length)``,
        and truncated at the ends of the signal.
    floor : float
        Smallest envelope value (> 0), in the signal's units.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        ``max(std(window), floor)`` for every sample (population standard
        deviation, ``ddof=0``), in the input's dtype.

    Notes
    -----
    This is the envelope of the original GP speech-synthesis code (a rolling
    standard deviation, floored), a crude but robust alternative to the
    probabilistic amplitude demodulation of Turner & Sahani, "Demodulation
    as probabilistic inference", IEEE TASLP 19(8), 2011.
    """
    y = check.float_array(y, "y")
    frame_length = check.integer(frame_length, "frame_length", minimum=1)
    floor = check.real_number(floor, "floor", exclusive_minimum=0)
    n = y.shape[-1]
    out = np.empty(y.shape, dtype=y.dtype)
    # Section by section, each with the window's reach on both sides, so that the float64 work
    # arrays are bounded by the section and memory grows with the signal only by its output.
    half = frame_length // 2
    section = max(ROLLING_SECTION, 4 * frame_length)
    for start in range(0, max(n, 1), section):
        stop = min(start + section, n)
        first, last = max(start - half, 0), min(stop - half + frame_length, n)
        mean, mean_square = _rolling_means(y[..., first:last], frame_length, squares=True,
                                           origin=first, total=n)
        std = np.sqrt(np.maximum(mean_square - mean**2, 0.0))
        out[..., start:stop] = np.maximum(std, floor)[..., start - first:stop - first]
    return out


#: Samples per section of :func:`rolling_std_envelope` (its float64 work arrays scale with it).
ROLLING_SECTION = 2**16


def hilbert_envelope(y, *, smooth_length=None, floor=1e-3):
    """Amplitude envelope as the magnitude of the analytic signal, smoothed.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real floating-point signal(s); leading axes are channels.
    smooth_length : int, optional
        Length in samples of a centred moving average applied to the
        magnitude (truncated at the ends, like :func:`rolling_std_envelope`);
        ``None`` or 1 leaves it unsmoothed.
    floor : float
        Smallest envelope value (> 0), in the signal's units.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        ``max(smoothed |y + i H[y]|, floor)``, in the input's dtype.

    Notes
    -----
    The analytic signal of Gabor, "Theory of communication", J. IEE 93(26),
    1946, computed by :func:`scipy.signal.hilbert` (FFT over the whole
    signal, so it treats the signal as periodic: expect edge effects over
    the first and last few periods of the lowest frequency present).
    """
    import scipy.signal

    y = check.float_array(y, "y")
    smooth_length = check.integer(smooth_length, "smooth_length", minimum=1, allow_none=True)
    floor = check.real_number(floor, "floor", exclusive_minimum=0)
    magnitude = np.abs(scipy.signal.hilbert(y, axis=-1))
    if smooth_length is not None and smooth_length > 1:
        magnitude = _rolling_means(magnitude, smooth_length, squares=False)
    return np.maximum(magnitude, floor).astype(y.dtype, copy=False)


def demodulate(y, envelope):
    """The carrier of ``y`` under ``envelope``: ``y / envelope``.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real floating-point signal(s).
    envelope : numpy.ndarray, broadcastable to ``y``
        Positive envelope, e.g. from :func:`rolling_std_envelope`.

    Returns
    -------
    numpy.ndarray
        The carrier; ``modulate(carrier, envelope)`` gives back ``y`` to
        rounding (one or two units in the last place).
    """
    y = check.float_array(y, "y")
    envelope = _positive_envelope(envelope, y.shape)
    return y / envelope


def modulate(carrier, envelope):
    """Put an envelope back on a carrier: ``carrier * envelope``.

    Parameters
    ----------
    carrier : numpy.ndarray, shape (..., n)
        Real floating-point carrier, e.g. from :func:`demodulate` or a model
        sample.
    envelope : numpy.ndarray, broadcastable to ``carrier``
        Positive envelope.

    Returns
    -------
    numpy.ndarray
        The modulated signal.
    """
    carrier = check.float_array(carrier, "carrier")
    envelope = _positive_envelope(envelope, carrier.shape)
    return carrier * envelope


def _positive_envelope(envelope, shape):
    envelope = check.float_array(envelope, "envelope", min_ndim=0)
    try:
        np.broadcast_shapes(envelope.shape, shape)
    except ValueError:
        raise ParameterError(
            f"envelope has shape {envelope.shape}, which does not broadcast to the signal's "
            f"shape {shape}"
        ) from None
    bad = np.flatnonzero(envelope.ravel() <= 0)
    if bad.size:
        i = int(bad[0])
        raise ParameterError(
            f"envelope must be > 0 everywhere, got {envelope.ravel()[i]} at index {i}; "
            "floor it first (the envelope functions take floor=...)"
        )
    return envelope


def _rolling_means(x, frame_length, *, squares, origin=0, total=None):
    """Centred, edge-truncated moving averages of ``x`` (and of ``x**2``) along the last axis.

    O(n) for any window, through running sums. A single running sum over the
    whole signal would make a quiet window's sum the difference of two huge
    numbers after a loud passage; instead the running sums restart every
    ``frame_length`` samples, so each window sum is built from at most two
    chunks next to it and its rounding error stays relative to the local
    level. The global mean is removed first for the same reason (the
    variance does not depend on it).
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    offset = x.mean(axis=-1, keepdims=True) if squares and n else 0.0
    centred = x - offset
    # ``x`` may be the section [origin, origin + n) of a signal of ``total`` samples: windows are
    # truncated at the signal's ends only (the caller gives each section the window's reach).
    total = n if total is None else total
    t = np.arange(origin, origin + n)
    lo = np.clip(np.clip(t - frame_length // 2, 0, total) - origin, 0, n)
    hi = np.clip(np.clip(t - frame_length // 2 + frame_length, 0, total) - origin, 0, n)
    count = (hi - lo).astype(np.float64)
    chunk = frame_length
    lo_chunk, lo_offset = np.divmod(lo, chunk)
    hi_chunk, hi_offset = np.divmod(hi, chunk)
    spans_two = hi_chunk > lo_chunk  # a window is at most one chunk long
    n_chunks = n // chunk + 1  # one spare chunk so that hi == n has a row

    def window_mean(values):
        padded = np.zeros(values.shape[:-1] + (n_chunks * chunk,))
        padded[..., :n] = values
        chunks = padded.reshape(values.shape[:-1] + (n_chunks, chunk))
        # running[..., q, r]: sum of the first r samples of chunk q (r = 0 .. chunk).
        running = np.zeros(values.shape[:-1] + (n_chunks, chunk + 1))
        np.cumsum(chunks, axis=-1, out=running[..., 1:])
        total = running[..., hi_chunk, hi_offset] - running[..., lo_chunk, lo_offset]
        total += np.where(spans_two, running[..., lo_chunk, chunk], 0.0)
        return total / count

    mean = window_mean(centred)
    if not squares:
        return mean + offset
    return mean, window_mean(centred**2)
