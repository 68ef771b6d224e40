"""Validating specs: every mistake found before any work, all in one run, each located."""

import os
import re
import subprocess
import sys

import pytest

from audiogp import graph
from audiogp.graph import SpecError, parse_spec
from audiogp.plugins.manager import load_registry

REGISTRY = load_registry(set())  # built-ins only: independent of what else is installed


def position_of(text, needle, occurrence=1):
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def problems(text, **options):
    with pytest.raises(SpecError) as caught:
        graph.check(parse_spec(text, source="s.yaml"), registry=REGISTRY, **options)
    return caught.value.problems


def only_problem(text, **options):
    found = problems(text, **options)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def spec(*node_lines, head="audiogp: 1\nnodes:\n"):
    return head + "".join(f"  {line}\n" for line in node_lines)


FIVE_MISTAKES = spec(
    "voice: {use: example, name: vowels, duration: 0.5}",
    "spec:  {use: sftf, input: voice}",                              # 1 unknown node type
    "mag:   {use: stft, input: voice, n_ftt: 512}",                  # 2 misspelt parameter
    "wave:  {use: istft, input: voice}",                             # 3 Signal into istft
    "loud:  {use: save, input: wave, path: x.wav, peak: 2.5}",       # 4 out of range
    "plot:  {use: plot, input: mag, path: ../../etc/x.png}",         # 5 path escaping --out
)
FIVE_PLACES = [("sftf", 1, "unknown node type 'sftf'", "Did you mean 'stft'?"),
               ("n_ftt", 1, "has no parameter or input 'n_ftt'", "Did you mean 'n_fft'?"),
               ("voice", 4, "gives Signal but input 'input' of istft takes ComplexSpectrogram", ""),
               ("2.5", 1, "expected a number > 0 and <= 1, got 2.5", "peak"),
               ("../../etc/x.png", 1, "leads outside the output folder", "")]


