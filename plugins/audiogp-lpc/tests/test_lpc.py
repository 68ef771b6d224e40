"""audiogp-lpc against closed forms (AR processes), SciPy's Toeplitz solver and lfilter, and the
node types in specs through audiogp.testing."""

import re

import numpy as np
import pytest
import scipy.linalg
import scipy.signal

from audiogp.testing import autoregressive, position, tone, white_noise

from audiogp_lpc import LpcCoefficients
from audiogp_lpc.lpc import allpole_synthesis, lpc_frames

AR = np.array([1.3, -0.8, 0.2])      # poles inside the unit circle


def test_an_autoregressive_process_gives_back_its_coefficients_and_innovation():
    y = autoregressive(AR, sr=16000, duration=3.0, std=0.1, seed=2).y
    a, gain = lpc_frames(y, order=3, frame_length=4096, hop_length=2048)
    inner = slice(2, -2)                # frames away from the zero padding
    np.testing.assert_allclose(a[inner].mean(axis=0), AR, atol=0.03)
    assert gain[inner].mean() == pytest.approx(0.1, rel=0.05)


def test_the_coefficients_solve_the_normal_equations_of_each_windowed_frame():
    y = white_noise(sr=8000, duration=0.2, seed=4).y + tone(440.0, sr=8000, duration=0.2).y
    order, n, hop = 10, 256, 100
    a, gain = lpc_frames(y, order=order, frame_length=n, hop_length=hop)
    padded = np.pad(y, n // 2)
    w = scipy.signal.get_window("hann", n)
    assert a.shape == (1 + y.size // hop, order)
    for t in (0, 3, 7, a.shape[0] - 1):
        frame = padded[t * hop: t * hop + n] * w
        r = np.array([frame[: n - k] @ frame[k:] for k in range(order + 1)]) / np.sum(w ** 2)
        r[0] *= 1 + 1e-10
        expected = scipy.linalg.solve_toeplitz(r[:order], r[1:])
        np.testing.assert_allclose(a[t], expected, rtol=1e-7, atol=1e-9)
        assert gain[t] ** 2 == pytest.approx(r[0] - expected @ r[1:], rel=1e-7)


def test_silence_gives_a_silent_model_and_no_error():
    a, gain = lpc_frames(np.zeros(1000), order=8, frame_length=200, hop_length=100)
    assert np.all(a == 0) and np.all(gain == 0)
    assert np.all(allpole_synthesis(a, gain, np.ones(1000), hop_length=100) == 0)


def test_a_constant_model_is_exactly_lfilter_across_frame_boundaries():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 1003))
    n_frames = 1 + 1003 // 64
    a = np.broadcast_to(AR, (n_frames, 3))
    gain = np.full(n_frames, 0.7)
    ours = allpole_synthesis(a, gain, x, hop_length=64)
    np.testing.assert_allclose(ours, scipy.signal.lfilter([0.7], np.concatenate([[1], -AR]), x, axis=-1),
                               rtol=1e-12, atol=1e-12)


def test_changing_models_continue_the_same_output():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(500)
    hop = 60
    n_frames = 1 + 500 // hop
    a = rng.uniform(-0.3, 0.3, (n_frames, 4))
    gain = rng.uniform(0.5, 1.5, n_frames)
    y = np.zeros(500)
    for n in range(500):            # the recursion, sample by sample, with the nearest frame's model
        t = int(np.floor(n / hop + 0.5))
        y[n] = gain[t] * x[n] + sum(a[t, k] * y[n - 1 - k] for k in range(4) if n - 1 - k >= 0)
    np.testing.assert_allclose(allpole_synthesis(a, gain, x, hop_length=hop), y, rtol=1e-10, atol=1e-12)


def test_white_noise_through_the_model_has_the_processes_spectrum():
    y = autoregressive(AR, sr=16000, duration=4.0, std=0.1, seed=3).y
    a, gain = lpc_frames(y, order=3, frame_length=1024, hop_length=256)
    out = allpole_synthesis(a, gain, np.random.default_rng(9).standard_normal(y.size), hop_length=256)
    assert out.std() == pytest.approx(y.std(), rel=0.1)
    freqs, measured = scipy.signal.welch(out, fs=16000, nperseg=512)
    _, response = scipy.signal.freqz([0.1], np.concatenate([[1], -AR]), worN=freqs, fs=16000)
    theory = 2 * np.abs(response) ** 2 / 16000          # one-sided density of 0.1 / A(z)
    distance = np.abs(10 * np.log10(measured[1:-1] / theory[1:-1]))
    assert np.mean(distance) < 1.0


