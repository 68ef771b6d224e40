"""The GP node types in specs: fit, synthesis, kernels from strings and from plugins, saved fits."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audiogp import graph
from audiogp.graph import load_spec
from audiogp.gp import KernelFit

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "gp_resynthesis.yaml"

SHORT = """
audiogp: 1
seed: 0
nodes:
  voice:   {use: example, name: vowels, sr: 16000, duration: 0.4}
  env:     {use: envelope, input: voice, method: rolling_std, frame_length: 160}
  model:   {use: gp_fit, input: voice, envelope: env.envelope, n_components: 6, block_ms: 40,
            max_iter: 15}
  resynth: {use: gp_synthesize, fit: model, mode: previous}
  out:     {use: save, input: resynth, path: resynth.wav}
"""


def test_fit_and_synthesis_nodes_run_in_a_spec(tmp_path):
    result = graph.run_text(SHORT, out_dir=tmp_path)
    fit = result.values["model"]["fit"]
    assert isinstance(fit, KernelFit) and fit.n_components == 6 and fit.sr == 16000
    assert fit.envelope is not None
    y, sr = soundfile.read(tmp_path / "resynth.wav")
    assert sr == 16000 and y.shape == (6400,) and np.all(np.isfinite(y)) and np.std(y) > 0


def test_same_spec_same_seed_same_bytes(tmp_path):
    graph.run_text(SHORT, out_dir=tmp_path / "a")
    graph.run_text(SHORT, out_dir=tmp_path / "b")
    assert (tmp_path / "a" / "resynth.wav").read_bytes() == (tmp_path / "b" / "resynth.wav").read_bytes()


def test_kernel_from_a_string_in_the_spec(tmp_path):
    spec = """
audiogp: 1
nodes:
  voice: {use: example, name: tones, sr: 8000, duration: 0.3}
  kern:  {use: kernel, expression: "a**2 * exp(-abs(r)/tau) * cos(2*pi*nu*r)",
          params: {a: {role: amplitude}, tau: {role: lengthscale, bounds: [0.001, 0.5]},
                   nu: {role: frequency}}}
  model: {use: gp_fit, input: voice, kernel: kern, n_components: 4, block_ms: 50, max_iter: 10}
  wave:  {use: gp_synthesize, fit: model, mode: statespace}
"""
    result = graph.run_text(spec, out_dir=tmp_path)
    fit = result.values["model"]["fit"]
    assert fit.kernel.parameter_names == ("a", "tau", "nu")
    assert result.values["wave"]["signal"].y.shape == (2400,)


def test_bad_kernel_string_points_into_the_spec(tmp_path):
    from audiogp.errors import UserError

    spec = """audiogp: 1
nodes:
  voice: {use: example, name: tones, sr: 8000, duration: 0.3}
  kern:  {use: kernel, expression: "s**2 * exp(-abs(r)/q)", params: {s: {}, l: {}}}
  model: {use: gp_fit, input: voice, kernel: kern, n_components: 2, max_iter: 2}
"""
    with pytest.raises(UserError) as info:
        graph.run_text(spec, out_dir=tmp_path)
    message = str(info.value)
    assert ":4:" in message and "'kern'" in message  # the node's line in the spec
    assert "symbol 'q' is not declared" in message
    assert "^ (column 20 of the expression)" in message


def test_kernel_registered_by_a_plugin_is_used_by_name(tmp_path, monkeypatch):
    from audiogp import plugins
    from audiogp.plugins import hookimpl
    from audiogp.plugins.manager import load_registry

    class Plugin:
        @hookimpl
        def register_kernels(self, register):
            register("damped", {"expression": "s**2 * exp(-abs(r)/l) * cos(2*pi*p*r)",
                                "params": {"s": {"role": "amplitude"}, "l": {"role": "lengthscale"},
                                           "p": {"role": "frequency"}}})

    registry = load_registry(set(), plugins=[Plugin()])
    monkeypatch.setattr(plugins, "get_registry", lambda **options: registry)
    spec = """
audiogp: 1
nodes:
  voice: {use: example, name: tones, sr: 8000, duration: 0.3}
  model: {use: gp_fit, input: voice, kernel_name: damped, n_components: 3, max_iter: 5}
