"""Checking a spec against the registry, before any work, reporting every problem at once.

Each problem names the file, line and column, the node and the key, what
was expected, and a "did you mean" for near misses.
"""

import errno
import os
import re
import tempfile
from pathlib import Path

import yaml

from audiogp._validate import suggest
from audiogp.graph.dag import Edge, Graph, GraphNode, find_cycles, topological_order
from audiogp.graph.spec import Location, SpecError, SpecProblem
from audiogp.plugins.declarations import Facts, InputFile, Mismatch, OutputFile

__all__ = ["SPEC_VERSION", "TOP_LEVEL_KEYS", "validate", "apply_overrides", "parse_override"]

SPEC_VERSION = 1
TOP_LEVEL_KEYS = ("audiogp", "seed", "description", "defaults", "nodes")
#: Top-level keys that validation ignores: ``defaults:`` and any ``x-...`` key hold YAML anchors
#: (``defaults: {fft: &fft {n_fft: 1024, hop_length: 256}}``) for nodes to merge (``<<: *fft``).
ANCHOR_KEYS = ("defaults", "x-")
_NODE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def parse_override(text):
    """Split ``node.key=value`` (from ``--set``) into ``(node, key, value)``, value parsed as YAML."""
    target, equals, raw = text.partition("=")
    node, dot, key = target.strip().partition(".")
    if not equals or not dot or not node or not key:
        raise SpecError("--set", [SpecProblem(Location(f"--set {text}"),
                                              "expected NODE.KEY=VALUE, e.g. --set spec.n_fft=512")])
    from audiogp.graph.spec import parse_value

    try:
        value = parse_value(raw) if raw.strip() else None
    except yaml.YAMLError as error:
        raise SpecError("--set", [SpecProblem(Location(f"--set {text}"),
                                              f"the value is not valid YAML: {error}")]) from None
    return node, key.strip(), value


def apply_overrides(spec, overrides):
    """Apply ``--set`` overrides (``"node.key=value"`` strings) to a parsed spec, in place."""
    problems = []
    nodes = spec.data.get("nodes") if isinstance(spec.data, dict) else None
    for text in overrides:
        node, key, value = parse_override(text)
        where = Location(f"--set {text}")
        if not isinstance(nodes, dict) or node not in nodes:
            names = list(nodes) if isinstance(nodes, dict) else []
            problems.append(SpecProblem(where, f"the spec has no node {node!r}.{suggest(node, names)}"))
            continue
        if not isinstance(nodes[node], dict):
            continue  # reported by validation
        nodes[node][key] = value
        path = ("nodes", node, key)
        spec.value_locations[path] = where
        spec.key_locations.setdefault(path, where)
        spec.from_command_line.add(path)
    return problems


def validate(spec, registry, *, overrides=(), seed=None, out_dir=None, force=True, max_memory=None):
    """Check ``spec`` and return the :class:`Graph` to run; raise :class:`SpecError` listing every problem.

    Parameters
    ----------
    spec : audiogp.graph.spec.Spec
        The parsed spec (modified in place by ``overrides``).
    registry : audiogp.plugins.registry.Registry
        The node and value types available.
    overrides : sequence of str
        ``--set node.key=value`` strings.
    seed : int, optional
        Overrides the spec's seed.
    out_dir : path-like, optional
        The output folder: output files are resolved inside it (refusing
        paths that escape it) and, unless ``force``, must not exist yet.
    force : bool
        Allow existing output files to be replaced.
    max_memory : str, int or audiogp._resources.Budget, optional
        The memory one node may need (``"8G"``; default ``$AUDIOGP_MAX_MEMORY``, else 75 % of
        the available memory): a node whose declared estimate exceeds it is a problem.
    """
    from audiogp import _resources

    try:
        budget = _resources.resolve_budget(max_memory)
    except ValueError as error:
        raise SpecError(spec.source, [SpecProblem(Location("--max-memory"), str(error))]) from None
    checker = _Checker(spec, registry, out_dir=out_dir, force=force)
    checker.budget = budget
    checker.problems.extend(spec.problems)
    checker.problems.extend(apply_overrides(spec, overrides))
    graph = checker.check(seed)
    if checker.problems:
        raise SpecError(spec.source, _ordered(checker.problems))
    return graph


