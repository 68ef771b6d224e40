"""Linear algebra for stationary processes: symmetric Toeplitz systems.

Solvers, the Levinson-Durbin recursion and log-determinants for symmetric
positive-definite Toeplitz matrices given by their first column (an
autocovariance sequence), batched over leading axes. Names are imported
lazily from their modules on first use.
"""

from audiogp._lazy import attach as _attach

__getattr__, __dir__, __all__ = _attach(
    __name__,
    {
        "toeplitz": ["solve_toeplitz", "levinson_durbin", "toeplitz_logdet", "LevinsonResult"],
    },
)
