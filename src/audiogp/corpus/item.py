"""Running one item of a corpus: the spec with the item's input, seed and out folder.

This is what a worker runs. It receives a small :class:`Task` (paths and
settings, never audio) and returns a small record (a dict, the manifest's
fields). The item is written into a staging folder below ``--out`` and
renamed into place only when every node has succeeded, so an interrupted
item (Ctrl-C, a killed worker) leaves no half-written output.
"""

import os
import shutil
import socket
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from audiogp.corpus.items import item_out_dir
from audiogp.corpus.manifest import file_hash

__all__ = ["Task", "STAGING", "prepare_spec", "run_item", "staging_dir"]

STAGING = ".staging"


@dataclass(frozen=True)
class Task:
    """Everything a worker needs to run one item (all small and picklable)."""

    spec_text: str
    spec_source: str
    spec_folder: str
    node: str
    key: str
    item_path: str
    item_rel: str
    seed: int
    out_dir: str
    spec_hash: str
    overrides: tuple = ()
    registry_options: dict = field(default_factory=dict)
    graph_workers: int = None
    over_label: str = ""
    gather: str = ""          # the item node whose array the reduce: step gathers ("" for none)


def prepare_spec(task):
    """Parse the spec text and set the item's input on ``node.key`` (located as ``--over``)."""
    from audiogp.graph.spec import Location, parse_spec

    spec = parse_spec(task.spec_text, source=task.spec_source, folder=Path(task.spec_folder))
    if isinstance(spec.data, dict):
        spec.data.pop("reduce", None)  # the corpus-level step: validated by the corpus runner
    nodes = spec.data.get("nodes") if isinstance(spec.data, dict) else None
    if isinstance(nodes, dict) and isinstance(nodes.get(task.node), dict):
        nodes[task.node][task.key] = task.item_path
        where = Location(f"--over {task.over_label or task.node + '.' + task.key} "
                         f"(item {task.item_rel})")
        path = ("nodes", task.node, task.key)
        spec.value_locations[path] = where
        spec.key_locations.setdefault(path, where)
    return spec


def check_item(task, registry, out_dir=None):
    """Validate the spec for this item; return the graph (raises SpecError)."""
    from audiogp.graph.validate import validate

    return validate(prepare_spec(task), registry, overrides=task.overrides, seed=task.seed,
                    out_dir=out_dir, force=True)


def staging_dir(out_dir, rel):
    """A fresh, unique staging folder for item ``rel`` below ``out_dir/.staging``."""
    name = rel.replace("/", "__") + f".{os.getpid()}.{uuid.uuid4().hex[:8]}"
    return Path(out_dir) / STAGING / name


def _worker_name():
    distributed = sys.modules.get("distributed")  # never imported here: serial runs stay Dask-free
    if distributed is not None:
        try:
            return distributed.get_worker().address
        except ValueError:  # not inside a Dask worker
            pass
    return f"{socket.gethostname()}:{os.getpid()}"


def run_item(task):
    """Run one item; return its manifest record (never raises for a failed item).

    Parameters
    ----------
    task : Task

    Returns
    -------
    dict
        ``item, input_hash, spec_hash, audiogp, status, outputs, metrics,
        seconds, worker, seed`` and, when it failed, ``error``.
    """
    from audiogp._version import __version__

    started = time.perf_counter()
    record = {"item": task.item_rel, "spec_hash": task.spec_hash, "audiogp": __version__,
              "seed": task.seed, "worker": _worker_name(), "outputs": [], "metrics": {},
              "input_hash": None, "input": task.item_path, "nodes": {}}
    staging = None
    try:
        record["input_hash"] = file_hash(task.item_path)
        staging = staging_dir(task.out_dir, task.item_rel).resolve()
        staging.mkdir(parents=True)
        record["outputs"], record["metrics"], record["nodes"] = _run(task, staging)
        _move_into_place(staging, item_out_dir(task.out_dir, task.item_rel))
        staging = None
        record["status"] = "done"
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - a failed item must not stop the others
        record["status"] = "failed"
        record["error"] = describe_error(error, task)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        record["seconds"] = time.perf_counter() - started
    return record


def _run(task, staging):
    from audiogp.graph.runner import run_graph
    from audiogp.plugins import get_registry
    from audiogp.types import Metrics

    registry = get_registry(**task.registry_options)
    graph = check_item(task, registry, out_dir=staging)
    result = run_graph(graph, registry, force=True, workers=task.graph_workers, keep_values=True)
    metrics = {}
    for name in graph.order:
        for port, value in result.values.get(name, {}).items():
            if isinstance(value, Metrics):
                prefix = name if len(result.values[name]) == 1 else f"{name}.{port}"
                for metric, number in value.values.items():
                    metrics[f"{prefix}.{metric}"] = _number(number)
    if task.gather:
        import numpy as np

        from audiogp.corpus.reducers import GATHERED, gathered_rows

        node, _, port = task.gather.partition(".")
        values = result.values[node]
        value = values[port] if port else next(iter(values.values()))
        np.save(staging / GATHERED, gathered_rows(value, f"node {task.gather!r}"),
                allow_pickle=False)
    outputs = sorted(Path(path).resolve().relative_to(staging).as_posix() for path in result.written)
    return outputs, metrics, {r.name: r.seconds for r in result.records}


def _number(value):
    import math

    value = float(value)
    return value if math.isfinite(value) else None


def _move_into_place(staging, final):
    """Rename the finished staging folder to ``final``, replacing an older copy of the item."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists():
        old = staging.with_name(staging.name + ".old")
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def describe_error(error, task):
    """The ``error`` field of a failed item: kind, message, location, node, traceback (internal only)."""
    from audiogp.errors import UserError
    from audiogp.graph.runner import NodeFailed
    from audiogp.graph.spec import SpecError

    text = str(error)
    described = {"kind": "user", "location": None,
                 "message": text if task.item_rel in text else f"{task.item_rel}: {text}",
                 "node": None, "traceback": None}
    if isinstance(error, NodeFailed):
        described.update(location=str(error.location), node=error.node)
    elif isinstance(error, SpecError) and error.problems:
        first = error.problems[0]
        described.update(location=str(first.location), node=first.node)
    elif isinstance(error, OSError):
        described.update(message=f"{task.item_rel}: cannot read {task.item_path}: {error}",
                         location=task.item_path)
    elif not isinstance(error, UserError):
        described.update(kind="internal", message=f"{task.item_rel}: internal error: "
                         f"{type(error).__name__}: {error}",
                         traceback="".join(traceback.format_exception(error)))
    return described
