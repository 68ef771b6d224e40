"""Fundamental frequency (F0) per frame with a voicing decision: a probabilistic YIN tracker.

The method is pYIN's (M. Mauch and S. Dixon, "pYIN: a fundamental frequency
estimator using probabilistic threshold distributions", ICASSP 2014), built on
the YIN difference function (A. de Cheveigné and H. Kawahara, "YIN, a
fundamental frequency estimator for speech and music", JASA 111(4), 2002):

1. per frame, the difference function ``d(tau)`` (via FFT correlation) and its
   cumulative-mean normalisation ``d'(tau)`` (YIN eqs. 6-8);
2. every trough of ``d'`` in the lag range is a candidate period, refined by
   parabolic interpolation of ``d`` (YIN step 5);
3. a prior over YIN's absolute threshold (a Beta distribution) gives each
   candidate the probability that it is "the first trough below the
   threshold" (pYIN section 2.1); thresholds below every trough give a small
   probability to the deepest one. The sum over candidates is the frame's
   voicing probability. The first-trough rule is evaluated in closed form from
   the running minimum of the trough depths, with no loop over thresholds;
4. a hidden Markov model whose states are log-spaced pitch bins, each voiced or
   unvoiced, with a triangular pitch-transition window and a small voicing
   switch probability, decoded by Viterbi (pYIN section 2.2), picks one
   candidate (or "unvoiced") per frame.

Unvoiced frames get an F0 interpolated (in log frequency) from the voiced
neighbours, so that harmonic analysis can run on every frame.
"""

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import numpy as np
import scipy.fft

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["PitchTrack", "pitch_track", "pitch_frame_length", "check_settings", "PitchSettingError"]

# Frames are processed in blocks of this many, to bound memory on long signals.
_BLOCK_FRAMES = 1024


class PitchSettingError(ParameterError):
    """A setting of :func:`pitch_track` that cannot work; ``parameter`` names the one to change."""

    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True, eq=False, repr=False)
class PitchTrack:
    """F0 per frame with its voicing, and the frame geometry.

    Attributes
    ----------
    f0 : numpy.ndarray, float64, shape (n_frames,)
        Fundamental frequency per frame, Hz. Never NaN: unvoiced frames hold a
        guess interpolated (in log frequency) from the voiced neighbours.
    voiced : numpy.ndarray, bool, shape (n_frames,)
        The voicing decision.
    probability : numpy.ndarray, float64, shape (n_frames,)
        Voicing probability in [0, 1] (the pYIN observation probability).
    times : numpy.ndarray, float64, shape (n_frames,)
        Centre of each frame, seconds: ``i * hop_length / sr``.
    sr : int
        Sample rate of the analysed signal, Hz.
    hop_length : int
        Samples between frame centres.
    frame_length : int or None
        Samples per analysis frame (None when the producer does not say).
    fmin, fmax : float or None
        The search range, Hz.
    attrs : mapping
        Free-form JSON-able metadata.
    """

    f0: np.ndarray
    voiced: np.ndarray
    probability: np.ndarray
    times: np.ndarray
    sr: int
    hop_length: int
    frame_length: Optional[int] = None
    fmin: Optional[float] = None
    fmax: Optional[float] = None
    attrs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_frames(self):
        """Number of frames."""
        return int(self.f0.shape[-1])

    def summary(self):
        """One line for logs: frames, rate, hop and the voiced share."""
        share = float(np.mean(self.voiced)) if self.voiced.size else 0.0
        return (f"PitchTrack(n_frames={self.n_frames}, sr={self.sr}, hop_length={self.hop_length}, "
                f"voiced={100 * share:.0f}%)")

    __repr__ = summary


def pitch_frame_length(sr, fmin):
    """The default analysis frame: twice the longer of 25 ms and (longest period + 2 samples), even.

    The YIN integration window is half the frame, so it always spans at least
    one longest period (``sr / fmin``) and at least 25 ms.
    """
    half = max(int(np.ceil(sr / fmin)) + 2, int(round(0.025 * sr)))
    return 2 * half


