"""Fitting kernels to block periodograms: recovery of a known spectral mixture, the Whittle
likelihood really optimised, gradients, initialisation, envelopes, bad input."""

import numpy as np
import pytest

from audiogp import data, gp
from audiogp.errors import ParameterError
from audiogp.gp import fitting

SR = 8000
TRUE_P = np.array([300.0, 1100.0, 2500.0])
TRUE_L = np.array([0.004, 0.008, 0.003])
TRUE_S = np.array([1.0, 0.5, 0.3])


def true_psd(f):
    """One-sided PSD of the 3-component spectral mixture (closed form, Wilson & Adams 2013)."""
    return 2 * sum(s * s * np.sqrt(np.pi) * l / 2 * (np.exp(-(np.pi * l * (f - p)) ** 2)
                                                     + np.exp(-(np.pi * l * (f + p)) ** 2))
                   for s, l, p in zip(TRUE_S, TRUE_L, TRUE_P))


def true_covariance(r):
    return sum(s * s * np.exp(-(r / l) ** 2) * np.cos(2 * np.pi * p * r)
               for s, l, p in zip(TRUE_S, TRUE_L, TRUE_P))


def draw_spectral_mixture(n, rng):
    """An exact draw by circulant embedding (Wood & Chan 1994): the covariance wrapped on a
    circle of 2n samples has a non-negative DFT, which is the spectrum of the periodic process."""
    m = 2 * n
    lags = np.minimum(np.arange(m), m - np.arange(m)) / SR
    eigen = np.maximum(np.fft.rfft(true_covariance(lags)).real, 0.0)
    z = rng.standard_normal(m // 2 + 1) + 1j * rng.standard_normal(m // 2 + 1)
    z[0] = z[0].real * np.sqrt(2)
    z[-1] = z[-1].real * np.sqrt(2)
    return np.fft.irfft(z * np.sqrt(eigen / 2), n=m)[:n] * np.sqrt(m)


@pytest.fixture(scope="module")
def mixture():
    rng = np.random.default_rng(7)
    n = 20 * SR
    y = draw_spectral_mixture(n, rng)
    floor = 1e-6 * true_psd(TRUE_P[0])  # a white noise floor 60 dB below the peak, as any recording has
    y = y + np.sqrt(floor * SR / 2) * rng.standard_normal(n)
    fit = gp.fit(y, SR, kernel="sm", n_components=3, block_ms=1000.0, hop_ms=1000.0, max_iter=400)
    return y, fit, floor


def test_draw_has_the_true_covariance(mixture):
    y, _, floor = mixture
    assert np.var(y) == pytest.approx(true_covariance(0.0) + floor * SR / 2, rel=0.02)


def test_recovers_component_frequencies_within_two_percent(mixture):
    _, fit, _ = mixture
    fitted = np.sort(fit.params["p"], axis=1)
    relative = np.abs(fitted / TRUE_P - 1)
    assert fit.n_blocks == 20
    assert relative.max() < 0.02, relative.max(axis=0)


def test_recovers_the_psd_within_one_db(mixture):
    _, fit, floor = mixture
    f = np.linspace(0, SR / 2, 2001)[1:-1]
    truth = true_psd(f) + floor
    region = truth >= truth.max() * 10 ** (-30 / 10)
    error_db = np.abs(10 * np.log10(fit.psd(f)[:, region] / truth[region]))
    assert np.median(error_db) < 1.0
    assert fit.info["converged"] or fit.info["n_iter"] == fit.info["max_iter"]


def test_whittle_fit_has_lower_whittle_objective_than_logls_fit():
    y, sr = data.example("vowels", duration=1.0)
    settings = dict(n_components=12, block_ms=50.0)
    whittle = gp.fit(y, sr, loss="whittle", **settings)
    logls = gp.fit(y, sr, loss="logls", **settings)
    assert gp.loss_value(whittle, y) < gp.loss_value(logls, y)
    # and each optimises its own objective better than the other's parameters do
    assert gp.loss_value(logls, y, loss="logls") < gp.loss_value(whittle, y, loss="logls")


def periodograms(y, block):
    """Hann-windowed density periodograms, written out in NumPy."""
    frames = y[: (y.shape[0] // block) * block].reshape(-1, block)
    window = np.hanning(block + 1)[:-1]
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2 / (SR * np.sum(window**2))
    power[:, 1:-1] *= 2
    return np.fft.rfftfreq(block, 1 / SR), power


@pytest.mark.parametrize("loss", ["whittle", "logls"])
@pytest.mark.parametrize("kernel", ["sm", "lorentzian", "matern32"])
def test_objective_gradient_matches_finite_differences(loss, kernel, rng):
    y = draw_spectral_mixture(4 * 400, rng) + 0.01 * rng.standard_normal(4 * 400)
    freqs, power = periodograms(y / np.std(y), 400)
    problem = fitting.Problem(gp.get_kernel(kernel), 4, power, freqs, SR, 400, loss=loss,
                              smoothness=0.3)
    u = problem.initial("bark") + 0.05 * rng.standard_normal(problem.initial("bark").shape)
    _, gradient = problem.objective(u)
    for i in rng.choice(u.shape[0], 25, replace=False):
        step = 1e-6
        e = np.zeros_like(u)
        e[i] = step
        numeric = (problem.objective(u + e)[0] - problem.objective(u - e)[0]) / (2 * step)
        assert gradient[i] == pytest.approx(numeric, rel=1e-4, abs=1e-6 * max(1.0, abs(numeric)))


def test_whittle_objective_is_the_formula(rng):
    y = draw_spectral_mixture(3 * 400, rng)
    freqs, power = periodograms(y, 400)
    problem = fitting.Problem(gp.get_kernel("sm"), 3, power, freqs, SR, 400, loss="whittle",
                              smoothness=0.0, normalise=False)
    params = {"s": np.tile(TRUE_S, (3, 1)), "l": np.tile(TRUE_L, (3, 1)), "p": np.tile(TRUE_P, (3, 1))}
    noise = np.full(3, 1e-4)
    model = true_psd(freqs) + 2 * 1e-4 / SR
    expected = np.sum((np.log(model) + power / model)[:, 1:-1], axis=1)
    np.testing.assert_allclose(problem.block_losses(params, noise), expected, rtol=1e-8)


def test_peaks_initialisation_finds_the_lines(rng):
    n = 2 * SR
    t = np.arange(n) / SR
    y = np.sin(2 * np.pi * 440 * t) + 0.5 * np.sin(2 * np.pi * 1330 * t) + 0.01 * rng.standard_normal(n)
    fit = gp.fit(y, SR, n_components=2, block_ms=100.0, init="peaks")
    np.testing.assert_allclose(np.median(np.sort(fit.params["p"], axis=1), axis=0), [440, 1330], rtol=0.01)


def test_overlapping_blocks_cover_the_signal_and_progress_is_reported(rng):
    y = rng.standard_normal(SR // 2)
    calls = []
    fit = gp.fit(y, SR, n_components=4, block_ms=40.0, hop_ms=10.0, max_iter=5,
                 progress=lambda done, total: calls.append((done, total)))
    assert fit.hop_length == 80 and fit.block_length == 320
    assert fit.n_blocks * fit.hop_length >= y.shape[0]
    assert calls[0] == (0, 5) and calls[-1] == (5, 5)


def test_envelope_is_divided_out_and_kept(rng):
    n = SR
    t = np.arange(n) / SR
    envelope = 0.1 + np.abs(np.sin(2 * np.pi * 2 * t))
    y = envelope * rng.standard_normal(n)
    fit = gp.fit(y, SR, n_components=2, block_ms=50.0, envelope=envelope, max_iter=5)
    np.testing.assert_allclose(fit.envelope, envelope, rtol=1e-6)
    assert fit.scale == pytest.approx(1.0, rel=0.05)  # the carrier is unit white noise
    rolling = gp.fit(y, SR, n_components=2, block_ms=50.0, envelope="rolling_std", max_iter=5)
    assert rolling.envelope.shape == (n,) and np.all(rolling.envelope > 0)


def test_silence_fits_without_nan():
    fit = gp.fit(np.zeros(SR // 4), SR, n_components=3, block_ms=50.0, max_iter=5)
    assert fit.scale == 0.0
    for values in fit.params.values():
        assert np.all(np.isfinite(values))
    assert np.all(fit.psd(np.array([100.0, 1000.0])) == 0.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(loss="whitle"), "Did you mean 'whittle'"),
    (dict(init="bork"), "Did you mean 'bark'"),
    (dict(n_components=0), "n_components must be >= 1"),
    (dict(block_ms=0.1), "a block needs at least 8 samples"),
    (dict(hop_ms=80.0), "longer than block_ms"),
    (dict(smoothness=-1.0), "smoothness must be >= 0"),
    (dict(kernel="cosine"), "no spectral density"),
    (dict(kernel="sm2"), "Did you mean 'sm'"),
    (dict(envelope="rms"), "envelope='rms' is not one of"),
    (dict(bounds={"q": (1, 2)}), "has no parameter 'q'"),
])
def test_bad_arguments_are_named(kwargs, message):
    y = np.random.default_rng(0).standard_normal(SR // 4)
    with pytest.raises(ParameterError, match=message):
        gp.fit(y, SR, **{"n_components": 2, "max_iter": 2, **kwargs})


def test_bad_signals_are_refused():
    with pytest.raises(ParameterError, match="mono"):
        gp.fit(np.zeros((2, 100)), SR)
    with pytest.raises(ParameterError, match="index 3"):
        gp.fit(np.array([0.0, 1.0, 2.0, np.nan, 1.0]), SR)
    with pytest.raises(ParameterError, match="envelope must be > 0"):
        gp.fit(np.ones(SR // 4), SR, envelope=np.zeros(SR // 4), max_iter=2)


ROBUST_SR = 16000
ROBUST_P = np.array([500.0, 1250.0, 3100.0])


@pytest.fixture(scope="module")
def mixture_16k():
    """The recovery test's mixture with issue 15's frequencies (1250 and 3100 Hz were lost), at
    16 kHz, an exact draw with a white floor 60 dB down; 4 s."""
    global SR, TRUE_P
    saved = SR, TRUE_P
    SR, TRUE_P = ROBUST_SR, ROBUST_P
    try:
        rng = np.random.default_rng(11)
        n = 4 * SR
        y = draw_spectral_mixture(n, rng)
        floor = 1e-6 * true_psd(TRUE_P[0])
        return y + np.sqrt(floor * SR / 2) * rng.standard_normal(n)
    finally:
        SR, TRUE_P = saved


@pytest.mark.parametrize("init", ["bark", "peaks"])
@pytest.mark.parametrize("block_ms", [50.0, 100.0, 500.0])
def test_recovery_within_two_percent_for_every_init_and_block_length(mixture_16k, init, block_ms):
    """The median over blocks of each fitted frequency (sorted per block) within 2 % of the true
    one, and no component left at Nyquist. max_iter=400 as in the recovery test above: at 50 ms
    the default 100 iterations stop short of convergence (measured: median 542 Hz for 500)."""
    seconds = {50.0: 1.0, 100.0: 1.5, 500.0: 3.0}[block_ms]
    y = mixture_16k[:int(seconds * ROBUST_SR)]
    fit = gp.fit(y, ROBUST_SR, n_components=3, block_ms=block_ms, init=init, max_iter=400)
    fitted = np.median(np.sort(fit.params["p"], axis=1), axis=0)
    assert np.all(np.abs(fitted / ROBUST_P - 1) < 0.02), fitted
    assert np.mean(fit.params["p"] >= ROBUST_SR / 2 * 0.999) < 0.05


def test_peaks_init_finds_one_peak_per_line(mixture_16k):
    """On a 500 ms block the raw periodogram's largest local maxima are all ripples of the
    strongest line; the initial frequencies must be one per line, each within 60 Hz of it (the
    lines are 90-190 Hz wide at half maximum, and the smoothing is 60 Hz)."""
    from audiogp.dsp import block_periodogram

    block = 8000
    freqs, periodograms = block_periodogram(mixture_16k[:4 * block], sr=ROBUST_SR, block_length=block,
                                            hop_length=block, window="hann", scaling="density")
    periodograms = fitting._blocks_first(periodograms, 4, freqs.shape[0])
    problem = fitting.Problem(gp.get_kernel("sm"), 3, periodograms, freqs, ROBUST_SR, block,
                              loss="whittle", smoothness=0.0)
    params, _ = problem.unpack(problem.initial("peaks"))
    start = np.sort(params["p"], axis=1)
    assert np.all(np.abs(start - ROBUST_P) < 60.0), start


def test_a_component_pinned_at_a_bound_is_reported(rng):
    """Frequencies bounded to [1000, 2000] Hz on a signal whose only line is at 500 Hz: the
    component ends at the lower bound in every block, and the warning says so and names them."""
    n = SR
    t = np.arange(n) / SR
    y = np.sin(2 * np.pi * 500 * t) + 0.01 * rng.standard_normal(n)
    with pytest.warns(gp.BoundWarning, match=r"at the lower bound of 'p'\) in 10 of 10 blocks: 0, 1, 2"):
        fit = gp.fit(y, SR, n_components=1, block_ms=100.0, hop_ms=100.0, bounds={"p": (1000.0, 2000.0)},
                     max_iter=50)
    pairs = np.array(fit.info["at_bounds"]["p"]["lower"])
    assert sorted(pairs[:, 0].tolist()) == list(range(10)) and np.all(pairs[:, 1] == 0)
    assert np.allclose(fit.params["p"], 1000.0)