def _ordered(problems):
    def key(problem):
        location = problem.location
        return (location.line is None, location.line or 0, location.column or 0)
    return sorted(problems, key=key)


class _Checker:
    def __init__(self, spec, registry, *, out_dir, force):
        self.spec = spec
        self.registry = registry
        self.out_dir = None if out_dir is None else _resolve_out_dir(out_dir)
        self.force = force
        self.problems = []
        self.budget = None

    def problem(self, path, message, *, node=None, key=None, key_kind="parameter", at_key=False):
        self.problems.append(SpecProblem(self.spec.where(path, key=at_key), message, node=node,
                                         key=key, key_kind=key_kind))

    # -- top level ----------------------------------------------------------------------------

    def check(self, seed_override):
        data = self.spec.data
        if not isinstance(data, dict):
            self.problem((), "a spec is a mapping with the keys 'audiogp: 1' and 'nodes:'; "
                         f"this file holds {_describe(data)}")
            return None
        for key in data:
            if key == "reduce":  # the corpus runner takes it out before validating an item
                self.problem((key,), "a 'reduce:' step applies to corpus runs only: `audiogp run` "
                             "with --over NODE.param='glob' (e.g. --over voice.path='corpus/**/*.wav') "
                             "checks it, and every node, before any item runs (`audiogp validate` "
                             "has no --over); for a single run remove the reduce: section "
                             "(docs/corpus.md)",
                             at_key=True)
            elif key not in TOP_LEVEL_KEYS and not (isinstance(key, str) and key.startswith("x-")):
                self.problem((key,), f"unknown top-level key {key!r} (allowed: "
                             f"{', '.join(TOP_LEVEL_KEYS)}, and x-NAME for anchors)."
                             f"{suggest(str(key), TOP_LEVEL_KEYS)}", at_key=True)
        if "audiogp" not in data:
            self.problem((), f"missing the version key: add 'audiogp: {SPEC_VERSION}' at the top")
        elif data["audiogp"] != SPEC_VERSION or isinstance(data["audiogp"], bool):
            self.problem(("audiogp",), f"unsupported spec version {data['audiogp']!r}; this audiogp "
                         f"reads version {SPEC_VERSION}")
        seed = data.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            self.problem(("seed",), f"seed must be a non-negative integer, got {seed!r}")
            seed = 0
        if seed_override is not None:
            seed = seed_override
        nodes = data.get("nodes")
        if "nodes" not in data:
            self.problem((), "missing 'nodes:', the mapping of node names to their settings")
            return None
        if isinstance(nodes, dict) and not nodes:
            self.problem(("nodes",), "'nodes' is empty: add the nodes to run, e.g. "
                         "'voice: {use: example}' and 'out: {use: save, input: voice, path: "
                         "voice.wav}' (audiogp nodes lists the node types)")
            return None
        if not isinstance(nodes, dict):
            self.problem(("nodes",), "'nodes' must be a mapping of node names to node settings "
                         f"(name: {{use: TYPE, ...}}), got {_describe(nodes)}")
            return None
        graph_nodes = {}
        for name, settings in nodes.items():
            node = self.check_node(name, settings)
            if node is not None:
                graph_nodes[name] = node
        for node in graph_nodes.values():
            self.check_inputs(node, graph_nodes, nodes)
        dependencies = {name: node.dependencies for name, node in graph_nodes.items()}
        for cycle in find_cycles(dependencies):
            first, second = cycle[0], cycle[1]
            port = next((p for p, edges in graph_nodes[second].inputs.items()
                         if any(e.node == first for e in edges)), None)
            self.problem(("nodes", second, port) if port else ("nodes", second),
                         "the graph has a cycle: " + " -> ".join(cycle)
                         + "; a node cannot depend on its own output", node=second, key=port,
                         key_kind="input")
        self.check_files(graph_nodes)
        self.check_out_dir(graph_nodes)
        if not any("cycle" in p.message for p in self.problems):
            self.infer(graph_nodes, topological_order(dependencies))
        if self.problems:
            return None
        order = topological_order(dependencies)
        return Graph(source=self.spec.source, seed=seed, nodes=graph_nodes, order=order,
                     out_dir=self.out_dir)

    # -- static attributes --------------------------------------------------------------------

    def infer(self, graph_nodes, order):
        """Pass facts along the graph in dependency order: each node type's declared checks, its
        ``infer``, and the facts of its main input; report the mismatches raised."""
        troubled = {p.node for p in self.problems}
        for name in order:
            node = graph_nodes[name]
            node_type = node.type
            main = node_type.main_input()
            if name in troubled or (node_type.infer is None and not node_type.checks and main is None
                                    and node_type.memory is None):
                continue
            inputs = {}
            for port in node_type.inputs:
                known = [self.facts(graph_nodes[e.node], e.port) for e in node.inputs.get(port.name, [])]
                inputs[port.name] = known if port.many else (known[0] if known else Facts())
            try:
                for check in node_type.checks:
                    check(dict(node.params), inputs)
                static = node_type.infer(dict(node.params), inputs) or {} if node_type.infer else {}
                self.check_memory(node, inputs)
            except Mismatch as error:
                self.problem(("nodes", name, error.key), str(error), node=name, key=error.key,
                             key_kind="input" if node_type.input(error.key) else "parameter")
                continue
            except ValueError as error:
                self.problem(("nodes", name), str(error), node=name)
                continue
            node.static = {port: dict(attributes) for port, attributes in static.items()}
            if main is not None:
                node.static = self.passed_on(node_type, inputs[main], node.static)

    def check_memory(self, node, inputs):
        """Refuse, at the key driving it, a node whose memory estimate exceeds the budget."""
        from audiogp._resources import check_estimate

        if self.budget is None:
            return
        refused = check_estimate(node.type, dict(node.params), inputs, self.budget)
        if refused is None:
            return
        key, message = refused
        if key is None:
            self.problem(("nodes", node.name), message, node=node.name)
        else:
            raise Mismatch(key, message)

    def passed_on(self, node_type, main_facts, static):
        """Output facts of a node passing its main input's on: those each output's type carries,
        updated by what ``infer`` said (a fact it set to None is dropped)."""
        result = {}
        for port in node_type.outputs:
            carried = self.registry.fact_names(port.types)
            facts = {k: v for k, v in main_facts.items() if carried is None or k in carried}
            facts.update(static.get(port.name, {}))
            result[port.name] = {k: v for k, v in facts.items() if v is not None}
        return result

    @staticmethod
    def facts(source, port):
        """What is known of output ``port`` of node ``source``, with the port's value types."""
        output = source.type.output(port)
        return Facts(source.static.get(port, {}), output.types if output is not None else ())

    # -- one node -----------------------------------------------------------------------------

    def check_node(self, name, settings):
        path = ("nodes", name)
        if not isinstance(name, str) or not _NODE_NAME.match(name):
            self.problem(path, f"node name {name!r} must start with a letter or _ and hold only "
                         "letters, digits, _ and - (no dots: 'node.port' names an output)",
                         at_key=True)
            return None
        if not isinstance(settings, dict):
            self.problem(path, f"expected a mapping such as {{use: stft, input: voice}}, "
                         f"got {_describe(settings)}", node=name)
            return None
        if "use" not in settings:
            self.problem(path, "missing 'use:', the node type to run (audiogp nodes lists them)",
                         node=name)
            return None
        use = settings["use"]
        if not isinstance(use, str):
            self.problem(path + ("use",), f"'use' must name a node type, got {_describe(use)}",
                         node=name)
            return None
        conflict = self.registry.conflict("node type", use)
        if conflict:
            providers = " and ".join(f"{p.distribution} ({p.name})" for p in conflict)
            self.problem(path + ("use",), f"node type {use!r} is registered by both {providers}; "
                         "uninstall one, or pick one with AUDIOGP_PLUGINS", node=name)
            return None
        try:
            node_type = self.registry.node(use)
        except KeyError as error:
            if getattr(error, "reason", ""):
                self.problem(path + ("use",), error.reason, node=name)
                return None
            known = list(self.registry.node_types)
            hint = self.registry.provider_hint(use)
            self.problem(path + ("use",), f"unknown node type {use!r}.{suggest(use, known)}"
                         + (f" {hint}" if hint else "") + " (audiogp nodes lists the installed ones)",
                         node=name)
            return None
        for module, distribution in node_type.missing_requirements():
            self.problem(path + ("use",), f"{use} needs the Python package {distribution!r}, which "
                         f"is not installed: pip install {distribution}", node=name)
        node = GraphNode(name=name, type=node_type, location=self.spec.where(path, key=True))
        for key, value in settings.items():
            if key == "use":
                continue
            key_path = path + (key,)
            node.key_locations[key] = self.spec.where(key_path)
            if node_type.input(key) is not None:
                node.sources[key] = value
            elif node_type.param(key) is not None:
                self.check_param(node, node_type.param(key), value, key_path)
            else:
                self.problem(key_path, f"{use} has no parameter or input {key!r}."
                             f"{suggest(key, node_type.keys)} It takes: "
                             f"{', '.join(node_type.keys) or 'nothing'}",
                             node=name, key=key, key_kind="key", at_key=True)
        for param in node_type.params:
            if param.name in settings:
                continue
            if param.required:
                self.problem(path, f"missing required parameter {param.name!r} of {use} "
                             f"({param.doc or param.type_label})", node=name, key=param.name)
            elif param.default is not None and {InputFile, OutputFile} & set(param.types):
                self.check_param(node, param, param.default, path + (param.name,))
            else:
                # Checked when declared; a fresh copy, so that no run sees another's changes.
                node.params[param.name] = param.check(param.default)
        for port in node_type.inputs:
            if port.name not in settings and not port.optional:
                self.problem(path, f"missing input {port.name!r} of {use} ({port.type_label}"
                             f"{': ' + port.doc if port.doc else ''})", node=name, key=port.name,
                             key_kind="input")
        return node

    def check_param(self, node, param, value, path):
        try:
            converted = param.check(value)
        except ValueError as error:
            self.problem(path, f"{error}{_doc_hint(param)}", node=node.name, key=param.name)
            return
        if converted is not None and InputFile in param.types and isinstance(converted, str):
            converted = self.input_file(node, param, converted, path)
        elif converted is not None and OutputFile in param.types and isinstance(converted, str):
            converted = self.output_file(node, param, converted, path)
        node.params[param.name] = converted

    def input_file(self, node, param, text, path):
        say = dict(node=node.name, key=param.name)
        if "\0" in text:
            self.problem(path, f"input path {text!r} holds a NUL character, which no file name "
                         "can hold", **say)
            return None
        from_command_line = path in self.spec.from_command_line
        base = Path.cwd() if from_command_line else self.spec.folder
        start = "the current folder (--set)" if from_command_line else "the spec's folder"
        try:
            resolved = (base / Path(text).expanduser()).resolve()
            kind = ("folder" if resolved.is_dir() else "file" if resolved.is_file()
                    else "missing" if not resolved.exists() else "other")
            size = resolved.stat().st_size if kind == "file" else None
        except (OSError, RuntimeError) as error:  # a symlink loop, a name too long...
            self.problem(path, f"input file {text!r} cannot be looked up: "
                         f"{getattr(error, 'strerror', None) or error}", **say)
            return None
        if kind != "file":
            reason = {"folder": "is a folder", "missing": "does not exist"}.get(
                kind, "is not a regular file")
            self.problem(path, f"input file {text!r} {reason} (looked for {resolved}; relative "
                         f"paths start at {start})", **say)
        elif size == 0:
            self.problem(path, f"input file {text!r} is empty (0 bytes, {resolved})", **say)
        node.input_files.append((resolved, path))
        return resolved

    def output_file(self, node, param, text, path):
        say = dict(node=node.name, key=param.name)
        if "\0" in text:
            self.problem(path, f"output path {text!r} holds a NUL character, which no file name "
                         "can hold", **say)
            return None
        name = Path(text).name
        if param.suffixes and name.lower() in param.suffixes:
            self.problem(path, f"output path {text!r} is only an extension: give the file a "
                         f"name, e.g. out{name}", **say)
            return None
        name_max = _name_max(self.out_dir)  # one pathconf call, not one per path part
        too_long = [part for part in Path(text).parts
                    if len(part.encode("utf-8", "surrogateescape")) > name_max]
        if too_long:
            self.problem(path, f"output file name {too_long[0][:40]!r}... is "
                         f"{len(too_long[0].encode('utf-8', 'surrogateescape'))} bytes long; "
                         f"file names may be at most {name_max} bytes here: "
                         "choose a shorter name", **say)
            return None
        if self.out_dir is None:
            base = Path("/output-folder")  # validating without a run: only check the path stays inside
            resolved = Path(_normalise(base / text))
            inside = resolved != base and resolved.is_relative_to(base)
        else:
            base = self.out_dir
            resolved = _resolve(base / Path(text))
            if isinstance(resolved, str):
                self.problem(path, f"output path {text!r}: {resolved}", node=node.name,
                             key=param.name)
                return None
            inside = resolved != base and resolved.is_relative_to(base)
        if Path(text).is_absolute() or not inside:
            self.problem(path, f"output path {text!r} leads outside the output folder; give a "
                         "path relative to --out, without '..'", node=node.name, key=param.name)
            return resolved
        node.output_files.append((resolved, path, text))
        return resolved

    # -- edges --------------------------------------------------------------------------------

    def check_inputs(self, node, graph_nodes, spec_nodes):
        for port_name, written in node.sources.items():
            port = node.type.input(port_name)
            path = ("nodes", node.name, port_name)
            if written is None and port.optional:
                continue
            references = written if isinstance(written, list) else [written]
            if isinstance(written, list) and not port.many:
                self.problem(path, f"input {port_name!r} takes one source, got a list of "
                             f"{len(written)}", node=node.name, key=port_name, key_kind="input")
                continue
            if not references:
                self.problem(path, "empty list of sources", node=node.name, key=port_name,
                             key_kind="input")
                continue
            edges, labels = [], []
            for index, reference in enumerate(references):
                ref_path = path + (index,) if isinstance(written, list) else path
                edge = self.resolve_reference(node, port, reference, ref_path, graph_nodes, spec_nodes)
                if edge is not None:
                    edges.append(edge)
                    labels.append(reference)
            node.inputs[port_name] = edges
            node.sources[port_name] = labels

    def resolve_reference(self, node, port, reference, path, graph_nodes, spec_nodes):
        say = dict(node=node.name, key=port.name, key_kind="input")
        if not isinstance(reference, str) or not reference:
            self.problem(path, f"expected the name of a node (or node.port), got {_describe(reference)}",
                         **say)
            return None
        source_name, _, port_name = reference.partition(".")
        if source_name not in spec_nodes:
            self.problem(path, f"no node {source_name!r} in this spec."
                         f"{suggest(source_name, list(spec_nodes))}", **say)
            return None
        source = graph_nodes.get(source_name)
        if source is None:
            return None  # that node has its own error
        outputs = source.type.outputs
        if not outputs:
            self.problem(path, f"node {source_name!r} ({source.type.name}) has no outputs to read",
                         **say)
            return None
        if port_name:
            output = source.type.output(port_name)
            if output is None:
                names = [p.name for p in outputs]
                self.problem(path, f"node {source_name!r} ({source.type.name}) has no output "
                             f"{port_name!r} (outputs: {', '.join(names)}).{suggest(port_name, names)}",
                             **say)
                return None
        elif len(outputs) > 1:
            choices = ", ".join(f"{source_name}.{p.name}" for p in outputs)
            self.problem(path, f"node {source_name!r} has several outputs: write one of {choices}",
                         **say)
            return None
        else:
            output = outputs[0]
        if not self.registry.accepts(port.types, output.types):
            self.problem(path, f"{reference} gives {output.type_label} but input {port.name!r} of "
                         f"{node.type.name} takes {port.type_label}", **say)
            # Keep the edge all the same, so that a cycle through it is reported too.
        return Edge(source_name, output.name)

    # -- files --------------------------------------------------------------------------------

    def check_files(self, graph_nodes):
        written = {}
        for node in graph_nodes.values():
            for resolved, path, _ in node.output_files:
                if resolved in written:
                    other = written[resolved]
                    self.problem(path, f"{resolved.name} is also written by node {other!r}; "
                                 "give each output its own path", node=node.name, key=path[-1])
                    continue
                written[resolved] = node.name
                if self.out_dir is not None and resolved.is_dir():
                    self.problem(path, f"{resolved} is a folder, so no file can be written there "
                                 "(not even with --force); give another path, or remove the folder",
                                 node=node.name, key=path[-1])
                elif self.out_dir is not None and resolved.exists() and not self.force:
                    self.problem(path, f"{resolved} exists; pass --force to overwrite it",
                                 node=node.name, key=path[-1])
        for node in graph_nodes.values():
            for resolved, path in node.input_files:
                if resolved in written:
                    self.problem(path, f"{resolved} is an input of this node and an output of node "
                                 f"{written[resolved]!r}; input files are never written",
                                 node=node.name, key=path[-1])

    def check_out_dir(self, graph_nodes):
        """The output folder must be creatable and writable when the spec writes anything."""
        if self.out_dir is None or not any(node.output_files for node in graph_nodes.values()):
            return
        where = self.first_output(graph_nodes)
        existing = self.out_dir
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            self.problem(where, f"the output folder {self.out_dir} cannot be made: {existing} is "
                         "a file; give --out a folder")
            return
        try:
            handle, probe = tempfile.mkstemp(prefix=".audiogp-probe-", dir=existing)
        except OSError as error:
            made_in = "" if existing == self.out_dir else f" (it would be made in {existing})"
            self.problem(where, f"the output folder {self.out_dir}{made_in} is not writable "
                         f"({error.strerror or error}); give --out a folder you can write to")
            return
        os.close(handle)
        os.unlink(probe)

    @staticmethod
    def first_output(graph_nodes):
        for node in graph_nodes.values():
            for _, path, _ in node.output_files:
                return path
        return ()


