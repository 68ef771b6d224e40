"""Facts the built-in nodes pass along, and their agreement with what happens when nodes run.

- every contradiction found before running is one the node would also fail on
  when run with nothing known in advance (no false alarms), and is still caught
  then (the run-time checks stay for facts known only from the data);
- the facts shown on each edge are those of the values the nodes produce;
- a ``length`` is refused before running exactly when the inversion refuses it.
"""

import dataclasses

import hypothesis.strategies as st
import librosa
import numpy as np
import pytest
from hypothesis import given, settings

from audiogp import dsp, graph
from audiogp.errors import ParameterError
from audiogp.graph import SpecError, parse_spec
from audiogp.graph.runner import NodeFailed
from audiogp.plugins.manager import load_registry
from audiogp.types import StftGeometry

import test_infer_nodes as located

REGISTRY = load_registry(set())


@pytest.fixture
def nothing_known_in_advance():
    """The built-in node types without their ``infer`` and declared ``checks``, for as long as
    the test runs: what the node function itself refuses when it runs."""
    registry = located.REGISTRY
    saved = {name: (node.infer, node.checks) for name, node in registry.node_types.items()}
    try:
        for node in registry.node_types.values():
            object.__setattr__(node, "infer", None)
            object.__setattr__(node, "checks", ())
        yield registry
    finally:
        for name, node in registry.node_types.items():
            object.__setattr__(node, "infer", saved[name][0])
            object.__setattr__(node, "checks", saved[name][1])


@pytest.mark.parametrize("case", list(located.CASES))
def test_what_is_refused_before_running_fails_when_run_blind(tmp_path, case,
                                                             nothing_known_in_advance):
    lines, node, _, _, _ = located.CASES[case]
    text = "audiogp: 1\nnodes:\n" + "".join(f"  {line}\n" for line in lines)
    with pytest.raises(NodeFailed) as caught:
        graph.run_text(text, out_dir=tmp_path, registry=nothing_known_in_advance)
    assert caught.value.node == node


def facts_of(lines, **options):
    text = "audiogp: 1\nnodes:\n" + "".join(f"  {line}\n" for line in lines)
    checked = graph.check(parse_spec(text), registry=REGISTRY, **options)
    return checked, {name: node.static for name, node in checked.nodes.items()}


FIELDS = ("sr", "n_fft", "hop_length", "win_length", "window", "center", "length")

PIPELINE = [
    "voice: {use: example, sr: 16000, duration: 0.25}",
    "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128, window: hamming}",
    "mag: {use: mel_to_stft, input: mel}",
    "mel: {use: melspectrogram, input: spec, n_mels: 32, fmax: 6000, power: 1.0}",
    "melv: {use: melspectrogram, input: voice, n_fft: 1024, n_mels: 20}",
    "db: {use: amplitude_to_db, input: mel}",
    "lin: {use: power_to_db, input: spec}",
    "back: {use: db_to_mel, input: db}",
    "power: {use: db_to_power, input: lin}",
    "logspec: {use: log_spectrogram, input: spec}",
    "cc: {use: mfcc, input: voice, n_fft: 1024, n_mels: 24, n_mfcc: 12}",
    "ccmel: {use: mfcc_to_mel, input: cc}",
    "phase: {use: pghi, input: spec}",
    "gla: {use: griffinlim, input: spec, phase: phase, n_iter: 1}",
    "rand: {use: random_phase, input: spec, length: 4050}",
    "wave: {use: mel_to_audio, input: melv, n_iter: 1}",
    "ccwave: {use: mfcc_to_audio, input: cc, n_iter: 1}",
    "psd: {use: block_periodogram, input: voice, block_ms: 32, hop_ms: 16}",
    "env: {use: envelope, input: voice}",
    "mod: {use: modulate, carrier: env.carrier, envelope: env.envelope}",
    "band: {use: butter_bandpass, input: voice, lowcut: 100, highcut: 4000}",
    "flip: {use: flip_frequency, input: spec}",
    "pca: {use: reorder_frames_pca, input: spec, n_mels: 16}",
    "shuffled: {use: shuffle_frames, input: spec}",
    "sc: {use: spectral_convergence, reference: spec, input: gla}",
    "lsd: {use: log_spectral_distance, reference: mel, input: back}",
    "snr: {use: snr, reference: voice, input: band}",
]


