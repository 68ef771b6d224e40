"""The third-party plugin distribution plugins/audiogp-yin, installed and used like a user would.

It is pip-installed (from a copy, so the source tree stays untouched) into a
temporary folder put on PYTHONPATH; audiogp must find it through its entry
point alone.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from plugin_install import install_plugin
from plugin_install import run_python as run

PLUGIN = Path(__file__).resolve().parent.parent / "plugins" / "audiogp-yin"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return install_plugin("audiogp-yin", tmp_path_factory.mktemp("yin"))


def test_installed_plugin_is_listed(site):
    result = run("-m", "audiogp", "plugins", site=site)
    assert result.returncode == 0, result.stderr
    assert "yin  [audiogp-yin 0.1.0]" in result.stdout
    assert "node types: yin" in result.stdout
    # Its track type is audiogp's own (the built-in pitch node's), not one of the plugin's.
    assert "value types: PitchTrack" not in result.stdout.split("yin  [audiogp-yin")[1]
    doc = run("-m", "audiogp", "nodes", "yin", site=site)
    assert "provided by audiogp-yin 0.1.0" in doc.stdout and "fmin" in doc.stdout
    assert "PitchTrack" in doc.stdout


def test_spec_using_the_plugin_runs(site, tmp_path):
    sr, f0 = 16000, 220.0
    t = np.arange(sr) / sr
    soundfile.write(tmp_path / "tone.wav", sum(np.sin(2 * np.pi * k * f0 * t) / (2 * k) for k in (1, 2, 3)), sr)
    spec = tmp_path / "pitch.yaml"
    spec.write_text("audiogp: 1\nnodes:\n"
                    "  tone:  {use: load, path: tone.wav, sr: null}\n"
                    "  pitch: {use: yin, input: tone, fmin: 60, fmax: 800, frame_length: 1024}\n"
                    "  stats: {use: metrics_json, input: pitch.stats, path: pitch.json}\n"
                    "  track: {use: save_arrays, input: pitch.f0, path: f0.npz}\n")
    result = run("-m", "audiogp", "run", str(spec), "--out", str(tmp_path / "out"), site=site)
    assert result.returncode == 0, result.stderr
    stats = json.loads((tmp_path / "out" / "pitch.json").read_text())["pitch.stats"]
    assert abs(stats["f0_median_hz"] - f0) / f0 < 0.005
    with np.load(tmp_path / "out" / "f0.npz") as archive:
        assert archive["f0"].shape == archive["times"].shape and int(archive["sr"]) == sr


def test_plugin_left_out_by_the_allow_list_is_named(site, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("audiogp: 1\nnodes:\n  v: {use: example}\n  p: {use: yin, input: v, fmin: 60, fmax: 500}\n")
    result = run("-m", "audiogp", "validate", str(spec), site=site, env={"AUDIOGP_PLUGINS": "builtin"})
    assert result.returncode == 2
    assert "provided by audiogp-yin, which is installed but not loaded" in result.stderr


def test_the_plugins_own_tests_pass(site, tmp_path):
    tests = shutil.copytree(PLUGIN / "tests", tmp_path / "tests")
    result = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests), site=site, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
