"""Sinusoidal synthesis of harmonic frames: phases recovered from the amplitudes, overlap-add.

Phases are not transmitted. Each harmonic's phase at the frame centre is the sum of

- a *dispersion* term, the phase of the minimum-phase filter whose magnitude response is the
  frame's amplitude envelope; it is obtained from the log-amplitude spectrum through the real
  cepstrum (fold the cepstrum onto positive quefrencies, exponentiate its transform);
- an *excitation* term: for voiced frames ``m * phi0``, where ``phi0`` advances by the mean of the
  two frames' fundamentals times the hop (a pulse train whose phase track is continuous at every
  frame boundary); for unvoiced frames a random phase per harmonic.

Each frame's sinusoids are generated over ``[c - hop, c + hop]`` around its centre ``c`` and
weighted by a triangle, so that consecutive frames cross-fade and the weights sum to one.

References
----------
A. V. Oppenheim and R. W. Schafer, "Discrete-Time Signal Processing", ch. 13 (the complex
cepstrum of a minimum-phase sequence). R. J. McAulay and T. F. Quatieri, "Sinusoidal coding",
in Speech Coding and Synthesis (Kleijn & Paliwal, eds.), Elsevier 1995 (phase models for
magnitude-only coders). D. Rowe, "Techniques for harmonic sinusoidal coding", PhD thesis, 1997.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["minimum_phase", "excitation_phase", "harmonic_synthesis", "synthesise", "postfilter"]


def _log_envelope(amplitudes, L, f0, sr, n_fft, range_db=80.0):
    """Natural-log amplitude envelope on the ``n_fft // 2 + 1`` bin grid, linear in dB between harmonics."""
    n, L_max = amplitudes.shape
    nbins = n_fft // 2 + 1
    freqs = np.arange(nbins) * sr / n_fft
    m = np.arange(1, L_max + 1)
    with np.errstate(divide="ignore"):
        db = 20.0 * np.log10(amplitudes)
    peak = np.max(np.where(m[None, :] <= L[:, None], db, -np.inf), axis=1)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    db = np.maximum(db, (peak - range_db)[:, None])
    # u = fractional harmonic index (0-based) of each bin, clipped: edges held
    u = np.clip(freqs[None, :] / f0[:, None] - 1.0, 0.0, (L - 1)[:, None].astype(float))
    lo = np.minimum(np.floor(u).astype(np.int64), np.maximum(L - 2, 0)[:, None])
    hi = np.minimum(lo + 1, (L - 1)[:, None])
    frac = np.clip(u - lo, 0.0, 1.0)
    rows = np.arange(n)[:, None]
    env_db = db[rows, lo] * (1.0 - frac) + db[rows, hi] * frac
    return env_db * (np.log(10.0) / 20.0)


def minimum_phase(amplitudes, L, f0, sr, *, n_fft=None):
    """Phases (rad) at the harmonics of the minimum-phase filter with the frames' amplitude envelope.

    Parameters
    ----------
    amplitudes : numpy.ndarray (n_frames, L_max)
        Linear harmonic amplitudes (zero beyond ``L``).
    L : numpy.ndarray of int (n_frames,)
    f0 : numpy.ndarray (n_frames,)
        Fundamental in Hz.
    sr : int
    n_fft : int, optional
        Cepstrum size; default the power of two covering 512 points per 8 kHz.

    Returns
    -------
    numpy.ndarray (n_frames, L_max)
        Phase of harmonic ``m`` (column ``m - 1``); zero beyond ``L``.

    Notes
    -----
    With ``c`` the real cepstrum of ``log|H|``, the minimum-phase ``H`` has complex cepstrum
    ``c[0], 2 c[1..N/2-1], c[N/2], 0...``; its log spectrum's imaginary part is the phase.
    """
    amplitudes = np.asarray(amplitudes, dtype=np.float64)
    L = np.asarray(L, dtype=np.int64)
    f0 = np.asarray(f0, dtype=np.float64)
    if n_fft is None:
        n_fft = 1 << int(np.ceil(np.log2(512 * sr / 8000.0)))
    log_env = _log_envelope(amplitudes, L, f0, sr, n_fft)
    ceps = np.fft.irfft(log_env, n=n_fft, axis=1)
    folded = np.zeros_like(ceps)
    half = n_fft // 2
    folded[:, 0] = ceps[:, 0]
    folded[:, 1:half] = 2.0 * ceps[:, 1:half]
    folded[:, half] = ceps[:, half]
    phase_grid = np.fft.rfft(folded, axis=1).imag               # continuous (unwrapped) phase
    m = np.arange(1, amplitudes.shape[1] + 1)
    pos = f0[:, None] * m[None, :] * n_fft / sr
    pos = np.clip(pos, 0.0, half)
    lo = np.minimum(np.floor(pos).astype(np.int64), half - 1)
    frac = pos - lo
    rows = np.arange(amplitudes.shape[0])[:, None]
    phase = phase_grid[rows, lo] * (1 - frac) + phase_grid[rows, lo + 1] * frac
    return np.where(m[None, :] <= L[:, None], phase, 0.0)


