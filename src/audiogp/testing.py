"""Testing plugins: run specs in-process with given plugin modules, assert where a spec fails.

What pytest's ``pytester`` is for pytest plugins. A plugin's tests run a spec
given as text with the plugin loaded (installed or not), get the values on
its edges and the files it wrote, and check that a mistake is reported at the
right line, column, node and key. Enable the fixtures in the plugin's
``tests/conftest.py``::

    pytest_plugins = ["audiogp.testing"]

    @pytest.fixture
    def audiogp_plugins():
        import audiogp_lpc
        return [audiogp_lpc]

and use them::

    def test_lpc_runs(spec_runner):
        run = spec_runner.run('''
            audiogp: 1
            nodes:
              voice: {use: example, sr: 16000, duration: 0.5}
              lpc:   {use: lpc, input: voice, order: 16}
        ''')
        assert run["lpc"].order == 16

    def test_order_is_checked(spec_runner):
        spec_runner.fails('''
            audiogp: 1
            nodes:
              voice: {use: example}
              lpc:   {use: lpc, input: voice, order: 0}
        ''', at="4:38", node="lpc", key="order", match="integer >= 1")

Everything works without pytest too: :func:`run_spec`, :func:`check_spec`,
:func:`assert_fails` and the signal generators are plain functions.

Spec text is dedented first (:func:`textwrap.dedent`), so it may be indented
like the code around it; lines and columns count in the dedented text, as in
the file a user would write (:func:`position` finds them).
"""

import itertools
import re
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audiogp.types import Signal

__all__ = ["PluginTestError", "SpecRun", "SpecRunner", "plugin_registry", "run_spec", "check_spec",
           "assert_fails", "position", "write_audio", "example", "tone", "harmonic",
           "white_noise", "autoregressive"]


class PluginTestError(AssertionError):
    """A plugin under test did not load cleanly, or a spec did not fail as expected."""


# -- the registry ---------------------------------------------------------------------------------

def plugin_registry(plugins=(), *, installed=False):
    """A registry of the built-ins and ``plugins``, failing loudly if one of them does not load.

    Parameters
    ----------
    plugins : sequence
        Plugin modules or objects (with ``@hookimpl`` functions), module names
        (imported), or paths of ``.py`` files or package folders (as
        ``--plugin`` takes them).
    installed : bool
        Also load the installed plugins (entry points; ``AUDIOGP_PLUGINS``
        applies). By default a test sees the built-ins and its plugins only,
        whatever else is installed.

    Raises
    ------
    PluginTestError
        A given plugin failed to load, registers a node type that is
        unavailable, or conflicts with another plugin: the message says why.
    """
    from audiogp.plugins import manager
    from audiogp.plugins.development import load_development_plugins

    modules, development = [], []
    for plugin in plugins:
        if isinstance(plugin, (str, Path)):
            development += load_development_plugins([str(plugin)])
        else:
            modules.append(plugin)
    if installed:
        from_env = manager.allow_list_from_env()
        allowed = None if from_env is None else set(from_env)
        registry = manager.load_registry(allowed, plugins=modules, development=development)
    else:
        registry = manager.load_registry(set(), plugins=modules, development=development)
    ours = [info for info in registry.plugins if info.distribution in ("<in-process>", "<development>")]
    complaints = [f"{info.name}: {info.error}" for info in ours if info.error]
    complaints += [f"{info.name}: {message}" for info, message in registry.problems if info in ours]
    for (what, name), providers in registry.conflicts.items():
        if any(p in ours for p in providers):
            complaints.append(f"{what} {name!r} is registered by " + " and ".join(
                f"{p.distribution} ({p.name})" for p in providers))
    if complaints:
        raise PluginTestError("the plugin under test does not load cleanly:\n  "
                              + "\n  ".join(complaints))
    return registry


# -- running specs --------------------------------------------------------------------------------

