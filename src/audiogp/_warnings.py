"""Library warnings (``warnings.warn`` from NumPy, SciPy, librosa or audiogp) as audiogp warnings.

On the command line a warning names the node it came from, says what
happened and what to do, without Python file paths or Python-API hints (a
keyword argument to pass), which mean nothing to someone running a spec.
Inside a node the warning goes to the node's logger (``audiogp.node.NAME``),
so it is shown and counted with the node's own warnings.
"""

import contextlib
import logging
import re
import sys
import threading
import warnings

from audiogp.graph.runner import Reporter

__all__ = ["NodeTracker", "routed_warnings", "plain_message"]

_PY_PATH = re.compile(r"\s*(?:\b(?:at|in|from)\s+)?\(?(?:[A-Za-z]:)?[\w./\\-]*\.pyx?(?::\d+)?\)?")
_API_HINT = re.compile(r"\b[a-z_][a-z0-9_]*=(?:True|False|None)\b|\bcall\b|\bfunction\b|\(\)")
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z])")

#: What to do, by warning category name (the default names the node's documentation).
_ADVICE = {
    "JitterWarning": "the waveform is still drawn; if it recurs, fit with more noise or "
                     "longer blocks",
    "RuntimeWarning": "the result may hold inf or NaN; check the node's input and parameters",
    "DeprecationWarning": "nothing to do in the spec: audiogp should be updated",
    "FutureWarning": "nothing to do in the spec: audiogp should be updated",
}


def plain_message(message):
    """``message`` without Python file paths and without sentences giving Python-API hints."""
    text = _PY_PATH.sub("", str(message)).strip()
    sentences = [s for s in _SENTENCE.split(text) if not _API_HINT.search(s)]
    text = " ".join(sentences).strip() or text
    return text.rstrip(" ;.")


class NodeTracker(Reporter):
    """Forwards to ``inner`` (or shows nothing) and knows which node each thread is running."""

    def __init__(self, inner=None):
        self.inner = inner or Reporter()
        self.local = threading.local()

    @property
    def current(self):
        return getattr(self.local, "node", None)

    def start(self, graph):
        self.inner.start(graph)

    def node_started(self, name, type_name):
        self.local.node = (name, type_name)
        self.inner.node_started(name, type_name)

    def node_progress(self, name, done, total):
        self.inner.node_progress(name, done, total)

    def node_warning(self, name, message):
        self.inner.node_warning(name, message)

    def node_finished(self, record):
        self.local.node = None
        self.inner.node_finished(record)

    def finish(self, result):
        self.inner.finish(result)


@contextlib.contextmanager
def routed_warnings(tracker, *, quiet=False, stream=None):
    """Within the block, show every warning as an audiogp warning (see the module docstring)."""
    stream = stream or sys.stderr
    seen = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = plain_message(message)
        advice = _ADVICE.get(category.__name__)
        node = tracker.current
        if node is not None:
            name, type_name = node
            advice = advice or f"check its parameters and input (audiogp nodes {type_name})"
            logging.getLogger(f"audiogp.node.{name}").warning("%s; %s", text, advice)
            return
        if quiet or (text, category) in seen:
            return
        seen.add((text, category))
        stream.write(f"audiogp: warning: {text}" + (f"; {advice}" if advice else "") + "\n")

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = show
        yield
