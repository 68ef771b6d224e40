"""The griffinlim, pghi and random_phase node types, run in specs."""

import librosa
import numpy as np
import pytest

from audiogp import graph
from audiogp.graph import SpecError
from audiogp.graph.runner import NodeFailed
from audiogp.types import Phase, Signal


def run(tmp_path, nodes, seed=0):
    text = f"audiogp: 1\nseed: {seed}\nnodes:\n" + "".join(f"  {line}\n" for line in nodes)
    return graph.run_text(text, out_dir=tmp_path, builtins_only=True).values


VOICE = "voice: {use: example, name: vowels, sr: 16000, duration: 0.5}"
SPEC = "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128}"


def sc_db(S, y):
    rebuilt = np.abs(librosa.stft(y.astype(np.float64), n_fft=512, hop_length=128))
    return 20 * np.log10(np.linalg.norm(S - rebuilt) / np.linalg.norm(S))


def test_pghi_then_griffinlim_in_a_spec(tmp_path):
    values = run(tmp_path, [
        VOICE, SPEC,
        "phase: {use: pghi, input: spec}",
        "wave: {use: griffinlim, input: spec, phase: phase, n_iter: 16}",
        "plain: {use: griffinlim, input: spec, n_iter: 16}",
    ])
    y = values["voice"]["signal"].y
    S = np.abs(librosa.stft(y, n_fft=512, hop_length=128))
    phase = values["phase"]["phase"]
    assert isinstance(phase, Phase) and phase.geometry.hop_length == 128
    wave = values["wave"]["signal"]
    assert isinstance(wave, Signal) and wave.sr == 16000 and wave.n_samples == y.size
    # the PGHI start beats the random start by far (both 16 iterations)
    assert sc_db(S, wave.y) < sc_db(S, values["plain"]["signal"].y) - 5
    assert sc_db(S, wave.y) < -25


def test_griffinlim_init_pghi_parameter_equals_the_phase_input(tmp_path):
    values = run(tmp_path, [
        VOICE, SPEC,
        "phase: {use: pghi, input: spec}",
        "a: {use: griffinlim, input: spec, phase: phase, n_iter: 4}",
        "b: {use: griffinlim, input: spec, init: pghi, n_iter: 4}",
    ])
    np.testing.assert_array_equal(values["a"]["signal"].y, values["b"]["signal"].y)


def test_same_seed_same_bytes(tmp_path):
    nodes = [VOICE, SPEC, "wave: {use: griffinlim, input: spec, n_iter: 3}",
             "noise: {use: random_phase, input: spec}"]
    a = run(tmp_path / "a", nodes, seed=1)
    b = run(tmp_path / "b", nodes, seed=1)
    c = run(tmp_path / "c", nodes, seed=2)
    for node in ("wave", "noise"):
        assert a[node]["signal"].y.tobytes() == b[node]["signal"].y.tobytes()
        assert a[node]["signal"].y.tobytes() != c[node]["signal"].y.tobytes()


def test_random_phase_node_keeps_the_power(tmp_path):
    values = run(tmp_path, [VOICE, SPEC, "noise: {use: random_phase, input: spec}"])
    S = np.abs(values["spec"]["spectrogram"].S)
    y = values["noise"]["signal"].y
    power = np.mean(np.abs(librosa.stft(y, n_fft=512, hop_length=128)) ** 2)
    assert power == pytest.approx(np.mean(S**2), rel=0.3)


def test_a_phase_from_another_grid_is_refused(tmp_path):
    with pytest.raises(NodeFailed, match="same spectrogram"):
        run(tmp_path, [
            VOICE, SPEC,
            "other: {use: stft, input: voice, n_fft: 512, hop_length: 64}",
            "phase: {use: pghi, input: other}",
            "wave: {use: griffinlim, input: spec, phase: phase, n_iter: 2}",
        ])


def test_wrong_types_and_parameters_are_caught_when_the_spec_loads(tmp_path):
    with pytest.raises(SpecError, match="takes"):
        run(tmp_path, [VOICE, "wave: {use: griffinlim, input: voice}"])
    with pytest.raises(SpecError, match="init"):
        run(tmp_path, [VOICE, SPEC, "wave: {use: griffinlim, input: spec, init: pgh}"])
    with pytest.raises(SpecError, match="n_iter"):
        run(tmp_path, [VOICE, SPEC, "wave: {use: griffinlim, input: spec, n_iter: -1}"])


def test_a_length_that_does_not_fit_the_frames_is_reported(tmp_path):
    with pytest.raises(NodeFailed, match="length=100000"):
        run(tmp_path, [VOICE, SPEC, "wave: {use: griffinlim, input: spec, length: 100000}"])
