"""The corpus runner: validate once, skip what is done, map the items on an engine, reduce."""

import contextlib
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from audiogp.corpus import manifest
from audiogp.corpus.items import expand, item_out_dir, parse_over
from audiogp.corpus.item import STAGING, Task, check_item
from audiogp.corpus.seeds import item_seed
from audiogp.errors import UserError

__all__ = ["CorpusSummary", "run_corpus", "format_summary"]

_VALIDATION_TRIES = 3


@dataclass
class CorpusSummary:
    """What a corpus run did.

    Attributes
    ----------
    done, failed : list of dict
        Manifest records of the items run now that succeeded / failed.
    skipped : list of str
        Items already done with the same spec and input (resumed).
    stats : list of MetricStats
        Per metric, over every done item of the manifest.
    metrics_csv : pathlib.Path
    seconds : float
    engine : str
    """

    done: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    stats: list = field(default_factory=list)
    metrics_csv: Path = None
    seconds: float = 0.0
    engine: str = "serial"
    total: int = 0
    report: Path = None
    reduced: Path = None
    reduce_error: str = ""


def _spec_seed(spec_text, seed):
    if seed is not None:
        return seed
    import yaml

    try:
        data = yaml.safe_load(spec_text)
    except yaml.YAMLError:
        return 0
    value = data.get("seed", 0) if isinstance(data, dict) else 0
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _check_target(node_type, target):
    from audiogp.plugins import InputFile

    param = next((p for p in node_type.params if p.name == target.key), None)
    if param is None or InputFile not in param.types:
        files = [p.name for p in node_type.params if InputFile in p.types]
        raise UserError(f"--over {target}: {target.key!r} of node {target.node!r} "
                        f"({node_type.name}) is not an input-file parameter; "
                        + (f"it takes input files on: {', '.join(files)}" if files else
                           "that node reads no file (give the node that loads the audio)"))


def _hashed_text(parsed, step):
    """What the spec hash covers: the spec's data, with a reduce: step reduced to what it gathers.

    Changing a reducer's settings re-runs the reduce, not the items.
    """
    import json

    data = dict(parsed.data) if isinstance(parsed.data, dict) else parsed.data
    if isinstance(data, dict) and "reduce" in data:
        data["reduce"] = step.gather if step else None
    return json.dumps(data, sort_keys=True, default=str)


def _check_gather(graph, step, parsed):
    from audiogp.graph.spec import SpecError, SpecProblem

    node = graph.nodes[step.node]
    ports = [p.name for p in node.type.outputs]
    if (step.port is None and len(ports) != 1) or (step.port is not None and
                                                   step.port not in ports):
        raise SpecError(parsed.source, [SpecProblem(
            parsed.where(("reduce", "input")), f"{step.node} ({node.type.name}) has the outputs "
            f"{', '.join(ports) or '(none)'}; name one as {step.node}.PORT", key_kind="reduce: key",
            key="input")])


def run_corpus(spec, over, *, out_dir="out", overrides=(), seed=None, force=False, jobs=None,
               scheduler=None, registry_options=None, progress_stream=None, live=None,
               quiet=False, base=".", report=False, engine=None):
    """Run ``spec`` once per file matched by ``over`` and return a :class:`CorpusSummary`.

    Parameters
    ----------
    spec : path-like
        The YAML spec.
    over : str
        ``NODE.KEY=PATTERN``: the input-file parameter that takes each item
        and a glob pattern (``**`` spans folders) relative to ``base``.
    out_dir : path-like
        Every item's outputs go to ``out_dir/<its path below the corpus root,
        without suffix>/``; the manifest and ``metrics.csv`` go here too.
    overrides : sequence of str
        ``--set`` overrides, applied to every item.
    seed : int, optional
        Overrides the spec's seed (each item's seed derives from it).
    force : bool
        Run items already done with the same spec and input again.
    jobs, scheduler : optional
        A local Dask cluster of ``jobs`` processes, or an existing scheduler's address.
    registry_options : dict, optional
        Passed to :func:`audiogp.plugins.get_registry` (in every worker).
    report : bool
        Also write ``report.html`` into ``out_dir`` (:mod:`audiogp.report`).
    engine : optional
        An engine already entered (:mod:`audiogp.corpus.engines`), e.g. one
        Dask cluster kept for several corpora; the caller closes it. Replaces
        ``jobs`` and ``scheduler``.

    Raises
    ------
    UserError
        A bad ``--over``, no matching file, or a spec that does not validate.
    """
    from audiogp._version import __version__
    from audiogp.corpus.engines import make_engine
    from audiogp.corpus.progress import Progress
    from audiogp.corpus.reduce import metric_stats, write_metrics_csv
    from audiogp.graph.spec import SpecError, load_spec
    from audiogp.plugins import get_registry

    started = time.perf_counter()
    registry_options = dict(registry_options or {})
    target = parse_over(over)
    spec_path = Path(spec)
    parsed = load_spec(spec_path)  # readable YAML, or a located error
    nodes = parsed.data.get("nodes") if isinstance(parsed.data, dict) else None
    if isinstance(nodes, dict) and target.node not in nodes:
        from audiogp._validate import suggest

        raise UserError(f"--over {target}: the spec has no node {target.node!r}."
                        f"{suggest(target.node, list(nodes))}")
    spec_text = spec_path.read_text(encoding="utf-8")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"the output folder {out} is a file; give --out a folder")
    from audiogp.corpus.reducers import parse_reduce, run_reduce

    step = parse_reduce(parsed)
    items = expand(target.pattern, base)
    owned = engine is None
    if owned:
        engine = make_engine(jobs=jobs, scheduler=scheduler)
    spec_seed = _spec_seed(spec_text, seed)
    digest = manifest.spec_hash(_hashed_text(parsed, step), overrides=overrides, seed=spec_seed,
                                over_target=f"{target.node}.{target.key}", version=__version__)

    def task(item):
        return Task(spec_text=spec_text, spec_source=str(spec_path),
                    spec_folder=str(spec_path.resolve().parent), node=target.node, key=target.key,
                    item_path=item.path, item_rel=item.rel, seed=item_seed(spec_seed, item.rel),
                    out_dir=str(out.resolve()), spec_hash=digest, overrides=tuple(overrides),
                    registry_options=registry_options,
                    graph_workers=1 if engine.name == "dask" else None, over_label=str(target),
                    gather=step.gather if step else "")

    # The spec is checked once, before any item runs. Problems that every one of the first
    # few items shares are the spec's; an item whose own file is at fault fails on its own.
    registry = get_registry(**registry_options)
    settings = nodes.get(target.node) if isinstance(nodes, dict) else None
    use = settings.get("use") if isinstance(settings, dict) else None
    if isinstance(use, str) and use in registry.node_types:
        _check_target(registry.node(use), target)  # else validation names the problem
    first_error = None
    for item in items[:_VALIDATION_TRIES]:
        try:
            checked = check_item(task(item), registry)
        except SpecError as error:
            first_error = first_error or error
            continue
        graph_text, node_order = checked.text(), list(checked.order)
        if step is not None:
            _check_gather(checked, step, parsed)
        break
    else:
        raise UserError(f"the spec does not validate for the first {min(len(items), 3)} "
                        f"item(s) of --over {target}; nothing was run:\n{first_error}")

    out.mkdir(parents=True, exist_ok=True)
    with _exclusive(out):
        return _map_and_reduce(**locals())


