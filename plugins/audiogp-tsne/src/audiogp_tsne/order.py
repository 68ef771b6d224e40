"""Frame orders from a one-dimensional t-SNE embedding (numpy in, numpy out)."""

import numpy as np


def tsne_order(features, *, perplexity=30.0, random_state=None):
    """Order of the rows of ``features`` along a 1-D t-SNE embedding.

    Parameters
    ----------
    features : numpy.ndarray, shape (n_frames, n_features)
        E.g. :func:`audiogp.dsp.frame_features`.
    perplexity : float
        t-SNE perplexity (about the number of neighbours each frame keeps
        close); capped at ``n_frames - 1``.
    random_state : None or int
        Seed of the optimisation, for reproducible orders (any non-negative
        int; scikit-learn takes it modulo 2**32).

    Returns
    -------
    numpy.ndarray of int, shape (n_frames,)
        ``argsort`` (stable) of the embedding, oriented so that the first
        frame of the input comes no later than the last.

    Notes
    -----
    L. van der Maaten and G. Hinton, "Visualizing data using t-SNE", JMLR 9,
    2008, through :class:`sklearn.manifold.TSNE` (PCA initialisation).
    Unlike PCA, t-SNE keeps neighbouring timbres together along the line
    even when the features lie on a curved manifold.
    """
    from sklearn.manifold import TSNE

    from audiogp import _validate as check
    from audiogp.errors import ParameterError

    features = check.float_array(features, "features", min_ndim=2)
    if features.ndim != 2:
        raise ParameterError(f"features must be 2-D (n_frames, n_features), got shape {features.shape}")
    n_frames = features.shape[0]
    perplexity = check.real_number(perplexity, "perplexity", exclusive_minimum=0)
    if n_frames < 3:
        return np.arange(n_frames)
    seed = None if random_state is None else check.integer(random_state, "random_state", minimum=0) % 2**32
    embedding = TSNE(n_components=1, perplexity=min(perplexity, n_frames - 1.0), init="pca",
                     random_state=seed).fit_transform(features.astype(np.float64))[:, 0]
    if embedding[0] > embedding[-1]:
        embedding = -embedding
    return np.argsort(embedding, kind="stable")


def reorder_by_tsne(S, *, sr, n_mels=40, fmin=0.0, fmax=None, normalize_volume=False,
                    log_frequency_weighting=False, perplexity=30.0, random_state=None):
    """The frames of ``S`` sorted along a 1-D t-SNE embedding of their log-mel features.

    Parameters
    ----------
    S : numpy.ndarray, shape (..., n_bins, n_frames)
        Complex STFT or magnitude spectrogram.
    sr, n_mels, fmin, fmax, normalize_volume, log_frequency_weighting
        Feature settings, see :func:`audiogp.dsp.frame_features`.
    perplexity, random_state
        See :func:`tsne_order`.

    Returns
    -------
    reordered : numpy.ndarray, same shape and dtype as ``S``
    order : numpy.ndarray of int, shape (n_frames,)
    """
    from audiogp import dsp

    features = dsp.frame_features(S, sr=sr, n_mels=n_mels, fmin=fmin, fmax=fmax,
                                  normalize_volume=normalize_volume,
                                  log_frequency_weighting=log_frequency_weighting)
    order = tsne_order(features, perplexity=perplexity, random_state=random_state)
    return dsp.reorder_frames(S, order), order
