"""The registry: every node type, value type and kernel the loaded plugins provide."""

from dataclasses import dataclass, field, replace
from typing import Optional

from audiogp.plugins.declarations import DeclarationError, NodeType, ValueType

__all__ = ["PluginInfo", "Registry", "KNOWN_PROVIDERS", "UnknownNodeType"]

#: Node types of plugin distributions published apart from audiogp, so that a spec using one
#: that is not installed gets "pip install <distribution>" in its error.
KNOWN_PROVIDERS = {
    "yin": "audiogp-yin",
}


class UnknownNodeType(KeyError):
    """Raised by :meth:`Registry.node` for a name no loaded plugin provides."""


@dataclass
class PluginInfo:
    """One loaded (or failed) plugin.

    Attributes
    ----------
    name : str
        The plugin's name: ``audiogp.builtin.<module>`` or its entry-point name.
    distribution : str
        The installed distribution it comes from (``audiogp`` for built-ins).
    version : str
        The distribution's version.
    provides : dict
        ``{"node types": [...], "value types": [...], "kernels": [...]}``.
    error : str or None
        Why the plugin could not be loaded, if it could not.
    """

    name: str
    distribution: str
    version: str = ""
    builtin: bool = False
    provides: dict = field(default_factory=dict)
    error: Optional[str] = None

    @property
    def label(self):
        return f"{self.distribution} {self.version}".strip()


@dataclass(frozen=True)
class _Entry:
    item: object
    plugin: PluginInfo


