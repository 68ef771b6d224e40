"""Real FFTs along the last axis, written into caller-provided arrays.

The STFT works block by block so that frames stay in cache; writing each
block's transform straight into its slice of the result saves a full extra
pass over the spectrogram. :mod:`scipy.fft` has no ``out=`` argument, but its
pocketfft binding does: it is used when present and verified to behave, with
the public :func:`scipy.fft.rfft` / :func:`scipy.fft.irfft` plus a copy as
the fallback. Both release the GIL during the transform.
"""

import numpy as np
import scipy.fft


def _load_pocketfft():
    """scipy's pocketfft binding if its ``out=`` calling convention checks out, else None."""
    try:
        from scipy.fft._pocketfft import pypocketfft
    except ImportError:
        return None
    try:
        x = np.arange(1.0, 9.0)
        spectrum = np.empty(5, dtype=np.complex128)
        back = np.empty(8)
        pypocketfft.r2c(x, (0,), True, 0, spectrum, 1)
        pypocketfft.c2r(spectrum, (0,), 8, False, 2, back, 1)
    except Exception:  # signature changed in some SciPy release: use the public API
        return None
    if np.allclose(spectrum, np.fft.rfft(x)) and np.allclose(back, x):
        return pypocketfft
    return None


_pocketfft = _load_pocketfft()


def rfft_into(frames, out, *, use_binding=True):
    """``out[...] = scipy.fft.rfft(frames, axis=-1)``, single-threaded.

    ``frames`` is real (..., n); ``out`` complex of the same precision,
    (..., n // 2 + 1), not overlapping ``frames``.
    """
    if use_binding and _pocketfft is not None:
        _pocketfft.r2c(frames, (frames.ndim - 1,), True, 0, out, 1)
    else:
        out[...] = scipy.fft.rfft(frames, axis=-1, workers=1)


def irfft_into(spectrum, out, *, use_binding=True):
    """``out[...] = scipy.fft.irfft(spectrum, n=out.shape[-1], axis=-1)``, single-threaded.

    ``spectrum`` is complex (..., n // 2 + 1); ``out`` real of the same
    precision, (..., n).
    """
    if use_binding and _pocketfft is not None:
        _pocketfft.c2r(spectrum, (spectrum.ndim - 1,), out.shape[-1], False, 2, out, 1)
    else:
        out[...] = scipy.fft.irfft(spectrum, n=out.shape[-1], axis=-1, workers=1)
