"""Non-negative least squares: optimality (KKT), scipy.optimize.nnls, minimum norm, mel filter banks."""

import librosa
import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError


def objective(A, X, B):
    return float(np.sum((A @ X - B) ** 2))


@pytest.mark.parametrize("shape", [(5, 12), (12, 5), (8, 8), (30, 90)])
@pytest.mark.parametrize("feasible", [True, False])
def test_objective_equals_scipy_nnls(shape, feasible, rng):
    A = rng.random(shape)
    columns = 6
    if feasible:
        B = A @ rng.random((shape[1], columns))
    else:
        B = rng.standard_normal((shape[0], columns))
    X = dsp.nnls(A, B)
    assert X.shape == (shape[1], columns) and np.all(X >= 0)
    for j in range(columns):
        _, residual = scipy.optimize.nnls(A, B[:, j])
        ours = np.linalg.norm(A @ X[:, j] - B[:, j])
        assert ours <= residual + 1e-6 * np.linalg.norm(B[:, j]) + 1e-12


@pytest.mark.parametrize("shape", [(6, 15), (15, 6)])
def test_solution_satisfies_the_kkt_conditions(shape, rng):
    A = rng.random(shape)
    B = rng.standard_normal((shape[0], 5))
    X = dsp.nnls(A, B)
    gradient = A.T @ (A @ X - B)
    scale = np.linalg.norm(A) * np.linalg.norm(B)
    assert np.all(X >= 0)
    assert np.all(gradient >= -1e-6 * scale)           # dual feasibility
    assert np.max(np.abs(X * gradient)) <= 1e-6 * scale * np.max(X)  # complementarity


def test_among_exact_solutions_it_picks_the_least_norm(rng):
    # reference: the minimum-norm feasible point by a general-purpose QP solver
    A = rng.random((3, 7))
    b = A @ rng.random(7)
    x = dsp.nnls(A, b[:, None])[:, 0]
    reference = scipy.optimize.minimize(
        lambda v: v @ v, np.full(7, 0.5), jac=lambda v: 2 * v, method="SLSQP",
        bounds=[(0, None)] * 7,
        constraints=[{"type": "eq", "fun": lambda v: A @ v - b, "jac": lambda v: A}],
        options={"ftol": 1e-14, "maxiter": 500},
    ).x
    np.testing.assert_allclose(x, reference, atol=1e-5)


def test_mel_filter_bank_inversion_is_exact_and_beats_librosa(rng):
    sr, n_fft = 16000, 512
    A = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=40)
    power = np.abs(librosa.stft(rng.standard_normal(8000), n_fft=n_fft)) ** 2
    M = A @ power
    X = dsp.nnls(A, M)
    ours = objective(A, X, M)
    librosa_value = objective(A, librosa.util.nnls(A, M), M)
    assert ours <= 1e-12 * np.sum(M**2)
    assert ours <= librosa_value


def test_leading_axes_and_float32(rng):
    A = librosa.filters.mel(sr=8000, n_fft=128, n_mels=10)
    B = (A @ rng.random((2, 65, 7))).astype(np.float32)
    X = dsp.nnls(A, B)
    assert X.shape == (2, 65, 7) and X.dtype == np.float32
    for c in range(2):
        np.testing.assert_allclose(X[c], dsp.nnls(A, B[c]), rtol=1e-6)


def test_zero_right_hand_side_gives_zero():
    A = librosa.filters.mel(sr=8000, n_fft=128, n_mels=10)
    assert np.all(dsp.nnls(A, np.zeros((10, 4))) == 0)


def test_progress_counts_columns(rng):
    A = rng.random((4, 9))
    calls = []
    dsp.nnls(A, rng.random((4, 300)), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (300, 300)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 8), n=st.integers(1, 8), k=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_never_worse_than_scipy_for_any_shape(m, n, k, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    B = rng.standard_normal((m, k))
    X = dsp.nnls(A, B)
    assert np.all(np.isfinite(X)) and np.all(X >= 0)
    for j in range(k):
        _, residual = scipy.optimize.nnls(A, B[:, j])
        assert np.linalg.norm(A @ X[:, j] - B[:, j]) <= residual + 1e-6 * (1 + np.linalg.norm(B[:, j]))


def test_refuses_complex_and_mismatched_input(rng):
    A = rng.random((4, 9))
    with pytest.raises(ParameterTypeError, match="complex"):
        dsp.nnls(A, np.ones((4, 3), dtype=complex))
    with pytest.raises(ParameterError, match="B has 5 rows"):
        dsp.nnls(A, np.ones((5, 3)))
    with pytest.raises(ParameterError, match="2-D"):
        dsp.nnls(np.ones((2, 4, 9)), np.ones((4, 3)))
    B = np.ones((4, 3))
    B[2, 1] = np.nan
    with pytest.raises(ParameterError, match=r"\(2, 1\)"):
        dsp.nnls(A, B)


# ---------------------------------------------------------------- mel and MFCC inversion

def voice_like(rng, seconds=0.75, sr=16000):
    t = np.arange(int(seconds * sr)) / sr
    f0 = 140 * (1 + 0.05 * np.sin(2 * np.pi * 4 * t))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, 12)) * np.hanning(t.size) ** 0.3
    y[y.size // 2:y.size // 2 + 1500] += 0.3 * rng.standard_normal(1500)
    return y


@pytest.mark.parametrize("power", [2.0, 1.0])
def test_mel_to_stft_solves_librosas_problem_better(power, rng):
    sr, n_fft = 16000, 512
    S = np.abs(librosa.stft(voice_like(rng), n_fft=n_fft, hop_length=128))
    M = librosa.feature.melspectrogram(S=S**power, sr=sr, n_fft=n_fft, n_mels=40)
    ours = dsp.mel_to_stft(M, sr=sr, n_fft=n_fft, power=power)
    theirs = librosa.feature.inverse.mel_to_stft(M, sr=sr, n_fft=n_fft, power=power)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    A = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=40)
    assert objective(A, ours**power, M) <= objective(A, theirs**power, M)
    # the mel spectrogram is reproduced (an exact NNLS solution exists: S itself)
    np.testing.assert_allclose(A @ ours**power, M, rtol=1e-4, atol=1e-6 * M.max())