def excitation_phase(f0, sr, hop_length, *, start=0.0):
    """Pulse-train phase ``phi0`` at each frame centre: it advances by ``(w0_i + w0_{i+1}) / 2 * hop``.

    Returns
    -------
    numpy.ndarray (n_frames,)
    """
    w0 = 2.0 * np.pi * np.asarray(f0, dtype=np.float64) / sr
    steps = 0.5 * (w0[1:] + w0[:-1]) * hop_length
    return np.mod(start + np.concatenate([[0.0], np.cumsum(steps)]), 2.0 * np.pi)


def postfilter(amplitudes, L, *, gain=1.5):
    """Sharpen the formants: expand each frame's dB amplitudes about their mean, keep its energy.

    ``db' = mean + gain * (db - mean)``, then rescaled so that ``sum A^2`` is unchanged (a
    simple form of the rate-K post filter of Codec 2's 700C).
    """
    amplitudes = np.asarray(amplitudes, dtype=np.float64)
    m = np.arange(1, amplitudes.shape[1] + 1)
    valid = (m[None, :] <= np.asarray(L)[:, None]) & (amplitudes > 0)
    with np.errstate(divide="ignore"):
        db = np.where(valid, 20.0 * np.log10(np.where(valid, amplitudes, 1.0)), 0.0)
    count = np.maximum(valid.sum(axis=1), 1)
    mean = db.sum(axis=1) / count
    sharp = np.where(valid, 10.0 ** ((mean[:, None] + gain * (db - mean[:, None])) / 20.0), 0.0)
    e0 = np.sum(amplitudes ** 2 * valid, axis=1)
    e1 = np.sum(sharp ** 2, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(e1 > 0, np.sqrt(e0 / e1), 0.0)
    return sharp * scale[:, None]


def harmonic_synthesis(f0, voiced, amplitudes, sr, hop_length, *, L=None, n_samples=None,
                       phases=None, seed=0, chunk=256):
    """Overlap-add sinusoidal synthesis of harmonic frames centred at ``i * hop_length``.

    Parameters
    ----------
    f0 : numpy.ndarray (n_frames,)
        Fundamental (Hz) of each frame.
    voiced : numpy.ndarray of bool (n_frames,)
    amplitudes : numpy.ndarray (n_frames, L_max)
        Linear amplitudes of harmonics 1..L (zero beyond ``L``).
    sr, hop_length : int
    L : numpy.ndarray of int, optional
        Harmonics per frame; default ``floor((sr/2) / f0)`` capped at ``L_max``.
    n_samples : int, optional
        Output length; default ``(n_frames - 1) * hop_length``.
    phases : numpy.ndarray (n_frames, L_max), optional
        Phases at the frame centres; default minimum phase plus the excitation phase (a pulse
        train for voiced frames, random for unvoiced, drawn from ``seed``).
    seed : int
        Seed of the unvoiced phases.
    chunk : int
        Frames generated at once (memory ~ chunk * L_max * 2 hop).

    Returns
    -------
    numpy.ndarray, float64 (n_samples,)
    """
    f0 = check.float_array(f0, "f0").astype(np.float64)
    amplitudes = check.float_array(amplitudes, "amplitudes", min_ndim=2).astype(np.float64)
    sr = check.integer(sr, "sr", minimum=1000)
    hop_length = check.integer(hop_length, "hop_length", minimum=1)
    voiced = np.asarray(voiced, dtype=bool)
    n_frames, L_max = amplitudes.shape
    if f0.shape != (n_frames,) or voiced.shape != (n_frames,):
        raise ParameterError(f"f0 {f0.shape} and voiced {voiced.shape} must have one value per "
                             f"frame of amplitudes ({n_frames} frames)")
    if np.any(f0 <= 0):
        raise ParameterError(f"f0 must be positive, got {f0[np.argmax(f0 <= 0)]} at frame "
                             f"{int(np.argmax(f0 <= 0))}")
    if L is None:
        L = np.minimum(np.maximum(1, np.floor(sr / 2.0 / f0)), L_max).astype(np.int64)
    L = np.asarray(L, dtype=np.int64)
    if n_samples is None:
        n_samples = (n_frames - 1) * hop_length
    n_samples = check.integer(n_samples, "n_samples", minimum=0)
    if phases is None:
        rng = np.random.default_rng(seed)
        disp = minimum_phase(amplitudes, L, f0, sr)
        phi0 = excitation_phase(f0, sr, hop_length)
        m = np.arange(1, L_max + 1)
        random = rng.uniform(0.0, 2.0 * np.pi, size=amplitudes.shape)
        phases = disp + np.where(voiced[:, None], m[None, :] * phi0[:, None], random)
    m = np.arange(1, L_max + 1)
    amps = np.where(m[None, :] <= L[:, None], amplitudes, 0.0)
    span = np.arange(-hop_length, hop_length)                       # 2 * hop samples
    tri = 1.0 - np.abs(span) / hop_length
    # out index = sample + hop_length (room for the first frame's left half)
    out = np.zeros((n_frames + 1) * hop_length + hop_length)
    for begin in range(0, n_frames, chunk):
        end = min(n_frames, begin + chunk)
        w0 = 2.0 * np.pi * f0[begin:end] / sr                        # (c,)
        arg = (w0[:, None, None] * m[None, :, None] * span[None, None, :]
               + phases[begin:end, :, None])                         # (c, L, 2hop)
        frames = np.einsum("cl,cls->cs", amps[begin:end], np.cos(arg)) * tri[None, :]
        for j, i in enumerate(range(begin, end)):
            start = i * hop_length                                   # (i*hop - hop) + hop offset
            out[start:start + 2 * hop_length] += frames[j]
    y = out[hop_length:hop_length + n_samples]
    if y.shape[0] < n_samples:
        y = np.concatenate([y, np.zeros(n_samples - y.shape[0])])
    return y


def synthesise(frames, *, amplitudes=None, f0=None, voiced=None, post_filter=False, seed=0):
    """Synthesise a signal from :class:`audiogp.codec.HarmonicFrames` (optionally replaced parts).

    Parameters
    ----------
    frames : HarmonicFrames
        Frame geometry (sr, hop_length, n_samples) and, unless overridden, f0, voicing, amplitudes.
    amplitudes, f0, voiced : numpy.ndarray, optional
        Replacements (e.g. decoded amplitudes).
    post_filter : bool
        Apply :func:`postfilter` to the amplitudes first.
    seed : int
        Seed of the unvoiced phases.

    Returns
    -------
    numpy.ndarray, float64 (frames.n_samples,)
    """
    f0 = frames.f0 if f0 is None else f0
    voiced = frames.voiced if voiced is None else voiced
    amplitudes = frames.amplitudes if amplitudes is None else amplitudes
    L = np.minimum(np.maximum(1, np.floor(frames.sr / 2.0 / np.asarray(f0))),
                   np.asarray(amplitudes).shape[1]).astype(np.int64)
    if post_filter:
        amplitudes = postfilter(amplitudes, L)
    return harmonic_synthesis(f0, voiced, amplitudes, frames.sr, frames.hop_length, L=L,
                              n_samples=frames.n_samples, seed=seed)
