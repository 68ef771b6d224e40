"""Short-time Fourier transform and its inverse.

The conventions (shapes, defaults, padding, normalisation) are librosa's, so
code written for ``librosa.stft`` / ``librosa.istft`` gets the same numbers.
Framing, windowing and overlap-add are compiled (:mod:`audiogp._core.stft`);
the FFTs are :mod:`scipy.fft` with worker threads.
"""

import numpy as np
import scipy.fft
import scipy.signal

from audiogp import _validate as check
from audiogp._core import stft as _kernels
from audiogp._threads import n_threads, run_split
from audiogp.errors import ParameterError

# Below these sizes a kernel runs in the calling thread: the pool costs more.
_MIN_FRAMES_PER_THREAD = 256
_MIN_SAMPLES_PER_THREAD = 1 << 16
_NOLA_TOLERANCE = 1e-10


def get_window(window, win_length, *, n_fft=None, dtype=np.float64):
    """Return an FFT-periodic analysis window, zero-padded centrally to ``n_fft``.

    Parameters
    ----------
    window : str, tuple, float, callable or array_like
        A window name or specification understood by
        :func:`scipy.signal.get_window` (``"hann"``, ``("kaiser", 8.0)``, ...),
        a function ``f(win_length) -> array``, or the window samples
        themselves (length ``win_length``).
    win_length : int
        Window length in samples.
    n_fft : int, optional
        Length to centre-pad the window to (default: ``win_length``).
    dtype : numpy dtype
        Dtype of the returned window.

    Returns
    -------
    numpy.ndarray, shape (n_fft,)
    """
    n_fft = win_length if n_fft is None else n_fft
    if callable(window):
        samples = np.asarray(window(win_length))
    elif isinstance(window, (str, tuple)) or np.isscalar(window):
        try:
            samples = scipy.signal.get_window(window, win_length, fftbins=True)
        except ValueError as error:
            raise ParameterError(f"window={window!r} is not a window scipy.signal knows: {error}") from None
    else:
        samples = np.asarray(window)
    samples = check.float_array(samples, "window", dtypes=(np.float64,))
    if samples.ndim != 1 or samples.shape[0] != win_length:
        raise ParameterError(
            f"window has shape {samples.shape}, expected ({win_length},) to match win_length={win_length}"
        )
    padded = np.zeros(n_fft, dtype=np.float64)
    lead = (n_fft - win_length) // 2
    padded[lead:lead + win_length] = samples
    return padded.astype(dtype)


