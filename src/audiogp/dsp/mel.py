"""Mel scale, mel filter banks, mel spectrograms and MFCCs.

Names, defaults and results are librosa's (``librosa.filters.mel``,
``librosa.feature.melspectrogram``, ``librosa.feature.mfcc``, ...), so code
and settings carry over unchanged; spectrograms come from
:func:`audiogp.dsp.stft`.

Two mel scales are available:

- Slaney's (the default, ``htk=False``): linear below 1 kHz (200/3 Hz per
  mel), logarithmic above (27 mels per factor 6.4), as in M. Slaney,
  "Auditory Toolbox", Technical Report 1998-010, Interval Research Corp.
- The HTK formula (``htk=True``): ``mel = 2595 log10(1 + f / 700)``
  (D. O'Shaughnessy, *Speech Communication: Human and Machine*,
  Addison-Wesley 1987; S. Young et al., *The HTK Book*).
"""

import numbers
import warnings

import numpy as np

from audiogp import _validate as check
from audiogp._core import mel as _kernels
from audiogp._threads import run_split
from audiogp.errors import ParameterError, ParameterTypeError

# Slaney's scale: linear part (Hz per mel), and where the log part starts.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0
# Below this many frames a projection runs in the calling thread: the pool costs more.
_MIN_FRAMES_PER_THREAD = 256


def hz_to_mel(frequencies, *, htk=False):
    """Convert frequencies in Hz to mels.

    Parameters
    ----------
    frequencies : float or array_like
        Frequencies in Hz.
    htk : bool
        Use the HTK formula instead of Slaney's scale (see the module notes).

    Returns
    -------
    float or numpy.ndarray
        Mels, a float for scalar input.
    """
    f = _as_float(frequencies, "frequencies")
    if htk:
        if np.any(f <= -700.0):
            raise ParameterError("frequencies must be > -700 Hz on the HTK mel scale")
        mels = 2595.0 * np.log10(1.0 + f / 700.0)
    else:
        mels = f / _F_SP
        log_part = f >= _MIN_LOG_HZ
        mels = np.where(log_part, _MIN_LOG_MEL + np.log(np.maximum(f, _MIN_LOG_HZ) / _MIN_LOG_HZ)
                        / _LOGSTEP, mels)
    return float(mels) if np.ndim(mels) == 0 else mels


def mel_to_hz(mels, *, htk=False):
    """Convert mels to frequencies in Hz (the inverse of :func:`hz_to_mel`).

    Parameters
    ----------
    mels : float or array_like
        Mel values.
    htk : bool
        Use the HTK formula instead of Slaney's scale.

    Returns
    -------
    float or numpy.ndarray
        Frequencies in Hz, a float for scalar input.
    """
    m = _as_float(mels, "mels")
    if htk:
        f = 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    else:
        f = _F_SP * m
        log_part = m >= _MIN_LOG_MEL
        f = np.where(log_part,
                     _MIN_LOG_HZ * np.exp(_LOGSTEP * (np.maximum(m, _MIN_LOG_MEL) - _MIN_LOG_MEL)), f)
    return float(f) if np.ndim(f) == 0 else f


def mel_frequencies(n_mels=128, *, fmin=0.0, fmax=11025.0, htk=False):
    """Frequencies in Hz of ``n_mels`` points equally spaced on the mel scale.

    Parameters
    ----------
    n_mels : int
        Number of points.
    fmin, fmax : float
        First and last point, in Hz.
    htk : bool
        Use the HTK formula instead of Slaney's scale.

    Returns
    -------
    numpy.ndarray, shape (n_mels,)
    """
    n_mels = check.integer(n_mels, "n_mels", minimum=0)
    fmin = check.real_number(fmin, "fmin", minimum=0)
    fmax = check.real_number(fmax, "fmax", minimum=0)
    mels = np.linspace(hz_to_mel(fmin, htk=htk), hz_to_mel(fmax, htk=htk), n_mels)
    return np.asarray(mel_to_hz(mels, htk=htk), dtype=np.float64)


