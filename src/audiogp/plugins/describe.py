"""Text for ``audiogp nodes`` and ``audiogp plugins``, generated from the declarations."""

import dataclasses
import inspect
import re
import textwrap

from audiogp.errors import UserError
from audiogp.plugins.declarations import KINDS, InputFile, OutputFile

__all__ = ["node_list", "node_doc", "value_type_doc", "plugin_list"]


def node_list(registry):
    """Every usable node type, grouped by kind, with its summary and distribution."""
    nodes = registry.node_types
    if not nodes:
        return "no node types are installed"
    width = max(len(name) for name in nodes)
    lines = []
    for kind in KINDS:
        names = [name for name, node in nodes.items() if node.kind == kind]
        if not names:
            continue
        lines.append(f"{kind}:")
        for name in names:
            distribution = registry.node_plugin(name).distribution
            origin = "" if distribution == "audiogp" else f"  [{distribution}]"
            lines.append(f"  {name:<{width}}  {nodes[name].doc}{origin}")
    if registry.unavailable:
        lines += ["", "unavailable (audiogp plugins says why):"]
        lines += [f"  {name}" for name in registry.unavailable]
    value_types = registry.value_types
    lines += ["", "value types:"]
    lines += textwrap.wrap(", ".join(value_types), width=96, initial_indent="  ",
                           subsequent_indent="  ")
    lines.append("")
    lines.append("audiogp nodes NAME documents a node type or a value type.")
    return "\n".join(lines)


def node_doc(registry, name):
    """The documentation of node type (or value type) ``name``: summary, ports, parameters, an example."""
    try:
        node = registry.node(name)
    except KeyError as error:
        if name in registry.value_types:
            return value_type_doc(registry, name)
        if getattr(error, "reason", ""):
            raise UserError(error.reason) from None
        from audiogp._validate import suggest

        known = list(registry.node_types) + list(registry.value_types)
        hint = registry.provider_hint(name)
        raise UserError(f"no node type or value type {name!r} is installed.{suggest(name, known)}"
                        + (f" {hint}" if hint else "") + " (audiogp nodes lists them)") from None
    plugin = registry.node_plugin(name)
    lines = [f"{node.name}: {node.doc}",
             f"kind: {node.kind}; provided by {plugin.label} ({plugin.name})"]
    if node.requires:
        packages = ", ".join(r.partition(":")[2] or r for r in node.requires)
        lines.append(f"requires: {packages} (optional packages; pip install them to use this node)")
    if node.details:
        lines += ["", textwrap.dedent(node.details).strip()]
    if node.inputs:
        lines += ["", "inputs:"]
        lines += _table([(p.name, p.type_label + (" (list)" if p.many else "")
                          + (" (optional)" if p.optional else ""), p.doc) for p in node.inputs])
    if node.outputs:
        lines += ["", "outputs:"]
        lines += _table([(p.name, p.type_label, p.doc) for p in node.outputs])
    if node.params:
        lines += ["", "parameters:"]
        rows = []
        for p in node.params:
            constraint = p.constraint_label()
            kind = p.type_label + (f", {constraint}" if constraint else "")
            default = "required" if p.required else f"default {_yaml(p.default)}"
            rows.append((p.name, kind, default, p.doc))
        lines += _table(rows)
    main = node.main_input()
    if main is not None:
        lines += ["", f"facts: those of input {main!r} pass on to the outputs"
                      + (", with what its infer adds" if node.infer else "")]
    if node.checks:
        names = ", ".join(getattr(check, "__name__", repr(check)) for check in node.checks)
        lines += ["", f"checks (when the spec is validated, and when the node runs): {names}"]
    lines += ["", "example:", "  nodes:", "    " + _example(node)]
    return "\n".join(lines)


