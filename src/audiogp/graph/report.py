"""Showing a run on the terminal: a line per node, progress inside long nodes, a summary."""

import sys
import threading
import time

from audiogp.graph.runner import Reporter

__all__ = ["ConsoleReporter", "format_summary"]


class ConsoleReporter(Reporter):
    """Progress on ``stream`` (stderr), the summary on ``summary_stream`` (stdout).

    On a terminal, progress inside a node updates one line in place; in a log
    it is printed at every quarter.
    """

    def __init__(self, stream=None, summary_stream=None, *, live=None):
        self.stream = stream or sys.stderr
        self.summary_stream = summary_stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.lock = threading.Lock()
        self.total = 0
        self.started = 0
        self.last_shown = {}

    def _print(self, text):
        with self.lock:
            if self.live:
                self.stream.write("\r\033[K")
            self.stream.write(text + "\n")
            self.stream.flush()

    def start(self, graph):
        self.total = len(graph.order)
        self._print(f"running {graph.source}: {self.total} nodes, seed {graph.seed}")

    def node_started(self, name, type_name):
        with self.lock:
            self.started += 1
            index = self.started
        self._print(f"[{index}/{self.total}] {name} ({type_name}) ...")

    def node_progress(self, name, done, total):
        if total <= 0:
            return
        fraction = min(max(done / total, 0.0), 1.0)
        if self.live:
            now = time.monotonic()
            if now - self.last_shown.get(name, 0.0) < 0.1 and done < total:
                return
            self.last_shown[name] = now
            with self.lock:
                self.stream.write(f"\r\033[K      {name}: {fraction:6.1%} ({done}/{total})")
                self.stream.flush()
        else:
            quarter = int(fraction * 4)
            if quarter > self.last_shown.get(name, 0) and quarter < 4:
                self.last_shown[name] = quarter
                self._print(f"      {name}: {quarter * 25}% ({done}/{total})")

    def node_warning(self, name, message):
        self._print(f"      warning: {name}: {message}")

    def node_finished(self, record):
        # Outputs are published when the whole run has succeeded (graph/outputs.py).
        written = "".join(f"\n      output ready: {path}" for path in record.outputs_written)
        self._print(f"      {record.name} done in {record.seconds:.2f} s"
                    + (f": {record.summary}" if record.summary else "") + written)

    def finish(self, result):
        self.summary_stream.write(format_summary(result) + "\n")
        self.summary_stream.flush()


def format_summary(result):
    """The end-of-run table: time per node, outputs written, warnings."""
    rows = [("node", "type", "time", "outputs")]
    for record in result.records:
        outputs = ", ".join(str(p) for p in record.outputs_written) or "-"
        rows.append((record.name, record.type_name, f"{record.seconds:.2f} s", outputs))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["", "summary:"]
    for row in rows:
        lines.append("  " + "  ".join(cell.ljust(widths[i]) if i < 3 else cell
                                      for i, cell in enumerate(row)).rstrip())
    warnings = sum(len(r.warnings) for r in result.records)
    count = len(result.written)
    lines.append(f"{len(result.records)} nodes in {result.seconds:.2f} s; wrote {count} "
                 f"file{'s' if count != 1 else ''}"
                 + (f"; {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""))
    return "\n".join(lines)
