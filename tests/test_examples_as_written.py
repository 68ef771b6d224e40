"""Every spec in examples/ runs as written on built-in audio, and on a user's recording through
``--set NODE.path=FILE`` (a path from the current folder); the README's own-audio commands run
as written from a copy of the checkout.

Run through the real command line (``audiogp.cli.main``, or a subprocess for the README lines).
The GP example as written takes about half a minute, so it is marked slow; with quick settings
(``--set``) it runs in every suite.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audiogp.cli import main
from audiogp.graph import load_spec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
HEAVY = {"gp_resynthesis"}
#: Settings that keep the heavy example short; the node names are the example's own.
QUICK = {"gp_resynthesis": ["model.n_components=4", "voice.duration=0.5"]}


def example_nodes(path):
    """Names of the nodes of ``path`` that use the built-in example (there the user's file goes)."""
    return [name for name, node in load_spec(path).data["nodes"].items()
            if node.get("use") == "example"]


def user_recording(folder, seconds=0.6, sr=16000):
    """A stereo 'recording' unlike the built-in example: two tones and noise, peak 0.6."""
    t = np.arange(int(seconds * sr)) / sr
    rng = np.random.default_rng(7)
    left = 0.4 * np.sin(2 * np.pi * 220 * t) + 0.1 * rng.standard_normal(t.size)
    right = 0.4 * np.sin(2 * np.pi * 330 * t) + 0.1 * rng.standard_normal(t.size)
    y = np.stack([left, right], axis=1)
    y *= 0.6 / np.max(np.abs(y))
    path = folder / "my_speech.wav"
    soundfile.write(path, y.astype(np.float32), sr, subtype="PCM_16")
    return path


def run_cli(capsys, *argv):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return status, captured


def test_every_example_uses_built_in_audio():
    assert EXAMPLES
    for path in EXAMPLES:
        nodes = load_spec(path).data["nodes"].values()
        assert not [n for n in nodes if n.get("use") == "load"], f"{path.name} loads a file"
        assert example_nodes(path), f"{path.name} has no example node to point at a recording"


@pytest.mark.parametrize("path", [pytest.param(p, marks=[pytest.mark.slow] if p.stem in HEAVY else [])
                                  for p in EXAMPLES], ids=[p.stem for p in EXAMPLES])
def test_example_runs_as_written(path, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, captured = run_cli(capsys, "run", path, "--quiet")
    assert status == 0, captured.err
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written, f"{path.name} wrote nothing"
    assert not [n for n in written if n.startswith(".")], "a temporary file was left behind"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_on_a_users_recording(path, tmp_path, capsys, monkeypatch):
    """``--set NODE.path=my_speech.wav`` (relative to the current folder) switches to the file:
    the signal written comes from the recording (its length and rate), not from the example."""
    folder = tmp_path / "work"
    folder.mkdir()
    recording = user_recording(folder)
    monkeypatch.chdir(folder)
    sets = [a for name in example_nodes(path) for a in ("--set", f"{name}.path=my_speech.wav")]
    sets += [a for s in QUICK.get(path.stem, []) for a in ("--set", s)]
    status, captured = run_cli(capsys, "run", path, *sets, "--out", "mine", "--quiet")
    assert status == 0, captured.err
    info = soundfile.info(str(recording))
    for wav in (folder / "mine").glob("*.*"):
        if wav.suffix not in (".wav", ".flac"):
            continue
        saved = soundfile.info(str(wav))
        # Every example resamples to its own rate: the length follows the recording's duration.
        assert abs(saved.frames / saved.samplerate - info.frames / info.samplerate) < 0.02, wav.name


def test_example_node_reads_the_recording_like_load(tmp_path, capsys, monkeypatch):
    """The example node pointed at a file gives what soundfile reads, averaged to mono (16 kHz
    kept, no resampling), checked against soundfile directly."""
    recording = user_recording(tmp_path)
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "s.yaml"
    spec.write_text("audiogp: 1\nnodes:\n  voice: {use: example, sr: 16000}\n"
                    "  out: {use: save, input: voice, path: v.wav, subtype: FLOAT}\n")
    status, captured = run_cli(capsys, "run", spec, "--set", "voice.path=my_speech.wav", "--quiet")
    assert status == 0, captured.err
    expected, _ = soundfile.read(str(recording), dtype="float32")
    got, sr = soundfile.read(str(tmp_path / "out" / "v.wav"), dtype="float32")
    assert sr == 16000
    np.testing.assert_allclose(got, expected.mean(axis=1), atol=1e-6)


def readme_own_audio_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- test:own-audio -->\s*```bash\n(.*?)```", text, flags=re.S)
    assert block, "README.md has no <!-- test:own-audio --> block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_own_audio_commands_run_as_written(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "examples", checkout / "examples")
    user_recording(checkout)
    commands = readme_own_audio_commands()
    assert commands
    for line in commands:
        words = line.split()
        assert words[0] == "audiogp"
        result = subprocess.run([sys.executable, "-m", "audiogp", *words[1:], "--force"],
                                cwd=checkout, capture_output=True, text=True,
                                env={**os.environ, "AUDIOGP_PLUGINS": "builtin"}, timeout=600)
        assert result.returncode == 0, f"{line}\n{result.stderr}"
        assert "Traceback" not in result.stderr
        out = words[words.index("--out") + 1]
        assert any((checkout / out).iterdir())
    quality = json.loads((checkout / "my_out" / "quality.json").read_text())
    assert quality  # the quickstart's metrics of the user's file
