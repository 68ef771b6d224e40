"""audiogp: audio analysis and resynthesis with a compiled core.

Subpackages are imported on first use, so ``import audiogp`` is cheap:

- :mod:`audiogp.dsp` -- STFT, spectrogram analysis, phase retrieval, metrics;
- :mod:`audiogp.linalg` -- Toeplitz solvers and the Levinson-Durbin family;
- :mod:`audiogp.gp` -- Gaussian-process models of audio;
- :mod:`audiogp.vq` -- vector quantisation (k-means, multi-stage codebooks).
"""

from audiogp._lazy import attach as _attach
from audiogp._version import __version__

__getattr__, __dir__, _subpackages = _attach(
    __name__,
    {"dsp": [], "linalg": [], "gp": [], "data": [], "errors": [], "types": [], "plugins": [],
     "graph": [], "vq": [], "codec": []},
)
__all__ = ["__version__", *_subpackages]
