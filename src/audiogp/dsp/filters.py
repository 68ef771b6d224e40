"""Butterworth low-, high- and band-pass filters.

The filters are designed with :func:`scipy.signal.butter` as second-order
sections (numerically safer than transfer-function coefficients at high
orders or low cut-offs) and applied along the last axis, either causally
(:func:`scipy.signal.sosfilt`, zero initial state) or forwards and backwards
for zero phase (:func:`scipy.signal.sosfiltfilt`, whose magnitude response is
the square of the causal one, so the effective order doubles).

Digital Butterworth responses (bilinear transform, cut-offs pre-warped):
with ``W(f) = tan(pi f / sr)``, a low-pass of order ``N`` has
``|H(f)|² = 1 / (1 + (W(f) / W(fc))^(2N))`` and a band-pass between ``f1``
and ``f2`` has ``|H(f)|² = 1 / (1 + ((W² - W1 W2) / (W (W2 - W1)))^(2N))``.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError

_BTYPES = ("lowpass", "highpass", "bandpass", "bandstop")


def butter_sos(order, cutoff, *, sr, btype="lowpass"):
    """Design a digital Butterworth filter as second-order sections.

    Parameters
    ----------
    order : int
        Filter order ``N`` (>= 1); band filters have ``2N`` poles.
    cutoff : float or (float, float)
        Cut-off frequency in Hz (the -3 dB point), or ``(low, high)`` for
        ``"bandpass"`` / ``"bandstop"``; each strictly inside ``(0, sr / 2)``.
    sr : number
        Sample rate in Hz.
    btype : {"lowpass", "highpass", "bandpass", "bandstop"}
        Filter type.

    Returns
    -------
    numpy.ndarray, shape (n_sections, 6)
        Second-order sections for :func:`scipy.signal.sosfilt`.

    Notes
    -----
    S. Butterworth, "On the theory of filter amplifiers", Wireless Engineer
    7, 1930; digitised by the bilinear transform with pre-warping, as
    :func:`scipy.signal.butter` does.
    """
    import scipy.signal

    order = check.integer(order, "order", minimum=1, maximum=64)
    sr = check.real_number(sr, "sr", exclusive_minimum=0)
    check.choice(btype, "btype", _BTYPES)
    if btype in ("bandpass", "bandstop"):
        try:
            low, high = cutoff
        except (TypeError, ValueError):
            raise ParameterError(
                f"cutoff must be a pair (low, high) in Hz for btype={btype!r}, got {cutoff!r}"
            ) from None
        low = _cut(low, "cutoff[0]", sr)
        high = _cut(high, "cutoff[1]", sr)
        if not low < high:
            raise ParameterError(f"the low cut-off ({low:g} Hz) must be below the high one ({high:g} Hz)")
        cutoff = (low, high)
    else:
        cutoff = _cut(cutoff, "cutoff", sr)
    return scipy.signal.butter(order, cutoff, btype=btype, fs=sr, output="sos")


def butter_bandpass(y, *, sr, lowcut, highcut, order=5, zero_phase=False):
    """Band-pass a signal with a Butterworth filter.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real floating-point signal(s), filtered along the last axis.
    sr : number
        Sample rate in Hz.
    lowcut, highcut : float
        Band edges in Hz (-3 dB points of the causal filter), with
        ``0 < lowcut < highcut < sr / 2``.
    order : int
        Order of the low-pass prototype; the band-pass has ``2 * order`` poles.
    zero_phase : bool
        Filter forwards and backwards (no phase shift, squared magnitude
        response, so the band edges become -6 dB points); needs a signal
        longer than scipy's edge padding.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        The filtered signal, in the input's dtype (computed in float64).

    Notes
    -----
    Butterworth (1930), designed and applied with SciPy; see the module notes
    for the magnitude response.
    """
    sr = check.real_number(sr, "sr", exclusive_minimum=0)
    lowcut, highcut = _cut(lowcut, "lowcut", sr), _cut(highcut, "highcut", sr)
    if not lowcut < highcut:
        raise ParameterError(f"lowcut={lowcut:g} Hz must be below highcut={highcut:g} Hz")
    sos = butter_sos(order, (lowcut, highcut), sr=sr, btype="bandpass")
    return _apply(sos, y, zero_phase)


def butter_lowpass(y, *, sr, cutoff, order=5, zero_phase=False):
    """Low-pass a signal with a Butterworth filter.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real floating-point signal(s), filtered along the last axis.
    sr : number
        Sample rate in Hz.
    cutoff : float
        Cut-off in Hz (-3 dB point of the causal filter), in ``(0, sr / 2)``.
    order : int
        Filter order.
    zero_phase : bool
        Filter forwards and backwards (see :func:`butter_bandpass`).

    Returns
    -------
    numpy.ndarray, shape (..., n)
    """
    sos = butter_sos(order, cutoff, sr=sr, btype="lowpass")
    return _apply(sos, y, zero_phase)


def butter_highpass(y, *, sr, cutoff, order=5, zero_phase=False):
    """High-pass a signal with a Butterworth filter.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real floating-point signal(s), filtered along the last axis.
    sr : number
        Sample rate in Hz.
    cutoff : float
        Cut-off in Hz (-3 dB point of the causal filter), in ``(0, sr / 2)``.
    order : int
        Filter order.
    zero_phase : bool
        Filter forwards and backwards (see :func:`butter_bandpass`).

    Returns
    -------
    numpy.ndarray, shape (..., n)
    """
    sos = butter_sos(order, cutoff, sr=sr, btype="highpass")
    return _apply(sos, y, zero_phase)


def _cut(value, name, sr):
    value = check.real_number(value, name)
    if not 0 < value < sr / 2:
        raise ParameterError(
            f"{name}={value:g} Hz is outside (0, sr/2) = (0, {sr / 2:g}) Hz; a digital filter's "
            "cut-offs must lie strictly between 0 and the Nyquist frequency"
        )
    return value


def _apply(sos, y, zero_phase):
    import scipy.signal

    y = check.float_array(y, "y")
    x = y.astype(np.float64, copy=False)
    if zero_phase:
        # scipy.signal.sosfiltfilt's default odd-extension length.
        padlen = 3 * (2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum()))
        if y.shape[-1] <= padlen:
            raise ParameterError(
                f"y has {y.shape[-1]} samples; zero-phase filtering with this order needs more "
                f"than {padlen}: use a longer signal, a lower order or zero_phase=False"
            )
        out = scipy.signal.sosfiltfilt(sos, x, axis=-1)
    else:
        out = scipy.signal.sosfilt(sos, x, axis=-1)
    return out.astype(y.dtype, copy=False)
