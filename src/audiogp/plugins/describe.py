"""Text for ``audiogp nodes`` and ``audiogp plugins``, generated from the declarations."""

import textwrap

from audiogp.errors import UserError
from audiogp.plugins.declarations import KINDS, InputFile, OutputFile

__all__ = ["node_list", "node_doc", "plugin_list"]


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
    lines.append("")
    lines.append("audiogp nodes NAME documents one.")
    return "\n".join(lines)


def node_doc(registry, name):
    """The documentation of node type ``name``: summary, ports, parameter table, an example."""
    try:
        node = registry.node(name)
    except KeyError:
        from audiogp._validate import suggest

        hint = registry.provider_hint(name)
        raise UserError(f"no node type {name!r} is installed.{suggest(name, list(registry.node_types))}"
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
    lines += ["", "example:", "  nodes:", "    " + _example(node)]
    return "\n".join(lines)


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
        origin = " (built-in)" if info.builtin else ""
        lines.append(f"{info.name}  [{info.label}{origin}]")
        for what, names in info.provides.items():
            lines.append(f"  {what}: {', '.join(names)}")
    if registry.broken:
        lines += ["", "failed to load:"]
        for info in registry.broken:
            lines.append(f"  {info.name}  [{info.label}]: {info.error}")
    if registry.disabled:
        lines += ["", "installed but not loaded (AUDIOGP_PLUGINS or --builtins-only):"]
        for info in registry.disabled:
            lines.append(f"  {info.name}  [{info.label}]")
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
