"""Vector quantisation: k-means training, multi-stage codebooks, M-best search.

General-purpose: it works on any feature vectors, one vector per row
(``X`` of shape ``(n_vectors, dim)``), e.g. rate-K spectral amplitudes,
MFCC or log-mel frames (librosa's ``(n_mfcc, n_frames)`` arrays are passed
transposed, ``mfcc.T``).

- :func:`nearest` -- nearest-codeword search (BLAS, chunked);
- :func:`kmeans` -- k-means++ start, Lloyd iterations, empty cells re-seeded;
- :func:`train` -- a multi-stage codebook (:class:`Codebook`), each stage
  trained on the previous stage's residual, M-best encoding;
- :func:`load` / :meth:`Codebook.save` -- npz + json files with a content hash.

Names are imported lazily from their modules on first use.
"""

from audiogp._lazy import attach as _attach

__getattr__, __dir__, __all__ = _attach(
    __name__,
    {
        "search": ["nearest"],
        "clustering": ["kmeans", "kmeans_plusplus"],  # not kmeans.py: it would shadow the function
        "multistage": ["train", "mbest_encode"],
        "codebook": ["Codebook", "CodebookError", "load", "content_hash"],
        "values": ["FeatureVectors", "VQIndices"],
    },
)
