"""Linear prediction per frame, and all-pole resynthesis: numpy in, numpy out.

The autocorrelation method (Makhoul, "Linear prediction: a tutorial review",
Proc. IEEE 63(4), 1975, sections 3.1 and 6): each frame is windowed, its
autocorrelation taken, and the normal equations solved by the Levinson-Durbin
recursion, which gives a stable all-pole model ``gain / A(z)`` with
``A(z) = 1 - a[0] z^-1 - ... - a[p-1] z^-p``. Resynthesis drives those
filters, one frame after the other with the filter state carried across, by
an excitation of unit variance (white noise, or another signal: cross
synthesis).
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["LpcSettingError", "check_settings", "lpc_frames", "allpole_synthesis", "n_frames"]

# Added to r[0] of every frame (relative): a -100 dB white-noise floor that keeps the normal
# equations positive definite for frames that are silent or hold only a few sinusoids.
_WHITE_NOISE_CORRECTION = 1e-10


class LpcSettingError(ParameterError):
    """A setting of :func:`lpc_frames` that cannot work; ``parameter`` names the one to change."""

    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter


def check_settings(*, order, frame_length, hop_length, n_samples=None):
    """Raise :class:`LpcSettingError` for settings that cannot work, naming the parameter.

    ``order < frame_length`` (a frame must hold more samples than
    coefficients), ``hop_length <= frame_length`` (every sample in a frame),
    and, when ``n_samples`` is given, ``frame_length <= n_samples``.
    """
    if order >= frame_length:
        raise LpcSettingError("order", f"order={order} needs frames longer than order samples; "
                                       f"frame_length={frame_length}")
    if hop_length > frame_length:
        raise LpcSettingError("hop_length", f"hop_length={hop_length} is longer than "
                                            f"frame_length={frame_length}, so some samples "
                                            "would be in no frame")
    if n_samples is not None and frame_length > n_samples:
        raise LpcSettingError("frame_length", f"frame_length={frame_length} is longer than the "
                                              f"signal ({n_samples} samples)")


def n_frames(n_samples, hop_length):
    """Frames of an ``n_samples`` signal: frame ``t`` is centred on sample ``t * hop_length``."""
    return 1 + n_samples // hop_length


def lpc_frames(y, *, order, frame_length=512, hop_length=128, window="hann"):
    """Linear-prediction coefficients and gain of each frame of ``y``.

    Parameters
    ----------
    y : numpy.ndarray, float, shape (..., n)
        Signal(s); leading axes are channels.
    order : int
        Prediction order ``p`` (``1 <= p < frame_length``).
    frame_length, hop_length : int
        Frame length and hop, samples. Frame ``t`` is centred on sample
        ``t * hop_length`` (the signal is padded with ``frame_length // 2``
        zeros at each end), so there are ``1 + n // hop_length`` frames.
    window : str or tuple
        Analysis window (``scipy.signal.get_window``; periodic).

    Returns
    -------
    a : numpy.ndarray, shape (..., n_frames, order)
        Predictor coefficients: ``y[t] ~ a[0] y[t-1] + ... + a[p-1] y[t-p]``.
    gain : numpy.ndarray, shape (..., n_frames)
        Square root of the prediction-error power of each frame, so that
        ``gain / A(z)`` driven by unit-variance white noise has the frame's
        (window-normalised) power. 0 for a silent frame, whose ``a`` is 0.
    """
    from audiogp import dsp
    from audiogp.linalg import levinson_durbin

    y = check.float_array(y, "y")
    order = check.integer(order, "order", minimum=1)
    frame_length = check.integer(frame_length, "frame_length", minimum=2)
    hop_length = check.integer(hop_length, "hop_length", minimum=1)
    check_settings(order=order, frame_length=frame_length, hop_length=hop_length)
    half = frame_length // 2
    padded = np.pad(y.astype(np.float64), [(0, 0)] * (y.ndim - 1) + [(half, half)])
    frames = dsp.frame(padded, frame_length=frame_length, hop_length=hop_length)
    frames = frames[..., : n_frames(y.shape[-1], hop_length)]
    w = dsp.get_window(window, frame_length)
    # Normalised by the window's energy, r[0] is the frame's mean power.
    r = dsp.autocorrelate(frames * w[:, None], max_size=order + 1, axis=-2) / np.sum(w ** 2)
    r = np.moveaxis(r, -2, -1)                                   # (..., n_frames, order + 1)
    silent = r[..., 0] <= np.finfo(np.float64).tiny
    r = np.where(silent[..., None], np.eye(1, order + 1)[0], r)  # a white unit frame: a = 0
    r[..., 0] *= 1.0 + _WHITE_NOISE_CORRECTION
    a, _, error = levinson_durbin(r, order)
    gain = np.sqrt(np.maximum(error[..., -1], 0.0))
    return np.where(silent[..., None], 0.0, a), np.where(silent, 0.0, gain)


def allpole_synthesis(a, gain, excitation, *, hop_length):
    """Drive the all-pole filters ``gain[t] / A_t(z)`` with ``excitation``, frame after frame.

    Parameters
    ----------
    a : numpy.ndarray, shape (..., n_frames, order)
        Predictor coefficients (:func:`lpc_frames`).
    gain : numpy.ndarray, shape (..., n_frames)
    excitation : numpy.ndarray, float, shape (..., n)
        The source, of unit variance for the frames' power to come back
        (white noise; or another signal, scaled to unit RMS, for cross
        synthesis). Broadcast against the leading axes of ``a``.
    hop_length : int
        Samples per frame: sample ``n`` is shaped by the frame centred
        nearest to it, ``round(n / hop_length)`` (the last frame for the
        samples past its centre).

    Returns
    -------
    numpy.ndarray, shape (..., n)
        The output; the filter state carries across frame boundaries, so a
        constant model gives exactly ``scipy.signal.lfilter(gain, A, x)``.
    """
    from scipy.signal import lfilter

    a = check.float_array(a, "a", min_ndim=2)
    gain = check.float_array(gain, "gain")
    excitation = check.float_array(excitation, "excitation")
    hop_length = check.integer(hop_length, "hop_length", minimum=1)
    if gain.shape != a.shape[:-1]:
        raise ParameterError(f"gain has shape {gain.shape}, a has {a.shape}: gain must be "
                             "a.shape[:-1]")
    n = excitation.shape[-1]
    frames = a.shape[-2]
    if frames < n_frames(n, hop_length):
        raise ParameterError(f"the excitation has {n} samples, which need "
                             f"{n_frames(n, hop_length)} frames at hop_length={hop_length}; the "
                             f"coefficients have {frames}")
    batch = np.broadcast_shapes(a.shape[:-2], excitation.shape[:-1])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    gain = np.broadcast_to(gain, batch + gain.shape[-1:])
    source = np.broadcast_to(excitation, batch + (n,)).reshape(-1, n)
    a_rows, gain_rows = a.reshape(-1, *a.shape[-2:]), gain.reshape(-1, gain.shape[-1])
    out = np.empty(source.shape)
    order = a.shape[-1]
    # Segment t holds the samples nearest frame t's centre.
    edges = np.clip(np.ceil((np.arange(frames + 1) - 0.5) * hop_length), 0, n).astype(int)
    edges[0], edges[-1] = 0, n
    for row in range(source.shape[0]):
        # The state is kept as the last `order` outputs, so that a change of filter between
        # segments continues the same output (direct form, not lfilter's transposed state).
        history = np.zeros(order)
        for t in range(frames):
            start, stop = edges[t], edges[t + 1]
            if stop <= start:
                continue
            denominator = np.concatenate([[1.0], -a_rows[row, t]])
            zi = _initial_state(denominator, history)
            segment, _ = lfilter([gain_rows[row, t]], denominator, source[row, start:stop], zi=zi)
            out[row, start:stop] = segment
            joined = np.concatenate([history, segment])
            history = joined[-order:]
    return out.reshape(batch + (n,))


def _initial_state(denominator, history):
    """``lfilter``'s state ``zi`` that continues an all-pole filter whose past outputs are ``history``.

    For ``y[n] = b x[n] - sum_k d[k] y[n-k]`` (no past inputs matter), the
    transposed-form state is ``zi[m] = -sum_{k > m} d[k] y[-(k - m)]``.
    """
    order = denominator.size - 1
    past = history[::-1]               # past[j] = y[-1 - j]
    zi = np.zeros(order)
    for m in range(order):
        zi[m] = -np.dot(denominator[m + 1:], past[: order - m])
    return zi
