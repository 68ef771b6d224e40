"""Library warnings reach the terminal as audiogp warnings: the node, what happened, what to do;
no Python file paths and no Python-API hints."""

import io
import logging
import warnings

import numpy as np

from audiogp._warnings import NodeTracker, plain_message, routed_warnings


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append((record.name, record.getMessage()))


def test_a_warning_inside_a_node_goes_to_that_nodes_log_without_the_api_hint():
    from audiogp.gp.sampling import JitterWarning, _warn_jitter

    tracker = NodeTracker()
    handler = Collect()
    logger = logging.getLogger("audiogp.node")
    logger.addHandler(handler)
    try:
        with routed_warnings(tracker, stream=io.StringIO()):
            tracker.node_started("resynth", "gp_synthesize")
            with warnings.catch_warnings(record=False):
                _warn_jitter(np.array([0.0, 1e-6, 0.0]), np.array([1.0, 1.0, 1.0]), "block",
                             stacklevel=1)
            tracker.node_finished(type("R", (), {"name": "resynth"})())
    finally:
        logger.removeHandler(handler)
    assert len(handler.messages) == 1
    name, message = handler.messages[0]
    assert name == "audiogp.node.resynth"
    assert "1 of 3 block(s)" in message and "diagonal loading" in message  # what happened
    assert "fit with more noise" in message  # what to do (JitterWarning's advice)
    assert "return_jitter" not in message and "Pass " not in message
    assert JitterWarning.__name__ not in message


def test_a_warning_outside_a_node_is_printed_once_without_a_file_path():
    stream = io.StringIO()
    with routed_warnings(NodeTracker(), stream=stream):
        for _ in range(3):
            warnings.warn("cannot do it at /usr/lib/python3/site-packages/x/y.py:12", UserWarning)
        np.log(np.zeros(1))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "audiogp: warning: cannot do it"
    assert lines[1].startswith("audiogp: warning: divide by zero encountered in log; ")
    assert "inf or NaN" in lines[1]
    assert len(lines) == 2 and ".py" not in stream.getvalue()


def test_quiet_prints_nothing_outside_nodes():
    stream = io.StringIO()
    with routed_warnings(NodeTracker(), stream=stream, quiet=True):
        warnings.warn("x", UserWarning)
    assert stream.getvalue() == ""


def test_plain_message_keeps_the_advice_and_drops_keyword_hints():
    text = ("mel band(s) [3] contain no FFT bin and are all zero; use fewer mel bands (n_mels=80) "
            "or a longer FFT (n_fft=256)")
    assert plain_message(text) == text  # parameter values are spec words: kept
    assert plain_message("Odd. Pass strict=False to allow it.") == "Odd"


def test_warnings_filters_are_restored():
    before = list(warnings.filters)
    original = warnings.showwarning
    with routed_warnings(NodeTracker(), stream=io.StringIO()):
        pass
    assert warnings.filters == before and warnings.showwarning is original
