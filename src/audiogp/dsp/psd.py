"""Periodograms of a signal cut into blocks, and the Bark critical-band table.

The block periodogram is the spectral estimate the Gaussian-process models
fit (one periodogram per short block, Whittle's likelihood); the Bark table
places their initial spectral peaks one per critical band.

Scaling
-------
Both scalings are one-sided (negative frequencies folded onto positive ones)
and follow :func:`scipy.signal.periodogram`:

``"density"`` (power spectral density, units² / Hz)
    ``P[k] = c_k |X[k]|² / (sr · Σ w²)``, ``c_k = 2`` except at DC and
    Nyquist (``c_k = 1``). With a boxcar window, ``Σ_k P[k] · sr / n_fft``
    equals the mean square of the block (Parseval), so for white noise of
    variance σ² the density averages ``2σ² / sr`` and integrates to σ² over
    ``[0, sr/2]``.
``"spectrum"`` (power spectrum, units²)
    ``P[k] = c_k |X[k]|² / (Σ w)²``: a sinusoid of amplitude ``A`` centred on
    bin ``k`` reads ``A² / 2``, its power.
"""

import numpy as np
import scipy.fft

from audiogp import _validate as check
from audiogp._threads import n_threads
from audiogp.dsp.spectrum import get_window
from audiogp.errors import ParameterError


#: Critical-band edges in Hz (Zwicker 1961): band ``b`` is ``[edges[b], edges[b + 1])``.
BARK_BAND_EDGES = np.array([
    0, 100, 200, 300, 400, 510, 630, 770, 920, 1080, 1270, 1480, 1720, 2000,
    2320, 2700, 3150, 3700, 4400, 5300, 6400, 7700, 9500, 12000, 15500,
], dtype=np.float64)
BARK_BAND_EDGES.flags.writeable = False

#: Critical-band centre frequencies in Hz (Zwicker 1961), one per band.
BARK_BAND_CENTERS = np.array([
    50, 150, 250, 350, 450, 570, 700, 840, 1000, 1170, 1370, 1600, 1850, 2150,
    2500, 2900, 3400, 4000, 4800, 5800, 7000, 8500, 10500, 13500,
], dtype=np.float64)
BARK_BAND_CENTERS.flags.writeable = False


def block_lengths(sr, block_length=None, hop_length=None, *, block_ms=None, hop_ms=None):
    """Block length and hop in samples, from samples or milliseconds.

    Parameters
    ----------
    sr : number
        Sample rate in Hz.
    block_length, hop_length : int, optional
        Lengths in samples.
    block_ms, hop_ms : float, optional
        Lengths in milliseconds, rounded to the nearest sample; give each
        length in samples or in milliseconds, not both.

    Returns
    -------
    (int, int)
        ``(block_length, hop_length)``. Without any block length the block is
        1024 samples; without a hop the blocks do not overlap
        (``hop_length = block_length``).
    """
    sr = check.real_number(sr, "sr", exclusive_minimum=0)
    block_length = _samples(sr, block_length, block_ms, "block_length", "block_ms", default=1024)
    hop_length = _samples(sr, hop_length, hop_ms, "hop_length", "hop_ms", default=block_length)
    return block_length, hop_length


def _samples(sr, samples, ms, samples_name, ms_name, *, default):
    if samples is not None and ms is not None:
        raise ParameterError(f"give {samples_name} (samples) or {ms_name} (milliseconds), not both")
    if ms is not None:
        ms = check.real_number(ms, ms_name, exclusive_minimum=0)
        samples = int(round(sr * ms / 1000.0))
        if samples < 1:
            raise ParameterError(
                f"{ms_name}={ms:g} is less than one sample at sr={sr:g} Hz; use a longer duration"
            )
        return samples
    if samples is None:
        return default
    return check.integer(samples, samples_name, minimum=1)


