"""Multi-stage vector quantisation: sequential training on residuals and M-best search.

A vector is coded as the sum of one codeword from each stage,
``x ~ C_1[i_1] + C_2[i_2] + ...``. Stage ``s`` is trained by k-means on the
residuals ``x - (C_1[i_1] + ... + C_{s-1}[i_{s-1}])`` of the stages before it
(Juang & Gray 1982). Encoding keeps the ``m`` best partial paths (by total
squared error) from stage to stage instead of only the best one (M-best or
"M-L" search, LeBlanc, Bhattacharya, Mahmoud & Cuperman 1993), which is
never worse than the greedy, one-path search (with three stages or more the
greedy path is also followed, to guarantee it) and, with ``m`` at least the
product of the sizes of all stages but the last, is an exhaustive search.

References
----------
B.-H. Juang, A. H. Gray, "Multiple stage vector quantization for speech coding",
Proc. ICASSP 1982.
W. P. LeBlanc, B. Bhattacharya, S. A. Mahmoud, V. Cuperman, "Efficient search and
design procedures for robust multi-stage VQ of LPC parameters for 4 kb/s speech
coding", IEEE Trans. Speech Audio Process. 1(4), 1993.
"""

import numpy as np

from audiogp import _validate
from audiogp.errors import ParameterError
from audiogp.vq._checks import vectors
from audiogp.vq.clustering import kmeans
from audiogp.vq.search import nearest_unchecked

#: Vectors encoded at once by the M-best search (bounds the (rows, m, dim) residual arrays).
ENCODE_ROWS = 4096


def _encode_block(X, stages, sqnorms, cross, m):
    """M-best search of a block of rows (see :func:`mbest_encode`).

    Stage 0 is a plain search for the ``m`` nearest codewords. At stage ``s``
    the squared distance of a path's residual ``r = x - sum_t C_t[i_t]`` to
    codeword ``c`` is ``||r||^2 - 2 x.c + 2 sum_t C_t[i_t].c + ||c||^2``: one
    matrix product ``X @ C_s.T`` for all paths, plus rows of the tables
    ``cross[t][s] = 2 C_t @ C_s.T`` (computed once per call), instead of one
    product per path. The last stage keeps only the best (path, codeword)
    pair. The errors kept are recomputed from the residuals.
    """
    n = X.shape[0]
    rows = np.arange(n)[:, None]
    first = stages[0]
    cw, err = nearest_unchecked(X, first, min(m, first.shape[0]), sqnorms[0])
    paths = cw[:, :, None]
    residual = X[:, None, :] - first[cw]
    for s in range(1, len(stages)):
        C = stages[s]
        size = C.shape[0]
        n_paths = paths.shape[1]
        base = X @ (-2.0 * C.T)
        base += sqnorms[s]
        total = cross[0][s].take(paths[:, :, 0], axis=0)
        total += base[:, None, :]
        total += err[:, :, None]
        for t in range(1, s):
            total += cross[t][s].take(paths[:, :, t], axis=0)
        flat = total.reshape(n, n_paths * size)
        keep = 1 if s + 1 == len(stages) else min(m, n_paths * size)
        if keep == 1:
            sel = np.argmin(flat, axis=1)[:, None]
        else:
            if keep < n_paths * size:
                sel = np.argpartition(flat, keep - 1, axis=1)[:, :keep]
            else:
                sel = np.broadcast_to(np.arange(keep), (n, keep))
            order = np.argsort(np.take_along_axis(flat, sel, axis=1), axis=1, kind="stable")
            sel = np.take_along_axis(sel, order, axis=1)
        parent, chosen = np.divmod(sel, size)
        residual = residual[rows, parent] - C[chosen]
        err = np.einsum("ijk,ijk->ij", residual, residual)
        paths = np.concatenate([paths[rows, parent], chosen[:, :, None]], axis=2)
    best = np.argmin(err, axis=1)
    r = np.arange(n)
    return paths[r, best], err[r, best]


def mbest_encode(X, stages, m_best=8):
    """Encode vectors with a multi-stage codebook by M-best search.

    Parameters
    ----------
    X : array_like, shape (n, dim)
        Vectors, one per row.
    stages : sequence of array_like, each (size_s, dim)
        The codebook stages.
    m_best : int
        Number of partial paths kept from stage to stage (1: greedy search).

    Returns
    -------
    idx : ndarray of int32, shape (n, n_stages)
        The chosen codeword of each stage.
    err : ndarray of float64, shape (n,)
        Squared error ``||x - sum_s stages[s][idx[:, s]]||^2`` of each vector.
    """
    stages = [vectors(C, f"stages[{s}]") for s, C in enumerate(stages)]
    if not stages:
        raise ParameterError("stages is empty: a codebook needs at least one stage")
    dim = stages[0].shape[1]
    for s, C in enumerate(stages):
        if C.shape[1] != dim:
            raise ParameterError(f"stages[{s}] has dimension {C.shape[1]}, stages[0] has {dim}")
    X = vectors(X, "X", dim=dim)
    m_best = _validate.integer(m_best, "m_best", minimum=1)
    return _mbest(X, stages, m_best)


