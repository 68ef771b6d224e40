"""The YIN fundamental-frequency estimator, numpy in, numpy out.

A. de Cheveigné and H. Kawahara, "YIN, a fundamental frequency estimator for
speech and music", J. Acoust. Soc. Am. 111(4), 1917-1930, 2002. Steps 1-5 of
the paper: difference function, cumulative-mean normalisation, absolute
threshold, parabolic interpolation (the "best local estimate" step 6 is
left out, as in librosa).

Parameter names, defaults, frame layout and results follow ``librosa.yin``,
so the two agree to rounding.
"""

import numpy as np

from audiogp.errors import ParameterError

__all__ = ["yin", "lag_range", "YinSettingError"]


class YinSettingError(ParameterError):
    """A setting of :func:`yin` that cannot work; ``parameter`` names the one to change."""

    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter

# Correlation and energy terms smaller than this are FFT rounding noise: treat them as 0
# so that silent frames do not pick a period from noise.
_NOISE_FLOOR = 1e-6


def yin(y, *, fmin, fmax, sr=22050, frame_length=2048, win_length=None, hop_length=None,
        trough_threshold=0.1, center=True, pad_mode="constant", full_output=False):
    """Estimate the fundamental frequency of each frame with YIN.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real signal(s); leading axes are channels.
    fmin, fmax : float
        Lowest and highest frequency searched, Hz (``0 < fmin < fmax <= sr / 2``).
    sr : float
        Sample rate, Hz.
    frame_length : int
        Samples per analysis frame.
    win_length : int, optional
        Integration window of the difference function (default ``frame_length // 2``);
        the longest period searched is ``frame_length - win_length - 1`` samples.
    hop_length : int, optional
        Samples between frames (default ``frame_length // 4``).
    trough_threshold : float
        Absolute threshold on the normalised difference (step 4 of the paper).
    center : bool
        Pad the signal (``frame_length`` samples in all) so that the integration window
        of frame ``t`` is centred on sample ``t * hop_length``; otherwise frame ``t``
        starts at that sample. Either way there are as many frames as ``librosa.yin`` gives.
    pad_mode : {"constant", "reflect", "edge"}
        How ``center`` pads.
    full_output : bool
        Also return the voicing and periodicity of each frame.

    Returns
    -------
    f0 : numpy.ndarray, shape (..., n_frames)
        Fundamental frequency per frame, Hz.
    voiced : numpy.ndarray of bool, shape (..., n_frames)
        Only with ``full_output``: a trough fell below ``trough_threshold`` (step 4 found a
        period rather than falling back to the global minimum).
    periodicity : numpy.ndarray, shape (..., n_frames)
        Only with ``full_output``: ``1 - d'`` at the chosen lag, clipped to [0, 1] (d' is the
        paper's aperiodicity measure).
    """
    y = np.asarray(y)
    if y.dtype.kind != "f":
        raise ParameterError(f"y must be a floating-point signal, got dtype {y.dtype}")
    if not np.all(np.isfinite(y)):
        index = int(np.argmax(~np.isfinite(y.reshape(-1)))) % y.shape[-1]
        raise ParameterError(f"y contains a non-finite value at sample {index}")
    frame_length = int(frame_length)
    win_length = frame_length // 2 if win_length is None else int(win_length)
    hop_length = frame_length // 4 if hop_length is None else int(hop_length)
    if hop_length < 1:
        raise YinSettingError("hop_length", f"hop_length={hop_length} must be >= 1")
    min_period, max_period = lag_range(sr=sr, fmin=fmin, fmax=fmax, frame_length=frame_length,
                                       win_length=win_length)
    if center:
        # The difference function integrates frame samples 1..win_length (eq. 6 of the paper);
        # centre that window, not the whole frame, on t * hop_length.
        lead = win_length // 2 + 1
        pad = [(0, 0)] * (y.ndim - 1) + [(lead, frame_length - lead)]
        y = np.pad(y, pad, mode=pad_mode)
    if y.shape[-1] < frame_length:
        raise ParameterError(f"y has {y.shape[-1]} samples, fewer than frame_length={frame_length}")
    frames = np.lib.stride_tricks.sliding_window_view(y, frame_length, axis=-1)[..., ::hop_length, :]
    frames = frames.astype(np.float64)

    normalised = _normalised_difference(frames, win_length, min_period, max_period)
    shifts = _parabolic_shifts(normalised)
    lag_index, voiced = _choose_lag(normalised, trough_threshold)
    shift = np.take_along_axis(shifts, lag_index[..., None], axis=-1)[..., 0]
    f0 = sr / (min_period + lag_index + shift)
    if not full_output:
        return f0
    depth = np.take_along_axis(normalised, lag_index[..., None], axis=-1)[..., 0]
    return f0, voiced, np.clip(1.0 - depth, 0.0, 1.0)


