"""The Pitch section of docs/analysis.md: its Python example and its spec run as written."""

import re
from pathlib import Path

import numpy as np

from audiogp.testing import run_spec

DOC = Path(__file__).resolve().parent.parent / "docs" / "analysis.md"


def section():
    text = DOC.read_text()
    return text[text.index("## Pitch"):text.index("## Node types")]


def test_the_python_example_runs():
    code = re.findall(r"```python\n(.*?)```", section(), re.S)
    assert len(code) == 1
    namespace = {}
    exec(compile(code[0], "docs/analysis.md (Pitch)", "exec"), namespace)
    track = namespace["track"]
    assert repr(track) == "PitchTrack(n_frames=101, sr=16000, hop_length=160, voiced=100%)"


def test_the_spec_runs():
    spec = re.findall(r"```yaml\n(.*?)```", section(), re.S)
    assert len(spec) == 1
    run = run_spec(spec[0])
    with np.load(run.out_dir / "f0.npz") as archive:
        assert archive["f0"].shape == archive["voiced"].shape == archive["times"].shape
        assert int(archive["hop_length"]) == 160
