"""Spectral densities: SymPy's transforms against hand-derived closed forms, numerical
Fourier integrals of the covariance, finite-difference gradients; errors; the disk cache."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.integrate

from audiogp.gp import KernelError, get_kernel, kernel_from_string, spectral, spectral_density

# Hand-derived two-sided densities S(f) = ∫ k(r) exp(-2πifr) dr (Rasmussen & Williams 2006,
# eq. 4.15 for the Matérn family; the shift theorem for the modulated kernels).
CLOSED_FORMS = {
    "se": (lambda f, s, l: s**2 * np.sqrt(2 * np.pi) * l * np.exp(-2 * np.pi**2 * l**2 * f**2),
           dict(s=1.3, l=0.004)),
    "matern12": (lambda f, s, l: s**2 * 2 * l / (1 + (2 * np.pi * l * f) ** 2), dict(s=0.7, l=0.002)),
    "matern32": (lambda f, s, l: s**2 * 4 * (np.sqrt(3) / l) ** 3 / ((np.sqrt(3) / l) ** 2 + 4 * np.pi**2 * f**2) ** 2,
                 dict(s=1.1, l=0.003)),
    "sm": (lambda f, s, l, p: s**2 * np.sqrt(np.pi) * l / 2 * (np.exp(-(np.pi * l * (f - p)) ** 2)
                                                                + np.exp(-(np.pi * l * (f + p)) ** 2)),
           dict(s=0.9, l=0.01, p=440.0)),
    "lorentzian": (lambda f, s, l, p: s**2 * (l / (1 + (2 * np.pi * l * (f - p)) ** 2)
                                              + l / (1 + (2 * np.pi * l * (f + p)) ** 2)),
                   dict(s=1.2, l=0.02, p=1000.0)),
}

# Covariances written out in NumPy, independently of the kernel module, as an envelope k0(r)
# and the frequency of the cosine it multiplies (None: no cosine).
ENVELOPES = {
    "se": (lambda r, s, l: s**2 * np.exp(-r**2 / (2 * l**2)), None),
    "matern12": (lambda r, s, l: s**2 * np.exp(-r / l), None),
    "matern32": (lambda r, s, l: s**2 * (1 + np.sqrt(3) * r / l) * np.exp(-np.sqrt(3) * r / l), None),
    "sm": (lambda r, s, l, p: s**2 * np.exp(-(r / l) ** 2), "p"),
    "lorentzian": (lambda r, s, l, p: s**2 * np.exp(-r / l), "p"),
}


def cosine_integral(g, omega):
    """∫_0^∞ g(r) cos(ω r) dr by QUADPACK (QAWF for ω > 0)."""
    if omega == 0:
        return scipy.integrate.quad(g, 0, np.inf, epsabs=0, epsrel=1e-12, limit=500)[0]
    return scipy.integrate.quad(g, 0, np.inf, weight="cos", wvar=abs(omega), epsabs=1e-15,
                                limlst=500)[0]


def numerical_density(name, f, params):
    """S(f) = 2 ∫_0^∞ k(r) cos(2π f r) dr; for k = k0(r) cos(2π p r) through
    2 cos a cos b = cos(a - b) + cos(a + b), so the integrand's envelope is smooth."""
    envelope, modulation = ENVELOPES[name]
    g = lambda r: envelope(r, **params)  # noqa: E731
    if modulation is None:
        return 2 * cosine_integral(g, 2 * np.pi * f)
    p = params[modulation]
    return cosine_integral(g, 2 * np.pi * (p - f)) + cosine_integral(g, 2 * np.pi * (p + f))


