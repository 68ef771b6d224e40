"""Corpus-level steps that need every item at once: a ``reduce:`` section of the spec.

::

    reduce:
      use: pca              # or kmeans (a VQ codebook)
      input: mfcc           # an item node (or node.port) whose array every item hands in
      n_components: 8
      path: pca.npz         # written into --out

Every done item saves the input node's array (``.gathered.npy`` in its own
folder, moved into place with the item). A 2-D array ``(dims, frames)``
gives its frames as rows; a 1-D array gives one row. After the map, the rows
of every done item (in item order) are stacked and the reducer runs once,
in the client, writing one ``.npz`` file.

References: PCA by the singular value decomposition of the centred data
(Jolliffe, *Principal Component Analysis*, 2nd ed., 2002, sec. 3.5); the
codebook by Lloyd's algorithm (Lloyd, "Least squares quantization in PCM",
IEEE Trans. IT-28, 1982) seeded with k-means++ (Arthur & Vassilvitskii, 2007).
"""

import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from audiogp.errors import UserError

__all__ = ["ReduceStep", "REDUCERS", "parse_reduce", "gathered_rows", "GATHERED", "run_reduce"]

GATHERED = ".gathered.npy"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _pca(rows, *, n_components, seed):
    """Principal axes of the rows: mean, components (k, dims), explained variance."""
    if n_components > min(rows.shape):
        raise UserError(f"reduce: n_components={n_components} but the gathered data is "
                        f"{rows.shape[0]} rows x {rows.shape[1]} dims; give at most "
                        f"{min(rows.shape)}")
    mean = rows.mean(axis=0)
    _, singular, vt = np.linalg.svd(rows - mean, full_matrices=False)
    components = vt[:n_components]
    signs = np.sign(components[np.arange(n_components), np.argmax(np.abs(components), axis=1)])
    components = components * signs[:, None]  # the largest entry of each axis is positive
    variance = singular[:n_components] ** 2 / max(rows.shape[0] - 1, 1)
    return {"mean": mean, "components": components, "explained_variance": variance}


def _kmeans(rows, *, k, iterations, seed):
    """A codebook of ``k`` vectors by Lloyd's algorithm from a k-means++ start."""
    if k > rows.shape[0]:
        raise UserError(f"reduce: k={k} but only {rows.shape[0]} rows were gathered")
    rng = np.random.default_rng(seed)
    codebook = rows[[rng.integers(rows.shape[0])]]
    for _ in range(1, k):  # k-means++: next centre drawn in proportion to the squared distance
        distance = ((rows[:, None, :] - codebook[None]) ** 2).sum(-1).min(1)
        total = distance.sum()
        pick = rng.integers(rows.shape[0]) if total == 0 else rng.choice(rows.shape[0],
                                                                           p=distance / total)
        codebook = np.vstack([codebook, rows[pick]])
    for _ in range(iterations):
        labels = ((rows[:, None, :] - codebook[None]) ** 2).sum(-1).argmin(1)
        updated = codebook.copy()
        for index in range(k):
            members = rows[labels == index]
            if len(members):
                updated[index] = members.mean(axis=0)
        if np.array_equal(updated, codebook):
            break
        codebook = updated
    labels = ((rows[:, None, :] - codebook[None]) ** 2).sum(-1).argmin(1)
    error = float(((rows - codebook[labels]) ** 2).sum(-1).mean())
    return {"codebook": codebook, "counts": np.bincount(labels, minlength=k),
            "mean_squared_error": np.array(error)}


# name -> (function, {param: (default, minimum)}, doc)
REDUCERS = {
    "pca": (_pca, {"n_components": (2, 1)}, "principal axes of the gathered rows"),
    "kmeans": (_kmeans, {"k": (16, 1), "iterations": (50, 1)},
               "a VQ codebook of k vectors (Lloyd's algorithm, k-means++ start)"),
}


@dataclass(frozen=True)
class ReduceStep:
    """A validated ``reduce:`` section."""

    use: str
    node: str
    port: str = None
    params: dict = field(default_factory=dict)
    path: str = "reduce.npz"

    @property
    def gather(self):
        return self.node if self.port is None else f"{self.node}.{self.port}"


