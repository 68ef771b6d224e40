"""The plugin distribution plugins/audiogp-tsne, installed and used like a user would.

t-SNE frame ordering lives in its own distribution so that audiogp does not
depend on scikit-learn. It is pip-installed (from a copy) into a temporary
folder put on PYTHONPATH; audiogp must find it through its entry point alone.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn", reason="the t-SNE plugin needs scikit-learn, which the test extra brings through librosa")

from plugin_install import install_plugin
from plugin_install import run_python as run

PLUGIN = Path(__file__).resolve().parent.parent / "plugins" / "audiogp-tsne"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return install_plugin("audiogp-tsne", tmp_path_factory.mktemp("tsne"))


def test_installed_plugin_is_listed_and_documented(site):
    result = run("-m", "audiogp", "plugins", site=site)
    assert result.returncode == 0, result.stderr
    assert "audiogp-tsne 0.1.0" in result.stdout and "reorder_frames_tsne" in result.stdout
    doc = run("-m", "audiogp", "nodes", "reorder_frames_tsne", site=site)
    assert "provided by audiogp-tsne 0.1.0" in doc.stdout and "perplexity" in doc.stdout


def test_core_does_not_import_scikit_learn():
    code = ("import sys, audiogp.dsp as d; d.reorder_by_pca; d.griffinlim; "
            "print('sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_spec_using_the_plugin_runs(site, tmp_path):
    spec = tmp_path / "sorted.yaml"
    spec.write_text("audiogp: 1\nseed: 0\nnodes:\n"
                    "  voice:  {use: example, name: vowels, sr: 16000, duration: 0.5}\n"
                    "  spec:   {use: stft, input: voice, n_fft: 512, hop_length: 128}\n"
                    "  sorted: {use: reorder_frames_tsne, input: spec, normalize_volume: true}\n"
                    "  wave:   {use: istft, input: sorted}\n"
                    "  out:    {use: save, input: wave, path: sorted.wav}\n")
    result = run("-m", "audiogp", "run", str(spec), "--out", str(tmp_path / "out"), site=site)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "sorted.wav").stat().st_size > 1000


def test_the_plugins_own_tests_pass(site, tmp_path):
    tests = shutil.copytree(PLUGIN / "tests", tmp_path / "tests")
    result = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests), site=site, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
