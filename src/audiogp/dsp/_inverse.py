"""Checks shared by the spectrogram inversions (Griffin-Lim, PGHI, random phase, mel).

A magnitude spectrogram must be real, finite and non-negative; its geometry
(number of bins and frames) must fit ``n_fft``, ``hop_length`` and
``length``. These helpers say so with messages that name the parameter and
what to do, so the inversions fail early instead of returning NaN.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.dsp.spectrum import _frame_geometry
from audiogp.errors import ParameterError, ParameterTypeError


def magnitude(S, name="S", *, min_ndim=2):
    """``S`` as a real, finite, non-negative float32/float64 array.

    Complex input (an STFT rather than its magnitude) is refused with a hint
    to pass ``np.abs(S)``; a negative value is reported with its index.
    """
    S = np.asarray(S)
    if np.iscomplexobj(S):
        raise ParameterTypeError(
            f"{name} must be a magnitude spectrogram (real, non-negative), got a complex array "
            f"({S.dtype}); pass np.abs({name}) to keep the magnitude, or use dsp.istft to invert "
            "a complex STFT directly"
        )
    if S.dtype.kind in "iub":
        raise ParameterTypeError(
            f"{name} must be a floating-point magnitude spectrogram, got dtype {S.dtype}; "
            f"convert it first, e.g. {name}.astype(np.float32)"
        )
    S = check.float_array(S, name, min_ndim=min_ndim)
    negative = S < 0
    if negative.any():
        where = tuple(int(i) for i in np.unravel_index(int(np.argmax(negative)), S.shape))
        raise ParameterError(
            f"{name} must be non-negative (a magnitude), but {name}{list(where)} = {S[where]}; "
            f"pass np.abs({name}) or np.maximum({name}, 0)"
        )
    return S


def phase_angles(phase, shape, name="init"):
    """A real phase array (radians) of the given shape, as float64."""
    phase = np.asarray(phase)
    if np.iscomplexobj(phase):
        raise ParameterTypeError(
            f"{name} must be phase angles in radians (a real array), got a complex array; "
            f"pass np.angle(...) of the complex STFT"
        )
    if phase.dtype.kind in "iub":
        phase = phase.astype(np.float64)
    phase = check.float_array(phase, name, min_ndim=0)
    if phase.shape != tuple(shape):
        raise ParameterError(f"{name} has shape {phase.shape}, but the spectrogram has shape {tuple(shape)}")
    return phase.astype(np.float64, copy=False)


def geometry(n_bins, n_fft, hop_length, win_length, name="S"):
    """Resolve ``n_fft`` (default ``2 * (n_bins - 1)``), ``hop_length`` and ``win_length``.

    Raises
    ------
    ParameterError
        If ``n_fft`` does not give ``n_bins`` frequency bins.
    """
    if n_fft is None:
        if n_bins < 2:
            raise ParameterError(
                f"{name} has {n_bins} frequency bin(s), too few to infer n_fft; pass n_fft explicitly"
            )
        n_fft = 2 * (n_bins - 1)
    n_fft, hop_length, win_length = _frame_geometry(n_fft, hop_length, win_length)
    if n_bins != n_fft // 2 + 1:
        raise ParameterError(
            f"{name} has {n_bins} frequency bins but n_fft={n_fft} gives {n_fft // 2 + 1}; "
            f"pass the n_fft the spectrogram was computed with (e.g. n_fft={2 * (n_bins - 1)})"
        )
    return n_fft, hop_length, win_length


def signal_length(n_frames, n_fft, hop_length, center, length, name="S"):
    """Length of the signal behind ``n_frames`` frames, checking ``length`` against it.

    With ``length=None`` this is the length :func:`audiogp.dsp.istft` returns.
    A given ``length`` must give back the same number of frames under
    :func:`audiogp.dsp.stft`, or the spectrogram and the length do not belong
    together.
    """
    start = n_fft // 2 if center else 0
    if length is None:
        return n_fft + hop_length * (n_frames - 1) - 2 * start
    length = check.integer(length, "length", minimum=1)
    if center:
        frames = 1 + length // hop_length
    else:
        if length < n_fft:
            raise ParameterError(
                f"length={length} is shorter than n_fft={n_fft}, so with center=False it has no frame"
            )
        frames = 1 + (length - n_fft) // hop_length
    if frames != n_frames:
        raise ParameterError(
            f"length={length} gives {frames} frames at hop_length={hop_length} "
            f"(n_fft={n_fft}, center={center}), but {name} has {n_frames}; pass the length of the "
            "signal the spectrogram was computed from, or length=None"
        )
    return length


def rng_from(random_state):
    """A :class:`numpy.random.Generator` from None, an int or a Generator."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, (bool, np.bool_)):
        raise ParameterTypeError(f"random_state must be None, an int or a numpy Generator, got {random_state!r}")
    try:
        seed = check.integer(random_state, "random_state", minimum=0)
    except ParameterTypeError:
        raise ParameterTypeError(
            f"random_state must be None, an int or a numpy Generator, got {random_state!r}"
        ) from None
    return np.random.default_rng(seed)
