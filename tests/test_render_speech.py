"""tools/render_speech.py: seeded synthetic training speech (needs espeak-ng)."""

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "render_speech.py"

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("render_speech", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_renders_both_rates_with_a_manifest(tool, tmp_path):
    soundfile = pytest.importorskip("soundfile")
    out = tmp_path / "speech"
    manifest = tool.render(out, n_utterances=3, seed=5, rates=(8000, 16000), festival=False)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "sr16000", "sr8000"]
    for item in manifest["utterances"]:
        lengths = {}
        for rate in (8000, 16000):
            y, sr = soundfile.read(out / f"sr{rate}" / f"{item['name']}.wav")
            assert sr == rate
            assert 0.5 < np.abs(y).max() / item["peak"] < 1.05  # the chosen level, not silence
            lengths[rate] = len(y)
            assert abs(len(y) / sr - item["duration"]) < 0.01
        assert abs(lengths[16000] - 2 * lengths[8000]) <= 2
        assert item["engine"] == "espeak-ng" and item["text"].strip()
    assert not list(tmp_path.glob(".speech.*"))  # no staging folder left behind


def test_same_seed_same_files_and_no_overwrite(tool, tmp_path):
    a = tool.render(tmp_path / "a", n_utterances=2, seed=9, rates=(8000,), festival=False)
    b = tool.render(tmp_path / "b", n_utterances=2, seed=9, rates=(8000,), festival=False)
    assert a["utterances"] == b["utterances"]
    for item in a["utterances"]:
        name = f"sr8000/{item['name']}.wav"
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    before = (tmp_path / "a" / "manifest.json").read_bytes()
    with pytest.raises(tool.RenderError, match="exists; pass --force"):
        tool.render(tmp_path / "a", n_utterances=1, seed=1, rates=(8000,), festival=False)
    assert (tmp_path / "a" / "manifest.json").read_bytes() == before
    assert tool.main([str(tmp_path / "a"), "--n", "1", "--rates", "8000", "--no-festival"]) == 2


def test_plan_is_varied_and_seeded(tool):
    items = tool.plan(300, seed=0, festival=True)
    assert items == tool.plan(300, seed=0, festival=True)
    assert items != tool.plan(300, seed=1, festival=True)
    espeak = [it for it in items if it["engine"] == "espeak-ng"]
    assert len({it["language"] for it in espeak}) >= 30
    assert len({it["voice"] for it in espeak}) >= 150
    assert min(it["pitch"] for it in espeak) < 25 and max(it["pitch"] for it in espeak) > 75
    assert 0 < sum(it["engine"] == "festival" for it in items) < 80
    assert all("corpus" not in it["text"] for it in items)
    assert "shared" not in TOOL.read_text(encoding="utf-8").replace("../shared/corpus", "")


@pytest.mark.skipif(shutil.which("festival") is None, reason="festival not installed")
def test_festival_utterances(tool, tmp_path):
    soundfile = pytest.importorskip("soundfile")
    jobs = [("Seven green boats sail past.", 90, 10, 1.0, tmp_path / "low.wav"),
            ("Seven green boats sail past.", 200, 10, 1.0, tmp_path / "high.wav")]
    tool._festival_batch(jobs, tmp_path)
    for *_, wav in jobs:
        y, sr = soundfile.read(wav)
        assert sr == 16000 and len(y) > sr and np.abs(y).max() > 0
