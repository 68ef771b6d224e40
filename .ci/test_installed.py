"""Run the test suite against the installed audiogp, from outside the source tree.

Usage: ``python .ci/test_installed.py PROJECT_DIR [pytest args...]``

Copies ``tests/``, ``examples/``, ``docs/``, ``plugins/``, ``benchmarks/``, ``tools/`` and
README.md into a temporary directory and runs pytest there, after checking that ``audiogp`` (and its compiled core) is
imported from site-packages rather than from the project directory. A test
that only passes because of files in the source tree fails here. Used by
``.ci/run`` and by cibuildwheel's test-command.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main():
    project = Path(sys.argv[1]).resolve()
    pytest_args = sys.argv[2:]
    with tempfile.TemporaryDirectory(prefix="audiogp-installed-") as scratch:
        scratch = Path(scratch)
        # tests read examples/ and docs/ (specs run, docs checked against the code) and install
        # the plugin distributions under plugins/, all located relative to tests/.
        for folder in ("tests", "examples", "docs", "plugins", "benchmarks", "tools"):
            if (project / folder).is_dir():
                shutil.copytree(project / folder, scratch / folder)
        shutil.copy2(project / "README.md", scratch / "README.md")  # its examples are tested
        probe = (
            "import audiogp, audiogp._core.stft as core, importlib.util, sys;"
            "print(audiogp.__file__); print(core.__file__);"
            "sys.exit(importlib.util.find_spec('_core') is not None)"
        )
        where = subprocess.run([sys.executable, "-c", probe], cwd=scratch,
                               capture_output=True, text=True)
        print(where.stdout, where.stderr, end="")
        if where.returncode != 0:
            sys.exit("a top-level module '_core' is importable: the core must install as audiogp._core")
        for line in where.stdout.splitlines():
            if Path(line).resolve().is_relative_to(project):
                sys.exit(f"audiogp is imported from the source tree ({line}), not from the installed wheel")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        status = subprocess.call(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests", *pytest_args],
            cwd=scratch, env=env,
        )
    sys.exit(status)


if __name__ == "__main__":
    main()