def mel_filters(sr, n_fft, n_mels=128, *, fmin=0.0, fmax=None, htk=False, norm="slaney",
                dtype=np.float32):
    """Triangular mel filter bank, a matrix mapping FFT bins to mel bands.

    Filter ``m`` rises linearly from mel point ``m`` to ``m + 1`` and falls to
    ``m + 2``, over ``n_mels + 2`` points equally spaced in mels between
    ``fmin`` and ``fmax``.

    Parameters
    ----------
    sr : number
        Sample rate in Hz.
    n_fft : int
        FFT length; the bank has ``1 + n_fft // 2`` columns.
    n_mels : int
        Number of mel bands (rows).
    fmin : float
        Lowest frequency in Hz.
    fmax : float, optional
        Highest frequency in Hz (default ``sr / 2``).
    htk : bool
        Use the HTK mel formula instead of Slaney's scale.
    norm : {"slaney", None} or number
        ``"slaney"`` divides each triangle by its width in Hz (over two), so
        every band has about the same area (Slaney's Auditory Toolbox);
        a number ``p > 0`` (or ``np.inf``) scales each row to unit ``p``-norm;
        ``None`` leaves the triangles with unit peak.
    dtype : numpy float dtype
        Dtype of the matrix (librosa's default, float32).

    Returns
    -------
    numpy.ndarray, shape (n_mels, 1 + n_fft // 2)

    Notes
    -----
    Matches ``librosa.filters.mel``. Triangular mel-spaced filter banks come
    from S. Davis and P. Mermelstein, "Comparison of parametric
    representations for monosyllabic word recognition in continuously
    spoken sentences", IEEE TASSP 28(4), 1980. Like librosa, a band that
    falls between FFT bins is left empty and a ``UserWarning`` says so.
    """
    sr = check.real_number(sr, "sr", exclusive_minimum=0)
    n_fft = check.integer(n_fft, "n_fft", minimum=1)
    n_mels = check.integer(n_mels, "n_mels", minimum=1)
    fmin = check.real_number(fmin, "fmin", minimum=0)
    fmax = sr / 2.0 if fmax is None else check.real_number(fmax, "fmax", minimum=0)
    if fmax <= fmin:
        raise ParameterError(f"fmax={fmax:g} must be greater than fmin={fmin:g}")
    norm = _check_norm(norm)

    fft_freqs = np.arange(1 + n_fft // 2) * (sr / n_fft)
    edges = mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax, htk=htk)
    widths = np.diff(edges)
    distance = edges[:, None] - fft_freqs[None, :]  # point minus bin frequency
    rising = -distance[:-2] / widths[:-1, None]
    falling = distance[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))

    if norm == "slaney":
        weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    elif norm is not None:
        weights = _unit_rows(weights, norm)

    empty = (edges[:-2] != 0) & (weights.max(axis=1) <= 0)
    if np.any(empty):
        warnings.warn(
            f"mel band(s) {np.flatnonzero(empty).tolist()} contain no FFT bin and are all zero; "
            f"use fewer mel bands (n_mels={n_mels}) or a longer FFT (n_fft={n_fft})",
            UserWarning, stacklevel=2,
        )
    return weights.astype(dtype)


