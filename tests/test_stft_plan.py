"""StftPlan: the reusable STFT geometry gives the functions' results and librosa's numbers."""

import librosa
import numpy as np
import pytest

from audiogp import dsp
from audiogp.errors import ParameterError

GEOMETRIES = [
    dict(n_fft=512, hop_length=128),
    dict(n_fft=301, hop_length=70, win_length=200, window="hamming", center=False),
    dict(n_fft=256, hop_length=100, pad_mode="reflect"),
]


@pytest.mark.parametrize("params", GEOMETRIES)
@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float64, 1e-10)])
def test_plan_matches_librosa_and_the_functions(params, dtype, rtol, rng):
    y = rng.standard_normal((2, 3001)).astype(dtype)
    plan = dsp.StftPlan(n_samples=y.shape[-1], dtype=dtype, **params)
    S = plan.stft(y)
    reference = librosa.stft(y, **params)
    assert S.shape == reference.shape == (2, plan.n_bins, plan.n_frames)
    assert S.dtype == reference.dtype
    assert np.max(np.abs(S - reference)) <= rtol * np.max(np.abs(reference))
    np.testing.assert_array_equal(S, dsp.stft(y, **params))

    inverse_params = {k: v for k, v in params.items() if k != "pad_mode"}
    back = plan.istft(reference)
    expected = librosa.istft(reference, length=y.shape[-1], **inverse_params)
    assert back.shape == expected.shape and back.dtype == expected.dtype
    interior = slice(params["n_fft"], -params["n_fft"])  # edges: see test_stft_grid
    assert np.max(np.abs(back - expected)[..., interior]) <= rtol * np.max(np.abs(expected))
    np.testing.assert_array_equal(back, dsp.istft(reference, length=y.shape[-1], **inverse_params))


def test_plan_writes_into_out_and_reuses_it(rng):
    y = rng.standard_normal(5000).astype(np.float32)
    plan = dsp.StftPlan(n_fft=256, hop_length=64, n_samples=y.size)
    S = plan.stft(y)
    S_out = np.zeros_like(S)  # zeros_like keeps the frames-contiguous layout
    assert plan.stft(y * 2, out=S_out) is S_out
    np.testing.assert_allclose(S_out, 2 * librosa.stft(y, n_fft=256, hop_length=64), rtol=0,
                               atol=1e-5 * np.max(np.abs(S_out)))
    y_out = np.full_like(y, np.nan)
    assert plan.istft(S, out=y_out) is y_out
    np.testing.assert_allclose(y_out, y, atol=1e-5)


def test_plan_out_with_another_layout(rng):
    y = rng.standard_normal(3000)
    plan = dsp.StftPlan(n_fft=128, hop_length=32, dtype=np.float64)
    S_c = np.zeros((65, plan.frame_count(3000)), dtype=np.complex128)  # C-ordered (bins, frames)
    plan.stft(y, out=S_c)
    np.testing.assert_allclose(S_c, librosa.stft(y, n_fft=128, hop_length=32), atol=1e-10)


def test_plan_refuses_a_signal_of_another_length(rng):
    plan = dsp.StftPlan(n_fft=256, hop_length=64, n_samples=4000)
    with pytest.raises(ParameterError, match="n_samples=4000"):
        plan.stft(rng.standard_normal(3999))


def test_plan_refuses_a_wrong_out(rng):
    plan = dsp.StftPlan(n_fft=256, hop_length=64, n_samples=4000)
    with pytest.raises(ParameterError, match="out must be a complex64 array of shape"):
        plan.stft(rng.standard_normal(4000), out=np.zeros((129, 3), dtype=np.complex64))


def test_one_plan_shared_by_threads(rng):
    from concurrent.futures import ThreadPoolExecutor

    signals = [rng.standard_normal(6000).astype(np.float32) for _ in range(6)]
    plan = dsp.StftPlan(n_fft=512, hop_length=128, n_samples=6000)

    def round_trip(y):
        S = plan.stft(y)
        return S, plan.istft(S)

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(round_trip, signals * 3))
    for y, (S, back) in zip(signals * 3, results):
        reference = librosa.stft(y, n_fft=512, hop_length=128)
        assert np.max(np.abs(S - reference)) <= 1e-5 * np.max(np.abs(reference))
        np.testing.assert_allclose(back, y, atol=1e-5)


def test_plan_istft_natural_length_and_explicit_length(rng):
    y = rng.standard_normal(5000)
    plan = dsp.StftPlan(n_fft=256, hop_length=64, dtype=np.float64)
    S = plan.stft(y)
    for length in (None, 4000, 6000):
        np.testing.assert_allclose(plan.istft(S, length=length),
                                   librosa.istft(S, hop_length=64, length=length), atol=1e-10)
