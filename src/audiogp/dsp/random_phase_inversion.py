"""Random-phase inversion: a waveform from magnitudes alone, the phase drawn at random.

The magnitude says how much energy each frequency carries; where the phase
carries no information (noise-like sounds, or a model that only describes a
power spectrum, such as a Gaussian process fitted to a periodogram), an
independent uniform phase per coefficient gives a signal of that spectrum.
This is the "randomly separate the phase" step of the GP speech system:
the model fixes the magnitude, the phase is left to chance.
"""

import numpy as np

from audiogp import _validate as check
from audiogp.dsp import _inverse
from audiogp.errors import ParameterError


def random_phase(S, *, random_state=None, n_fft=None, hop_length=None, win_length=None,
                 window="hann", center=True, length=None, dtype=None, match_energy=True):
    """Waveform whose STFT has magnitude ``S`` and independent uniform random phases.

    Parameters
    ----------
    S : numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames)
        Magnitude spectrogram (real, non-negative).
    random_state : None, int or numpy.random.Generator
        Seed or generator of the phases.
    n_fft, hop_length, win_length, window, center, length, dtype
        As for :func:`audiogp.dsp.istft`; ``length`` must fit ``S``'s frames.
    match_energy : bool
        Scale by ``sqrt(n_fft / hop_length)`` so that the result's STFT has,
        on average, the power of ``S`` (see Notes). Without it the
        overlap-add of frames of unrelated phase keeps only
        ``hop_length / n_fft`` of the power.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        ``istft(S * exp(i theta))`` with ``theta`` uniform on ``[0, 2 pi)``.
        The DC and Nyquist bins of a real signal carry a sign, not a phase:
        they get a random sign. All-zero ``S`` gives silence.

    Notes
    -----
    The magnitude of the result's STFT is not ``S`` (random phases are not
    consistent); it is the classical starting point of Griffin & Lim
    (1984) and a noise-excited resynthesis in the spirit of the phase
    vocoder (Flanagan & Golden, "Phase vocoder", Bell Syst. Tech. J. 45,
    1966). Use :func:`audiogp.dsp.griffinlim` to make it consistent.

    Energy: the inverse STFT divides the overlap-added frames by the summed
    squared window, which for consistent frames returns the signal; frames
    of independent phase add in power instead of amplitude, so a stationary
    sound comes out with ``hop_length / n_fft`` of its power whatever the
    window (Parseval, per frame). ``match_energy`` undoes that factor.
    """
    from audiogp.dsp.spectrum import istft

    S = _inverse.magnitude(S, "S")
    n_bins, n_frames = S.shape[-2:]
    n_fft, hop_length, win_length = _inverse.geometry(n_bins, n_fft, hop_length, win_length)
    length = _inverse.signal_length(n_frames, n_fft, hop_length, center, length)
    rng = _inverse.rng_from(random_state)
    phasor = _random_phasors(rng, S.shape, n_fft)
    spectrum = S * phasor
    if match_energy:
        spectrum *= np.sqrt(n_fft / hop_length)
    spectrum = spectrum.astype(np.result_type(S.dtype, np.complex64), copy=False)
    return istft(spectrum, hop_length=hop_length, win_length=win_length, n_fft=n_fft, window=window,
                 center=center, length=length, dtype=dtype)


def random_phase_psd(psd, *, n=None, sr=1.0, scaling="density", random_state=None):
    """Signal block(s) whose one-sided periodogram is exactly ``psd``, with random phases.

    Parameters
    ----------
    psd : numpy.ndarray, shape (..., 1 + n // 2)
        One-sided power spectral density (``scaling="density"``, units²/Hz)
        or power spectrum (``"spectrum"``, units²) per block, as from
        :func:`audiogp.dsp.periodogram` / :func:`audiogp.dsp.block_periodogram`
        with the boxcar window.
    n : int, optional
        Block length (default ``2 * (psd.shape[-1] - 1)``; pass odd lengths
        explicitly).
    sr : number
        Sample rate in Hz (for ``"density"``).
    scaling : {"density", "spectrum"}
        How ``psd`` is scaled, as in :func:`scipy.signal.periodogram`.
    random_state : None, int or numpy.random.Generator
        Seed or generator of the phases.

    Returns
    -------
    numpy.ndarray, shape (..., n)
        Real blocks whose boxcar periodogram (without detrending) equals
        ``psd``: every Fourier coefficient has the magnitude the PSD
        prescribes and a uniform random phase (a random sign at DC and
        Nyquist).

    Notes
    -----
    The random-phase (spectral representation) method of simulating a
    stationary Gaussian process of given spectrum: M. Shinozuka and
    C.-M. Jan, "Digital simulation of random processes and its
    applications", J. Sound Vib. 25(1), 1972.
    """
    import scipy.fft

    psd = _inverse.magnitude(psd, "psd", min_ndim=1)
    n_freq = psd.shape[-1]
    if n is None:
        if n_freq < 2:
            raise ParameterError("psd has a single frequency; pass the block length n explicitly")
        n = 2 * (n_freq - 1)
    n = check.integer(n, "n", minimum=1)
    if n // 2 + 1 != n_freq:
        raise ParameterError(
            f"psd has {n_freq} frequencies but a block of n={n} samples has {n // 2 + 1}; "
            f"pass the block length the PSD was computed for"
        )
    sr = check.real_number(sr, "sr", exclusive_minimum=0)
    check.choice(scaling, "scaling", ("density", "spectrum"))
    # one-sided folding: every bin but DC (and Nyquist for even n) holds two
    doubled = np.full(n_freq, 2.0)
    doubled[0] = 1.0
    if n % 2 == 0:
        doubled[-1] = 1.0
    norm = sr * n if scaling == "density" else float(n) ** 2
    amplitude = np.sqrt(psd.astype(np.float64) * norm / doubled)
    rng = _inverse.rng_from(random_state)
    spectrum = amplitude * _random_phasors(rng, psd.shape, n, axis=-1)
    blocks = scipy.fft.irfft(spectrum, n=n, axis=-1)
    return blocks.astype(np.float32 if psd.dtype == np.float32 else np.float64)


def _random_phasors(rng, shape, n_fft, axis=-2):
    """Unit phasors of random phase; the real-valued DC (and Nyquist) bins get random signs."""
    phasor = np.exp(2j * np.pi * rng.random(shape))
    bins = [slice(None)] * len(shape)
    edges = [0] + ([shape[axis] - 1] if n_fft % 2 == 0 else [])
    for edge in edges:
        bins[axis] = edge
        signs = np.where(rng.random(phasor[tuple(bins)].shape) < 0.5, -1.0, 1.0)
        phasor[tuple(bins)] = signs
    return phasor
