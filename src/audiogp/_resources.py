"""Bounded resources: the run's memory budget and the per-node estimates checked against it.

Every node type may declare ``memory(params, inputs) -> bytes`` (see
:class:`audiogp.plugins.NodeType`): its peak working memory estimated from
its parameters and the facts known on its input edges (samples, sample rate,
STFT geometry, blocks). :func:`check_estimate` compares it with the budget
when the spec is validated, before anything is allocated, so that a spec that
cannot fit is refused at the key that drives the estimate instead of being
killed by the kernel mid-run.

The budget is, in order: ``--max-memory`` (``run`` and ``validate``), the
environment variable ``AUDIOGP_MAX_MEMORY``, else 75 % of the memory the
operating system reports as available (``MemAvailable`` of ``/proc/meminfo``,
or ``os.sysconf`` pages). Sizes are written ``8G``, ``512M``, ``1.5GiB`` or a
number of bytes; ``none`` turns the check off.

Standard library only: imported by validation, which ``audiogp --help`` must
keep light.
"""

import os
import re
from dataclasses import dataclass

__all__ = ["Budget", "DEFAULT_FRACTION", "ENV", "parse_size", "format_bytes", "available_memory",
           "resolve_budget", "check_estimate", "signal_bytes", "spectrogram_bytes", "frames_of"]

#: Fraction of the available memory a run may use by default.
DEFAULT_FRACTION = 0.75
#: Environment variable overriding the budget.
ENV = "AUDIOGP_MAX_MEMORY"

_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmgt]?)(i?b)?\s*$", re.IGNORECASE)
_OFF = ("none", "off", "unlimited")


@dataclass(frozen=True)
class Budget:
    """How many bytes one node may need (None: no limit), and where that figure comes from."""

    bytes: object
    source: str

    def describe(self):
        if self.bytes is None:
            return f"no memory budget ({self.source})"
        return f"the memory budget of {format_bytes(self.bytes)} ({self.source})"


def parse_size(text, what="--max-memory"):
    """Bytes of a size written ``8G``, ``512M``, ``1.5GiB``, ``100000`` (binary units); None for ``none``.

    Raises ``ValueError`` naming ``what`` and the accepted forms.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise ValueError(f"{what}: expected a size such as 8G, 512M or 2000000000, got {text!r}")
    if text.strip().lower() in _OFF:
        return None
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{what}={text!r} is not a size: write it as 8G, 512M, 1.5GiB or a number "
                         "of bytes (K, M, G, T are powers of 1024), or 'none' for no limit")
    value = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if value < 1:
        raise ValueError(f"{what}={text!r} must be at least one byte (or 'none' for no limit)")
    return int(value)


def format_bytes(n):
    """``n`` bytes as text with a binary unit (``"1.5 GiB"``)."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def available_memory():
    """``(bytes, label)``: the memory the OS reports as available (``MemAvailable``), else physical."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, "available"
    except (OSError, ValueError, IndexError):
        pass
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        for name, label in (("SC_AVPHYS_PAGES", "free"), ("SC_PHYS_PAGES", "physical")):
            pages = os.sysconf(name)
            if pages > 0:
                return pages * page, label
    except (AttributeError, ValueError, OSError):
        pass
    return None, "unknown"


def resolve_budget(option=None):
    """The :class:`Budget` of a run: ``option`` (``--max-memory``), else ``$AUDIOGP_MAX_MEMORY``, else 75 %
    of the available memory. Raises ``ValueError`` for a size that cannot be read."""
    if isinstance(option, Budget):
        return option
    if option is not None:
        return Budget(parse_size(option), f"--max-memory {option}")
    configured = os.environ.get(ENV)
    if configured:
        return Budget(parse_size(configured, ENV), f"{ENV}={configured}")
    total, label = available_memory()
    if total is None:
        return Budget(None, "the machine's memory is unknown")
    return Budget(int(total * DEFAULT_FRACTION),
                  f"{DEFAULT_FRACTION:.0%} of the {format_bytes(total)} {label}")


def check_estimate(node_type, params, inputs, budget):
    """Problem text when ``node_type``'s memory estimate exceeds ``budget``, else None.

    Returns ``(key or None, message)``. ``Mismatch`` raised by the estimator
    propagates (it is a declared check like any other).
    """
    if node_type.memory is None or budget.bytes is None:
        return None
    estimate = node_type.memory(params, inputs)
    key = None
    if isinstance(estimate, tuple):
        estimate, key = estimate
    if estimate is None or estimate <= budget.bytes:
        return None
    if key in params and params.get(key) is not None:
        what = f"lower {key} (now {params[key]!r}) or use a shorter input"
    elif key is not None:
        what = f"use a shorter or smaller {key}"
    else:
        what = "use a shorter input or smaller parameters"
    return key, (f"needs about {format_bytes(estimate)} of memory, more than {budget.describe()}; "
                 f"{what}, or raise the budget with --max-memory SIZE (or {ENV}=SIZE) if the "
                 "machine has the memory")


# -- helpers for estimators -------------------------------------------------------------------------

def signal_bytes(facts, itemsize=4):
    """Bytes of a signal of the known ``length`` and ``channels`` (None when the length is unknown)."""
    length = facts.get("length")
    if length is None:
        return None
    return int(length) * int(facts.get("channels") or 1) * itemsize


def frames_of(n_fft, hop_length, center, length):
    """STFT frames of ``length`` samples (librosa conventions; None when a value is unknown)."""
    if None in (n_fft, hop_length, length):
        return None
    if center or center is None:
        return 1 + int(length) // int(hop_length)
    return 1 + (int(length) - int(n_fft)) // int(hop_length) if length >= n_fft else 0


def spectrogram_bytes(facts, itemsize=8):
    """Bytes of a spectrogram of the geometry in ``facts`` (complex64: 8), None when unknown.

    Frames need the analysed length; without it, one frame (the window buffers).
    """
    n_fft = facts.get("n_fft")
    if n_fft is None:
        return None
    frames = frames_of(n_fft, facts.get("hop_length"), facts.get("center"), facts.get("length"))
    return (int(n_fft) // 2 + 1) * max(frames or 1, 1) * itemsize