@dataclass
class SpecRun:
    """What :func:`run_spec` gives back.

    Attributes
    ----------
    values : dict
        ``{node: {output port: value}}``.
    graph : audiogp.graph.dag.Graph
        The validated graph: ``graph.nodes[name].static`` holds the facts
        known before running.
    out_dir : pathlib.Path
        The run's output folder.
    written : list of pathlib.Path
        Every file the run wrote, in execution order.
    records : list of audiogp.graph.runner.NodeRecord
        One per node: seconds, files written, warnings logged, summary.
    """

    values: dict
    graph: object
    out_dir: Path
    written: list
    records: list

    def __getitem__(self, reference):
        """The value ``"node"`` (a node with one output) or ``"node.port"`` produced."""
        node, port = self._split(reference)
        outputs = self.values[node]
        if port is None:
            if len(outputs) != 1:
                raise KeyError(f"node {node!r} has outputs {', '.join(outputs)}: "
                               f"write {node!r}.port, e.g. {node}.{next(iter(outputs))}")
            return next(iter(outputs.values()))
        if port not in outputs:
            raise KeyError(f"node {node!r} has no output {port!r} (outputs: {', '.join(outputs)})")
        return outputs[port]

    def facts(self, reference):
        """The facts known of ``"node"`` or ``"node.port"`` before running (a ``dict``)."""
        node, port = self._split(reference)
        static = self.graph.nodes[node].static
        if port is None:
            ports = [p.name for p in self.graph.nodes[node].type.outputs]
            if len(ports) != 1:
                raise KeyError(f"node {node!r} has outputs {', '.join(ports)}: write {node!r}.port")
            port = ports[0]
        return dict(static.get(port, {}))

    def file(self, name):
        """The path of output file ``name`` (relative to the output folder); it must have been written."""
        path = (self.out_dir / name).resolve()
        if path not in [p.resolve() for p in self.written]:
            listed = ", ".join(str(p.relative_to(self.out_dir)) for p in self.written) or "none"
            raise PluginTestError(f"the run wrote no file {name!r} (it wrote: {listed})")
        return path

    def warnings(self, node):
        """The warnings node ``node`` logged (``ctx.log.warning``)."""
        return next(r.warnings for r in self.records if r.name == node)

    def _split(self, reference):
        node, _, port = reference.partition(".")
        if node not in self.values:
            raise KeyError(f"no node {node!r} ran (nodes: {', '.join(self.values)})")
        return node, port or None


def _prepare(text, folder, files):
    folder = Path(tempfile.mkdtemp(prefix="audiogp-spec-") if folder is None else folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in (files or {}).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Signal):
            write_audio(target, content)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        elif isinstance(content, str):
            target.write_text(content)
        else:
            raise TypeError(f"files[{name!r}]: give a Signal, bytes or str, got {type(content).__name__}")
    from audiogp.graph import parse_spec

    return parse_spec(textwrap.dedent(text), source="<spec>", folder=folder.resolve())


def check_spec(text, *, plugins=(), installed=False, files=None, folder=None, overrides=(),
               registry=None):
    """Validate spec ``text`` with ``plugins`` loaded; return the :class:`~audiogp.graph.dag.Graph`.

    Raises :class:`~audiogp.graph.SpecError` listing every problem. See
    :func:`run_spec` for the parameters.
    """
    from audiogp import graph

    registry = registry or plugin_registry(plugins, installed=installed)
    return graph.check(_prepare(text, folder, files), overrides=overrides, registry=registry)


def run_spec(text, *, plugins=(), installed=False, files=None, folder=None, out_dir=None,
             overrides=(), seed=None, force=False, workers=1, registry=None):
    """Validate and run spec ``text`` in-process with ``plugins`` loaded.

    Parameters
    ----------
    text : str
        The spec (dedented first).
    plugins, installed
        Which plugins to load besides the built-ins (:func:`plugin_registry`).
    files : dict, optional
        ``{relative path: content}`` written into the spec's folder first, for
        the spec's input files: a :class:`~audiogp.types.Signal` (written as
        a float WAV, exactly), ``bytes`` or ``str``.
    folder : path-like, optional
        The spec's folder (where relative input paths start); default a new
        temporary folder.
    out_dir : path-like, optional
        The output folder; default a new temporary folder.
    overrides : sequence of str
        ``"node.key=value"``, as ``--set`` takes them.
    seed : int, optional
        Overrides the spec's seed.
    force : bool
        Allow replacing existing outputs.
    workers : int
        Nodes run at once (default 1: in order, in this thread).
    registry : Registry, optional
        Use this registry instead of building one from ``plugins``.

    Returns
    -------
    SpecRun
    """
    from audiogp import graph
    from audiogp.graph.runner import run_graph

    registry = registry or plugin_registry(plugins, installed=installed)
    out_dir = Path(tempfile.mkdtemp(prefix="audiogp-out-") if out_dir is None else out_dir)
    checked = graph.check(_prepare(text, folder, files), overrides=overrides, seed=seed,
                          out_dir=out_dir, force=force, registry=registry)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = run_graph(checked, registry, force=force, workers=workers, keep_values=True)
    return SpecRun(values=result.values, graph=checked, out_dir=out_dir, written=result.written,
                   records=result.records)


