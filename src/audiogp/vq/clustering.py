"""k-means clustering: k-means++ seeding and Lloyd iterations over the BLAS search.

References
----------
S. P. Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 28(2), 1982.
Y. Linde, A. Buzo, R. M. Gray, "An algorithm for vector quantizer design", IEEE Trans.
Commun. 28(1), 1980 (the relative-improvement stopping rule, splitting of cells).
D. Arthur, S. Vassilvitskii, "k-means++: the advantages of careful seeding", SODA 2007
(the seeding, with the greedy 2 + ln k candidate trials they suggest).
"""

import math

import numpy as np

from audiogp import _validate
from audiogp.errors import ParameterError
from audiogp.vq._checks import vectors
from audiogp.vq.search import nearest_unchecked


def _sqdist_to(X, x_sqnorm, points):
    """Squared distances (len(points), n) of each of ``points`` to every row of X."""
    d = (-2.0 * points) @ X.T
    d += x_sqnorm
    d += np.einsum("ij,ij->i", points, points)[:, None]
    np.maximum(d, 0.0, out=d)
    return d


def kmeans_plusplus(X, k, *, seed=0, n_trials=None):
    """Choose ``k`` initial centroids among the rows of ``X`` by greedy k-means++.

    Parameters
    ----------
    X : array_like, shape (n, dim)
        Vectors, one per row.
    k : int
        Number of centroids (1 <= k <= n).
    seed : int or numpy.random.Generator
        Random seed.
    n_trials : int, optional
        Candidates drawn per step, the best kept; default ``2 + floor(ln k)``
        (Arthur & Vassilvitskii 2007).

    Returns
    -------
    ndarray of float64, shape (k, dim)
        The chosen rows (copies).
    """
    X = vectors(X)
    k = _validate.integer(k, "k", minimum=1, maximum=X.shape[0])
    rng = np.random.default_rng(seed)
    return _plusplus(X, k, rng, n_trials)


def _plusplus(X, k, rng, n_trials=None):
    n = X.shape[0]
    if n_trials is None:
        n_trials = 2 + int(math.log(k))
    x_sqnorm = np.einsum("ij,ij->i", X, X)
    chosen = np.empty(k, dtype=np.int64)
    chosen[0] = rng.integers(n)
    closest = _sqdist_to(X, x_sqnorm, X[chosen[:1]])[0]
    for i in range(1, k):
        cumulative = np.cumsum(closest)
        potential = cumulative[-1]
        if potential <= 0.0:  # every vector sits on a centroid already: any row will do
            candidates = rng.integers(n, size=n_trials)
        else:
            candidates = np.searchsorted(cumulative, rng.random(n_trials) * potential, side="right")
            np.minimum(candidates, n - 1, out=candidates)
        d = _sqdist_to(X, x_sqnorm, X[candidates])
        np.minimum(d, closest, out=d)
        best = int(np.argmin(d.sum(axis=1)))
        chosen[i] = candidates[best]
        closest = d[best]
    return X[chosen].copy()


def _means(X, labels, k):
    counts = np.bincount(labels, minlength=k)
    sums = np.empty((k, X.shape[1]))
    for j in range(X.shape[1]):
        sums[:, j] = np.bincount(labels, weights=X[:, j], minlength=k)
    return sums, counts


def _update(X, labels, d2, C):
    """New centroids: cell means; empty cells re-seeded by splitting the worst cell.

    A cell with no vector takes, as its centroid, the vector farthest from its
    centroid within the cell of largest total distortion (that cell is split
    in two at the next assignment). Returns the new centroids and the number
    of re-seeded cells.
    """
    k = C.shape[0]
    sums, counts = _means(X, labels, k)
    new = C.copy()
    filled = counts > 0
    new[filled] = sums[filled] / counts[filled, None]
    empty = np.flatnonzero(~filled)
    if empty.size:
        cell_error = np.bincount(labels, weights=d2, minlength=k)
        d2 = d2.copy()
        for e in empty:
            worst = int(np.argmax(cell_error))
            if cell_error[worst] <= 0.0:
                break  # nothing left to split: fewer distinct vectors than cells
            members = np.flatnonzero(labels == worst)
            far = members[int(np.argmax(d2[members]))]
            new[e] = X[far]
            cell_error[worst] -= d2[far]
            d2[far] = 0.0
    return new, int(empty.size)


def kmeans(X, k, *, seed=0, tol=1e-3, max_iter=100, init="k-means++", return_info=False):
    """Cluster vectors with k-means (Lloyd's algorithm, k-means++ start).

    Parameters
    ----------
    X : array_like, shape (n, dim)
        Training vectors, one per row (any features: rate-K amplitudes, MFCC, log-mel...).
    k : int
        Number of centroids (1 <= k <= n).
    seed : int
        Seed of the k-means++ start (same seed, same result).
    tol : float
        Stop when the relative improvement of the distortion,
        ``(D_prev - D) / D_prev``, is at most ``tol`` (Linde, Buzo & Gray 1980).
    max_iter : int
        Maximum number of centroid updates.
    init : "k-means++" or array_like, shape (k, dim)
        Start: greedy k-means++ (Arthur & Vassilvitskii 2007) or given centroids.
    return_info : bool
        Also return a dict: ``n_iter``, ``converged``, ``history`` (distortion
        at each assignment) and ``n_reseeded`` (empty cells re-seeded).

    Returns
    -------
    C : ndarray of float64, shape (k, dim)
        Centroids.
    labels : ndarray of int64, shape (n,)
        Index of the nearest centroid of each vector (for the returned ``C``).
    distortion : float
        Mean over vectors of the squared Euclidean error ``||x - C[label]||^2``
        (scikit-learn's ``inertia_`` divided by ``n``).

    Notes
    -----
    Each iteration assigns every vector to its nearest centroid with the BLAS
    search of :func:`audiogp.vq.nearest` and moves each centroid to the mean
    of its cell (Lloyd 1982). A cell left empty is re-seeded with the vector
    farthest from its centroid in the cell of largest total distortion, which
    splits that cell.
    """
    X = vectors(X)
    n, dim = X.shape
    k = _validate.integer(k, "k", minimum=1)
    if k > n:
        raise ParameterError(f"k={k} is larger than the number of training vectors ({n})")
    tol = _validate.real_number(tol, "tol", minimum=0.0)
    max_iter = _validate.integer(max_iter, "max_iter", minimum=0)
    if isinstance(init, str):
        _validate.choice(init, "init", ("k-means++",))
        C = _plusplus(X, k, np.random.default_rng(seed))
    else:
        C = vectors(init, "init", dim=dim).copy()
        if C.shape[0] != k:
            raise ParameterError(f"init has {C.shape[0]} centroids, expected k={k}")
    history = []
    converged = False
    n_reseeded = 0
    n_iter = 0
    while True:
        labels, d2 = nearest_unchecked(X, C, 1)
        labels = labels[:, 0]
        d2 = d2[:, 0]
        distortion = float(d2.mean())
        if history:
            previous = history[-1]
            if distortion == 0.0 or previous - distortion <= tol * previous:
                converged = True
        elif distortion == 0.0:
            converged = True
        history.append(distortion)
        if converged or n_iter >= max_iter:
            break
        C, reseeded = _update(X, labels, d2, C)
        n_reseeded += reseeded
        n_iter += 1
    if return_info:
        info = {"n_iter": n_iter, "converged": converged, "history": history,
                "n_reseeded": n_reseeded}
        return C, labels, distortion, info
    return C, labels, distortion


__all__ = ["kmeans", "kmeans_plusplus"]
