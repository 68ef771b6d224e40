"""Scalar quantisers (frame energy, pitch) and frame decimation with decoder-side interpolation.

- Energy: the mean of a frame's rate-K vector (dB), uniform over ``[lo, hi]`` in ``bits`` bits.
- Pitch: F0 on a logarithmic grid of ``2**bits - 1`` values from ``fmin`` to ``fmax``; index 0
  means *unvoiced* (as Codec 2's 700C, whose 6-bit pitch field carries the voicing).
- Decimation: of every ``factor`` analysis frames only one is sent; the decoder interpolates the
  rate-K vectors linearly in dB and F0 linearly in log F0 between sent frames that are both
  voiced (otherwise it holds the nearer frame's F0 and voicing).

References
----------
D. Rowe, Codec 2 documentation (doc/codec2.tex), modes 700C and 1300: 4-bit energy, 6-bit
log pitch with an unvoiced code, 40 ms parameter frames interpolated to 10 ms.
"""

from dataclasses import dataclass

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["UniformQuantiser", "PitchQuantiser", "decimate", "interpolate_frames"]


@dataclass(frozen=True)
class UniformQuantiser:
    """Uniform scalar quantiser with ``2**bits`` levels from ``lo`` to ``hi`` inclusive (clipping outside)."""

    lo: float = -50.0
    hi: float = 0.0
    bits: int = 4

    def __post_init__(self):
        check.integer(self.bits, "bits", minimum=1, maximum=16)
        if not self.hi > self.lo:
            raise ParameterError(f"energy range must have hi > lo, got lo={self.lo}, hi={self.hi}")

    @property
    def levels(self):
        """The reconstruction values, ``(2**bits,)``."""
        return np.linspace(self.lo, self.hi, 1 << self.bits)

    def encode(self, x):
        """Indices (int64) of the nearest levels."""
        step = (self.hi - self.lo) / ((1 << self.bits) - 1)
        idx = np.rint((np.asarray(x, dtype=np.float64) - self.lo) / step)
        return np.clip(idx, 0, (1 << self.bits) - 1).astype(np.int64)

    def decode(self, idx):
        """Values of indices ``idx``."""
        idx = np.asarray(idx, dtype=np.int64)
        if np.any((idx < 0) | (idx >= 1 << self.bits)):
            raise ParameterError(f"energy index out of range 0..{(1 << self.bits) - 1}")
        return self.levels[idx]


@dataclass(frozen=True)
class PitchQuantiser:
    """Log-spaced F0 quantiser; index 0 is *unvoiced*, 1..2**bits-1 span ``fmin``..``fmax``."""

    fmin: float = 50.0
    fmax: float = 400.0
    bits: int = 6

    def __post_init__(self):
        check.integer(self.bits, "bits", minimum=2, maximum=16)
        if not (self.fmax > self.fmin > 0):
            raise ParameterError(f"pitch range must have 0 < fmin < fmax, got {self.fmin}, {self.fmax}")

    @property
    def levels(self):
        """F0 of indices 1..2**bits-1 (Hz)."""
        return np.geomspace(self.fmin, self.fmax, (1 << self.bits) - 1)

    def encode(self, f0, voiced):
        """Indices: 0 for unvoiced frames, else the nearest level in log F0."""
        f0 = np.asarray(f0, dtype=np.float64)
        n = (1 << self.bits) - 1
        pos = np.log(np.clip(f0, self.fmin, self.fmax) / self.fmin) / np.log(self.fmax / self.fmin)
        idx = 1 + np.clip(np.rint(pos * (n - 1)), 0, n - 1).astype(np.int64)
        return np.where(np.asarray(voiced, dtype=bool), idx, 0)

    def decode(self, idx, *, unvoiced_f0=None):
        """``(f0, voiced)``: unvoiced frames get ``unvoiced_f0`` (default the geometric mid-range)."""
        idx = np.asarray(idx, dtype=np.int64)
        if np.any((idx < 0) | (idx >= 1 << self.bits)):
            raise ParameterError(f"pitch index out of range 0..{(1 << self.bits) - 1}")
        if unvoiced_f0 is None:
            unvoiced_f0 = np.sqrt(self.fmin * self.fmax)
        levels = np.concatenate([[unvoiced_f0], self.levels])
        return levels[idx], idx > 0


def decimate(n_frames, factor):
    """Indices of the frames sent when one in ``factor`` is kept: 0, factor, 2 factor, ... < n_frames.

    Frames after the last sent one are held at its values by :func:`interpolate_frames`.
    """
    factor = check.integer(factor, "factor", minimum=1)
    return np.arange(0, n_frames, factor)


def interpolate_frames(sent, vectors, f0, voiced, n_frames):
    """Interpolate decimated frames (at indices ``sent``) back to every frame ``0..n_frames-1``.

    Parameters
    ----------
    sent : numpy.ndarray of int (m,)
        Increasing frame indices of the sent frames; frames after the last are held.
    vectors : numpy.ndarray (m, K)
        Rate-K vectors (dB) of the sent frames (mean included): interpolated linearly.
    f0 : numpy.ndarray (m,)
    voiced : numpy.ndarray of bool (m,)

    Returns
    -------
    vectors (n_frames, K), f0 (n_frames,), voiced (n_frames,)
    """
    sent = np.asarray(sent, dtype=np.int64)
    vectors = np.asarray(vectors, dtype=np.float64)
    f0 = np.asarray(f0, dtype=np.float64)
    voiced = np.asarray(voiced, dtype=bool)
    frames = np.arange(n_frames)
    if len(sent) == 1:
        return (np.repeat(vectors, n_frames, axis=0), np.full(n_frames, f0[0]),
                np.full(n_frames, voiced[0]))
    seg = np.clip(np.searchsorted(sent, frames, side="right") - 1, 0, len(sent) - 2)
    a, b = sent[seg], sent[seg + 1]
    t = np.clip((frames - a) / (b - a), 0.0, 1.0)
    out_v = vectors[seg] * (1 - t)[:, None] + vectors[seg + 1] * t[:, None]
    both = voiced[seg] & voiced[seg + 1]
    near = np.where(t < 0.5, seg, seg + 1)
    log_f0 = np.log(f0[seg]) * (1 - t) + np.log(f0[seg + 1]) * t
    out_f0 = np.where(both, np.exp(log_f0), f0[near])
    out_voiced = np.where(both, True, voiced[near])
    return out_v, out_f0, out_voiced
