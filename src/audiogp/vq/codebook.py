"""The :class:`Codebook` value: multi-stage codewords, metadata, content hash, npz + json files.

A codebook saved as ``name.npz`` is two files: ``name.npz`` holds only the
stage arrays (``stage0``, ``stage1``... float64, no pickle) and ``name.json``
holds the dimension, the stage sizes, the content hash, the metadata and the
training record. :func:`load` refuses files that are missing, corrupt, of
the wrong shape, or whose arrays do not match the recorded hash.

The content hash (:attr:`Codebook.hash`) is the hex SHA-256 of::

    b"audiogp.vq.codebook/1\\n"
    for each stage: json({"dtype": "<f8", "shape": [size, dim]}) + b"\\n" + the array bytes
                    (C order, little-endian float64)
    json(meta)   (sort_keys, separators (",", ":"), ASCII)

so it changes with any codeword, with the stage layout and with the
metadata, but not with the training record.
"""

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from audiogp import _validate
from audiogp._files import atomic_output
from audiogp.errors import ParameterError, ParameterTypeError, UserError

FORMAT = "audiogp.vq.codebook"
VERSION = 1


class CodebookError(UserError, ValueError):
    """A codebook file is missing, corrupt, inconsistent, or not the codebook expected."""


def _canonical_json(value, name):
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                          allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"{name} must be JSON-able (dict of numbers, strings, lists), but {exc}"
        ) from None
    return text