SPEC = """
audiogp: 1
seed: 7
nodes:
  voice:   {use: example, name: vowels, sr: 16000, duration: 0.5}
  model:   {use: lpc, input: voice, order: 18, frame_length: 400, hop_length: 160}
  whisper: {use: lpc_synthesis, coefficients: model}
"""


def test_the_nodes_run_in_a_spec_and_say_their_facts_before_running(spec_runner):
    run = spec_runner.run(SPEC)
    model = run["model"]
    assert isinstance(model, LpcCoefficients)
    a, gain = lpc_frames(run["voice"].y, order=18, frame_length=400, hop_length=160)
    np.testing.assert_array_equal(model.a, a)
    np.testing.assert_array_equal(model.gain, gain)
    assert run["whisper"].n_samples == 8000 and run["whisper"].sr == 16000
    assert run.facts("model") == {"sr": 16000, "length": 8000, "order": 18, "frame_length": 400,
                                  "hop_length": 160, "window": "hann"}
    assert run.facts("whisper") == {"sr": 16000, "length": 8000}
    again = spec_runner.run(SPEC)
    np.testing.assert_array_equal(run["whisper"].y, again["whisper"].y)   # seeded by the run


def test_cross_synthesis_takes_another_source(spec_runner):
    run = spec_runner.run(SPEC + "  buzz:    {use: example, name: chirp, sr: 16000, duration: 0.6}\n"
                                 "  cross:   {use: lpc_synthesis, coefficients: model, excitation: buzz}\n")
    source = run["buzz"].y[:8000] / np.sqrt(np.mean(run["buzz"].y[:8000].astype(float) ** 2))
    np.testing.assert_allclose(run["cross"].y, allpole_synthesis(run["model"].a, run["model"].gain,
                                                                 source, hop_length=160))


@pytest.mark.parametrize("old, new, at, key, words", [
    ("frame_length: 400", "frame_length: 16", "18", "order", "order=18 needs frames longer"),
    ("frame_length: 400", "frame_length: 9000", "9000", "frame_length", "longer than the signal (8000"),
    ("hop_length: 160", "hop_length: 500", "500", "hop_length", "would be in no frame"),
    ("order: 18", "order: -1", "-1", "order", "expected an integer >= 1 and <= 256, got -1"),
])
def test_settings_that_cannot_work_are_refused_before_running_at_their_key(spec_runner, old, new,
                                                                            at, key, words):
    text = SPEC.replace(old, new)
    spec_runner.fails(text, at=position(text, at), node="model", key=key, match=re.escape(words))


@pytest.mark.parametrize("excitation, words", [
    ("{use: example, sr: 8000}", "at 8000 Hz but the coefficients at 16000 Hz"),
    ("{use: example, sr: 16000, duration: 0.25}", "4000 samples, fewer than the 8000"),
])
def test_an_excitation_that_does_not_fit_is_refused(spec_runner, excitation, words):
    text = SPEC + f"  buzz:    {excitation}\n  cross:   {{use: lpc_synthesis, coefficients: model, excitation: buzz}}\n"
    spec_runner.fails(text, at=position(text, "buzz}"), node="cross", key="excitation", match=words)


def test_the_check_knows_a_resampled_length_before_running(spec_runner):
    # Resampled on loading, the file's length is still known before running (audiogp gives
    # soxr's output length), so the frame check refuses the spec before any work, at frame_length.
    text = """
audiogp: 1
nodes:
  voice: {use: load, path: short.wav, sr: 8000}
  model: {use: lpc, input: voice, order: 8, frame_length: 1200}
"""
    failed = spec_runner.fails(text, files={"short.wav": tone(300.0, sr=16000, duration=0.1)},
                               at=position(text, "1200"), node="model", key="frame_length",
                               match="longer than the signal \\(800 samples\\)")
    assert type(failed).__name__ == "SpecProblem"
