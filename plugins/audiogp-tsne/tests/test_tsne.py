"""audiogp-tsne: the t-SNE order against structure it must find, and its node in a spec."""

import numpy as np
import pytest
import scipy.signal

pytest.importorskip("sklearn")

from audiogp import dsp  # noqa: E402
from audiogp_tsne import reorder_by_tsne, tsne_order  # noqa: E402


def crossfade(rng, sr=16000, seconds=2.0):
    n = int(sr * seconds)
    low = scipy.signal.sosfilt(scipy.signal.butter(6, 800, fs=sr, output="sos"), rng.standard_normal(n))
    high = scipy.signal.sosfilt(scipy.signal.butter(6, 3000, "high", fs=sr, output="sos"),
                                rng.standard_normal(n))
    mix = np.linspace(0, 1, n)
    return (1 - mix) * low + mix * high


def test_two_clusters_stay_together():
    rng = np.random.default_rng(0)
    features = np.concatenate([rng.normal(0, 1, (30, 5)), rng.normal(20, 1, (30, 5))])
    labels = np.repeat([0, 1], 30)
    shuffle = rng.permutation(60)
    order = tsne_order(features[shuffle], random_state=0)
    ordered_labels = labels[shuffle][order]
    # 1-D t-SNE may strand a point or two at an end; neighbours in the order share their
    # cluster almost always (about half the time for a random order)
    assert np.mean(np.diff(ordered_labels) == 0) >= 0.95


def test_recovers_a_shuffled_crossfade():
    rng = np.random.default_rng(1)
    D = dsp.stft(crossfade(rng), n_fft=512, hop_length=256)[:, 4:-4]
    shuffled = dsp.shuffle_frames(D, random_state=2)
    position = dsp.shuffle_frames(np.arange(D.shape[1], dtype=float)[None], random_state=2)[0]
    reordered, order = reorder_by_tsne(shuffled, sr=16000, normalize_volume=True, random_state=0)
    np.testing.assert_array_equal(reordered, shuffled[:, order])
    rank = np.corrcoef(np.argsort(np.argsort(position[order])), np.arange(order.size))[0, 1]
    assert abs(rank) > 0.9


def test_same_seed_same_order():
    rng = np.random.default_rng(3)
    features = rng.standard_normal((40, 4))
    np.testing.assert_array_equal(tsne_order(features, random_state=5),
                                  tsne_order(features, random_state=5))


def test_node_in_a_spec(spec_runner):
    run = spec_runner.run("""
audiogp: 1
seed: 0
nodes:
  voice:  {use: example, name: vowels, sr: 16000, duration: 0.5}
  spec:   {use: stft, input: voice, n_fft: 512, hop_length: 128}
  sorted: {use: reorder_frames_tsne, input: spec, normalize_volume: true}
  wave:   {use: istft, input: sorted}
""")
    sorted_ = run["sorted"]
    D = run["spec"].S
    np.testing.assert_array_equal(sorted_.S, D[:, sorted_.attrs["frame_order"]])
    assert run["wave"].n_samples == run["voice"].n_samples
    # The geometry passes on from the STFT, so istft knows the length before running.
    assert run.facts("sorted") == run.facts("spec") and run.facts("wave")["length"] == 8000