def check_settings(sr, fmin, fmax, hop_length=None, frame_length=None, win_length=None):
    """Check the settings of :func:`pitch_track` at rate ``sr`` and fill in their defaults.

    Returns
    -------
    dict
        ``sr``, ``fmin``, ``fmax``, ``hop_length``, ``frame_length``,
        ``win_length``, and the lag range ``min_period``, ``max_period``
        (samples).

    Raises
    ------
    PitchSettingError
        Naming the parameter to change: ``fmin >= fmax``, ``fmax`` above
        Nyquist, a frame too short for ``fmin``, a window not shorter than
        the frame.
    """
    sr = check.real_number(sr, "sr", exclusive_minimum=0)
    fmin = check.real_number(fmin, "fmin", exclusive_minimum=0)
    fmax = check.real_number(fmax, "fmax", exclusive_minimum=0)
    if fmin >= fmax:
        raise PitchSettingError("fmax", f"need fmin < fmax, got fmin={fmin} Hz and fmax={fmax} Hz")
    if fmax > sr / 2:
        raise PitchSettingError("fmax", f"fmax={fmax} Hz is above the Nyquist frequency "
                                        f"sr/2 = {sr / 2} Hz of the signal at {sr} Hz")
    hop_length = (int(round(0.010 * sr)) if hop_length is None
                  else check.integer(hop_length, "hop_length", minimum=1))
    hop_length = max(hop_length, 1)
    if frame_length is None:
        frame_length = pitch_frame_length(sr, fmin)
    frame_length = check.integer(frame_length, "frame_length", minimum=8)
    win_length = (frame_length // 2 if win_length is None
                  else check.integer(win_length, "win_length", minimum=2))
    if win_length >= frame_length:
        raise PitchSettingError("win_length", f"win_length={win_length} must be below "
                                              f"frame_length={frame_length}")
    min_period = max(int(np.floor(sr / fmax)), 2)
    max_period = int(np.ceil(sr / fmin))
    if max_period + 1 > frame_length - win_length:
        raise PitchSettingError(
            "frame_length",
            f"frame_length={frame_length} (integration window {win_length}) is too short for "
            f"fmin={fmin} Hz: the longest period is {max_period} samples, so frame_length - "
            f"win_length must be at least {max_period + 1}; raise frame_length or fmin")
    return dict(sr=sr, fmin=fmin, fmax=fmax, hop_length=hop_length, frame_length=frame_length,
                win_length=win_length, min_period=min_period, max_period=max_period)