def value_type_doc(registry, name):
    """The documentation of value type ``name``: summary, class, fields, facts, the node types using it."""
    value_type = registry.value_type(name)
    plugin = registry.value_type_plugin(name)
    try:
        cls = value_type.resolve()
    except Exception as error:  # a lazily registered class that cannot be imported
        raise UserError(f"value type {name!r} of {plugin.label} ({plugin.name}) names "
                        f"{value_type.cls!r}, which cannot be imported: {type(error).__name__}: "
                        f"{error}") from None
    summary = value_type.doc or _first_line(cls)
    lines = [f"{name}: value type. {summary}".rstrip(),
             f"provided by {plugin.label} ({plugin.name}); class {cls.__module__}.{cls.__qualname__}"]
    if dataclasses.is_dataclass(cls):
        documented = _attribute_docs(cls)
        lines += ["", "fields:"]
        for f in dataclasses.fields(cls):
            kind, text = documented.get(f.name, (_annotation(f.type), ""))
            lines.append(f"  {f.name} : {kind}")
            lines += textwrap.wrap(text, width=96, initial_indent="      ",
                                   subsequent_indent="      ")
    from audiogp.types import fact_names

    facts = fact_names(cls)
    lines += ["", "facts on an edge (known before running where the nodes before say them): "
              + (", ".join(facts) or "none")]
    makers, readers = [], []
    for node_name, node in registry.node_types.items():
        makers += [f"{node_name}.{p.name}" for p in node.outputs if name in p.types]
        readers += [f"{node_name} ({p.name})" for p in node.inputs if name in p.types]
    for label, names in (("made by", makers), ("read by", readers)):
        if names:
            lines += [""] + textwrap.wrap(f"{label}: " + ", ".join(names), width=96,
                                          subsequent_indent="  ")
    own = "summary" in vars(cls) or any("summary" in vars(base) for base in cls.__mro__[1:]
                                        if base.__name__ != "Value" and base is not object)
    if own:
        lines += ["", "in the run log: its own summary()"]
    elif hasattr(cls, "summary"):
        lines += ["", "in the run log: its summary(), the shape and dtype of each array field "
                      "and the plain settings"]
    return "\n".join(lines)


def _first_line(cls):
    return ((inspect.getdoc(cls) or "").strip().splitlines() or [""])[0]


def _annotation(annotation):
    if isinstance(annotation, str):
        return annotation
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


_SECTION = re.compile(r"^(Attributes|Parameters)\n-+\n", re.MULTILINE)
_ENTRY = re.compile(r"^(\w+(?:\s*,\s*\w+)*)\s*:\s*(.+)$")


def _attribute_docs(cls):
    """``{field: (type, description)}`` from the numpydoc ``Attributes`` section of a class docstring."""
    doc = inspect.getdoc(cls) or ""
    match = _SECTION.search(doc)
    if not match:
        return {}
    found, names, kind, text = {}, [], "", []

    def flush():
        for field_name in names:
            found[field_name] = (kind, " ".join(text))

    for line in doc[match.end():].splitlines():
        if line and not line.startswith(" "):
            entry = _ENTRY.match(line)
            if not entry:
                break  # the next section
            flush()
            names = [n.strip() for n in entry.group(1).split(",")]
            kind, text = entry.group(2).strip(), []
        elif line.strip():
            text.append(line.strip())
    flush()
    return found


def _example(node):
    entries = [f"use: {node.name}"]
    for port in node.inputs:
        if not port.optional:
            entries.append(f"{port.name}: {'[a, b]' if port.many else 'other_node'}")
    for param in node.params:
        if param.required:
            if OutputFile in param.types:
                value = f"{node.name}.out"
            elif InputFile in param.types:
                value = "input.wav"
            else:
                value = "..."
            entries.append(f"{param.name}: {value}")
    return f"my_{node.name}: {{{', '.join(entries)}}}"


def _yaml(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value else "''"
    return repr(value)


def _table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for row in rows:
        cells = [str(cell).ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [str(row[-1])]
        out.append("  " + "  ".join(cells).rstrip())
    return out


def plugin_list(registry):
    """Loaded plugins with distribution, version and what each provides; failures; conflicts."""
    lines = []
    for info in registry.plugins:
        if info.error:
            continue
        origin = (" (built-in)" if info.builtin else "") + (f": {info.origin}" if info.origin else "")
        lines.append(f"{info.name}  [{info.label}{origin}]")
        for what, names in info.provides.items():
            marked = [n + (" (unavailable)" if what == "node types" and n in registry.unavailable
                           else "") for n in names]
            lines.append(f"  {what}: {', '.join(marked)}")
    if registry.broken:
        lines += ["", "failed to load:"]
        for info in registry.broken:
            lines.append(f"  {info.name}  [{info.label}]: {info.error}")
    if registry.disabled:
        lines += ["", "installed but not loaded (AUDIOGP_PLUGINS or --builtins-only):"]
        for info in registry.disabled:
            lines.append(f"  {info.name}  [{info.label}]")
    if registry.replaced:
        lines += ["", "installed but replaced by a development copy:"]
        for info in registry.replaced:
            lines.append(f"  {info.name}  [{info.label}]: {info.origin}")
    if registry.conflicts:
        lines += ["", "conflicts (unavailable until one is removed):"]
        for (what, name), providers in registry.conflicts.items():
            lines.append(f"  {what} {name!r}: " + " and ".join(
                f"{p.distribution} ({p.name})" for p in providers))
    if registry.problems:
        lines += ["", "problems:"]
        for info, message in registry.problems:
            lines.append(f"  {info.distribution} ({info.name}): {message}")
    return "\n".join(lines)
