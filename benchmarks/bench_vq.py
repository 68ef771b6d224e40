"""Vector quantisation: k-means training and nearest-codeword search against scikit-learn and SciPy.

The issue's training case: 512 codewords, K = 20, 100 000 vectors, ours
(:func:`audiogp.vq.kmeans`, k-means++ start, stop at relative improvement
<= 1e-3) against scikit-learn's ``KMeans(n_init=1)`` (its defaults: greedy
k-means++, Lloyd, tol 1e-4 on centre shifts), judged at equal final
distortion (within 1 %). The vectors are speech-like rate-K stand-ins: 20
mel bands (200 to 3700 Hz) in dB, frame mean removed, of synthetic speech
rendered by tools/render_speech.py at 8 kHz (never the benchmark corpus),
10 ms hop, silent frames dropped.

The search case times :func:`audiogp.vq.nearest` against
``scipy.cluster.vq.vq`` and ``sklearn.metrics.pairwise_distances_argmin_min``
on the same vectors and the trained codebook.
"""

import importlib.util
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from harness import REPO, Row, time_once, time_pair

N_VECTORS = 100_000
K = 20
SIZE = 512


def speech_vectors(n=N_VECTORS, seed=0):
    """``n`` mean-removed 20-band log-mel vectors of rendered speech (8 kHz, 10 ms hop)."""
    import librosa
    import soundfile

    spec = importlib.util.spec_from_file_location("render_speech", REPO / "tools" / "render_speech.py")
    render_speech = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_speech)
    folder = os.environ.get("AUDIOGP_VQ_SPEECH")
    scratch = None
    if folder is None:
        scratch = tempfile.TemporaryDirectory(prefix="audiogp-vq-speech-")
        folder = Path(scratch.name) / "speech"
        render_speech.render(folder, n_utterances=220, seed=seed, rates=(8000,))
    rows = []
    for path in sorted((Path(folder) / "sr8000").glob("*.wav")):
        y, sr = soundfile.read(path, dtype="float32")
        S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=256, hop_length=80, n_mels=K,
                                           fmin=200, fmax=3700, power=2.0)
        db = 10 * np.log10(np.maximum(S, 1e-10)).T
        energy = db.mean(axis=1)
        keep = energy > energy.max() - 50
        rows.append(db[keep] - energy[keep, None])
    if scratch is not None:
        scratch.cleanup()
    X = np.concatenate(rows).astype(np.float64)
    if len(X) < n:
        raise SystemExit(f"only {len(X)} vectors rendered; set AUDIOGP_VQ_SPEECH to a larger folder")
    return X[np.random.default_rng(seed).permutation(len(X))[:n]]


def cases():
    from scipy.cluster.vq import vq as scipy_vq
    from sklearn.cluster import KMeans
    from sklearn.metrics import pairwise_distances_argmin_min

    from audiogp import vq

    X = speech_vectors()
    inputs = f"{len(X)} vectors, K={K}, rendered speech log-mel"

    started = time.perf_counter()
    C, labels, ours_d, info = vq.kmeans(X, SIZE, seed=0, return_info=True)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    fit = KMeans(SIZE, n_init=1, random_state=0).fit(X)
    peer_s = time.perf_counter() - started
    peer_d = fit.inertia_ / len(X)
    ratio = ours_d / peer_d
    yield Row("vq", f"kmeans {SIZE} codewords (k-means++, tol 1e-3)", inputs, ours_s,
              "sklearn KMeans(n_init=1)", peer_s, target=1.0,
              quality={"distortion": f"{ours_d / K:.3f} dB^2 per component",
                       "sklearn": f"{peer_d / K:.3f}",
                       "ratio": f"{ratio:.4f} (target <= 1.01)",
                       "iterations": f"{info['n_iter']} vs {fit.n_iter_}"},
              quality_met=bool(ratio <= 1.01))

    ours_s, peer_s = time_pair(lambda: vq.nearest(X, C), lambda: scipy_vq(X, C), repeat=3)
    agree = np.mean(vq.nearest(X, C)[0][:, 0] == scipy_vq(X, C)[0])
    yield Row("vq", f"nearest codeword, {SIZE} codewords", inputs, ours_s, "scipy.cluster.vq.vq",
              peer_s, quality={"same index": f"{agree:.5f}"})
    ours_s, peer_s = time_pair(lambda: vq.nearest(X, C),
                               lambda: pairwise_distances_argmin_min(X, C), repeat=3)
    yield Row("vq", f"nearest codeword, {SIZE} codewords", inputs, ours_s,
              "sklearn pairwise_distances_argmin_min", peer_s)

    cb_s, cb = time_once(lambda: vq.train(X, stages=(SIZE, SIZE), seed=0), repeat=1)
    greedy_s, _ = time_once(lambda: cb.encode(X, m_best=1), repeat=1)
    mbest_s, _ = time_once(lambda: cb.encode(X, m_best=8), repeat=1)
    yield Row("vq", "encode 2 x 512, 8-best search", inputs, mbest_s, "greedy search (ours)", greedy_s,
              quality={"train 2 x 512": f"{cb_s:.1f} s",
                       "stage 1": f"{cb.info['stages'][0]['distortion'] / K:.3f} dB^2",
                       "greedy": f"{cb.info['distortion_greedy'] / K:.3f} dB^2",
                       "8-best": f"{cb.info['distortion'] / K:.3f} dB^2"})