def pitch_track(y, sr, *, fmin=50.0, fmax=500.0, hop_length=None, frame_length=None,
                win_length=None, threshold_beta=(2.0, 18.0), no_trough_probability=0.01,
                bins_per_octave=60, max_transition_rate=35.0, switch_probability=0.01,
                silence_db=-70.0):
    """Track the fundamental frequency of a monophonic signal (speech), with voicing.

    Parameters
    ----------
    y : numpy.ndarray, float, shape (n,)
        The signal (mono).
    sr : float
        Sample rate, Hz (speech at 8 to 48 kHz).
    fmin, fmax : float
        Search range, Hz (``0 < fmin < fmax <= sr / 2``).
    hop_length : int, optional
        Samples between frame centres (default ``round(0.010 * sr)``, 10 ms).
    frame_length : int, optional
        Samples per analysis frame (default :func:`pitch_frame_length`: at
        least 50 ms and two longest periods).
    win_length : int, optional
        YIN integration window (default ``frame_length // 2``); the longest
        period must fit in ``frame_length - win_length - 1``.
    threshold_beta : (float, float)
        Shape parameters ``(a, b)`` of the Beta prior over YIN's threshold
        (pYIN's default ``(2, 18)``, mean 0.1).
    no_trough_probability : float
        Weight given to the deepest trough for thresholds below every trough.
    bins_per_octave : int
        Pitch states of the HMM per octave (60: 20 cents).
    max_transition_rate : float
        Fastest pitch change the HMM allows, octaves per second.
    switch_probability : float
        Probability of switching between voiced and unvoiced from one frame
        to the next.
    silence_db : float
        Frames whose energy is more than this many dB below the loudest
        frame's are unvoiced outright (probability 0).

    Returns
    -------
    PitchTrack
        ``n_frames = 1 + len(y) // hop_length`` frames centred at ``i *
        hop_length / sr`` (the signal is zero-padded by ``frame_length // 2``
        on both sides, as librosa's ``center=True``).

    Raises
    ------
    ParameterError
        For a signal that is not 1-D floating point, holds NaN or Inf (the
        message names the sample), or is shorter than one frame; for
        ``fmin >= fmax``, ``fmax`` above Nyquist, or a frame too short for
        ``fmin`` (:class:`PitchSettingError`, naming the parameter).

    Notes
    -----
    Mauch & Dixon (2014) for the threshold prior and the HMM; de Cheveigné &
    Kawahara (2002) for the difference function. A silent signal gives every
    frame unvoiced, without warnings.
    """
    y = check.float_array(y, "y", dtypes=(np.float64,))
    if y.ndim != 1:
        raise ParameterError(f"y must be one channel (shape (n,)), got shape {y.shape}; "
                             "mix to mono first (e.g. y.mean(axis=0))")
    settings = check_settings(sr, fmin, fmax, hop_length, frame_length, win_length)
    sr, fmin, fmax, hop, frame_length, win_length, min_period, max_period = (
        settings[k] for k in ("sr", "fmin", "fmax", "hop_length", "frame_length", "win_length",
                              "min_period", "max_period"))
    if len(y) < frame_length:
        raise ParameterError(
            f"y has {len(y)} samples ({len(y) / sr * 1000:.1f} ms), fewer than one analysis frame "
            f"of {frame_length} samples ({frame_length / sr * 1000:.1f} ms) at {sr:g} Hz with "
            f"fmin={fmin:g} Hz; give a longer signal, or raise fmin (or lower frame_length)")
    a, b = (check.real_number(v, "threshold_beta", exclusive_minimum=0) for v in threshold_beta)
    no_trough_probability = check.real_number(no_trough_probability, "no_trough_probability",
                                              minimum=0, maximum=1)
    switch_probability = check.real_number(switch_probability, "switch_probability",
                                           exclusive_minimum=0, exclusive_maximum=1)
    bins_per_octave = check.integer(bins_per_octave, "bins_per_octave", minimum=1)
    max_transition_rate = check.real_number(max_transition_rate, "max_transition_rate",
                                            exclusive_minimum=0)

    n_frames = 1 + len(y) // hop
    # The difference function at lag tau compares samples [0, W) with [tau, tau + W) of the
    # frame: it describes the middle of [0, W + tau). Pad so that this middle falls on the frame
    # time for a mid-range period (tau_ref); _align_times corrects the others.
    tau_ref = float(sr / np.sqrt(fmin * fmax))
    lead = int(round((win_length + tau_ref) / 2))
    padded = np.pad(y, (lead, frame_length - lead + hop))
    rows, periods, probs, energy = [], [], [], []
    for start in range(0, n_frames, _BLOCK_FRAMES):
        stop = min(n_frames, start + _BLOCK_FRAMES)
        segment = padded[start * hop:(stop - 1) * hop + frame_length]
        frames = np.lib.stride_tricks.sliding_window_view(segment, frame_length)[::hop]
        r, p, q, e = _candidates(frames, win_length, min_period, max_period, a, b,
                                 no_trough_probability)
        rows.append(r + start)
        periods.append(p)
        probs.append(q)
        energy.append(e)
    rows = np.concatenate(rows)             # candidates: frame, refined period, probability
    periods = np.concatenate(periods)
    probs = np.concatenate(probs)
    energy = np.concatenate(energy)
    loudest = float(energy.max())
    if loudest > 0:
        loud = energy > loudest * 10.0 ** (silence_db / 10.0)
        keep = loud[rows] & (probs > 0)
    else:
        keep = np.zeros(rows.shape, dtype=bool)
    rows, periods, probs = rows[keep], periods[keep], probs[keep]

    # Candidates -> pitch bins of the HMM.
    n_bins = int(np.floor(np.log2(fmax / fmin) * bins_per_octave)) + 1
    freqs = sr / periods
    bins = np.clip(np.round(np.log2(freqs / fmin) * bins_per_octave), 0, n_bins - 1).astype(np.intp)
    observation = np.zeros((n_frames, n_bins))
    np.add.at(observation, (rows, bins), probs)
    # The frequency each bin stands for in each frame: its most probable candidate. Sorted by
    # probability, the last of equal (frame, bin) pairs is the most probable: keep it.
    order = np.lexsort((probs, bins, rows))
    r, c, f = rows[order], bins[order], freqs[order]
    last = np.ones(len(r), dtype=bool)
    last[:-1] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    best_freq = np.zeros((n_frames, n_bins))
    best_freq[r[last], c[last]] = f[last]
    voicing = np.clip(observation.sum(axis=1), 0.0, 1.0)

    max_jump = max(1, int(round(max_transition_rate * hop / sr * bins_per_octave)))
    path_bins, path_voiced = _viterbi(observation, (1.0 - voicing) / n_bins, max_jump,
                                      switch_probability)
    f0 = best_freq[np.arange(n_frames), path_bins]
    centre = fmin * 2.0 ** (path_bins / bins_per_octave)
    voiced = path_voiced & (f0 > 0)
    f0 = np.where(f0 > 0, f0, centre)
    f0 = _align_times(f0, voiced, hop, sr, (win_length + sr / f0) / 2 - lead)
    f0 = _fill_unvoiced(f0, voiced, fmin, fmax)
    times = np.arange(n_frames) * hop / sr
    sr_out = int(sr) if float(sr).is_integer() else sr
    return PitchTrack(f0=f0.astype(np.float64), voiced=voiced, probability=voicing, times=times,
                      sr=sr_out, hop_length=hop, frame_length=frame_length, fmin=fmin, fmax=fmax)