def _plain(value, name):
    """Round-trip ``value`` through JSON (tuples become lists, numpy scalars are refused)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParameterTypeError(f"{name} must be a dict, got {type(value).__name__}")
    return json.loads(_canonical_json(value, name))


def content_hash(stages, meta):
    """Hex SHA-256 of the stage arrays (dtype, shape, bytes) and the metadata; see the module notes."""
    h = hashlib.sha256(b"audiogp.vq.codebook/1\n")
    for C in stages:
        C = np.ascontiguousarray(C, dtype="<f8")
        h.update(json.dumps({"dtype": "<f8", "shape": list(C.shape)}).encode() + b"\n")
        h.update(C.tobytes())
    h.update(_canonical_json(meta, "meta").encode())
    return h.hexdigest()


@dataclass(frozen=True, eq=False)
class Codebook:
    """A multi-stage vector-quantisation codebook.

    A vector is coded by one codeword index per stage and decoded as the sum
    of those codewords. Build one with :func:`audiogp.vq.train`, or from
    arrays: ``Codebook([C1, C2], meta={...})``.

    Parameters
    ----------
    stages : sequence of array_like, each (size_s, dim)
        Codewords of each stage (stored as read-only float64 copies).
    meta : dict, optional
        JSON-able description of what the vectors are (covered by the hash).
    info : dict, optional
        JSON-able training record (not covered by the hash).

    Attributes
    ----------
    stages : tuple of ndarray
    meta, info : dict
    dim : int
        Vector dimension.
    sizes : tuple of int
        Codewords per stage.
    hash : str
        Hex SHA-256 content hash (see :mod:`audiogp.vq.codebook`).
    """

    stages: tuple
    meta: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    #: What the codebook tells a graph before it runs (see :mod:`audiogp.types`).
    FACTS: ClassVar[tuple] = ("dim", "sizes", "hash")

    def __post_init__(self):
        from audiogp.vq._checks import vectors

        if isinstance(self.stages, np.ndarray) and self.stages.ndim == 2:
            raw = [self.stages]
        else:
            raw = list(self.stages)
        if not raw:
            raise ParameterError("stages is empty: a codebook needs at least one stage")
        arrays = []
        for s, C in enumerate(raw):
            C = np.array(vectors(C, f"stages[{s}]"), dtype=np.float64, order="C", copy=True)
            if C.shape[1] != (arrays[0].shape[1] if arrays else C.shape[1]):
                raise ParameterError(
                    f"stages[{s}] has dimension {C.shape[1]}, stages[0] has {arrays[0].shape[1]}"
                )
            C.setflags(write=False)
            arrays.append(C)
        object.__setattr__(self, "stages", tuple(arrays))
        object.__setattr__(self, "meta", _plain(self.meta, "meta"))
        object.__setattr__(self, "info", _plain(self.info, "info"))
        object.__setattr__(self, "_hash", content_hash(arrays, self.meta))

    @property
    def dim(self):
        """Vector dimension."""
        return int(self.stages[0].shape[1])

    @property
    def sizes(self):
        """Number of codewords of each stage."""
        return tuple(int(C.shape[0]) for C in self.stages)

    @property
    def hash(self):
        """Hex SHA-256 over the stage arrays and the metadata."""
        return self._hash

    @property
    def bits(self):
        """Bits per vector, ``sum(log2(size_s))`` (fractional for sizes that are not powers of 2)."""
        return float(sum(np.log2(self.sizes)))

    def __repr__(self):
        return f"Codebook(dim={self.dim}, sizes={self.sizes}, hash={self.hash[:12]}..., meta={self.meta})"

    def encode(self, X, m_best=8):
        """Indices of the codewords of each stage that best code each vector (M-best search).

        Parameters
        ----------
        X : array_like, shape (n, dim)
            Vectors, one per row.
        m_best : int
            Partial paths kept from stage to stage (1: greedy; see
            :func:`audiogp.vq.mbest_encode`).

        Returns
        -------
        ndarray of int32, shape (n, n_stages)
        """
        from audiogp.vq._checks import vectors
        from audiogp.vq.multistage import _mbest

        X = vectors(X, "X", dim=self.dim)
        m_best = _validate.integer(m_best, "m_best", minimum=1)
        return _mbest(X, self.stages, m_best)[0]

    def decode(self, idx):
        """Vectors from their indices: the sum over stages of the chosen codewords.

        Parameters
        ----------
        idx : array_like of int, shape (n, n_stages)

        Returns
        -------
        ndarray of float64, shape (n, dim)
        """
        from audiogp.vq.multistage import _decode

        idx = np.asarray(idx)
        if idx.dtype.kind not in "iu":
            raise ParameterTypeError(f"idx must be an integer array, got dtype {idx.dtype}")
        if idx.ndim != 2 or idx.shape[1] != len(self.stages):
            raise ParameterError(
                f"idx must have shape (n, {len(self.stages)}) (one index per stage), got {idx.shape}"
            )
        for s, size in enumerate(self.sizes):
            column = idx[:, s]
            bad = (column < 0) | (column >= size)
            if bad.any():
                row = int(np.argmax(bad))
                raise ParameterError(
                    f"idx[{row}, {s}] = {column[row]} is out of range for stage {s} "
                    f"({size} codewords: 0..{size - 1})"
                )
        return _decode(self.stages, idx.astype(np.intp, copy=False))

    def distortion(self, X, m_best=8):
        """Per-vector squared errors ``||x - decode(encode(x))||^2`` (float64, shape (n,))."""
        from audiogp.vq._checks import vectors
        from audiogp.vq.multistage import _mbest

        X = vectors(X, "X", dim=self.dim)
        m_best = _validate.integer(m_best, "m_best", minimum=1)
        return _mbest(X, self.stages, m_best)[1]

    def save(self, path, *, force=False):
        """Write ``path`` (``x.npz``, the arrays) and ``x.json`` (description, hash, metadata).

        Parameters
        ----------
        path : str or path-like
            Name ending in ``.npz``; the ``.json`` file goes beside it.
        force : bool
            Replace existing files (otherwise an existing file is an error and
            nothing is written).

        Returns
        -------
        tuple of Path
            The two files written.
        """
        path = Path(path)
        if path.suffix != ".npz":
            raise ParameterError(f"codebook path {str(path)!r} must end in .npz (the .json goes beside it)")
        json_path = path.with_suffix(".json")
        if not force:
            for p in (path, json_path):
                if p.exists():
                    raise UserError(f"{p} exists; pass force=True (--force) to overwrite it")
        description = {
            "format": FORMAT, "version": VERSION, "dim": self.dim, "sizes": list(self.sizes),
            "arrays": [f"stage{s}" for s in range(len(self.stages))], "hash": self.hash,
            "meta": self.meta, "info": self.info,
        }
        with atomic_output(path, force=force) as tmp_npz, \
                atomic_output(json_path, force=force) as tmp_json:
            with open(tmp_npz, "wb") as f:
                np.savez(f, **{f"stage{s}": C for s, C in enumerate(self.stages)})
            tmp_json.write_text(json.dumps(description, indent=1, sort_keys=True) + "\n")
        return path, json_path


def _paths(path):
    path = Path(path)
    if path.suffix not in (".npz", ".json"):
        raise CodebookError(
            f"codebook path {str(path)!r} must name the .npz (or .json) file of a codebook"
        )
    return path.with_suffix(".npz"), path.with_suffix(".json")


def load(path, *, dim=None, meta=None):
    """Read a codebook written by :meth:`Codebook.save`, checking it thoroughly.

    Parameters
    ----------
    path : str or path-like
        ``x.npz`` (or ``x.json``); both files must exist.
    dim : int, optional
        Expected vector dimension (e.g. the K of rate-K vectors).
    meta : dict, optional
        Expected metadata entries: each key given must be present with this value.

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        Naming the file, if a file is missing or corrupt, the arrays do not
        fit the description, the content hash does not match, or the
        codebook is not the one expected (``dim``, ``meta``).
    """
    npz_path, json_path = _paths(path)
    for p in (npz_path, json_path):
        if not p.is_file():
            raise CodebookError(
                f"codebook file {p} not found (a codebook is two files, {npz_path.name} and "
                f"{json_path.name}, written by Codebook.save)"
            )
    try:
        description = json.loads(json_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CodebookError(f"{json_path} is not valid JSON ({exc}); the file is corrupt") from None
    if not isinstance(description, dict) or description.get("format") != FORMAT:
        raise CodebookError(f"{json_path} is not an audiogp codebook description (no format {FORMAT!r})")
    if description.get("version") != VERSION:
        raise CodebookError(
            f"{json_path} has codebook format version {description.get('version')!r}; "
            f"this audiogp reads version {VERSION}"
        )
    try:
        sizes = [int(s) for s in description["sizes"]]
        cb_dim = int(description["dim"])
        recorded = str(description["hash"])
        names = list(description["arrays"])
        cb_meta = description.get("meta", {})
        cb_info = description.get("info", {})
    except (KeyError, TypeError, ValueError) as exc:
        raise CodebookError(f"{json_path} lacks a valid entry {exc}; the file is corrupt") from None
    if len(names) != len(sizes):
        raise CodebookError(f"{json_path} lists {len(names)} arrays for {len(sizes)} stages")
    arrays = []
    try:
        with np.load(npz_path, allow_pickle=False) as data:
            for s, (name, size) in enumerate(zip(names, sizes)):
                if name not in data.files:
                    raise CodebookError(f"{npz_path} has no array {name!r} (stage {s}); it has {data.files}")
                C = data[name]
                if C.dtype != np.float64 or C.shape != (size, cb_dim):
                    raise CodebookError(
                        f"{npz_path}: array {name!r} is {C.dtype} of shape {C.shape}, but {json_path.name} "
                        f"describes float64 of shape ({size}, {cb_dim})"
                    )
                if not np.isfinite(C).all():
                    raise CodebookError(f"{npz_path}: array {name!r} contains NaN or Inf")
                arrays.append(C)
    except CodebookError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise CodebookError(f"{npz_path} is corrupt or not a codebook's arrays ({exc})") from None
    actual = content_hash(arrays, cb_meta)
    if actual != recorded:
        raise CodebookError(
            f"{npz_path} does not match {json_path.name}: content hash {actual[:16]}... differs from "
            f"the recorded {recorded[:16]}...; the files were modified or come from different codebooks"
        )
    if dim is not None and cb_dim != dim:
        raise CodebookError(f"codebook {npz_path} codes vectors of dimension {cb_dim}, expected {dim}")
    if meta:
        for key, value in meta.items():
            if key not in cb_meta or cb_meta[key] != value:
                raise CodebookError(
                    f"codebook {npz_path} has {key}={cb_meta.get(key)!r} in its metadata, expected {value!r}"
                )
    return Codebook(arrays, meta=cb_meta, info=cb_info)
