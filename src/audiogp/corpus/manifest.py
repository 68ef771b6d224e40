"""The manifest of a corpus run: one JSON line per finished item, appended atomically.

Each line is written with a single ``os.write`` on a descriptor opened with
``O_APPEND`` and then ``fsync``-ed, so a line is either wholly in the file or
not at all (a killed client leaves at most a torn last line, which reading
skips). Later lines for the same item supersede earlier ones.

Fields of a record: ``item`` (path relative to the corpus root),
``input_hash`` (sha256 of the input file's bytes), ``spec_hash``,
``audiogp`` (version), ``status`` (``done`` or ``failed``), ``outputs``
(paths relative to ``--out``), ``metrics`` (``{"node.metric": number}``),
``seconds``, ``nodes`` (seconds per node), ``worker``, ``seed``, ``input``
(the input's absolute path), and for a failure ``error``
(``{"kind", "message", "location", "node", "traceback"}``).
"""

import hashlib
import json
import os
from pathlib import Path

__all__ = ["MANIFEST_NAME", "file_hash", "spec_hash", "append", "read_latest"]

MANIFEST_NAME = "manifest.jsonl"
_CHUNK = 1 << 20


def file_hash(path):
    """sha256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def spec_hash(spec_text, *, overrides=(), seed=None, over_target="", version=""):
    """sha256 of what decides an item's outputs besides its input: spec text, --set, seed, version."""
    document = json.dumps({"spec": spec_text, "set": list(overrides), "seed": seed,
                           "over": over_target, "audiogp": version}, sort_keys=True)
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def append(out_dir, record):
    """Append ``record`` (a JSON-serialisable dict) as one line of the manifest in ``out_dir``."""
    line = (json.dumps(record, sort_keys=True, allow_nan=False, default=str) + "\n").encode("utf-8")
    descriptor = os.open(Path(out_dir) / MANIFEST_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                         0o644)
    try:
        written = os.write(descriptor, line)
        if written != len(line):  # not expected for regular files; never leave half a record
            raise OSError(f"short write to the manifest ({written} of {len(line)} bytes)")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_all(out_dir):
    """Every complete record of the manifest in ``out_dir``, in the order written ([] if none)."""
    path = Path(out_dir) / MANIFEST_NAME
    if not path.exists():
        return []
    records = []
    with open(path, "rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break  # a torn last line from a killed client
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict) and "item" in record:
                records.append(record)
    return records


def read_latest(out_dir):
    """``{item: its last record}`` from the manifest in ``out_dir``."""
    return {record["item"]: record for record in read_all(out_dir)}
