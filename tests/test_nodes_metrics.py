"""Metric node types run in specs, checked against plain NumPy and pystoi."""

import json

import librosa
import numpy as np
import pytest

from audiogp import graph
from audiogp.graph import SpecError
from audiogp.types import Metrics


def run(tmp_path, nodes):
    text = "audiogp: 1\nseed: 0\nnodes:\n" + "".join(f"  {line}\n" for line in nodes)
    return graph.run_text(text, out_dir=tmp_path, builtins_only=True).values


VOICE = "voice: {use: example, name: vowels, sr: 16000, duration: 0.5}"
BAND = "band: {use: butter_bandpass, input: voice, lowcut: 200, highcut: 3000, zero_phase: true}"


def test_spectral_convergence_of_a_resynthesis_and_of_a_filtered_signal(tmp_path):
    values = run(tmp_path, [
        VOICE, BAND,
        "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128}",
        "wave: {use: istft, input: spec}",
        "sc_wave: {use: spectral_convergence, reference: spec, input: wave}",
        "sc_band: {use: spectral_convergence, reference: spec, input: band}",
        "out: {use: metrics_json, input: [sc_wave, sc_band], path: metrics.json}",
    ])
    y = values["voice"]["signal"].y
    S = np.abs(librosa.stft(y, n_fft=512, hop_length=128))
    filtered = np.abs(librosa.stft(values["band"]["signal"].y, n_fft=512, hop_length=128))
    expected = 20 * np.log10(np.linalg.norm(S - filtered) / np.linalg.norm(S))
    band = values["sc_band"]["metrics"]
    assert isinstance(band, Metrics)
    assert band.values["spectral_convergence_db"] == pytest.approx(expected, abs=1e-3)
    assert values["sc_wave"]["metrics"].values["spectral_convergence_db"] < -100
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written["sc_band"]["spectral_convergence_db"] == pytest.approx(expected, abs=1e-3)


def test_log_spectral_distance_node(tmp_path):
    values = run(tmp_path, [
        VOICE, BAND,
        "spec: {use: stft, input: voice, n_fft: 512, hop_length: 128}",
        "lsd: {use: log_spectral_distance, reference: spec, input: band}",
    ])
    S = np.abs(librosa.stft(values["voice"]["signal"].y, n_fft=512, hop_length=128))
    E = np.abs(librosa.stft(values["band"]["signal"].y, n_fft=512, hop_length=128))
    db = lambda X: 10 * np.log10(np.maximum(X**2, 1e-10))  # noqa: E731
    expected = np.mean(np.sqrt(np.mean((db(S) - db(E)) ** 2, axis=0)))
    assert values["lsd"]["metrics"].values["log_spectral_distance_db"] == pytest.approx(
        expected, rel=1e-3)


def test_snr_and_stoi_nodes(tmp_path):
    pystoi = pytest.importorskip("pystoi")
    values = run(tmp_path, [
        VOICE, BAND,
        "snr: {use: snr, reference: voice, input: band}",
        "stoi: {use: stoi, reference: voice, input: band}",
        "estoi: {use: stoi, reference: voice, input: band, extended: true}",
    ])
    y = values["voice"]["signal"].y.astype(np.float64)
    e = values["band"]["signal"].y.astype(np.float64)
    assert values["snr"]["metrics"].values["snr_db"] == pytest.approx(
        10 * np.log10(np.sum(y**2) / np.sum((y - e) ** 2)), rel=1e-5)
    assert values["stoi"]["metrics"].values["stoi"] == pytest.approx(pystoi.stoi(y, e, 16000),
                                                                      abs=1e-6)
    assert values["estoi"]["metrics"].values["estoi"] == pytest.approx(
        pystoi.stoi(y, e, 16000, extended=True), abs=1e-6)


def test_metric_of_spectrograms_made_differently_is_refused_when_the_spec_loads(tmp_path):
    with pytest.raises(SpecError, match="hop_length"):
        run(tmp_path, [
            VOICE,
            "a: {use: stft, input: voice, n_fft: 512, hop_length: 128}",
            "b: {use: stft, input: voice, n_fft: 512, hop_length: 256}",
            "sc: {use: spectral_convergence, reference: a, input: b}",
        ])
