"""Codebook files: npz + json round trip, content hash, refusal of bad files."""

import hashlib
import json
import zipfile

import numpy as np
import pytest

from audiogp.errors import UserError
from audiogp.vq import Codebook, CodebookError, load, train


@pytest.fixture
def codebook(rng):
    X = rng.normal(size=(600, 4))
    return train(X, stages=(16, 8), seed=0, meta={"sr": 8000, "K": 4, "fmin": 200, "fmax": 3700})


def reference_hash(stages, meta):
    """The documented recipe, written out independently of the module."""
    h = hashlib.sha256()
    h.update(b"audiogp.vq.codebook/1\n")
    for C in stages:
        h.update(('{"dtype": "<f8", "shape": [%d, %d]}\n' % C.shape).encode())
        h.update(np.asarray(C, dtype="<f8").tobytes(order="C"))
    h.update(json.dumps(meta, sort_keys=True, separators=(",", ":")).encode())
    return h.hexdigest()


def test_hash_follows_the_documented_recipe(codebook):
    assert codebook.hash == reference_hash(codebook.stages, codebook.meta)
    changed = [C.copy() for C in codebook.stages]
    changed[1][3, 2] += 1e-12
    assert Codebook(changed, meta=codebook.meta).hash != codebook.hash
    assert Codebook(codebook.stages, meta={**codebook.meta, "sr": 16000}).hash != codebook.hash
    # the training record is not part of the content
    assert Codebook(codebook.stages, meta=codebook.meta, info={}).hash == codebook.hash


def test_round_trip(tmp_path, codebook, rng):
    npz, js = codebook.save(tmp_path / "cb.npz")
    assert npz.name == "cb.npz" and js.name == "cb.json"
    with np.load(npz, allow_pickle=False) as data:
        assert sorted(data.files) == ["stage0", "stage1"]
    description = json.loads(js.read_text())
    assert description["hash"] == codebook.hash
    assert description["dim"] == 4 and description["sizes"] == [16, 8]
    assert description["meta"] == {"sr": 8000, "K": 4, "fmin": 200, "fmax": 3700}
    back = load(npz)
    assert back.hash == codebook.hash and back.sizes == codebook.sizes and back.meta == codebook.meta
    for a, b in zip(back.stages, codebook.stages):
        np.testing.assert_array_equal(a, b)
    X = rng.normal(size=(50, 4))
    np.testing.assert_array_equal(back.encode(X), codebook.encode(X))
    assert load(js).hash == codebook.hash  # either file name will do
    assert back.info["distortion"] == codebook.info["distortion"]


def test_save_does_not_overwrite(tmp_path, codebook):
    codebook.save(tmp_path / "cb.npz")
    before = (tmp_path / "cb.npz").read_bytes()
    other = Codebook([C + 1.0 for C in codebook.stages], meta=codebook.meta)
    with pytest.raises(UserError, match="exists; pass force=True"):
        other.save(tmp_path / "cb.npz")
    assert (tmp_path / "cb.npz").read_bytes() == before
    other.save(tmp_path / "cb.npz", force=True)
    assert load(tmp_path / "cb.npz").hash == other.hash
    with pytest.raises(UserError, match="must end in .npz"):
        codebook.save(tmp_path / "cb.bin")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cb.json", "cb.npz"]


def test_missing_files_are_named(tmp_path, codebook):
    with pytest.raises(CodebookError, match="nothere.npz not found"):
        load(tmp_path / "nothere.npz")
    codebook.save(tmp_path / "cb.npz")
    (tmp_path / "cb.json").unlink()
    with pytest.raises(CodebookError, match="cb.json not found"):
        load(tmp_path / "cb.npz")


def test_corrupt_and_mismatched_files_are_refused(tmp_path, codebook):
    npz, js = codebook.save(tmp_path / "cb.npz")
    data = npz.read_bytes()
    npz.write_bytes(data[: len(data) // 2])
    with pytest.raises(CodebookError, match=r"cb.npz is corrupt"):
        load(npz)
    npz.write_bytes(data)

    text = js.read_text()
    js.write_text(text[:40])
    with pytest.raises(CodebookError, match="cb.json is not valid JSON"):
        load(npz)
    js.write_text(json.dumps({"hello": 1}))
    with pytest.raises(CodebookError, match="not an audiogp codebook description"):
        load(npz)
    js.write_text(text)

    # a codeword changed behind the description's back
    stages = [np.array(C) for C in codebook.stages]
    stages[0][0, 0] += 0.5
    with open(npz, "wb") as f:
        np.savez(f, stage0=stages[0], stage1=stages[1])
    with pytest.raises(CodebookError, match="does not match cb.json: content hash"):
        load(npz)

    # arrays of another shape (another K)
    with open(npz, "wb") as f:
        np.savez(f, stage0=np.zeros((16, 5)), stage1=np.zeros((8, 5)))
    with pytest.raises(CodebookError, match=r"shape \(16, 5\).*shape \(16, 4\)"):
        load(npz)

    # pickled object arrays are never loaded
    with open(npz, "wb") as f:
        np.savez(f, stage0=np.array([{"a": 1}], dtype=object), stage1=stages[1])
    with pytest.raises(CodebookError, match="cb.npz is corrupt"):
        load(npz)


def test_description_from_another_codebook_is_refused(tmp_path, codebook):
    codebook.save(tmp_path / "a.npz")
    other = Codebook([C * 2.0 for C in codebook.stages], meta=codebook.meta)
    other.save(tmp_path / "b.npz")
    (tmp_path / "a.json").write_bytes((tmp_path / "b.json").read_bytes())
    with pytest.raises(CodebookError, match="a.npz does not match a.json"):
        load(tmp_path / "a.npz")


def test_expected_dimension_and_meta(tmp_path, codebook):
    codebook.save(tmp_path / "cb.npz")
    assert load(tmp_path / "cb.npz", dim=4, meta={"sr": 8000}).dim == 4
    with pytest.raises(CodebookError, match="dimension 4, expected 20"):
        load(tmp_path / "cb.npz", dim=20)
    with pytest.raises(CodebookError, match="sr=8000 in its metadata, expected 16000"):
        load(tmp_path / "cb.npz", meta={"sr": 16000})
    with pytest.raises(CodebookError, match="must name the .npz"):
        load(tmp_path / "cb.txt")


def test_codebook_arrays_are_read_only_copies(codebook):
    C = np.array(codebook.stages[0])
    cb = Codebook([C], meta={})
    C[0, 0] = 99.0
    assert cb.stages[0][0, 0] != 99.0
    with pytest.raises(ValueError):
        cb.stages[0][0, 0] = 1.0
