"""Plugin discovery and loading.

Built-in modules (:data:`audiogp.builtin.MODULES`) load first, then every entry
point of the group ``audiogp``. Each plugin is registered with a pluggy
``PluginManager`` (which checks its hook implementations against
:mod:`audiogp.plugins.hookspecs`; ``check_pending`` catches misspelt hook
names), then each of its hooks is called with a ``register`` callback.
A plugin whose import, hook validation or hooks fail is recorded with the
error and skipped as a whole; the others still load.

``AUDIOGP_PLUGINS`` is an allow-list of third-party plugins (distribution or
entry-point names, comma-separated); ``AUDIOGP_PLUGINS=builtin`` or
``builtins_only=True`` loads none.
"""

import importlib
import os
import threading
from importlib import metadata

import pluggy

from audiogp.plugins import ENTRY_POINT_GROUP, hookspecs
from audiogp.plugins.registry import (
    PluginInfo,
    Registry,
    stage_kernel,
    stage_node,
    stage_value_type,
)

__all__ = ["get_registry", "load_registry", "allow_list_from_env", "NODE_HOOKS", "ENV_ALLOW_LIST"]

ENV_ALLOW_LIST = "AUDIOGP_PLUGINS"
BUILTINS_ONLY = "builtin"

#: Hooks that register node types, and the kind each gives them (None: the declaration's own).
NODE_HOOKS = {
    "register_node_types": None,
    "register_sources": "source",
    "register_sinks": "sink",
    "register_analysis": "analysis",
    "register_transforms": "transform",
    "register_inversions": "inversion",
    "register_synthesis": "synthesis",
    "register_kernel_fitting": "fitting",
    "register_metrics": "metric",
}

_cache = {}
_cache_lock = threading.Lock()


def _audiogp_version():
    from audiogp._version import __version__

    return __version__


def allow_list_from_env():
    """The allow-list from ``AUDIOGP_PLUGINS``: None (all), or a set of names (empty: none)."""
    value = os.environ.get(ENV_ALLOW_LIST, "").strip()
    if not value:
        return None
    names = {_normal(n) for n in value.split(",") if n.strip()}
    return set() if names == {BUILTINS_ONLY} else names - {BUILTINS_ONLY}


def get_registry(*, builtins_only=False, allow=None, refresh=False, plugin_modules=(),
                 plugin_dirs=()):
    """The registry of loaded plugins (built once per set of options, then cached).

    Parameters
    ----------
    builtins_only : bool
        Load no installed third-party plugin.
    allow : iterable of str, optional
        Only these third-party plugins (distribution or entry-point names);
        default: ``AUDIOGP_PLUGINS`` if set, else all installed.
    refresh : bool
        Rebuild instead of returning the cached registry.
    plugin_modules, plugin_dirs : sequence of str
        Development plugins, as ``--plugin`` and ``--plugins-dir`` take them
        (see :func:`audiogp.plugins.development.load_development_plugins`);
        they load even with ``builtins_only``.
    """
    if builtins_only:
        allowed = frozenset()
    elif allow is not None:
        allowed = frozenset(_normal(a) for a in allow)
    else:
        from_env = allow_list_from_env()
        allowed = None if from_env is None else frozenset(from_env)
    key = (allowed, tuple(map(str, plugin_modules)), tuple(map(str, plugin_dirs)))
    with _cache_lock:
        if refresh or key not in _cache:
            development = ()
            if plugin_modules or plugin_dirs:
                from audiogp.plugins.development import load_development_plugins

                development = load_development_plugins(plugin_modules, plugin_dirs)
            _cache[key] = load_registry(allowed, development=development)
        return _cache[key]


