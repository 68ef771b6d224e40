"""Showing a run on the terminal: a line per node, progress inside long nodes, a summary."""

import sys
import threading
import time

from audiogp.graph.runner import Reporter

__all__ = ["ConsoleReporter", "format_summary"]


class ConsoleReporter(Reporter):
    """Progress on ``stream`` (stderr), the summary on ``summary_stream`` (stdout).

    Progress inside a node shows the units done (``1200/24011 blocks``), the
    rate and the time left. On a terminal it updates one line in place (at
    most ten times a second); in a log it is a line at every quarter, and at
    least every ``log_every`` seconds while a node runs.
    """

    def __init__(self, stream=None, summary_stream=None, *, live=None, log_every=30.0,
                 clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.summary_stream = summary_stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.log_every = log_every
        self.clock = clock
        self.lock = threading.Lock()
        self.total = 0
        self.started = 0
        self.last_shown = {}
        self.node_start = {}
        self.first_report = {}

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
            self.node_start[name] = self.clock()
        self._print(f"[{index}/{self.total}] {name} ({type_name}) ...")

    def node_progress(self, name, done, total, unit=None):
        if total <= 0:
            return
        now = self.clock()
        self.first_report.setdefault(name, (now, done))
        fraction = min(max(done / total, 0.0), 1.0)
        if self.live:
            if now - self.last_shown.get(name, (0.0, -1))[0] < 0.1 and done < total:
                return
            self.last_shown[name] = (now, 0)
            with self.lock:
                self.stream.write(f"\r\033[K      {self.progress_text(name, done, total, unit, now)}")
                self.stream.flush()
            return
        shown_at, quarter_shown = self.last_shown.get(name, (self.node_start.get(name, now), 0))
        quarter = int(fraction * 4)
        if (quarter > quarter_shown and quarter < 4) or (now - shown_at >= self.log_every
                                                          and done < total):
            self.last_shown[name] = (now, max(quarter, quarter_shown))
            self._print(f"      {self.progress_text(name, done, total, unit, now)}")

    def progress_text(self, name, done, total, unit=None, now=None):
        """``"model: 1200/24011 blocks (5.0%), 340 blocks/s, 1 min 07 s left"``."""
        now = self.clock() if now is None else now
        unit = unit or "steps"
        fraction = min(max(done / total, 0.0), 1.0)
        text = f"{name}: {done}/{total} {unit} ({fraction:.1%})"
        # The rate is measured from the first report, so one-off set-up before it does not count.
        first = self.first_report.setdefault(name, (now, done))
        elapsed, gained = now - first[0], done - first[1]
        if elapsed > 0 and gained > 0:
            rate = gained / elapsed
            per = unit.split()[0]
            text += f", {_rate(rate)} {per}/s, {_duration((total - done) / rate)} left"
        return text

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


def _rate(rate):
    return f"{rate:.3g}" if rate < 100 else f"{rate:.0f}"


def _duration(seconds):
    """``"42 s"``, ``"3 min 07 s"``, ``"2 h 05 min"``."""
    seconds = max(int(round(seconds)), 0)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


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