def melspectrogram(y=None, sr=22050, S=None, n_fft=None, hop_length=512, win_length=None,
                   window="hann", center=True, pad_mode="constant", power=2.0, *,
                   n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney"):
    """Mel spectrogram: a mel filter bank applied to a (power) spectrogram.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n), optional
        Real signal(s); its ``|stft| ** power`` is computed with
        :func:`audiogp.dsp.stft`.
    sr : number
        Sample rate in Hz.
    S : numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames), optional
        A real magnitude/power spectrogram to use instead of ``y``.
    n_fft : int, optional
        FFT length (default 2048 from ``y``; from ``S``, ``2 * (n_bins - 1)``).
    hop_length, win_length, window, center, pad_mode
        STFT settings, see :func:`audiogp.dsp.stft` (used with ``y`` only).
    power : float
        Exponent of the magnitude (2: power, 1: magnitude), with ``y`` only.
    n_mels, fmin, fmax, htk, norm
        Filter bank settings, see :func:`mel_filters`.

    Returns
    -------
    numpy.ndarray, shape (..., n_mels, n_frames)

    Notes
    -----
    Matches ``librosa.feature.melspectrogram`` (whose filter-bank settings
    arrive as ``**kwargs``). The filter bank is float32, as librosa's; it is
    applied by a compiled kernel that visits only each filter's band of bins
    and forms ``|X| ** power`` on the fly.
    """
    if S is not None:
        if y is not None:
            raise ParameterError("give either y or S, not both")
        S = _real_spectrogram(S, "S", "a magnitude or power spectrogram", "np.abs(D) ** power")
        n_bins = S.shape[-2]
        n_fft = 2 * (n_bins - 1) if n_fft is None else check.integer(n_fft, "n_fft", minimum=1)
        if n_fft // 2 + 1 != n_bins:
            raise ParameterError(
                f"S has {n_bins} frequency bins but n_fft={n_fft} gives {n_fft // 2 + 1}"
            )
        spectrogram, power = S, None
    else:
        if y is None:
            raise ParameterError("give a signal y or a spectrogram S")
        from audiogp.dsp.spectrum import stft

        power = check.real_number(power, "power", exclusive_minimum=0)
        n_fft = 2048 if n_fft is None else n_fft
        spectrogram = stft(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                           window=window, center=center, pad_mode=pad_mode)
    basis = mel_filters(sr, n_fft, n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm)
    return _project(basis, spectrogram, power)


def mfcc(y=None, sr=22050, S=None, n_mfcc=20, dct_type=2, norm="ortho", lifter=0, **kwargs):
    """Mel-frequency cepstral coefficients.

    The DCT (over the band axis) of a log-power mel spectrogram, keeping the
    first ``n_mfcc`` coefficients.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n), optional
        Real signal(s).
    sr : number
        Sample rate in Hz.
    S : numpy.ndarray, shape (..., n_mels, n_frames), optional
        A log-power mel spectrogram (e.g. ``power_to_db(melspectrogram(...))``)
        to use instead of ``y``.
    n_mfcc : int
        Number of coefficients to keep (at most the number of mel bands).
    dct_type : {1, 2, 3}
        DCT type (:func:`scipy.fft.dct`).
    norm : {"ortho", None}
        DCT normalisation.
    lifter : float
        If > 0, multiply coefficient ``k`` (counting from 1) by
        ``1 + (lifter / 2) sin(pi k / lifter)`` (sinusoidal liftering).
    **kwargs
        Passed to :func:`melspectrogram` when computing from ``y``
        (``n_fft``, ``hop_length``, ``n_mels``, ``fmax``, ...).

    Returns
    -------
    numpy.ndarray, shape (..., n_mfcc, n_frames)

    Notes
    -----
    Matches ``librosa.feature.mfcc``. MFCCs are due to S. Davis and
    P. Mermelstein, "Comparison of parametric representations for
    monosyllabic word recognition in continuously spoken sentences", IEEE
    TASSP 28(4), 1980; the lifter is that of B.-H. Juang, L. Rabiner and
    J. Wilpon, "On the use of bandpass liftering in speech recognition",
    IEEE TASSP 35(7), 1987. The log uses :func:`audiogp.dsp.power_to_db`
    with its defaults (``top_db=80``).
    """
    import scipy.fft

    from audiogp.dsp.db import power_to_db

    n_mfcc = check.integer(n_mfcc, "n_mfcc", minimum=1)
    check.choice(dct_type, "dct_type", (1, 2, 3))
    check.choice(norm, "norm", ("ortho", None))
    lifter = check.real_number(lifter, "lifter", minimum=0)
    if S is None:
        if y is None:
            raise ParameterError("give a signal y or a log-mel spectrogram S")
        S = power_to_db(melspectrogram(y=y, sr=sr, **kwargs))
    else:
        if y is not None:
            raise ParameterError("give either y or S, not both")
        if kwargs:
            raise ParameterError(
                f"{', '.join(sorted(kwargs))} only apply when computing from y; S is already a "
                "log-mel spectrogram"
            )
        S = _real_spectrogram(S, "S", "a log-power mel spectrogram", "power_to_db(mel)")
    if n_mfcc > S.shape[-2]:
        raise ParameterError(f"n_mfcc={n_mfcc} is more than the {S.shape[-2]} mel bands")
    if dct_type == 1 and S.shape[-2] < 2:
        raise ParameterError("dct_type=1 needs at least 2 mel bands")
    M = scipy.fft.dct(S, axis=-2, type=dct_type, norm=norm)[..., :n_mfcc, :]
    if lifter > 0:
        k = np.arange(1, 1 + n_mfcc, dtype=M.dtype)
        M *= (1 + (lifter / 2) * np.sin(np.pi * k / lifter))[:, None]
    return M


def _project(basis, spectrogram, power):
    """``basis @ P`` for ``P = spectrogram`` (real) or ``|spectrogram| ** power`` (complex).

    Equal to ``np.matmul(basis, P)`` (the weights are ``basis``'s, in the
    spectrogram's precision, as NumPy's type promotion would make them), but
    the compiled kernel only visits each filter's band of bins, forms
    ``|X| ** power`` on the fly, and does not depend on a BLAS thread pool.
    """
    n_bins, n_frames = spectrogram.shape[-2:]
    lead = spectrogram.shape[:-2]
    is_complex = np.iscomplexobj(spectrogram)
    frames = np.ascontiguousarray(np.swapaxes(spectrogram, -1, -2)).reshape(-1, n_bins)
    if is_complex:
        frames = frames.view(np.float32 if frames.dtype == np.complex64 else np.float64)
    real_dtype = frames.dtype
    weights, start, length, offset = _bands(basis, real_dtype)
    out = np.empty((frames.shape[0], basis.shape[0]), dtype=real_dtype)
    power = 1.0 if power is None else float(power)

    def work(row_start, row_stop):
        _kernels.mel_project(frames, is_complex, power, weights, start, length, offset, out,
                             row_start, row_stop)

    run_split(work, frames.shape[0], min_chunk=_MIN_FRAMES_PER_THREAD)
    out = out.reshape(lead + (n_frames, basis.shape[0]))
    return np.ascontiguousarray(np.swapaxes(out, -1, -2))


def _bands(basis, dtype):
    """The filter bank as one contiguous band of weights per filter (see :mod:`audiogp._core.mel`)."""
    nonzero = basis != 0
    filled = nonzero.any(axis=1)
    n_bins = basis.shape[1]
    start = np.where(filled, nonzero.argmax(axis=1), 0)
    stop = np.where(filled, n_bins - nonzero[:, ::-1].argmax(axis=1), 0)
    length = stop - start
    offset = np.concatenate([[0], np.cumsum(length)[:-1]])
    weights = np.concatenate([basis[m, start[m]:stop[m]] for m in range(basis.shape[0])] +
                             [np.zeros(0, dtype=basis.dtype)])
    as_index = np.intp
    return (np.ascontiguousarray(weights, dtype=dtype), start.astype(as_index),
            length.astype(as_index), offset.astype(as_index))


def _real_spectrogram(S, name, what, hint):
    S = np.asarray(S)
    if np.iscomplexobj(S):
        raise ParameterTypeError(
            f"{name} must be {what} (real-valued), got a complex array ({S.dtype}); "
            f"pass {hint} instead"
        )
    return check.float_array(S, name, min_ndim=2)


def _as_float(x, name):
    x = np.asarray(x)
    if np.iscomplexobj(x):
        raise ParameterTypeError(f"{name} must be real, got a complex value")
    if x.dtype.kind in "iub":
        x = x.astype(np.float64)
    return check.float_array(x, name, min_ndim=0, allow_empty=True)


def _check_norm(norm):
    if norm is None or norm == "slaney":
        return norm
    if isinstance(norm, str):
        raise ParameterError(f"norm={norm!r} is not one of 'slaney', None or a number p > 0")
    if isinstance(norm, bool) or not isinstance(norm, numbers.Real) or not norm > 0:
        raise ParameterError(f"norm={norm!r} must be 'slaney', None or a number p > 0 (or np.inf)")
    return float(norm)


def _unit_rows(weights, p):
    """Scale each row to unit ``p``-norm; rows of (near) zero norm are left as they are."""
    magnitude = np.abs(weights)
    if np.isinf(p):
        length = magnitude.max(axis=1)
    else:
        length = np.sum(magnitude**p, axis=1) ** (1.0 / p)
    length[length < np.finfo(weights.dtype).tiny] = 1.0
    return weights / length[:, None]
