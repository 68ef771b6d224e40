"""audiogp.testing: running specs with given plugins, asserting where they fail, test signals."""

import numpy as np
import pytest
import scipy.linalg

from audiogp import testing
from audiogp.plugins import Mismatch, NodeType, Param, Port, hookimpl
from audiogp.testing import (  # noqa: F401  (fixtures used by the tests below)
    PluginTestError,
    assert_fails,
    audiogp_plugins,
    check_spec,
    example_signal,
    position,
    run_spec,
    spec_runner,
)
from audiogp.types import Metrics, Signal


def peak(ctx, *, input, limit):
    """Peak and RMS of a signal."""
    y = np.abs(input.y)
    return {"stats": Metrics({"peak": float(y.max()), "rms": float(np.sqrt(np.mean(input.y ** 2)))}),
            "signal": input}


def under_limit(params, inputs):
    length = inputs["input"].get("length")
    if length is not None and length > params["limit"]:
        raise Mismatch("limit", f"the signal has {length} samples, more than limit={params['limit']}")


def opaque(ctx, *, input):
    """The signal unchanged, declaring no facts (its length is known only when it runs)."""
    return input


class PeakPlugin:
    PEAK = NodeType("peak", peak, kind="metric", inputs=[Port("input", Signal)],
                    outputs=[Port("stats", Metrics), Port("signal", Signal)],
                    params=[Param("limit", int, 10**9, minimum=1)], checks=[under_limit])
    OPAQUE = NodeType("opaque", opaque, kind="transform", inputs=[Port("input", Signal)],
                      outputs=[Port("signal", Signal)], facts_from=None)

    @hookimpl
    def register_node_types(self, register):
        register(self.PEAK)
        register(self.OPAQUE)


@pytest.fixture
def audiogp_plugins():  # noqa: F811  (overrides the harness's default, as a plugin's conftest would)
    return [PeakPlugin()]


SPEC = """
    audiogp: 1
    nodes:
      tone: {use: load, path: tone.wav, sr: null}
      p:    {use: peak, input: tone}
      out:  {use: save, input: p.signal, path: copy.wav, subtype: FLOAT}
"""


def test_a_spec_runs_with_the_plugin_on_given_files(spec_runner):
    sine = testing.tone(500.0, sr=8000, duration=0.25, amplitude=0.5)
    run = spec_runner.run(SPEC, files={"tone.wav": sine})
    np.testing.assert_array_equal(run["tone"].y, sine.y.astype(np.float32))
    stats = run["p.stats"].values
    assert stats["peak"] == pytest.approx(0.5, rel=1e-6)
    assert stats["rms"] == pytest.approx(0.5 / np.sqrt(2), rel=1e-6)  # whole periods
    assert run.file("copy.wav").stat().st_size > 8000 and run.written == [run.file("copy.wav")]
    assert run.facts("tone") == {"sr": 8000, "channels": 1, "length": 2000}
    with pytest.raises(KeyError, match="write 'p'.port"):
        run["p"]
    with pytest.raises(PluginTestError, match="wrote no file 'other.wav'"):
        run.file("other.wav")


def test_failures_are_matched_by_position_node_key_and_message(spec_runner):
    text = SPEC.replace("{use: peak, input: tone}",
                                                 "{use: peak, input: tone, limit: 0}")
    files = {"tone.wav": testing.tone(500.0, sr=8000, duration=0.25)}
    problem = spec_runner.fails(text, files=files, at=position(text, "0}"), node="p", key="limit",
                                match=r"integer >= 1, got 0")
    assert problem.location.line == 5
    with pytest.raises(PluginTestError) as caught:
        spec_runner.fails(text, files=files, node="p", key="input")
    assert "no problem node 'p', key 'input'" in str(caught.value)
    assert "parameter 'limit': expected an integer >= 1, got 0" in str(caught.value)


def test_a_declared_check_failing_when_the_node_runs_is_matched_too(spec_runner):
    files = {"tone.wav": testing.tone(500.0, sr=8000, duration=0.25)}
    text = SPEC.replace("{use: peak, input: tone}", "{use: peak, input: tone, limit: 100}")
    # 'load' knows the length before running: refused when validated...
    spec_runner.fails(text, files=files, node="p", key="limit",
                      match="2000 samples, more than limit=100")
    # ...behind a node that declares no facts it is not: the same check refuses it when the
    # node runs.
    resampled = text.replace("sr: null", "sr: 4000").replace(
        "{use: peak, input: tone, limit: 100}",
        "{use: peak, input: hidden, limit: 100}\n      hidden: {use: opaque, input: tone}")
    failed = spec_runner.fails(resampled, files=files, at=position(resampled, "100"), node="p",
                               key="limit", match="1000 samples, more than limit=100")
    assert type(failed).__name__ == "NodeFailed"