def _candidates(frames, win_length, min_period, max_period, a, b, no_trough_probability):
    """Candidate periods and their probabilities for a block of frames (pYIN section 2.1).

    Returns ``(rows, periods, probs, energy)``: for each candidate its frame
    (row of ``frames``), refined period (samples) and probability; and the
    energy of each frame's integration window.
    """
    import scipy.special

    frames = np.asarray(frames, dtype=np.float64)
    n_frames, frame_length = frames.shape
    n_fft = scipy.fft.next_fast_len(frame_length, real=True)
    spectrum = scipy.fft.rfft(frames, n_fft, axis=-1)
    window = scipy.fft.rfft(frames[:, :win_length], n_fft, axis=-1)
    corr = scipy.fft.irfft(np.conj(window) * spectrum, n_fft,
                           axis=-1)[:, :max_period + 2]          # r(tau) = sum_j x_j x_{j+tau}, j < W
    # Energy of samples [tau, tau + W) of each frame, from running sums of the frame's start.
    squares = np.cumsum(frames[:, :max_period + 2 + win_length] ** 2, axis=-1)
    squares = np.concatenate([np.zeros((n_frames, 1)), squares], axis=-1)
    lags = np.arange(max_period + 2)
    shifted_energy = squares[:, lags + win_length] - squares[:, lags]
    energy = shifted_energy[:, 0]
    diff = energy[:, None] + shifted_energy - 2.0 * corr                       # d(tau), YIN eq. (7)
    scale = np.maximum(energy, np.finfo(np.float64).tiny)[:, None]
    diff = np.maximum(diff, 0.0)
    diff[diff < 1e-12 * scale] = 0.0                                           # FFT rounding
    diff[:, 0] = 0.0
    running = np.cumsum(diff[:, 1:], axis=-1)
    running /= np.arange(1, max_period + 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        cmnd = diff[:, 1:] / running
    cmnd[~(running > 0)] = 1.0
    cmnd = np.concatenate([np.ones((n_frames, 1)), cmnd], axis=-1)           # d'(tau), eq. (8)

    # Troughs at lags min_period..max_period: below the left neighbour, not above the right.
    lo, hi = min_period, max_period
    centre = cmnd[:, lo:hi + 1]
    trough = (centre < cmnd[:, lo - 1:hi]) & (centre <= cmnd[:, lo + 1:hi + 2])
    trough[energy <= 0] = False
    depth = np.where(trough, centre, np.inf)
    # "First trough below threshold s" is the trough that sets a new running minimum of the
    # depths: it wins every s in (its depth, the previous running minimum].
    running_min = np.minimum.accumulate(depth, axis=-1)
    previous = np.empty_like(running_min)
    previous[:, 0] = np.inf
    previous[:, 1:] = running_min[:, :-1]
    rows, cols = np.nonzero(depth < previous)
    cdf = lambda x: scipy.special.betainc(a, b, np.clip(x, 0.0, 1.0))  # noqa: E731
    probs = cdf(previous[rows, cols]) - cdf(depth[rows, cols])
    # Thresholds below every trough: a small probability for the deepest one (the last record).
    deepest = np.ones(len(rows), dtype=bool)
    deepest[:-1] = rows[1:] != rows[:-1]
    probs[deepest] += no_trough_probability * cdf(depth[rows[deepest], cols[deepest]])

    # Parabolic interpolation of d(tau) around each trough (YIN step 5).
    lag = cols + lo
    left, mid, right = diff[rows, lag - 1], diff[rows, lag], diff[rows, lag + 1]
    curvature = left - 2.0 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curvature > 0, 0.5 * (left - right) / curvature, 0.0)
    periods = lag + np.clip(shift, -0.5, 0.5)
    return rows, periods, probs, energy