def value_facts(value):
    """The facts a value carries, read from its fields (the oracle for what infer predicts)."""
    found = {}
    if hasattr(value, "geometry"):
        found.update(dataclasses.asdict(value.geometry))
    if getattr(value, "mel", None) is not None:
        bank = dataclasses.asdict(value.mel)
        found.update({k: bank[k] for k in ("n_mels", "fmin", "fmax", "htk", "norm")})
    if hasattr(value, "y"):
        found.update(sr=value.sr, length=value.y.shape[-1])
    for name in ("power", "block_length", "hop_length", "window", "scaling", "onesided"):
        if hasattr(value, name) and not hasattr(value, "geometry"):
            found[name] = getattr(value, name)
    if hasattr(value, "psd"):
        found.update(sr=value.sr, length=value.length)
    if hasattr(value, "C"):
        found.update(n_mfcc=value.C.shape[-2], dct_type=value.dct_type, lifter=value.lifter)
    if type(value).__name__ in ("MagnitudeSpectrogram", "MelSpectrogram", "DecibelSpectrogram"):
        found["power"] = value.power
    if type(value).__name__ == "DecibelSpectrogram":
        found["mel"] = value.mel is not None
    return found


def test_facts_before_running_are_those_of_the_values(tmp_path):
    checked, static = facts_of(PIPELINE)
    values = graph.run_text("audiogp: 1\nnodes:\n" + "".join(f"  {x}\n" for x in PIPELINE),
                            out_dir=tmp_path, registry=REGISTRY).values
    compared = 0
    for name, outputs in values.items():
        for port, value in outputs.items():
            predicted = static[name].get(port, {})
            actual = value_facts(value)
            assert predicted or type(value).__name__ == "Metrics", (name, port)
            for key, fact in predicted.items():
                if fact is None:
                    continue  # unknown before running (or None in the value too)
                assert key in actual, (name, port, key)
                assert located_same(fact, actual[key]), (name, port, key, fact, actual[key])
                compared += 1
    assert compared > 150
    # What is known is shown on the edges.
    text = checked.text()
    assert "phase: Phase (sr=16000, n_fft=512, hop_length=128, win_length=512, window=hamming" in text
    assert "n_mels=32, fmin=0.0, fmax=6000.0, htk=False, norm=slaney, power=1.0" in text


def located_same(a, b):
    a = tuple(a) if isinstance(a, list) else a
    b = tuple(b) if isinstance(b, list) else b
    return a == b


def test_every_creative_transform_keeps_the_geometry():
    names = ["keep_magnitude", "real_part", "flip_frequency", "reverse_time", "shuffle_frames",
             "reorder_frames_pca"]
    lines = ["voice: {use: example, sr: 16000, duration: 0.25}",
             "spec: {use: stft, input: voice, n_fft: 512, hop_length: 100, window: [gaussian, 60]}",
             "imag: {use: constant_imaginary, input: spec, value: 0.5}"]
    lines += [f"{name}: {{use: {name}, input: imag}}" for name in names]
    _, static = facts_of(lines)
    expected = static["spec"]["spectrogram"]
    assert expected == dict(sr=16000, n_fft=512, hop_length=100, win_length=512,
                            window=("gaussian", 60), center=True, length=4000)
    for name in names + ["imag"]:
        assert static[name]["spectrogram"] == expected, name


