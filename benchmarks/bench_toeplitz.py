"""Toeplitz solves: audiogp.linalg.solve_toeplitz against scipy.linalg.solve_toeplitz.

The matrices are autocorrelations of the speech benchmark clip (biased
estimates, so positive semi-definite) with 0.1 % diagonal loading -- the systems a
linear-prediction or Gaussian-process fit of speech solves.
"""

import numpy as np
import scipy.linalg

from audiogp.linalg import solve_toeplitz
from harness import Row, speech_clip, time_pair


def autocorrelations(y, n_lags, n_frames):
    """Autocorrelations of ``n_frames`` consecutive frames of ``2 * n_lags`` samples of ``y``."""
    frame_len = 2 * n_lags
    hop = max(1, (len(y) - frame_len) // max(n_frames - 1, 1))
    frames = np.stack([y[i * hop:i * hop + frame_len] for i in range(n_frames)]).astype(np.float64)
    frames *= np.hanning(frame_len)
    spectrum = np.fft.rfft(frames, 2 * frame_len, axis=-1)
    r = np.fft.irfft(np.abs(spectrum) ** 2, axis=-1)[:, :n_lags] / frame_len
    # Diagonal loading: 0.1 % of each frame's power plus a floor for silent frames.
    r[:, 0] = r[:, 0] * 1.001 + 1e-3 * r[:, 0].mean()
    return r


def relative_error(ours, reference):
    return float(np.max(np.abs(ours - reference)) / np.max(np.abs(reference)))


def cases():
    y, _ = speech_clip()
    rng = np.random.default_rng(0)

    c = autocorrelations(y, 256, 1000)
    b = rng.standard_normal((1000, 256))

    def scipy_loop():
        return [scipy.linalg.solve_toeplitz(c[i], b[i]) for i in range(len(c))]

    ours_s, peer_s = time_pair(lambda: solve_toeplitz(c, b), scipy_loop, repeat=5)
    error = relative_error(solve_toeplitz(c, b), np.array(scipy_loop()))
    yield Row("toeplitz", "batch: 1000 systems, n=256", "c (1000, 256), b (1000, 256) float64",
              ours_s, "scipy loop", peer_s, target=1 / 3, quality={"max rel. diff": f"{error:.1e}"})

    c = autocorrelations(y, 4096, 1)[0]
    b = rng.standard_normal(4096)
    ours_s, peer_s = time_pair(lambda: solve_toeplitz(c, b), lambda: scipy.linalg.solve_toeplitz(c, b))
    error = relative_error(solve_toeplitz(c, b), scipy.linalg.solve_toeplitz(c, b))
    yield Row("toeplitz", "one system, n=4096", "c (4096,), b (4096,) float64",
              ours_s, "scipy", peer_s, target=1.0, quality={"max rel. diff": f"{error:.1e}"})

    c = autocorrelations(y, 1024, 1)[0]
    b = rng.standard_normal((1024, 64))
    ours_s, peer_s = time_pair(lambda: solve_toeplitz(c, b), lambda: scipy.linalg.solve_toeplitz(c, b))
    error = relative_error(solve_toeplitz(c, b), scipy.linalg.solve_toeplitz(c, b))
    yield Row("toeplitz", "64 right-hand sides, n=1024", "c (1024,), b (1024, 64) float64",
              ours_s, "scipy", peer_s, target=0.2, quality={"max rel. diff": f"{error:.1e}"})
