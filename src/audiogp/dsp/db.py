"""Decibel conversions with librosa's names, defaults and results.

``power_to_db(S) = 10 log10(max(S, amin) / max(ref, amin))``, optionally
clipped ``top_db`` below its peak; ``amplitude_to_db`` squares magnitudes
first. The floor ``amin`` keeps silence finite: an all-zero spectrogram maps
to a constant, never to ``-inf`` or NaN.
"""

import numbers

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError, ParameterTypeError


def power_to_db(S, *, ref=1.0, amin=1e-10, top_db=80.0):
    """Convert a power spectrogram to decibels.

    Parameters
    ----------
    S : numpy.ndarray
        Real, non-negative power values (e.g. ``np.abs(D) ** 2``); negative
        values are floored at ``amin`` like silence.
    ref : float or callable
        Reference power: ``10 log10(ref)`` is subtracted. A callable gets
        ``S`` and returns the reference, e.g. ``np.max`` (the loudest value
        reads 0 dB). Numbers are taken in absolute value.
    amin : float
        Floor (> 0) applied to ``S`` and to the reference.
    top_db : float or None
        If given (>= 0), clip the output at ``top_db`` below its maximum.

    Returns
    -------
    numpy.ndarray
        ``S`` in dB, same shape; float32 for float32 input, else float64.

    Raises
    ------
    ParameterTypeError
        For complex ``S``: take ``np.abs(D) ** 2`` first.

    Notes
    -----
    Matches ``librosa.power_to_db``; the decibel is ten times the base-10
    logarithm of a power ratio (ANSI/ASA S1.1, *Acoustical Terminology*).
    """
    S = _real_values(S, "S", "a power spectrogram", "np.abs(D) ** 2")
    amin = check.real_number(amin, "amin", exclusive_minimum=0)
    top_db = check.real_number(top_db, "top_db", minimum=0, allow_none=True)
    ref_value = _reference(ref, S)
    # In place after the first allocation: one output array, no temporaries.
    log_spec = np.maximum(S, amin, out=np.empty_like(S))
    np.log10(log_spec, out=log_spec)
    log_spec *= 10.0
    log_spec -= 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        np.maximum(log_spec, log_spec.max() - top_db, out=log_spec)
    return log_spec


def amplitude_to_db(S, *, ref=1.0, amin=1e-5, top_db=80.0):
    """Convert an amplitude (magnitude) spectrogram to decibels.

    ``20 log10(|S| / ref)``, computed as ``power_to_db(S**2, ref=ref**2,
    amin=amin**2, top_db=top_db)``.

    Parameters
    ----------
    S : numpy.ndarray
        Real magnitudes (e.g. ``np.abs(D)``); the absolute value is taken.
    ref : float or callable
        Reference amplitude, or a callable applied to ``|S|`` (e.g. ``np.max``).
    amin : float
        Floor (> 0) on amplitudes.
    top_db : float or None
        If given (>= 0), clip the output at ``top_db`` below its maximum.

    Returns
    -------
    numpy.ndarray
        ``S`` in dB, same shape.

    Raises
    ------
    ParameterTypeError
        For complex ``S``: take ``np.abs(D)`` first.

    Notes
    -----
    Matches ``librosa.amplitude_to_db`` (which only warns on complex input).
    """
    S = _real_values(S, "S", "a magnitude spectrogram", "np.abs(D)")
    amin = check.real_number(amin, "amin", exclusive_minimum=0)
    magnitude = np.abs(S)
    ref_value = _reference(ref, magnitude)
    return power_to_db(magnitude**2, ref=ref_value**2, amin=amin**2, top_db=top_db)


def db_to_power(S_db, *, ref=1.0):
    """Convert decibels back to power: ``ref * 10 ** (S_db / 10)``.

    Parameters
    ----------
    S_db : numpy.ndarray
        Values in dB, e.g. from :func:`power_to_db`.
    ref : float
        Reference power the dB values are relative to.

    Returns
    -------
    numpy.ndarray
        Power values; the inverse of :func:`power_to_db` where neither
        ``amin`` nor ``top_db`` clipped.
    """
    S_db = _real_values(S_db, "S_db", "decibel values", "the real dB values")
    ref = check.real_number(ref, "ref")
    return ref * np.power(10.0, 0.1 * S_db)


def db_to_amplitude(S_db, *, ref=1.0):
    """Convert decibels back to amplitude: ``ref * 10 ** (S_db / 20)``.

    Parameters
    ----------
    S_db : numpy.ndarray
        Values in dB, e.g. from :func:`amplitude_to_db`.
    ref : float
        Reference amplitude the dB values are relative to.

    Returns
    -------
    numpy.ndarray
        Amplitudes; the inverse of :func:`amplitude_to_db` where neither
        ``amin`` nor ``top_db`` clipped.
    """
    ref = check.real_number(ref, "ref")
    return db_to_power(S_db, ref=ref**2) ** 0.5


def _real_values(x, name, what, hint):
    """``x`` as a finite real float array (integers promoted to float64, complex refused)."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        raise ParameterTypeError(
            f"{name} must be {what} (real-valued), got a complex array ({x.dtype}); "
            f"pass {hint} instead"
        )
    if x.dtype.kind in "iu":
        x = x.astype(np.float64)
    return check.float_array(x, name, min_ndim=0)


def _reference(ref, values):
    if callable(ref):
        ref_value = ref(values)
    elif isinstance(ref, numbers.Real) and not isinstance(ref, bool):
        ref_value = abs(ref)
    else:
        raise ParameterTypeError(f"ref must be a number or a callable such as np.max, got {ref!r}")
    if not np.all(np.isfinite(ref_value)):
        raise ParameterError(f"ref gives {ref_value}, which is not finite")
    return ref_value
