"""Block sampling of a piecewise-stationary GP: audiogp.gp.sample_blocks against dense NumPy.

The waveform: 10 s at 16 kHz in 800-sample blocks, each conditioned on the
800 samples before it (mode "previous"). Each block's autocovariance is the
biased autocorrelation of the speech benchmark clip around that block (1600
lags, 0.1 % diagonal loading), standing in for a fitted kernel.

The peer is the dense implementation of the same conditional, as the
original GP speech code did it: per block, build the joint covariance,
invert K22, form the conditional mean and covariance, take a Cholesky factor.
Both consume the same standard normals, so their waveforms must agree.
"""

import numpy as np
import scipy.linalg

from audiogp.gp import sample_blocks
from harness import Row, speech_clip, time_once

SR = 16000
BLOCK = 800
CONTEXT = 800


def block_autocovariances(y, n_blocks):
    """Autocorrelation (lags 0..BLOCK+CONTEXT-1) of a Hann-windowed frame around each block."""
    n_lags = BLOCK + CONTEXT
    padded = np.concatenate([np.zeros(n_lags), y.astype(np.float64), np.zeros(n_lags)])
    starts = n_lags + np.arange(n_blocks) * BLOCK + BLOCK // 2 - n_lags // 2
    frames = np.stack([padded[s:s + n_lags] for s in starts]) * np.hanning(n_lags)
    spectrum = np.fft.rfft(frames, 2 * n_lags, axis=-1)
    r = np.fft.irfft(np.abs(spectrum) ** 2, axis=-1)[:, :n_lags] / n_lags
    r[:, 0] = r[:, 0] * 1.001 + 1e-3 * r[:, 0].mean()
    return r


def dense_sample_blocks(autocov, noise):
    """The same conditional draws with dense inverses and Cholesky factors, block by block."""
    n_blocks = autocov.shape[0]
    x = np.zeros((n_blocks, BLOCK))
    flat = x.reshape(-1)
    for b in range(n_blocks):
        K = scipy.linalg.toeplitz(autocov[b])
        have = min(CONTEXT, b * BLOCK)
        K22, K12, K11 = K[:have, :have], K[have:have + BLOCK, :have], K[have:have + BLOCK, have:have + BLOCK]
        if have == 0:
            x[b] = np.linalg.cholesky(K11) @ noise[b]
            continue
        gain = K12 @ np.linalg.inv(K22)
        mean = gain @ flat[b * BLOCK - have:b * BLOCK]
        cov = K11 - gain @ K12.T
        x[b] = mean + np.linalg.cholesky(cov) @ noise[b]
    return x


def cases():
    y, _ = speech_clip(sr=SR)
    n_blocks = 10 * SR // BLOCK
    autocov = block_autocovariances(y[:n_blocks * BLOCK], n_blocks)
    seed = 0
    noise = np.random.default_rng(seed).standard_normal((n_blocks, BLOCK))

    def ours():
        return sample_blocks(autocov, BLOCK, mode="previous", context=CONTEXT, rng=seed,
                             return_jitter=True)

    ours_s, (x, jitter) = time_once(ours, repeat=5)
    # The dense peer takes tens of seconds; once is enough to time it.
    peer_s, reference = time_once(lambda: dense_sample_blocks(autocov, noise), repeat=1)
    difference = np.max(np.abs(x - reference)) / np.max(np.abs(reference))
    yield Row("sampling", 'sample_blocks "previous", 10 s', f"{n_blocks} blocks of {BLOCK}, context "
              f"{CONTEXT}, 16 kHz speech autocorrelations", ours_s, "dense numpy", peer_s,
              target=1 / 20, quality={"max rel. diff": f"{difference:.1e}",
                                      "blocks jittered": int((jitter > 0).sum())})