@pytest.fixture(scope="module", autouse=True)
def module_cache(tmp_path_factory):
    """One private disk cache for this module: derived densities are reused between tests."""
    folder = tmp_path_factory.mktemp("spectral-cache")
    saved = os.environ.get("AUDIOGP_CACHE_DIR")
    os.environ["AUDIOGP_CACHE_DIR"] = str(folder)
    spectral.clear_cache(disk=False)
    yield folder
    spectral.clear_cache(disk=False)
    if saved is None:
        del os.environ["AUDIOGP_CACHE_DIR"]
    else:
        os.environ["AUDIOGP_CACHE_DIR"] = saved


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty disk and memory cache for one test."""
    monkeypatch.setenv("AUDIOGP_CACHE_DIR", str(tmp_path / "cache"))
    spectral.clear_cache(disk=False)
    yield tmp_path / "cache"
    spectral.clear_cache(disk=False)


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_density_equals_hand_derived_closed_form(name):
    closed, params = CLOSED_FORMS[name]
    f = np.linspace(0.0, 5000.0, 2001)
    ours = spectral_density(name)(f, **params)
    expected = closed(f, **params)
    # exp() tails are floored at e^-200 (see audiogp.gp.spectral): compare above that level
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-80 * expected.max())


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_density_equals_numerical_fourier_integral_of_covariance(name):
    params = CLOSED_FORMS[name][1]
    density = spectral_density(name)
    for f in (0.0, 37.0, params.get("p", 100.0), params.get("p", 100.0) * 1.1 + 25.0):
        ours = float(density(np.array(f), **params))
        assert ours == pytest.approx(numerical_density(name, f, params), rel=1e-6), (name, f)


def test_density_equals_fft_of_sampled_covariance():
    """Through the Poisson summation formula, the DFT of k sampled at step h is Σ_m S(f + m/h)."""
    s, l, p = 1.0, 0.003, 700.0
    h = 1.0 / 200000.0
    n = 1 << 16
    r = np.arange(n) * h
    c = ENVELOPES["sm"][0](r, s, l, p) * np.cos(2 * np.pi * p * r)
    numeric = np.fft.rfft(np.concatenate([c, [0.0], c[:0:-1]])).real * h
    freqs = np.arange(numeric.shape[0]) / (2 * n * h)
    ours = spectral_density("sm")(freqs, s=s, l=l, p=p)
    band = ours >= 1e-6 * ours.max()
    ours = ours[band]
    np.testing.assert_allclose(numeric[band], ours, rtol=1e-6)


@pytest.mark.parametrize("name", ["sm", "lorentzian", "matern32"])
def test_gradient_matches_finite_differences(name):
    params = dict(CLOSED_FORMS[name][1])
    density = spectral_density(name)
    kernel = get_kernel(name)
    f = np.linspace(0.0, 3000.0, 301)
    theta = [np.float64(params[n]) for n in kernel.parameter_names]
    _, grads = density.value_and_gradient(f, *theta)
    for i, n in enumerate(kernel.parameter_names):
        step = 1e-6 * theta[i]
        up = list(theta)
        down = list(theta)
        up[i] = theta[i] + step
        down[i] = theta[i] - step
        numeric = (density.value(f, *up) - density.value(f, *down)) / (2 * step)
        scale = np.max(np.abs(numeric))
        np.testing.assert_allclose(grads[i], numeric, rtol=1e-5, atol=1e-6 * scale, err_msg=n)


def test_covariance_evaluates_the_expression():
    r = np.linspace(-0.02, 0.02, 101)
    ours = get_kernel("lorentzian").covariance(r, s=1.2, l=0.004, p=300.0)
    expected = ENVELOPES["lorentzian"][0](np.abs(r), 1.2, 0.004, 300.0) * np.cos(2 * np.pi * 300.0 * r)
    np.testing.assert_allclose(ours, expected, rtol=1e-13)


def test_narrow_line_far_from_zero_keeps_its_precision():
    # The expanded rational form of the Lorentzian loses all digits here; the shifted form does not.
    s, l, p = 1.0, 1.0, 9000.0
    f = p + np.array([0.0, 0.01, 0.1, 1.0])
    ours = spectral_density("lorentzian")(f, s=s, l=l, p=p)
    np.testing.assert_allclose(ours, CLOSED_FORMS["lorentzian"][0](f, s, l, p), rtol=1e-12)


def test_line_spectrum_kernel_has_no_density():
    with pytest.raises(KernelError, match="no spectral density"):
        spectral_density("cosine")


def test_odd_covariance_is_refused():
    kernel = kernel_from_string("s**2 * r * exp(-r**2/l)", {"s": {}, "l": {}})
    with pytest.raises(KernelError, match="not even in r"):
        spectral_density(kernel)


def test_untransformable_covariance_is_a_clear_error(fresh_cache):
    kernel = kernel_from_string("s**2 * exp(-exp(abs(r)/l))", {"s": {}, "l": {}})
    with pytest.raises(KernelError, match="cannot find the Fourier transform") as info:
        spectral_density(kernel)
    assert info.value.expression == kernel.expression


def test_wrong_symbolic_density_is_caught_by_the_numerical_check(fresh_cache, monkeypatch):
    import sympy

    kernel = kernel_from_string("s**2 * exp(-abs(r)/l)", {"s": {"role": "amplitude"},
                                                          "l": {"role": "lengthscale", "default": 0.01}})
    expression, _, symbols = kernel.sympy()
    f = sympy.Symbol("f", real=True)
    wrong = 2 * symbols["l"] * symbols["s"] ** 2 / (1 + 4 * sympy.pi**2 * symbols["l"] ** 2 * f**2 * 1.001)
    monkeypatch.setattr(spectral, "_derive", lambda kernel: (wrong, None))
    with pytest.raises(KernelError, match="disagrees with a numerical Fourier transform"):
        spectral_density(kernel)


def test_user_kernel_gets_a_checked_density():
    kernel = kernel_from_string("a**2 * exp(-abs(r)/t) * cos(2*pi*nu*r) + b**2 * exp(-r**2/(2*w**2))",
                                {"a": {}, "t": {"default": 0.01}, "nu": {"default": 300.0},
                                 "b": {}, "w": {"default": 0.002}})
    f = np.linspace(0, 2000, 51)
    ours = spectral_density(kernel)(f, a=0.5, t=0.01, nu=300.0, b=2.0, w=0.002)
    expected = (CLOSED_FORMS["lorentzian"][0](f, 0.5, 0.01, 300.0)
                + CLOSED_FORMS["se"][0](f, 2.0, 0.002))
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


def test_disk_cache_is_written_atomically_and_read_back(fresh_cache, monkeypatch):
    density = spectral_density("sm")
    folder = fresh_cache / "spectral"
    entries = list(folder.glob("*.json"))
    assert len(entries) == 1 and not list(folder.glob("*.part"))
    entry = json.loads(entries[0].read_text())
    assert entry["checked"] and "exp" in entry["density"]
    spectral.clear_cache(disk=False)

    def fail(kernel):
        raise AssertionError("derived again instead of read from the disk cache")

    monkeypatch.setattr(spectral, "_derive", fail)
    again = spectral_density("sm")
    f = np.linspace(0, 4000, 33)
    np.testing.assert_array_equal(again(f, s=1.0, l=0.01, p=500.0), density(f, s=1.0, l=0.01, p=500.0))


def test_corrupt_cache_entry_is_ignored(fresh_cache):
    spectral_density("matern12")
    (entry,) = (fresh_cache / "spectral").glob("*.json")
    entry.write_text('{"format": 2, "key": "x", "density": "__import__(\\"os\\")"}')
    spectral.clear_cache(disk=False)
    f = np.array([0.0, 10.0])
    np.testing.assert_allclose(spectral_density("matern12")(f, s=1.0, l=0.1),
                               CLOSED_FORMS["matern12"][0](f, 1.0, 0.1))


def test_xdg_cache_home_is_respected(fresh_cache, tmp_path, monkeypatch):
    monkeypatch.delenv("AUDIOGP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert spectral.cache_dir() == tmp_path / "xdg" / "audiogp"
    spectral_density("se")
    assert list((tmp_path / "xdg" / "audiogp" / "spectral").glob("*.json"))


def test_unwritable_cache_directory_is_not_an_error(fresh_cache, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("AUDIOGP_CACHE_DIR", str(blocker))
    assert spectral_density("se")(np.array([0.0]), s=1.0, l=1.0)[0] == pytest.approx(np.sqrt(2 * np.pi))


def test_import_audiogp_and_gp_do_not_import_sympy():
    probe = "import sys, audiogp, audiogp.gp; print('sympy' in sys.modules)"
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["sm", "lorentzian"])
def test_modulated_kernels_expose_their_shifted_structure(name):
    closed, params = CLOSED_FORMS[name]
    density = spectral_density(name)
    assert density.shifted is not None and density.shifted.frequency == "p"
    assert density.shifted.names == ("s", "l")
    f = np.linspace(0, 4000, 81)
    p = params["p"]
    near, grads, slope = density.shifted.value_and_gradient(f - p, params["s"], params["l"])
    far, _, _ = density.shifted.value_and_gradient(f + p, params["s"], params["l"])
    np.testing.assert_allclose((near + far) / 2, closed(f, **params), rtol=1e-12, atol=1e-80)
    step = 1e-4
    up = density.shifted.value_and_gradient(f - p + step, params["s"], params["l"])[0]
    down = density.shifted.value_and_gradient(f - p - step, params["s"], params["l"])[0]
    np.testing.assert_allclose(slope, (up - down) / (2 * step), rtol=1e-5, atol=1e-9 * np.max(np.abs(slope)))
    assert spectral_density("matern32").shifted is None