def periodogram(y, *, sr=22050, n_fft=None, window="boxcar", scaling="density", detrend=False):
    """One-sided periodogram of a whole signal.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real floating-point signal(s); leading axes are channels.
    sr : number
        Sample rate in Hz.
    n_fft : int, optional
        FFT length (default ``n``); ``n_fft > n`` zero-pads for a finer
        frequency grid, ``n_fft < n`` is refused.
    window : str, tuple, callable or array_like
        Window applied before the FFT (see :func:`audiogp.dsp.get_window`);
        the default boxcar gives the raw periodogram.
    scaling : {"density", "spectrum"}
        Power spectral density (units²/Hz) or power spectrum (units²); see
        the module notes.
    detrend : {False, None, "constant"}
        Subtract the mean of the signal before windowing (``"constant"``) or not.

    Returns
    -------
    freqs : numpy.ndarray, shape (1 + n_fft // 2,)
        Bin frequencies in Hz.
    psd : numpy.ndarray, shape (..., 1 + n_fft // 2)

    Notes
    -----
    Schuster's periodogram ("On the investigation of hidden periodicities",
    Terrestrial Magnetism 3(1), 1898) with the window normalisation of
    Welch (IEEE Trans. Audio Electroacoust. 15(2), 1967); the scalings are
    those of :func:`scipy.signal.periodogram`.
    """
    y = check.float_array(y, "y")
    if n_fft is not None and check.integer(n_fft, "n_fft", minimum=1) < y.shape[-1]:
        raise ParameterError(
            f"n_fft={n_fft} is shorter than the signal ({y.shape[-1]} samples); the periodogram "
            "zero-pads but never truncates: use block_periodogram for shorter blocks"
        )
    freqs, psd = block_periodogram(
        y, sr=sr, block_length=y.shape[-1], n_fft=n_fft, window=window,
        scaling=scaling, detrend=detrend,
    )
    return freqs, psd[..., 0, :]


