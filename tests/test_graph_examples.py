"""Every spec in examples/ runs, on a short generated input.

Nodes that use the built-in ``example`` source are shortened to half a
second; nodes that ``load`` a file are pointed at a generated recording.
"""

from pathlib import Path

import numpy as np
import pytest
import soundfile

from audiogp import graph
from audiogp.graph import load_spec

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def short_input_overrides(spec, recording):
    overrides = []
    for name, node in spec.data["nodes"].items():
        if node.get("use") == "example":
            overrides.append(f"{name}.duration=0.5")
        elif node.get("use") == "load":
            overrides.append(f"{name}.path={recording}")
    return overrides


def test_there_are_examples():
    assert any(p.name == "quickstart.yaml" for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, tmp_path):
    from audiogp import data

    y, sr = data.example("vowels", sr=22050, duration=0.5)
    recording = tmp_path / "recording.wav"
    soundfile.write(recording, np.stack([y, 0.5 * y], axis=1), sr)
    spec = load_spec(path)
    out = tmp_path / "out"
    result = graph.run(spec, out_dir=out, overrides=short_input_overrides(spec, recording))
    assert result.written, "an example should write something"
    for written in result.written:
        assert written.is_file() and written.stat().st_size > 0
        assert written.resolve().is_relative_to(out.resolve())
