"""Plugin API 1.1: register_node_types, value types from ports, facts passed on, declared checks,
defaults checked against their declaration, and the messages of parameter checks."""

import numpy as np
import pytest

from audiogp import graph
from audiogp.graph import SpecError, parse_spec
from audiogp.graph.runner import NodeFailed
from audiogp.plugins import (
    API_VERSION,
    DeclarationError,
    Mismatch,
    NodeType,
    Param,
    Port,
    hookimpl,
)
from audiogp.plugins.manager import load_registry
from audiogp.types import Metrics, Signal, Value


def plugin(*node_types, hook="register_node_types", value_types=()):
    """An in-process plugin object registering ``node_types`` through ``hook``."""
    def register_nodes(self, register):
        for node_type in node_types:
            register(node_type)

    def register_values(self, register):
        for value_type in value_types:
            register(value_type)

    namespace = {hook: hookimpl(register_nodes)}
    if value_types:
        namespace["register_value_types"] = hookimpl(register_values)
    return type("Plugin", (), namespace)()


def only_loaded(*plugins):
    registry = load_registry(set(), plugins=plugins)
    assert not registry.broken, [p.error for p in registry.broken]
    return registry


class Track(Value):
    pass


from dataclasses import dataclass, field  # noqa: E402
from typing import Any, Mapping  # noqa: E402


@dataclass(frozen=True, eq=False)
class Levels(Value):
    """Levels per frame."""

    values: np.ndarray
    sr: int
    hop_length: int
    attrs: Mapping[str, Any] = field(default_factory=dict)


