"""The log-thresholded spectrogram of the original mel/MFCC inversion code.

A magnitude spectrogram is divided by its maximum, taken to ``log10`` and
clipped below at ``-thresh``: the loudest bin reads 0, everything more than
``thresh`` decades (``20 * thresh`` dB) below it reads ``-thresh``. This is
a compact, noise-gated image of the spectrogram for display and for
inversion; its inverse is ``ref * 10 ** L``.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError, ParameterTypeError


def log_spectrogram(S, *, thresh=4.0, return_ref=False):
    """Normalise a magnitude spectrogram to its maximum, take ``log10``, clip at ``-thresh``.

    Parameters
    ----------
    S : numpy.ndarray, shape (..., n_bins, n_frames)
        Real, non-negative magnitudes (e.g. ``np.abs(stft(y))``). The
        maximum is taken over the whole array.
    thresh : float
        Clipping depth in decades (> 0): 4 keeps 80 dB of magnitude range.
    return_ref : bool
        Also return the maximum the spectrogram was divided by, so that
        :func:`inverse_log_spectrogram` can restore the scale.

    Returns
    -------
    L : numpy.ndarray
        ``max(log10(S / S.max()), -thresh)``, values in ``[-thresh, 0]``;
        all ``-thresh`` for an all-zero ``S``.
    ref : float
        Only with ``return_ref``: ``S.max()`` (0 for silence).

    Notes
    -----
    The recipe of T. Sainburg's "Spectrograms, MFCCs, and Inversion in
    Python" (2016), the code the mel/MFCC inversion pipeline grew from; the
    normalised log-magnitude is the usual spectrogram display (e.g.
    Rabiner & Schafer, *Theory and Applications of Digital Speech
    Processing*, 2011, ch. 7).
    """
    S = np.asarray(S)
    if np.iscomplexobj(S):
        raise ParameterTypeError(
            f"S must be a magnitude spectrogram (real, >= 0), got a complex array ({S.dtype}); "
            "pass np.abs(D) instead"
        )
    S = check.float_array(S, "S", min_ndim=1)
    negative = np.flatnonzero(S.ravel() < 0)
    if negative.size:
        i = negative[0]
        where = np.unravel_index(i, S.shape)
        raise ParameterError(
            f"S must be non-negative magnitudes, got {S.ravel()[i]} at index {tuple(map(int, where))}"
        )
    thresh = check.real_number(thresh, "thresh", exclusive_minimum=0)
    peak = S.max()
    if peak > 0:
        floor = peak * 10.0 ** (-thresh)  # clip before the log: no log10(0) warnings
        L = np.log10(np.maximum(S, floor) / peak)
        np.maximum(L, -thresh, out=L)
    else:
        L = np.full(S.shape, -thresh, dtype=S.dtype)
    L = L.astype(S.dtype, copy=False)
    return (L, float(peak)) if return_ref else L


def inverse_log_spectrogram(L, *, ref=1.0):
    """Magnitudes from a log-thresholded spectrogram: ``ref * 10 ** L``.

    Parameters
    ----------
    L : numpy.ndarray
        Output of :func:`log_spectrogram` (real, finite).
    ref : float
        The maximum the spectrogram was normalised by (``return_ref=True``
        gives it); 1 leaves the loudest bin at 1.

    Returns
    -------
    numpy.ndarray
        Magnitudes; equal to the original wherever it was not clipped, and
        ``ref * 10 ** -thresh`` where it was.
    """
    L = np.asarray(L)
    if np.iscomplexobj(L):
        raise ParameterTypeError(f"L must be a real log-spectrogram, got a complex array ({L.dtype})")
    L = check.float_array(L, "L", min_ndim=1)
    ref = check.real_number(ref, "ref", minimum=0)
    return (ref * np.power(10.0, L)).astype(L.dtype, copy=False)