# -- failing specs --------------------------------------------------------------------------------

def position(text, needle, occurrence=1):
    """``"line:column"`` (1-based) of the ``occurrence``-th ``needle`` in the dedented spec ``text``."""
    lines = textwrap.dedent(text).splitlines()
    count = 0
    for number, line in enumerate(lines, 1):
        start = line.find(needle)
        while start >= 0:
            count += 1
            if count == occurrence:
                return f"{number}:{start + 1}"
            start = line.find(needle, start + 1)
    raise ValueError(f"{needle!r} occurs {count} time(s) in the spec, not {occurrence}")


def assert_fails(text, *, at=None, node=None, key=None, match=None, plugins=(), installed=False,
                 files=None, folder=None, out_dir=None, overrides=(), registry=None):
    """Assert that spec ``text`` fails with a problem at ``at``, on ``node`` and ``key``, matching ``match``.

    The spec is validated; if that passes, it is run, and a node's user error
    (a :class:`~audiogp.graph.runner.NodeFailed`, e.g. from a declared check)
    must match instead. Criteria left at None are not checked.

    Parameters
    ----------
    at : str, int or tuple, optional
        ``"line:column"``, ``"line"``, a line number or ``(line, column)``
        (in the dedented text; see :func:`position`).
    node, key : str, optional
        The node and the key (parameter or input) the problem names.
    match : str, optional
        A regular expression searched for in the message (as
        ``pytest.raises(match=...)``).
    plugins, installed, files, folder, out_dir, overrides, registry
        As for :func:`run_spec`.

    Returns
    -------
    SpecProblem or NodeFailed
        The matching problem, for further checks.

    Raises
    ------
    PluginTestError
        The spec ran without error, or no problem matches: the message lists
        the problems there were.
    """
    __tracebackhide__ = True
    from audiogp.graph import SpecError
    from audiogp.graph.runner import NodeFailed

    registry = registry or plugin_registry(plugins, installed=installed)
    try:
        run_spec(text, files=files, folder=folder, out_dir=out_dir, overrides=overrides,
                 registry=registry)
    except SpecError as error:
        problems = [(p, p.location, p.node, p.key, p.message) for p in error.problems]
    except NodeFailed as error:
        problems = [(error, error.location, error.node, error.key, error.reason)]
    else:
        raise PluginTestError("the spec ran without error; expected it to fail"
                              + _criteria(at, node, key, match))
    line, column = _position(at)
    for problem, location, problem_node, problem_key, message in problems:
        if ((line is None or location.line == line) and (column is None or location.column == column)
                and (node is None or problem_node == node) and (key is None or problem_key == key)
                and (match is None or re.search(match, message))):
            return problem
    listed = "\n  ".join(str(p[0]) for p in problems)
    raise PluginTestError(f"no problem{_criteria(at, node, key, match)}; the spec failed with:\n  {listed}")


def _position(at):
    if at is None:
        return None, None
    if isinstance(at, int):
        return at, None
    if isinstance(at, tuple):
        return at
    line, _, column = str(at).partition(":")
    return int(line), (int(column) if column else None)


def _criteria(at, node, key, match):
    parts = [f"{name} {value!r}" for name, value in (("at", at), ("node", node), ("key", key),
                                                      ("matching", match)) if value is not None]
    return (" " + ", ".join(parts)) if parts else ""


# -- signals --------------------------------------------------------------------------------------

def write_audio(path, signal, subtype="FLOAT"):
    """Write ``signal`` to ``path`` (WAV or FLAC by the suffix); float WAV keeps the samples exactly."""
    import soundfile

    y = np.asarray(signal.y)
    soundfile.write(str(path), y.T if y.ndim > 1 else y, int(signal.sr), subtype=subtype)
    return Path(path)


def _times(sr, duration):
    n = int(round(duration * sr))
    if n < 1:
        raise ValueError(f"duration={duration} s at sr={sr} gives no samples")
    return np.arange(n) / sr


def example(name="vowels", *, sr=16000, duration=0.5, seed=0):
    """A built-in example signal (:func:`audiogp.data.example`: ``vowels``, ``chirp``, ``tones``)."""
    from audiogp import data

    y, sr = data.example(name, sr=sr, duration=duration, seed=seed)
    return Signal(y, sr)


