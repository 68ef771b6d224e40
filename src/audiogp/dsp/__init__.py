"""Signal processing: numpy in, numpy out, with librosa's names and conventions.

Names are imported lazily from their modules on first use.
"""

from audiogp._lazy import attach as _attach

__getattr__, __dir__, __all__ = _attach(
    __name__,
    {
        "spectrum": ["stft", "istft", "get_window", "check_nola", "StftPlan"],
    },
)
