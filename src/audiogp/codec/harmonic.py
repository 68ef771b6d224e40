"""Harmonic (sinusoidal) analysis of speech: amplitudes at the pitch harmonics, frame by frame.

Each frame is modelled as a sum of ``L = floor((sr / 2) / F0)`` harmonics of the fundamental,
``s(n) = sum_m A_m cos(m w0 n + phi_m)``. Per frame (centred at ``i * hop_length / sr``, as the
pitch tracker's frames) the module

1. refines F0 by maximising the energy the harmonic comb collects from the windowed spectrum,
   searching a small range around the given estimate (coarse, then fine);
2. measures ``A_m`` as the square root of the spectral energy in the band ``(m +- 1/2) F0``,
   corrected for the analysis window's energy, so that a stationary sinusoid of amplitude ``A``
   gives ``A``;
3. decides voicing from how well the harmonic model fits the spectrum below 1 kHz (the
   multi-band-excitation test): each harmonic's band is fitted with one complex amplitude times
   the window's spectrum and the signal-to-error ratio is thresholded.

References
----------
R. J. McAulay and T. F. Quatieri, "Speech analysis/synthesis based on a sinusoidal
representation", IEEE Trans. ASSP 34(4), 1986. D. W. Griffin and J. S. Lim, "Multiband
excitation vocoder", IEEE Trans. ASSP 36(8), 1988. D. Rowe, "Techniques for harmonic sinusoidal
coding", PhD thesis, University of South Australia, 1997 (the model Codec 2 uses).
"""

from dataclasses import dataclass, field

import numpy as np

from audiogp import _validate as check
from audiogp.errors import ParameterError

__all__ = ["HarmonicFrames", "harmonic_analysis", "frame_signal", "analysis_window"]


@dataclass(frozen=True, eq=False)
class HarmonicFrames:
    """Harmonic amplitudes of a signal, one row per frame, with the frame geometry.

    Attributes
    ----------
    f0 : numpy.ndarray, float64 (n_frames,)
        Refined fundamental in Hz (unvoiced frames keep a smooth guess, never NaN).
    voiced : numpy.ndarray, bool (n_frames,)
    L : numpy.ndarray, int64 (n_frames,)
        Number of harmonics, ``floor((sr / 2) / f0)``.
    amplitudes : numpy.ndarray, float64 (n_frames, max(L))
        ``A_m`` in signal units (peak amplitude of harmonic ``m = column + 1``); zero beyond ``L``.
    snr : numpy.ndarray, float64 (n_frames,)
        Harmonic-fit signal-to-error ratio below 1 kHz in dB (the voicing measure).
    sr, hop_length, window_length, n_fft : int
    n_samples : int
        Length of the analysed signal.
    """

    f0: np.ndarray
    voiced: np.ndarray
    L: np.ndarray
    amplitudes: np.ndarray
    snr: np.ndarray
    sr: int
    hop_length: int
    window_length: int
    n_fft: int
    n_samples: int
    attrs: dict = field(default_factory=dict)

    @property
    def n_frames(self):
        """Number of frames."""
        return int(self.f0.shape[0])

    @property
    def times(self):
        """Frame centres in seconds."""
        return np.arange(self.n_frames) * self.hop_length / self.sr

    def harmonic_frequencies(self):
        """Frequencies ``m * f0`` in Hz, shape like :attr:`amplitudes` (zero beyond ``L``)."""
        m = np.arange(1, self.amplitudes.shape[1] + 1)
        freqs = self.f0[:, None] * m[None, :]
        return np.where(m[None, :] <= self.L[:, None], freqs, 0.0)

    def amplitudes_db(self, floor_db=-100.0):
        """``20 log10 A_m`` (zero amplitudes clipped to ``floor_db``); NaN beyond ``L``."""
        with np.errstate(divide="ignore"):
            db = 20.0 * np.log10(self.amplitudes)
        db = np.maximum(db, floor_db)
        m = np.arange(1, self.amplitudes.shape[1] + 1)
        return np.where(m[None, :] <= self.L[:, None], db, np.nan)


