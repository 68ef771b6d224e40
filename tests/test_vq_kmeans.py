"""k-means against scikit-learn's KMeans (a test-time reference only) and Lloyd's conditions."""

import numpy as np
import pytest

from audiogp.errors import ParameterError
from audiogp.vq import kmeans, kmeans_plusplus

sklearn_cluster = pytest.importorskip("sklearn.cluster")
sklearn_datasets = pytest.importorskip("sklearn.datasets")


def mfcc_frames():
    librosa = pytest.importorskip("librosa")
    from audiogp import data

    frames = []
    for name in ("vowels", "chirp"):
        y, sr = data.example(name, sr=16000, duration=2.0)
        frames.append(librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, hop_length=64).T)
    return np.concatenate(frames).astype(np.float64)


def blobs():
    X, _ = sklearn_datasets.make_blobs(n_samples=3000, centers=12, n_features=6,
                                       cluster_std=1.0, random_state=3)
    return X


@pytest.mark.parametrize("features, k", [(blobs, 12), (mfcc_frames, 32)])
def test_distortion_within_one_percent_of_sklearn(features, k):
    X = features()
    ours, theirs = [], []
    for seed in range(8):
        ours.append(kmeans(X, k, seed=seed)[2])
        fit = sklearn_cluster.KMeans(k, n_init=1, random_state=seed).fit(X)
        theirs.append(fit.inertia_ / len(X))
    assert np.mean(ours) <= 1.01 * np.mean(theirs)


def test_same_start_converges_to_sklearns_fixed_point():
    X = mfcc_frames()
    start = X[np.random.default_rng(1).choice(len(X), 16, replace=False)]
    C, labels, distortion = kmeans(X, 16, init=start, tol=0.0, max_iter=300)
    fit = sklearn_cluster.KMeans(16, init=start, n_init=1, tol=0.0, max_iter=300,
                                 algorithm="lloyd").fit(X)
    np.testing.assert_allclose(distortion, fit.inertia_ / len(X), rtol=1e-9)
    order = np.lexsort(C.T[::-1])
    np.testing.assert_allclose(C[order], fit.cluster_centers_[np.lexsort(fit.cluster_centers_.T[::-1])],
                               rtol=1e-7, atol=1e-7)


def test_result_satisfies_lloyd_conditions(rng):
    X = rng.normal(size=(2000, 4))
    C, labels, distortion, info = kmeans(X, 10, seed=5, tol=0.0, return_info=True)
    dense = ((X[:, None, :] - C[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(labels, np.argmin(dense, axis=1))
    np.testing.assert_allclose(distortion, dense.min(axis=1).mean(), rtol=1e-12)
    assert info["converged"]
    for j in range(10):  # converged with tol=0: each centroid is the mean of its cell
        np.testing.assert_allclose(C[j], X[labels == j].mean(axis=0), atol=1e-12)


def test_stops_at_relative_improvement_tol(rng):
    X = rng.normal(size=(3000, 3))
    *_, info = kmeans(X, 20, seed=0, tol=1e-2, return_info=True)
    h = np.array(info["history"])
    assert info["converged"]
    gains = (h[:-1] - h[1:]) / h[:-1]
    assert (gains[:-1] > 1e-2).all() and gains[-1] <= 1e-2
    assert info["n_iter"] == len(h) - 1


def test_empty_cell_is_reseeded_by_splitting_worst_cell(rng):
    X = np.concatenate([rng.normal(size=(500, 2)), rng.normal(size=(500, 2)) + 20.0])
    start = np.array([[0.0, 0.0], [1e6, 1e6], [1e6, -1e6]])  # two cells start empty
    C, labels, distortion, info = kmeans(X, 3, init=start, return_info=True)
    assert info["n_reseeded"] >= 2
    assert np.bincount(labels, minlength=3).min() > 0
    # the third centroid splits a blob: clearly below two centroids at the blob means (about 2.0;
    # splitting one unit 2-D Gaussian in halves leaves 2 - 2/pi, so about (2 + 1.36) / 2 overall)
    two = ((X[:500] - X[:500].mean(0)) ** 2).sum(1).mean() / 2 + ((X[500:] - X[500:].mean(0)) ** 2).sum(1).mean() / 2
    assert distortion < 0.9 * two


def test_seeded_and_deterministic(rng):
    X = rng.normal(size=(500, 3))
    a = kmeans(X, 8, seed=4)
    b = kmeans(X, 8, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    c = kmeans_plusplus(X, 8, seed=4)
    assert c.shape == (8, 3)
    assert all((X == row).all(axis=1).any() for row in c)  # seeds are rows of X


def test_duplicates_and_k_equal_n():
    X = np.repeat(np.array([[0.0, 1.0], [2.0, 3.0]]), 5, axis=0)
    C, labels, distortion = kmeans(X, 3)
    assert distortion == 0.0
    C, labels, distortion = kmeans(X[:4], 4)
    assert distortion == 0.0


def test_kmeans_refuses_bad_arguments(rng):
    X = rng.normal(size=(5, 2))
    with pytest.raises(ParameterError, match="k=6 is larger than the number of training vectors"):
        kmeans(X, 6)
    with pytest.raises(ParameterError, match="init has 2 centroids, expected k=3"):
        kmeans(X, 3, init=X[:2])
    with pytest.raises(ParameterError, match="init='kmeans"):
        kmeans(X, 3, init="kmeans")
    with pytest.raises(ParameterError, match="tol must be >= 0"):
        kmeans(X, 3, tol=-1)
