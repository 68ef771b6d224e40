"""A value type registered lazily, by ``"module:QualName"``."""

from dataclasses import dataclass

from audiogp.types import Value


@dataclass(frozen=True, eq=False)
class Note(Value):
    """A musical note: a frequency in Hz."""

    hz: float
