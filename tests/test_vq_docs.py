"""docs/vq.md: its examples run as written and its hash recipe is the code's."""

import re
from pathlib import Path

import numpy as np

from audiogp import graph, vq

DOC = Path(__file__).resolve().parent.parent / "docs" / "vq.md"


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(blocks("python")[0], str(DOC), "exec"), namespace)
    assert np.isclose(namespace["mse"], namespace["cb"].info["distortion"])
    assert (tmp_path / "noise_cb.npz").is_file() and (tmp_path / "noise_cb.json").is_file()


def test_spec_example_runs(tmp_path):
    (text,) = blocks("yaml")
    values = graph.run_text(text, folder=tmp_path, out_dir=tmp_path / "out", builtins_only=True).values
    cb = values["cb"]["codebook"]
    assert cb.sizes == (32, 16) and cb.dim == 20
    assert vq.load(tmp_path / "out" / "mfcc_codebook.npz").hash == cb.hash


def test_documented_node_types_exist():
    from audiogp.builtin import vq as nodes

    text = DOC.read_text(encoding="utf-8")
    for node in (nodes.VQ_TRAIN, nodes.VQ_ENCODE, nodes.VQ_DECODE, nodes.SAVE_CODEBOOK,
                 nodes.LOAD_CODEBOOK):
        assert f"`{node.name}` ({node.kind})" in text
        for param in node.params:
            assert f"`{param.name}`" in text