def test_mel_to_stft_follows_the_filter_bank_settings(rng):
    sr, n_fft = 16000, 512
    S = np.abs(librosa.stft(voice_like(rng), n_fft=n_fft, hop_length=128))
    settings_ = dict(fmin=100.0, fmax=6000.0, htk=True, norm=None)
    M = librosa.feature.melspectrogram(S=S**2, sr=sr, n_fft=n_fft, n_mels=30, **settings_)
    ours = dsp.mel_to_stft(M, sr=sr, n_fft=n_fft, **settings_)
    A = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=30, **settings_)
    np.testing.assert_allclose(A @ ours**2, M, rtol=1e-4, atol=1e-6 * M.max())


def test_mel_to_audio_is_closer_to_the_original_than_librosa(rng):
    sr, n_fft, hop, n_mels = 16000, 512, 128, 64
    y = voice_like(rng)
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    M = librosa.feature.melspectrogram(S=S**2, sr=sr, n_fft=n_fft, n_mels=n_mels)
    ours = dsp.mel_to_audio(M, sr=sr, n_fft=n_fft, hop_length=hop, length=y.size)
    # librosa.feature.inverse.mel_to_audio is mel_to_stft then griffinlim; seeded here
    theirs_nnls = librosa.feature.inverse.mel_to_stft(M, sr=sr, n_fft=n_fft)
    theirs = librosa.griffinlim(theirs_nnls, n_fft=n_fft, hop_length=hop, length=y.size,
                                random_state=0)
    assert ours.shape == theirs.shape and ours.dtype == np.float32

    def sc(reference, signal):
        rebuilt = np.abs(librosa.stft(signal.astype(np.float64), n_fft=n_fft, hop_length=hop))
        return 20 * np.log10(np.linalg.norm(reference - rebuilt) / np.linalg.norm(reference))

    assert sc(S, ours) <= sc(S, theirs)
    # consistency: the waveform's magnitude is closer to the NNLS magnitude it came from
    ours_nnls = dsp.mel_to_stft(M, sr=sr, n_fft=n_fft)
    assert sc(ours_nnls, ours) <= sc(theirs_nnls, theirs) - 0.5


def test_all_zero_mel_spectrogram_gives_silence():
    y = dsp.mel_to_audio(np.zeros((40, 20)), sr=16000, n_fft=512, hop_length=128)
    assert np.all(y == 0)


@pytest.mark.parametrize("params", [
    dict(),
    dict(dct_type=3, norm=None, n_mels=40),
    dict(lifter=22, ref=2.0),
])
def test_mfcc_to_mel_matches_librosa(params, rng):
    mfcc = librosa.feature.mfcc(y=voice_like(rng), sr=16000, n_mfcc=20, n_fft=512,
                                dct_type=params.get("dct_type", 2), norm=params.get("norm", "ortho"),
                                lifter=params.get("lifter", 0))
    ours = dsp.mfcc_to_mel(mfcc, **params)
    theirs = librosa.feature.inverse.mfcc_to_mel(mfcc, **params)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_mfcc_to_audio_is_mfcc_to_mel_then_mel_to_audio(rng):
    mfcc = librosa.feature.mfcc(y=voice_like(rng), sr=16000, n_mfcc=20, n_fft=512, hop_length=128)
    y = dsp.mfcc_to_audio(mfcc, n_mels=64, sr=16000, n_fft=512, hop_length=128)
    chained = dsp.mel_to_audio(dsp.mfcc_to_mel(mfcc, n_mels=64), sr=16000, n_fft=512, hop_length=128)
    assert np.all(np.isfinite(y))
    np.testing.assert_array_equal(y, chained)


def test_mel_inversion_refuses_bad_input():
    with pytest.raises(ParameterTypeError, match="complex"):
        dsp.mel_to_stft(np.ones((40, 5), dtype=complex), sr=16000, n_fft=512)
    M = np.ones((40, 5))
    M[3, 4] = -1
    with pytest.raises(ParameterError, match=r"\[3, 4\]"):
        dsp.mel_to_stft(M, sr=16000, n_fft=512)
    with pytest.raises(ParameterError, match="power"):
        dsp.mel_to_stft(np.ones((40, 5)), sr=16000, n_fft=512, power=0)
    with pytest.raises(ParameterError, match="length"):
        dsp.mel_to_audio(np.ones((40, 5)), sr=16000, n_fft=512, hop_length=128, length=10000)
    with pytest.raises(ParameterError, match="lifter"):
        dsp.mfcc_to_mel(np.ones((20, 5)), lifter=2)
