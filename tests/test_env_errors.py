"""Environment problems are user errors: one paragraph naming the path and what to do, exit 2.

Disk full and read-only filesystems cannot be made for real in a test (no tmpfs,
and the tests may run as root, whom permissions do not stop), so the operating
system's refusal is simulated where the project meets it: the audio writer, the
staging folder, os.access. Everything else (loops, names too long, folders in
the way, NUL characters) is real.
"""

import errno
import os
import textwrap

import pytest
import soundfile

from audiogp import _files, cli, graph
from audiogp._files import EnvironmentProblem, check_output_folder, os_error_message

SPEC = textwrap.dedent("""\
    audiogp: 1
    nodes:
      v: {use: example, name: tones, sr: 8000, duration: 0.1}
      o: {use: save, input: v, path: PATH}
    """)


def _cli(capsys, spec_dir, path, out, *extra):
    spec = spec_dir / "spec.yaml"
    spec.write_text(SPEC.replace("PATH", path))
    status = cli.main(["run", str(spec), "--out", str(out), "--quiet", "--builtins-only", *extra])
    error = capsys.readouterr().err
    assert "Traceback" not in error
    return status, error


@pytest.mark.parametrize("code, words", [
    (errno.ENOSPC, "the disk is full"), (errno.EDQUOT, "quota"), (errno.EROFS, "read-only"),
    (errno.ENAMETOOLONG, "too long"), (errno.ELOOP, "symbolic link loop"),
    (errno.EACCES, "permission denied")])
def test_each_errno_gets_a_paragraph_with_the_path_and_what_to_do(code, words):
    message = os_error_message(OSError(code, os.strerror(code)), "/data/out/x.wav")
    assert message.startswith("writing /data/out/x.wav failed: ") and words in message
    assert "; " in message.partition("failed: ")[2]  # then what to do


def test_a_full_disk_while_writing_audio_is_a_located_user_error(tmp_path, capsys, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(soundfile, "write", full)
    out = tmp_path / "out"
    status, error = _cli(capsys, tmp_path, "x.wav", out)
    assert status == 2
    assert "spec.yaml:4:3: node 'o' (save) failed: writing" in error
    assert str(out / "x.wav") in error and "the disk is full" in error
    assert "is as it was before the run" in error and not out.exists()


def test_libsndfile_failing_on_a_full_disk_is_told_as_a_full_disk(tmp_path, capsys, monkeypatch):
    import shutil

    def system_error(*args, **kwargs):  # what libsndfile raises for ENOSPC
        raise soundfile.LibsndfileError(2, "Error writing: ")

    monkeypatch.setattr(soundfile, "write", system_error)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(100, 100, 0))
    status, error = _cli(capsys, tmp_path, "x.wav", tmp_path / "out")
    assert status == 2 and "the disk is full" in error and "x.wav" in error


def test_a_read_only_output_folder_is_refused_before_running(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    real_access = os.access
    monkeypatch.setattr(_files.os, "access",
                        lambda path, mode: False if os.fspath(path) == str(out) else real_access(path, mode))
    status, error = _cli(capsys, tmp_path, "x.wav", out)
    assert status == 2
    assert f"writing into the output folder {out} failed: permission denied" in error
    assert os.listdir(out) == []


def test_a_read_only_filesystem_is_told_when_staging(tmp_path, monkeypatch):
    from pathlib import Path

    real_mkdir = Path.mkdir

    def read_only(self, *args, **kwargs):
        if self.name.startswith(".audiogp-staging-"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(EnvironmentProblem, match="the filesystem is read-only; give --out"):
        graph.run_text(SPEC.replace("PATH", "x.wav"), out_dir=tmp_path / "out", builtins_only=True)


def test_a_missing_output_folder_is_created(tmp_path, capsys):
    out = tmp_path / "a" / "b" / "out"
    status, _ = _cli(capsys, tmp_path, "sub/x.wav", out)
    assert status == 0 and soundfile.info(out / "sub" / "x.wav").frames == 800


def test_an_output_path_that_is_a_folder_is_refused_even_with_force(tmp_path, capsys):
    (tmp_path / "out" / "x.wav").mkdir(parents=True)
    for extra in ((), ("--force",)):
        status, error = _cli(capsys, tmp_path, "x.wav", tmp_path / "out", *extra)
        assert status == 2 and "spec.yaml:4:" in error and "x.wav is a folder" in error
    assert os.listdir(tmp_path / "out" / "x.wav") == []


def test_a_name_too_long_is_refused_before_running(tmp_path, capsys):
    name = "a" * 300 + ".wav"
    status, error = _cli(capsys, tmp_path, name, tmp_path / "out")
    assert status == 2 and "node 'o'" in error and ("too long" in error or "at most 255 bytes" in error)
    assert "choose a shorter name" in error


def test_a_symbolic_link_loop_is_refused_at_the_output_and_as_the_folder(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    os.symlink("loop.wav", out / "loop.wav")
    status, error = _cli(capsys, tmp_path, "loop.wav", out)
    assert status == 2 and "spec.yaml:4:" in error and "symbolic link" in error
    os.symlink("ring", tmp_path / "ring")
    status, error = _cli(capsys, tmp_path, "x.wav", tmp_path / "ring")
    assert status == 2 and "symbolic link loop" in error and str(tmp_path / "ring") in error


def test_a_file_where_a_folder_is_needed(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "f").write_text("in the way")
    status, error = _cli(capsys, tmp_path, "f/x.wav", tmp_path / "out")
    assert status == 2 and "part of the path is a file" in error
    status, error = _cli(capsys, tmp_path, "x.wav", tmp_path / "out" / "f")
    assert status == 2 and "is a file; give --out a folder" in error
    assert (tmp_path / "out" / "f").read_text() == "in the way"


def test_nul_characters_are_refused_in_the_spec_and_in_the_folder(tmp_path, capsys):
    status, error = _cli(capsys, tmp_path, '"a\\0b.wav"', tmp_path / "out")
    assert status == 2 and "spec.yaml:4:" in error and "NUL character" in error
    with pytest.raises(EnvironmentProblem, match="NUL character"):
        check_output_folder(str(tmp_path / "o\0ut"))


def test_a_hidden_name_without_a_stem_is_refused_at_validation(tmp_path, capsys):
    status, error = _cli(capsys, tmp_path, ".wav", tmp_path / "out")
    assert status == 2 and "spec.yaml:4:" in error and ("name without a stem" in error or "only an extension" in error)


def test_a_full_disk_in_any_writer_is_told_with_the_output_path(tmp_path, monkeypatch):
    import zipfile

    def full(self, *args, **kwargs):
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    text = ("audiogp: 1\nnodes:\n  v: {use: example, name: tones, duration: 0.1}\n"
            "  a: {use: save_arrays, input: [v], path: v.npz}\n")
    with pytest.raises(graph.runner.NodeFailed) as caught:
        graph.run_text(text, out_dir=tmp_path / "out", builtins_only=True)
    message = str(caught.value)
    assert message.startswith("<string>:4:3: node 'a' (save_arrays) failed: writing ")
    assert str(tmp_path / "out" / "v.npz") in message and "quota" in message
    assert not (tmp_path / "out").exists()