class Registry:
    """Everything the loaded plugins registered, with where each thing came from.

    Build it with :func:`audiogp.plugins.manager.get_registry`; it is read-only
    after loading.
    """

    def __init__(self):
        self.plugins = []            # PluginInfo, in load order
        self.disabled = []           # PluginInfo of installed plugins not loaded (allow-list)
        self._nodes = {}             # name -> _Entry(NodeType)
        self._value_types = {}       # name -> _Entry(ValueType)
        self._kernels = {}           # name -> _Entry(kernel)
        self.conflicts = {}          # ("node type" | "value type" | "kernel", name) -> [PluginInfo]
        self.problems = []           # (PluginInfo, message) for declarations dropped after loading

    # -- filling (used by the manager) -----------------------------------------------------

    def add_plugin(self, info, registrations):
        """Add one plugin's staged registrations: list of (what, name, item)."""
        self.plugins.append(info)
        for what, name, item in registrations:
            # Ports everywhere name value types: a plugin may not redefine one (it would break
            # every node using it). The later plugin fails to load instead.
            previous = self._value_types.get(name) if what == "value type" else None
            if previous is not None and not _same_class(previous.item, item):
                info.error = (f"value type {name!r} is already registered by "
                              f"{previous.plugin.distribution} ({previous.plugin.name})")
                return
        tables = {"node type": self._nodes, "value type": self._value_types, "kernel": self._kernels}
        for what, name, item in registrations:
            info.provides.setdefault(what + "s", []).append(name)
            key = (what, name)
            if key in self.conflicts:
                self.conflicts[key].append(info)
                continue
            table = tables[what]
            if name in table:
                previous = table[name]
                if what == "value type":
                    continue  # the very same class, registered again
                self.conflicts[key] = [previous.plugin, info]
                del table[name]
                continue
            table[name] = _Entry(item, info)

    def finish(self):
        """Drop node types whose ports name unregistered value types (a plugin bug, reported)."""
        for name, entry in list(self._nodes.items()):
            unknown = sorted({t for port in entry.item.inputs + entry.item.outputs
                              for t in port.types if t != "Any" and t not in self._value_types})
            if unknown:
                self.problems.append((entry.plugin, f"node type {name!r} uses unregistered value "
                                      f"type(s) {', '.join(unknown)}; it is not available"))
                del self._nodes[name]

    # -- queries ----------------------------------------------------------------------------

    @property
    def node_types(self):
        """``{name: NodeType}`` of every usable node type, sorted by name."""
        return {name: self._nodes[name].item for name in sorted(self._nodes)}

    def node(self, name):
        """The :class:`NodeType` called ``name``; raises :class:`UnknownNodeType`."""
        try:
            return self._nodes[name].item
        except KeyError:
            raise UnknownNodeType(name) from None

    def node_plugin(self, name):
        """The :class:`PluginInfo` that provides node type ``name``."""
        return self._nodes[name].plugin

    @property
    def value_types(self):
        """``{name: ValueType}``, sorted by name."""
        return {name: self._value_types[name].item for name in sorted(self._value_types)}

    def value_type(self, name):
        return self._value_types[name].item

    @property
    def kernels(self):
        """``{name: kernel}`` registered through ``register_kernels``, sorted by name."""
        return {name: self._kernels[name].item for name in sorted(self._kernels)}

    def kernel(self, name):
        """The kernel registered as ``name``; raises KeyError with the known names."""
        try:
            return self._kernels[name].item
        except KeyError:
            from audiogp._validate import suggest

            known = ", ".join(sorted(self._kernels)) or "none"
            raise KeyError(f"no kernel {name!r} is registered (known: {known}).{suggest(name, self._kernels)}") from None

    @property
    def broken(self):
        """Plugins that failed to load."""
        return [p for p in self.plugins if p.error]

    def conflict(self, what, name):
        """The plugins that registered the conflicting ``what`` ``name``, or None."""
        return self.conflicts.get((what, name))

    def provider_hint(self, name):
        """A sentence on where node type ``name`` could come from, or ``""``."""
        distribution = KNOWN_PROVIDERS.get(name)
        for info in self.disabled:
            if distribution and _normal(info.distribution) == _normal(distribution):
                return (f"It is provided by {info.distribution}, which is installed but not "
                        "loaded (AUDIOGP_PLUGINS or --builtins-only).")
        for info in self.broken:
            if distribution and _normal(info.distribution) == _normal(distribution):
                return f"It is provided by {info.distribution}, which failed to load: {info.error}"
        if distribution:
            return f"It is provided by the plugin distribution {distribution}: pip install {distribution}"
        if self.broken:
            names = ", ".join(p.distribution for p in self.broken)
            return f"(Plugins that failed to load, which might provide it: {names}.)"
        return ""

    def accepts(self, input_types, output_types):
        """Whether an output carrying ``output_types`` may feed an input accepting ``input_types``.

        Both are tuples of value-type names. Equal names fit, ``"Any"`` fits
        everything, and a registered class fits an input whose registered
        class is one of its base classes.
        """
        if "Any" in input_types or "Any" in output_types:
            return True
        for produced in output_types:
            if produced in input_types:
                continue
            if not any(self._subclass(produced, accepted) for accepted in input_types):
                return False
        return True

    def _subclass(self, child, parent):
        try:
            child_cls = self._value_types[child].item.cls
            parent_cls = self._value_types[parent].item.cls
        except KeyError:
            return False
        return isinstance(child_cls, type) and isinstance(parent_cls, type) and issubclass(child_cls, parent_cls)

    def is_instance(self, value, type_names):
        """Whether ``value`` is an instance of one of the named value types."""
        if "Any" in type_names:
            return True
        for name in type_names:
            entry = self._value_types.get(name)
            if entry is not None and isinstance(value, entry.item.resolve()):
                return True
        return False


def _same_class(value_type_a, value_type_b):
    return value_type_a.cls == value_type_b.cls


def _normal(distribution):
    return distribution.lower().replace("_", "-").replace(".", "-")


def stage_node(hook_kind, node_type, staged):
    """Check a node type passed to a ``register`` callback and stage it with its kind."""
    if not isinstance(node_type, NodeType):
        raise DeclarationError(f"register() expects a NodeType, got {node_type!r}")
    if node_type.kind is not None and node_type.kind != hook_kind:
        raise DeclarationError(f"node type {node_type.name!r} declares kind {node_type.kind!r} but "
                               f"is registered through the {hook_kind!r} hook")
    if any(what == "node type" and name == node_type.name for what, name, _ in staged):
        raise DeclarationError(f"node type {node_type.name!r} is registered twice by the same plugin")
    staged.append(("node type", node_type.name, replace(node_type, kind=hook_kind)))


def stage_value_type(value_type, staged):
    if isinstance(value_type, type):
        value_type = ValueType.of(value_type)
    if not isinstance(value_type, ValueType):
        raise DeclarationError(f"register() expects a class or ValueType, got {value_type!r}")
    staged.append(("value type", value_type.name, value_type))


def stage_kernel(name, kernel, staged):
    if not isinstance(name, str) or not name:
        raise DeclarationError(f"register(name, kernel): name must be a non-empty string, got {name!r}")
    staged.append(("kernel", name, kernel))
