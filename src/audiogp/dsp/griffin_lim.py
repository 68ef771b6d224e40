"""Fast Griffin-Lim: a signal whose STFT magnitude matches a given one.

The iteration alternates two projections on the frames of the STFT: onto
the consistent spectrograms (inverse STFT, then STFT again) and onto the
spectrograms with the given magnitude (keep the phase, replace the
magnitude), with the momentum of Perraudin, Balazs & Søndergaard (2013).
Everything runs on frame-major buffers allocated once: the FFTs are
:mod:`scipy.fft` with worker threads, overlap-add and framing are the
compiled STFT kernels and the phase update is one fused compiled loop.
"""

import numpy as np
import scipy.fft

from audiogp import _validate as check
from audiogp._core import gla as _gla
from audiogp._core import stft as _stft_kernels
from audiogp._threads import n_threads, run_split
from audiogp.dsp import _inverse
from audiogp.dsp.spectrum import check_nola, get_window
from audiogp.errors import ParameterError

_MIN_FRAMES_PER_THREAD = 128
_MIN_SAMPLES_PER_THREAD = 1 << 16
_INITS = ("random", "zero", "pghi")


class _FrameProjection:
    """STFT(ISTFT(.)) on frame-major complex frames, with buffers allocated once.

    Frames are ``(n_channels, n_frames, n_bins)``; the signal between the two
    transforms is ``(n_channels, length)``, exactly what
    :func:`audiogp.dsp.istft` would return with ``length``, and what
    :func:`audiogp.dsp.stft` reads back (``pad_mode`` padding outside it).
    """

    def __init__(self, n_channels, n_frames, n_fft, hop_length, win_length, window, center,
                 length, pad_mode, real_dtype):
        self.n_fft = n_fft
        self.hop = hop_length
        self.start = n_fft // 2 if center else 0
        self.reflect = pad_mode == "reflect"
        self.window = get_window(window, win_length, n_fft=n_fft, dtype=real_dtype)
        if not check_nola(self.window, hop_length):
            raise ParameterError(
                f"window={window!r} (win_length={win_length}) with hop_length={hop_length} does not "
                "satisfy the NOLA condition, so the spectrogram cannot be inverted; use a smaller "
                "hop_length"
            )
        self.signal = np.zeros((n_channels, length), dtype=real_dtype)
        self.frames = np.empty((n_channels, n_frames, n_fft), dtype=real_dtype)
        self.envelope = np.zeros(length, dtype=real_dtype)
        _stft_kernels.window_sumsquare(self.window, n_frames, hop_length, self.start, self.envelope)
        self.tiny = float(np.finfo(real_dtype).tiny)

    def synthesise(self, spectrum):
        """Inverse STFT of frame-major ``spectrum`` into ``self.signal``."""
        frames = scipy.fft.irfft(spectrum, n=self.n_fft, axis=-1, workers=n_threads())
        signal = self.signal
        signal.fill(0)

        def add(t_start, t_stop):
            _stft_kernels.overlap_add(frames, self.window, self.hop, self.start, signal, t_start, t_stop)

        run_split(add, signal.shape[1], min_chunk=_MIN_SAMPLES_PER_THREAD)
        _stft_kernels.divide_by_envelope(signal, self.envelope, self.tiny)
        return signal

    def analyse(self):
        """STFT of ``self.signal``, frame-major."""
        frames = self.frames

        def fill(start, stop):
            _stft_kernels.frame_window(self.signal, self.window, self.hop, -self.start, self.reflect,
                                       frames, start, stop)

        run_split(fill, frames.shape[1], min_chunk=_MIN_FRAMES_PER_THREAD)
        return scipy.fft.rfft(frames, axis=-1, workers=n_threads())


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
    magnitude = np.ascontiguousarray(S.reshape((-1, n_bins, n_frames)).swapaxes(1, 2))
    n_channels = magnitude.shape[0]
    projection = _FrameProjection(n_channels, n_frames, n_fft, hop_length, win_length, window, center,
                                  length, pad_mode, real_dtype)

    if phase is None:
        spectrum = magnitude.astype(complex_dtype)
    else:
        phase = phase.reshape((-1, n_bins, n_frames)).swapaxes(1, 2)
        spectrum = np.empty(magnitude.shape, dtype=complex_dtype)
        np.multiply(magnitude, np.exp(1j * phase), out=spectrum, casting="same_kind")

    beta = momentum / (1 + momentum)
    eps = float(np.finfo(real_dtype).tiny)
    as_real = spectrum.view(real_dtype)
    previous = None
    for iteration in range(n_iter):
        projection.synthesise(spectrum)
        rebuilt = projection.analyse()
        rebuilt_real = rebuilt.view(real_dtype)
        if previous is None:
            previous_real, step = rebuilt_real, 0.0
        else:
            previous_real, step = previous.view(real_dtype), beta

        def update(start, stop):
            _gla.update_phase(rebuilt_real, previous_real, step, magnitude, eps, as_real, start, stop)

        run_split(update, n_frames, min_chunk=_MIN_FRAMES_PER_THREAD)
        previous = rebuilt
        if progress is not None:
            progress(iteration + 1, n_iter)

    signal = projection.synthesise(spectrum)
    return signal.reshape(lead_shape + (length,)).astype(out_dtype, copy=True)


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
