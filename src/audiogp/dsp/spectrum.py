"""Short-time Fourier transform and its inverse.

The conventions (shapes, defaults, padding, normalisation) are librosa's, so
code written for ``librosa.stft`` / ``librosa.istft`` gets the same numbers.
Framing, windowing and overlap-add are compiled (:mod:`audiogp._core.stft`);
the FFTs are SciPy's pocketfft.

A long signal is processed in blocks of frames small enough to stay in cache
(frame a block, transform it straight into its slice of the result), and the
blocks are spread over threads with :func:`audiogp._threads.run_split`.
:class:`StftPlan` holds everything that depends only on the geometry (window,
NOLA check, inverse envelope, scratch buffers) for loops such as Griffin-Lim
that transform many signals of the same shape; :func:`stft` and
:func:`istft` are thin wrappers over a one-off plan.
"""

import functools
import threading

import numpy as np

from audiogp import _validate as check
from audiogp._core import stft as _kernels
from audiogp._threads import n_threads, run_split
from audiogp.dsp import _fft
from audiogp.errors import ParameterError, ParameterTypeError

_NOLA_TOLERANCE = 1e-10
# Frames per block: about this many bytes of frames, so a block and its
# spectrum stay in a core's L2 cache.
_BLOCK_BYTES = 1 << 18
# Below these amounts of work a call runs in the calling thread: the pool costs more.
_MIN_FRAME_SAMPLES_PER_THREAD = 1 << 17
_MIN_OUTPUT_SAMPLES_PER_THREAD = 1 << 17
_REAL_OF = {np.dtype(np.complex64): np.dtype(np.float32), np.dtype(np.complex128): np.dtype(np.float64)}
_COMPLEX_OF = {real: cplx for cplx, real in _REAL_OF.items()}


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
        Length to centre-pad the window to (default: ``win_length``); the
        window starts at ``(n_fft - win_length) // 2``, as in
        ``librosa.util.pad_center``.
    dtype : numpy dtype
        Dtype of the returned window.

    Returns
    -------
    numpy.ndarray, shape (n_fft,)

    Notes
    -----
    Named windows are :mod:`scipy.signal.windows`, sampled periodically
    (``fftbins=True``) as spectral analysis wants; F. J. Harris, "On the use
    of windows for harmonic analysis with the discrete Fourier transform",
    Proc. IEEE 66(1), 1978, compares them.
    """
    win_length = check.integer(win_length, "win_length", minimum=1)
    n_fft = win_length if n_fft is None else check.integer(n_fft, "n_fft", minimum=win_length)
    if isinstance(window, (str, tuple)) or (np.isscalar(window) and not callable(window)):
        try:
            samples = _named_window(window, win_length)
        except TypeError:  # an unhashable tuple such as ("general_cosine", [...])
            samples = _scipy_window(window, win_length)
    elif callable(window):
        samples = np.asarray(window(win_length))
    else:
        samples = np.asarray(window)
    samples = check.float_array(samples, "window", dtypes=(np.float64,))
    if samples.ndim != 1 or samples.shape[0] != win_length:
        raise ParameterError(
            f"window has shape {samples.shape}, expected ({win_length},) to match "
            f"win_length={win_length}; pass win_length=len(window) or a window of that length"
        )
    padded = np.zeros(n_fft, dtype=np.float64)
    lead = (n_fft - win_length) // 2
    padded[lead:lead + win_length] = samples
    return padded.astype(dtype)


@functools.lru_cache(maxsize=64)
def _named_window(window, win_length):
    samples = _scipy_window(window, win_length)
    samples.setflags(write=False)
    return samples


def _scipy_window(window, win_length):
    import scipy.signal

    try:
        return scipy.signal.get_window(window, win_length, fftbins=True)
    except (ValueError, TypeError) as error:
        raise ParameterError(
            f"window={window!r} is not a window scipy.signal.get_window knows ({error}); "
            "use a name such as 'hann', a tuple such as ('kaiser', 8.0), or an array"
        ) from None


def check_nola(window, hop_length, *, tol=_NOLA_TOLERANCE):
    """Whether a window and hop satisfy the non-zero overlap-add (NOLA) condition.

    The inverse STFT divides by the overlap-added squared window; NOLA says
    that sum never vanishes away from the ends of the signal, so every
    sample is recoverable (Griffin & Lim, "Signal estimation from modified
    short-time Fourier transform", IEEE TASSP 32(2), 1984).

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
    window = check.float_array(window, "window", dtypes=(np.float64,))
    hop_length = check.integer(hop_length, "hop_length", minimum=1)
    return bool(np.all(_periodic_sumsquare(window, hop_length) > tol))


def _periodic_sumsquare(window, hop):
    """``s[p] = sum_m window[p + m*hop]**2``: the squared-window sum in the interior."""
    n_fft = window.shape[0]
    folded = np.zeros(-(-n_fft // hop) * hop)
    folded[:n_fft] = np.asarray(window, dtype=np.float64) ** 2
    return folded.reshape(-1, hop).sum(axis=0)


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


def _real_dtype(dtype, name):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ParameterTypeError(f"{name}={dtype!r} is not a NumPy dtype") from None
    if dtype not in _COMPLEX_OF:
        raise ParameterTypeError(f"{name} must be float32 or float64, got {dtype}")
    return dtype


def _complex_dtype(dtype, name):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ParameterTypeError(f"{name}={dtype!r} is not a NumPy dtype") from None
    if dtype not in _REAL_OF:
        raise ParameterTypeError(f"{name} must be complex64 or complex128, got {dtype}")
    return dtype


class _InverseEnvelope:
    """``1 / sum_j window[t + start - j*hop]**2`` for one (n_frames, length), stored compactly.

    Away from both ends every output sample sees the same window offsets, so
    the envelope is periodic with period ``hop``; only the first and last
    ``n_fft`` or so samples need their own values. Where the envelope is not
    above the dtype's ``tiny`` (the very ends), the factor is 1: those samples
    are left as overlap-added, as librosa does.
    """

    def __init__(self, window, hop, start, n_frames, length, dtype, pattern_sumsquare):
        n_fft = window.shape[0]
        tiny = np.finfo(dtype).tiny
        self.head_len = min(max(n_fft - hop - start, 0), length)
        self.tail_start = min(max(n_frames * hop - start, self.head_len), length)
        # Layout the overlap-add kernel reads: head, one interior period, tail.
        self.factors = np.concatenate([
            self._edge(window, hop, start, n_frames, 0, self.head_len, tiny, dtype),
            self._invert(pattern_sumsquare, tiny, dtype),
            self._edge(window, hop, start, n_frames, self.tail_start, length, tiny, dtype),
        ])

    @staticmethod
    def _invert(sumsquare, tiny, dtype):
        inverse = np.ones_like(sumsquare)
        nonzero = sumsquare > tiny
        inverse[nonzero] = 1.0 / sumsquare[nonzero]
        return inverse.astype(dtype)

    @classmethod
    def _edge(cls, window, hop, start, n_frames, t_start, t_stop, tiny, dtype):
        envelope = np.zeros(t_stop - t_start)
        _kernels.window_sumsquare(window, n_frames, hop, start, t_start, envelope)
        return cls._invert(envelope, tiny, dtype)


class StftPlan:
    """A prepared STFT geometry for repeated :meth:`stft` / :meth:`istft` calls.

    Everything that depends only on the geometry is computed once: the
    window, the NOLA check, the inverse squared-window envelope, per-thread
    scratch buffers. Iterative algorithms (Griffin-Lim and other phase
    retrieval) that alternate ``stft`` and ``istft`` on signals of one shape
    should build one plan and reuse it; :func:`stft` and :func:`istft` are
    wrappers over a one-off plan and give identical results.

    Parameters
    ----------
    n_fft, hop_length, win_length, window, center, pad_mode
        As for :func:`stft`.
    n_samples : int, optional
        Length of the signals. When given, :meth:`stft` accepts only signals
        of this length and :meth:`istft` returns this many samples by
        default (as ``istft(..., length=n_samples)``), the usual round trip
        in phase retrieval.
    dtype : {numpy.float32, numpy.float64}
        Working precision. Signals are converted to it; spectra are
        complex64 or complex128 accordingly.

    Attributes
    ----------
    window : numpy.ndarray, shape (n_fft,)
        The padded window (read-only).
    n_bins : int
        ``1 + n_fft // 2``.
    n_frames : int or None
        Frames of a signal of ``n_samples`` samples.
    complex_dtype : numpy.dtype
        Dtype of the spectra.

    Notes
    -----
    A plan may be shared between threads. The results are those of
    :func:`stft` / :func:`istft`; see their notes for the algorithms and
    references (Allen & Rabiner 1977; Griffin & Lim 1984).

    Examples
    --------
    >>> import numpy as np
    >>> from audiogp.dsp import StftPlan
    >>> y = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    >>> plan = StftPlan(n_fft=1024, hop_length=256, n_samples=y.size)
    >>> S = plan.stft(y)
    >>> S.shape
    (513, 87)
    >>> back = plan.istft(S)
    >>> bool(np.allclose(back, y, atol=1e-5))
    True
    """

    def __init__(self, *, n_fft=2048, hop_length=None, win_length=None, window="hann",
                 center=True, pad_mode="constant", n_samples=None, dtype=np.float32):
        self.n_fft, self.hop_length, self.win_length = _frame_geometry(n_fft, hop_length, win_length)
        self.center = bool(center)
        self.pad_mode = check.choice(pad_mode, "pad_mode", ("constant", "reflect"))
        self.dtype = _real_dtype(dtype, "dtype")
        self.complex_dtype = _COMPLEX_OF[self.dtype]
        self.window_spec = window
        self._window64 = get_window(window, self.win_length, n_fft=self.n_fft)
        self.window = self._window64.astype(self.dtype)
        self.window.setflags(write=False)
        self.n_bins = self.n_fft // 2 + 1
        self.n_samples = None
        self.n_frames = None
        if n_samples is not None:
            self.n_samples = check.integer(n_samples, "n_samples", minimum=1)
            self._check_signal_length(self.n_samples, "n_samples")
            self.n_frames = self.frame_count(self.n_samples)
        self._block = max(1, _BLOCK_BYTES // (self.n_fft * self.dtype.itemsize))
        self._scratch = []
        self._lock = threading.Lock()
        self._periodic = None
        self._envelopes = {}

    def __repr__(self):
        return (f"StftPlan(n_fft={self.n_fft}, hop_length={self.hop_length}, "
                f"win_length={self.win_length}, window={_describe(self.window_spec)}, "
                f"center={self.center}, "
                f"pad_mode={self.pad_mode!r}, n_samples={self.n_samples}, dtype={self.dtype.name})")

    # ------------------------------------------------------------------ geometry

    def frame_count(self, n_samples):
        """Number of STFT frames of a signal of ``n_samples`` samples."""
        if self.center:
            return 1 + (n_samples + 2 * (self.n_fft // 2) - self.n_fft) // self.hop_length
        return 1 + (n_samples - self.n_fft) // self.hop_length

    def _check_signal_length(self, n_samples, name):
        if not self.center and n_samples < self.n_fft:
            raise ParameterError(
                f"{name} has {n_samples} samples, fewer than n_fft={self.n_fft}; with center=False "
                "every frame must lie inside the signal: use center=True or a smaller n_fft"
            )

    def _reflect_tail(self, n_samples, n_frames):
        """librosa (>= 0.10) reflect-pads its tail frames from the signal's last
        segment alone; return (first tail frame, segment start) to do the same."""
        if not self.center or self.pad_mode != "reflect":
            return n_frames, 0
        half, hop = self.n_fft // 2, self.hop_length
        head_frames = -(-half // hop)
        tail_frame = (n_samples + half - self.n_fft) // hop + 1
        origin = tail_frame * hop - half
        if tail_frame <= head_frames or origin >= n_samples:
            return n_frames, 0  # librosa pads the whole signal
        return tail_frame, origin

    # ---------------------------------------------------------------- scratch

    def _take_scratch(self):
        try:
            return self._scratch.pop()
        except IndexError:
            return np.empty((self._block, self.n_fft), dtype=self.dtype)

    def _give_scratch(self, buffer):
        if len(self._scratch) < n_threads() + 1:
            self._scratch.append(buffer)

    # ------------------------------------------------------------------- stft

    def stft(self, y, out=None):
        """Short-time Fourier transform of ``y``; see :func:`stft`.

        Parameters
        ----------
        y : numpy.ndarray, shape (..., n)
            Real signal(s), converted to the plan's dtype.
        out : numpy.ndarray, shape (..., n_bins, n_frames), optional
            Where to write the result (the plan's complex dtype). Fastest
            when ``out`` is a previous result of this method (frames
            contiguous in memory).

        Returns
        -------
        numpy.ndarray, shape (..., n_bins, n_frames)
        """
        return self._stft(check.float_array(y, "y"), out)

    def _stft(self, y, out):
        n_samples = y.shape[-1]
        if self.n_samples is not None and n_samples != self.n_samples:
            raise ParameterError(
                f"y has {n_samples} samples but this StftPlan was made for n_samples={self.n_samples}"
            )
        self._check_signal_length(n_samples, "y")
        n_frames = self.frame_count(n_samples)
        rows = y.astype(self.dtype, copy=False).reshape(-1, n_samples)
        if rows.strides[-1] != rows.itemsize:
            rows = np.ascontiguousarray(rows)
        n_rows = rows.shape[0]
        shape = y.shape[:-1] + (self.n_bins, n_frames)

        target, result = self._spectrum_target(out, shape, n_rows, n_frames)
        offset = -(self.n_fft // 2) if self.center else 0
        reflect = self.pad_mode == "reflect" and self.center
        tail_frame, tail_origin = self._reflect_tail(n_samples, n_frames)
        window, hop, block = self.window, self.hop_length, self._block

        def work(u_start, u_stop):
            frames = self._take_scratch()
            try:
                for row, j_start, j_stop in _row_ranges(u_start, u_stop, n_frames):
                    for b_start in range(j_start, j_stop, block):
                        b_stop = min(j_stop, b_start + block)
                        chunk = frames[:b_stop - b_start]
                        _kernels.frame_block(rows[row], window, hop, offset, reflect,
                                             tail_frame, tail_origin, b_start, chunk)
                        _fft.rfft_into(chunk, target[row, b_start:b_stop])
            finally:
                self._give_scratch(frames)

        min_frames = max(1, _MIN_FRAME_SAMPLES_PER_THREAD // self.n_fft)
        run_split(work, n_rows * n_frames, min_chunk=min_frames)
        if result is None:  # ``out`` has another memory layout: copy into it
            np.copyto(out, target.reshape(y.shape[:-1] + (n_frames, self.n_bins)).swapaxes(-1, -2))
            return out
        return result

    def _spectrum_target(self, out, shape, n_rows, n_frames):
        """(C-contiguous (rows, frames, bins) array to fill, array to return or
        None if the filled array must be copied into ``out``)."""
        if out is None:
            target = np.empty((n_rows, n_frames, self.n_bins), dtype=self.complex_dtype)
            return target, target.reshape(shape[:-2] + (n_frames, self.n_bins)).swapaxes(-1, -2)
        if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != self.complex_dtype:
            raise ParameterError(
                f"out must be a {self.complex_dtype} array of shape {shape}, got "
                f"{getattr(out, 'dtype', type(out).__name__)} {getattr(out, 'shape', '')}"
            )
        frames_first = np.swapaxes(out, -1, -2)
        if frames_first.flags.c_contiguous:
            return frames_first.reshape(n_rows, n_frames, self.n_bins), out
        return np.empty((n_rows, n_frames, self.n_bins), dtype=self.complex_dtype), None

    # ------------------------------------------------------------------ istft

    def istft(self, stft_matrix, out=None, length=None):
        """Inverse STFT of ``stft_matrix``; see :func:`istft`.

        Parameters
        ----------
        stft_matrix : numpy.ndarray, shape (..., n_bins, n_frames)
            Complex STFT, converted to the plan's complex dtype.
        out : numpy.ndarray, shape (..., length), optional
            Where to write the signal (the plan's dtype).
        length : int, optional
            Output length (default: the plan's ``n_samples`` if set, else
            the natural length of ``n_frames`` frames).

        Returns
        -------
        numpy.ndarray, shape (..., length)
        """
        spectrum = check.complex_array(stft_matrix, "stft_matrix", min_ndim=2, finite=False)
        n_bins, n_frames_in = spectrum.shape[-2:]
        if n_bins != self.n_bins:
            raise ParameterError(
                f"stft_matrix has {n_bins} frequency bins but n_fft={self.n_fft} gives "
                f"{self.n_bins}; pass the n_fft used for the forward transform"
            )
        self._require_nola()
        if length is None:
            length = self.n_samples
        else:
            length = check.integer(length, "length", minimum=1)
        hop, n_fft = self.hop_length, self.n_fft
        start = n_fft // 2 if self.center else 0
        if length is not None:
            n_frames = min(n_frames_in, -(-(length + 2 * start) // hop))
        else:
            n_frames = n_frames_in
            length = n_fft + hop * (n_frames - 1) - 2 * start
        lead_shape = spectrum.shape[:-2]
        columns = spectrum.astype(self.complex_dtype, copy=False).reshape((-1, n_bins, n_frames_in))
        columns = columns.swapaxes(-1, -2)
        n_rows = columns.shape[0]

        result = self._signal_target(out, lead_shape + (length,))
        rows = result.reshape(n_rows, length)
        envelope = self._inverse_envelope(n_frames, length)
        window, block = self.window, self._block
        finite = []

        def work(u_start, u_stop):
            frames = self._take_scratch()
            ok = True
            try:
                for row, t_start, t_stop in _row_ranges(u_start, u_stop, length):
                    ok &= self._overlap_add_range(columns[row], rows[row], t_start, t_stop,
                                                  n_frames, start, envelope, frames, window, block)
            finally:
                self._give_scratch(frames)
            finite.append(ok)

        min_samples = max(_MIN_OUTPUT_SAMPLES_PER_THREAD, 4 * n_fft)
        run_split(work, n_rows * length, min_chunk=min_samples)
        if not all(finite):
            check.check_finite(spectrum, "stft_matrix")
            raise ParameterError(
                f"the inverse FFT of stft_matrix overflows {self.dtype}: its values are too large; "
                "scale it down or use complex128"
            )
        if out is not None and result is not out:
            np.copyto(out, result)
            return out
        return result

    def _overlap_add_range(self, columns, row, t_start, t_stop, n_frames, start, envelope,
                           frames, window, block):
        """Fill ``row[t_start:t_stop]`` from the frames that reach it; True if all were finite."""
        hop, n_fft = self.hop_length, self.n_fft
        j_start = max(0, (t_start + start - n_fft) // hop + 1)
        j_stop = min(n_frames, (t_stop - 1 + start) // hop + 1)
        written = done = t_start
        ok = True
        for b_start in range(j_start, j_stop, block):
            b_stop = min(j_stop, b_start + block)
            chunk = frames[:b_stop - b_start]
            _fft.irfft_into(columns[b_start:b_stop], chunk)
            # Samples before the next frame's start have all their frames now.
            complete = t_stop if b_stop == j_stop else min(t_stop, b_stop * hop - start)
            written, finite = _kernels.overlap_add_block(
                chunk, window, hop, start, b_start, row, t_start, t_stop, written, done, complete,
                envelope.factors, envelope.head_len, envelope.tail_start)
            ok &= finite
            done = complete
        if written < t_stop:
            row[written:t_stop] = 0
        return ok

    def _signal_target(self, out, shape):
        if out is None:
            return np.empty(shape, dtype=self.dtype)
        if not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != self.dtype:
            raise ParameterError(
                f"out must be a {self.dtype} array of shape {shape}, got "
                f"{getattr(out, 'dtype', type(out).__name__)} {getattr(out, 'shape', '')}"
            )
        return out if out.flags.c_contiguous else np.empty(shape, dtype=self.dtype)

    def _require_nola(self):
        if self._periodic is None:
            periodic = _periodic_sumsquare(self._window64, self.hop_length)
            if not np.all(periodic > _NOLA_TOLERANCE):
                raise ParameterError(
                    f"window={_describe(self.window_spec)} (win_length={self.win_length}, "
                    f"n_fft={self.n_fft}) with hop_length={self.hop_length} does not satisfy the NOLA condition: some "
                    "samples get zero weight and cannot be recovered. Use a smaller hop_length or "
                    "a window without zeros at those offsets."
                )
            self._periodic = periodic
        return self._periodic

    def _inverse_envelope(self, n_frames, length):
        key = (n_frames, length)
        with self._lock:
            envelope = self._envelopes.get(key)
        if envelope is None:
            start = self.n_fft // 2 if self.center else 0
            envelope = _InverseEnvelope(self._window64, self.hop_length, start, n_frames, length,
                                        self.dtype, self._require_nola())
            with self._lock:
                if len(self._envelopes) >= 8:
                    self._envelopes.clear()
                self._envelopes[key] = envelope
        return envelope


def _describe(window):
    """A short description of a window argument for messages (not a whole array)."""
    if isinstance(window, (str, tuple)) or np.isscalar(window):
        return repr(window)
    if callable(window):
        return getattr(window, "__name__", "a callable")
    return f"<array of {np.size(window)} samples>"


def _row_ranges(u_start, u_stop, per_row):
    """Split flat work ``[u_start, u_stop)`` over rows of ``per_row`` items: (row, start, stop)."""
    row = u_start // per_row
    while u_start < u_stop:
        row_end = (row + 1) * per_row
        stop = min(u_stop, row_end)
        yield row, u_start - row * per_row, stop - row * per_row
        u_start = stop
        row += 1


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
        Output dtype (default: complex64 for float32 input, else
        complex128); the transform is computed in its precision.

    Returns
    -------
    numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames)
        The complex STFT, frame ``t`` in column ``t``. The array is a
        transposed view of a C-ordered ``(..., n_frames, n_bins)`` array:
        each frame's spectrum is contiguous.

    Notes
    -----
    Matches ``librosa.stft`` with the same arguments: frame ``t`` is
    ``rfft(window * y_padded[t*hop : t*hop + n_fft])``. The discrete STFT
    and its conventions follow Allen & Rabiner, "A unified approach to
    short-time Fourier analysis and synthesis", Proc. IEEE 65(11), 1977.
    For many transforms of one geometry use :class:`StftPlan`.
    """
    y = check.float_array(y, "y")
    real = y.dtype if dtype is None else _REAL_OF[_complex_dtype(dtype, "dtype")]
    plan = StftPlan(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                    center=center, pad_mode=pad_mode, dtype=real)
    return plan._stft(y, None)


def istft(stft_matrix, *, hop_length=None, win_length=None, n_fft=None, window="hann",
          center=True, length=None, dtype=None):
    """Inverse short-time Fourier transform by weighted overlap-add.

    Each frame is inverse-transformed, multiplied by the window and
    overlap-added; the sum is divided by the overlap-added squared window.
    This is the least-squares signal estimate of Griffin & Lim, "Signal
    estimation from modified short-time Fourier transform", IEEE TASSP
    32(2), 1984 (eq. 6), and the exact inverse of :func:`stft` wherever the
    window satisfies NOLA.

    Parameters
    ----------
    stft_matrix : numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames)
        Complex STFT, e.g. from :func:`stft`.
    hop_length, win_length, window, center
        As given to :func:`stft`.
    n_fft : int, optional
        FFT length (default ``2 * (n_bins - 1)``).
    length : int, optional
        Length of the output: trimmed or zero-padded to exactly this many
        samples (only the frames that reach it are used).
    dtype : numpy float dtype, optional
        Output dtype (default: float32 for complex64 input, else float64);
        the inverse is computed in its precision.

    Returns
    -------
    numpy.ndarray, shape (..., n)

    Raises
    ------
    ParameterError
        If the window and hop violate the NOLA condition (see
        :func:`check_nola`), so the signal cannot be recovered; if a frame
        that reaches the output contains NaN or Inf (naming its index).

    Notes
    -----
    Matches ``librosa.istft`` with the same arguments (librosa does not
    check NOLA). At the very ends, where the squared-window sum is zero,
    samples are left as overlap-added, as librosa does.
    """
    stft_matrix = check.complex_array(stft_matrix, "stft_matrix", min_ndim=2, finite=False)
    n_bins = stft_matrix.shape[-2]
    if n_fft is None:
        n_fft = 2 * (n_bins - 1)
        if n_fft < 1:
            raise ParameterError(
                "stft_matrix has a single frequency bin, so n_fft cannot be inferred; "
                "pass n_fft explicitly"
            )
    if dtype is None:
        real = _REAL_OF[stft_matrix.dtype]
    else:
        real = _real_dtype(dtype, "dtype")
    plan = StftPlan(n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                    center=center, dtype=real)
    length = check.integer(length, "length", minimum=1, allow_none=True)
    return plan.istft(stft_matrix, length=length)
