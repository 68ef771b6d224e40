"""Registers the value types of :mod:`audiogp.types`."""

from audiogp.plugins import hookimpl
from audiogp.types import BUILTIN_VALUE_TYPES


@hookimpl
def register_value_types(register):
    for value_type in BUILTIN_VALUE_TYPES:
        register(value_type)
