"""Running a validated graph: dependency order, independent branches in parallel, typed values.

The runner knows nothing of audio. It calls each node's function with its
input values, parameters and a :class:`~audiogp.plugins.Context`, checks
that what comes back has the declared types, and hands it on. Independent
nodes run in worker threads (the compiled kernels release the GIL); results
do not depend on the order nodes finish in, because every node's randomness
comes from ``(seed, node name)`` alone.
"""

import concurrent.futures
import contextlib
import importlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from audiogp.errors import UserError
from audiogp.plugins.context import Cancelled, Context

__all__ = ["Interrupted", "NodeFailed", "NodeRecord", "RunResult", "Reporter", "run_graph", "default_workers"]


class NodeFailed(UserError):
    """A node stopped on a user error (bad input, a parameter that does not fit the data).

    Attributes
    ----------
    node, type_name : str
        The node and its node type.
    location : Location
        Where the node (or, for a declared check, the key at fault) is written.
    key : str or None
        The key a declared check named (``Mismatch.key``), else None.
    reason : str
        The message without the location.
    """

    def __init__(self, node, type_name, location, message, key=None):
        self.node = node
        self.type_name = type_name
        self.location = location
        self.key = key
        self.reason = message
        super().__init__(f"{location}: node {node!r} ({type_name}) failed: {message}")


@dataclass
class NodeRecord:
    """How one node's run went."""

    name: str
    type_name: str
    seconds: float = 0.0
    outputs_written: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    summary: str = ""


@dataclass
class RunResult:
    """What a run produced.

    Attributes
    ----------
    values : dict
        ``{node: {output port: value}}`` (empty unless the run kept values).
    records : list of NodeRecord
        One per node, in execution order.
    written : list of pathlib.Path
        Every file the run wrote.
    seconds : float
        Wall-clock time of the whole run.
    """

    values: dict
    records: list
    written: list
    seconds: float


class Reporter:
    """Receives the runner's events; the base class ignores them (a quiet run)."""

    def start(self, graph):
        pass

    def node_started(self, name, type_name):
        pass

    def node_progress(self, name, done, total, unit=None):
        """``done`` of ``total`` units (``unit``: a plural noun such as ``"blocks"``, or None)."""

    def node_warning(self, name, message):
        pass

    def node_finished(self, record):
        pass

    def finish(self, result):
        pass


def default_workers():
    """How many nodes may run at once (``AUDIOGP_GRAPH_WORKERS``, default: min(cores, 4))."""
    configured = os.environ.get("AUDIOGP_GRAPH_WORKERS")
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            pass
    from audiogp._threads import n_threads

    return max(1, min(n_threads(), 4))


class _WarningHandler(logging.Handler):
    """Routes ``audiogp.node.<name>`` warnings to the reporter and the node's record."""

    def __init__(self, reporter, records):
        super().__init__(logging.WARNING)
        self.reporter = reporter
        self.records = records

    def emit(self, record):
        name = record.name.removeprefix("audiogp.node.")
        message = record.getMessage()
        if name in self.records:
            self.records[name].warnings.append(message)
        self.reporter.node_warning(name, message)


class Interrupted(KeyboardInterrupt):
    """The run was interrupted (Ctrl-C, or SIGTERM where the CLI turns it into this).

    Its message says exactly what was kept: nothing (``--out`` is as it was
    before the run), or, if the signal came after the outputs were
    published, which files were written.

    Attributes
    ----------
    published : list of pathlib.Path
        The files the run wrote (empty unless interrupted after publishing).
    """

    def __init__(self, message, published=()):
        super().__init__(message)
        self.message = message
        self.published = list(published)

    def __str__(self):
        return self.message


