"""What ``infer`` receives: the facts of each input and the value types its source declares."""

from audiogp import graph
from audiogp.graph import parse_spec
from audiogp.plugins import Facts, NodeType, Port, hookimpl
from audiogp.plugins.manager import load_registry
from audiogp.types import ComplexSpectrogram, Signal


def test_infer_sees_the_value_types_of_its_sources():
    seen = {}

    def infer(params, inputs):
        seen.update(inputs)
        return {}

    class Plugin:
        @hookimpl
        def register_transforms(self, register):
            register(NodeType("probe", lambda ctx, *, input, extra, many: None, infer=infer,
                              inputs=[Port("input", (Signal, ComplexSpectrogram)),
                                      Port("extra", Signal, optional=True),
                                      Port("many", "Any", many=True)]))

    registry = load_registry(set(), plugins=[Plugin()])
    text = ("audiogp: 1\nnodes:\n  v: {use: example, sr: 8000}\n  s: {use: stft, input: v}\n"
            "  p: {use: probe, input: s, many: [v, s]}\n")
    graph.check(parse_spec(text), registry=registry)
    assert isinstance(seen["input"], Facts) and seen["input"].types == ("ComplexSpectrogram",)
    assert seen["input"]["n_fft"] == 2048 and seen["input"]["sr"] == 8000
    assert seen["extra"] == {} and seen["extra"].types == ()
    assert [f.types for f in seen["many"]] == [("Signal",), ("ComplexSpectrogram",)]
    assert seen["many"][0] == {"sr": 8000, "length": 16000}


def test_facts_are_a_plain_mapping():
    facts = Facts({"sr": 16000}, ("Signal",))
    assert facts == {"sr": 16000} and dict(facts) == {"sr": 16000} and facts.get("n_fft") is None
    assert "Signal" in repr(facts)


def test_sources_and_stft_know_the_signal_length(tmp_path):
    import numpy as np
    import soundfile

    soundfile.write(tmp_path / "in.wav", np.zeros(1000), 8000)
    registry = load_registry(set())
    text = ("audiogp: 1\nnodes:\n"
            "  a: {use: load, path: in.wav, sr: null, offset: 0.01}\n"
            "  b: {use: load, path: in.wav, sr: 8000, duration: 0.05}\n"
            "  c: {use: load, path: in.wav, sr: 16000}\n"
            "  d: {use: example, sr: 8000, duration: 0.3}\n"
            "  s: {use: stft, input: d, n_fft: 256}\n"
            "  i: {use: istft, input: s}\n"
            "  j: {use: istft, input: s, length: 100}\n")
    checked = graph.check(parse_spec(text, folder=tmp_path), registry=registry)
    length = {name: checked.nodes[name].static[port].get("length")
              for name, port in [("a", "signal"), ("b", "signal"), ("c", "signal"), ("d", "signal"),
                                 ("s", "spectrogram"), ("i", "signal"), ("j", "signal")]}
    # 1000 - 80 samples after the offset; 400 of the duration; resampled 8 kHz -> 16 kHz: what
    # soxr returns, floor(n * 2 + 1/2) (tests/test_resources.py checks the rule against soxr).
    assert length == {"a": 920, "b": 400, "c": 2000, "d": 2400, "s": 2400, "i": 2400, "j": 100}