def levels(ctx, *, input, hop_length):
    y = input.y[..., : input.n_samples // hop_length * hop_length]
    frames = y.reshape(y.shape[:-1] + (-1, hop_length))
    return Levels(np.sqrt(np.mean(frames ** 2, axis=-1)), input.sr, hop_length)


LEVELS = NodeType("levels", levels, kind="analysis", inputs=[Port("input", Signal)],
                  outputs=[Port("levels", Levels)],
                  params=[Param("hop_length", int, 100, minimum=1)],
                  infer=lambda params, inputs: {"levels": {"hop_length": params["hop_length"]}})


def gain(ctx, *, input, factor):
    return input.replace(y=input.y * factor)


GAIN = NodeType("gain2", gain, kind="transform", inputs=[Port("input", Signal)],
                outputs=[Port("signal", Signal)], params=[Param("factor", float, 2)])


def test_the_api_version_is_a_comparable_pair():
    assert API_VERSION == (1, 1) and API_VERSION >= (1, 0)


# -- register_node_types -----------------------------------------------------------------------

def test_one_hook_registers_node_types_of_any_kind_and_the_value_types_their_ports_name():
    registry = only_loaded(plugin(LEVELS, GAIN))
    assert registry.node("levels").kind == "analysis" and registry.node("gain2").kind == "transform"
    assert registry.value_type("Levels").cls is Levels
    info = next(p for p in registry.plugins if p.distribution == "<in-process>")
    assert info.provides == {"node types": ["levels", "gain2"], "value types": ["Levels"]}
    # Built-in modules naming Signal on their ports do not claim it: the types module registered it.
    stft = next(p for p in registry.plugins if p.name == "audiogp.builtin.stft")
    assert "value types" not in stft.provides


def test_register_node_types_needs_the_kind_in_the_declaration():
    registry = load_registry(set(), plugins=[plugin(NodeType("nokind", gain, inputs=[Port("input", Signal)],
                                                            outputs=[Port("s", Signal)],
                                                            params=[Param("factor", float, 1.0)]))])
    (broken,) = registry.broken
    assert "nokind" in broken.error and "kind=" in broken.error and "analysis" in broken.error


def test_two_classes_under_one_value_type_name_are_refused():
    Other = type("Levels", (Value,), {})
    clash = NodeType("clash", lambda ctx, *, input: None, kind="sink", inputs=[Port("input", Other)])
    registry = load_registry(set(), plugins=[plugin(LEVELS, clash)])
    (broken,) = registry.broken
    assert "two classes are registered as the value type 'Levels'" in broken.error


def test_a_port_naming_a_lazily_registered_class_is_the_same_value_type():
    from audiogp.gp.kernelfit import KernelFit

    reader = NodeType("fit_reader", lambda ctx, *, fit: Metrics({}), kind="metric",
                      inputs=[Port("fit", KernelFit)], outputs=[Port("metrics", Metrics)])
    registry = only_loaded(plugin(reader))
    assert "fit_reader" in registry.node_types
    assert registry.value_type_plugin("KernelFit").name == "audiogp.builtin.gp"


def test_api_1_0_hooks_register_the_classes_their_ports_name_too():
    registry = only_loaded(plugin(LEVELS, hook="register_analysis"))
    assert registry.node("levels").kind == "analysis" and "Levels" in registry.value_types


# -- unavailable node types say why ------------------------------------------------------------

UNREGISTERED = NodeType("needs_fit", lambda ctx, *, input: None, kind="sink",
                        inputs=[Port("input", "KernelFitX")])


def test_a_node_type_naming_an_unregistered_value_type_says_why_where_it_is_looked_up():
    registry = load_registry(set(), plugins=[plugin(UNREGISTERED)])
    with pytest.raises(SpecError) as caught:
        graph.check(parse_spec("audiogp: 1\nnodes:\n  v: {use: example}\n  n: {use: needs_fit, input: v}\n"),
                    registry=registry)
    (problem,) = caught.value.problems
    assert problem.node == "n" and (problem.location.line, problem.location.column) == (4, 12)
    for words in ("unavailable", "'KernelFitX' (port 'input')", "<in-process> (Plugin)",
                  "register_value_types"):
        assert words in problem.message
    assert "unknown node type" not in problem.message

    from audiogp.errors import UserError
    from audiogp.plugins import describe

    with pytest.raises(UserError, match="KernelFitX"):
        describe.node_doc(registry, "needs_fit")
    assert "needs_fit (unavailable)" in describe.plugin_list(registry)
    assert "unavailable (audiogp plugins says why):\n  needs_fit" in describe.node_list(registry)


# -- defaults, types and messages --------------------------------------------------------------

def test_a_float_parameter_with_an_int_default_arrives_as_a_float():
    seen = {}

    def frame(ctx, *, input, ms):
        seen["ms"] = ms
        return input

    node = NodeType("frame_ms", frame, kind="transform", inputs=[Port("input", Signal)],
                    outputs=[Port("signal", Signal)], params=[Param("ms", float, 25)])
    assert node.param("ms").default == 25.0 and type(node.param("ms").default) is float
    registry = only_loaded(plugin(node))
    graph.run_text("audiogp: 1\nnodes:\n  v: {use: example, duration: 0.1}\n  f: {use: frame_ms, input: v}\n",
                   out_dir=".", registry=registry)
    assert type(seen["ms"]) is float and seen["ms"] == 25.0


@pytest.mark.parametrize("param, words", [
    (Param("order", int, "ten", minimum=1), ["'ten'", "expected an integer >= 1", "string"]),
    (Param("order", int, 0, minimum=1), ["default 0", "expected an integer >= 1, got 0"]),
    (Param("mode", str, "reflct", choices=("reflect", "constant")), ["'reflct'", "Did you mean 'reflect'"]),
    (Param("order", int, None, nullable=False), ["default None", "got null"]),
    (Param("cut", float, float("inf")), ["finite number"]),
])
def test_a_default_that_does_not_fit_its_declaration_is_refused_naming_node_and_parameter(param, words):
    with pytest.raises(DeclarationError) as caught:
        NodeType("lpc", lambda ctx, **kw: None, params=[param])
    message = str(caught.value)
    assert message.startswith(f"node type 'lpc': parameter {param.name!r}: its default")
    for word in words:
        assert word in message


def test_a_plugin_with_a_bad_default_fails_to_load_naming_the_plugin(tmp_path, monkeypatch):
    from importlib import metadata

    site = tmp_path / "site"
    site.mkdir()
    (site / "audiogp_baddefault.py").write_text(
        "from audiogp.plugins import NodeType, Param, Port, hookimpl\n"
        "from audiogp.types import Signal\n"
        "BAD = NodeType('bad', lambda ctx, *, input, order: input, kind='transform',\n"
        "               inputs=[Port('input', Signal)], outputs=[Port('s', Signal)],\n"
        "               params=[Param('order', int, 0, minimum=1)])\n"
        "@hookimpl\ndef register_node_types(register):\n    register(BAD)\n")
    info = site / "audiogp_baddefault-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: audiogp-baddefault\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[audiogp]\nbaddefault = audiogp_baddefault\n")
    monkeypatch.syspath_prepend(str(site))
    entry_points = [ep for d in metadata.distributions(path=[str(site)]) for ep in d.entry_points]
    registry = load_registry(None, entry_points=entry_points)
    (broken,) = registry.broken
    assert (broken.distribution, broken.name) == ("audiogp-baddefault", "baddefault")
    assert "node type 'bad': parameter 'order': its default 0" in broken.error


