"""After the map: the metrics of every done item as a CSV table, and statistics per metric."""

import csv
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MetricStats", "metrics_table", "write_metrics_csv", "metric_stats", "format_stats"]

METRICS_NAME = "metrics.csv"


@dataclass(frozen=True)
class MetricStats:
    """Mean, median, 90th percentile and the largest value of one metric over the items.

    ``worst`` is the item with the largest value: for the built-in metrics
    (spectral convergence, log-spectral distance, in dB) larger is worse;
    for a metric where larger is better (STOI, SNR) read ``best`` as worst.
    """

    name: str
    count: int
    mean: float
    median: float
    p90: float
    largest: float
    largest_item: str
    smallest: float
    smallest_item: str


def metrics_table(records):
    """``(columns, rows)``: one row per done item (sorted by item), a column per metric."""
    done = sorted((r for r in records if r.get("status") == "done"), key=lambda r: r["item"])
    columns = sorted({name for r in done for name in r.get("metrics", {})})
    rows = [[r["item"], *(r["metrics"].get(c) for c in columns)] for r in done]
    return columns, rows


def write_metrics_csv(out_dir, records):
    """Write ``metrics.csv`` in ``out_dir`` (via a temporary name); return its path."""
    columns, rows = metrics_table(records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["item", *columns])
    for row in rows:
        writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])
    path = Path(out_dir) / METRICS_NAME
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(temporary, path)
    return path


def _percentile(sorted_values, q):
    """Linear-interpolation percentile (NumPy's default method) of sorted values."""
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def metric_stats(records):
    """A :class:`MetricStats` per metric over the done items (missing or non-finite values skipped)."""
    columns, rows = metrics_table(records)
    stats = []
    for index, name in enumerate(columns, start=1):
        pairs = [(row[index], row[0]) for row in rows if row[index] is not None]
        if not pairs:
            continue
        values = sorted(v for v, _ in pairs)
        largest = max(pairs)
        smallest = min(pairs)
        stats.append(MetricStats(name, len(values), math.fsum(values) / len(values),
                                 _percentile(values, 50), _percentile(values, 90),
                                 largest[0], largest[1], smallest[0], smallest[1]))
    return stats


def format_stats(stats):
    """The statistics as lines of text for the summary."""
    lines = []
    for s in stats:
        lines.append(f"  {s.name}: mean {s.mean:.4g}, median {s.median:.4g}, p90 {s.p90:.4g}, "
                     f"largest {s.largest:.4g} ({s.largest_item}), smallest {s.smallest:.4g} "
                     f"({s.smallest_item}); {s.count} items")
    return lines
