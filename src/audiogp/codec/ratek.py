"""Rate L <-> rate K: harmonic amplitudes resampled in dB to K mel-spaced points and back.

A frame has ``L = floor((sr/2) / F0)`` harmonic amplitudes, a number that changes with the pitch.
For a fixed-rate quantiser the log amplitudes are resampled to ``K`` points equally spaced on the
mel scale (``K = 20`` over 200-3700 Hz for narrowband, as Codec 2's mode 700C), and the decoder
resamples the ``K`` values back to the harmonics of the decoded F0. The interpolation is in dB,
either *parabolic* (a quadratic through the three nearest samples, as Codec 2's newamp1) or a
*cubic* spline (not-a-knot); outside the sampled range the edge value is held.

Both grids are uniform in a convenient coordinate: harmonics are equally spaced in Hz (index
``f / F0 - 1``), the rate-K points equally spaced in mel. Interpolation runs in those
coordinates, vectorised over frames.

References
----------
D. Rowe, "Codec 2 newamp1: rate K resampling and vector quantisation" (Codec 2 documentation,
doc/codec2.tex, 2019-2023). S. S. Stevens, J. Volkmann and E. B. Newman, "A scale for the
measurement of the psychological magnitude pitch", JASA 8, 1937 (the mel scale;
``mel = 2595 log10(1 + f/700)``, O'Shaughnessy 1987).
"""

from dataclasses import dataclass, field

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["RateK", "mel_points", "rate_k", "rate_l", "resample_to_k", "resample_to_l",
           "remove_mean", "METHODS"]

METHODS = ("parabolic", "cubic")
FLOOR_DB = -100.0


def _hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def _mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_points(K=20, fmin=200.0, fmax=3700.0):
    """``K`` frequencies (Hz) equally spaced on the mel scale from ``fmin`` to ``fmax`` inclusive.

    Parameters
    ----------
    K : int
        Number of points (>= 2).
    fmin, fmax : float
        Range in Hz, ``0 <= fmin < fmax``.

    Returns
    -------
    numpy.ndarray, float64 (K,)
    """
    K = check.integer(K, "K", minimum=2)
    fmin = check.real_number(fmin, "fmin", minimum=0.0)
    fmax = check.real_number(fmax, "fmax", exclusive_minimum=fmin)
    return _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), K))


@dataclass(frozen=True, eq=False)
class RateK:
    """Rate-K vectors (dB) at mel-spaced sample points, with the frames they came from.

    Attributes
    ----------
    vectors : numpy.ndarray, float64 (n_frames, K)
        ``20 log10 A`` at :attr:`points`.
    points : numpy.ndarray, float64 (K,)
        Sample frequencies in Hz (:func:`mel_points`).
    f0, voiced : numpy.ndarray (n_frames,)
        Fundamental (Hz) and voicing of each frame.
    sr, hop_length, n_samples : int
        Frame geometry of the analysed signal.
    fmin, fmax : float
        Range of the points.
    method : str
        Interpolation used to make the vectors.
    """

    vectors: np.ndarray
    points: np.ndarray
    f0: np.ndarray
    voiced: np.ndarray
    sr: int
    hop_length: int
    n_samples: int
    fmin: float
    fmax: float
    method: str = "parabolic"
    attrs: dict = field(default_factory=dict)

    @property
    def K(self):
        """Number of sample points."""
        return int(self.points.shape[0])

    @property
    def n_frames(self):
        """Number of frames."""
        return int(self.vectors.shape[0])


