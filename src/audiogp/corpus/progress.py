"""Progress of a corpus run: done, failed, remaining, rate and ETA.

On a terminal the line is rewritten in place; in a log (not a tty) a line is
printed every ``step`` (5 %) of the items.
"""

import sys
import time

__all__ = ["Progress"]


class Progress:
    """Counts finished items and shows the progress on ``stream`` (stderr)."""

    def __init__(self, total, *, stream=None, live=None, step=0.05, clock=time.monotonic):
        self.total = total
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.step = step
        self.clock = clock
        self.started = clock()
        self.done = self.failed = 0
        self.next_fraction = step
        self.last_draw = 0.0

    @property
    def remaining(self):
        return self.total - self.done - self.failed

    def line(self):
        """The progress as one line of text."""
        finished = self.done + self.failed
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = finished / elapsed
        eta = f"{self.remaining / rate:.0f} s" if rate > 0 and self.remaining else "-"
        return (f"{finished}/{self.total} items: {self.done} done, {self.failed} failed, "
                f"{self.remaining} remaining; {rate:.2f} items/s, ETA {eta}")

    def update(self, record):
        """Count one finished item's record."""
        if record.get("status") == "done":
            self.done += 1
        else:
            self.failed += 1
            message = (record.get("error") or {}).get("message", "failed")
            self._write(f"failed: {message.splitlines()[0] if message else record['item']}")
        finished = self.done + self.failed
        if self.live:
            now = self.clock()
            if now - self.last_draw >= 0.1 or not self.remaining:
                self.last_draw = now
                self.stream.write("\r\033[K" + self.line() + ("\n" if not self.remaining else ""))
                self.stream.flush()
        elif self.total and (finished / self.total >= self.next_fraction or not self.remaining):
            while self.next_fraction <= finished / self.total:
                self.next_fraction += self.step
            self._write(self.line())

    def _write(self, text):
        if self.live:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self.stream.flush()
