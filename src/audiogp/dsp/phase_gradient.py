"""Phase-gradient heap integration: a phase for an STFT magnitude, without iterating.

For a Gaussian window the STFT's log-magnitude and phase are the real and
imaginary parts of an analytic function, so the phase gradient follows from
the magnitude (Portnoff 1979; Auger & Flandrin 1995). Průša, Balazs &
Søndergaard integrate that gradient over the time-frequency plane along a
max-heap of the magnitude, largest coefficients first; Hann and Hamming
windows are treated as Gaussians of the same time-frequency spread.
"""

import numpy as np

from audiogp import _validate as check
from audiogp._core import pghi as _kernels
from audiogp._threads import run_split
from audiogp.dsp import _inverse
from audiogp.errors import ParameterError

# Time-frequency spread of common windows as a multiple of win_length**2:
# the lambda of the Gaussian exp(-pi t**2 / lambda) that best matches each
# window, from Průša et al. 2017, Table I.
_SPREAD_PER_LENGTH_SQUARED = {
    "hann": 0.25645,
    "hanning": 0.25645,
    "hamming": 0.29794,
}
_GAUSSIAN_NAMES = ("gaussian", "gauss")


def window_spread(window, win_length):
    """Time-frequency spread ``lambda`` (in samples squared) of a window.

    The Gaussian ``exp(-pi t**2 / lambda)`` with this ``lambda`` stands in for
    the window in the phase-gradient relations of :func:`pghi`.

    Parameters
    ----------
    window : str or tuple
        ``"hann"``, ``"hamming"`` or ``("gaussian", std)`` (std in samples).
    win_length : int
        Window length in samples.

    Returns
    -------
    float

    Notes
    -----
    For Hann and Hamming windows the values are those of Průša, Balazs &
    Søndergaard, "A noniterative method for reconstruction of phase from
    STFT magnitude", IEEE/ACM TASLP 25(5), 2017, Table I
    (``0.25645 * win_length**2`` and ``0.29794 * win_length**2``). A Gaussian
    ``exp(-t**2 / (2 std**2))`` has ``lambda = 2 pi std**2`` exactly.
    """
    win_length = check.integer(win_length, "win_length", minimum=1)
    if isinstance(window, str) and window.lower() in _SPREAD_PER_LENGTH_SQUARED:
        return _SPREAD_PER_LENGTH_SQUARED[window.lower()] * win_length**2
    if (isinstance(window, tuple) and len(window) == 2 and isinstance(window[0], str)
            and window[0].lower() in _GAUSSIAN_NAMES):
        std = check.real_number(window[1], "window std", exclusive_minimum=0)
        return 2 * np.pi * std**2
    raise ParameterError(
        f"window={window!r} is not supported by pghi: use 'hann', 'hamming' or ('gaussian', std); "
        "the phase-gradient relation needs a window close to a Gaussian of known spread"
    )


def pghi(S, *, n_fft=None, hop_length=None, win_length=None, window="hann", tol=1e-5):
    """Phase of an STFT magnitude by phase-gradient heap integration (PGHI).

    Parameters
    ----------
    S : numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames)
        Magnitude spectrogram (real, non-negative), as ``np.abs(dsp.stft(y))``.
        Leading axes are channels, each integrated on its own.
    n_fft : int, optional
        FFT length (default ``2 * (S.shape[-2] - 1)``).
    hop_length : int, optional
        Hop between frames (default ``win_length // 4``).
    win_length : int, optional
        Window length (default ``n_fft``).
    window : str or tuple
        The analysis window: ``"hann"``, ``"hamming"`` or ``("gaussian", std)``.
    tol : float
        Coefficients below ``tol`` times the channel's largest magnitude are
        left out of the integration and get phase 0.

    Returns
    -------
    numpy.ndarray, same shape as ``S``
        Phase in radians in ``[-pi, pi)``, in the convention of
        :func:`audiogp.dsp.stft` (and ``librosa.stft``): ``S * np.exp(1j * phase)``
        is an estimate of the complex STFT. An all-zero channel gets phase 0.

    Notes
    -----
    Algorithm 1 of Z. Průša, P. Balazs and P. L. Søndergaard, "A noniterative
    method for reconstruction of phase from STFT magnitude", IEEE/ACM
    Transactions on Audio, Speech, and Language Processing 25(5), 2017.
    With the window's Gaussian spread ``lambda`` (see :func:`window_spread`),
    frame centres ``t * hop_length`` and bin frequencies ``m / n_fft`` (cycles
    per sample), the phase referenced to each frame's centre satisfies::

        d phase / d t = 2 pi m / n_fft + (n_fft / lambda) d log S / d m   (per sample)
        d phase / d m = -(lambda / (n_fft * hop_length)) d log S / d t   (per bin)

    which is integrated with the trapezoidal rule from the largest
    coefficient outwards. The magnitude of a real signal's spectrum is even
    about DC and Nyquist, so ``d log S / d m`` is continued across both edges
    by reflection (it vanishes there), and the DC and Nyquist coefficients,
    which are real, get the nearer of 0 and pi. librosa's frames are
    referenced to their first sample, ``n_fft / 2`` before the centre, so bin
    ``m`` then gets ``-pi * m`` added. The quality of the estimate grows with the overlap;
    ``hop_length <= n_fft / 4`` is recommended. The result is a good
    initialisation for :func:`audiogp.dsp.griffinlim`.
    """
    S = _inverse.magnitude(S, "S")
    n_bins, n_frames = S.shape[-2:]
    n_fft, hop_length, win_length = _inverse.geometry(n_bins, n_fft, hop_length, win_length)
    tol = check.real_number(tol, "tol", exclusive_minimum=0, exclusive_maximum=1)
    spread = window_spread(window, win_length)

    channels = np.ascontiguousarray(S.reshape((-1, n_bins, n_frames)), dtype=np.float64)
    peaks = channels.reshape(channels.shape[0], -1).max(axis=1)
    floors = tol * peaks
    # Silent channels: every coefficient is below the floor and gets phase 0.
    floor_log = np.where(peaks > 0, np.log(np.where(peaks > 0, floors, 1.0)), np.inf)
    # Clamping at the floor keeps the derivatives finite next to silence.
    logs = np.log(np.maximum(channels, np.where(peaks > 0, floors, 1.0)[:, None, None]))
    phase = np.empty_like(logs)

    bin_advance = 2 * np.pi * hop_length / n_fft
    time_scale = hop_length * n_fft / spread
    freq_scale = spread / (hop_length * n_fft)

    def integrate(start, stop):
        _kernels.integrate(logs, floor_log, bin_advance, time_scale, freq_scale, phase, start, stop,
                          n_fft % 2 == 0)

    run_split(integrate, channels.shape[0])
    return phase.reshape(S.shape).astype(S.dtype, copy=False)
