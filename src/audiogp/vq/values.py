"""Values that carry vector-quantisation results along a graph: feature vectors and indices.

Plain frozen dataclasses (the :class:`~audiogp.vq.Codebook` is the third);
the built-in plugin registers them as value types.
"""

from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np


@dataclass(frozen=True, eq=False)
class FeatureVectors:
    """Feature vectors, one per row, of any kind (rate-K amplitudes, MFCC frames...).

    Attributes
    ----------
    X : numpy.ndarray, float64, shape (n_vectors, dim)
    attrs : mapping
        Free-form, JSON-able description (what the vectors are).
    """

    X: np.ndarray
    attrs: Mapping[str, Any] = field(default_factory=dict)

    FACTS: ClassVar[tuple] = ("dim", "n_vectors")

    @property
    def dim(self):
        return int(self.X.shape[1])

    @property
    def n_vectors(self):
        return int(self.X.shape[0])

    def vectors(self):
        """The ``(n_vectors, dim)`` array (the protocol the vq nodes read features through)."""
        return self.X

    def with_vectors(self, X):
        """A copy holding ``X`` instead (what ``vq_decode`` returns)."""
        return FeatureVectors(X, dict(self.attrs))


@dataclass(frozen=True, eq=False)
class VQIndices:
    """Codeword indices of a sequence of vectors coded with a multi-stage codebook.

    Attributes
    ----------
    idx : numpy.ndarray, int32, shape (n_vectors, n_stages)
    codebook_hash : str
        :attr:`Codebook.hash` of the codebook that made them (decoding with
        another is refused).
    sizes : tuple of int
        Codewords per stage of that codebook.
    template : object
        The value the vectors came from, with its array emptied: its settings
        (STFT geometry, filter bank...) and layout are what ``vq_decode`` gives
        the decoded vectors. Its samples are not kept.
    """

    idx: np.ndarray
    codebook_hash: str
    sizes: tuple
    template: Any = None

    FACTS: ClassVar[tuple] = ("n_vectors", "n_stages", "codebook_hash")

    @property
    def n_vectors(self):
        return int(self.idx.shape[0])

    @property
    def n_stages(self):
        return int(self.idx.shape[1])

    @property
    def bits(self):
        """Bits per vector, ``sum(log2(size))``."""
        return float(sum(np.log2(self.sizes)))