def parse_reduce(spec):
    """The :class:`ReduceStep` of a parsed spec (None without ``reduce:``); SpecError when wrong."""
    from audiogp.graph.spec import SpecError, SpecProblem

    data = spec.data if isinstance(spec.data, dict) else {}
    if "reduce" not in data:
        return None
    section = data["reduce"]
    problems = []

    def problem(key, message):
        path = ("reduce",) if key is None else ("reduce", key)
        problems.append(SpecProblem(spec.where(path), message, key=key, key_kind="reduce: key"))

    if not isinstance(section, dict):
        raise SpecError(spec.source, [SpecProblem(spec.where(("reduce",)),
                                                  "reduce: must be a mapping (use:, input:, ...)")])
    use = section.get("use")
    if use not in REDUCERS:
        problem("use", f"expected one of {', '.join(REDUCERS)}, got {use!r}")
        raise SpecError(spec.source, problems)
    _, defaults, _ = REDUCERS[use]
    nodes = data.get("nodes") if isinstance(data.get("nodes"), dict) else {}
    source = section.get("input")
    node, port = (str(source).partition(".")[0], str(source).partition(".")[2] or None)
    if not isinstance(source, str) or node not in nodes:
        problem("input", f"expected the name of an item node (one of {', '.join(nodes)}), "
                f"got {source!r}")
    path = section.get("path", "reduce.npz")
    if (not isinstance(path, str) or PurePosixPath(path).is_absolute() or ".." in
            PurePosixPath(path).parts or not path.endswith(".npz")):
        problem("path", f"expected a .npz file name inside --out, got {path!r}")
    params = {}
    for key, value in section.items():
        if key in ("use", "input", "path"):
            continue
        if key not in defaults:
            problem(key, f"{use} takes {', '.join(['input', 'path', *defaults])}, not {key!r}")
        elif not isinstance(value, int) or isinstance(value, bool) or value < defaults[key][1]:
            problem(key, f"expected an integer >= {defaults[key][1]}, got {value!r}")
        else:
            params[key] = value
    if problems:
        raise SpecError(spec.source, problems)
    for key, (default, _) in defaults.items():
        params.setdefault(key, default)
    return ReduceStep(use, node, port, params, path)


def gathered_rows(value, where):
    """The rows a value contributes: its main array's frames (2-D, transposed) or itself (1-D)."""
    import dataclasses

    array = value if isinstance(value, np.ndarray) else None
    if array is None and dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if isinstance(getattr(value, f.name), np.ndarray):
                array = getattr(value, f.name)
                break
    if array is None or array.ndim not in (1, 2) or not np.issubdtype(array.dtype, np.number) \
            or np.iscomplexobj(array):
        raise UserError(f"reduce: {where} gives {type(value).__name__}, not a real 1-D or 2-D "
                        "array to gather")
    array = np.asarray(array, dtype=np.float64)
    return array[None, :] if array.ndim == 1 else np.ascontiguousarray(array.T)


def run_reduce(step, out_dir, done_items, seed):
    """Stack the gathered rows of ``done_items`` (relative paths) and run the reducer once.

    Returns the path of the ``.npz`` written into ``out_dir``.
    """
    from audiogp.corpus.items import item_out_dir
    from audiogp.plugins.context import node_seed

    blocks = []
    for rel in sorted(done_items):
        path = item_out_dir(out_dir, rel) / GATHERED
        if not path.is_file():
            raise UserError(f"reduce: item {rel} has no gathered data ({path}); run it again "
                            "with --force")
        blocks.append((rel, np.load(path, allow_pickle=False)))
    if not blocks:
        raise UserError("reduce: no item is done, nothing to reduce")
    widths = {block.shape[1] for _, block in blocks}
    if len(widths) > 1:
        first = blocks[0]
        other = next((rel, b) for rel, b in blocks if b.shape[1] != first[1].shape[1])
        raise UserError(f"reduce: items give rows of different sizes: {first[0]} gives "
                        f"{first[1].shape[1]}, {other[0]} gives {other[1].shape[1]}; gather a "
                        "node whose size does not depend on the item's length")
    rows = np.vstack([block for _, block in blocks])
    function, _, _ = REDUCERS[step.use]
    result = function(rows, seed=node_seed(seed, "reduce"), **step.params)
    result["items"] = np.array([rel for rel, _ in blocks])
    result["rows_per_item"] = np.array([len(block) for _, block in blocks])
    target = Path(out_dir) / step.path
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, array in result.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(key + ".npy", date_time=_ZIP_DATE), buffer.getvalue())
    os.replace(temporary, target)
    return target