def _quadratic(values, u, n_valid):
    """Evaluate, per row, the quadratic through the 3 samples nearest to index ``u`` (uniform grid).

    ``values`` (n, N) with ``n_valid`` (n,) leading valid samples; ``u`` (n, M) fractional indices,
    clipped to ``[0, n_valid - 1]`` (edge values held).
    """
    n = values.shape[0]
    last = (n_valid - 1)[:, None]
    u = np.clip(u, 0.0, last)
    rows = np.arange(n)[:, None]
    # centre sample j in [1, n_valid-2]; with fewer than 3 samples fall back to linear / constant
    j = np.clip(np.rint(u), 1, np.maximum(last - 1, 1)).astype(np.int64)
    three = last >= 2
    jm = np.clip(j - 1, 0, last)
    jp = np.clip(j + 1, 0, last)
    j0 = np.clip(j, 0, last)
    y_m, y_0, y_p = values[rows, jm], values[rows, j0], values[rows, jp]
    t = u - j
    quad = y_0 + 0.5 * t * (y_p - y_m) + 0.5 * t * t * (y_p - 2.0 * y_0 + y_m)
    # two samples: linear; one sample: constant
    lo = np.floor(u).astype(np.int64)
    lo = np.clip(lo, 0, np.maximum(last - 1, 0))
    hi = np.clip(lo + 1, 0, last)
    frac = np.clip(u - lo, 0.0, 1.0)
    lin = values[rows, lo] * (1 - frac) + values[rows, hi] * frac
    return np.where(three, quad, lin)


def _cubic_rows(values, u, n_valid):
    """Not-a-knot cubic spline on the uniform grid 0..n_valid-1, per row; edge values held."""
    out = np.empty(u.shape)
    for count in np.unique(n_valid):
        rows = np.flatnonzero(n_valid == count)
        uu = np.clip(u[rows], 0.0, count - 1)
        if count < 4:
            out[rows] = _quadratic(values[rows], uu, n_valid[rows])
            continue
        out[rows] = _spline_eval(values[rows, :count], uu)
    return out


def _spline_eval(values, u):
    """Not-a-knot cubic spline through ``values[r]`` on the grid 0..N-1, evaluated at ``u[r]``."""
    from scipy.interpolate import CubicSpline

    n, count = values.shape
    spline = CubicSpline(np.arange(count, dtype=np.float64), values.T, axis=0)
    coef = spline.c                                                  # (4, count - 1, n)
    u = np.clip(u, 0.0, count - 1)
    seg = np.clip(np.floor(u).astype(np.int64), 0, count - 2)
    t = u - seg
    rows = np.arange(n)[:, None]
    c0, c1, c2, c3 = (coef[k][seg, rows] for k in range(4))
    return ((c0 * t + c1) * t + c2) * t + c3


def _interp(values, u, n_valid, method):
    if method == "parabolic":
        return _quadratic(values, u, n_valid)
    return _cubic_rows(values, u, n_valid)


def _amplitudes_db(amplitudes, L):
    with np.errstate(divide="ignore"):
        db = 20.0 * np.log10(np.asarray(amplitudes, dtype=np.float64))
    db = np.maximum(db, FLOOR_DB)
    m = np.arange(1, db.shape[1] + 1)
    return np.where(m[None, :] <= L[:, None], db, FLOOR_DB)


def resample_to_k(amplitudes_db, f0, L, points, *, method="parabolic"):
    """Rate L -> rate K: log amplitudes at the harmonics ``m f0`` resampled to ``points`` (Hz).

    Parameters
    ----------
    amplitudes_db : numpy.ndarray (n_frames, L_max)
        dB amplitudes of harmonics 1..L per row (values beyond ``L`` ignored).
    f0 : numpy.ndarray (n_frames,)
    L : numpy.ndarray of int (n_frames,)
    points : numpy.ndarray (K,)
        Target frequencies in Hz.
    method : {"parabolic", "cubic"}

    Returns
    -------
    numpy.ndarray (n_frames, K)
    """
    check.choice(method, "method", METHODS)
    values = np.asarray(amplitudes_db, dtype=np.float64)
    f0 = np.asarray(f0, dtype=np.float64)
    L = np.asarray(L, dtype=np.int64)
    u = np.asarray(points, dtype=np.float64)[None, :] / f0[:, None] - 1.0
    return _interp(values, u, L, method)