def lag_range(*, sr, fmin, fmax, frame_length=2048, win_length=None):
    """The periods searched, ``(shortest, longest)`` in samples, or :class:`YinSettingError`.

    ``0 < fmin < fmax <= sr / 2`` and ``0 < win_length < frame_length``
    (default ``frame_length // 2``) are required, and the range must hold at
    least three lags; the longest period is also bounded by the frame,
    ``frame_length - win_length - 1``.
    """
    win_length = frame_length // 2 if win_length is None else int(win_length)
    if not 0 < fmin < fmax:
        raise YinSettingError("fmax", f"need 0 < fmin < fmax, got fmin={fmin}, fmax={fmax}")
    if fmax > sr / 2:
        raise YinSettingError("fmax", f"fmax={fmax} is above the Nyquist frequency sr/2 = "
                                      f"{sr / 2} Hz of the signal at {sr} Hz")
    if not 0 < win_length < frame_length:
        raise YinSettingError("win_length", f"win_length={win_length} must be in "
                                            f"(0, frame_length={frame_length})")
    min_period = int(np.floor(sr / fmax))
    max_period = min(int(np.ceil(sr / fmin)), frame_length - win_length - 1)
    if max_period - min_period < 2:
        raise YinSettingError(
            "frame_length",
            f"the lag range [{min_period}, {max_period}] samples is too short: lower fmin, raise "
            f"fmax, or use a longer frame_length (the longest period is frame_length - "
            f"win_length - 1 = {frame_length - win_length - 1})")
    return min_period, max_period


def _normalised_difference(frames, win_length, min_period, max_period):
    """Cumulative-mean-normalised difference d'(tau) for tau in [min_period, max_period] (eqs. 6, 8)."""
    frame_length = frames.shape[-1]
    n_lags = frame_length - win_length
    # The integration window is frame samples 1..win_length (librosa's alignment).
    window = np.zeros_like(frames)
    window[..., :win_length] = frames[..., 1:win_length + 1]
    spectrum = np.fft.rfft(frames, frame_length, axis=-1)
    correlation = np.fft.irfft(np.conj(np.fft.rfft(window, frame_length, axis=-1)) * spectrum,
                               frame_length, axis=-1)[..., 1:n_lags + 1]  # r(tau), tau = 0..n_lags-1
    correlation[np.abs(correlation) < _NOISE_FLOOR] = 0.0
    cumulative = np.cumsum(frames**2, axis=-1)
    energy = cumulative[..., win_length:win_length + n_lags] - cumulative[..., :n_lags]
    energy[np.abs(energy) < _NOISE_FLOOR] = 0.0
    difference = energy[..., :1] + energy - 2.0 * correlation  # d(tau), eq. (7)
    taus = np.arange(1, max_period + 1)
    running_mean = np.cumsum(difference[..., 1:max_period + 1], axis=-1) / taus
    denominator = running_mean[..., min_period - 1:max_period]
    return difference[..., min_period:max_period + 1] / (denominator + np.finfo(np.float64).tiny)


def _parabolic_shifts(values):
    """Offset of the vertex of the parabola through each point and its neighbours, in (-1, 1)."""
    shifts = np.zeros_like(values)
    left, centre, right = values[..., :-2], values[..., 1:-1], values[..., 2:]
    curvature = left - 2.0 * centre + right
    slope = 0.5 * (right - left)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = np.where(np.abs(slope) < np.abs(curvature), -slope / curvature, 0.0)
    shifts[..., 1:-1] = inner
    return shifts


def _choose_lag(normalised, threshold):
    """Index of the first trough below ``threshold``, else of the global minimum (step 4),
    and whether there was such a trough."""
    before = np.concatenate([np.full_like(normalised[..., :1], np.inf), normalised[..., :-1]], axis=-1)
    after = np.concatenate([normalised[..., 1:], normalised[..., -1:]], axis=-1)
    trough = (normalised < before) & (normalised <= after)
    trough[..., 0] = normalised[..., 0] < normalised[..., 1]
    candidates = trough & (normalised < threshold)
    first = np.argmax(candidates, axis=-1)
    found = candidates.any(axis=-1)
    return np.where(found, first, np.argmin(normalised, axis=-1)), found
