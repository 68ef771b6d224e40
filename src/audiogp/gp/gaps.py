"""Where samples are missing: gap specifications, masks and the SNR on the gaps.

A *gap* is a half-open range of sample indices ``[start, stop)``. The
functions here turn every way a user may say where samples are missing into
one normal form -- a sorted ``(n_gaps, 2)`` integer array of disjoint,
non-adjacent ranges -- and measure how well an estimate restores them:

- :func:`gap_ranges`: ranges in samples or seconds, or a boolean mask, to
  the normal form (overlapping and touching gaps are merged);
- :func:`gap_mask`: the same as a boolean mask;
- :func:`periodic_gaps`: gaps of one length at a fixed spacing (to punch
  holes in a signal for a test or a benchmark);
- :func:`gap_snr`: the signal-to-noise ratio over the missing samples only.
"""

import numbers

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError, ParameterTypeError

UNITS = ("samples", "seconds")


def gap_ranges(gaps, n_samples, *, sr=None, units="samples"):
    """Normalise a gap specification to sorted, disjoint sample ranges.

    Parameters
    ----------
    gaps : array_like of bool, shape (n_samples,), or sequence of (start, stop)
        Either a boolean mask, True where a sample is missing, or pairs
        ``(start, stop)``: the half-open range ``start <= t < stop``, in
        ``units``. An empty sequence means no gaps.
    n_samples : int
        Length of the signal the gaps are in.
    sr : float, optional
        Sample rate in Hz; needed for ``units="seconds"``.
    units : {"samples", "seconds"}
        Unit of the pairs. Seconds are rounded to the nearest sample
        (``start = round(start * sr)``, likewise ``stop``). A mask is always
        in samples.

    Returns
    -------
    numpy.ndarray, shape (n_gaps, 2), int64
        ``[start, stop)`` pairs in samples, sorted, with overlapping or
        touching gaps merged into their union.

    Raises
    ------
    ParameterError
        For a mask of the wrong length, a pair with ``stop <= start``, or a
        gap reaching outside ``[0, n_samples)``; the message names the gap.
    """
    n_samples = check.integer(n_samples, "n_samples", minimum=0)
    check.choice(units, "units", UNITS)
    array = gaps if isinstance(gaps, np.ndarray) else None
    if array is not None and array.dtype == bool or _is_bool_sequence(gaps):
        return _ranges_from_mask(np.asarray(gaps), n_samples)
    pairs = _pairs(gaps)
    if units == "seconds":
        if sr is None:
            raise ParameterError("units='seconds' needs the sample rate sr")
        sr = check.real_number(sr, "sr", exclusive_minimum=0)
        pairs_s = pairs
        pairs = np.rint(pairs_s * sr).astype(np.int64)
    elif pairs.size and not np.all(pairs == np.rint(pairs)):
        bad = int(np.flatnonzero(np.any(pairs != np.rint(pairs), axis=1))[0])
        raise ParameterError(
            f"gap {bad} is {_show(pairs[bad])}, but with units='samples' its ends must be whole "
            "sample indices; pass units='seconds' for times"
        )
    pairs = pairs.astype(np.int64)
    what = "s" if units == "seconds" else ""
    for index, (start, stop) in enumerate(pairs):
        given = _show(pairs_s[index]) + " s" if units == "seconds" else _show(pairs[index])
        if stop <= start:
            raise ParameterError(
                f"gap {index} is {given}: a gap is (start, stop) with stop > start "
                f"(the half-open range start <= t < stop{what and ' in seconds'})"
            )
        if start < 0 or stop > n_samples:
            raise ParameterError(
                f"gap {index} is {given} (samples {start} to {stop}), outside the signal, "
                f"which has {n_samples} samples (0 to {n_samples})"
                + (f", {n_samples / sr:g} s" if sr is not None else "")
            )
    return _merge(pairs)


def gap_mask(gaps, n_samples, *, sr=None, units="samples"):
    """The boolean mask, True where a sample is missing, of a gap specification.

    Takes the arguments of :func:`gap_ranges`; returns a bool array of shape
    ``(n_samples,)``.
    """
    mask = np.zeros(check.integer(n_samples, "n_samples", minimum=0), dtype=bool)
    for start, stop in gap_ranges(gaps, n_samples, sr=sr, units=units):
        mask[start:stop] = True
    return mask


