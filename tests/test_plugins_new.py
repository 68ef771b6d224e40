"""audiogp new-plugin: the skeleton distribution installs the way a user's would and its tests pass."""

import shutil

import pytest

from plugin_install import install_plugin, run_python


@pytest.fixture(scope="module")
def skeleton(tmp_path_factory):
    folder = tmp_path_factory.mktemp("new")
    result = run_python("-m", "audiogp", "new-plugin", "loudness", "--dir", str(folder), site=folder)
    assert result.returncode == 0, result.stderr
    return folder / "audiogp-loudness"


def test_the_skeleton_has_a_distribution_with_the_entry_point_and_a_version_range(skeleton):
    from audiogp import __version__

    files = sorted(str(p.relative_to(skeleton)) for p in skeleton.rglob("*") if p.is_file())
    assert files == ["README.md", "pyproject.toml", "src/audiogp_loudness/__init__.py",
                     "src/audiogp_loudness/core.py", "tests/conftest.py", "tests/test_loudness.py"]
    pyproject = (skeleton / "pyproject.toml").read_text()
    assert f'"audiogp>={__version__},<2"' in pyproject
    assert '[project.entry-points.audiogp]\nloudness = "audiogp_loudness"' in pyproject


def test_installed_its_tests_pass_and_audiogp_lists_it(skeleton, tmp_path):
    site = install_plugin(skeleton, tmp_path / "install")
    listed = run_python("-m", "audiogp", "plugins", site=site)
    assert "loudness  [audiogp-loudness 0.1.0]" in listed.stdout
    assert "node types: loudness" in listed.stdout and "value types: LoudnessLevels" in listed.stdout
    documented = run_python("-m", "audiogp", "nodes", "LoudnessLevels", site=site)
    assert "LoudnessLevels: value type. RMS level of each frame of a signal." in documented.stdout
    tests = shutil.copytree(skeleton / "tests", tmp_path / "tests")
    result = run_python("-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests), site=site,
                        cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "5 passed" in result.stdout


def test_it_runs_in_development_without_installing(skeleton, tmp_path):
    spec = tmp_path / "levels.yaml"
    spec.write_text("audiogp: 1\nnodes:\n  v: {use: example, duration: 0.5}\n"
                    "  l: {use: loudness, input: v}\n  o: {use: save_arrays, input: l, path: l.npz}\n")
    result = run_python("-m", "audiogp", "run", str(spec), "--out", str(tmp_path / "out"),
                        "--plugin", str(skeleton / "src" / "audiogp_loudness"), site=tmp_path)
    assert result.returncode == 0, result.stderr
    import numpy as np

    with np.load(tmp_path / "out" / "l.npz") as archive:
        assert archive["rms"].shape == archive["times"].shape and int(archive["sr"]) == 22050


@pytest.mark.parametrize("name, words", [("Loud", "lower-case"), ("3d", "identifier"),
                                         ("import", "identifier"), ("a-b", "identifier")])
def test_bad_names_are_refused(tmp_path, name, words):
    result = run_python("-m", "audiogp", "new-plugin", name, "--dir", str(tmp_path), site=tmp_path)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path):
    (tmp_path / "audiogp-loudness").mkdir()
    (tmp_path / "audiogp-loudness" / "mine.txt").write_text("keep")
    result = run_python("-m", "audiogp", "new-plugin", "loudness", "--dir", str(tmp_path), site=tmp_path)
    assert result.returncode == 2 and "nothing was written" in result.stderr
    assert [p.name for p in (tmp_path / "audiogp-loudness").iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audiogp-loudness"]
    missing = run_python("-m", "audiogp", "new-plugin", "loudness", "--dir", str(tmp_path / "no"),
                         site=tmp_path)
    assert missing.returncode == 2 and "is not a folder" in missing.stderr
