"""The plugin's own tests, written against audiogp's plugin API 1.0."""

import numpy as np
import pytest

from audiogp import graph
from audiogp.graph import SpecError
from audiogp.plugins.manager import load_registry

import audiogp_compat_v1

SPEC = """
audiogp: 1
seed: 3
nodes:
  a:      {use: compat_sine, freq: 500, sr: 8000, duration: 0.25}
  b:      {use: compat_sine, freq: 1000, sr: 8000, duration: 0.25, amplitude: 0.25}
  louder: {use: compat_gain, input: a, db: 6.0206, sr: 8000}
  both:   {use: compat_mix, inputs: [louder, b], sidechain: b}
  energy: {use: compat_frame_energy, input: both, frame_length: 200, hop_length: 100}
  noise:  {use: compat_energy_noise, input: energy}
  model:  {use: compat_energy_mean, input: energy}
  stats:  {use: compat_energy_stats, input: energy}
  slow:   {use: compat_to_signal, input: energy}
  csv:    {use: compat_write_energy, input: energy, path: energy.csv, precision: 3}
"""


@pytest.fixture
def registry():
    return load_registry(set(), plugins=[audiogp_compat_v1])


def test_every_kind_is_registered_through_its_hook(registry):
    kinds = {name: node.kind for name, node in registry.node_types.items() if name.startswith("compat_")}
    assert kinds == {"compat_sine": "source", "compat_gain": "transform", "compat_mix": "transform",
                     "compat_frame_energy": "analysis", "compat_energy_noise": "synthesis",
                     "compat_energy_mean": "fitting", "compat_energy_stats": "metric",
                     "compat_to_signal": "inversion", "compat_write_energy": "sink"}
    assert {"FrameEnergy", "Note"} <= set(registry.value_types)
    assert registry.kernel("compat_constant") == {"expression": "1"}
    from audiogp_compat_v1.note import Note

    assert registry.is_instance(Note(440.0), ("Note",))


def test_a_spec_runs_and_gives_closed_form_energies(registry, tmp_path):
    result = graph.run_text(SPEC, out_dir=tmp_path, registry=registry)
    values = result.values
    # 0.5 sin doubled (+6.02 dB) is a sine of amplitude 1: mean square 1/2 over whole periods.
    energy = values["energy"]["energy"]
    assert isinstance(energy, audiogp_compat_v1.FrameEnergy)
    np.testing.assert_allclose(energy.energy, 0.5, rtol=1e-3)
    assert (energy.sr, energy.hop_length) == (8000, 100)
    assert values["stats"]["stats"].values["max"] == pytest.approx(0.5, rel=1e-3)
    assert values["model"]["model"].values["mean_energy"] == pytest.approx(0.5, rel=1e-3)
    assert values["noise"]["signal"].y.shape == (energy.energy.size * 100,)
    assert values["slow"]["signal"].sr == 80
    lines = (tmp_path / "energy.csv").read_text().splitlines()
    assert lines[0] == "# energy" and float(lines[1]) == pytest.approx(0.5, rel=1e-2)
    assert [p.name for p in result.written] == ["energy.csv"]


def test_same_seed_same_noise(registry, tmp_path):
    first = graph.run_text(SPEC, out_dir=tmp_path / "1", registry=registry)
    second = graph.run_text(SPEC, out_dir=tmp_path / "2", registry=registry)
    np.testing.assert_array_equal(first.values["noise"]["signal"].y,
                                  second.values["noise"]["signal"].y)


def test_the_installed_plugin_is_found_through_its_entry_point(tmp_path):
    from audiogp.plugins import get_registry

    if "compat_sine" not in get_registry(refresh=True).node_types:
        pytest.skip("audiogp-compat-v1 is not installed")
    result = graph.run_text(SPEC, out_dir=tmp_path)
    assert (tmp_path / "energy.csv").exists() and "stats" in result.values


@pytest.mark.parametrize("change, key, word", [
    ("louder: {use: compat_gain, input: a, db: 6, sr: 16000}", "sr", "16000"),
    ("louder: {use: compat_gain, input: a, db: 60}", "db", "40"),
    ("energy: {use: compat_frame_energy, input: a, frame_length: 4000}", "frame_length", "2000"),
    ("csv:    {use: compat_write_energy, input: energy, path: energy.txt}", "path", ".csv"),
    ("csv:    {use: compat_write_energy, input: energy, path: e.csv, precision: 4}", "precision", "9"),
])
def test_mistakes_are_found_before_running_at_their_key(registry, tmp_path, change, key, word):
    name = change.split(":")[0]
    lines = [line if not line.strip().startswith(name + ":") else "  " + change
             for line in SPEC.splitlines()]
    text = "\n".join(lines)
    with pytest.raises(SpecError) as caught:
        graph.check(graph.parse_spec(text), registry=registry)
    (problem,) = caught.value.problems
    assert (problem.node, problem.key) == (name, key)
    assert word in problem.message
    line = next(i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith(name + ":"))
    assert problem.location.line == line


def test_a_miswired_input_is_refused(registry):
    text = SPEC + "  wrong:  {use: compat_gain, input: energy, db: 1}\n"
    with pytest.raises(SpecError) as caught:
        graph.check(graph.parse_spec(text), registry=registry)
    assert "FrameEnergy" in str(caught.value) and "wrong" in str(caught.value)


def test_a_run_time_error_names_the_node(registry, tmp_path):
    text = ("audiogp: 1\nnodes:\n  a: {use: compat_sine, sr: 8000}\n  b: {use: compat_sine, sr: 16000}\n"
            "  m: {use: compat_mix, inputs: [a, b]}\n")
    with pytest.raises(SpecError, match="different rates"):
        graph.check(graph.parse_spec(text), registry=registry)
