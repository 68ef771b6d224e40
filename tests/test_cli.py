"""The console script: --help, --version, fast start, exit codes."""

import json
import subprocess
import sys

import pytest

import audiogp

HEAVY_MODULES = ("librosa", "numba", "sympy", "matplotlib", "scipy", "audiogp._core")


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "audiogp", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_version_prints_the_package_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"audiogp {audiogp.__version__}"


def test_help_lists_the_run_command():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "run" in result.stdout


def test_help_imports_nothing_heavy():
    probe = (
        "import sys, json, contextlib, io\n"
        "from audiogp.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(result.stdout))
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY_MODULES or m in HEAVY_MODULES)
    assert heavy == []


def test_user_error_exits_2_without_traceback(tmp_path):
    result = run_cli("run", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "missing.yaml" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_console_script_entry_point_is_installed(argv):
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "audiogp"]
    assert script.value == "audiogp.cli:main"
