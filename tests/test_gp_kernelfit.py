"""KernelFit: PSD and autocovariance from the parameters, saving and loading."""

import json

import numpy as np
import pytest

from audiogp import gp
from audiogp.errors import ParameterError
from audiogp.gp import KernelFit

SR = 16000


def make_fit(envelope=True):
    rng = np.random.default_rng(3)
    n_blocks, n_components, hop = 4, 2, 160
    params = {"s": rng.uniform(0.5, 1.5, (n_blocks, n_components)),
              "l": rng.uniform(0.002, 0.01, (n_blocks, n_components)),
              "p": rng.uniform(200, 4000, (n_blocks, n_components))}
    env = rng.uniform(0.5, 2.0, n_blocks * hop - 7).astype(np.float32) if envelope else None
    return KernelFit(kernel=gp.get_kernel("sm"), params=params, noise=rng.uniform(1e-4, 1e-3, n_blocks),
                     sr=SR, block_length=320, hop_length=hop, n_samples=n_blocks * hop - 7, scale=0.3,
                     envelope=env, info={"note": np.float64(1.5)})


def test_psd_is_the_closed_form_sum_of_components():
    fit = make_fit()
    f = np.linspace(0, SR / 2, 257)
    s, l, p = (fit.params[k][..., None] for k in "slp")
    components = s**2 * np.sqrt(np.pi) * l / 2 * (np.exp(-(np.pi * l * (f - p)) ** 2)
                                                  + np.exp(-(np.pi * l * (f + p)) ** 2))
    two_sided = components.sum(axis=1) + fit.noise[:, None] / SR
    factor = np.where((f == 0) | (f == SR / 2), 1.0, 2.0)
    np.testing.assert_allclose(fit.psd(f), fit.scale**2 * two_sided * factor, rtol=1e-12)


def test_autocov_is_the_closed_form_covariance():
    fit = make_fit()
    lags = np.arange(50) / SR
    s, l, p = (fit.params[k][..., None] for k in "slp")
    k = (s**2 * np.exp(-(lags / l) ** 2) * np.cos(2 * np.pi * p * lags)).sum(axis=1)
    k[:, 0] += fit.noise
    np.testing.assert_allclose(fit.autocov(50), fit.scale**2 * k, rtol=1e-12, atol=1e-15)


def test_psd_integrates_to_the_variance():
    fit = make_fit()
    f = np.linspace(0, 200000, 400001)  # far beyond Nyquist: the continuous density's full mass
    fit_wide = KernelFit(**{**fit.__dict__, "sr": 400000, "info": {}})
    variance = np.trapezoid(fit_wide.psd(f), f, axis=1)
    expected = fit.scale**2 * (np.sum(fit.params["s"] ** 2, axis=1) + fit.noise)
    np.testing.assert_allclose(variance, expected, rtol=1e-4)


@pytest.mark.parametrize("suffix", [".npz", ".json"])
@pytest.mark.parametrize("envelope", [True, False])
def test_save_and_load_round_trip(tmp_path, suffix, envelope):
    fit = make_fit(envelope)
    path = fit.save(tmp_path / f"model{suffix}")
    again = KernelFit.load(path)
    assert again.kernel == fit.kernel
    for name in fit.params:
        np.testing.assert_array_equal(again.params[name], fit.params[name])
    np.testing.assert_array_equal(again.noise, fit.noise)
    if envelope:
        np.testing.assert_array_equal(again.envelope, fit.envelope)
    else:
        assert again.envelope is None
    assert (again.sr, again.block_length, again.hop_length, again.n_samples, again.scale) == \
        (fit.sr, fit.block_length, fit.hop_length, fit.n_samples, fit.scale)
    assert again.info["note"] == 1.5
    assert not list(tmp_path.glob("*.part"))


def test_npz_holds_no_pickled_objects(tmp_path):
    path = make_fit().save(tmp_path / "model.npz")
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[name].dtype != object for name in archive.files)
        assert json.loads(str(archive["metadata"]))["format"] == "audiogp.KernelFit"


def test_loading_something_else_is_a_clear_error(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(ParameterError, match="not a saved KernelFit"):
        KernelFit.load(other)
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2")
    with pytest.raises(ParameterError, match="not a saved KernelFit"):
        KernelFit.load(junk)
    with pytest.raises(ParameterError, match="no such file"):
        KernelFit.load(tmp_path / "missing.npz")


def test_inconsistent_shapes_are_refused():
    fit = make_fit()
    with pytest.raises(ParameterError, match="noise must have shape"):
        KernelFit(**{**fit.__dict__, "noise": np.zeros(3)})
    with pytest.raises(ParameterError, match="kernel needs"):
        KernelFit(**{**fit.__dict__, "params": {"s": fit.params["s"]}})


def test_psd_refuses_frequencies_beyond_nyquist():
    with pytest.raises(ParameterError, match="index 1"):
        make_fit().psd([100.0, SR])


def test_psd_and_autocov_shapes_and_signs_over_random_fits():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=25, deadline=None)
    @given(n_blocks=st.integers(1, 5), n_components=st.integers(1, 4), n_freqs=st.integers(1, 40),
           seed=st.integers(0, 2**32 - 1))
    def check(n_blocks, n_components, n_freqs, seed):
        rng = np.random.default_rng(seed)
        params = {"s": rng.uniform(0.01, 2, (n_blocks, n_components)),
                  "l": rng.uniform(0.001, 0.05, (n_blocks, n_components)),
                  "p": rng.uniform(1, SR / 2, (n_blocks, n_components))}
        fit = KernelFit(kernel=gp.get_kernel("sm"), params=params, noise=rng.uniform(0, 1e-3, n_blocks),
                        sr=SR, block_length=64, hop_length=32, n_samples=32 * n_blocks)
        psd = fit.psd(rng.uniform(0, SR / 2, n_freqs))
        assert psd.shape == (n_blocks, n_freqs) and np.all(psd >= 0)
        autocov = fit.autocov(16)
        assert autocov.shape == (n_blocks, 16)
        assert np.all(np.abs(autocov) <= autocov[:, :1] * (1 + 1e-12))  # |k(τ)| <= k(0)

    check()