def test_a_spec_that_runs_is_no_failure(spec_runner):
    with pytest.raises(PluginTestError, match="ran without error"):
        spec_runner.fails("audiogp: 1\nnodes:\n  v: {use: example, duration: 0.05}\n", node="v")


def test_the_functions_work_without_the_fixtures(tmp_path):
    text = "audiogp: 1\nnodes:\n  v: {use: example, sr: 8000, duration: 0.1}\n  p: {use: peak, input: v}\n"
    run = run_spec(text, plugins=[PeakPlugin()], folder=tmp_path / "spec", out_dir=tmp_path / "out")
    assert run["p.stats"].values["peak"] == pytest.approx(0.5, rel=1e-6)  # examples peak at 0.5
    assert check_spec(text, plugins=[PeakPlugin()]).order == ["v", "p"]
    assert_fails(text.replace("peak,", "peek,"), plugins=[PeakPlugin()], at="4:12", node="p",
                 match="Did you mean 'peak'")


def test_a_plugin_that_does_not_load_fails_the_test_with_the_reason():
    class Broken:
        @hookimpl
        def register_node_types(self, register):
            register(NodeType("needs", lambda ctx, *, input: None, kind="sink",
                              inputs=[Port("input", "NoSuchType")]))

    with pytest.raises(PluginTestError) as caught:
        testing.plugin_registry([Broken()])
    assert "'NoSuchType' (port 'input')" in str(caught.value)

    class Misspelt:
        @hookimpl
        def register_node_typs(self, register):
            pass

    with pytest.raises(PluginTestError, match="register_node_typs"):
        testing.plugin_registry([Misspelt()])


def test_position_counts_in_the_dedented_text():
    text = """
        audiogp: 1
        nodes:
          v: {use: example, sr: 10}
    """
    assert position(text, "10") == "4:25" and position(text, "e", 2) == "4:9"
    with pytest.raises(ValueError, match="occurs 0 time"):
        position(text, "stft")


# -- signals ------------------------------------------------------------------------------------

def test_example_signal_fixture_gives_the_built_in_examples(example_signal):
    from audiogp import data

    chirp = example_signal("chirp", sr=8000, duration=0.5)
    y, sr = data.example("chirp", sr=8000, duration=0.5)
    np.testing.assert_array_equal(chirp.y, y)
    assert sr == chirp.sr == 8000


def test_harmonic_has_amplitude_one_over_k_at_each_harmonic():
    signal = testing.harmonic(100.0, n_harmonics=4, sr=8000, duration=1.0, amplitude=0.6)
    spectrum = np.abs(np.fft.rfft(signal.y)) * 2 / signal.n_samples   # 1 Hz bins: exact
    np.testing.assert_allclose(spectrum[[100, 200, 300, 400]], [0.6, 0.3, 0.2, 0.15], atol=1e-9)
    assert np.max(np.delete(spectrum, [100, 200, 300, 400])) < 1e-9
    # Harmonics at or above Nyquist are left out.
    assert testing.harmonic(3000.0, n_harmonics=3, sr=8000).y.std() == pytest.approx(0.5 / np.sqrt(2), rel=1e-3)


def test_white_noise_has_the_given_deviation_and_is_seeded():
    noise = testing.white_noise(sr=16000, duration=2.0, std=0.2, seed=5)
    assert noise.y.std() == pytest.approx(0.2, rel=0.02)
    np.testing.assert_array_equal(noise.y, testing.white_noise(sr=16000, duration=2.0, std=0.2, seed=5).y)


def test_autoregressive_process_has_its_coefficients():
    a = np.array([1.3, -0.8, 0.2])
    y = testing.autoregressive(a, sr=16000, duration=4.0, seed=1).y
    r = np.array([y[: y.size - k] @ y[k:] for k in range(4)]) / y.size
    estimate = scipy.linalg.solve_toeplitz(r[:3], r[1:4])   # Yule-Walker, independent of audiogp
    np.testing.assert_allclose(estimate, a, atol=0.03)
    with pytest.raises(ValueError, match="unstable"):
        testing.autoregressive([1.1])
