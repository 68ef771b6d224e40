"""Spectral distortion between two sets of log-amplitude spectra (dB), per frame and in summary.

Per frame the distortion is the RMS difference in dB over the compared points (the K rate-K
points, or the harmonics within a frequency range); a set of frames is summarised by the mean
squared distortion (dB^2, what Codec 2's ``c2enc --var`` prints for its VQ), the mean RMS
distortion (dB) and the fractions of frames ("outliers") above 2 dB and 4 dB.

References
----------
K. K. Paliwal and B. S. Atal, "Efficient vector quantization of LPC parameters at 24 bits/frame",
IEEE Trans. Speech and Audio Processing 1(1), 1993: about 1 dB average distortion with under 2 %
of frames above 2 dB and none above 4 dB is "transparent".
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["frame_distortion", "distortion_summary", "harmonic_distortion"]


def frame_distortion(reference_db, estimate_db, *, mask=None):
    """RMS difference in dB per frame.

    Parameters
    ----------
    reference_db, estimate_db : numpy.ndarray (n_frames, n_points)
        Log amplitudes in dB.
    mask : numpy.ndarray of bool (n_frames, n_points), optional
        Points to compare (e.g. harmonics inside a frequency range); default all. A frame with
        no point selected gets NaN.

    Returns
    -------
    numpy.ndarray (n_frames,)
    """
    ref = check.float_array(reference_db, "reference_db", min_ndim=2, finite=False)
    est = check.float_array(estimate_db, "estimate_db", min_ndim=2, finite=False)
    if ref.shape != est.shape:
        raise ParameterError(f"reference_db has shape {ref.shape} but estimate_db has {est.shape}")
    if mask is None:
        mask = np.ones(ref.shape, dtype=bool)
    mask = np.asarray(mask, dtype=bool) & np.isfinite(ref) & np.isfinite(est)
    sq = np.where(mask, (ref - est) ** 2, 0.0)
    count = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(sq.sum(axis=1) / count)


def distortion_summary(sd, *, frames=None):
    """Summary of per-frame distortions ``sd`` (dB): mean dB^2, mean dB, % of frames > 2 and > 4 dB.

    Parameters
    ----------
    sd : numpy.ndarray (n_frames,)
        Per-frame RMS distortion (NaN frames are skipped).
    frames : numpy.ndarray of bool, optional
        Frames to include (e.g. voiced ones).

    Returns
    -------
    dict
        ``mean_db2``, ``mean_db``, ``pct_over_2db``, ``pct_over_4db``, ``n_frames``.
    """
    sd = np.asarray(sd, dtype=np.float64)
    keep = np.isfinite(sd)
    if frames is not None:
        keep &= np.asarray(frames, dtype=bool)
    v = sd[keep]
    if v.size == 0:
        return {"mean_db2": float("nan"), "mean_db": float("nan"), "pct_over_2db": float("nan"),
                "pct_over_4db": float("nan"), "n_frames": 0}
    return {"mean_db2": float(np.mean(v ** 2)), "mean_db": float(np.mean(v)),
            "pct_over_2db": float(100.0 * np.mean(v > 2.0)),
            "pct_over_4db": float(100.0 * np.mean(v > 4.0)), "n_frames": int(v.size)}


def harmonic_distortion(reference, estimate_amplitudes, *, fmin=200.0, fmax=3700.0,
                        floor_db=-100.0):
    """Per-frame RMS dB between the rate-L amplitudes of ``reference`` and an estimate of them.

    Parameters
    ----------
    reference : audiogp.codec.HarmonicFrames
    estimate_amplitudes : numpy.ndarray (n_frames, >= max(L))
        Linear amplitudes at the same harmonics (e.g. after rate K and back).
    fmin, fmax : float
        Only harmonics with ``fmin <= m f0 <= fmax`` are compared.

    Returns
    -------
    numpy.ndarray (n_frames,)
    """
    A = reference.amplitudes
    est = np.asarray(estimate_amplitudes, dtype=np.float64)[:, :A.shape[1]]
    if est.shape != A.shape:
        raise ParameterError(f"estimate_amplitudes has shape {est.shape}, expected {A.shape}")
    f = reference.harmonic_frequencies()
    mask = (f >= fmin) & (f <= fmax) & (f > 0)
    with np.errstate(divide="ignore"):
        r = np.maximum(20 * np.log10(A), floor_db)
        e = np.maximum(20 * np.log10(est), floor_db)
    return frame_distortion(r, e, mask=mask)