def block_periodogram(y, *, sr=22050, block_length=None, hop_length=None, block_ms=None,
                      hop_ms=None, n_fft=None, window="boxcar", scaling="density",
                      detrend=False, pad_end=False):
    """One-sided periodogram of each block of a signal.

    Block ``b`` holds samples ``[b * hop_length, b * hop_length + block_length)``.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real floating-point signal(s); leading axes are channels.
    sr : number
        Sample rate in Hz.
    block_length, hop_length : int, optional
        Block length and hop in samples (default 1024, and non-overlapping
        blocks).
    block_ms, hop_ms : float, optional
        The same in milliseconds, instead of samples.
    n_fft : int, optional
        FFT length, at least ``block_length`` (default ``block_length``);
        longer FFTs zero-pad each block.
    window : str, tuple, callable or array_like
        Window applied to each block (default boxcar: the raw periodogram).
    scaling : {"density", "spectrum"}
        Power spectral density (units²/Hz) or power spectrum (units²); see
        the module notes.
    detrend : {False, None, "constant"}
        Subtract each block's mean before windowing (``"constant"``) or not.
    pad_end : bool
        Zero-pad the end of the signal so that the last, partial block is
        kept; by default only complete blocks are analysed (as
        :func:`scipy.signal.spectrogram` does).

    Returns
    -------
    freqs : numpy.ndarray, shape (1 + n_fft // 2,)
        Bin frequencies in Hz.
    psd : numpy.ndarray, shape (..., n_blocks, 1 + n_fft // 2)
        One row per block: ``psd[..., b, :]`` is the periodogram of block
        ``b`` (the layout of :class:`audiogp.types.BlockPSD`), in the input's
        floating dtype. Transpose the last two axes for scipy's and
        librosa's frequency-by-time layout.

    Notes
    -----
    Averaging over blocks gives Welch's estimate (Welch, "The use of fast
    Fourier transform for the estimation of power spectra", IEEE Trans.
    Audio Electroacoust. 15(2), 1967). The scalings match
    :func:`scipy.signal.spectrogram` with ``mode="psd"`` (whose output is
    this one with the last two axes swapped).
    """
    y = check.float_array(y, "y")
    block_length, hop_length = block_lengths(
        sr, block_length, hop_length, block_ms=block_ms, hop_ms=hop_ms
    )
    sr = float(sr)
    n_fft = block_length if n_fft is None else check.integer(n_fft, "n_fft", minimum=1)
    if n_fft < block_length:
        raise ParameterError(f"n_fft={n_fft} must be >= block_length={block_length}")
    check.choice(scaling, "scaling", ("density", "spectrum"))
    check.choice(detrend, "detrend", (False, None, "constant"))

    n_samples = y.shape[-1]
    if pad_end:
        n_blocks = max(1, -(-(n_samples - block_length) // hop_length) + 1)
    else:
        if n_samples < block_length:
            raise ParameterError(
                f"y has {n_samples} samples, fewer than block_length={block_length}; "
                "use a shorter block or pad_end=True"
            )
        n_blocks = 1 + (n_samples - block_length) // hop_length

    dtype = y.dtype
    win = get_window(window, block_length, dtype=np.float64)
    channels = y.reshape(-1, n_samples)
    covered = (n_blocks - 1) * hop_length + block_length
    if covered > n_samples:  # pad_end: the last block runs past the signal, zero-filled
        channels = np.pad(channels, ((0, 0), (0, covered - n_samples)))
    # A strided view of the blocks; the windowing below makes the one copy.
    views = np.lib.stride_tricks.sliding_window_view(channels, block_length, axis=-1)
    views = views[:, : (n_blocks - 1) * hop_length + 1 : hop_length]
    if detrend == "constant":
        blocks = views - views.mean(axis=-1, keepdims=True)
        blocks *= win.astype(dtype)
    else:
        blocks = views * win.astype(dtype)

    spectrum = scipy.fft.rfft(blocks, n=n_fft, axis=-1, workers=n_threads())
    power = spectrum.real**2 + spectrum.imag**2
    if scaling == "density":
        scale = 1.0 / (sr * np.sum(win**2))
    else:
        scale = 1.0 / np.sum(win) ** 2
    factors = np.full(power.shape[-1], 2.0 * scale)
    factors[0] = scale
    if n_fft % 2 == 0:
        factors[-1] = scale
    power *= factors.astype(dtype)
    psd = power.reshape(y.shape[:-1] + (n_blocks, n_fft // 2 + 1))
    freqs = np.arange(n_fft // 2 + 1) * (sr / n_fft)
    return freqs, psd


def bark_band_edges(fmax=None):
    """Critical-band (Bark) edges in Hz, after Zwicker (1961).

    Parameters
    ----------
    fmax : float, optional
        Keep only the bands starting below ``fmax`` (e.g. ``sr / 2``); the
        last kept band is truncated at ``fmax``.

    Returns
    -------
    numpy.ndarray, shape (n_bands + 1,)
        Ascending edges; band ``b`` is ``[edges[b], edges[b + 1])``. The full
        table has 24 bands, from 0 Hz to 15.5 kHz.

    Notes
    -----
    E. Zwicker, "Subdivision of the audible frequency range into critical
    bands (Frequenzgruppen)", J. Acoust. Soc. Am. 33(2), 248, 1961.
    """
    edges = np.array(BARK_BAND_EDGES)
    if fmax is None:
        return edges
    fmax = check.real_number(fmax, "fmax", exclusive_minimum=0)
    kept = edges[edges < fmax]
    return np.append(kept, min(fmax, edges[-1]))


def bark_band_centers(fmax=None):
    """Centre frequencies in Hz of the Zwicker (1961) critical bands.

    Parameters
    ----------
    fmax : float, optional
        Keep only the bands starting below ``fmax``, as :func:`bark_band_edges`.

    Returns
    -------
    numpy.ndarray, shape (n_bands,)
    """
    centers = np.array(BARK_BAND_CENTERS)
    if fmax is None:
        return centers
    fmax = check.real_number(fmax, "fmax", exclusive_minimum=0)
    return centers[BARK_BAND_EDGES[:-1] < fmax]


def bark_band(frequencies):
    """Index of the Zwicker (1961) critical band holding each frequency.

    Parameters
    ----------
    frequencies : float or array_like
        Frequencies in Hz, non-negative.

    Returns
    -------
    int or numpy.ndarray of int
        Band index ``b`` (0 to 23) with ``edges[b] <= f < edges[b + 1]``
        (see :func:`bark_band_edges`); ``-1`` for frequencies at or above
        15.5 kHz, the top of the table. Same shape as ``frequencies``.
    """
    f = check.float_array(np.asarray(frequencies, dtype=np.float64), "frequencies", min_ndim=0,
                          allow_empty=True)
    negative = np.flatnonzero(f.ravel() < 0)
    if negative.size:
        i = int(negative[0])
        raise ParameterError(
            f"frequencies must be >= 0 Hz, got {f.ravel()[i]} at index {i}"
        )
    band = np.searchsorted(BARK_BAND_EDGES, f, side="right") - 1
    band = np.where(f >= BARK_BAND_EDGES[-1], -1, band)
    return int(band) if band.ndim == 0 else band