def periodic_gaps(n_samples, sr, *, length_ms, every_ms, first_ms=None):
    """Gaps of one length at a fixed spacing, as sample ranges.

    Parameters
    ----------
    n_samples : int
        Length of the signal.
    sr : float
        Sample rate in Hz.
    length_ms : float
        Length of each gap in milliseconds (rounded to whole samples, at
        least one).
    every_ms : float
        Distance from the start of one gap to the start of the next, ms;
        must exceed ``length_ms``.
    first_ms : float, optional
        Start of the first gap, ms (default: half of ``every_ms``).

    Returns
    -------
    numpy.ndarray, shape (n_gaps, 2), int64
        ``[start, stop)`` in samples; only whole gaps that fit in the signal.
    """
    n_samples = check.integer(n_samples, "n_samples", minimum=1)
    sr = check.real_number(sr, "sr", exclusive_minimum=0)
    length_ms = check.real_number(length_ms, "length_ms", exclusive_minimum=0)
    every_ms = check.real_number(every_ms, "every_ms", exclusive_minimum=0)
    if every_ms <= length_ms:
        raise ParameterError(f"every_ms={every_ms:g} must exceed length_ms={length_ms:g}, or "
                             "the gaps would cover the whole signal")
    first_ms = every_ms / 2 if first_ms is None else check.real_number(first_ms, "first_ms", minimum=0)
    length = max(1, int(round(length_ms * sr / 1000)))
    starts = []
    k = 0
    while True:
        start = int(round((first_ms + k * every_ms) * sr / 1000))
        if start + length > n_samples:
            break
        starts.append(start)
        k += 1
    starts = np.asarray(starts, dtype=np.int64)
    return np.stack([starts, starts + length], axis=1) if starts.size else np.zeros((0, 2), np.int64)


def gap_snr(reference, estimate, gaps, *, sr=None, units="samples"):
    """Signal-to-noise ratio in dB over the missing samples only.

    ``10 log10(sum y[t]² / sum (y[t] - y_estimate[t])²)`` with the sums over
    every sample ``t`` of every gap (and every channel): the SNR of the
    restored samples, which the known samples, left as they were, would
    otherwise inflate.

    Parameters
    ----------
    reference : array_like, shape (..., n_samples)
        The clean signal.
    estimate : array_like, same shape
        The restored signal.
    gaps, sr, units
        Where the samples were missing, as for :func:`gap_ranges`.

    Returns
    -------
    float
        ``inf`` for a perfect restoration.

    Raises
    ------
    ParameterError
        For no gaps, shapes that differ, or a reference that is silent on
        every gap (the SNR is then undefined).
    """
    reference = check.float_array(reference, "reference")
    estimate = check.float_array(estimate, "estimate")
    if reference.shape != estimate.shape:
        raise ParameterError(f"estimate has shape {estimate.shape} but reference has shape "
                             f"{reference.shape}; compare signals of the same length")
    mask = gap_mask(gaps, reference.shape[-1], sr=sr, units=units)
    if not mask.any():
        raise ParameterError("gaps is empty: there are no missing samples to measure the SNR on")
    ref = reference[..., mask].astype(np.float64)
    signal = float(np.sum(ref ** 2))
    if signal == 0:
        raise ParameterError("the reference is silent on every gap: the SNR of restored silence "
                             "is undefined; measure on gaps that hold sound")
    noise = float(np.sum((ref - estimate[..., mask]) ** 2))
    return np.inf if noise == 0 else 10.0 * float(np.log10(signal / noise))


def _is_bool_sequence(gaps):
    if isinstance(gaps, (list, tuple)) and gaps:
        return all(isinstance(g, (bool, np.bool_)) for g in gaps)
    return False


def _ranges_from_mask(mask, n_samples):
    if mask.ndim != 1:
        raise ParameterError(f"a gap mask must be 1-D, True where a sample is missing; got shape "
                             f"{mask.shape} (one mask serves every channel)")
    if mask.shape[0] != n_samples:
        raise ParameterError(f"the gap mask has {mask.shape[0]} samples but the signal has "
                             f"{n_samples}; give one flag per sample")
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)], axis=1).astype(np.int64)


def _pairs(gaps):
    if isinstance(gaps, (str, bytes)) or not hasattr(gaps, "__len__"):
        raise ParameterTypeError(
            f"gaps must be a boolean mask or a sequence of (start, stop) pairs, got {gaps!r}"
        )
    if len(gaps) == 0:
        return np.zeros((0, 2))
    for index, pair in enumerate(gaps):
        if (isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2
                or not all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
                           for v in pair)):
            raise ParameterError(f"gap {index} is {pair!r}; each gap is a pair of numbers "
                                 "(start, stop)")
    pairs = np.asarray(gaps, dtype=np.float64).reshape(-1, 2)
    bad = check.first_nonfinite(pairs)
    if bad is not None:
        raise ParameterError(f"gap {bad[0]} is {_show(pairs[bad[0]])}; its ends must be finite")
    return pairs


def _merge(pairs):
    if len(pairs) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    merged = [list(pairs[0])]
    for start, stop in pairs[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    return np.asarray(merged, dtype=np.int64)


def _show(pair):
    return "(" + ", ".join(f"{float(v):g}" for v in pair) + ")"