def _mbest(X, stages, m_best):
    sqnorms = [np.einsum("ij,ij->i", C, C) for C in stages]
    cross = [[2.0 * (stages[t] @ stages[s].T) if t < s else None for s in range(len(stages))]
             for t in range(len(stages))]
    n = X.shape[0]
    idx = np.empty((n, len(stages)), dtype=np.int32)
    err = np.empty(n)
    rows = max(1, ENCODE_ROWS // m_best)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        block_idx, block_err = _encode_block(X[start:stop], stages, sqnorms, cross, m_best)
        if m_best > 1 and len(stages) > 2:
            # With three stages or more the m best partial paths may all leave the greedy
            # path; keeping it as well makes the search never worse than greedy.
            greedy_idx, greedy_err = _encode_block(X[start:stop], stages, sqnorms, cross, 1)
            better = greedy_err < block_err
            block_idx[better] = greedy_idx[better]
            block_err[better] = greedy_err[better]
        idx[start:stop], err[start:stop] = block_idx, block_err
    return idx, err


def _decode(stages, idx):
    out = stages[0][idx[:, 0]].copy()
    for s in range(1, len(stages)):
        out += stages[s][idx[:, s]]
    return out


def _refine(X, stages, m_best, n_rounds, tol):
    """Joint refinement: re-encode with M-best, then move each codeword to the mean of its targets.

    With the assignments fixed, the best codeword ``j`` of stage ``s`` is the
    mean of ``x - sum_{t != s} C_t[i_t]`` over the vectors that use it; the
    stages are updated in turn (each with the others' latest values). The
    codebook with the lowest M-best distortion seen is kept.
    """
    idx, err = _mbest(X, stages, m_best)
    best = (float(err.mean()), [C.copy() for C in stages])
    history = [best[0]]
    for _ in range(n_rounds):
        stages = [C.copy() for C in stages]
        recon = _decode(stages, idx)
        for s, C in enumerate(stages):
            target = X - recon + C[idx[:, s]]
            labels = idx[:, s].astype(np.int64)
            counts = np.bincount(labels, minlength=C.shape[0])
            used = counts > 0
            for j in range(X.shape[1]):
                sums = np.bincount(labels, weights=target[:, j], minlength=C.shape[0])
                C[used, j] = sums[used] / counts[used]
            recon = X - target + C[idx[:, s]]
        idx, err = _mbest(X, stages, m_best)
        distortion = float(err.mean())
        history.append(distortion)
        previous = best[0]
        if distortion < previous:
            best = (distortion, stages)
        if previous - distortion <= tol * previous:
            break
    return best[1], history


def train(X, stages=(512, 512), *, seed=0, m_best=8, tol=1e-3, max_iter=100, meta=None,
          refine=0):
    """Train a multi-stage codebook on vectors.

    Parameters
    ----------
    X : array_like, shape (n, dim)
        Training vectors, one per row (any features: rate-K amplitudes, MFCC, log-mel...).
    stages : sequence of int
        Number of codewords of each stage (each at most ``n``).
    seed : int
        Seed; stage ``s`` uses the ``s``-th child of ``numpy.random.SeedSequence(seed)``.
    m_best : int
        Paths kept by the M-best search used for the reported distortion and
        the joint refinement (also the default of the codebook's encoder).
    tol, max_iter :
        k-means stopping rule of every stage (see :func:`audiogp.vq.kmeans`);
        ``tol`` also stops the joint refinement.
    meta : dict, optional
        JSON-able description stored with the codebook and covered by its hash
        (e.g. ``{"sr": 8000, "K": 20, "fmin": 200, "fmax": 3700}``).
    refine : int
        Rounds of joint refinement after the sequential training (0: none).

    Returns
    -------
    Codebook
        With ``info`` recording the training: vectors, seed, per-stage k-means
        distortion and iterations, and the final greedy and M-best distortion
        (mean squared error per vector, and per component).
    """
    from audiogp.vq.codebook import Codebook

    X = vectors(X)
    n, dim = X.shape
    if isinstance(stages, (int, np.integer)):
        stages = (stages,)
    try:
        sizes = tuple(_validate.integer(s, f"stages[{i}]", minimum=1) for i, s in enumerate(stages))
    except TypeError:
        raise ParameterError(f"stages must be a sequence of codebook sizes, got {stages!r}") from None
    if not sizes:
        raise ParameterError("stages is empty: give at least one stage size, e.g. stages=(512, 512)")
    for i, size in enumerate(sizes):
        if size > n:
            raise ParameterError(
                f"stages[{i}]={size} codewords need at least as many training vectors; X has {n}"
            )
    m_best = _validate.integer(m_best, "m_best", minimum=1)
    refine = _validate.integer(refine, "refine", minimum=0)
    seed = _validate.integer(seed, "seed", minimum=0)
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    residual = X.copy()
    trained = []
    stage_info = []
    for s, size in enumerate(sizes):
        child_seed = int(children[s].generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
        C, labels, distortion, info = kmeans(residual, size, seed=child_seed, tol=tol,
                                             max_iter=max_iter, return_info=True)
        residual -= C[labels]
        trained.append(C)
        stage_info.append({"size": size, "distortion": distortion, "n_iter": info["n_iter"],
                           "converged": info["converged"], "n_reseeded": info["n_reseeded"]})
    refine_history = []
    if refine:
        trained, refine_history = _refine(X, trained, m_best, refine, tol)
    _, greedy_err = _mbest(X, trained, 1)
    _, mbest_err = _mbest(X, trained, m_best)
    info = {
        "n_vectors": n, "seed": seed, "tol": tol, "max_iter": max_iter, "m_best": m_best,
        "stages": stage_info, "refine": refine, "refine_history": refine_history,
        "distortion_greedy": float(greedy_err.mean()),
        "distortion": float(mbest_err.mean()),
        "distortion_per_component": float(mbest_err.mean()) / dim,
    }
    return Codebook(trained, meta=meta, info=info)