def tone(freq, *, sr=16000, duration=0.5, amplitude=0.5, phase=0.0):
    """``amplitude * sin(2 pi freq t + phase)``: its RMS over whole periods is ``amplitude / sqrt(2)``."""
    return Signal(amplitude * np.sin(2 * np.pi * freq * _times(sr, duration) + phase), sr)


def harmonic(f0, *, n_harmonics=5, sr=16000, duration=0.5, amplitude=0.5):
    """A harmonic tone of fundamental ``f0``: harmonic ``k`` has amplitude ``amplitude / k``."""
    t = _times(sr, duration)
    ks = [k for k in range(1, n_harmonics + 1) if k * f0 < sr / 2]
    return Signal(sum(amplitude / k * np.sin(2 * np.pi * k * f0 * t) for k in ks), sr)


def white_noise(*, sr=16000, duration=0.5, std=0.1, seed=0):
    """Gaussian white noise of standard deviation ``std`` (seeded)."""
    n = _times(sr, duration).size
    return Signal(std * np.random.default_rng(seed).standard_normal(n), sr)


def autoregressive(coefficients, *, sr=16000, duration=0.5, std=0.1, seed=0, warmup=1000):
    """An autoregressive process ``x[t] = sum_k a[k] x[t-1-k] + e[t]``, ``e`` white of ``std``.

    A signal whose linear-prediction coefficients are known exactly
    (``coefficients``, which must give a stable filter); ``warmup`` samples
    are run and dropped so that it starts stationary.
    """
    from scipy import signal as scipy_signal

    a = np.asarray(coefficients, dtype=np.float64)
    poles = np.roots(np.concatenate([[1.0], -a])) if a.size else np.array([])
    if np.any(np.abs(poles) >= 1):
        raise ValueError("the coefficients give an unstable filter (a pole on or outside the "
                         "unit circle)")
    n = _times(sr, duration).size
    e = std * np.random.default_rng(seed).standard_normal(n + warmup)
    return Signal(scipy_signal.lfilter([1.0], np.concatenate([[1.0], -a]), e)[warmup:], sr)


# -- the pytest fixtures --------------------------------------------------------------------------

class SpecRunner:
    """The ``spec_runner`` fixture: :func:`run_spec`, :func:`check_spec` and :func:`assert_fails`
    with the test's plugins (the ``audiogp_plugins`` fixture) and folders under ``tmp_path``."""

    def __init__(self, plugins, tmp_path, *, installed=False):
        self.plugins = list(plugins)
        self.tmp_path = Path(tmp_path)
        self.installed = installed
        self._registry = None
        self._count = itertools.count(1)

    @property
    def registry(self):
        """The registry of the built-ins and the plugins under test (built once)."""
        if self._registry is None:
            self._registry = plugin_registry(self.plugins, installed=self.installed)
        return self._registry

    def _folders(self, folder, out_dir):
        number = next(self._count)
        base = self.tmp_path / f"spec{number}"
        return (base if folder is None else folder), (base / "out" if out_dir is None else out_dir)

    def run(self, text, *, files=None, folder=None, out_dir=None, **options):
        """:func:`run_spec` with the test's plugins; files and outputs under ``tmp_path``."""
        folder, out_dir = self._folders(folder, out_dir)
        return run_spec(text, files=files, folder=folder, out_dir=out_dir, registry=self.registry,
                        **options)

    def check(self, text, *, files=None, folder=None, **options):
        """:func:`check_spec` with the test's plugins."""
        folder, _ = self._folders(folder, None)
        return check_spec(text, files=files, folder=folder, registry=self.registry, **options)

    def fails(self, text, *, files=None, folder=None, out_dir=None, **criteria):
        """:func:`assert_fails` with the test's plugins."""
        __tracebackhide__ = True
        folder, out_dir = self._folders(folder, out_dir)
        return assert_fails(text, files=files, folder=folder, out_dir=out_dir,
                            registry=self.registry, **criteria)


try:
    import pytest
except ImportError:  # the functions above work without pytest
    pytest = None

if pytest is not None:
    @pytest.fixture
    def audiogp_plugins():
        """The plugins under test: override it in your conftest.py to return your modules."""
        return []

    @pytest.fixture
    def spec_runner(audiogp_plugins, tmp_path):
        """A :class:`SpecRunner` with the ``audiogp_plugins`` loaded, writing under ``tmp_path``."""
        return SpecRunner(audiogp_plugins, tmp_path)

    @pytest.fixture
    def example_signal():
        """A factory of built-in example signals: ``example_signal("chirp", sr=8000, duration=1)``."""
        return example
