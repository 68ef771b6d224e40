"""The reduce: step of a corpus spec: rows gathered from every item, one PCA or codebook."""

import numpy as np
import pytest
import soundfile

from audiogp.cli import main
from audiogp.corpus import manifest
from corpus_helpers import SPEC, make_corpus

REDUCE_PCA = SPEC + """\
reduce:
  use: pca
  input: voice
  n_components: 3
  path: pca.npz
"""

REDUCE_KMEANS = SPEC + """\
  mel:     {use: melspectrogram, input: voice, n_fft: 256, hop_length: 64, n_mels: 12}
reduce: {use: kmeans, input: mel, k: 4, path: codebook/vq.npz}
"""


def run(tmp_path, text, *extra):
    (tmp_path / "spec.yaml").write_text(text)
    return main(["run", "spec.yaml", "--over", "voice.path=corpus/**/*.wav", "--out", "out",
                 "--builtins-only", "--quiet", *extra])


def test_pca_over_the_items_matches_scikit_learn_on_the_files(tmp_path, monkeypatch):
    sklearn_decomposition = pytest.importorskip("sklearn.decomposition")
    monkeypatch.chdir(tmp_path)
    root, good, _ = make_corpus(tmp_path, 6)
    assert run(tmp_path, REDUCE_PCA) == 0
    result = np.load(tmp_path / "out" / "pca.npz")
    assert list(result["items"]) == sorted(good)
    rows = np.vstack([soundfile.read(root / rel, dtype="float32")[0] for rel in sorted(good)])
    reference = sklearn_decomposition.PCA(n_components=3, svd_solver="full").fit(
        rows.astype(np.float64))
    np.testing.assert_allclose(result["mean"], reference.mean_, atol=1e-12)
    np.testing.assert_allclose(result["explained_variance"], reference.explained_variance_,
                               rtol=1e-9)
    for ours, theirs in zip(result["components"], reference.components_):
        assert abs(abs(ours @ theirs) - 1) < 1e-9  # the same axis, up to its sign
    # the gathered data is not an output of the items: their folders hold what a run writes
    assert manifest.read_all(tmp_path / "out")[0]["outputs"] == ["quality.json", "resynth.wav"]


def test_a_codebook_from_every_items_frames_is_a_lloyd_fixed_point(tmp_path, monkeypatch):
    librosa = pytest.importorskip("librosa")
    monkeypatch.chdir(tmp_path)
    root, good, _ = make_corpus(tmp_path, 4)
    assert run(tmp_path, REDUCE_KMEANS) == 0
    result = np.load(tmp_path / "out" / "codebook" / "vq.npz")
    rows = []
    for rel in sorted(good):  # the frames of each item's mel spectrogram, from librosa
        y, sr = soundfile.read(root / rel, dtype="float32")
        rows.append(librosa.feature.melspectrogram(y=y, sr=sr, n_fft=256, hop_length=64,
                                                   n_mels=12).T)
    assert list(result["rows_per_item"]) == [len(r) for r in rows]
    rows = np.vstack(rows).astype(np.float64)
    codebook = result["codebook"]
    assert codebook.shape == (4, 12)
    labels = ((rows[:, None] - codebook[None]) ** 2).sum(-1).argmin(1)
    assert list(np.bincount(labels, minlength=4)) == list(result["counts"])
    for index in range(4):
        np.testing.assert_allclose(codebook[index], rows[labels == index].mean(0), rtol=1e-3,
                                   atol=1e-6 * np.abs(rows).max())
    error = ((rows - codebook[labels]) ** 2).sum(-1).mean()
    assert float(result["mean_squared_error"]) == pytest.approx(error, rel=1e-3)


def test_changing_the_reducer_reruns_the_reduce_not_the_items(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_corpus(tmp_path, 3)
    assert run(tmp_path, REDUCE_PCA) == 0
    count = len(manifest.read_all(tmp_path / "out"))
    assert run(tmp_path, REDUCE_PCA.replace("n_components: 3", "n_components: 2")) == 0
    assert len(manifest.read_all(tmp_path / "out")) == count
    assert np.load(tmp_path / "out" / "pca.npz")["components"].shape[0] == 2


@pytest.mark.parametrize("section, where, message", [
    ("reduce: {use: ica, input: voice}", ":10:", "expected one of pca, kmeans, got 'ica'"),
    ("reduce: {use: pca, input: nowhere}", ":10:", "expected the name of an item node"),
    ("reduce: {use: pca, input: voice, n_components: 0}", ":10:", "expected an integer >= 1"),
    ("reduce: {use: pca, input: voice, k: 3}", ":10:", "pca takes input, path, n_components"),
    ("reduce: {use: pca, input: voice, path: ../x.npz}", ":10:", "a .npz file name inside --out"),
    ("reduce: {use: pca, input: voice.nope}", ":10:", "name one as voice.PORT"),
])
def test_a_wrong_reduce_section_is_located_and_nothing_runs(tmp_path, monkeypatch, capsys,
                                                            section, where, message):
    monkeypatch.chdir(tmp_path)
    make_corpus(tmp_path, 2)
    assert run(tmp_path, SPEC + section + "\n") == 2
    err = capsys.readouterr().err
    assert f"spec.yaml{where}" in err and message in err
    assert not (tmp_path / "out").exists()


def test_rows_of_different_sizes_name_the_items(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    root, good, _ = make_corpus(tmp_path, 2)
    soundfile.write(root / "a" / "long.wav", np.zeros(4000, np.float32) + 0.1, 8000)
    assert run(tmp_path, REDUCE_PCA) == 2
    err = capsys.readouterr().err
    assert "reduce failed" in err and "a/long.wav gives 4000" in err
    assert len(manifest.read_all(tmp_path / "out")) == 3  # the items themselves are done


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_reduce_step_without_over_is_a_located_error_naming_over(tmp_path, monkeypatch, capsys,
                                                                   command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(REDUCE_PCA)
    extra = ["--out", "out"] if command == "run" else []
    assert main([command, "spec.yaml", "--builtins-only", *extra]) == 2
    err = capsys.readouterr().err
    line = REDUCE_PCA.splitlines().index("reduce:") + 1
    assert f"spec.yaml:{line}:1:" in err
    assert "corpus runs" in err and "--over NODE.param='glob'" in err
    assert "unknown top-level key" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