@pytest.mark.parametrize("param, value, message", [
    (Param("order", int, 12, minimum=1, maximum=64), -1, "expected an integer >= 1 and <= 64, got -1"),
    (Param("order", int, 12, minimum=1, maximum=64), 65, "expected an integer >= 1 and <= 64, got 65"),
    (Param("x", float, 0.5, exclusive_minimum=0, exclusive_maximum=1), 1.0,
     "expected a number > 0 and < 1, got 1.0"),
    (Param("frame_ms", float, 25.0, exclusive_minimum=0), float("inf"),
     "expected a finite number > 0, got inf (number)"),
    (Param("frame_ms", float, 25.0), float("nan"), "expected a finite number, got nan (number)"),
    (Param("frame_ms", float, 25.0, exclusive_minimum=0), -1, "expected a number > 0, got -1"),
])
def test_parameter_messages_give_every_bound_and_say_finite(param, value, message):
    with pytest.raises(ValueError) as caught:
        param.check(value)
    assert str(caught.value) == message


def test_a_bound_that_is_not_a_number_is_a_declaration_error():
    with pytest.raises(DeclarationError, match="minimum must be a number"):
        Param("n", int, 1, minimum="1")


def test_list_defaults_reach_each_run_as_a_fresh_copy():
    calls = []

    def keep(ctx, *, input, bands):
        calls.append(bands)
        bands.append("changed")
        return input

    node = NodeType("keep", keep, kind="transform", inputs=[Port("input", Signal)],
                    outputs=[Port("signal", Signal)], params=[Param("bands", list, [1, 2])])
    registry = only_loaded(plugin(node))
    text = "audiogp: 1\nnodes:\n  v: {use: example, duration: 0.05}\n  k: {use: keep, input: v}\n"
    graph.run_text(text, out_dir=".", registry=registry)
    graph.run_text(text, out_dir=".", registry=registry)
    assert calls[0] is not calls[1] and calls[1] == [1, 2, "changed"] and node.param("bands").default == [1, 2]


# -- facts passed on ---------------------------------------------------------------------------

SPEC = ("audiogp: 1\nnodes:\n  v: {use: example, sr: 8000, duration: 0.25}\n"
        "  g: {use: gain2, input: v}\n  l: {use: levels, input: g, hop_length: 80}\n")


def test_facts_pass_on_from_the_main_input_filtered_by_the_output_type():
    registry = only_loaded(plugin(LEVELS, GAIN))
    checked = graph.check(parse_spec(SPEC), registry=registry)
    # gain2 has no infer: its signal keeps everything the example's signal has.
    assert checked.nodes["g"].static == {"signal": {"sr": 8000, "length": 2000}}
    # A Levels value carries sr and hop_length (its plain fields): sr passes, length does not;
    # hop_length comes from infer.
    assert checked.nodes["l"].static == {"levels": {"sr": 8000, "hop_length": 80}}


def test_infer_overrides_a_passed_fact_and_none_drops_it():
    def resample(ctx, *, input, sr):
        return Signal(input.y[::2], sr)

    node = NodeType("halve", resample, kind="transform", inputs=[Port("input", Signal)],
                    outputs=[Port("signal", Signal)], params=[Param("sr", int, 4000)],
                    infer=lambda params, inputs: {"signal": {"sr": params["sr"], "length": None}})
    registry = only_loaded(plugin(node))
    checked = graph.check(parse_spec("audiogp: 1\nnodes:\n  v: {use: example, sr: 8000}\n"
                                     "  h: {use: halve, input: v}\n"), registry=registry)
    assert checked.nodes["h"].static == {"signal": {"sr": 4000}}