"""
    result = graph.run_text(spec, out_dir=tmp_path, registry=registry)
    assert result.values["model"]["fit"].kernel.name == "damped"


def test_saved_fit_loads_and_synthesises(tmp_path):
    spec = SHORT + "  saved:   {use: save_kernel_fit, input: model, path: model.npz}\n"
    graph.run_text(spec, out_dir=tmp_path)
    loaded = KernelFit.load(tmp_path / "model.npz")
    assert loaded.n_components == 6
    (tmp_path / "spec2").mkdir()
    again = f"""
audiogp: 1
nodes:
  model: {{use: load_kernel_fit, path: {tmp_path / 'model.npz'}}}
  wave:  {{use: gp_synthesize, fit: model, mode: independent}}
"""
    result = graph.run_text(again, out_dir=tmp_path / "spec2")
    assert result.values["wave"]["signal"].y.shape == (loaded.n_samples,)


def test_example_spec_runs_on_a_short_recording(tmp_path):
    from audiogp import data

    y, sr = data.example("vowels", sr=22050, duration=0.6)
    recording = tmp_path / "speech.wav"
    soundfile.write(recording, y, sr)
    spec = load_spec(EXAMPLE)
    out = tmp_path / "out"
    graph.run(spec, out_dir=out, overrides=[f"voice.path={recording}", "model.n_components=8",
                                            "model.max_iter=20"])
    for name in ("resynth.wav", "model.npz", "metrics.json", "resynth.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert "stoi" in json.dumps(metrics) and "log_spectral_distance_db" in json.dumps(metrics)


KERNEL_MISTAKES = """audiogp: 1
nodes:
  voice: {use: example, name: tones, sr: 8000, duration: 0.3}
  no_r:  {use: kernel, expression: "s**2 * exp(-l)", params: {s: {}, l: {}}}
  undeclared: {use: kernel, expression: "s**2 * exp(-abs(r)/q)", params: {s: {}}}
  line_spectrum: {use: kernel, expression: "s**2 * cos(2*pi*p*r)", params: {s: {}, p: {}}}
  unknown: {use: kernel, name: lorentzain}
  model: {use: gp_fit, input: voice, kernel_name: smm, n_components: 2, max_iter: 2}
"""


def test_kernel_mistakes_are_found_when_the_spec_is_validated(tmp_path, monkeypatch):
    """Every kernel mistake is reported at its key, in one validation, before any node runs."""
    from audiogp.graph import SpecError, parse_spec

    ran = []
    monkeypatch.setattr("audiogp.builtin.examples.example", lambda *a, **k: ran.append(1))
    with pytest.raises(SpecError) as info:
        graph.check(parse_spec(KERNEL_MISTAKES, source="kernels.yaml"), out_dir=tmp_path)
    message = str(info.value)
    located = {re.search(r"node ('[^']+')", line).group(1): line
               for line in message.splitlines() if " node '" in line}
    assert set(located) == {"'no_r'", "'undeclared'", "'line_spectrum'", "'unknown'", "'model'"}
    assert located["'no_r'"].startswith("kernels.yaml:4:") and "r" in located["'no_r'"]
    assert located["'undeclared'"].startswith("kernels.yaml:5:") and "'q'" in message
    assert "(column 20 of 's**2 * exp(-abs(r)/q)')" in message  # 1-based, where the caret points
    assert located["'line_spectrum'"].startswith("kernels.yaml:6:")
    assert located["'unknown'"].startswith("kernels.yaml:7:") and "lorentzian" in message
    assert located["'model'"].startswith("kernels.yaml:8:") and "kernel_name" in located["'model'"]
    assert ran == [] and list(tmp_path.iterdir()) == []


def test_synthesis_carries_the_fitted_signals_rate_and_length_before_running(tmp_path):
    """gp_fit -> gp_synthesize passes sr and length on, so a later mismatch is caught at load time."""
    from audiogp.graph import SpecError, parse_spec

    spec = SHORT + "  other: {use: example, name: chirp, sr: 8000, duration: 0.4}\n" \
                   "  both:  {use: snr, reference: other, input: resynth}\n"
    with pytest.raises(SpecError) as info:
        graph.check(parse_spec(spec, source="gp.yaml"), out_dir=tmp_path)
    assert "node 'both'" in str(info.value) and "16000" in str(info.value)
    checked = graph.check(parse_spec(SHORT, source="gp.yaml"), out_dir=tmp_path)
    assert checked.nodes["resynth"].static["signal"] == {"sr": 16000, "length": 6400}
