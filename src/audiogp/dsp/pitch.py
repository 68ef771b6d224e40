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
import scipy.special

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["PitchTrack", "pitch_track", "pitch_frame_length", "PitchSettingError"]

# Frames are processed in blocks of this many, to bound memory on long signals.
_BLOCK_FRAMES = 1024


class PitchSettingError(ParameterError):
    """A setting of :func:`pitch_track` that cannot work; ``parameter`` names the one to change."""

    def __init__(self, parameter, message):
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True, eq=False)
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


def pitch_frame_length(sr, fmin):
    """The default analysis frame: twice the longer of 25 ms and (longest period + 2 samples), even.

    The YIN integration window is half the frame, so it always spans at least
    one longest period (``sr / fmin``) and at least 25 ms.
    """
    half = max(int(np.ceil(sr / fmin)) + 2, int(round(0.025 * sr)))
    return 2 * half


def _settings(sr, fmin, fmax, hop_length, frame_length, win_length):
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
    return sr, fmin, fmax, hop_length, frame_length, win_length, min_period, max_period


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
    sr, fmin, fmax, hop, frame_length, win_length, min_period, max_period = _settings(
        sr, fmin, fmax, hop_length, frame_length, win_length)
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
    periods, probs, energy = [], [], []
    for start in range(0, n_frames, _BLOCK_FRAMES):
        stop = min(n_frames, start + _BLOCK_FRAMES)
        segment = padded[start * hop:(stop - 1) * hop + frame_length]
        frames = np.lib.stride_tricks.sliding_window_view(segment, frame_length)[::hop]
        p, q, e = _candidates(frames, win_length, min_period, max_period, a, b,
                              no_trough_probability)
        periods.append(p)
        probs.append(q)
        energy.append(e)
    periods = np.concatenate(periods)       # (n_frames, n_lags): refined period at troughs, else 0
    probs = np.concatenate(probs)           # (n_frames, n_lags): candidate probability
    energy = np.concatenate(energy)
    loudest = float(energy.max())
    silent = energy <= loudest * 10.0 ** (silence_db / 10.0) if loudest > 0 else np.ones_like(energy, bool)
    probs[silent] = 0.0

    # Candidates -> pitch bins of the HMM.
    n_bins = int(np.floor(np.log2(fmax / fmin) * bins_per_octave)) + 1
    with np.errstate(divide="ignore"):
        freqs = np.where(periods > 0, sr / np.where(periods > 0, periods, 1.0), 0.0)
    has = probs > 0
    bins = np.zeros(periods.shape, dtype=np.int64)
    bins[has] = np.clip(np.round(np.log2(freqs[has] / fmin) * bins_per_octave), 0, n_bins - 1)
    observation = np.zeros((n_frames, n_bins))
    rows = np.nonzero(has)[0]
    np.add.at(observation, (rows, bins[has]), probs[has])
    # The frequency that each bin stands for in each frame: its most probable candidate.
    best_prob = np.zeros((n_frames, n_bins))
    best_freq = np.zeros((n_frames, n_bins))
    order = np.argsort(probs[has], kind="stable")  # ascending: the last write (the largest) wins
    r, c = rows[order], bins[has][order]
    best_prob[r, c] = probs[has][order]
    best_freq[r, c] = freqs[has][order]
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

    Returns ``(periods, probs, energy)``: ``periods`` and ``probs`` of shape
    ``(n_frames, max_period - min_period + 1)`` for lags ``min_period ..
    max_period`` (refined period and probability at troughs, 0 elsewhere), and
    the energy of each frame's integration window.
    """
    frames = np.asarray(frames, dtype=np.float64)
    n_frames, frame_length = frames.shape
    n_fft = scipy.fft.next_fast_len(frame_length, real=True)
    window = np.zeros_like(frames)
    window[:, :win_length] = frames[:, :win_length]
    spectrum = scipy.fft.rfft(frames, n_fft, axis=-1)
    corr = scipy.fft.irfft(np.conj(scipy.fft.rfft(window, n_fft, axis=-1)) * spectrum, n_fft,
                           axis=-1)[:, :max_period + 2]          # r(tau) = sum_j x_j x_{j+tau}, j < W
    cumulative = np.concatenate([np.zeros((n_frames, 1)), np.cumsum(frames ** 2, axis=-1)], axis=-1)
    lags = np.arange(max_period + 2)
    shifted_energy = cumulative[:, lags + win_length] - cumulative[:, lags]   # sum x_{j+tau}^2
    energy = shifted_energy[:, 0]
    diff = energy[:, None] + shifted_energy - 2.0 * corr                       # d(tau), YIN eq. (7)
    scale = np.maximum(energy, np.finfo(np.float64).tiny)[:, None]
    diff = np.maximum(diff, 0.0)
    diff[diff < 1e-12 * scale] = 0.0                                           # FFT rounding
    diff[:, 0] = 0.0
    running = np.cumsum(diff[:, 1:], axis=-1) / np.arange(1, max_period + 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        cmnd = np.where(running > 0, diff[:, 1:] / np.where(running > 0, running, 1.0), 1.0)
    cmnd = np.concatenate([np.ones((n_frames, 1)), cmnd], axis=-1)           # d'(tau), eq. (8)

    # Troughs at lags min_period..max_period: below the left neighbour, not above the right.
    lo, hi = min_period, max_period
    centre = cmnd[:, lo:hi + 1]
    trough = (centre < cmnd[:, lo - 1:hi]) & (centre <= cmnd[:, lo + 1:hi + 2])
    depth = np.where(trough, centre, np.inf)
    # "First trough below threshold s" is the trough that sets a new running minimum of the
    # depths: it wins every s in (its depth, the previous running minimum].
    running_min = np.minimum.accumulate(depth, axis=-1)
    previous = np.concatenate([np.full((n_frames, 1), np.inf), running_min[:, :-1]], axis=-1)
    record = trough & (depth < previous)
    cdf = lambda x: scipy.special.betainc(a, b, np.clip(x, 0.0, 1.0))  # noqa: E731
    probs = np.where(record, cdf(previous) - cdf(depth), 0.0)
    deepest = np.argmin(depth, axis=-1)
    any_trough = np.isfinite(depth[np.arange(n_frames), deepest])
    below_all = cdf(depth[np.arange(n_frames), deepest])
    probs[np.arange(n_frames), deepest] += np.where(any_trough, no_trough_probability * below_all, 0)
    probs[energy <= 0] = 0.0

    # Parabolic interpolation of d(tau) around each trough (YIN step 5).
    left, mid, right = diff[:, lo - 1:hi], diff[:, lo:hi + 1], diff[:, lo + 1:hi + 2]
    curvature = left - 2.0 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curvature > 0, 0.5 * (left - right) / curvature, 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    periods = np.where(probs > 0, np.arange(lo, hi + 1) + shift, 0.0)
    return periods, probs, energy


def _viterbi(observation, unvoiced, max_jump, switch_probability):
    """Most likely (bin, voiced) path of the pYIN HMM, by Viterbi in the log domain.

    ``observation`` (n_frames, n_bins): probability of each voiced pitch bin;
    ``unvoiced`` (n_frames,): that of each unvoiced state. Pitch moves by at
    most ``max_jump`` bins per frame with triangular weights, in both voicing
    states; voicing switches with ``switch_probability``.
    """
    n_frames, n_bins = observation.shape
    tiny = 1e-300
    log_v = np.log(np.maximum(observation, tiny))
    log_u = np.log(np.maximum(unvoiced, tiny))
    offsets = np.arange(-max_jump, max_jump + 1)
    weights = (max_jump + 1.0 - np.abs(offsets))
    log_w = np.log(weights / weights.sum())
    stay, switch = np.log1p(-switch_probability), np.log(switch_probability)
    # state layout: [voiced bins | unvoiced bins]
    score_v = log_v[0] - np.log(2 * n_bins)
    score_u = np.full(n_bins, log_u[0] - np.log(2 * n_bins))
    back_bin = np.zeros((n_frames, 2, n_bins), dtype=np.int32)
    back_voiced = np.zeros((n_frames, 2, n_bins), dtype=bool)
    padded = np.full(n_bins + 2 * max_jump, -np.inf)
    rows = np.arange(n_bins)
    for t in range(1, n_frames):
        for target, obs in ((0, log_v[t]), (1, np.full(n_bins, log_u[t]))):
            from_v = score_v + (stay if target == 0 else switch)
            from_u = score_u + (switch if target == 0 else stay)
            best_src_voiced = from_v >= from_u
            best = np.where(best_src_voiced, from_v, from_u)
            padded[max_jump:max_jump + n_bins] = best
            # candidates[b', k] = best[b' + offsets[k]] + log_w[k]
            windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * max_jump + 1) + log_w
            k = np.argmax(windows, axis=1)
            source = rows + offsets[k]
            new = windows[rows, k] + obs
            back_bin[t, target] = source
            back_voiced[t, target] = best_src_voiced[source]
            if target == 0:
                new_v = new
            else:
                new_u = new
        score_v, score_u = new_v, new_u
    path_bins = np.empty(n_frames, dtype=np.int64)
    path_voiced = np.empty(n_frames, dtype=bool)
    if score_v.max() >= score_u.max():
        b, v = int(np.argmax(score_v)), True
    else:
        b, v = int(np.argmax(score_u)), False
    for t in range(n_frames - 1, -1, -1):
        path_bins[t], path_voiced[t] = b, v
        if t:
            layer = 0 if v else 1
            b, v = int(back_bin[t, layer, b]), bool(back_voiced[t, layer, b])
    return path_bins, path_voiced


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
