"""Quality metrics for reconstructed audio and spectra.

- :func:`spectral_convergence`: how far a signal's STFT magnitude (or any
  magnitude estimate) is from a target magnitude, in dB (lower is better).
- :func:`log_spectral_distance`: RMS difference of two spectra in dB,
  averaged over frames (lower is better).
- :func:`snr`: signal-to-noise ratio of an estimate of a waveform, in dB
  (higher is better).
- :func:`stoi`: short-time objective intelligibility, through the optional
  package pystoi.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import MissingDependencyError, ParameterError, ParameterTypeError


def spectral_convergence(S, y=None, *, S_estimate=None, n_fft=None, hop_length=None,
                         win_length=None, window="hann", center=True, pad_mode="constant"):
    """Spectral convergence in dB: ``20 log10(||S - |STFT(y)||| / ||S||)``.

    Parameters
    ----------
    S : numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames)
        Target magnitude spectrogram (real, e.g. ``np.abs(stft(x))``).
    y : numpy.ndarray, shape (..., n), optional
        A signal, e.g. a phase-retrieval result; its STFT magnitude is
        compared with ``S``.
    S_estimate : numpy.ndarray, optional
        A magnitude estimate of the same shape as ``S``, compared directly
        (instead of ``y``).
    n_fft, hop_length, win_length, window, center, pad_mode
        STFT settings for ``y``, as in :func:`audiogp.dsp.stft` (``n_fft``
        defaults to ``2 * (n_bins - 1)``); they must be those ``S`` was made with.

    Returns
    -------
    float
        Frobenius norms over the whole array; ``-inf`` for a perfect match.

    Raises
    ------
    ParameterError
        If ``S`` is all zero (the relative error is undefined), or the
        estimate's shape differs from ``S``.

    Notes
    -----
    The consistency measure of phase retrieval: N. Sturmel and L. Daudet,
    "Signal reconstruction from STFT magnitude: a state of the art", DAFx
    2011; N. Perraudin, P. Balazs and P. Søndergaard, "A fast Griffin-Lim
    algorithm", WASPAA 2013.
    """
    S = _magnitudes(S, "S")
    if (y is None) == (S_estimate is None):
        raise ParameterError("give exactly one of y (a signal) or S_estimate (a magnitude)")
    if y is not None:
        from audiogp.dsp.spectrum import stft

        y = check.float_array(y, "y")
        if n_fft is None:
            n_fft = 2 * (S.shape[-2] - 1)
        estimate = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                               window=window, center=center, pad_mode=pad_mode))
        if estimate.shape != S.shape:
            raise ParameterError(
                f"|stft(y)| has shape {estimate.shape} but S has shape {S.shape}; use the "
                "n_fft/hop_length/center S was made with, and a signal of the matching length "
                "(e.g. istft(..., length=...))"
            )
    else:
        estimate = _magnitudes(S_estimate, "S_estimate")
        if estimate.shape != S.shape:
            raise ParameterError(f"S_estimate has shape {estimate.shape} but S has shape {S.shape}")
    reference = np.linalg.norm(S.astype(np.float64).ravel())
    if reference == 0:
        raise ParameterError("S is all zero: spectral convergence, a relative error, is undefined for a silent "
                             "reference; measure against a section that is not silent")
    error = np.linalg.norm((S.astype(np.float64) - estimate).ravel())
    if error == 0:
        return -np.inf
    return float(20.0 * np.log10(error / reference))


def log_spectral_distance(S, S_estimate, *, power=1.0, amin=1e-10):
    """Log-spectral distance in dB, averaged over frames.

    For each frame, the RMS over frequency of the difference of the two
    spectra in dB; then the mean over frames (and channels).

    Parameters
    ----------
    S, S_estimate : numpy.ndarray, shape (..., n_bins[, n_frames])
        Real, non-negative spectra of the same shape, ``|X| ** power``. A
        1-D input is one spectrum.
    power : float
        Exponent of the magnitude in ``S`` (1: magnitudes, 2: power).
    amin : float
        Floor (> 0) on the power ``|X|²`` before the log, so silent bins are
        finite (``10 log10(amin)`` dB).

    Returns
    -------
    float
        0 for identical spectra.

    Notes
    -----
    A. Gray and J. Markel, "Distance measures for speech processing", IEEE
    TASSP 24(5), 1976; L. Rabiner and B.-H. Juang, *Fundamentals of Speech
    Recognition*, Prentice Hall 1993, sec. 4.5. Codec work calls it
    spectral distortion.
    """
    S = _magnitudes(S, "S", min_ndim=1)
    S_estimate = _magnitudes(S_estimate, "S_estimate", min_ndim=1)
    if S.shape != S_estimate.shape:
        raise ParameterError(f"S_estimate has shape {S_estimate.shape} but S has shape {S.shape}")
    power = check.real_number(power, "power", exclusive_minimum=0)
    amin = check.real_number(amin, "amin", exclusive_minimum=0)

    def decibels(X):
        return 10.0 * np.log10(np.maximum(X.astype(np.float64) ** (2.0 / power), amin))

    difference = decibels(S) - decibels(S_estimate)
    freq_axis = 0 if S.ndim == 1 else -2
    per_frame = np.sqrt(np.mean(difference**2, axis=freq_axis))
    return float(np.mean(per_frame))


def snr(y, y_estimate):
    """Signal-to-noise ratio in dB: ``10 log10(sum y² / sum (y - y_estimate)²)``.

    Parameters
    ----------
    y : numpy.ndarray
        Reference signal (real, not all zero).
    y_estimate : numpy.ndarray
        Estimate of the same shape.

    Returns
    -------
    float
        ``inf`` for a perfect estimate.

    Notes
    -----
    The classical waveform SNR, e.g. N. Jayant and P. Noll, *Digital Coding
    of Waveforms*, Prentice Hall 1984, ch. 2.
    """
    y = check.float_array(y, "y")
    y_estimate = check.float_array(y_estimate, "y_estimate")
    if y.shape != y_estimate.shape:
        raise ParameterError(
            f"y_estimate has shape {y_estimate.shape} but y has shape {y.shape}; trim or pad "
            "one of them first"
        )
    signal = np.sum(y.astype(np.float64) ** 2)
    if signal == 0:
        raise ParameterError("y is all zero: the SNR of an estimate of silence is undefined; measure against a "
                             "section that is not silent")
    noise = np.sum((y.astype(np.float64) - y_estimate) ** 2)
    if noise == 0:
        return np.inf
    return float(10.0 * np.log10(signal / noise))


def stoi(y, y_estimate, *, sr, extended=False):
    """Short-time objective intelligibility of ``y_estimate`` against clean ``y``.

    Parameters
    ----------
    y : numpy.ndarray, shape (n,)
        Clean reference speech.
    y_estimate : numpy.ndarray, shape (n,)
        Processed or reconstructed speech, same length.
    sr : int
        Sample rate in Hz (pystoi resamples to 10 kHz internally).
    extended : bool
        Compute extended STOI (Jensen & Taal 2016) instead.

    Returns
    -------
    float
        Roughly 0 (unintelligible) to 1 (as the reference).

    Raises
    ------
    MissingDependencyError
        If pystoi is not installed (``pip install pystoi``).

    Notes
    -----
    C. Taal, R. Hendriks, R. Heusdens and J. Jensen, "An algorithm for
    intelligibility prediction of time-frequency weighted noisy speech",
    IEEE TASLP 19(7), 2011; computed by the pystoi package.
    """
    try:
        import pystoi
    except ImportError:
        raise MissingDependencyError(
            "stoi needs the optional package pystoi, which is not installed: "
            "pip install pystoi"
        ) from None
    y = check.float_array(y, "y")
    y_estimate = check.float_array(y_estimate, "y_estimate")
    if y.ndim != 1 or y_estimate.ndim != 1:
        raise ParameterError(
            f"stoi takes one channel: y has shape {y.shape}, y_estimate {y_estimate.shape}"
        )
    if y.shape != y_estimate.shape:
        raise ParameterError(
            f"y_estimate has {y_estimate.shape[0]} samples but y has {y.shape[0]}; trim or pad "
            "one of them first"
        )
    sr = check.integer(sr, "sr", minimum=1)
    return float(pystoi.stoi(y.astype(np.float64), y_estimate.astype(np.float64), sr,
                             extended=bool(extended)))


def _magnitudes(S, name, *, min_ndim=2):
    S = np.asarray(S)
    if np.iscomplexobj(S):
        raise ParameterTypeError(
            f"{name} must be a magnitude spectrogram (real), got a complex array ({S.dtype}); "
            "pass np.abs(D) instead"
        )
    return check.float_array(S, name, min_ndim=min_ndim)