def test_the_api_1_0_hooks_pass_no_facts_unless_asked():
    registry = only_loaded(plugin(GAIN, hook="register_transforms"))
    assert registry.node("gain2").facts_from is None
    checked = graph.check(parse_spec("audiogp: 1\nnodes:\n  v: {use: example}\n  g: {use: gain2, input: v}\n"),
                          registry=registry)
    assert checked.nodes["g"].static == {}
    from dataclasses import replace

    explicit = replace(GAIN, name="gain3", kind=None, facts_from="input")
    registry = only_loaded(plugin(explicit, hook="register_transforms"))
    checked = graph.check(parse_spec("audiogp: 1\nnodes:\n  v: {use: example}\n  g: {use: gain3, input: v}\n"),
                          registry=registry)
    assert checked.nodes["g"].static == {"signal": {"sr": 22050, "length": 44100}}


def test_facts_from_must_name_an_input_that_is_not_many():
    with pytest.raises(DeclarationError, match="facts_from='nope'"):
        NodeType("n", gain, inputs=[Port("input", Signal)], params=[Param("factor", float, 1.0)],
                 facts_from="nope")
    with pytest.raises(DeclarationError, match="not many"):
        NodeType("n", lambda ctx, *, inputs: None, inputs=[Port("inputs", Signal, many=True)],
                 facts_from="inputs")


def test_a_node_that_changes_a_passed_fact_without_saying_so_is_a_plugin_bug():
    def double_rate(ctx, *, input):
        return Signal(input.y, input.sr * 2)

    node = NodeType("liar", double_rate, kind="transform", inputs=[Port("input", Signal)],
                    outputs=[Port("signal", Signal)])
    registry = only_loaded(plugin(node))
    with pytest.raises(TypeError) as caught:
        graph.run_text("audiogp: 1\nnodes:\n  v: {use: example, sr: 8000, duration: 0.05}\n"
                       "  l: {use: liar, input: v}\n", out_dir=".", registry=registry)
    assert "sr=16000" in str(caught.value) and "promised sr=8000" in str(caught.value)
    assert "facts_from=None" in str(caught.value)


# -- declared checks ---------------------------------------------------------------------------

def frame_fits(params, inputs):
    length = inputs["input"].get("length")
    if length is not None and params["frame"] > length:
        raise Mismatch("frame", f"frame={params['frame']} is longer than the signal ({length} samples)")