def test_nothing_known_is_no_contradiction():
    """Without facts (a source that declares none), nodes check nothing and claim nothing."""
    from audiogp.plugins import NodeType, Port, hookimpl
    from audiogp.types import ComplexSpectrogram, Phase, Signal

    class Opaque:
        @hookimpl
        def register_sources(self, register):
            register(NodeType("sig", lambda ctx: None, outputs=[Port("signal", Signal)]))
            register(NodeType("spg", lambda ctx: None, outputs=[Port("s", ComplexSpectrogram)]))
            register(NodeType("ph", lambda ctx: None, outputs=[Port("p", Phase)]))

    registry = load_registry(set(), plugins=[Opaque()])
    text = "audiogp: 1\nnodes:\n" + "".join(f"  {x}\n" for x in [
        "a: {use: sig}", "s: {use: spg}", "p: {use: ph}",
        "w: {use: griffinlim, input: s, phase: p, length: 12345}",
        "m: {use: melspectrogram, input: s, n_fft: 4096, fmin: 20000}",
        "b: {use: butter_bandpass, input: a, lowcut: 100, highcut: 90000}",
        "x: {use: modulate, carrier: a, envelope: w}",
        "sc: {use: spectral_convergence, reference: s, input: a}",
    ])
    checked = graph.check(parse_spec(text), registry=registry)
    assert checked.nodes["w"].static == {"signal": {"sr": None, "length": 12345}}
    assert "n_fft" not in checked.nodes["m"].static["mel"]  # the spectrogram's, unknown
    assert "sr" not in checked.nodes["m"].static["mel"]


def test_a_signal_input_takes_the_nodes_stft_settings_and_a_spectrogram_keeps_its_own():
    _, static = facts_of([
        "voice: {use: example, sr: 16000, duration: 0.25}",
        "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128}",
        "a: {use: melspectrogram, input: voice, n_fft: 1024}",
        "b: {use: melspectrogram, input: spec}",
        "c: {use: melspectrogram, input: spec, n_fft: 512, hop_length: 128}",
    ])
    assert static["a"]["mel"]["n_fft"] == 1024 and static["a"]["mel"]["hop_length"] == 512
    for name in "bc":
        assert (static[name]["mel"]["n_fft"], static[name]["mel"]["hop_length"]) == (512, 128)


@settings(max_examples=40, deadline=None)
@given(n_fft=st.sampled_from([16, 32, 33, 64]), hop=st.integers(1, 70), n=st.integers(64, 600),
       length=st.integers(1, 900), center=st.booleans())
def test_a_length_is_refused_before_running_exactly_when_the_inversion_refuses_it(
        n_fft, hop, n, length, center):
    if not center and n < n_fft:
        return  # the stft itself refuses this signal
    geometry = StftGeometry(sr=8000, n_fft=n_fft, hop_length=hop, win_length=n_fft, center=center,
                            length=n)
    n_frames = librosa.stft(np.zeros(n), n_fft=n_fft, hop_length=hop, center=center).shape[-1]
    S = np.ones((n_fft // 2 + 1, n_frames))
    try:
        dsp.random_phase(S, random_state=0, length=length, **{
            k: v for k, v in geometry.istft_kwargs().items() if k != "length"})
        runs = True
    except ParameterError as error:
        assert "length" in str(error) or "NOLA" in str(error), str(error)
        runs = False
    text = ("audiogp: 1\nnodes:\n"
            f"  v: {{use: example, sr: 8000, duration: {n / 8000!r}}}\n"
            f"  s: {{use: stft, input: v, n_fft: {n_fft}, hop_length: {hop}, center: {str(center).lower()}}}\n"
            f"  w: {{use: random_phase, input: s, length: {length}}}\n")
    try:
        graph.check(parse_spec(text), registry=REGISTRY)
        loads = True
    except SpecError as error:
        assert [p.key for p in error.problems] in (["length"], ["input"]), str(error)
        loads = False
    assert loads == runs
