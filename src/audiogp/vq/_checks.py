"""Input checks shared by the vq modules (vectors are rows of a 2-D float array)."""

import numpy as np

from audiogp import _validate
from audiogp.errors import ParameterError


def vectors(X, name="X", *, dim=None):
    """Return ``X`` as a C-contiguous float64 ``(n, dim)`` array, refusing NaN/Inf and bad shapes."""
    X = _validate.float_array(X, name, min_ndim=1, dtypes=(np.float64,), finite=False,
                            allow_empty=True)
    if X.ndim != 2:
        raise ParameterError(
            f"{name} must be a 2-D array of vectors (n_vectors, dim), got shape {X.shape}; "
            "for librosa features of shape (n_features, n_frames) pass the transpose"
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ParameterError(f"{name} is empty (shape {X.shape}); it needs at least one vector")
    if dim is not None and X.shape[1] != dim:
        raise ParameterError(
            f"{name} has vectors of dimension {X.shape[1]}, but the codebook's dimension is {dim}"
        )
    bad = ~np.isfinite(X)
    if bad.any():
        row, col = np.unravel_index(int(np.argmax(bad)), X.shape)
        raise ParameterError(
            f"{name} contains {X[row, col]} at vector {row}, component {col}; "
            "remove or replace non-finite values first"
        )
    return np.ascontiguousarray(X, dtype=np.float64)