def framed(ctx, *, input, frame):
    return Metrics({"frames": input.n_samples // frame})


FRAMED = NodeType("framed", framed, kind="metric", inputs=[Port("input", Signal)],
                  outputs=[Port("metrics", Metrics)], params=[Param("frame", int, 256, minimum=1)],
                  checks=[frame_fits])


def opaque(ctx, *, input):
    """A transform whose output length is not known before running."""
    return input.replace(y=input.y[: input.n_samples // 2])


OPAQUE = NodeType("opaque", opaque, kind="transform", inputs=[Port("input", Signal)],
                  outputs=[Port("signal", Signal)],
                  infer=lambda params, inputs: {"signal": {"length": None}})


def test_a_declared_check_runs_at_validation_when_the_facts_are_known():
    registry = only_loaded(plugin(FRAMED))
    text = "audiogp: 1\nnodes:\n  v: {use: example, sr: 8000, duration: 0.1}\n  f: {use: framed, input: v, frame: 1000}\n"
    with pytest.raises(SpecError) as caught:
        graph.check(parse_spec(text), registry=registry)
    (problem,) = caught.value.problems
    assert (problem.node, problem.key, problem.location.line, problem.location.column) == ("f", "frame", 4, 37)
    assert "frame=1000 is longer than the signal (800 samples)" in problem.message


def test_the_same_check_runs_when_the_node_runs_if_the_facts_were_not_known(tmp_path):
    registry = only_loaded(plugin(FRAMED, OPAQUE))
    text = ("audiogp: 1\nnodes:\n  v: {use: example, sr: 8000, duration: 0.1}\n"
            "  o: {use: opaque, input: v}\n  f: {use: framed, input: o, frame: 500}\n")
    graph.check(parse_spec(text), registry=registry)  # 800 samples known, halved: not known
    with pytest.raises(NodeFailed) as caught:
        graph.run_text(text, out_dir=tmp_path, registry=registry)
    error = caught.value
    assert (error.node, error.key, error.location.line, error.location.column) == ("f", "frame", 5, 37)
    assert "parameter 'frame': frame=500 is longer than the signal (400 samples)" in str(error)
    ok = graph.run_text(text.replace("500", "100"), out_dir=tmp_path, registry=registry)
    assert ok.values["f"]["metrics"].values == {"frames": 4}


def test_checks_see_the_facts_of_every_input_kind(tmp_path):
    seen = []

    def record(params, inputs):
        seen.append(inputs)

    node = NodeType("probe2", lambda ctx, *, input, more, extra: Metrics({}), kind="metric",
                    inputs=[Port("input", Signal), Port("more", Signal, many=True),
                            Port("extra", Signal, optional=True)],
                    outputs=[Port("m", Metrics)], checks=[record])
    registry = only_loaded(plugin(node))
    graph.run_text("audiogp: 1\nnodes:\n  v: {use: example, sr: 8000, duration: 0.1}\n"
                   "  p: {use: probe2, input: v, more: [v, v]}\n", out_dir=tmp_path, registry=registry)
    at_validation, at_run = seen
    assert at_validation["input"] == {"sr": 8000, "length": 800}
    assert at_run["input"] == {"sr": 8000, "length": 800, "channels": 1}
    assert at_run["input"].types == ("Signal",) and len(at_run["more"]) == 2
    assert at_run["extra"] == {} and at_run["extra"].types == ()


def test_checks_must_be_functions():
    with pytest.raises(DeclarationError, match="checks must be a sequence"):
        NodeType("n", framed, inputs=[Port("input", Signal)], params=[Param("frame", int, 1)],
                 checks=frame_fits)


# -- the facts of values -----------------------------------------------------------------------

def test_the_facts_of_built_in_values_are_their_settings():
    from audiogp.types import (
        MFCC,
        ComplexSpectrogram,
        DecibelSpectrogram,
        MelBank,
        StftGeometry,
        facts_of,
    )

    geometry = StftGeometry(sr=16000, n_fft=512, hop_length=128, win_length=400, window=["kaiser", 8.0],
                            center=False, length=16000)
    assert Signal(np.zeros((2, 300)), np.int32(16000)).facts() == {"sr": 16000, "length": 300, "channels": 2}
    assert type(Signal(np.zeros(3), np.int32(8000)).facts()["sr"]) is int
    assert facts_of(ComplexSpectrogram(np.zeros((257, 4)), geometry)) == {
        "sr": 16000, "n_fft": 512, "hop_length": 128, "win_length": 400, "window": ("kaiser", 8.0),
        "center": False, "length": 16000}
    bank = MelBank(sr=16000, n_fft=512, n_mels=40, fmax=7000.0)
    db = DecibelSpectrogram(np.zeros((40, 4)), geometry, power=2.0, mel=bank).facts()
    assert db["mel"] is True and db["n_mels"] == 40 and db["fmax"] == 7000.0
    assert DecibelSpectrogram(np.zeros((257, 4)), geometry).facts()["mel"] is False
    mfcc = MFCC(np.zeros((13, 4)), geometry, bank).facts()
    assert mfcc["norm"] == "slaney" and mfcc["n_mfcc"] == 13  # the bank's norm, not the DCT's
    assert Metrics({"a": 1.0}).facts() == {}
    assert Levels(np.zeros(3), 8000, 80).facts() == {"sr": 8000, "hop_length": 80}
    assert Levels.fact_names() == ("sr", "hop_length")


def test_a_mismatch_on_a_defaulted_key_points_at_the_node_and_names_the_key():
    registry = only_loaded(plugin(FRAMED))
    text = "audiogp: 1\nnodes:\n  v: {use: example, sr: 8000, duration: 0.01}\n  f: {use: framed, input: v}\n"
    with pytest.raises(SpecError) as caught:
        graph.check(parse_spec(text), registry=registry)
    (problem,) = caught.value.problems
    # frame is left at its default 256 > 80 samples: no place of its own, so the node's mapping.
    assert (problem.key, problem.location.line, problem.location.column) == ("frame", 4, 6)
    assert str(problem).startswith("<string>:4:6: node 'f', parameter 'frame': frame=256")
