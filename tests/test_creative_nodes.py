"""Creative-resynthesis node types, run in specs."""

import numpy as np
import pytest

from audiogp import dsp, graph
from audiogp.graph import SpecError


def run(tmp_path, nodes, seed=0):
    text = f"audiogp: 1\nseed: {seed}\nnodes:\n" + "".join(f"  {line}\n" for line in nodes)
    return graph.run_text(text, out_dir=tmp_path, builtins_only=True).values


VOICE = "voice: {use: example, name: vowels, sr: 16000, duration: 0.5}"
SPEC = "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128}"


def test_every_transform_runs_and_inverts(tmp_path):
    names = ["keep_magnitude", "real_part", "flip_frequency", "reverse_time", "shuffle_frames",
             "reorder_frames_pca"]
    nodes = [VOICE, SPEC] + [f"{n}: {{use: {n}, input: spec}}" for n in names]
    nodes += ["imag: {use: constant_imaginary, input: spec, value: 0.5}"]
    nodes += [f"y_{n}: {{use: istft, input: {n}}}" for n in names + ["imag"]]
    values = run(tmp_path, nodes)
    D = values["spec"]["spectrogram"].S
    np.testing.assert_array_equal(values["keep_magnitude"]["spectrogram"].S, np.abs(D) + 0j)
    np.testing.assert_array_equal(values["flip_frequency"]["spectrogram"].S, D[::-1])
    np.testing.assert_array_equal(values["imag"]["spectrogram"].S.imag, 0.5)
    reordered = values["reorder_frames_pca"]["spectrogram"]
    order = reordered.attrs["frame_order"]
    np.testing.assert_array_equal(reordered.S, D[:, order])
    np.testing.assert_array_equal(order, dsp.pca_order(dsp.frame_features(D, sr=16000)))
    n = values["voice"]["signal"].n_samples
    for name in names + ["imag"]:
        y = values[f"y_{name}"]["signal"].y
        assert y.shape == (n,) and np.all(np.isfinite(y))


def test_shuffle_follows_the_seed(tmp_path):
    nodes = [VOICE, SPEC, "mix: {use: shuffle_frames, input: spec}"]
    a = run(tmp_path / "a", nodes, seed=4)["mix"]["spectrogram"].S
    b = run(tmp_path / "b", nodes, seed=4)["mix"]["spectrogram"].S
    c = run(tmp_path / "c", nodes, seed=5)["mix"]["spectrogram"].S
    assert a.tobytes() == b.tobytes() and a.tobytes() != c.tobytes()


def test_constant_imaginary_needs_its_value(tmp_path):
    with pytest.raises(SpecError, match="value"):
        run(tmp_path, [VOICE, SPEC, "imag: {use: constant_imaginary, input: spec}"])