def check_nola(window, hop_length, *, tol=_NOLA_TOLERANCE):
    """Whether a window and hop satisfy the non-zero overlap-add (NOLA) condition.

    The inverse STFT divides by the overlap-added squared window; NOLA says
    that sum never vanishes, so every sample is recoverable (Griffin & Lim,
    "Signal estimation from modified short-time Fourier transform", IEEE
    TASSP 32(2), 1984).

    Parameters
    ----------
    window : numpy.ndarray
        The (padded) window samples.
    hop_length : int
        Hop between frames.
    tol : float
        Smallest acceptable squared-window sum.

    Returns
    -------
    bool
    """
    window = np.asarray(window, dtype=np.float64)
    n_fft = window.shape[0]
    padded = np.zeros(-(-n_fft // hop_length) * hop_length)
    padded[:n_fft] = window**2
    return bool(np.all(padded.reshape(-1, hop_length).sum(axis=0) > tol))


def _frame_geometry(n_fft, hop_length, win_length):
    n_fft = check.integer(n_fft, "n_fft", minimum=1)
    win_length = n_fft if win_length is None else check.integer(win_length, "win_length", minimum=1)
    if win_length > n_fft:
        raise ParameterError(f"win_length={win_length} must be <= n_fft={n_fft}")
    if hop_length is None:
        hop_length = win_length // 4
        if hop_length < 1:
            raise ParameterError(
                f"the default hop_length (win_length // 4) is 0 for win_length={win_length}; "
                "pass hop_length explicitly"
            )
    hop_length = check.integer(hop_length, "hop_length", minimum=1)
    return n_fft, hop_length, win_length


def stft(y, *, n_fft=2048, hop_length=None, win_length=None, window="hann", center=True,
         pad_mode="constant", dtype=None):
    """Short-time Fourier transform.

    Parameters
    ----------
    y : numpy.ndarray, shape (..., n)
        Real floating-point signal(s); leading axes are channels.
    n_fft : int
        FFT length; the output has ``1 + n_fft // 2`` frequency bins.
    hop_length : int, optional
        Samples between frames (default ``win_length // 4``).
    win_length : int, optional
        Window length (default ``n_fft``); shorter windows are zero-padded
        centrally to ``n_fft``.
    window : str, tuple, callable or array_like
        Window specification, see :func:`get_window`.
    center : bool
        Pad ``n_fft // 2`` samples on both sides so frame ``t`` is centred on
        sample ``t * hop_length``.
    pad_mode : {"constant", "reflect"}
        How ``center`` pads: zeros, or mirror images of the signal.
    dtype : numpy complex dtype, optional
        Output dtype (default: complex64 for float32 input, else complex128).

    Returns
    -------
    numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames)
        The complex STFT, frame ``t`` in column ``t``.

    Notes
    -----
    Matches ``librosa.stft`` with the same arguments. The discrete STFT and
    its conventions follow Allen & Rabiner, "A unified approach to short-time
    Fourier analysis and synthesis", Proc. IEEE 65(11), 1977.
    """
    y = check.float_array(y, "y")
    n_fft, hop_length, win_length = _frame_geometry(n_fft, hop_length, win_length)
    check.choice(pad_mode, "pad_mode", ("constant", "reflect"))
    n_samples = y.shape[-1]
    if center:
        offset = -(n_fft // 2)
        n_frames = 1 + (n_samples + 2 * (n_fft // 2) - n_fft) // hop_length
    else:
        if n_samples < n_fft:
            raise ParameterError(
                f"y has {n_samples} samples, fewer than n_fft={n_fft}; with center=False "
                "every frame must lie inside the signal: use center=True or a smaller n_fft"
            )
        offset = 0
        n_frames = 1 + (n_samples - n_fft) // hop_length

    real_dtype = y.dtype
    fft_window = get_window(window, win_length, n_fft=n_fft, dtype=real_dtype)
    channels = np.ascontiguousarray(y.reshape(-1, n_samples))
    frames = np.empty((channels.shape[0], n_frames, n_fft), dtype=real_dtype)
    reflect = pad_mode == "reflect"

    def fill(start, stop):
        _kernels.frame_window(channels, fft_window, hop_length, offset, reflect, frames, start, stop)

    run_split(fill, n_frames, min_chunk=_MIN_FRAMES_PER_THREAD)
    spectrum = scipy.fft.rfft(frames, axis=-1, workers=n_threads(), overwrite_x=True)
    spectrum = spectrum.reshape(y.shape[:-1] + (n_frames, n_fft // 2 + 1)).swapaxes(-1, -2)
    if dtype is not None:
        spectrum = spectrum.astype(dtype, copy=False)
    return spectrum


def istft(stft_matrix, *, hop_length=None, win_length=None, n_fft=None, window="hann",
          center=True, length=None, dtype=None):
    """Inverse short-time Fourier transform by weighted overlap-add.

    Each frame is inverse-transformed, multiplied by the window and
    overlap-added; the sum is divided by the overlap-added squared window
    (the least-squares inverse of Griffin & Lim 1984).

    Parameters
    ----------
    stft_matrix : numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames)
        Complex STFT, e.g. from :func:`stft`.
    hop_length, win_length, window, center
        As given to :func:`stft`.
    n_fft : int, optional
        FFT length (default ``2 * (n_bins - 1)``).
    length : int, optional
        Length of the output: trimmed or zero-padded to exactly this many samples.
    dtype : numpy float dtype, optional
        Output dtype (default: float32 for complex64 input, else float64).

    Returns
    -------
    numpy.ndarray, shape (..., n)

    Raises
    ------
    ParameterError
        If the window and hop violate the NOLA condition (see
        :func:`check_nola`), so the signal cannot be recovered.
    """
    stft_matrix = check.complex_array(stft_matrix, "stft_matrix", min_ndim=2)
    n_bins, n_frames_in = stft_matrix.shape[-2:]
    if n_fft is None:
        n_fft = 2 * (n_bins - 1)
        if n_fft < 1:
            raise ParameterError("stft_matrix has a single frequency bin; pass n_fft explicitly")
    n_fft, hop_length, win_length = _frame_geometry(n_fft, hop_length, win_length)
    if n_bins != n_fft // 2 + 1:
        raise ParameterError(
            f"stft_matrix has {n_bins} frequency bins but n_fft={n_fft} gives {n_fft // 2 + 1}"
        )
    length = check.integer(length, "length", minimum=0, allow_none=True)

    real_dtype = np.dtype(np.float32 if stft_matrix.dtype == np.complex64 else np.float64)
    if dtype is not None:
        real_dtype = np.dtype(dtype)
    ifft_window = get_window(window, win_length, n_fft=n_fft, dtype=real_dtype)
    if not check_nola(ifft_window, hop_length):
        raise ParameterError(
            f"window={window!r} (win_length={win_length}) with hop_length={hop_length} does not "
            "satisfy the NOLA condition: some samples get zero weight and cannot be recovered. "
            "Use a smaller hop_length or a window without zeros at those offsets."
        )

    start = n_fft // 2 if center else 0
    if length is not None:
        padded_length = length + 2 * start
        n_frames = min(n_frames_in, -(-padded_length // hop_length))
        out_length = length
    else:
        n_frames = n_frames_in
        out_length = n_fft + hop_length * (n_frames - 1) - 2 * start

    lead_shape = stft_matrix.shape[:-2]
    columns = stft_matrix.reshape((-1, n_bins, n_frames_in))[..., :n_frames].swapaxes(-1, -2)
    frames = scipy.fft.irfft(columns, n=n_fft, axis=-1, workers=n_threads())
    frames = np.ascontiguousarray(frames, dtype=real_dtype)
    out = np.zeros((frames.shape[0], out_length), dtype=real_dtype)

    def add(t_start, t_stop):
        _kernels.overlap_add(frames, ifft_window, hop_length, start, out, t_start, t_stop)

    run_split(add, out_length, min_chunk=_MIN_SAMPLES_PER_THREAD)
    envelope = np.zeros(out_length, dtype=real_dtype)
    _kernels.window_sumsquare(ifft_window, n_frames, hop_length, start, envelope)
    _kernels.divide_by_envelope(out, envelope, float(np.finfo(real_dtype).tiny))
    return out.reshape(lead_shape + (out_length,))
