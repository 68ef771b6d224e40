"""Creative resynthesis: deliberate damage to an STFT, and reordering of its frames.

Each function takes a spectrogram of shape ``(..., n_bins, n_frames)`` and
returns a new one of the same kind (the input is never modified); invert the
result with :func:`audiogp.dsp.istft` (complex) or a phase retrieval
(magnitudes). They reproduce the experiments of a spectrogram-reordering
notebook: what is left of a sound without its phase, with only the real
part, upside down in frequency, backwards, with its frames shuffled or sorted
along a one-dimensional embedding of their timbre.

Frame orderings use per-frame log-mel features (:func:`frame_features`),
optionally volume-normalised (each frame's mean level removed, so loud and
soft frames of the same timbre sit together) and log-frequency weighted
(each band weighted by its width in octaves, so every octave counts alike).
The 1-D embedding here is PCA; t-SNE lives in the separate ``audiogp-tsne``
plugin so that the core does not depend on scikit-learn.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.dsp import _inverse
from audiogp.errors import ParameterError, ParameterTypeError


def keep_magnitude(D):
    """The STFT with every phase set to zero: ``|D| + 0j``.

    Parameters
    ----------
    D : numpy.ndarray, complex, shape (..., n_bins, n_frames)

    Returns
    -------
    numpy.ndarray, complex, same shape
    """
    D = check.complex_array(D, "D", min_ndim=2)
    return np.abs(D).astype(D.dtype)


def real_part(D):
    """The STFT with its imaginary part removed: ``Re(D) + 0j``.

    Parameters
    ----------
    D : numpy.ndarray, complex, shape (..., n_bins, n_frames)

    Returns
    -------
    numpy.ndarray, complex, same shape
    """
    D = check.complex_array(D, "D", min_ndim=2)
    return D.real.astype(D.dtype)


def constant_imaginary(D, value):
    """The STFT with its imaginary part replaced by a constant: ``Re(D) + 1j * value``.

    Parameters
    ----------
    D : numpy.ndarray, complex, shape (..., n_bins, n_frames)
    value : float
        The imaginary part of every coefficient, in the units of ``D``
        (compare with ``np.abs(D).max()``).

    Returns
    -------
    numpy.ndarray, complex, same shape
    """
    D = check.complex_array(D, "D", min_ndim=2)
    value = check.real_number(value, "value")
    out = np.empty_like(D)
    out.real = D.real
    out.imag = value
    return out


def flip_frequency(S):
    """The spectrogram upside down: bin ``m`` becomes bin ``n_bins - 1 - m``.

    Parameters
    ----------
    S : numpy.ndarray, shape (..., n_bins, n_frames)
        Complex STFT or magnitude spectrogram.

    Returns
    -------
    numpy.ndarray, same shape and dtype
    """
    S = _spectrogram(S)
    return np.ascontiguousarray(S[..., ::-1, :])


def reverse_time(S):
    """The frames in reverse order (each frame itself unchanged).

    Parameters
    ----------
    S : numpy.ndarray, shape (..., n_bins, n_frames)
        Complex STFT or magnitude spectrogram.

    Returns
    -------
    numpy.ndarray, same shape and dtype
        ``S[..., ::-1]``: a granular reversal, which keeps every frame's
        waveform running forwards (unlike reversing the signal).
    """
    S = _spectrogram(S)
    return np.ascontiguousarray(S[..., ::-1])


def shuffle_frames(S, *, random_state=None):
    """The frames in a random order (a uniformly random permutation).

    Parameters
    ----------
    S : numpy.ndarray, shape (..., n_bins, n_frames)
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray, same shape and dtype
        Every channel is permuted alike.
    """
    S = _spectrogram(S)
    order = _inverse.rng_from(random_state).permutation(S.shape[-1])
    return np.ascontiguousarray(S[..., order])


def reorder_frames(S, order):
    """The frames in a given order: ``S[..., order]``.

    Parameters
    ----------
    S : numpy.ndarray, shape (..., n_bins, n_frames)
    order : array_like of int, shape (n_frames,)
        A permutation of ``range(n_frames)``.

    Returns
    -------
    numpy.ndarray, same shape and dtype
    """
    S = _spectrogram(S)
    order = np.asarray(order)
    n_frames = S.shape[-1]
    if order.ndim != 1 or order.dtype.kind not in "iu":
        raise ParameterTypeError(f"order must be a 1-D integer array, got {order.dtype} shape {order.shape}")
    if order.shape[0] != n_frames or not np.array_equal(np.sort(order), np.arange(n_frames)):
        raise ParameterError(f"order must be a permutation of range({n_frames}) (one entry per frame)")
    return np.ascontiguousarray(S[..., order])


def frame_features(S, *, sr, n_mels=40, fmin=0.0, fmax=None, normalize_volume=False,
                   log_frequency_weighting=False):
    """Per-frame log-mel features for ordering frames by timbre.

    Parameters
    ----------
    S : numpy.ndarray, shape (..., n_bins, n_frames)
        Complex STFT or magnitude spectrogram (channels are averaged in power).
    sr : number
        Sample rate of the analysed signal.
    n_mels, fmin, fmax
        Mel filter bank (Slaney mel scale and normalisation, as
        :func:`audiogp.dsp.mel_filters`).
    normalize_volume : bool
        Subtract each frame's mean log-mel level, so that the features
        describe spectral shape and not loudness.
    log_frequency_weighting : bool
        Multiply each band by its width in octaves (band edges below 20 Hz
        count from 20 Hz), normalised to mean 1, so that distances weigh every
        octave alike instead of every mel.

    Returns
    -------
    numpy.ndarray, shape (n_frames, n_mels)
        ``10 log10(mel power + floor)``, the floor 80 dB below the loudest
        band of the whole spectrogram (so silent frames stay finite).
    """
    from audiogp.dsp.mel import mel_filters, mel_frequencies

    S = _spectrogram(S)
    n_bins, n_frames = S.shape[-2:]
    n_fft = 2 * (n_bins - 1)
    n_mels = check.integer(n_mels, "n_mels", minimum=1)
    power = np.abs(S.reshape((-1, n_bins, n_frames)).astype(np.complex128 if np.iscomplexobj(S)
                                                           else np.float64)) ** 2
    power = power.mean(axis=0)
    mel = mel_filters(sr, n_fft, n_mels, fmin=fmin, fmax=fmax, dtype=np.float64) @ power
    floor = max(mel.max(), np.finfo(np.float64).tiny) * 1e-8
    features = 10.0 * np.log10(mel + floor).T
    if normalize_volume:
        features = features - features.mean(axis=1, keepdims=True)
    if log_frequency_weighting:
        top = sr / 2 if fmax is None else fmax
        edges = np.maximum(mel_frequencies(n_mels + 2, fmin=fmin, fmax=top), 20.0)
        octaves = np.log2(edges[2:] / edges[:-2])
        features = features * (octaves / octaves.mean())
    return features


def pca_order(features):
    """Order of the rows of ``features`` along their first principal component.

    Parameters
    ----------
    features : numpy.ndarray, shape (n_frames, n_features)

    Returns
    -------
    numpy.ndarray of int, shape (n_frames,)
        ``argsort`` (stable) of the projections onto the first principal axis
        of the centred features (Pearson 1901; Hotelling 1933). The axis's
        sign is fixed so that its largest component is positive, which makes
        the order deterministic. Constant features give the identity order.
    """
    features = check.float_array(features, "features", min_ndim=2)
    if features.ndim != 2:
        raise ParameterError(f"features must be 2-D (n_frames, n_features), got shape {features.shape}")
    centred = features - features.mean(axis=0)
    if not np.any(centred):
        return np.arange(features.shape[0])
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axis = vt[0]
    if axis[np.argmax(np.abs(axis))] < 0:
        axis = -axis
    return np.argsort(centred @ axis, kind="stable")


def reorder_by_pca(S, *, sr, n_mels=40, fmin=0.0, fmax=None, normalize_volume=False,
                   log_frequency_weighting=False):
    """The frames sorted along the first principal component of their log-mel features.

    Parameters
    ----------
    S : numpy.ndarray, shape (..., n_bins, n_frames)
        Complex STFT or magnitude spectrogram.
    sr, n_mels, fmin, fmax, normalize_volume, log_frequency_weighting
        Feature settings, see :func:`frame_features`.

    Returns
    -------
    reordered : numpy.ndarray, same shape and dtype as ``S``
    order : numpy.ndarray of int, shape (n_frames,)
        The permutation applied: ``reordered = S[..., order]``.
    """
    features = frame_features(S, sr=sr, n_mels=n_mels, fmin=fmin, fmax=fmax,
                              normalize_volume=normalize_volume,
                              log_frequency_weighting=log_frequency_weighting)
    order = pca_order(features)
    return reorder_frames(S, order), order


def _spectrogram(S):
    """A complex or real spectrogram with at least 2 dimensions, finite."""
    S = np.asarray(S)
    if np.iscomplexobj(S):
        return check.complex_array(S, "S", min_ndim=2)
    return _inverse.magnitude(S, "S") if S.dtype.kind == "f" else check.float_array(S, "S", min_ndim=2)
