"""STFT / ISTFT against librosa over a parameter grid, round trips, NOLA, layouts, threads.

librosa is the oracle for every number; scipy.signal.check_NOLA decides
which geometries must be invertible.
"""

import itertools
import warnings

import librosa
import numpy as np
import pytest
import scipy.signal

from audiogp import dsp
from audiogp.dsp import _fft
from audiogp.errors import ParameterError

RTOL = {np.float32: 1e-5, np.float64: 1e-10}
# Rounding of one float32/float64 operation, and how many of them an edge
# sample may accumulate before the envelope division amplifies it (measured
# worst case about 1.2; see assert_istft_matches).
EPS = {np.float32: np.finfo(np.float32).eps, np.float64: np.finfo(np.float64).eps}
EDGE_ROUNDINGS = 8


def _geometries():
    """Odd and even n_fft; hops dividing n_fft, not dividing it, and above n_fft/2;
    full and shorter windows; center with both pad modes, and without."""
    for n_fft, hop_of, short_window, (center, pad_mode) in itertools.product(
        (32, 33, 256, 255),
        (lambda n: n // 4, lambda n: n // 3 + 1, lambda n: n // 2 + 3),
        (False, True),
        ((True, "constant"), (True, "reflect"), (False, "constant")),
    ):
        yield dict(n_fft=n_fft, hop_length=hop_of(n_fft),
                   win_length=(3 * n_fft) // 4 + 1 if short_window else None,
                   center=center, pad_mode=pad_mode)


GEOMETRIES = list(_geometries())


def _geometry_id(params):
    return "-".join(f"{k}={v}" for k, v in params.items())


def _lengths(params):
    """Signal lengths barely longer than a frame, one a few frames long, and
    (with center) shorter than a frame."""
    n_fft, hop = params["n_fft"], params["hop_length"]
    lengths = [n_fft, n_fft + 1, n_fft + hop - 1, 6 * n_fft + 5]
    if params["center"]:
        lengths += [2, n_fft // 2 - 1]
    return lengths


def _librosa_stft(y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "n_fft too large for input"
        return librosa.stft(y, **params)


def _padded_window(window, win_length, n_fft):
    samples = librosa.filters.get_window(window, win_length, fftbins=True)
    return librosa.util.pad_center(samples, size=n_fft)


def _conditioning(window, hop, center, n_frames, length):
    """Per output sample, max|w| * sum_j |w| / sum_j w**2 over the frames covering it.

    An overlap-added sample is (sum_j w * frame_j) / sum_j w**2; rounding in
    the frames, relative to the signal's scale, is amplified by this factor.
    It is about 1.3 in the interior and huge at the very ends of a
    center=False transform, where only the tails of one or two windows
    reach a sample.
    """
    n_fft = window.shape[0]
    total = n_fft + hop * (n_frames - 1)
    absolute, squared = np.zeros(total), np.zeros(total)
    for j in range(n_frames):
        absolute[j * hop:j * hop + n_fft] += np.abs(window)
        squared[j * hop:j * hop + n_fft] += window**2
    start = n_fft // 2 if center else 0
    absolute = np.pad(absolute[start:], (0, max(0, length)))[:length]
    squared = np.pad(squared[start:], (0, max(0, length)))[:length]
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(squared > 0, np.max(np.abs(window)) * absolute / squared, 0.0)
    return kappa


def assert_istft_matches(ours, reference, *, window, win_length, n_fft, hop, center, n_frames,
                         dtype):
    """``ours`` equals librosa's istft to RTOL relative to its largest value.

    Where the squared-window envelope is tiny (the first and last samples of
    a center=False transform) the division amplifies rounding in any
    implementation, so there the bound is EDGE_ROUNDINGS roundings times the
    sample's conditioning (see _conditioning) instead; in the interior the
    conditioning is about 1.3 and RTOL is the binding bound.
    """
    assert ours.shape == reference.shape
    assert ours.dtype == reference.dtype
    scale = np.max(np.abs(reference))
    if scale == 0:
        np.testing.assert_array_equal(ours, reference)
        return
    kappa = _conditioning(_padded_window(window, win_length, n_fft), hop, center, n_frames,
                          reference.shape[-1])
    allowed = scale * np.maximum(RTOL[dtype], EDGE_ROUNDINGS * EPS[dtype] * kappa)
    excess = np.abs(ours - reference) - allowed
    worst = np.unravel_index(np.argmax(excess), excess.shape)
    assert excess[worst] <= 0, (
        f"sample {worst}: ours {ours[worst]}, librosa {reference[worst]}, allowed {allowed[worst[-1]]}"
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", GEOMETRIES, ids=_geometry_id)
def test_stft_matches_librosa(params, dtype, rng):
    for n in _lengths(params):
        y = rng.standard_normal(n).astype(dtype)
        ours = dsp.stft(y, **params)
        theirs = _librosa_stft(y, **params)
        assert ours.shape == theirs.shape, n
        assert ours.dtype == theirs.dtype
        assert np.max(np.abs(ours - theirs)) <= RTOL[dtype] * np.max(np.abs(theirs)), n


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", GEOMETRIES, ids=_geometry_id)
def test_istft_matches_librosa(params, dtype, rng):
    n_fft, hop = params["n_fft"], params["hop_length"]
    win_length = params["win_length"] or n_fft
    inverse = {k: v for k, v in params.items() if k != "pad_mode"}
    window = _padded_window("hann", win_length, n_fft)
    if not scipy.signal.check_NOLA(window, n_fft, n_fft - hop):
        pytest.skip("not invertible; covered by test_istft_raises_exactly_when_nola_fails")
    y = rng.standard_normal(6 * n_fft + 5).astype(dtype)
    S = _librosa_stft(y, **params)
    natural = n_fft + hop * (S.shape[-1] - 1) - (2 * (n_fft // 2) if params["center"] else 0)
    for length in (None, natural - 7, natural + 13, y.size, 5):
        ours = dsp.istft(S, length=length, **inverse)
        theirs = librosa.istft(S, length=length, **inverse)
        assert_istft_matches(ours, theirs, window="hann", win_length=win_length, n_fft=n_fft,
                             hop=hop, center=params["center"], n_frames=S.shape[-1], dtype=dtype)


WINDOWS = [
    "hamming",
    "blackman",
    ("kaiser", 8.0),
    ("tukey", 0.25),
    ("gaussian", 40.0),
    "boxcar",
    "array",
    "callable",
]


def _window_argument(name, win_length, rng):
    if name == "array":
        return 0.5 + rng.random(win_length)
    if name == "callable":
        return lambda m: scipy.signal.windows.cosine(m, sym=False)
    return name


@pytest.mark.parametrize("window", WINDOWS, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_windows_match_librosa(window, dtype, rng):
    n_fft, hop, win_length = 256, 60, 200
    win = _window_argument(window, win_length, rng)
    y = rng.standard_normal((2, 3000)).astype(dtype)
    params = dict(n_fft=n_fft, hop_length=hop, win_length=win_length, window=win)
    S = dsp.stft(y, **params)
    reference = librosa.stft(y, **params)
    assert np.max(np.abs(S - reference)) <= RTOL[dtype] * np.max(np.abs(reference))
    back = dsp.istft(reference, length=3000, **params)
    expected = librosa.istft(reference, length=3000, **params)
    samples = win if window in ("array", "callable") else window
    if callable(samples):
        samples = samples(win_length)
    assert_istft_matches(back, expected, window=samples, win_length=win_length, n_fft=n_fft,
                         hop=hop, center=True, n_frames=S.shape[-1], dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multichannel_matches_librosa(dtype, rng):
    y = rng.standard_normal((2, 3, 2001)).astype(dtype)
    params = dict(n_fft=128, hop_length=50, pad_mode="reflect")
    S = dsp.stft(y, **params)
    reference = librosa.stft(y, **params)
    assert S.shape == reference.shape == (2, 3, 65, 41)
    assert np.max(np.abs(S - reference)) <= RTOL[dtype] * np.max(np.abs(reference))
    back = dsp.istft(reference, hop_length=50, length=2001)
    expected = librosa.istft(reference, hop_length=50, length=2001)
    assert back.shape == (2, 3, 2001)
    assert np.max(np.abs(back - expected)) <= RTOL[dtype] * np.max(np.abs(expected))


@pytest.mark.parametrize("dtype, atol", [(np.float32, 1e-6), (np.float64, 1e-12)])
@pytest.mark.parametrize("params", [
    dict(n_fft=512, hop_length=128),
    dict(n_fft=511, hop_length=200, window="hamming"),
    dict(n_fft=400, hop_length=400, window="boxcar"),
    dict(n_fft=256, hop_length=100, win_length=150, window=("kaiser", 6.0), pad_mode="reflect"),
    dict(n_fft=300, hop_length=75, window="blackmanharris", center=False),
], ids=_geometry_id)
def test_istft_inverts_stft(params, dtype, atol, rng):
    y = rng.uniform(-1, 1, (2, 5001)).astype(dtype)
    S = dsp.stft(y, **params)
    inverse = {k: v for k, v in params.items() if k != "pad_mode"}
    back = dsp.istft(S, length=y.shape[-1], **inverse)
    assert back.dtype == dtype and back.shape == y.shape
    # Samples after the last frame's end are not recovered (they get no
    # frame); where the envelope is tiny (the ends of a center=False
    # transform) rounding is amplified (see assert_istft_matches).
    n_fft, hop, center = params["n_fft"], params["hop_length"], params.get("center", True)
    covered = n_fft + hop * (S.shape[-1] - 1) - (n_fft // 2 if center else 0)
    window = _padded_window(params.get("window", "hann"), n_fft, n_fft)
    trusted = _conditioning(window, hop, center, S.shape[-1], y.shape[-1]) < 10
    trusted[covered:] = False
    assert trusted.mean() > 0.9
    error = np.abs(back - y)[..., trusted]
    assert np.max(error) <= atol


NOLA_CASES = [
    ("hann", 256, 256, 256),        # zero at the frame start, hop = n_fft: fails
    ("hann", 256, 256, 255),
    ("hann", 256, 128, 128),        # window zero-padded: hop = win_length fails
    ("hann", 256, 128, 100),
    ("boxcar", 256, 200, 200),
    ("boxcar", 256, 200, 210),      # gaps between windows: fails
    ("hamming", 256, 256, 256),     # never zero: any hop <= n_fft works
    ("blackman", 256, 256, 200),
    (("tukey", 0.5), 256, 256, 256),
    ("triang", 255, 255, 255),
]


@pytest.mark.parametrize("window, n_fft, win_length, hop", NOLA_CASES, ids=str)
def test_istft_raises_exactly_when_nola_fails(window, n_fft, win_length, hop, rng):
    padded = _padded_window(window, win_length, n_fft)
    invertible = scipy.signal.check_NOLA(padded, n_fft, n_fft - hop)
    assert dsp.check_nola(dsp.get_window(window, win_length, n_fft=n_fft), hop) == invertible
    y = rng.standard_normal(4000)
    params = dict(n_fft=n_fft, hop_length=hop, win_length=win_length, window=window)
    S = librosa.stft(y, **params)
    if invertible:
        back = dsp.istft(S, length=y.size, **params)
        covered = n_fft + hop * (S.shape[-1] - 1) - n_fft // 2  # samples the frames reach
        assert covered > 0.9 * y.size
        assert np.max(np.abs(back - y)[:covered]) <= 1e-10
    else:
        with pytest.raises(ParameterError, match="NOLA"):
            dsp.istft(S, length=y.size, **params)


def test_get_window_matches_librosa():
    for window, win_length, n_fft in [("hann", 100, 128), ("hamming", 101, 128), (("kaiser", 4.0), 64, 64)]:
        expected = librosa.util.pad_center(librosa.filters.get_window(window, win_length, fftbins=True),
                                           size=n_fft)
        np.testing.assert_array_equal(dsp.get_window(window, win_length, n_fft=n_fft), expected)


def test_output_layouts_and_dtypes(rng):
    y = rng.standard_normal(4000).astype(np.float32)
    S = dsp.stft(y, n_fft=256, hop_length=64, dtype=np.complex128)
    assert S.dtype == np.complex128
    np.testing.assert_allclose(S, librosa.stft(y.astype(np.float64), n_fft=256, hop_length=64),
                               rtol=0, atol=1e-10 * np.max(np.abs(S)))
    back = dsp.istft(S.astype(np.complex64), hop_length=64, length=4000, dtype=np.float64)
    assert back.dtype == np.float64
    np.testing.assert_allclose(back, y, atol=1e-5)


def test_accepts_non_contiguous_inputs_and_leaves_them_alone(rng):
    base = rng.standard_normal((3000, 2))
    y = base.T  # F-ordered channels
    y_copy = y.copy()
    S = dsp.stft(y, n_fft=128, hop_length=32)
    np.testing.assert_array_equal(y, y_copy)
    reference = librosa.stft(np.ascontiguousarray(y), n_fft=128, hop_length=32)
    np.testing.assert_allclose(S, reference, rtol=0, atol=1e-10 * np.max(np.abs(reference)))
    strided = base[::2, 0]
    np.testing.assert_allclose(dsp.stft(strided, n_fft=128, hop_length=32),
                               librosa.stft(np.ascontiguousarray(strided), n_fft=128, hop_length=32),
                               rtol=0, atol=1e-10 * np.max(np.abs(reference)))
    for layout in (reference, np.ascontiguousarray(reference), reference[..., ::-1][..., ::-1]):
        before = layout.copy()
        back = dsp.istft(layout, hop_length=32, length=3000)
        np.testing.assert_array_equal(layout, before)
        np.testing.assert_allclose(back, librosa.istft(reference, hop_length=32, length=3000),
                                   rtol=0, atol=1e-10 * np.max(np.abs(y)))


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_threaded_blocks_match_librosa(threads, monkeypatch, rng):
    # Long enough to be split over threads and into many cache-sized blocks.
    monkeypatch.setenv("AUDIOGP_NUM_THREADS", threads)
    y = rng.standard_normal((2, 150001)).astype(np.float32)
    params = dict(n_fft=1024, hop_length=300, pad_mode="reflect")
    S = dsp.stft(y, **params)
    reference = librosa.stft(y, **params)
    assert np.max(np.abs(S - reference)) <= 1e-5 * np.max(np.abs(reference))
    back = dsp.istft(reference, hop_length=300, length=150001)
    expected = librosa.istft(reference, hop_length=300, length=150001)
    assert np.max(np.abs(back - expected)) <= 1e-5 * np.max(np.abs(expected))


def test_public_scipy_fft_fallback_matches_librosa(monkeypatch, rng):
    monkeypatch.setattr(_fft, "_pocketfft", None)
    y = rng.standard_normal(5000)
    S = dsp.stft(y, n_fft=255, hop_length=70)
    reference = librosa.stft(y, n_fft=255, hop_length=70)
    assert np.max(np.abs(S - reference)) <= 1e-10 * np.max(np.abs(reference))
    back = dsp.istft(reference, n_fft=255, hop_length=70, length=5000)
    expected = librosa.istft(reference, n_fft=255, hop_length=70, length=5000)
    assert np.max(np.abs(back - expected)) <= 1e-10 * np.max(np.abs(expected))


@pytest.mark.parametrize("n_fft", [256, 255])
def test_istft_of_a_single_frame_matches_librosa(n_fft, rng):
    # With center=True one frame of an even n_fft has no samples left after
    # trimming the padding; librosa returns an empty signal.
    S = _librosa_stft(rng.standard_normal(100), n_fft=n_fft, hop_length=64)[:, :1]
    ours = dsp.istft(S, n_fft=n_fft, hop_length=64)
    theirs = librosa.istft(S, n_fft=n_fft, hop_length=64)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)