def _viterbi(observation, unvoiced, max_jump, switch_probability):
    """Most likely (bin, voiced) path of the pYIN HMM, by Viterbi in the log domain.

    ``observation`` (n_frames, n_bins): probability of each voiced pitch bin;
    ``unvoiced`` (n_frames,): that of each unvoiced state. Pitch moves by at
    most ``max_jump`` bins per frame with triangular weights (normalised over
    the full window), in both voicing states; voicing switches with
    ``switch_probability``. All ``2 n_bins`` states are equally likely at the
    start. The loop is compiled (:mod:`audiogp._core.viterbi`).
    """
    from audiogp._core import viterbi

    n_frames, n_bins = observation.shape
    tiny = 1e-300
    log_v = np.ascontiguousarray(np.log(np.maximum(observation, tiny)))
    log_u = np.ascontiguousarray(np.log(np.maximum(unvoiced, tiny)))
    offsets = np.arange(-max_jump, max_jump + 1)
    weights = max_jump + 1.0 - np.abs(offsets)
    log_w = np.log(weights / weights.sum())
    path_bins = np.empty(n_frames, dtype=np.intp)
    path_voiced = np.empty(n_frames, dtype=np.uint8)
    back_bin = np.empty((n_frames, 2, n_bins), dtype=np.intc)
    back_voiced = np.empty((n_frames, 2, n_bins), dtype=np.uint8)
    viterbi.decode(log_v, log_u, log_w, float(np.log1p(-switch_probability)),
                   float(np.log(switch_probability)), float(-np.log(2 * n_bins)),
                   path_bins, path_voiced, back_bin, back_voiced)
    return path_bins.astype(np.int64), path_voiced.astype(bool)


def _align_times(f0, voiced, hop, sr, offset):
    """Move each voiced run's estimates from the times they describe back onto the frame times.

    Frame ``i``'s estimate describes sample ``i * hop + offset[i]`` (the middle of the samples
    its difference function compared, which depends on the period); re-sample each run of
    voiced frames, in log frequency, at ``i * hop``.
    """
    f0 = f0.copy()
    edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start < 2:
            continue
        index = np.arange(start, stop)
        where = index * hop + offset[start:stop]
        if np.all(np.diff(where) > 0):
            f0[start:stop] = np.exp(np.interp(index * hop, where, np.log(f0[start:stop])))
    return f0


def _fill_unvoiced(f0, voiced, fmin, fmax):
    """Log-linear interpolation of the voiced F0 over unvoiced frames (held at the ends)."""
    if voiced.all():
        return f0
    if not voiced.any():
        return np.full_like(f0, np.sqrt(fmin * fmax))
    index = np.arange(len(f0))
    log_f0 = np.interp(index, index[voiced], np.log(f0[voiced]))
    return np.where(voiced, f0, np.exp(log_f0))
