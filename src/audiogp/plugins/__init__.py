"""Plugins: how node types, value types and kernels get into audiogp.

Everything a plugin author needs is importable from here::

    from audiogp.plugins import hookimpl, NodeType, Param, Port, InputFile, OutputFile, Mismatch

:data:`API_VERSION` is the version of this plugin API (``(major, minor)``):
a minor version only adds, and nothing is removed before a new major
version, after a :class:`PluginDeprecationWarning` (docs/plugins.md,
"Stability").

- :mod:`audiogp.plugins.hookspecs` -- the hooks (``register_*(register)``), the reference;
- :mod:`audiogp.plugins.declarations` -- :class:`NodeType`, :class:`Port`, :class:`Param`,
  :class:`ValueType`;
- :mod:`audiogp.plugins.context` -- the :class:`Context` a node function receives;
- :mod:`audiogp.plugins.manager` -- discovery (entry-point group ``audiogp``) and
  :func:`get_registry`.

See ``docs/plugins.md``.
"""

import pluggy

from audiogp.plugins.context import Cancelled, Context
from audiogp.plugins.declarations import (
    KINDS,
    MAIN_INPUT,
    REQUIRED,
    DeclarationError,
    Facts,
    InputFile,
    Mismatch,
    NodeType,
    OutputFile,
    Param,
    Port,
    ValueType,
    check_against,
)

#: Version of the plugin API, ``(major, minor)``: 1.0 had the per-kind hooks; 1.1 added
#: ``register_node_types``, value types found from ports, ``facts_from``, ``checks``,
#: development loading and :mod:`audiogp.testing`. (Absent before 1.1: read it with
#: ``getattr(audiogp.plugins, "API_VERSION", (1, 0))``.)
API_VERSION = (1, 1)

#: Decorator marking a plugin's hook implementations.
hookimpl = pluggy.HookimplMarker("audiogp")

#: The entry-point group third-party plugins are discovered through.
ENTRY_POINT_GROUP = "audiogp"


class PluginDeprecationWarning(DeprecationWarning):
    """Warns that a part of the plugin API a plugin uses will be removed in the next API major.

    Turn it into an error in a plugin's own tests to see what to change early:
    ``filterwarnings = ["error::audiogp.plugins.PluginDeprecationWarning"]``.
    """


__all__ = ["API_VERSION", "hookimpl", "ENTRY_POINT_GROUP", "KINDS", "MAIN_INPUT", "REQUIRED",
           "Cancelled", "Context", "DeclarationError", "Facts", "InputFile", "Mismatch", "NodeType",
           "OutputFile", "Param", "PluginDeprecationWarning", "Port", "ValueType", "check_against",
           "get_registry"]


def get_registry(**options):
    """The registry of everything the installed plugins provide (see :mod:`audiogp.plugins.manager`)."""
    from audiogp.plugins.manager import get_registry as _get_registry

    return _get_registry(**options)
