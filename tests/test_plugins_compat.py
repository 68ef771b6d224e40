"""A plugin written against plugin API 1.0 still installs, loads and passes its own tests.

``tests/compat/audiogp-compat-v1`` uses every hook and declaration form of API 1.0 and is never
edited (docs/plugins.md, "Stability"). It is pip-installed from a copy into a temporary folder
put on PYTHONPATH, found through its entry point alone, and its own tests run there.
"""

import shutil
from pathlib import Path

import pytest

from plugin_install import install_plugin, run_python

COMPAT = Path(__file__).resolve().parent / "compat" / "audiogp-compat-v1"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return install_plugin(COMPAT, tmp_path_factory.mktemp("compat"))


def test_the_api_1_0_plugin_is_listed_without_problems(site):
    result = run_python("-m", "audiogp", "plugins", site=site)
    assert result.returncode == 0, result.stderr
    assert "compat_v1  [audiogp-compat-v1 1.0.0]" in result.stdout
    assert "failed to load" not in result.stdout and "problems" not in result.stdout
    assert "value types: FrameEnergy, Note" in result.stdout


def test_its_own_tests_pass(site, tmp_path):
    tests = shutil.copytree(COMPAT / "tests", tmp_path / "tests")
    result = run_python("-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests), site=site,
                        cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "11 passed" in result.stdout and "skipped" not in result.stdout
