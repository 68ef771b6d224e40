"""The items of a corpus: a glob pattern expanded below its corpus root, and each item's out folder."""

import glob
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from audiogp.errors import UserError

__all__ = ["Item", "OverTarget", "parse_over", "corpus_root", "expand", "item_out_dir"]

_WILDCARDS = set("*?[")


@dataclass(frozen=True)
class OverTarget:
    """What ``--over NODE.KEY=PATTERN`` asks for: the parameter that takes each input, and the pattern."""

    node: str
    key: str
    pattern: str

    def __str__(self):
        return f"{self.node}.{self.key}={self.pattern}"


@dataclass(frozen=True)
class Item:
    """One input of a corpus.

    Attributes
    ----------
    path : str
        Absolute path of the input file.
    rel : str
        Its path relative to the corpus root, with ``/`` separators; it names
        the item (manifest, seed, out folder).
    """

    path: str
    rel: str


def parse_over(text):
    """Split ``NODE.KEY=PATTERN`` into an :class:`OverTarget`; raise UserError naming the mistake."""
    target, equals, pattern = str(text).partition("=")
    node, dot, key = target.strip().partition(".")
    if not equals or not dot or not node or not key or not pattern.strip():
        raise UserError(f"--over {text}: expected NODE.KEY=PATTERN, e.g. "
                        "--over voice.path='corpus/**/*.wav' (quote the pattern so the shell "
                        "leaves it to audiogp)")
    return OverTarget(node.strip(), key.strip(), pattern.strip())


def corpus_root(pattern, base="."):
    """The folder of ``pattern`` before its first wildcard component, resolved from ``base``.

    ``corpus/**/*.wav`` has the root ``corpus``; item names are relative to it.
    """
    parts = PurePosixPath(pattern.replace(os.sep, "/")).parts
    fixed = []
    for part in parts:
        if _WILDCARDS & set(part):
            break
        fixed.append(part)
    if len(fixed) == len(parts):  # no wildcard: a single file, its folder is the root
        fixed = fixed[:-1]
    return (Path(base) / Path(*fixed) if fixed else Path(base)).resolve()


def expand(pattern, base="."):
    """The files ``pattern`` matches (``**`` spans folders), relative to ``base``, sorted by name.

    Returns a list of :class:`Item`; raises UserError when nothing matches.
    Folders and hidden files (a component starting with ``.``) are skipped.
    """
    root = corpus_root(pattern, base)
    full = pattern if Path(pattern).is_absolute() else str(Path(base) / pattern)
    found = {}
    for name in glob.iglob(full, recursive=True):
        path = Path(name).resolve()
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in PurePosixPath(rel).parts):
            continue
        found[rel] = Item(str(path), rel)
    if not found:
        raise UserError(f"--over pattern {pattern!r} matches no file (looked below {root}; "
                        "relative patterns start at the current folder, ** spans folders)")
    return [found[rel] for rel in sorted(found)]


def item_out_dir(out_dir, rel):
    """``out_dir/<rel without its suffix>``: where an item's outputs go."""
    stem = PurePosixPath(rel).with_suffix("")
    return Path(out_dir).joinpath(*stem.parts)
