"""The pesq node: P.862 narrowband scores as the pesq package computes them, and a defined result
(a warning and no value, or a located refusal) on a machine without that optional package."""

import importlib.util
import json

import numpy as np
import pytest

from audiogp.cli import main

SPEC = """audiogp: 1
seed: 0
nodes:
  voice:   {use: example, name: vowels, sr: 8000, duration: 1.0}
  noisy:   {use: griffinlim, input: spec, n_iter: 4}
  spec:    {use: stft, input: voice, n_fft: 256, hop_length: 64}
  pesq:    {use: pesq, reference: voice, input: noisy%s}
  stoi:    {use: stoi, reference: voice, input: noisy}
  metrics: {use: metrics_json, input: [pesq, stoi], path: metrics.json}
"""


def _without_pesq(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a, **k: None if name == "pesq" else real(name, *a, **k))


def _run(tmp_path, capsys, extra=""):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC % extra)
    status = main(["run", str(spec), "--out", str(tmp_path / "out")])
    return status, capsys.readouterr()


def test_without_the_package_the_other_metrics_are_written_with_a_warning(tmp_path, capsys,
                                                                          monkeypatch):
    _without_pesq(monkeypatch)
    status, captured = _run(tmp_path, capsys)
    assert status == 0
    assert "pip install pesq" in captured.err and "PESQ was not computed" in captured.err
    assert "Traceback" not in captured.err
    written = json.loads((tmp_path / "out" / "metrics.json").read_text())
    values = {k: v for entry in written.values() for k, v in entry.items()}
    assert "pesq_nb" not in values and "stoi" in values


def test_without_the_package_missing_error_refuses_and_writes_nothing(tmp_path, capsys,
                                                                      monkeypatch):
    _without_pesq(monkeypatch)
    status, captured = _run(tmp_path, capsys, ", missing: error")
    assert status == 2 and "pip install pesq" in captured.err and "Traceback" not in captured.err
    assert not (tmp_path / "out" / "metrics.json").exists()


def test_the_score_is_the_packages(tmp_path):
    pesq = pytest.importorskip("pesq")
    from audiogp import data, graph

    spec = """audiogp: 1
nodes:
  voice:  {use: example, name: vowels, sr: 8000, duration: 1.5}
  quiet:  {use: example, name: vowels, sr: 8000, duration: 1.5, seed: 3}
  score:  {use: pesq, reference: voice, input: quiet}
"""
    result = graph.run_text(spec, folder=tmp_path, out_dir=tmp_path / "out")
    ours = result.values["score"]["metrics"].values["pesq_nb"]
    reference = data.example("vowels", sr=8000, duration=1.5, seed=0)[0].astype(np.float64)
    degraded = data.example("vowels", sr=8000, duration=1.5, seed=3)[0].astype(np.float64)
    assert ours == pytest.approx(pesq.pesq(8000, reference, degraded, "nb"), abs=1e-6)


def test_silent_speech_is_a_located_error_not_a_traceback(tmp_path, capsys):
    pytest.importorskip("pesq")
    import soundfile

    soundfile.write(tmp_path / "silent.wav", np.zeros(16000), 8000)
    spec = tmp_path / "spec.yaml"
    spec.write_text("""audiogp: 1
nodes:
  voice:  {use: load, path: silent.wav, sr: 8000}
  score:  {use: pesq, reference: voice, input: voice}
  out:    {use: metrics_json, input: score, path: m.json}
""")
    status = main(["run", str(spec), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert "spec.yaml:4:3" in err and "no speech" in err
    assert not (tmp_path / "out" / "m.json").exists()
