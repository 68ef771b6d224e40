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


# -- the pipeline commands (issue 4) ------------------------------------------------------------

from pathlib import Path  # noqa: E402

SPEC = """\
audiogp: 1
seed: 0
nodes:
  voice: {use: example, name: chirp, duration: 0.25}
  spec:  {use: stft, input: voice, n_fft: 256}
  wave:  {use: istft, input: spec}
  out:   {use: save, input: wave, path: wave.wav}
"""


def write_spec(folder, text=SPEC):
    path = Path(folder) / "spec.yaml"
    path.write_text(text)
    return path


def test_every_command_is_in_the_help():
    result = run_cli("--help")
    for command in ("run", "validate", "graph", "nodes", "plugins"):
        assert command in result.stdout
    options = run_cli("run", "--help").stdout
    for option in ("--out", "--set", "--seed", "--force", "--quiet", "--builtins-only"):
        assert option in options


def test_run_prints_progress_and_a_summary(tmp_path):
    result = run_cli("run", str(write_spec(tmp_path)), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "[4/4] out (save)" in result.stderr
    assert "summary:" in result.stdout and "wrote 1 file" in result.stdout
    assert str(tmp_path / "out" / "wave.wav") in result.stdout


def test_quiet_run_prints_nothing(tmp_path):
    result = run_cli("run", str(write_spec(tmp_path)), "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    assert (tmp_path / "out" / "wave.wav").is_file()


def test_set_and_seed_reach_the_nodes(tmp_path):
    import soundfile

    result = run_cli("run", str(write_spec(tmp_path)), "--out", str(tmp_path / "out"), "--quiet",
                     "--set", "voice.duration=0.5", "--set", "out.path=long.wav", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert soundfile.info(str(tmp_path / "out" / "long.wav")).frames == 11025


def test_validate_and_graph(tmp_path):
    path = write_spec(tmp_path)
    valid = run_cli("validate", str(path))
    assert valid.returncode == 0 and "valid (4 nodes)" in valid.stdout
    text = run_cli("graph", str(path))
    assert text.returncode == 0 and "spec   (stft)  input <- voice" in text.stdout
    dot = run_cli("graph", str(path), "--dot")
    assert dot.stdout.startswith("digraph audiogp {") and '"spec" -> "wave"' in dot.stdout


def test_invalid_spec_is_a_user_error_for_every_command(tmp_path):
    path = write_spec(tmp_path, SPEC.replace("n_fft: 256", "n_fft: -2"))
    for command in ("run", "validate", "graph"):
        result = run_cli(command, str(path))
        assert result.returncode == 2, command
        assert "Traceback" not in result.stderr
        assert f"{path}:5:" in result.stderr and "parameter 'n_fft'" in result.stderr
    assert not (tmp_path / "out").exists()