def run_graph(graph, registry, *, force=False, reporter=None, workers=None, keep_values=True,
              threaded=None):
    """Run every node of ``graph`` and return a :class:`RunResult`.

    Output files are staged and published only when every node has succeeded
    (:class:`audiogp.graph.outputs.OutputTransaction`): a failed or
    interrupted run leaves ``graph.out_dir`` as it was.

    Parameters
    ----------
    graph : audiogp.graph.dag.Graph
        A validated graph (:func:`audiogp.graph.validate.validate`).
    registry : audiogp.plugins.registry.Registry
        Used to check the types of returned values.
    force : bool
        Allow nodes to replace existing output files.
    reporter : Reporter, optional
        Progress and summary display (default: none).
    workers : int, optional
        Nodes run at once (default :func:`default_workers`).
    keep_values : bool
        Keep every node's outputs in the result; otherwise values are
        dropped as soon as their last reader has run.
    threaded : bool, optional
        Run nodes in worker threads while the calling thread waits, so that
        Ctrl-C is handled within a fraction of a second even inside a long
        node (the command line does this). Default: only when ``workers > 1``;
        with one worker the nodes run in order in the calling thread.

    Raises
    ------
    NodeFailed
        A node raised a user error; the message names it and its spec location.
    Interrupted
        After the running nodes were told to stop (those still busy after
        0.4 s are abandoned: they can no longer publish anything).
    """
    reporter = reporter or Reporter()
    workers = default_workers() if workers is None else max(1, workers)
    threaded = workers > 1 if threaded is None else threaded
    transaction = None
    run = _Run(graph, registry, force=force, reporter=reporter, keep_values=keep_values)
    handler = _WarningHandler(reporter, run.records)
    node_logger = logging.getLogger("audiogp.node")
    node_logger.addHandler(handler)
    previous_level, propagate = node_logger.level, node_logger.propagate
    node_logger.setLevel(logging.INFO)
    node_logger.propagate = False
    started = time.perf_counter()
    try:
        try:
            if any(node.output_files for node in graph.nodes.values()):
                from audiogp.graph.outputs import OutputTransaction

                transaction = run.outputs = OutputTransaction(
                    graph.out_dir or Path("."), force=force, where=lambda name: _where(graph, name))
                for name, node in graph.nodes.items():
                    for resolved, *_ in node.output_files:
                        transaction.check_target(name, resolved)
            reporter.start(graph)
            if threaded:
                run.parallel(workers)
            else:
                run.sequential()
            if transaction is not None:
                with _signals_deferred():
                    transaction.commit()
        except Exception as error:
            if transaction is not None and not transaction.committed:
                _keep_recoverable(transaction, error)
            raise
        finally:
            if transaction is not None:
                transaction.close()
            node_logger.removeHandler(handler)
            node_logger.setLevel(previous_level)
            node_logger.propagate = propagate
    except KeyboardInterrupt as interrupt:
        if isinstance(interrupt, Interrupted):
            raise
        raise _interrupted(transaction) from None
    except BaseException as error:
        if transaction is not None and not getattr(error, "kept_files", None):
            with contextlib.suppress(AttributeError, TypeError):
                error.out_dir_unchanged = transaction.out_dir  # read by the CLI
        raise
    records = [run.records[name] for name in graph.order]
    written = [path for record in records for path in record.outputs_written]
    result = RunResult(values=run.values if keep_values else {}, records=records, written=written,
                       seconds=time.perf_counter() - started)
    try:
        reporter.finish(result)
    except KeyboardInterrupt:
        raise _interrupted(transaction) from None
    return result


def _keep_recoverable(transaction, error):
    """Publish the files nodes asked to keep though the run failed; note them on ``error``."""
    with _signals_deferred():
        kept, problems = transaction.commit_kept()
    with contextlib.suppress(AttributeError, TypeError):
        error.kept_files = kept  # the CLI lists them: the only files this run wrote
        error.keep_problems = problems


def _interrupted(transaction):
    if transaction is not None and transaction.committed:
        names = ", ".join(str(p) for p in transaction.published)
        return Interrupted(f"interrupted after the run had finished: its outputs were all "
                           f"written ({names})", transaction.published)
    where = f"; {transaction.out_dir} is as it was before the run" if transaction else ""
    return Interrupted(f"interrupted: the run stopped and no output was written{where}")


