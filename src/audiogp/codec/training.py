"""Training a codec codebook on speech: rate-K vectors of many files, then a multi-stage VQ.

Training is a plain function of a list of files (:func:`train_codebook`), so that a corpus runner
can map :func:`training_vectors` over files and reduce with :func:`train_on_vectors`.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["training_vectors", "train_on_vectors", "train_codebook", "read_mono"]


def read_mono(path, sr):
    """Read an audio file as float64 mono at ``sr`` (resampled if needed)."""
    from math import gcd

    import soundfile as sf
    from scipy.signal import resample_poly

    try:
        y, file_sr = sf.read(str(path), dtype="float64", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as exc:
        raise ParameterError(f"cannot read {path}: {exc}") from None
    y = y.mean(axis=1)
    if not np.all(np.isfinite(y)):
        raise ParameterError(f"{path} has a non-finite sample at index {int(np.argmax(~np.isfinite(y)))}")
    if file_sr != sr:
        g = gcd(int(file_sr), int(sr))
        y = resample_poly(y, sr // g, int(file_sr) // g)
    return y


def training_vectors(y, sr, *, K=20, fmin=200.0, fmax=3700.0, method="parabolic",
                     pitch_fmin=50.0, pitch_fmax=400.0, floor_db=50.0, dynamic_range=None):
    """Mean-removed rate-K vectors of one signal's frames, and their means (dB).

    Frames more than ``floor_db`` below the signal's loudest frame (silence) are left out;
    ``dynamic_range`` is passed to :func:`audiogp.codec.rate_k`.

    Returns
    -------
    residual : numpy.ndarray (n, K)
    mean : numpy.ndarray (n,)
    """
    from audiogp.codec.harmonic import harmonic_analysis
    from audiogp.codec.ratek import rate_k, remove_mean
    from audiogp.dsp import pitch_track

    hop = round(0.010 * sr)
    if len(y) < round(0.040 * sr):
        return np.zeros((0, K)), np.zeros(0)
    track = pitch_track(y, sr, fmin=pitch_fmin, fmax=pitch_fmax, hop_length=hop)
    frames = harmonic_analysis(y, sr, track, fmin=pitch_fmin, fmax=pitch_fmax)
    rk = rate_k(frames, K, fmin, fmax, method=method, dynamic_range=dynamic_range)
    residual, mean = remove_mean(rk.vectors)
    keep = mean > mean.max() - floor_db
    return residual[keep], mean[keep]


def train_on_vectors(X, *, sr=8000, K=20, fmin=200.0, fmax=3700.0, method="parabolic",
                     stages=(512, 512), seed=0, energy_range=(-75.0, -20.0), dynamic_range=None,
                     extra_meta=None, **vq_options):
    """Train the multi-stage VQ (:func:`audiogp.vq.train`) on mean-removed rate-K vectors ``X``."""
    from audiogp import vq

    X = check.float_array(X, "X", min_ndim=2).astype(np.float64)
    if X.shape[1] != K:
        raise ParameterError(f"X has vectors of {X.shape[1]} values, expected K={K}")
    if X.shape[0] < max(stages):
        raise ParameterError(f"only {X.shape[0]} training vectors for a stage of {max(stages)} "
                             "entries; give more (or longer) files")
    meta = {"sr": int(sr), "K": int(K), "fmin": float(fmin), "fmax": float(fmax),
            "method": method, "energy_lo": float(energy_range[0]),
            "energy_hi": float(energy_range[1]), "pitch_fmin": 50.0, "pitch_fmax": 400.0,
            "dynamic_range": None if dynamic_range is None else float(dynamic_range),
            **(extra_meta or {})}
    return vq.train(X, stages=tuple(stages), seed=seed, meta=meta, **vq_options)


def train_codebook(paths, *, sr=8000, K=20, fmin=200.0, fmax=3700.0, method="parabolic",
                   stages=(512, 512), seed=0, dynamic_range=None, **vq_options):
    """Train a codec codebook on a list of audio files.

    Parameters
    ----------
    paths : list of str or path
        Audio files (any rate or channel count soundfile reads; mixed down and resampled to ``sr``).
    sr, K, fmin, fmax, method
        Codec settings stored in the codebook's meta.
    stages : tuple of int
        VQ stage sizes (powers of two for the bitstream).
    seed : int
    dynamic_range : float, optional
        Clamp of the rate-K vectors below their peak (dB), stored in the meta and used by encode.

    Returns
    -------
    codebook
        As from :func:`audiogp.vq.train`; save it with ``codebook.save("x.npz")``.
    """
    paths = list(paths)
    if not paths:
        raise ParameterError("train_codebook needs at least one audio file")
    parts = [training_vectors(read_mono(p, sr), sr, K=K, fmin=fmin, fmax=fmax, method=method,
                              dynamic_range=dynamic_range)[0] for p in paths]
    X = np.concatenate(parts, axis=0)
    return train_on_vectors(X, sr=sr, K=K, fmin=fmin, fmax=fmax, method=method, stages=stages,
                            seed=seed, dynamic_range=dynamic_range,
                            extra_meta={"n_files": len(paths)}, **vq_options)