def resample_to_l(vectors, points, f0, sr, *, method="parabolic", L=None):
    """Rate K -> rate L: dB values at mel-spaced ``points`` resampled to the harmonics of ``f0``.

    Parameters
    ----------
    vectors : numpy.ndarray (n_frames, K)
        dB values at ``points``.
    points : numpy.ndarray (K,)
        Frequencies in Hz, equally spaced in mel (as from :func:`mel_points`).
    f0 : numpy.ndarray (n_frames,)
    sr : int
        Sample rate: ``L = floor((sr/2) / f0)`` unless ``L`` is given.
    method : {"parabolic", "cubic"}
    L : numpy.ndarray of int, optional

    Returns
    -------
    amplitudes_db : numpy.ndarray (n_frames, max(L))
        dB at harmonics 1..L; ``FLOOR_DB`` (-100) beyond each row's ``L``.
    L : numpy.ndarray of int (n_frames,)
    """
    check.choice(method, "method", METHODS)
    vectors = np.asarray(vectors, dtype=np.float64)
    points = np.asarray(points, dtype=np.float64)
    f0 = np.asarray(f0, dtype=np.float64)
    if L is None:
        L = np.maximum(1, np.floor((sr / 2.0) / f0)).astype(np.int64)
    L = np.asarray(L, dtype=np.int64)
    mel = _hz_to_mel(points)
    step = (mel[-1] - mel[0]) / (len(points) - 1)
    m = np.arange(1, int(L.max()) + 1)
    u = (_hz_to_mel(f0[:, None] * m[None, :]) - mel[0]) / step
    K = np.full(vectors.shape[0], len(points), dtype=np.int64)
    if method == "parabolic":
        out = _quadratic(vectors, u, K)
    else:
        out = _spline_eval(vectors, u)
    return np.where(m[None, :] <= L[:, None], out, FLOOR_DB), L


def rate_k(frames, K=20, fmin=200.0, fmax=3700.0, *, method="parabolic", dynamic_range=None):
    """Resample the harmonic amplitudes of ``frames`` to ``K`` mel-spaced points (dB).

    Parameters
    ----------
    frames : audiogp.codec.HarmonicFrames
    K : int
        Number of points (20 for Codec 2's narrowband modes).
    fmin, fmax : float
        Range in Hz; ``fmax`` must not exceed ``sr / 2``. For wideband (16 kHz) e.g. K=30 over
        100-7500 Hz.
    method : {"parabolic", "cubic"}
    dynamic_range : float, optional
        Clamp each vector from below at its maximum minus this many dB (valleys and weak bands
        that far down are inaudible beside the peaks but cost VQ bits); default no clamp.

    Returns
    -------
    RateK
    """
    check.choice(method, "method", METHODS)
    if fmax > frames.sr / 2:
        raise ParameterError(f"fmax={fmax} Hz is above the Nyquist frequency of sr={frames.sr} "
                             f"({frames.sr / 2:g} Hz); lower fmax")
    points = mel_points(K, fmin, fmax)
    db = _amplitudes_db(frames.amplitudes, frames.L)
    vectors = resample_to_k(db, frames.f0, frames.L, points, method=method)
    if dynamic_range is not None:
        dynamic_range = check.real_number(dynamic_range, "dynamic_range", exclusive_minimum=0.0)
        vectors = np.maximum(vectors, vectors.max(axis=1, keepdims=True) - dynamic_range)
    return RateK(vectors=vectors, points=points, f0=frames.f0.copy(), voiced=frames.voiced.copy(),
                 sr=frames.sr, hop_length=frames.hop_length, n_samples=frames.n_samples,
                 fmin=float(fmin), fmax=float(fmax), method=method)


def rate_l(ratek, *, f0=None, method=None):
    """Resample rate-K vectors back to harmonic amplitudes (linear units) at ``f0`` (default: theirs).

    Returns
    -------
    amplitudes : numpy.ndarray (n_frames, max(L))
        Linear amplitudes, zero beyond each row's ``L``.
    L : numpy.ndarray of int (n_frames,)
    """
    f0 = ratek.f0 if f0 is None else np.asarray(f0, dtype=np.float64)
    db, L = resample_to_l(ratek.vectors, ratek.points, f0, ratek.sr,
                          method=ratek.method if method is None else method)
    m = np.arange(1, db.shape[1] + 1)
    return np.where(m[None, :] <= L[:, None], 10.0 ** (db / 20.0), 0.0), L


def remove_mean(vectors):
    """Split rate-K vectors into their mean (the frame energy, dB) and the zero-mean remainder.

    Returns
    -------
    residual : numpy.ndarray (n_frames, K)
    mean : numpy.ndarray (n_frames,)
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    mean = vectors.mean(axis=1)
    return vectors - mean[:, None], mean
