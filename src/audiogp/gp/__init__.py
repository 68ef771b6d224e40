"""Gaussian-process models of audio: kernels, spectral densities, fitting, sampling.

Names are imported lazily from their modules on first use (one line per
module in the map below).
"""

from audiogp._lazy import attach as _attach

__getattr__, __dir__, __all__ = _attach(
    __name__,
    {
        "sampling": ["sample_blocks", "sample_continuation", "sample_pinned", "JitterWarning"],
    },
)