def load_registry(allowed=None, *, builtin_modules=None, entry_points=None, plugins=(),
                  development=()):
    """Build a fresh :class:`Registry`.

    Parameters
    ----------
    allowed : set of str or None
        Normalised names of the third-party plugins to load (None: all).
    builtin_modules : sequence of str, optional
        Module names of the built-in plugin (default: ``audiogp.builtin.MODULES``).
    entry_points : sequence of importlib.metadata.EntryPoint, optional
        Third-party plugins (default: the installed entry points of group ``audiogp``).
    plugins : sequence of modules or objects
        Extra plugins registered in-process after the others (tests, notebooks);
        a failure in one is recorded like a third-party plugin's.
    development : sequence of DevelopmentPlugin
        Plugins loaded with ``--plugin`` / ``--plugins-dir``
        (:mod:`audiogp.plugins.development`). An installed plugin whose module
        is one of them is not loaded: the development copy replaces it.
    """
    from audiogp import builtin

    manager = pluggy.PluginManager("audiogp")
    manager.add_hookspecs(hookspecs)
    registry = Registry()
    version = _audiogp_version()
    for module in builtin.MODULES if builtin_modules is None else builtin_modules:
        name = module if "." in module else f"audiogp.builtin.{module}"
        info = PluginInfo(name=name, distribution="audiogp", version=version, builtin=True)
        # A broken built-in is a bug in audiogp: let it raise, with its traceback.
        plugin = importlib.import_module(name)
        _load(manager, registry, plugin, info, strict=True)
    if entry_points is None:
        entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
    # An installed plugin from the package being developed would import the development copy.
    replaced = {plugin.name.split(".")[0]: plugin for plugin in development}
    for entry_point in sorted(entry_points, key=lambda e: e.name):
        distribution, dist_version = _distribution(entry_point)
        info = PluginInfo(name=entry_point.name, distribution=distribution, version=dist_version)
        copy = replaced.get(entry_point.value.split(":")[0].strip().split(".")[0])
        if copy is not None:
            info.origin = f"replaced by the development copy ({copy.origin})"
            registry.replaced.append(info)
            continue
        if allowed is not None and not ({_normal(distribution), _normal(entry_point.name)} & allowed):
            registry.disabled.append(info)
            continue
        try:
            plugin = entry_point.load()
        except Exception as error:  # any failure of third-party code must not stop the others
            info.error = f"import failed: {type(error).__name__}: {error}"
            registry.plugins.append(info)
            continue
        _load(manager, registry, plugin, info, strict=False)
    for plugin in development:
        info = PluginInfo(name=plugin.name, distribution="<development>", origin=plugin.origin)
        _load(manager, registry, plugin.module, info, strict=False)
    for plugin in plugins:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        where = getattr(plugin, "__file__", None)
        info = PluginInfo(name=name, distribution="<in-process>", version="",
                          origin="in-process" + (f": {where}" if where else ""))
        _load(manager, registry, plugin, info, strict=False)
    registry.finish()
    return registry


def _load(manager, registry, plugin, info, *, strict):
    try:
        manager.register(plugin, name=info.name)
        manager.check_pending()
    except Exception as error:
        if manager.is_registered(plugin):
            manager.unregister(plugin)
        if strict:
            raise
        info.error = f"invalid hooks: {error}"
        registry.plugins.append(info)
        return
    staged = []
    try:
        for caller in manager.get_hookcallers(plugin) or ():
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin:
                    impl.function(register=_register_callback(caller.name, staged))
    except Exception as error:
        manager.unregister(plugin)
        if strict:
            raise
        info.error = f"{type(error).__name__}: {error}"
        registry.plugins.append(info)
        return
    registry.add_plugin(info, staged)


def _register_callback(hook_name, staged):
    if hook_name in NODE_HOOKS:
        kind = NODE_HOOKS[hook_name]
        return lambda node_type: stage_node(kind, node_type, staged)
    if hook_name == "register_value_types":
        return lambda value_type: stage_value_type(value_type, staged)
    if hook_name == "register_kernels":
        return lambda name, kernel: stage_kernel(name, kernel, staged)
    raise AssertionError(f"hook {hook_name} has no register callback")  # a hookspec without one


def _distribution(entry_point):
    dist = getattr(entry_point, "dist", None)
    if dist is None:
        return entry_point.value.split(":")[0].split(".")[0], ""
    return dist.metadata["Name"] or dist.name, dist.version or ""


def _normal(name):
    return name.strip().lower().replace("_", "-").replace(".", "-")
