"""Installing a plugin distribution from plugins/ the way a user would, for the tests.

The distribution is pip-installed from a copy (the source tree stays
untouched) into a temporary folder that is put on PYTHONPATH; audiogp must
find it through its entry point alone.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"


def install_plugin(distribution, scratch):
    """pip-install ``plugins/<distribution>`` (or the folder ``distribution``) into ``scratch/site``.

    Returns that folder.
    """
    source = shutil.copytree(PLUGINS / distribution, Path(scratch) / "source",
                             ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    target = Path(scratch) / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), str(source)],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def run_python(*args, site, cwd=None, env=None):
    """Run ``python *args`` with the plugin folder ``site`` on PYTHONPATH."""
    environment = dict(os.environ, PYTHONPATH=str(site), **(env or {}))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=environment,
                          cwd=cwd)
