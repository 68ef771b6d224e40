"""The README quickstart spec runs and writes its output safely."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile

from audiogp import data

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_quickstart_writes_the_resynthesis(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "audiogp", "run", str(EXAMPLES / "quickstart.yaml"),
                             "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    y, sr = soundfile.read(out / "resynth.wav")
    reference, reference_sr = data.example("vowels")
    assert sr == reference_sr
    assert np.max(np.abs(y - reference)) < 1e-5
    assert list(out.iterdir()) == [out / "resynth.wav"]


def test_quickstart_does_not_overwrite_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "resynth.wav").write_bytes(b"keep me")
    result = subprocess.run([sys.executable, "-m", "audiogp", "run", str(EXAMPLES / "quickstart.yaml"),
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "--force" in result.stderr
    assert (out / "resynth.wav").read_bytes() == b"keep me"


def test_quickstart_spec_is_really_run(tmp_path):
    """The spec drives the run: change a node from the command line and the output follows."""
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "audiogp", "run", str(EXAMPLES / "quickstart.yaml"),
                             "--out", str(out), "--quiet", "--set", "voice.duration=0.5",
                             "--set", "voice.name=chirp", "--set", "out.path=chirp.flac"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    y, sr = soundfile.read(out / "chirp.flac")
    reference, _ = data.example("chirp", duration=0.5)
    np.testing.assert_allclose(y, reference, atol=1e-5)