def _where(graph, name):
    node = graph.nodes[name]
    return f"{node.location}: node {name!r} ({node.type.name})"


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT and SIGTERM while publishing, so a publication is never cut in half.

    A signal that arrives meanwhile is delivered again, to the previous handler,
    once the block has finished. Outside the main thread (where Python runs no
    signal handlers) this does nothing.
    """
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    numbers = [signal.SIGINT, signal.SIGTERM]
    previous = {number: signal.signal(number, lambda number, frame: caught.append(number))
                for number in numbers}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)


class _Run:
    def __init__(self, graph, registry, *, force, reporter, keep_values, outputs=None):
        self.graph = graph
        self.outputs = outputs
        self.registry = registry
        self.force = force
        self.reporter = reporter
        self.keep_values = keep_values
        self.values = {}
        self.records = {name: NodeRecord(name, node.type.name) for name, node in graph.nodes.items()}
        self.readers_left = {name: len(readers) for name, readers in graph.dependents().items()}
        self.cancel = threading.Event()
        self.lock = threading.Lock()

    # -- scheduling ---------------------------------------------------------------------------

    def sequential(self):
        try:
            for name in self.graph.order:
                self.execute(name)
        except BaseException:
            self.cancel.set()
            raise

    def parallel(self, workers):
        order = self.graph.order
        done, running = set(), {}
        exclusive_running = False
        pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="audiogp-node")
        try:
            while len(done) < len(order):
                for name in order:
                    if name in done or name in running.values():
                        continue
                    node = self.graph.nodes[name]
                    if not set(node.dependencies) <= done:
                        continue
                    if len(running) >= workers or exclusive_running:
                        break
                    if not node.type.parallel_safe and running:
                        break  # keep order: wait until the others finish
                    running[pool.submit(self.execute, name)] = name
                    exclusive_running = not node.type.parallel_safe
                if not running:
                    raise RuntimeError("no node can start: the graph is not acyclic")
                finished = set()
                while not finished:  # a short timeout, so that signals are handled promptly
                    finished, _ = concurrent.futures.wait(
                        running, timeout=0.1, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in finished:
                    name = running.pop(future)
                    future.result()  # re-raises the node's error
                    done.add(name)
                    exclusive_running = False
        except KeyboardInterrupt:
            # Stop promptly: nodes stop at their next progress report and can no longer
            # publish; one still busy in a compiled loop after 0.4 s is left to finish alone.
            self.cancel.set()
            concurrent.futures.wait(running, timeout=0.4)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        except BaseException:
            self.cancel.set()
            for future in running:
                future.cancel()
            concurrent.futures.wait(running)
            pool.shutdown(wait=True)
            raise
        pool.shutdown(wait=True)

    # -- one node -----------------------------------------------------------------------------

    def execute(self, name):
        if self.cancel.is_set():
            raise Cancelled(name)
        node = self.graph.nodes[name]
        record = self.records[name]
        inputs = {}
        for port in node.type.inputs:
            edges = node.inputs.get(port.name)
            if not edges:
                inputs[port.name] = [] if port.many else None
                continue
            values = [self.values[edge.node][edge.port] for edge in edges]
            inputs[port.name] = values if port.many else values[0]
        if node.type.checks:
            _run_checks(node, inputs)
        ctx = Context(name, seed=self.graph.seed, out_dir=self.graph.out_dir or Path("."),
                      force=self.force, progress=_progress_callback(self.reporter),
                      cancel_event=self.cancel, sources=node.sources, outputs=self.outputs)
        _warm_imports(node.type)  # one-off imports are not counted in the node's time
        self.reporter.node_started(name, node.type.name)
        started = time.perf_counter()
        try:
            returned = node.type.function(ctx, **inputs, **node.params)
        except (Cancelled, KeyboardInterrupt):
            raise
        except UserError as error:
            raise NodeFailed(name, node.type.name, node.location, str(error)) from error
        except Exception as error:
            if hasattr(error, "add_note"):
                error.add_note(f"in node {name!r} ({node.type.name}) at {node.location}")
            raise
        record.seconds = time.perf_counter() - started
        record.outputs_written = list(ctx.outputs_written)
        outputs = self.check_outputs(node, returned)
        record.summary = "; ".join(_summary(value) for value in outputs.values())
        with self.lock:
            self.values[name] = outputs
            if not self.keep_values:
                for dependency in node.dependencies:
                    self.readers_left[dependency] -= 1
                    if self.readers_left[dependency] == 0:
                        self.values.pop(dependency, None)
        self.reporter.node_finished(record)

    def check_outputs(self, node, returned):
        ports = node.type.outputs
        where = f"node {node.name!r} ({node.type.name}, from {_plugin_label(self.registry, node.type.name)})"
        if not ports:
            if returned is not None:
                raise TypeError(f"{where} declares no outputs but returned {type(returned).__name__}")
            return {}
        if len(ports) == 1 and not (isinstance(returned, dict) and set(returned) == {ports[0].name}):
            returned = {ports[0].name: returned}
        if not isinstance(returned, dict) or set(returned) != {p.name for p in ports}:
            names = ", ".join(p.name for p in ports)
            raise TypeError(f"{where} must return a dict with the outputs {names}, got {returned!r:.80}")
        for port in ports:
            value = returned[port.name]
            if not self.registry.is_instance(value, port.types):
                raise TypeError(f"{where} returned {type(value).__name__} for output {port.name!r}, "
                                f"declared as {port.type_label}")
            if node.type.main_input() is not None:
                _check_promised_facts(where, port.name, node.static.get(port.name, {}), value)
        return returned


def _warm_imports(node_type):
    """Import the packages a node type declares it needs before its clock starts."""
    for requirement in getattr(node_type, "requires", ()):
        try:
            importlib.import_module(requirement.partition(":")[0])
        except Exception:  # noqa: BLE001 - the node reports a missing package itself
            pass


def _progress_callback(reporter):
    """``reporter.node_progress``, dropping the unit for reporters written before it existed."""
    import inspect

    report = reporter.node_progress
    try:
        parameters = inspect.signature(report).parameters.values()
    except (TypeError, ValueError):
        return report
    if any(p.name == "unit" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
        return report
    return lambda name, done, total, unit=None: report(name, done, total)


def _run_checks(node, inputs):
    """A node type's declared checks, on the facts of the actual input values, before it runs."""
    from audiogp.plugins.declarations import Facts, Mismatch

    facts = {}
    for port in node.type.inputs:
        value = inputs[port.name]
        facts[port.name] = ([Facts.of(v) for v in value] if port.many
                            else Facts() if value is None else Facts.of(value))
    for check in node.type.checks:
        try:
            check(dict(node.params), facts)
        except Mismatch as error:
            kind = "input" if node.type.input(error.key) is not None else "parameter"
            location = node.key_locations.get(error.key, node.location)
            raise NodeFailed(node.name, node.type.name, location, f"{kind} {error.key!r}: {error}",
                             key=error.key) from None


def _check_promised_facts(where, port, promised, value):
    """A node passing facts on (plugin API 1.1) must return what validation told its readers."""
    from audiogp.types import facts_of

    actual = facts_of(value)
    for name, expected in promised.items():
        if name in actual and _fact_key(actual[name]) != _fact_key(expected):
            raise TypeError(f"{where} returned {name}={actual[name]!r} on output {port!r}, but "
                            f"before running it promised {name}={expected!r} (passed on from its "
                            "input, or from its infer): the node changes that fact, so its infer "
                            f"must say so ({{{port!r}: {{{name!r}: ...}}}}), or declare "
                            "facts_from=None")


def _fact_key(value):
    return tuple(_fact_key(v) for v in value) if isinstance(value, (list, tuple)) else value


def _summary(value):
    summary = getattr(value, "summary", None)
    return summary() if callable(summary) else type(value).__name__


def _plugin_label(registry, type_name):
    try:
        return registry.node_plugin(type_name).distribution
    except KeyError:
        return "an unknown plugin"
