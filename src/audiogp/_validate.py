"""Argument checks shared by the library functions.

Every public function validates its inputs with these before calling a
compiled kernel, so bad input fails with a message that names the parameter
(and, for arrays, the first offending sample) instead of crashing in C or
returning NaN.
"""

import difflib
import numbers
import operator

import numpy as np

from audiogp.errors import ParameterError, ParameterTypeError


def suggest(value, choices):
    """Return ``" Did you mean 'x'?"`` for a near miss among ``choices``, else ``""``."""
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def choice(value, name, choices):
    """Check that ``value`` is one of ``choices``; return it."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"{name}={value!r} is not one of {listed}.{suggest(value, choices)}")
    return value


def integer(value, name, *, minimum=None, maximum=None, allow_none=False):
    """Check that ``value`` is an integer within ``[minimum, maximum]``; return it as int."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        try:
            value = operator.index(value)
        except TypeError:
            raise ParameterTypeError(
                f"{name} must be an integer, got {value!r} ({type(value).__name__})"
            ) from None
    value = int(value)
    if minimum is not None and value < minimum:
        raise ParameterError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"{name} must be <= {maximum}, got {value}")
    return value


def real_number(value, name, *, minimum=None, maximum=None, exclusive_minimum=None,
                exclusive_maximum=None, allow_none=False):
    """Check that ``value`` is a finite real number within the given bounds; return a float."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ParameterTypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ParameterError(f"{name} must be finite, got {value}")
    if minimum is not None and value < minimum:
        raise ParameterError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"{name} must be <= {maximum}, got {value}")
    if exclusive_minimum is not None and value <= exclusive_minimum:
        raise ParameterError(f"{name} must be > {exclusive_minimum}, got {value}")
    if exclusive_maximum is not None and value >= exclusive_maximum:
        raise ParameterError(f"{name} must be < {exclusive_maximum}, got {value}")
    return value


def first_nonfinite(x):
    """Index tuple of the first NaN/Inf element of ``x``, or ``None`` if all are finite."""
    bad = ~np.isfinite(x)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), x.shape))


def check_finite(x, name):
    """Raise :class:`ParameterError` naming the first non-finite element of ``x``."""
    where = first_nonfinite(x)
    if where is not None:
        value = x[where]
        position = where[-1] if len(where) == 1 else where
        raise ParameterError(
            f"{name} contains {value} at index {position}; "
            "remove or replace non-finite values (e.g. numpy.nan_to_num) first"
        )
    return x


def float_array(x, name, *, min_ndim=1, dtypes=(np.float32, np.float64), finite=True,
                allow_empty=False):
    """Return ``x`` as a real floating-point array, checking kind, ndim and values.

    Integer and boolean input is refused rather than silently rescaled: audio
    read as int16 PCM must be converted to float by the caller, who knows
    its scale.

    Parameters
    ----------
    x : array_like
        The value to check.
    name : str
        Parameter name used in messages.
    min_ndim : int
        Minimum number of dimensions.
    dtypes : tuple of numpy dtypes
        Accepted floating dtypes; other floating dtypes (e.g. float16) are
        converted to the last (widest) accepted dtype.
    finite : bool
        Refuse NaN and Inf.
    allow_empty : bool
        Accept arrays with zero elements.
    """
    x = np.asarray(x)
    if np.iscomplexobj(x):
        raise ParameterTypeError(
            f"{name} must be real-valued, got a complex array ({x.dtype}); "
            "pass np.abs(...) for magnitudes or .real for a signal"
        )
    if x.dtype.kind != "f":
        raise ParameterTypeError(
            f"{name} must be a floating-point array, got dtype {x.dtype}; "
            "convert it first, e.g. y.astype(np.float32) / 32768 for int16 PCM"
        )
    if x.dtype not in dtypes:
        x = x.astype(dtypes[-1])
    return _check_shape_and_values(x, name, min_ndim, finite, allow_empty)


def complex_array(x, name, *, min_ndim=2, finite=True, allow_empty=False):
    """Return ``x`` as complex64/complex128; real input is refused."""
    x = np.asarray(x)
    if not np.iscomplexobj(x):
        raise ParameterTypeError(
            f"{name} must be a complex STFT matrix, got a real array ({x.dtype}); "
            "for a magnitude spectrogram use an inversion such as griffinlim"
        )
    if x.dtype not in (np.complex64, np.complex128):
        x = x.astype(np.complex128)
    return _check_shape_and_values(x, name, min_ndim, finite, allow_empty)


def _check_shape_and_values(x, name, min_ndim, finite, allow_empty):
    if x.ndim < min_ndim:
        raise ParameterError(f"{name} must have at least {min_ndim} dimension(s), got shape {x.shape}")
    if x.size == 0 and not allow_empty:
        raise ParameterError(f"{name} is empty (shape {x.shape})")
    if finite:
        check_finite(x, name)
    return x
