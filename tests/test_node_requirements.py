"""NodeType(requires=...): optional packages a node needs are checked when a spec is validated."""

import subprocess
import sys

import pytest

from audiogp import graph
from audiogp.graph import SpecError, parse_spec
from audiogp.plugins import DeclarationError, NodeType, Port
from audiogp.types import Signal


def passthrough(ctx, *, input):
    return input


def test_bad_requires_declaration_is_refused():
    with pytest.raises(DeclarationError, match="requires"):
        NodeType(name="bad", function=passthrough, inputs=[Port("input", Signal)],
                 outputs=[Port("signal", Signal)], requires="pystoi")
    with pytest.raises(DeclarationError, match="requires"):
        NodeType(name="bad", function=passthrough, inputs=[Port("input", Signal)],
                 outputs=[Port("signal", Signal)], requires=("no spaces allowed",))


def test_missing_requirements_names_module_and_distribution(monkeypatch):
    node = NodeType(name="needs", function=passthrough, inputs=[Port("input", Signal)],
                    outputs=[Port("signal", Signal)],
                    requires=("numpy", "audiogp_no_such_module:audiogp-no-such-dist"))
    assert node.missing_requirements() == [("audiogp_no_such_module", "audiogp-no-such-dist")]
    monkeypatch.setitem(sys.modules, "numpy_blocked_for_test", None)
    blocked = NodeType(name="blocked", function=passthrough, inputs=[Port("input", Signal)],
                       outputs=[Port("signal", Signal)], requires=("numpy_blocked_for_test",))
    assert blocked.missing_requirements() == [("numpy_blocked_for_test", "numpy_blocked_for_test")]


SPEC = """audiogp: 1
nodes:
  voice: {use: example, name: vowels, duration: 0.3}
  spec:  {use: stft, input: voice}
  intel: {use: stoi, reference: voice, input: voice}
  image: {use: plot, input: spec, path: spectrogram.png}
"""


def test_spec_with_nodes_whose_packages_are_missing_is_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pystoi", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    ran = []
    monkeypatch.setattr("audiogp.builtin.examples.example", lambda *a, **k: ran.append(1))
    with pytest.raises(SpecError) as info:
        graph.check(parse_spec(SPEC, source="needs.yaml"), out_dir=tmp_path)
    message = str(info.value)
    assert "needs.yaml:5:16: node 'intel'" in message and "pip install pystoi" in message
    assert "needs.yaml:6:16: node 'image'" in message and "pip install matplotlib" in message
    assert ran == [] and list(tmp_path.iterdir()) == []


def test_spec_validates_when_the_packages_are_installed(tmp_path):
    pytest.importorskip("pystoi", reason="the test extra installs pystoi")
    pytest.importorskip("matplotlib", reason="the test extra installs matplotlib")
    graph.check(parse_spec(SPEC, source="needs.yaml"), out_dir=tmp_path)


def test_node_documentation_lists_requirements():
    result = subprocess.run([sys.executable, "-m", "audiogp", "nodes", "stoi"], capture_output=True,
                            text=True, check=True)
    assert "requires: pystoi" in result.stdout
