"""Plugins: how node types, value types and kernels get into audiogp.

Everything a plugin author needs is importable from here::

    from audiogp.plugins import hookimpl, NodeType, Param, Port, InputFile, OutputFile

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
    REQUIRED,
    DeclarationError,
    InputFile,
    Mismatch,
    NodeType,
    OutputFile,
    Param,
    Port,
    ValueType,
    check_against,
)

#: Decorator marking a plugin's hook implementations.
hookimpl = pluggy.HookimplMarker("audiogp")

#: The entry-point group third-party plugins are discovered through.
ENTRY_POINT_GROUP = "audiogp"

__all__ = ["hookimpl", "ENTRY_POINT_GROUP", "KINDS", "REQUIRED", "Cancelled", "Context",
           "DeclarationError", "InputFile", "Mismatch", "NodeType", "OutputFile", "Param", "Port",
           "ValueType", "check_against", "get_registry"]


def get_registry(**options):
    """The registry of everything the installed plugins provide (see :mod:`audiogp.plugins.manager`)."""
    from audiogp.plugins.manager import get_registry as _get_registry

    return _get_registry(**options)
