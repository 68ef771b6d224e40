"""The registry: every node type, value type and kernel the loaded plugins provide."""

from dataclasses import dataclass, field, replace
from typing import Optional

from audiogp.plugins.declarations import MAIN_INPUT, DeclarationError, NodeType, ValueType

__all__ = ["PluginInfo", "Registry", "KNOWN_PROVIDERS", "UnknownNodeType", "stage_node",
           "stage_value_type", "stage_kernel"]

#: Node types of plugin distributions published apart from audiogp, so that a spec using one
#: that is not installed gets "pip install <distribution>" in its error.
KNOWN_PROVIDERS = {
    "yin": "audiogp-yin",
}


class UnknownNodeType(KeyError):
    """Raised by :meth:`Registry.node` for a name no loaded plugin provides.

    ``reason`` says why when a plugin registered the name but it cannot be
    used (a port naming a value type nobody registered); otherwise it is "".
    """

    def __init__(self, name, reason=""):
        super().__init__(name)
        self.name = name
        self.reason = reason


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
    origin : str
        For a plugin loaded for development (``--plugin``, ``--plugins-dir``,
        ``plugins=`` in Python), how it was given and the file it came from;
        ``""`` for built-ins and installed plugins.
    """

    name: str
    distribution: str
    version: str = ""
    builtin: bool = False
    provides: dict = field(default_factory=dict)
    error: Optional[str] = None
    origin: str = ""

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
        self.replaced = []           # PluginInfo of installed plugins replaced by a development copy
        self._nodes = {}             # name -> _Entry(NodeType)
        self._value_types = {}       # name -> _Entry(ValueType)
        self._kernels = {}           # name -> _Entry(kernel)
        self._unavailable = {}       # node type name -> (PluginInfo, why it cannot be used)
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
            if what == "value type" and name in self._value_types:
                continue  # the very same class again: registered before, or named by a port
            info.provides.setdefault(what + "s", []).append(name)
            key = (what, name)
            if key in self.conflicts:
                self.conflicts[key].append(info)
                continue
            table = tables[what]
            if name in table:
                previous = table[name]
                self.conflicts[key] = [previous.plugin, info]
                del table[name]
                continue
            table[name] = _Entry(item, info)

    def finish(self):
        """Set aside node types whose ports name unregistered value types (a plugin bug, reported)."""
        for name, entry in list(self._nodes.items()):
            unknown = {}
            for port in entry.item.inputs + entry.item.outputs:
                for type_name in port.types:
                    if type_name != "Any" and type_name not in self._value_types:
                        unknown.setdefault(type_name, port.name)
            if unknown:
                named = ", ".join(f"{t!r} (port {port!r})" for t, port in sorted(unknown.items()))
                reason = (f"node type {name!r} of {entry.plugin.distribution} ({entry.plugin.name}) "
                          f"is unavailable: it names the value type{'s' if len(unknown) > 1 else ''} "
                          f"{named}, which no loaded plugin registers; the plugin must register "
                          "it (register_value_types), or name the class itself on the port")
                self.problems.append((entry.plugin, reason))
                self._unavailable[name] = (entry.plugin, reason)
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
            raise UnknownNodeType(name, self.unavailable_reason(name)) from None

    def node_plugin(self, name):
        """The :class:`PluginInfo` that provides node type ``name``."""
        return self._nodes[name].plugin

    def unavailable_reason(self, name):
        """Why node type ``name``, registered by a plugin, cannot be used; ``""`` if it was not."""
        entry = self._unavailable.get(name)
        return entry[1] if entry else ""

    @property
    def unavailable(self):
        """``{name: reason}`` of node types registered but unusable, sorted by name."""
        return {name: self._unavailable[name][1] for name in sorted(self._unavailable)}

    @property
    def value_types(self):
        """``{name: ValueType}``, sorted by name."""
        return {name: self._value_types[name].item for name in sorted(self._value_types)}

    def value_type(self, name):
        """The :class:`ValueType` called ``name``; raises KeyError."""
        return self._value_types[name].item

    def value_type_plugin(self, name):
        """The :class:`PluginInfo` that registered value type ``name``."""
        return self._value_types[name].plugin

    def fact_names(self, type_names):
        """The facts outputs of the named value types carry (the union), or None if any is "Any".

        A value type registered lazily (``"module:QualName"``) is imported here.
        """
        from audiogp.types import fact_names

        names = []
        for type_name in type_names:
            entry = self._value_types.get(type_name)
            if type_name == "Any" or entry is None:
                return None
            try:
                cls = entry.item.resolve()
            except Exception:  # a broken lazy type is reported when a value is checked
                return None
            names += [n for n in fact_names(cls) if n not in names]
        return tuple(names)

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
    """Whether two value types name one class (a class and its ``"module:QualName"`` alike)."""
    a, b = value_type_a.cls, value_type_b.cls
    if isinstance(a, type) and isinstance(b, type):
        return a is b
    return _class_path(a) == _class_path(b)


def _class_path(cls):
    return cls if isinstance(cls, str) else f"{cls.__module__}:{cls.__qualname__}"


def _normal(distribution):
    return distribution.lower().replace("_", "-").replace(".", "-")


def stage_node(hook_kind, node_type, staged):
    """Check a node type passed to a ``register`` callback and stage it with its kind.

    ``hook_kind`` is the kind a per-kind hook gives (``"analysis"``...), or
    None for ``register_node_types``, where the declaration names its kind.
    The per-kind hooks keep plugin API 1.0's behaviour: no facts pass through
    unless ``facts_from`` names an input. Every class a port names is staged
    as a value type too, so a plugin need not register its own types.
    """
    if not isinstance(node_type, NodeType):
        raise DeclarationError(f"register() expects a NodeType, got {node_type!r}")
    if hook_kind is None:
        if node_type.kind is None:
            from audiogp.plugins.declarations import KINDS

            raise DeclarationError(f"node type {node_type.name!r} is registered through "
                                   "register_node_types, so it must say its kind: NodeType(..., "
                                   f"kind=...), one of {', '.join(KINDS)}")
        staged_type = node_type
    else:
        if node_type.kind is not None and node_type.kind != hook_kind:
            raise DeclarationError(f"node type {node_type.name!r} declares kind {node_type.kind!r} "
                                   f"but is registered through the {hook_kind!r} hook")
        facts_from = None if node_type.facts_from is MAIN_INPUT else node_type.facts_from
        staged_type = replace(node_type, kind=hook_kind, facts_from=facts_from)
    if any(what == "node type" and name == node_type.name for what, name, _ in staged):
        raise DeclarationError(f"node type {node_type.name!r} is registered twice by the same plugin")
    staged.append(("node type", node_type.name, staged_type))
    for port in node_type.inputs + node_type.outputs:
        for value_class in _classes(port.type):
            stage_value_type(value_class, staged)


def _classes(port_type):
    if isinstance(port_type, (tuple, list)):
        return [c for item in port_type for c in _classes(item)]
    return [port_type] if isinstance(port_type, type) else []


def stage_value_type(value_type, staged):
    """Check a value type passed to ``register`` (a class or a :class:`ValueType`) and stage it."""
    if isinstance(value_type, type):
        value_type = ValueType.of(value_type)
    if not isinstance(value_type, ValueType):
        raise DeclarationError(f"register() expects a class or ValueType, got {value_type!r}")
    for what, name, item in staged:
        if what == "value type" and name == value_type.name:
            if not _same_class(item, value_type):
                raise DeclarationError(f"two classes are registered as the value type {name!r}: "
                                       f"{_class_path(item.cls)} and {_class_path(value_type.cls)}")
            return
    staged.append(("value type", value_type.name, value_type))


def stage_kernel(name, kernel, staged):
    if not isinstance(name, str) or not name:
        raise DeclarationError(f"register(name, kernel): name must be a non-empty string, got {name!r}")
    staged.append(("kernel", name, kernel))