def test_five_planted_mistakes_give_five_located_errors_in_one_run(tmp_path):
    path = tmp_path / "five.yaml"
    path.write_text(FIVE_MISTAKES)
    result = subprocess.run([sys.executable, "-m", "audiogp", "validate", str(path)],
                            capture_output=True, text=True,
                            env=dict(os.environ, AUDIOGP_PLUGINS="builtin"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    located = [line for line in result.stderr.splitlines() if line.startswith(str(path) + ":")]
    assert len(located) == 5, result.stderr
    assert "5 problems found; nothing was run" in result.stderr
    for line, (needle, occurrence, message, extra) in zip(located, FIVE_PLACES):
        row, column = position_of(FIVE_MISTAKES, needle, occurrence)
        assert line.startswith(f"{path}:{row}:{column}: node '"), line
        assert message in line and extra in line


def test_errors_name_node_and_parameter():
    problem = only_problem(spec("v: {use: example, duration: 0.5, sr: 100}"))
    assert (problem.node, problem.key) == ("v", "sr")
    assert str(problem).startswith("s.yaml:3:")
    assert "node 'v', parameter 'sr': expected an integer >= 1000 and <= 5000000, got 100" in str(problem)


@pytest.mark.parametrize("line, words", [
    ("v: {use: example, name: vowles}", ["one of 'vowels'", "Did you mean 'vowels'"]),
    ("v: {use: example, duration: fast}", ["expected a number", "'fast' (string)"]),
    ("v: {use: example, duration: 0}", ["expected a number > 0", "got 0"]),
    ("v: {use: example, seed: -1}", [">= 0"]),
    ("v: {use: example, sr: true}", ["expected an integer", "boolean"]),
    ("v: [example]", ["expected a mapping"]),
    ("v: {name: vowels}", ["missing 'use:'"]),
    ("v.x: {use: example}", ["node name 'v.x'"]),
])
def test_parameter_and_node_mistakes(line, words):
    message = str(only_problem(spec(line)))
    for word in words:
        assert word in message


def test_unknown_node_type_from_a_known_plugin_says_which_package():
    message = str(only_problem(spec("v: {use: example}", "f0: {use: yin, input: v, fmin: 60, fmax: 500}")))
    assert "unknown node type 'yin'" in message and "pip install audiogp-yin" in message


def test_missing_required_parameter_and_input():
    found = problems(spec("out: {use: save}"))
    messages = sorted(str(p) for p in found)
    assert any("missing input 'input' of save (Signal" in m for m in messages)
    assert any("missing required parameter 'path' of save" in m for m in messages)


@pytest.mark.parametrize("lines, words", [
    (["voice: {use: example}", "s: {use: stft, input: vioce}"], ["no node 'vioce'",
                                                                  "Did you mean 'voice'"]),
    (["v: {use: example}", "s: {use: stft, input: v.sound}"], ["no output 'sound'", "outputs: signal"]),
    (["v: {use: example}", "o: {use: save, input: v, path: a.wav}", "s: {use: stft, input: o}"],
     ["has no outputs"]),
    (["v: {use: example}", "s: {use: stft, input: [v, v]}"], ["takes one source"]),
    (["v: {use: example}", "s: {use: stft, input: 3}"], ["expected the name of a node"]),
])
def test_input_reference_mistakes(lines, words):
    message = str(only_problem(spec(*lines)))
    for word in words:
        assert word in message


def test_mismatched_input_type_names_both_types():
    problem = only_problem(spec("v: {use: example}", "s: {use: stft, input: v}", "p: {use: stft, input: s}"))
    assert problem.node == "p" and problem.key == "input"
    assert "s gives ComplexSpectrogram but input 'input' of stft takes Signal" in str(problem)


def test_node_port_references_and_lists_of_sources():
    checked = graph.check(parse_spec(spec(
        "v: {use: example, duration: 0.1}", "s: {use: stft, input: v.signal}",
        "w: {use: istft, input: s}", "arr: {use: save_arrays, input: [s, w.signal], path: a.npz}")),
        registry=REGISTRY)
    assert [str(e) for e in checked.nodes["arr"].inputs["input"]] == ["s.spectrogram", "w.signal"]
    assert checked.order == ["v", "s", "w", "arr"]


def test_cycles_are_named():
    problem = only_problem(spec("a: {use: stft, input: d}", "b: {use: istft, input: a}",
                                "c: {use: stft, input: b}", "d: {use: istft, input: c}",
                                "v: {use: example}"))
    assert "the graph has a cycle: a -> b -> c -> d -> a" in str(problem)
    assert problem.location.line == 4  # at b's input, the first edge of the cycle


def test_self_loop_is_a_cycle():
    messages = [str(p) for p in problems(spec("v: {use: example}", "b: {use: istft, input: b}"))]
    assert any("cycle: b -> b" in m for m in messages)
    assert any("b gives Signal but input 'input' of istft takes ComplexSpectrogram" in m for m in messages)


def test_duplicate_node_names_are_errors():
    problem = only_problem(spec("v: {use: example}", "v: {use: example, name: chirp}"))
    assert "duplicate node name 'v'" in str(problem)


@pytest.mark.parametrize("head, words", [
    ("nodes:\n", ["missing the version key"]),
    ("audiogp: 2\nnodes:\n", ["unsupported spec version 2"]),
    ("audiogp: 1\nsed: 3\nnodes:\n", ["unknown top-level key 'sed'", "Did you mean 'seed'"]),
    ("audiogp: 1\nseed: -4\nnodes:\n", ["seed must be a non-negative integer"]),
])
def test_top_level_mistakes(head, words):
    message = str(only_problem(spec("v: {use: example}", head=head)))
    for word in words:
        assert word in message


def test_a_spec_that_is_not_a_mapping():
    assert "a spec is a mapping" in str(only_problem("- just\n- a list\n"))


@pytest.mark.parametrize("path", ["../x.wav", "/tmp/x.wav", "a/../../x.wav", "sub/../../out2/x.wav"])
def test_output_paths_may_not_escape_the_output_folder(tmp_path, path):
    problem = only_problem(spec("v: {use: example}", f"o: {{use: save, input: v, path: '{path}'}}"),
                           out_dir=tmp_path / "out")
    assert "leads outside the output folder" in str(problem)


def test_output_paths_in_subfolders_are_fine(tmp_path):
    checked = graph.check(parse_spec(spec("v: {use: example}", "o: {use: save, input: v, path: a/b.wav}")),
                          registry=REGISTRY, out_dir=tmp_path)
    assert checked.nodes["o"].params["path"] == tmp_path.resolve() / "a" / "b.wav"


def test_existing_outputs_need_force(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"old")
    text = spec("v: {use: example}", "o: {use: save, input: v, path: a.wav}")
    problem = only_problem(text, out_dir=tmp_path, force=False)
    assert "exists; pass --force" in str(problem)
    graph.check(parse_spec(text), registry=REGISTRY, out_dir=tmp_path, force=True)


def test_two_nodes_writing_one_file(tmp_path):
    problem = only_problem(spec("v: {use: example}", "a: {use: save, input: v, path: x.wav}",
                                "b: {use: save, input: v, path: ./x.wav}"), out_dir=tmp_path)
    assert "also written by node 'a'" in str(problem)


def test_file_suffixes_are_checked_before_running():
    problem = only_problem(spec("v: {use: example}", "p: {use: plot, input: v, path: picture.jpg}"))
    assert "expected a file name ending in .png, got 'picture.jpg'" in str(problem)


def test_output_folder_that_is_a_file(tmp_path):
    from audiogp.errors import UserError

    (tmp_path / "out").write_text("")
    with pytest.raises(UserError, match="is a file"):
        graph.run(parse_spec(spec("v: {use: example}")), out_dir=tmp_path / "out", registry=REGISTRY)


def test_missing_input_file_is_found_before_running(tmp_path):
    problem = only_problem(spec("v: {use: load, path: nowhere.wav}"))
    assert "input file 'nowhere.wav' does not exist" in str(problem)


def test_inputs_are_never_outputs(tmp_path):
    import numpy as np
    import soundfile

    soundfile.write(tmp_path / "in.wav", np.zeros(100), 8000)
    text = spec("v: {use: load, path: in.wav}", "o: {use: save, input: v, path: in.wav}")
    with pytest.raises(SpecError) as caught:
        graph.check(parse_spec(text, folder=tmp_path), registry=REGISTRY, out_dir=tmp_path)
    assert "input files are never written" in str(caught.value)


def test_overrides_apply_and_are_validated(tmp_path):
    text = spec("v: {use: example}", "s: {use: stft, input: v}")
    checked = graph.check(parse_spec(text), registry=REGISTRY, overrides=["s.n_fft=512", "v.name=chirp"])
    assert checked.nodes["s"].params["n_fft"] == 512 and checked.nodes["v"].params["name"] == "chirp"
    found = problems(text, overrides=["s.n_fft=zero", "w.n_fft=1"])
    messages = [str(p) for p in found]
    assert any(m.startswith("--set s.n_fft=zero: node 's', parameter 'n_fft'") for m in messages)
    assert any(m.startswith("--set w.n_fft=1: the spec has no node 'w'") for m in messages)


def test_seed_override(tmp_path):
    text = spec("v: {use: example}", head="audiogp: 1\nseed: 3\nnodes:\n")
    assert graph.check(parse_spec(text), registry=REGISTRY).seed == 3
    assert graph.check(parse_spec(text), registry=REGISTRY, seed=11).seed == 11


def test_graph_text_and_dot():
    checked = graph.check(parse_spec(spec("v: {use: example}", "s: {use: stft, input: v}",
                                          "o: {use: save, input: v, path: v.wav}")), registry=REGISTRY)
    text = checked.text()
    assert re.search(r"^s\s+\(stft\)\s+input <- v\s+-> spectrogram: ComplexSpectrogram "
                     r"\(sr=22050, n_fft=2048, win_length=2048, hop_length=512, window=hann, center=True, "
                     r"length=44100\)$",
                     text, re.M)
    assert "=> v.wav" in text
    dot = checked.dot()
    assert dot.startswith("digraph audiogp {") and '"v" -> "s"' in dot and '"v" -> "o"' in dot


def _registry_with_inverse():
    from audiogp.plugins import Mismatch, NodeType, Param, Port, check_against, hookimpl
    from audiogp.types import ComplexSpectrogram, Signal

    def infer(params, inputs):
        check_against(params, inputs["input"], ("n_fft", "hop_length"), what="the spectrogram")
        if params["strict_sr"] and inputs["input"].get("sr") not in (None, params["strict_sr"]):
            raise Mismatch("strict_sr", f"the input is at {inputs['input']['sr']} Hz")
        return {"signal": {"sr": inputs["input"].get("sr")}}

    class Plugin:
        @hookimpl
        def register_inversions(self, register):
            register(NodeType("inverse", lambda ctx, *, input, n_fft, hop_length, strict_sr: None,
                              inputs=[Port("input", ComplexSpectrogram)], outputs=[Port("signal", Signal)],
                              params=[Param("n_fft", int, None), Param("hop_length", int, None),
                                      Param("strict_sr", int, None)], infer=infer))

        @hookimpl
        def register_sources(self, register):
            register(NodeType("mystery", lambda ctx: None, outputs=[Port("signal", Signal)]))

    return load_registry(set(), plugins=[Plugin()])


def test_infer_reports_contradictions_at_their_key_before_running():
    registry = _registry_with_inverse()
    text = spec("v: {use: example, sr: 16000}", "s: {use: stft, input: v, n_fft: 512}",
                "a: {use: inverse, input: s, n_fft: 1024}", "b: {use: inverse, input: s, hop_length: 128}",
                "c: {use: inverse, input: s, strict_sr: 8000}", "x: {use: example, duration: -1}")
    with pytest.raises(SpecError) as caught:
        graph.check(parse_spec(text, source="s.yaml"), registry=registry)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 3  # two contradictions and the unrelated mistake, in one run
    row, column = position_of(text, "1024")
    assert messages[0] == (f"s.yaml:{row}:{column}: node 'a', parameter 'n_fft': n_fft=1024 but the "
                           "spectrogram has n_fft=512; leave n_fft out to use the input's")
    assert "hop_length" not in messages[1]  # 128 is what n_fft=512 gives by default: no contradiction
    assert "node 'c', parameter 'strict_sr': the input is at 16000 Hz" in messages[1]


def test_infer_passes_static_facts_along_the_graph():
    registry = _registry_with_inverse()
    checked = graph.check(parse_spec(spec("v: {use: example, sr: 16000}", "s: {use: stft, input: v, n_fft: 512}",
                                          "a: {use: inverse, input: s}")), registry=registry)
    assert checked.nodes["s"].static["spectrogram"]["hop_length"] == 128
    assert checked.nodes["a"].static == {"signal": {"sr": 16000}}
    assert "signal: Signal (sr=16000)" in checked.text()


def test_unknown_facts_are_no_contradiction():
    registry = _registry_with_inverse()
    graph.check(parse_spec(spec("v: {use: mystery}", "s: {use: stft, input: v}",
                                "a: {use: inverse, input: s, strict_sr: 44100}")), registry=registry)


def test_load_knows_the_file_rate_before_running(tmp_path):
    import numpy as np
    import soundfile

    soundfile.write(tmp_path / "in.wav", np.zeros(100), 8000)
    registry = _registry_with_inverse()
    text = spec("v: {use: load, path: in.wav, sr: null}", "s: {use: stft, input: v}",
                "a: {use: inverse, input: s, strict_sr: 44100}")
    with pytest.raises(SpecError, match="parameter 'strict_sr': the input is at 8000 Hz"):
        graph.check(parse_spec(text, folder=tmp_path), registry=registry)
