"""The validated graph: nodes with checked parameters, typed edges, an execution order.

Nothing here knows about audio: nodes are declarations from the registry and
values are whatever their functions return.
"""

from dataclasses import dataclass, field
from typing import Optional

__all__ = ["Edge", "GraphNode", "Graph", "find_cycles", "topological_order"]


@dataclass(frozen=True)
class Edge:
    """The output ``port`` of node ``node``."""

    node: str
    port: str

    def __str__(self):
        return f"{self.node}.{self.port}"


@dataclass
class GraphNode:
    """A node of a validated spec.

    Attributes
    ----------
    name : str
    type : audiogp.plugins.NodeType
    params : dict
        Every parameter, checked and converted, defaults filled in; file
        parameters resolved to absolute paths.
    inputs : dict
        ``{port: [Edge, ...]}`` for every input the spec connects.
    sources : dict
        ``{port: ["node" or "node.port", ...]}`` as written in the spec.
    location : Location
        Where the node is written.
    static : dict
        ``{output port: {attribute: value}}`` known before running (from the
        node type's ``infer``), e.g. a sample rate or an STFT geometry.
    key_locations : dict
        ``{key: Location}`` of every key the spec writes for the node.
    """

    name: str
    type: object
    params: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    location: Optional[object] = None
    output_files: list = field(default_factory=list)  # (resolved path, spec path, as written)
    input_files: list = field(default_factory=list)   # (resolved path, spec path)
    static: dict = field(default_factory=dict)        # {output port: attributes} from infer
    key_locations: dict = field(default_factory=dict)  # {key: Location} as written in the spec

    @property
    def dependencies(self):
        """Names of the nodes this one reads from, in first-use order."""
        seen = []
        for edges in self.inputs.values():
            for edge in edges:
                if edge.node not in seen:
                    seen.append(edge.node)
        return seen


@dataclass
class Graph:
    """A validated spec, ready to run."""

    source: str
    seed: int
    nodes: dict
    order: list
    out_dir: Optional[object] = None

    def dependents(self):
        """``{name: [names of the nodes that read from it]}``."""
        result = {name: [] for name in self.nodes}
        for node in self.nodes.values():
            for dependency in node.dependencies:
                result[dependency].append(node.name)
        return result

    def text(self):
        """The graph as readable text, one node per line in execution order."""
        lines = []
        width = max((len(n) for n in self.order), default=0)
        for name in self.order:
            node = self.nodes[name]
            wires = []
            for port, edges in node.inputs.items():
                shown = ", ".join(_edge_text(self, e) for e in edges)
                wires.append(f"{port} <- {shown}")
            outputs = ", ".join(f"{p.name}: {p.type_label}{_static_text(node.static.get(p.name))}"
                                for p in node.type.outputs)
            line = f"{name:<{width}}  ({node.type.name})"
            if wires:
                line += "  " + "; ".join(wires)
            if outputs:
                line += f"  -> {outputs}"
            for _, _, written in node.output_files:
                line += f"  => {written}"
            lines.append(line)
        return "\n".join(lines)

    def dot(self):
        """The graph in Graphviz DOT."""
        lines = ["digraph audiogp {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
        for name in self.order:
            node = self.nodes[name]
            label = f"{name}\\n({node.type.name})"
            lines.append(f"  {_quote(name)} [label={_quote(label, escape=False)}];")
        for name in self.order:
            for port, edges in self.nodes[name].inputs.items():
                for edge in edges:
                    source_type = self.nodes[edge.node].type.output(edge.port)
                    label = f"{edge.port} -> {port}" if len(self.nodes[edge.node].type.outputs) > 1 else port
                    if source_type is not None:
                        label += f"\\n{source_type.type_label}"
                    lines.append(f"  {_quote(edge.node)} -> {_quote(name)} [label={_quote(label, escape=False)}];")
        lines.append("}")
        return "\n".join(lines)


def _static_text(attributes):
    known = [f"{k}={v}" for k, v in (attributes or {}).items() if v is not None]
    return f" ({', '.join(known)})" if known else ""


def _edge_text(graph, edge):
    if len(graph.nodes[edge.node].type.outputs) > 1:
        return str(edge)
    return edge.node


def _quote(text, *, escape=True):
    if escape:
        text = text.replace("\\", "\\\\")
    return '"' + text.replace('"', '\\"') + '"'


def find_cycles(dependencies):
    """Every cycle of a directed graph, each as a list of names ``[a, b, ..., a]``.

    ``dependencies`` maps each name to the names it depends on. One cycle is
    reported per strongly connected component (Tarjan's algorithm), starting
    from its first member in the mapping's order.
    """
    order = {name: i for i, name in enumerate(dependencies)}
    index, low, stack, on_stack, components = {}, {}, [], set(), []
    counter = [0]

    def visit(start):
        # Iterative Tarjan: (name, iterator over its dependencies)
        work = [(start, iter(dependencies.get(start, ())))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            name, children = work[-1]
            advanced = False
            for child in children:
                if child not in dependencies:
                    continue
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(dependencies.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[name] = min(low[name], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[name])
            if low[name] == index[name]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == name:
                        break
                components.append(component)

    for name in dependencies:
        if name not in index:
            visit(name)
    cycles = []
    for component in components:
        members = set(component)
        if len(component) == 1 and component[0] not in dependencies.get(component[0], ()):
            continue
        start = min(component, key=order.__getitem__)
        cycles.append(_walk_cycle(start, members, dependencies, order))
    cycles.sort(key=lambda c: order[c[0]])
    return cycles


def _walk_cycle(start, members, dependencies, order):
    """A simple cycle through ``start`` inside one strongly connected component (BFS)."""
    from collections import deque

    previous = {start: None}
    queue = deque([start])
    while queue:
        name = queue.popleft()
        for child in sorted(dependencies.get(name, ()), key=lambda n: order.get(n, 0)):
            if child == start:
                path = [name]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return _data_flow(path, start)
            if child in members and child not in previous:
                previous[child] = name
                queue.append(child)
    return [start, start]


def _data_flow(path, start):
    # path = [n_k, ..., n_1, start] where start depends on n_1, n_1 on n_2, ..., n_k on start.
    # Data flows start -> n_k -> ... -> n_1 -> start.
    return [start] + path[:-1] + [start]


def topological_order(dependencies):
    """Names in an order where each comes after its dependencies; ties keep the mapping's order.

    ``dependencies`` must be acyclic (check with :func:`find_cycles` first).
    """
    remaining = {name: set(d for d in deps if d in dependencies) for name, deps in dependencies.items()}
    order = []
    done = set()
    while remaining:
        ready = [name for name, deps in remaining.items() if deps <= done]
        if not ready:
            raise ValueError("the graph has a cycle")
        for name in ready:
            order.append(name)
            done.add(name)
            del remaining[name]
    return order
