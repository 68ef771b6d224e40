"""Fast Griffin-Lim: a signal whose STFT magnitude matches a given one.

The iteration alternates two projections: onto the consistent
spectrograms (inverse STFT, then STFT again) and onto the spectrograms with
the given magnitude (keep the phase, replace the magnitude), with the
momentum of Perraudin, Balazs & Søndergaard (2013). Everything runs on
buffers allocated once, through one :class:`audiogp.dsp.StftPlan`, and the
phase update is one fused compiled loop.
"""

import numpy as np

from audiogp import _validate as check
from audiogp._core import gla as _gla
from audiogp._threads import run_split
from audiogp.dsp import _inverse
from audiogp.dsp.spectrum import StftPlan
from audiogp.errors import ParameterError

_MIN_FRAMES_PER_THREAD = 128
_INITS = ("random", "zero", "pghi")


def griffinlim(S, *, n_iter=32, hop_length=None, win_length=None, n_fft=None, window="hann",
               center=True, dtype=None, length=None, pad_mode="constant", momentum=0.99,
               init="random", random_state=None, progress=None):
    """Signal whose STFT magnitude approximates ``S``, by fast Griffin-Lim.

    Parameters
    ----------
    S : numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames)
        Magnitude spectrogram (real, non-negative); leading axes are channels.
    n_iter : int
        Number of iterations (each one inverse STFT and one STFT).
    hop_length, win_length, window, center
        The STFT geometry ``S`` was computed with, as for :func:`audiogp.dsp.stft`.
    n_fft : int, optional
        FFT length (default ``2 * (S.shape[-2] - 1)``).
    dtype : numpy float dtype, optional
        Output dtype (default: float32 for float32 ``S``, else float64).
    length : int, optional
        Length of the signal. It is kept through the iteration, as librosa
        does, and must give back ``S``'s number of frames.
    pad_mode : {"constant", "reflect"}
        Padding of the re-analysis when ``center`` (librosa's default, zeros).
    momentum : float >= 0
        Momentum of the fast Griffin-Lim algorithm; 0 gives the original
        Griffin-Lim algorithm. Values above 1 may diverge.
    init : {"random", "zero", "pghi"} or numpy.ndarray
        Initial phase: uniformly random, zero, the non-iterative estimate of
        :func:`audiogp.dsp.pghi` (Hann, Hamming or Gaussian windows), or a
        phase array in radians of ``S``'s shape. ``None`` means ``"zero"``,
        as in librosa.
    random_state : None, int or numpy.random.Generator
        Seed or generator for ``init="random"``.
    progress : callable, optional
        ``progress(done, total)`` after each iteration.

    Returns
    -------
    numpy.ndarray, shape (..., n)

    Notes
    -----
    N. Perraudin, P. Balazs and P. L. Søndergaard, "A fast Griffin-Lim
    algorithm", IEEE WASPAA 2013, on the algorithm of D. Griffin and J. Lim,
    "Signal estimation from modified short-time Fourier transform", IEEE
    TASSP 32(2), 1984. The update is librosa's: with ``R_n`` the STFT of the
    current estimate, the next phase is that of ``R_n - momentum / (1 +
    momentum) * R_{n-1}``, so that the same settings give the same iterates
    as ``librosa.griffinlim`` up to the random initial phase. Initialising
    with PGHI (Průša, Balazs & Søndergaard 2017) reaches in a few iterations
    a consistency that random initialisation does not reach at all.
    """
    S = _inverse.magnitude(S, "S")
    n_iter = check.integer(n_iter, "n_iter", minimum=0)
    momentum = check.real_number(momentum, "momentum", minimum=0)
    check.choice(pad_mode, "pad_mode", ("constant", "reflect"))
    n_bins, n_frames = S.shape[-2:]
    n_fft, hop_length, win_length = _inverse.geometry(n_bins, n_fft, hop_length, win_length)
    length = _inverse.signal_length(n_frames, n_fft, hop_length, center, length)
    if length < 1:
        raise ParameterError(f"S has {n_frames} frame(s), too few for a signal with center={center}")
    real_dtype = S.dtype
    complex_dtype = np.result_type(real_dtype, np.complex64)
    out_dtype = real_dtype if dtype is None else np.dtype(dtype)
    if out_dtype.kind != "f":
        raise ParameterError(f"dtype={dtype!r} must be a floating-point dtype such as np.float32")

    phase = _initial_phase(init, S, random_state, n_fft, hop_length, win_length, window)
    lead_shape = S.shape[:-2]
    # Frame-major (channel, frame, bin) buffers: what the plan's FFTs and the
    # phase update read and write contiguously.
    magnitude = np.ascontiguousarray(S.reshape((-1, n_bins, n_frames)).swapaxes(1, 2))
    n_channels = magnitude.shape[0]
    plan = StftPlan(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                    center=center, pad_mode=pad_mode, n_samples=length, dtype=real_dtype)

    spectrum = np.empty(magnitude.shape, dtype=complex_dtype)
    if phase is None:
        spectrum[...] = magnitude
    else:
        phase = phase.reshape((-1, n_bins, n_frames)).swapaxes(1, 2)
        np.multiply(magnitude, np.exp(1j * phase), out=spectrum, casting="same_kind")
    rebuilt = np.empty_like(spectrum)
    previous = np.empty_like(spectrum)
    signal = np.empty((n_channels, length), dtype=real_dtype)

    beta = momentum / (1 + momentum)
    eps = float(np.finfo(real_dtype).tiny)
    for iteration in range(n_iter):
        plan.istft(spectrum.swapaxes(1, 2), out=signal)
        plan.stft(signal, out=rebuilt.swapaxes(1, 2))
        step = 0.0 if iteration == 0 else beta
        _update(rebuilt, previous if iteration else rebuilt, step, magnitude, eps, spectrum, real_dtype)
        rebuilt, previous = previous, rebuilt
        if progress is not None:
            progress(iteration + 1, n_iter)

    plan.istft(spectrum.swapaxes(1, 2), out=signal)
    return signal.reshape(lead_shape + (length,)).astype(out_dtype, copy=True)


def _update(rebuilt, previous, beta, magnitude, eps, out, real_dtype):
    """``out = magnitude * c / (|c| + eps)``, ``c = rebuilt - beta * previous``, over threads."""
    rebuilt_real = rebuilt.view(real_dtype)
    previous_real = previous.view(real_dtype)
    out_real = out.view(real_dtype)

    def update(start, stop):
        _gla.update_phase(rebuilt_real, previous_real, beta, magnitude, eps, out_real, start, stop)

    run_split(update, magnitude.shape[1], min_chunk=_MIN_FRAMES_PER_THREAD)


def _initial_phase(init, S, random_state, n_fft, hop_length, win_length, window):
    """Initial phase in radians (float64, S's shape), or None for zero phase."""
    if init is None:
        return None
    if isinstance(init, str):
        check.choice(init, "init", _INITS)
        if init == "zero":
            return None
        if init == "random":
            return 2 * np.pi * _inverse.rng_from(random_state).random(S.shape)
        from audiogp.dsp.phase_gradient import pghi

        return pghi(S, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                    window=window).astype(np.float64)
    return _inverse.phase_angles(init, S.shape, "init")
