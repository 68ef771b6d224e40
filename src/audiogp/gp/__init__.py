"""Gaussian-process models of audio: kernels, spectral densities, fitting, sampling.

Names are imported lazily from their modules on first use (one line per
module in the map below); SymPy is only imported when a kernel's expression
or spectral density is needed.
"""

from audiogp._lazy import attach as _attach

__getattr__, __dir__, __all__ = _attach(
    __name__,
    {
        "sampling": ["sample_blocks", "sample_continuation", "sample_pinned", "JitterWarning"],
        "kernels": ["Kernel", "Parameter", "KernelError", "get_kernel", "kernel_from_string", "register_kernel", "available_kernels", "add_kernels"],  # noqa: E501
        "spectral": ["SpectralDensity", "spectral_density", "cache_dir", "clear_cache"],
        "fitting": ["fit", "loss_value", "BoundWarning"],  # not fit.py: the module would shadow the function
        "kernelfit": ["KernelFit"],
        "synth": ["synthesize"],
        "statespace": ["sample_lorentzian"],
        "inpainting": ["inpaint", "ar_interpolate"],  # not inpaint.py: it would shadow the function
        "gaps": ["gap_ranges", "gap_mask", "periodic_gaps", "gap_snr"],
    },
)
