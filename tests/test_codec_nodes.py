"""Codec node types: typed values catch miswiring at load; nodes agree with the library."""

import json

import numpy as np
import pytest

from audiogp.codec import harmonic_analysis, rate_k
from audiogp.codec.types import HarmonicAmplitudes, RateKVectors
from audiogp.dsp import pitch_track
from audiogp.testing import assert_fails, run_spec
from audiogp.types import Signal


def test_rate_k_of_a_signal_is_refused_when_the_spec_loads():
    assert_fails("""
        audiogp: 1
        nodes:
          v: {use: example, name: vowels, sr: 8000, duration: 0.5}
          k: {use: rate_k, input: v}
        """, node="k", key="input", match="HarmonicAmplitudes")


def test_rate_k_fmax_above_nyquist_is_refused_when_the_spec_loads():
    assert_fails("""
        audiogp: 1
        nodes:
          v: {use: example, name: vowels, sr: 8000, duration: 0.5}
          h: {use: harmonic_analysis, input: v}
          k: {use: rate_k, input: h, fmax: 4500}
        """, node="k", key="fmax", match="Nyquist")


def test_encoding_another_rate_with_the_default_codebook_is_refused_when_the_spec_loads():
    assert_fails("""
        audiogp: 1
        nodes:
          v: {use: example, name: vowels, sr: 16000, duration: 0.5}
          e: {use: codec_encode, input: v}
        """, node="e", key="resample", match="sr=8000")


def test_decoding_a_signal_is_refused_when_the_spec_loads():
    assert_fails("""
        audiogp: 1
        nodes:
          v: {use: example, name: vowels, sr: 8000, duration: 0.5}
          d: {use: codec_decode, input: v}
        """, node="d", key="input", match="CodecBitstream")


def test_analysis_and_rate_k_nodes_agree_with_the_library():
    run = run_spec("""
        audiogp: 1
        seed: 0
        nodes:
          v: {use: example, name: vowels, sr: 8000, duration: 0.6}
          h: {use: harmonic_analysis, input: v}
          k: {use: rate_k, input: h, K: 16, method: cubic}
          s: {use: harmonic_synthesis, input: k}
          sd: {use: spectral_distortion, input: k, reference: h}
        """)
    v = run.values["v"]["signal"]
    h = run.values["h"]["amplitudes"]
    assert isinstance(h, HarmonicAmplitudes) and h.sr == 8000 and h.hop_length == 80
    y = v.y.astype(np.float64)
    frames = harmonic_analysis(y, 8000, pitch_track(y, 8000, fmin=50.0, fmax=400.0, hop_length=80),
                               fmin=50.0, fmax=400.0)
    np.testing.assert_allclose(h.frames.amplitudes, frames.amplitudes)
    k = run.values["k"]["vectors"]
    assert isinstance(k, RateKVectors) and k.K == 16
    np.testing.assert_allclose(k.ratek.vectors, rate_k(frames, 16, method="cubic").vectors)
    s = run.values["s"]["signal"]
    assert isinstance(s, Signal) and s.n_samples == v.n_samples
    m = run.values["sd"]["metrics"].values
    assert 0 < m["sd_mean_db"] and m["sd_mean_db2"] >= m["sd_mean_db"] ** 2 - 1e-9


def test_codec_round_trip_through_a_trained_codebook_and_a_stream_file(tmp_path):
    run = run_spec("""
        audiogp: 1
        seed: 0
        nodes:
          a: {use: example, name: vowels, sr: 8000, duration: 1.0}
          t: {use: codec_train, input: [a], stages: [8, 8], path: cb.npz}
          e: {use: codec_encode, input: a, codebook: t, mode: "2800", path: a.agc}
          d: {use: codec_decode, input: e.bitstream, codebook: t}
          m: {use: metrics_json, input: [e.metrics], path: m.json}
          p: {use: vq_pager, input: e.vectors, frames: [10, 50], path: pager.png}
        """, out_dir=tmp_path)
    assert (tmp_path / "pager.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stream = (tmp_path / "a.agc").read_bytes()
    assert stream == run.values["e"]["bitstream"].data
    assert (tmp_path / "cb.npz").is_file() and (tmp_path / "cb.json").is_file()
    d = run.values["d"]["signal"]
    assert d.sr == 8000 and d.n_samples == 8000
    metrics = json.loads((tmp_path / "m.json").read_text())["e.metrics"]
    assert metrics["bit_rate"] == pytest.approx((3 + 3 + 4 + 6) * 100)
    assert metrics["bytes"] == len(stream)