def analysis_window(window_length):
    """The periodic Hann window used for analysis (length ``window_length``)."""
    n = np.arange(window_length)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * (n + 0.5) / window_length)


def frame_signal(y, hop_length, window_length, n_frames):
    """Frames of ``y`` centred at ``i * hop_length`` (zero padded), shape (n_frames, window_length)."""
    half = window_length // 2
    padded = np.zeros(len(y) + 2 * window_length + n_frames * hop_length)
    padded[window_length:window_length + len(y)] = y
    starts = window_length - half + np.arange(n_frames) * hop_length
    idx = starts[:, None] + np.arange(window_length)[None, :]
    return padded[idx]


def _spectra(frames, window, n_fft):
    """Zero-phase windowed spectra (the window's centre at time 0), shape (n_frames, n_fft//2+1)."""
    wl = window.shape[0]
    buf = np.zeros((frames.shape[0], n_fft))
    half = wl // 2
    wx = frames * window[None, :]
    # rotate so the frame centre (index ``half``) sits at sample 0: the spectrum of a centred
    # symmetric window is then real, which the voicing fit relies on
    buf[:, :wl - half] = wx[:, half:]
    buf[:, n_fft - half:] = wx[:, :half]
    return np.fft.rfft(buf, axis=1)


def _refine_f0(power, f0, sr, n_fft, *, max_freq, span, steps):
    """Search ``f0 * (1 + r)`` for ``r`` in ``[-span, span]`` maximising the harmonic-comb energy."""
    ratios = np.linspace(-span, span, steps)
    cand = f0[:, None] * (1.0 + ratios[None, :])                      # (n, C)
    n_harm = np.maximum(1, np.floor(max_freq / f0)).astype(np.int64)  # fixed per frame: no bias
    m_max = int(n_harm.max())
    m = np.arange(1, m_max + 1)
    bins = np.rint(cand[:, :, None] * m[None, None, :] * n_fft / sr).astype(np.int64)
    nbins = power.shape[1]
    inside = (m[None, None, :] <= n_harm[:, None, None]) & (bins < nbins)
    bins = np.where(inside, bins, 0)
    rows = np.arange(power.shape[0])[:, None, None]
    energy = np.where(inside, power[rows, bins], 0.0).sum(axis=2)      # (n, C)
    return cand[np.arange(cand.shape[0]), np.argmax(energy, axis=1)]


def _band_index(f0, sr, n_fft, nbins, L):
    """Harmonic number ``round(f / f0)`` of every bin (0 outside ``1..L``), shape (n, nbins)."""
    freqs = np.arange(nbins) * sr / n_fft
    m = np.rint(freqs[None, :] / f0[:, None]).astype(np.int64)
    return np.where((m >= 1) & (m <= L[:, None]), m, 0)


