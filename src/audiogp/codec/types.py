"""Values of the codec's graph nodes: harmonic amplitudes, rate-K vectors, bitstreams, codebooks.

Each carries what the next node needs (sample rate, frame hop, signal length, the K points), so
that a miswired spec (a rate-K vector where harmonic amplitudes are expected, another sample
rate) is refused when it loads.
"""

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np

from audiogp.types import Value

__all__ = ["HarmonicAmplitudes", "RateKVectors", "CodecBitstream", "CodecCodebook"]


@dataclass(frozen=True, eq=False)
class HarmonicAmplitudes(Value):
    """Harmonic amplitudes per 10 ms frame with their F0, voicing and frame geometry.

    Attributes
    ----------
    frames : audiogp.codec.HarmonicFrames
        f0, voiced, L, amplitudes (n_frames, max L), snr, and the analysis settings.
    sr : int
        Sample rate of the analysed signal, Hz.
    hop_length : int
        Frame hop, samples.
    length : int
        Samples of the analysed signal.
    """

    frames: Any
    sr: int
    hop_length: int
    length: int
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = ("sr", "hop_length", "length")

    def summary(self):
        f = self.frames
        return (f"HarmonicAmplitudes({f.n_frames} frames, L {int(f.L.min())}-{int(f.L.max())}, "
                f"{100 * f.voiced.mean():.0f}% voiced, sr={self.sr})")


@dataclass(frozen=True, eq=False)
class RateKVectors(Value):
    """Rate-K vectors (dB at K mel-spaced points) per frame, with F0, voicing and geometry.

    Attributes
    ----------
    ratek : audiogp.codec.RateK
        vectors (n_frames, K), points (Hz), f0, voiced, method.
    quantised : numpy.ndarray or None
        The vectors after quantisation (same shape), when they come from a codec.
    sr, hop_length, length, K : int
    fmin, fmax : float
        Range of the points, Hz.
    """

    ratek: Any
    quantised: Any
    sr: int
    hop_length: int
    length: int
    K: int
    fmin: float
    fmax: float
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = ("sr", "hop_length", "length", "K", "fmin", "fmax")


@dataclass(frozen=True, eq=False)
class CodecBitstream(Value):
    """An encoded signal: the bytes of the codec's file format and what its header says.

    Attributes
    ----------
    data : bytes
    mode : str
        "700", "1400" or "2800".
    sr, length : int
        Sample rate and samples of the decoded signal.
    codebook_hash : str
    """

    data: bytes
    mode: str
    sr: int
    length: int
    codebook_hash: str
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = ("mode", "sr", "length")

    def summary(self):
        return (f"CodecBitstream({len(self.data)} bytes, mode {self.mode}, sr={self.sr}, "
                f"{self.length} samples)")


@dataclass(frozen=True, eq=False)
class CodecCodebook(Value):
    """A trained codec codebook (:class:`audiogp.vq.Codebook`) and its settings.

    Attributes
    ----------
    codebook : audiogp.vq.Codebook
    sr, K : int
    hash : str
    """

    codebook: Any
    sr: int
    K: int
    hash: str
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = ("sr", "K")


