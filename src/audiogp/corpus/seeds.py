"""Per-item seeds: from the spec's seed and the item's relative path, independent of run order.

NumPy's :class:`~numpy.random.SeedSequence` mixes the entropy words (the
spec seed and a SHA-256 hash of the path's UTF-8 bytes) so that nearby
paths or seeds give unrelated streams (O'Neill, "PCG: A family of simple
fast space-efficient statistically good algorithms for random number
generation", 2014; NumPy's SeedSequence follows her seed_seq design).
"""

import hashlib

import numpy as np

__all__ = ["item_seed"]


def item_seed(spec_seed, rel_path):
    """The seed (an int below 2**63) an item of a corpus runs with.

    Parameters
    ----------
    spec_seed : int
        The spec's seed (or ``--seed``), non-negative.
    rel_path : str
        The item's path relative to the corpus root, ``/``-separated.

    Returns
    -------
    int
    """
    digest = hashlib.sha256(str(rel_path).encode("utf-8")).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, len(digest), 4)]
    sequence = np.random.SeedSequence([int(spec_seed), *words])
    state = sequence.generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 32 | int(state[1])) >> 1)