def _resolve(path):
    """``path.resolve()``, or the reason it cannot be followed (a symbolic link loop).

    Callers refuse a NUL in the text first, with the key it was written at.
    """
    try:
        return Path(path).resolve()
    except (RuntimeError, OSError) as error:  # Python 3.11 says RuntimeError for a loop
        return f"cannot be followed: {error}; fix or remove the symbolic link"


def _resolve_out_dir(out_dir):
    from audiogp.errors import UserError

    text = os.fspath(out_dir)
    if text == "" or (isinstance(text, str) and not text.strip()):
        raise UserError("--out is empty: give the output folder, e.g. --out out")
    if "\0" in str(text):
        raise UserError(f"--out {text!r} holds a NUL character, which no folder name can hold")
    try:
        return Path(text).expanduser().resolve()
    except (OSError, RuntimeError) as error:
        if isinstance(error, RuntimeError) or getattr(error, "errno", None) == errno.ELOOP:
            # Python 3.11 raises RuntimeError for a loop; 3.13 an OSError with ELOOP
            raise UserError(f"--out {text}: it is a symbolic link loop; fix or remove the link, "
                            "or give --out another folder") from None
        raise UserError(f"--out {text}: cannot be looked up "
                        f"({getattr(error, 'strerror', None) or error})") from None


def _name_max(folder):
    """Longest file name (bytes) the output folder's file system takes (255 if not known)."""
    probe = folder
    while probe is not None and not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return os.pathconf(probe if probe is not None else "/", "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def _normalise(path):
    import posixpath

    return posixpath.normpath(str(path))


def _doc_hint(param):
    return f" ({param.doc})" if param.doc else ""


def _describe(value):
    if value is None:
        return "nothing (null)"
    kind = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)
    text = repr(value)
    return kind if len(text) > 40 or isinstance(value, (dict, list)) else f"{kind} ({text})"
