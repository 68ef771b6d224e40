"""plugins/audiogp-lpc, the plugin written from docs/plugins.md alone: installed like a user would,
documented by audiogp, its own tests passing; and the same code in development, not installed."""

import shutil
from pathlib import Path

import pytest

from plugin_install import install_plugin, run_python

PLUGIN = Path(__file__).resolve().parent.parent / "plugins" / "audiogp-lpc"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return install_plugin("audiogp-lpc", tmp_path_factory.mktemp("lpc"))


def test_installed_it_is_listed_with_its_value_type_documented(site):
    listed = run_python("-m", "audiogp", "plugins", site=site)
    assert "lpc  [audiogp-lpc 0.1.0]" in listed.stdout
    assert "node types: lpc, lpc_synthesis" in listed.stdout and "value types: LpcCoefficients" in listed.stdout
    doc = run_python("-m", "audiogp", "nodes", "LpcCoefficients", site=site)
    assert doc.returncode == 0, doc.stderr
    for words in ("LpcCoefficients: value type. Linear-prediction coefficients and gain",
                  "provided by audiogp-lpc 0.1.0 (lpc)", "a : numpy.ndarray, shape (..., n_frames, order)",
                  "facts on an edge (known before running where the nodes before say them): sr, order, "
                  "frame_length, hop_length, window, length",
                  "made by: lpc.coefficients", "read by: lpc_synthesis (coefficients)"):
        assert words in doc.stdout
    node = run_python("-m", "audiogp", "nodes", "lpc", site=site)
    assert "checks (when the spec is validated, and when the node runs): settings_fit_the_signal" in node.stdout


def test_its_own_tests_pass_installed(site, tmp_path):
    tests = shutil.copytree(PLUGIN / "tests", tmp_path / "tests")
    result = run_python("-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests), site=site, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_readme_spec_runs_in_development_without_installing(tmp_path):
    readme = (PLUGIN / "README.md").read_text()
    spec = readme.split("```yaml\n")[1].split("```")[0]
    (tmp_path / "whisper.yaml").write_text(spec)
    result = run_python("-m", "audiogp", "run", str(tmp_path / "whisper.yaml"), "--out", str(tmp_path / "out"),
                        "--plugin", str(PLUGIN / "src" / "audiogp_lpc"), "--quiet", site=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "whisper.wav").stat().st_size > 10000
