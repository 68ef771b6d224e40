"""Gathering what a report shows: from a finished single run, or from a corpus manifest."""

from pathlib import Path

from audiogp.report.html import ItemReport, RunReport
from audiogp.report.spectrograms import is_audio

__all__ = ["report_of_run", "report_of_corpus", "versions"]


def versions(registry):
    """``{"audiogp": version, plugin distribution: version}`` of what ran."""
    from audiogp._version import __version__

    found = {"audiogp": __version__}
    for info in registry.plugins:
        if not info.builtin and not info.error:
            found[info.distribution] = info.version or "(development)"
    return found


def _metrics(values):
    from audiogp.types import Metrics

    metrics = {}
    for name, outputs in values.items():
        for port, value in outputs.items():
            if isinstance(value, Metrics):
                prefix = name if len(outputs) == 1 else f"{name}.{port}"
                metrics.update({f"{prefix}.{k}": float(v) for k, v in value.values.items()})
    return metrics


def report_of_run(graph, result, registry, *, spec, spec_hash):
    """A :class:`RunReport` of one finished run (``result`` must have kept its values)."""
    inputs = sorted({str(path) for node in graph.nodes.values()
                     for path, _ in node.input_files if is_audio(path)})
    outputs = [str(path) for path in result.written if is_audio(path)]
    item = ItemReport(name=Path(spec).name, seconds=result.seconds,
                      node_seconds={r.name: r.seconds for r in result.records}, inputs=inputs,
                      outputs=outputs, metrics=_metrics(result.values))
    return RunReport(title=f"audiogp run of {Path(spec).name}", spec=str(spec),
                     spec_hash=spec_hash, seed=graph.seed, versions=versions(registry),
                     graph_text=graph.text(), items=[item], node_order=list(graph.order))


def report_of_corpus(records, out_dir, registry, *, spec, spec_hash, seed, graph_text, over,
                     node_order=()):
    """A :class:`RunReport` of a corpus from its latest manifest records."""
    from audiogp.corpus.items import item_out_dir

    items = []
    for record in records:
        folder = item_out_dir(out_dir, record["item"])
        error = record.get("error") or {}
        text = error.get("message", "")
        if error.get("traceback"):
            text += "\n\n" + error["traceback"]
        items.append(ItemReport(
            name=record["item"], status=record.get("status", "failed"),
            seconds=float(record.get("seconds") or 0.0), node_seconds=record.get("nodes") or {},
            inputs=[record["input"]] if record.get("input") and is_audio(record["input"]) else [],
            outputs=[str(folder / rel) for rel in record.get("outputs", []) if is_audio(rel)],
            metrics={k: v for k, v in (record.get("metrics") or {}).items() if v is not None},
            error=text))
    return RunReport(title=f"audiogp corpus run of {Path(spec).name}", spec=str(spec),
                     spec_hash=spec_hash, seed=seed, versions=versions(registry),
                     graph_text=graph_text, items=items, node_order=list(node_order),
                     notes=[f"--over {over}; each item's seed derives from the spec's seed and "
                            "its relative path"])