@contextlib.contextmanager
def _exclusive(out):
    """Hold ``out/.lock`` for the run: a second client on the same --out is refused, not mixed in."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with open(out / ".lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"another audiogp run is using the output folder {out}; wait for it "
                            "to finish, or give --out another folder") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _map_and_reduce(*, out, items, force, digest, quiet, progress_stream, live, engine, owned,
                    task, step, spec_seed, report, registry, spec_path, graph_text, target,
                    node_order, started, **_):
    from audiogp.corpus.progress import Progress
    from audiogp.corpus.reduce import metric_stats, write_metrics_csv
    from audiogp.corpus.reducers import run_reduce

    shutil.rmtree(out / STAGING, ignore_errors=True)  # left by an interrupted run
    previous = manifest.read_latest(out)
    summary = CorpusSummary(engine=engine.name, total=len(items))
    todo = []
    for item in items:
        record = previous.get(item.rel)
        if (not force and record and record.get("status") == "done"
                and record.get("spec_hash") == digest
                and item_out_dir(out, item.rel).is_dir()
                and record.get("input_hash") == manifest.file_hash(item.path)):
            summary.skipped.append(item.rel)
        else:
            todo.append(item)
    progress = None if quiet else Progress(len(todo), stream=progress_stream, live=live)
    if progress and summary.skipped:
        progress._write(f"resuming: {len(summary.skipped)} of {len(items)} items already done")
    if todo:
        with engine if owned else contextlib.nullcontext(engine):
            for _, record in engine.map(task(item) for item in todo):
                manifest.append(out, record)
                (summary.done if record["status"] == "done" else summary.failed).append(record)
                if progress:
                    progress.update(record)
    shutil.rmtree(out / STAGING, ignore_errors=True)
    wanted = {item.rel for item in items}
    latest = [r for rel, r in manifest.read_latest(out).items() if rel in wanted]
    summary.metrics_csv = write_metrics_csv(out, latest)
    if step is not None:
        try:
            summary.reduced = run_reduce(step, out, [r["item"] for r in latest
                                                     if r.get("status") == "done"], spec_seed)
        except UserError as error:
            summary.reduce_error = str(error)
    summary.stats = metric_stats(latest)
    if report:
        from audiogp.report import report_of_corpus, write_report

        summary.report = write_report(out, report_of_corpus(
            latest, out, registry, spec=spec_path, spec_hash=digest, seed=spec_seed,
            graph_text=graph_text, over=str(target), node_order=node_order))
    summary.seconds = time.perf_counter() - started
    return summary


def format_summary(summary):
    """The end-of-run text: counts, every failure with its location, the metric statistics."""
    from audiogp.corpus.reduce import format_stats

    lines = ["", f"corpus: {summary.total} items: {len(summary.done)} done now, "
             f"{len(summary.skipped)} already done, {len(summary.failed)} failed "
             f"({summary.engine}, {summary.seconds:.2f} s)"]
    if summary.failed:
        lines.append("failures:")
        for record in sorted(summary.failed, key=lambda r: r["item"]):
            error = record.get("error") or {}
            lines.append("  " + (error.get("message") or f"{record['item']}: failed").replace(
                "\n", "\n    "))
            if error.get("kind") == "internal":
                lines.append("    (an internal error: its traceback is in the manifest)")
    if summary.stats:
        lines.append(f"metrics ({summary.metrics_csv}):")
        lines.extend(format_stats(summary.stats))
    if summary.reduced:
        lines.append(f"reduce: wrote {summary.reduced}")
    if summary.reduce_error:
        lines.append(f"reduce failed: {summary.reduce_error}")
    if summary.report:
        lines.append(f"report: {summary.report}")
    return "\n".join(lines)