def _voicing_snr(spectra, f0, band, sr, n_fft, window, *, max_freq=1000.0, oversample=16):
    """Signal-to-error ratio (dB) of a one-amplitude-per-harmonic fit of the spectrum below ``max_freq``.

    Each band is fitted by least squares with ``B_m W(f - m f0)``, ``W`` the (real, zero-phase)
    window spectrum; the ratio of the band energy to the fit error is the MBE voicing measure
    (Griffin & Lim 1988).
    """
    n, nbins = spectra.shape
    top = min(nbins, int(np.floor(max_freq * n_fft / sr)) + 1)
    S = spectra[:, :top]
    m = band[:, :top]
    # window spectrum on a fine grid, centred: W(offset in bins)
    fine = n_fft * oversample
    wl = window.shape[0]
    half = wl // 2
    buf = np.zeros(fine)
    buf[:wl - half] = window[half:]
    buf[fine - half:] = window[:half]
    Wfine = np.fft.rfft(buf).real
    k = np.arange(top)[None, :]
    offset = k - m * f0[:, None] * n_fft / sr                          # in bins of n_fft
    look = np.minimum(np.rint(np.abs(offset) * oversample).astype(np.int64), Wfine.shape[0] - 1)
    W = np.where(m > 0, Wfine[look], 0.0)
    flat = (np.arange(n)[:, None] * (int(m.max()) + 1) + m).ravel()
    size = n * (int(m.max()) + 1)
    num_re = np.bincount(flat, weights=(S.real * W).ravel(), minlength=size)
    num_im = np.bincount(flat, weights=(S.imag * W).ravel(), minlength=size)
    den = np.bincount(flat, weights=(W * W).ravel(), minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        B = np.where(den > 0, (num_re + 1j * num_im) / den, 0.0)
    fit = B[flat].reshape(S.shape) * W
    inband = m > 0
    sig = np.where(inband, np.abs(S) ** 2, 0.0).sum(axis=1)
    err = np.where(inband, np.abs(S - fit) ** 2, 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = 10.0 * np.log10(sig / err)
    snr = np.where(sig > 0, snr, -np.inf)
    return np.where(np.isnan(snr), np.inf, snr)


def harmonic_analysis(y, sr, f0=None, *, voiced=None, hop_length=None, window_length=None,
                      n_fft=None, refine=True, refine_span=0.06, voicing_threshold=6.0,
                      fmin=50.0, fmax=500.0):
    """Harmonic amplitudes of ``y`` per frame: refined F0, ``L`` harmonics, ``A_m`` and voicing.

    Parameters
    ----------
    y : numpy.ndarray, shape (n,)
        Mono float signal.
    sr : int
        Sample rate in Hz.
    f0 : numpy.ndarray (n_frames,), PitchTrack, or None
        Pitch estimate per frame (Hz, all finite and positive), or a
        :class:`audiogp.dsp.pitch.PitchTrack` (its ``f0``, ``voiced`` and ``hop_length`` are
        used). ``None`` runs :func:`audiogp.dsp.pitch_track` with ``fmin``/``fmax``.
    voiced : numpy.ndarray of bool (n_frames,), optional
        The tracker's voicing. A frame is voiced when this says so *and* the harmonic fit's SNR
        is above ``voicing_threshold``; without it, the SNR alone decides.
    hop_length : int, optional
        Frame hop; default ``round(0.010 * sr)`` (the tracker's). Frames are centred at
        ``i * hop_length / sr``, and ``n_frames = 1 + len(y) // hop_length``.
    window_length : int, optional
        Hann analysis window; default ``round(0.040 * sr)`` (two periods at 50 Hz).
    n_fft : int, optional
        DFT size; default the power of two at least four times ``window_length``.
    refine : bool
        Refine F0 by maximising the harmonic-comb energy within ``+- refine_span`` (relative).
    refine_span : float
        Relative search range of the refinement.
    voicing_threshold : float
        Harmonic-fit SNR (dB) above which a frame counts as voiced (Codec 2 uses about 6 dB).
    fmin, fmax : float
        F0 range: used for the tracker when ``f0`` is None; refined F0 is clipped to it.

    Returns
    -------
    HarmonicFrames

    Raises
    ------
    ParameterError
        For a non-finite sample (named), a signal shorter than one window, or an ``f0`` of the
        wrong length or with non-positive values.

    Notes
    -----
    ``A_m = 2 sqrt(E_m / (n_fft sum w^2))`` where ``E_m`` is the energy of the one-sided DFT in
    the band of harmonic ``m``: by Parseval, a stationary sinusoid of amplitude ``A`` puts
    ``A^2 n_fft sum w^2 / 4`` into its band, whatever its frequency.
    """
    y = check.float_array(y, "y").astype(np.float64, copy=False)
    if y.ndim != 1:
        raise ParameterError(f"y must be mono (1-D), got shape {y.shape}; mix down or pick a channel")
    sr = check.integer(sr, "sr", minimum=1000)
    if f0 is not None and hasattr(f0, "f0") and hasattr(f0, "voiced"):
        track = f0
        f0 = np.asarray(track.f0, dtype=np.float64)
        if voiced is None:
            voiced = np.asarray(track.voiced, dtype=bool)
        if hop_length is None:
            hop_length = int(track.hop_length)
    hop_length = check.integer(round(0.010 * sr) if hop_length is None else hop_length,
                               "hop_length", minimum=1)
    window_length = check.integer(round(0.040 * sr) if window_length is None else window_length,
                                  "window_length", minimum=16)
    if n_fft is None:
        n_fft = 1 << int(np.ceil(np.log2(4 * window_length)))
    n_fft = check.integer(n_fft, "n_fft", minimum=window_length)
    if len(y) < window_length:
        raise ParameterError(
            f"y has {len(y)} samples, fewer than one analysis window ({window_length} samples = "
            f"{window_length / sr * 1000:.0f} ms at {sr} Hz); give a longer signal or a shorter "
            "window_length"
        )
    n_frames = 1 + len(y) // hop_length
    if f0 is None:
        from audiogp.dsp import pitch_track

        track = pitch_track(y, sr, fmin=fmin, fmax=fmax, hop_length=hop_length)
        f0 = np.asarray(track.f0, dtype=np.float64)
        if voiced is None:
            voiced = np.asarray(track.voiced, dtype=bool)
    f0 = check.float_array(f0, "f0").astype(np.float64)
    if f0.shape != (n_frames,):
        raise ParameterError(
            f"f0 has shape {f0.shape} but y ({len(y)} samples, hop_length={hop_length}) has "
            f"{n_frames} frames (1 + len(y) // hop_length); track pitch with the same hop_length"
        )
    if np.any(f0 <= 0):
        bad = int(np.argmax(f0 <= 0))
        raise ParameterError(f"f0 must be positive in every frame, got {f0[bad]} at frame {bad}; "
                             "give unvoiced frames a guess (e.g. interpolated) and voiced=False")
    if voiced is not None:
        voiced = np.asarray(voiced, dtype=bool)
        if voiced.shape != (n_frames,):
            raise ParameterError(f"voiced has shape {voiced.shape}, expected ({n_frames},)")

    window = analysis_window(window_length)
    frames = frame_signal(y, hop_length, window_length, n_frames)
    spectra = _spectra(frames, window, n_fft)
    power = spectra.real ** 2 + spectra.imag ** 2
    nyq = sr / 2.0
    if refine:
        max_freq = min(nyq, 4000.0)
        est = _refine_f0(power, f0, sr, n_fft, max_freq=max_freq, span=refine_span, steps=25)
        step = 2 * refine_span / 24
        est = _refine_f0(power, est, sr, n_fft, max_freq=max_freq, span=step, steps=11)
        f0 = np.clip(est, min(fmin, f0.min()), max(fmax, f0.max()))
    L = np.maximum(1, np.floor(nyq / f0)).astype(np.int64)
    nbins = power.shape[1]
    band = _band_index(f0, sr, n_fft, nbins, L)
    L_max = int(L.max())
    flat = (np.arange(n_frames)[:, None] * (L_max + 1) + band).ravel()
    energy = np.bincount(flat, weights=power.ravel(), minlength=n_frames * (L_max + 1))
    energy = energy.reshape(n_frames, L_max + 1)[:, 1:]
    scale = 4.0 / (n_fft * np.sum(window ** 2))
    amplitudes = np.sqrt(energy * scale)
    snr = _voicing_snr(spectra, f0, band, sr, n_fft, window)
    is_voiced = snr > voicing_threshold
    if voiced is not None:
        is_voiced &= voiced
    return HarmonicFrames(f0=f0, voiced=is_voiced, L=L, amplitudes=amplitudes, snr=snr, sr=sr,
                          hop_length=hop_length, window_length=window_length, n_fft=n_fft,
                          n_samples=len(y))
