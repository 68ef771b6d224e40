"""vq node types in specs: train, encode, decode, save and load a codebook."""

import json

import numpy as np
import pytest

from audiogp import graph, vq
from audiogp.graph import SpecError
from audiogp.types import MFCC, DecibelSpectrogram


def run(tmp_path, nodes, **options):
    text = "audiogp: 1\nseed: 0\nnodes:\n" + "".join(f"  {line}\n" for line in nodes)
    return graph.run_text(text, folder=tmp_path, out_dir=tmp_path / "out", builtins_only=True,
                          **options).values


VOICE = "voice: {use: example, name: vowels, sr: 16000, duration: 1.0}"
CHIRP = "chirp: {use: example, name: chirp, sr: 16000, duration: 1.0}"
FEATS = "feats: {use: mfcc, input: voice, n_mfcc: 13, n_fft: 512, hop_length: 128}"
FEATS2 = "feats2: {use: mfcc, input: chirp, n_mfcc: 13, n_fft: 512, hop_length: 128}"


def test_train_encode_decode_save_in_a_spec(tmp_path):
    values = run(tmp_path, [
        VOICE, CHIRP, FEATS, FEATS2,
        "cb: {use: vq_train, features: [feats, feats2], stages: [16, 8], meta: {purpose: test}}",
        "codes: {use: vq_encode, features: feats, codebook: cb, m_best: 4}",
        "back: {use: vq_decode, indices: codes, codebook: cb}",
        "keep: {use: save_codebook, input: cb, path: cb.npz}",
    ])
    mfcc = values["feats"]["mfcc"]
    cb = values["cb"]["codebook"]
    assert isinstance(cb, vq.Codebook) and cb.dim == 13 and cb.sizes == (16, 8)
    assert cb.meta["features"] == "MFCC" and cb.meta["n_mfcc"] == 13 and cb.meta["sr"] == 16000
    assert cb.meta["purpose"] == "test"
    # trained on the frames of both inputs (librosa's layout: one frame per column)
    frames = np.concatenate([mfcc.C.T, values["feats2"]["mfcc"].C.T]).astype(np.float64)
    assert cb.info["n_vectors"] == len(frames)
    np.testing.assert_allclose(cb.info["distortion"], cb.distortion(frames, m_best=8).mean(), rtol=1e-6)
    codes = values["codes"]["indices"]
    assert isinstance(codes, vq.VQIndices) and codes.codebook_hash == cb.hash
    np.testing.assert_array_equal(codes.idx, cb.encode(mfcc.C.T.astype(np.float64), m_best=4))
    back = values["back"]["features"]
    assert isinstance(back, MFCC) and back.C.shape == mfcc.C.shape
    assert back.geometry == mfcc.geometry and back.mel == mfcc.mel
    np.testing.assert_allclose(back.C, cb.decode(codes.idx).T, rtol=1e-6)
    assert codes.template.C.size == 0  # the indices do not carry the original samples
    description = json.loads((tmp_path / "out" / "cb.json").read_text())
    assert description["hash"] == cb.hash
    assert vq.load(tmp_path / "out" / "cb.npz").hash == cb.hash


def test_load_codebook_and_log_mel_features(tmp_path):
    X = np.random.default_rng(0).normal(size=(500, 24))
    vq.train(X, stages=(8,)).save(tmp_path / "cb.npz")
    values = run(tmp_path, [
        VOICE,
        "mel: {use: melspectrogram, input: voice, n_fft: 512, hop_length: 128, n_mels: 24}",
        "db: {use: power_to_db, input: mel}",
        "cb: {use: load_codebook, path: cb.npz, dim: 24}",
        "codes: {use: vq_encode, features: db, codebook: cb}",
        "back: {use: vq_decode, indices: codes, codebook: cb}",
    ])
    back = values["back"]["features"]
    db = next(iter(values["db"].values()))
    assert isinstance(back, DecibelSpectrogram) and back.S.shape == db.S.shape
    assert back.mel == db.mel and back.geometry == db.geometry
    cb = vq.load(tmp_path / "cb.npz")
    np.testing.assert_allclose(back.S, cb.decode(cb.encode(db.S.T.astype(np.float64))).T, rtol=1e-6)


def test_dimension_mismatch_is_refused_when_the_spec_loads(tmp_path):
    with pytest.raises(SpecError, match="dimension 13.*dimension 20|dimension 20.*dimension 13"):
        run(tmp_path, [
            VOICE, FEATS,
            "other: {use: mfcc, input: voice, n_mfcc: 20, n_fft: 512, hop_length: 128}",
            "cb: {use: vq_train, features: [other], stages: [4]}",
            "codes: {use: vq_encode, features: feats, codebook: cb}",
        ])


def test_decoding_with_another_codebook_is_refused(tmp_path):
    with pytest.raises(Exception, match="decode with the same codebook"):
        run(tmp_path, [
            VOICE, FEATS,
            "a: {use: vq_train, features: [feats], stages: [4]}",
            "b: {use: vq_train, features: [feats], stages: [5]}",
            "codes: {use: vq_encode, features: feats, codebook: a}",
            "back: {use: vq_decode, indices: codes, codebook: b}",
        ])


def test_bad_stages_and_corrupt_codebook_file(tmp_path):
    with pytest.raises(SpecError, match="stages must be a list of codebook sizes"):
        run(tmp_path, [VOICE, FEATS, "cb: {use: vq_train, features: [feats], stages: [16, 0]}"])
    (tmp_path / "bad.npz").write_bytes(b"not a zip file")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(Exception, match="bad.json is not an audiogp codebook"):
        run(tmp_path, ["cb: {use: load_codebook, path: bad.npz}"])
