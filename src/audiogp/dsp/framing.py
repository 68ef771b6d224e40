"""Framing and autocorrelation: the building blocks of frame-wise analyses (LPC, YIN, ...).

Names, arguments and layouts are librosa's (``librosa.util.frame``,
``librosa.autocorrelate``), so code written against librosa ports as is.
"""

import numpy as np
import scipy.fft

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["frame", "autocorrelate"]


def frame(x, *, frame_length, hop_length, axis=-1, writeable=False):
    """Overlapping frames of ``x`` along ``axis``, as a view (no copy).

    Parameters
    ----------
    x : numpy.ndarray
        The array to frame, e.g. a signal ``(..., n)``.
    frame_length : int
        Samples per frame (``>= 1``).
    hop_length : int
        Samples between the starts of consecutive frames (``>= 1``).
    axis : int
        The axis to frame: ``-1`` (the last) or ``0`` (the first).
    writeable : bool
        Return a writeable view. Frames overlap when ``hop_length <
        frame_length``, so writing to one changes its neighbours; leave it
        False unless that is what you want.

    Returns
    -------
    numpy.ndarray
        For ``axis=-1``: shape ``(..., frame_length, n_frames)``; for
        ``axis=0``: ``(n_frames, frame_length, ...)``, with ``n_frames = 1 +
        (n - frame_length) // hop_length``. Frame ``t`` holds samples
        ``t * hop_length`` to ``t * hop_length + frame_length - 1``.

    Raises
    ------
    ParameterError
        For lengths below 1, an axis other than 0 or -1, or fewer than
        ``frame_length`` samples.

    Notes
    -----
    The layout of ``librosa.util.frame``; built on
    :func:`numpy.lib.stride_tricks.sliding_window_view`.
    """
    x = np.asarray(x)
    frame_length = check.integer(frame_length, "frame_length", minimum=1)
    hop_length = check.integer(hop_length, "hop_length", minimum=1)
    if x.ndim == 0:
        raise ParameterError("x must have at least one axis to frame, got a scalar")
    if axis not in (0, -1) and axis != x.ndim - 1:
        raise ParameterError(f"axis must be 0 or -1 (the first or the last), got {axis}")
    axis = 0 if axis == 0 else -1
    n = x.shape[axis]
    if n < frame_length:
        raise ParameterError(f"x has {n} samples along axis {axis}, fewer than "
                             f"frame_length={frame_length}")
    windows = np.lib.stride_tricks.sliding_window_view(x, frame_length, axis=axis,
                                                       writeable=writeable)
    if axis == -1:
        # (..., n_frames, frame_length) -> (..., frame_length, n_frames)
        return np.swapaxes(windows[..., ::hop_length, :], -1, -2)
    # (n_frames, ..., frame_length) -> (n_frames, frame_length, ...)
    return np.moveaxis(windows[::hop_length], -1, 1)


def autocorrelate(y, *, max_size=None, axis=-1):
    """Autocorrelation ``r[k] = sum_t y[t] y[t + k]`` for lags ``k = 0 .. max_size - 1``.

    Parameters
    ----------
    y : numpy.ndarray, float
        Real (or complex) samples; the autocorrelation runs along ``axis``,
        the other axes are a batch (e.g. frames from :func:`frame` with
        ``axis=-2``).
    max_size : int, optional
        Number of lags kept (default: every lag, ``n``); at most ``n``.
    axis : int
        The time axis.

    Returns
    -------
    numpy.ndarray
        ``y``'s shape with ``max_size`` along ``axis``: the biased (not
        divided by ``n - k``) autocorrelation, real for real input. Pass
        ``r[..., :p + 1]`` to :func:`audiogp.linalg.levinson_durbin` for the
        linear-prediction coefficients of order ``p`` (the autocorrelation
        method).

    Notes
    -----
    Computed as the inverse FFT of the power spectrum of ``y`` zero-padded to
    at least ``2 n - 1`` samples (Wiener-Khinchin), in O(n log n), as
    ``librosa.autocorrelate``.
    """
    y = np.asarray(y)
    if np.iscomplexobj(y):
        y = check.complex_array(y, "y", min_ndim=1)
    else:
        y = check.float_array(y, "y")
    axis = check.integer(axis, "axis", minimum=-y.ndim, maximum=y.ndim - 1)
    n = y.shape[axis]
    max_size = n if max_size is None else check.integer(max_size, "max_size", minimum=1)
    max_size = min(max_size, n)
    n_fft = scipy.fft.next_fast_len(2 * n - 1, real=not np.iscomplexobj(y))
    if np.iscomplexobj(y):
        spectrum = scipy.fft.fft(y, n=n_fft, axis=axis)
        r = scipy.fft.ifft(np.abs(spectrum) ** 2, n=n_fft, axis=axis)
    else:
        spectrum = scipy.fft.rfft(y, n=n_fft, axis=axis)
        r = scipy.fft.irfft(np.abs(spectrum) ** 2, n=n_fft, axis=axis)
    return np.take(r, np.arange(max_size), axis=axis).astype(
        y.dtype if not np.iscomplexobj(y) else r.dtype, copy=False)
