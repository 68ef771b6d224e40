"""From mel spectrograms and MFCCs back to linear spectrograms and audio.

The mel filter bank maps ``1 + n_fft // 2`` bins onto far fewer bands, so a
mel power spectrogram has many non-negative linear spectrograms; like
librosa we take a non-negative least-squares solution, and among the
(usually many) exact ones the one of least Euclidean norm, which is unique,
smooth across bins and found by a fast semismooth Newton method exploiting
the banded structure of the filter bank (:mod:`audiogp._core.nnls`).
Audio then comes from :func:`audiogp.dsp.griffinlim`, initialised by PGHI.
"""

import numpy as np

from audiogp import _validate as check
from audiogp._core import nnls as _nnls_kernels
from audiogp._threads import run_split
from audiogp.dsp import _inverse
from audiogp.errors import ParameterError, ParameterTypeError

# Regularisation relative to the largest diagonal entry of A A^T: small
# enough that the residual is that of an exact NNLS solution to ~1e-10
# relative, large enough to keep every Newton system positive definite.
_RELATIVE_EPS = 1e-10
_RTOL = 1e-9
_MAX_ITER = 100
_MIN_COLUMNS_PER_THREAD = 64


def nnls(A, B, *, progress=None):
    """Non-negative least squares for many right-hand sides: ``min |A X - B|, X >= 0``.

    Parameters
    ----------
    A : numpy.ndarray, shape (m, n)
        The matrix, e.g. a mel filter bank (``m`` bands, ``n`` bins).
    B : numpy.ndarray, shape (..., m, N)
        Right-hand sides, one per column (and per leading index).
    progress : callable, optional
        ``progress(done, total)`` with the number of columns solved.

    Returns
    -------
    numpy.ndarray, shape (..., n, N)
        Non-negative ``X`` minimising ``|A X - B|`` column by column; where
        several minimisers exist (``m < n``), the one of least Euclidean
        norm, computed as the limit of Tikhonov regularisation. Float32 if
        ``B`` is float32, else float64.

    Notes
    -----
    Each column solves ``min 0.5 |A x - b|^2 + 0.5 eps |x|^2`` over ``x >= 0``
    with ``eps = 1e-10 * max_k (A A^T)_kk`` through its dual,
    ``eps y + A max(0, A^T y) = b`` (``x = max(0, A^T y)``), by semismooth
    Newton steps with backtracking (L. Qi and J. Sun, "A nonsmooth version
    of Newton's method", Mathematical Programming 58, 1993). It starts at
    ``max(0, pinv(A) b)``, librosa's starting point, and stops when the dual
    equation holds to ``1e-9 |b|``. Every Newton system is ``m x m`` with the
    bandwidth of ``A A^T`` (1 for a mel filter bank), so a column costs
    O(nnz(A)) per step. Compare Lawson & Hanson, *Solving Least Squares
    Problems* (1974), for the classical active-set method, whose solutions
    are sparse (at most ``m`` non-zero bins), and ``librosa.util.nnls``
    (bounded L-BFGS-B).
    """
    A = _real_matrix(A, "A")
    B = _real_values(B, "B")
    n_rows, n_cols = A.shape
    if B.shape[-2] != n_rows:
        raise ParameterError(
            f"B has {B.shape[-2]} rows (axis -2) but A has {n_rows}: B must be (..., {n_rows}, N)"
        )
    out_dtype = np.float32 if B.dtype == np.float32 else np.float64
    lead_shape, n_rhs = B.shape[:-2], B.shape[-1]
    problems = np.ascontiguousarray(np.moveaxis(B.reshape((-1, n_rows, n_rhs)), 1, 2)
                                    .reshape(-1, n_rows), dtype=np.float64)
    solution = _solve(A, problems, progress)
    X = np.moveaxis(solution.reshape((-1, n_rhs, n_cols)), 1, 2)
    return X.reshape(lead_shape + (n_cols, n_rhs)).astype(out_dtype)


