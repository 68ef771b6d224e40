"""Decibel conversions against librosa and their inverses."""

import librosa
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from audiogp import dsp
from audiogp.errors import ParameterError, ParameterTypeError

SETTINGS = [
    dict(),
    dict(ref=np.max),
    dict(ref=0.5, amin=1e-6, top_db=None),
    dict(ref=np.median, top_db=40.0),
    dict(ref=-2.0, top_db=0.0),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", SETTINGS)
def test_power_to_db_matches_librosa(kwargs, dtype, rng):
    S = (rng.random((3, 65, 20)) ** 6).astype(dtype)
    S[0, :5] = 0
    ours = dsp.power_to_db(S, **kwargs)
    theirs = librosa.power_to_db(S, **kwargs)
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-4 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("kwargs", SETTINGS)
def test_amplitude_to_db_matches_librosa(kwargs, rng):
    S = rng.standard_normal((65, 30)) ** 3  # negative values: librosa takes |S|
    np.testing.assert_allclose(dsp.amplitude_to_db(S, **kwargs),
                               librosa.amplitude_to_db(S, **kwargs), rtol=1e-12, atol=1e-10)


@settings(max_examples=50, deadline=None)
@given(
    S=hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=12),
        elements=st.floats(0, 1e6, width=32),
    ),
    top_db=st.one_of(st.none(), st.floats(0, 120)),
    use_max=st.booleans(),
)
def test_power_to_db_matches_librosa_for_any_shape_and_dtype(S, top_db, use_max):
    ref = np.max if use_max else 1.0
    ours = dsp.power_to_db(S, ref=ref, top_db=top_db)
    theirs = librosa.power_to_db(S, ref=ref, top_db=top_db)
    assert ours.shape == S.shape and ours.dtype == theirs.dtype
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)


def test_db_round_trips(rng):
    S = rng.random((10, 10)) + 0.01
    np.testing.assert_allclose(dsp.db_to_power(dsp.power_to_db(S, ref=3.0, top_db=None), ref=3.0),
                               S, rtol=1e-12)
    np.testing.assert_allclose(
        dsp.db_to_amplitude(dsp.amplitude_to_db(S, ref=0.2, top_db=None), ref=0.2), S, rtol=1e-12)
    x_db = rng.uniform(-80, 10, 50)
    np.testing.assert_allclose(dsp.db_to_power(x_db, ref=2.0), librosa.db_to_power(x_db, ref=2.0))
    np.testing.assert_allclose(dsp.db_to_amplitude(x_db, ref=2.0),
                               librosa.db_to_amplitude(x_db, ref=2.0))


def test_closed_form_values():
    assert dsp.power_to_db(np.array([100.0]))[0] == pytest.approx(20.0)
    assert dsp.amplitude_to_db(np.array([100.0]))[0] == pytest.approx(40.0)
    assert dsp.db_to_power(np.array([-30.0]))[0] == pytest.approx(1e-3)


def test_silence_is_finite():
    zeros = np.zeros((5, 7))
    for out in (dsp.power_to_db(zeros), dsp.power_to_db(zeros, ref=np.max),
                dsp.amplitude_to_db(zeros, ref=np.max)):
        assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(dsp.power_to_db(zeros), -100.0)
    np.testing.assert_array_equal(dsp.power_to_db(zeros, ref=np.max), 0.0)


def test_complex_input_is_refused_with_the_fix():
    D = np.ones((4, 4), dtype=complex)
    with pytest.raises(ParameterTypeError, match=r"np\.abs\(D\) \*\* 2"):
        dsp.power_to_db(D)
    with pytest.raises(ParameterTypeError, match=r"np\.abs\(D\)"):
        dsp.amplitude_to_db(D)


def test_bad_parameters():
    with pytest.raises(ParameterError, match="amin"):
        dsp.power_to_db(np.ones(3), amin=0)
    with pytest.raises(ParameterError, match="top_db"):
        dsp.power_to_db(np.ones(3), top_db=-1)
    with pytest.raises(ParameterError, match="index 2"):
        dsp.power_to_db(np.array([1.0, 2.0, np.nan]))
    with pytest.raises(ParameterTypeError, match="ref"):
        dsp.power_to_db(np.ones(3), ref="max")


def test_integer_input_is_accepted_as_librosa_does():
    np.testing.assert_allclose(dsp.power_to_db(np.array([1, 10, 100])), [0.0, 10.0, 20.0])


def test_scalars_as_librosa():
    assert dsp.power_to_db(100.0) == pytest.approx(librosa.power_to_db(100.0))
    assert dsp.amplitude_to_db(np.float32(0.5)) == pytest.approx(librosa.amplitude_to_db(0.5))
    assert dsp.db_to_power(-10.0) == pytest.approx(0.1)
