"""The context a node function receives as its first argument."""

import contextlib
import hashlib
import logging
import threading
from pathlib import Path

import numpy as np

__all__ = ["Context", "Cancelled", "node_seed"]


class Cancelled(Exception):
    """Raised inside a node when the run was interrupted (by ``ctx.progress``)."""


def node_seed(seed, node_name):
    """The integer seed of node ``node_name`` in a run seeded with ``seed``.

    It depends only on the two, not on the order nodes run in, so a node's
    randomness is the same whatever else is in the spec.
    """
    digest = hashlib.sha256(f"{int(seed)}\0{node_name}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1  # < 2**63, fits every int64 seed argument


class Context:
    """What the runner gives a node function besides its inputs and parameters.

    Attributes
    ----------
    node : str
        The node's name in the spec.
    seed : int
        A seed derived from the spec's seed and the node name
        (:func:`node_seed`); pass it to library functions that take
        ``seed``/``random_state``.
    log : logging.Logger
        The node's logger (``audiogp.node.<name>``); warnings are shown to the
        user and listed in the run summary.
    out_dir : pathlib.Path
        The run's output folder (``--out``).
    force : bool
        Whether existing outputs may be replaced (``--force``).
    sources : dict
        For each input port, the spec's source references (``["voice"]``,
        ``["fit.psd"]``...), e.g. to name what a sink writes.
    """

    def __init__(self, node, *, seed=0, out_dir=".", force=False, progress=None,
                 cancel_event=None, sources=None, outputs=None):
        self.node = node
        self.sources = dict(sources or {})
        self.seed = node_seed(seed, node)
        self.log = logging.getLogger(f"audiogp.node.{node}")
        self.out_dir = Path(out_dir)
        self.force = force
        self.outputs_written = []
        self._report = progress
        self._cancel = cancel_event or threading.Event()
        self._outputs = outputs  # the run's OutputTransaction, if any
        self._rng = None

    @property
    def rng(self):
        """A :class:`numpy.random.Generator` seeded with :attr:`seed` (created on first use)."""
        if self._rng is None:
            self._rng = np.random.default_rng(self.seed)
        return self._rng

    @property
    def cancelled(self):
        """True once the run has been interrupted; long loops may check it."""
        return self._cancel.is_set()

    def progress(self, done, total, unit=None):
        """Report that ``done`` of ``total`` units of work are finished.

        Pass it as the ``progress=`` argument of library functions, or wrap it
        to name the unit: ``lambda d, t: ctx.progress(d, t, "blocks")``. The
        unit (a plural noun, ``"iterations"``, ``"blocks"``, ``"frames"``) is
        what the console shows with the rate and the time left. It raises
        :class:`Cancelled` if the run has been interrupted, which stops the
        node at its next report.
        """
        if self._cancel.is_set():
            raise Cancelled(self.node)
        if self._report is not None:
            if unit is None:
                self._report(self.node, done, total)
            else:
                self._report(self.node, done, total, unit)

    def progress_in(self, unit):
        """``progress(done, total)`` reporting in ``unit``, for a library function's ``progress=``."""
        return lambda done, total: self.progress(done, total, unit)

    @contextlib.contextmanager
    def output(self, path, *, keep_on_failure=False):
        """Write an output file safely: ``with ctx.output(path) as tmp: write(tmp)``.

        Yields a temporary path with the same suffix (so writers that infer
        the format from the name work). In a graph run it lies in the run's
        staging folder, and every output is published under its final name
        only once the whole run has succeeded (:mod:`audiogp.graph.outputs`);
        elsewhere it lies next to ``path`` and is published on leaving the
        block. An interrupted or failed write leaves nothing behind, and an
        existing ``path`` is only replaced when the run has ``--force``.

        With ``keep_on_failure=True`` the file is published even if the run
        then fails (not if it is interrupted): for a node that refuses to
        save its result as asked but must not throw it away (``save`` with
        ``overload: error`` keeps ``<name>.unsaved.wav``).
        """
        path = Path(path)
        if self._outputs is not None:
            stage = self._outputs.stage(self.node, path, keep_on_failure=keep_on_failure)
        else:
            from audiogp._files import atomic_output

            stage = atomic_output(path, force=self.force)
        with stage as temporary:
            yield temporary
            if self._cancel.is_set():
                raise Cancelled(self.node)
        self.outputs_written.append(path)