def _solve(A, problems, progress=None):
    """Solve each row of ``problems`` (shape ``(k, m)``); returns ``(k, n)`` float64."""
    import scipy.sparse

    n_rows, n_cols = A.shape
    csc = scipy.sparse.csc_matrix(A.astype(np.float64))
    csc.eliminate_zeros()
    csc.sort_indices()
    values = np.ascontiguousarray(csc.data, dtype=np.float64)
    rows = np.ascontiguousarray(csc.indices, dtype=np.intp)
    col_ptr = np.ascontiguousarray(csc.indptr, dtype=np.intp)
    spans = [rows[col_ptr[f + 1] - 1] - rows[col_ptr[f]] for f in range(n_cols) if col_ptr[f + 1] > col_ptr[f]]
    width = 1 + (max(spans) if spans else 0)
    gram_diagonal = np.asarray(csc.multiply(csc).sum(axis=1)).ravel()
    scale = float(gram_diagonal.max()) if gram_diagonal.size else 0.0
    eps = _RELATIVE_EPS * (scale if scale > 0 else 1.0)

    X = np.zeros((problems.shape[0], n_cols), dtype=np.float64)
    iterations = np.zeros(problems.shape[0], dtype=np.intp)
    total = problems.shape[0]

    def work(start, stop):
        _nnls_kernels.solve_columns(values, rows, col_ptr, n_rows, width, eps, _RTOL, _MAX_ITER,
                                    problems, X, iterations, start, stop)

    if progress is None:
        run_split(work, total, min_chunk=_MIN_COLUMNS_PER_THREAD)
    else:
        # report between blocks of columns, from the calling thread
        block = max(_MIN_COLUMNS_PER_THREAD, total // 20)
        for start in range(0, total, block):
            stop = min(total, start + block)
            run_split(lambda a, b, s=start: work(s + a, s + b), stop - start,
                      min_chunk=_MIN_COLUMNS_PER_THREAD)
            progress(stop, total)
    return X


def _real_matrix(A, name):
    A = np.asarray(A)
    if np.iscomplexobj(A):
        raise ParameterTypeError(f"{name} must be a real matrix, got a complex array ({A.dtype})")
    if A.dtype.kind in "iub":
        A = A.astype(np.float64)
    A = check.float_array(A, name, min_ndim=2)
    if A.ndim != 2:
        raise ParameterError(f"{name} must be a 2-D matrix, got shape {A.shape}")
    return A


def _real_values(B, name):
    B = np.asarray(B)
    if np.iscomplexobj(B):
        raise ParameterTypeError(
            f"{name} must be real, got a complex array ({B.dtype}); pass np.abs({name})**2 for powers"
        )
    if B.dtype.kind in "iub":
        B = B.astype(np.float64)
    return check.float_array(B, name, min_ndim=2)


def mel_to_stft(M, *, sr=22050, n_fft=2048, power=2.0, fmin=0.0, fmax=None, htk=False,
                norm="slaney", progress=None):
    """Approximate an STFT magnitude from a mel spectrogram.

    Parameters
    ----------
    M : numpy.ndarray, shape (..., n_mels, n_frames)
        Mel spectrogram (non-negative), as from :func:`audiogp.dsp.melspectrogram`.
    sr : number
        Sample rate of the underlying signal.
    n_fft : int
        FFT length of the STFT to recover.
    power : float > 0
        Exponent ``M`` was computed with (2 for power, 1 for magnitude).
    fmin, fmax, htk, norm
        Mel filter-bank settings, as for :func:`audiogp.dsp.mel_filters`.
    progress : callable, optional
        ``progress(done, total)`` with the number of frames solved.

    Returns
    -------
    numpy.ndarray, shape (..., 1 + n_fft // 2, n_frames)
        Magnitude ``X ** (1 / power)`` where ``X >= 0`` solves
        ``min |mel_filters @ X - M|`` (:func:`nnls`, the minimum-norm solution).

    Notes
    -----
    Same objective as ``librosa.feature.inverse.mel_to_stft`` (which runs
    bounded L-BFGS-B from ``max(0, pinv(A) M)`` and stops long before the
    optimum); here every frame is solved to the optimum by the semismooth
    Newton method of :func:`nnls`.
    """
    from audiogp.dsp.mel import mel_filters

    M = _inverse.magnitude(M, "M")
    power = check.real_number(power, "power", exclusive_minimum=0)
    basis = mel_filters(sr, n_fft, M.shape[-2], fmin=fmin, fmax=fmax, htk=htk, norm=norm,
                        dtype=np.float64)
    X = nnls(basis, M, progress=progress)
    return np.power(X, 1.0 / power, out=X)


def mel_to_audio(M, *, sr=22050, n_fft=2048, hop_length=None, win_length=None, window="hann",
                 center=True, pad_mode="constant", power=2.0, n_iter=32, momentum=0.99,
                 init="pghi", random_state=None, length=None, dtype=np.float32, fmin=0.0,
                 fmax=None, htk=False, norm="slaney", progress=None):
    """Invert a mel spectrogram to audio: :func:`mel_to_stft`, then Griffin-Lim.

    Parameters
    ----------
    M : numpy.ndarray, shape (..., n_mels, n_frames)
        Mel spectrogram (non-negative).
    sr, n_fft, power, fmin, fmax, htk, norm
        As for :func:`mel_to_stft`.
    hop_length, win_length, window, center, pad_mode, length
        STFT geometry, as for :func:`audiogp.dsp.griffinlim`.
    n_iter, momentum, init, random_state
        Griffin-Lim settings; the default initial phase is PGHI
        (:func:`audiogp.dsp.pghi`), which needs a Hann, Hamming or Gaussian window.
    dtype : numpy float dtype
        Output dtype (float32 by default, as librosa).
    progress : callable, optional
        ``progress(done, total)`` over the Griffin-Lim iterations.

    Returns
    -------
    numpy.ndarray, shape (..., n)

    Notes
    -----
    librosa's ``mel_to_audio`` with a faster, exact NNLS and a PGHI start for
    the fast Griffin-Lim algorithm (Průša, Balazs & Søndergaard 2017;
    Perraudin, Balazs & Søndergaard 2013).
    """
    magnitude = mel_to_stft(M, sr=sr, n_fft=n_fft, power=power, fmin=fmin, fmax=fmax, htk=htk,
                            norm=norm)
    from audiogp.dsp.griffin_lim import griffinlim

    return griffinlim(magnitude, n_iter=n_iter, hop_length=hop_length, win_length=win_length,
                      n_fft=n_fft, window=window, center=center, dtype=dtype, length=length,
                      pad_mode=pad_mode, momentum=momentum, init=init, random_state=random_state,
                      progress=progress)


def mfcc_to_mel(mfcc, *, n_mels=128, dct_type=2, norm="ortho", ref=1.0, lifter=0):
    """Approximate a mel power spectrogram from MFCCs.

    Parameters
    ----------
    mfcc : numpy.ndarray, shape (..., n_mfcc, n_frames)
        Mel-frequency cepstral coefficients, as from :func:`audiogp.dsp.mfcc`.
    n_mels : int
        Number of mel bands to recover.
    dct_type : {1, 2, 3}
        DCT type the MFCCs were computed with.
    norm : {"ortho", None}
        DCT normalisation the MFCCs were computed with.
    ref : float
        Reference power of the dB scale.
    lifter : float >= 0
        Liftering the MFCCs were computed with; undone here.

    Returns
    -------
    numpy.ndarray, shape (..., n_mels, n_frames)
        ``ref * 10 ** (idct(mfcc) / 10)``: the mel power spectrogram whose
        MFCCs, truncated to ``n_mfcc``, are ``mfcc`` (librosa's
        ``feature.inverse.mfcc_to_mel``).

    Notes
    -----
    The inverse of the MFCC of Davis & Mermelstein, "Comparison of
    parametric representations for monosyllabic word recognition in
    continuously spoken sentences", IEEE TASSP 28(4), 1980: the inverse DCT
    with the missing high quefrencies set to zero, then dB to power.
    """
    import scipy.fft

    from audiogp.dsp.db import db_to_power

    mfcc = _real_values(mfcc, "mfcc")
    n_mels = check.integer(n_mels, "n_mels", minimum=1)
    check.choice(dct_type, "dct_type", (1, 2, 3))
    check.choice(norm, "norm", ("ortho", None))
    lifter = check.real_number(lifter, "lifter", minimum=0)
    if lifter > 0:
        index = np.arange(1, 1 + mfcc.shape[-2], dtype=np.float64)
        weights = 1 + 0.5 * lifter * np.sin(np.pi * index / lifter)
        if np.any(np.abs(weights) < np.finfo(mfcc.dtype).eps):
            bad = int(np.argmax(np.abs(weights) < np.finfo(mfcc.dtype).eps))
            raise ParameterError(
                f"lifter={lifter} zeroes the liftering weight of coefficient {bad}, so it cannot be "
                "undone; pass the lifter the MFCCs were computed with, or 0"
            )
        mfcc = mfcc / weights[:, None].astype(mfcc.dtype)
    log_mel = scipy.fft.idct(mfcc, axis=-2, type=dct_type, norm=norm, n=n_mels)
    return db_to_power(log_mel, ref=ref)


def mfcc_to_audio(mfcc, *, n_mels=128, dct_type=2, norm="ortho", ref=1.0, lifter=0, **kwargs):
    """Invert MFCCs to audio: :func:`mfcc_to_mel`, then :func:`mel_to_audio`.

    Parameters
    ----------
    mfcc : numpy.ndarray, shape (..., n_mfcc, n_frames)
        Mel-frequency cepstral coefficients.
    n_mels, dct_type, norm, ref, lifter
        As for :func:`mfcc_to_mel`.
    **kwargs
        Passed to :func:`mel_to_audio` (``sr``, ``n_fft``, ``hop_length``, ...).

    Returns
    -------
    numpy.ndarray, shape (..., n)
    """
    mel = mfcc_to_mel(mfcc, n_mels=n_mels, dct_type=dct_type, norm=norm, ref=ref, lifter=lifter)
    return mel_to_audio(mel, **kwargs)
