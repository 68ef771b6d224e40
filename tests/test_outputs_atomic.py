"""Publishing outputs: no-replace creation under real concurrency, roll-back, umask permissions."""

import errno
import os
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import soundfile

from audiogp import _files, graph
from audiogp._files import OutputExistsError, publish
from audiogp.graph.outputs import STAGING_PREFIX, OutputTransaction

RACER = textwrap.dedent("""\
    import sys
    from pathlib import Path
    from audiogp._files import OutputExistsError
    from audiogp.graph.outputs import OutputTransaction

    me, top, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    Path(top, "ready-" + me).touch()
    while not Path(top, "go").exists():  # start together
        pass
    for index in range(count):
        with OutputTransaction(top / str(index)) as outputs:
            with outputs.stage("w", top / str(index) / "x.bin") as staged:
                staged.write_bytes(me.encode() * 1000)
            try:
                outputs.commit()
                print(index, "won", flush=True)
            except OutputExistsError as error:
                print(index, "lost", str(error).replace("\\n", " "), flush=True)
    """)


def test_concurrent_runs_never_both_create_the_same_file(tmp_path):
    """Two processes race through 150 output folders: each file has exactly one creator."""
    count = 150
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    top = tmp_path / "race"
    top.mkdir()
    racers = {name: subprocess.Popen([sys.executable, str(script), name, str(top), str(count)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for name in ("A", "B")}
    while not all((top / f"ready-{name}").exists() for name in racers):
        if any(p.poll() is not None for p in racers.values()):
            break
    (top / "go").touch()
    outcomes = {}
    for name, process in racers.items():
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        for line in stdout.splitlines():
            index, verdict, *_ = line.split(maxsplit=2)
            outcomes.setdefault(int(index), {})[name] = (verdict, line)
    for index in range(count):
        verdicts = outcomes[index]
        winners = [name for name, (verdict, _) in verdicts.items() if verdict == "won"]
        assert len(winners) == 1, (index, verdicts)
        loser = "B" if winners == ["A"] else "A"
        assert "appeared while this run was going on" in verdicts[loser][1]
        # The winner's bytes are intact, and neither left anything else behind.
        assert (top / str(index) / "x.bin").read_bytes() == winners[0].encode() * 1000
        assert os.listdir(top / str(index)) == ["x.bin"]


SPEC = textwrap.dedent("""\
    audiogp: 1
    nodes:
      voice: {use: example, name: vowels, sr: 8000, duration: 0.5, seed: null}
      out:   {use: save, input: voice, path: voice.wav, subtype: FLOAT}
    """)


def test_two_command_line_runs_on_one_folder_one_wins_the_other_is_told(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "audiogp", "run", str(spec), "--quiet", "--workers", "1",
               "--builtins-only", "--out", str(out)]
    runs = {seed: subprocess.Popen(command + ["--seed", str(seed)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True) for seed in (1, 2)}
    results = {seed: (p.wait(timeout=300), p.stderr.read()) for seed, p in runs.items()}
    winners = [seed for seed, (status, _) in results.items() if status == 0]
    assert len(winners) == 1, results
    (loser,) = set(results) - set(winners)
    status, message = results[loser]
    assert status == 2 and "Traceback" not in message and "--force" in message
    assert "voice.wav" in message
    assert sorted(os.listdir(out)) == ["voice.wav"]
    # The file is the winner's, whole: the samples a run with its seed computes.
    alone = graph.run_text(SPEC, out_dir=tmp_path / "alone", seed=winners[0], builtins_only=True)
    saved, _ = soundfile.read(out / "voice.wav", dtype="float32")
    np.testing.assert_array_equal(saved, alone.values["voice"]["signal"].y)


def _stage(outputs, node, path, data):
    with outputs.stage(node, path) as staged:
        staged.write_bytes(data)


def test_a_name_taken_during_the_run_rolls_back_what_was_published(tmp_path):
    out = tmp_path / "out"
    outputs = OutputTransaction(out, where=lambda node: f"spec.yaml:3:3: node {node!r}")
    _stage(outputs, "a", out / "sub" / "a.bin", b"from a")
    _stage(outputs, "b", out / "b.bin", b"from b")
    (out / "b.bin").write_bytes(b"someone else's")  # appears after validation
    with pytest.raises(OutputExistsError, match=r"^spec.yaml:3:3: node 'b': .*b.bin appeared"):
        outputs.commit()
    outputs.close()
    assert sorted(os.listdir(out)) == ["b.bin"]  # a.bin and the sub/ folder it needed are gone
    assert (out / "b.bin").read_bytes() == b"someone else's"


def test_with_force_a_failed_publication_puts_replaced_files_back(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.bin").write_bytes(b"old a")
    outputs = OutputTransaction(out, force=True)
    _stage(outputs, "a", out / "a.bin", b"new a")
    _stage(outputs, "b", out / "b.bin", b"new b")
    real_replace = os.replace

    def fail_on_b(source, target):
        if str(target).endswith("b.bin"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        return real_replace(source, target)

    _files.os.replace = fail_on_b
    try:
        with pytest.raises(_files.EnvironmentProblem, match="the disk is full"):
            outputs.commit()
    finally:
        _files.os.replace = real_replace
    outputs.close()
    assert sorted(os.listdir(out)) == ["a.bin"] and (out / "a.bin").read_bytes() == b"old a"


def test_without_hard_links_an_exclusive_create_refuses_just_the_same(tmp_path, monkeypatch):
    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(_files.os, "link", no_links)
    source = tmp_path / "staged"
    source.write_bytes(b"payload")
    assert publish(source, tmp_path / "final") == "copy"
    assert (tmp_path / "final").read_bytes() == b"payload"
    (tmp_path / "other").write_bytes(b"theirs")
    with pytest.raises(FileExistsError):
        publish(source, tmp_path / "other")
    assert (tmp_path / "other").read_bytes() == b"theirs"


def test_a_staging_folder_left_by_a_killed_process_is_removed(tmp_path):
    out = tmp_path / "out"
    code = ("import os, sys\nfrom audiogp.graph.outputs import OutputTransaction\n"
            "OutputTransaction(sys.argv[1])\nos._exit(0)\n")  # dies without cleaning up
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, timeout=120)
    (left,) = os.listdir(out)
    assert left.startswith(STAGING_PREFIX)
    OutputTransaction(out).close()
    assert os.listdir(out) == []


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_outputs_get_the_permissions_of_the_umask(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        graph.run_text("audiogp: 1\nnodes:\n  v: {use: example, name: tones, duration: 0.1}\n"
                       "  o: {use: save, input: v, path: sub/v.wav}\n"
                       "  a: {use: save_arrays, input: [v], path: v.npz}\n",
                       out_dir=tmp_path / "out", builtins_only=True, workers=1)
    finally:
        os.umask(previous)
    for name in ("sub/v.wav", "v.npz"):
        assert stat.S_IMODE(os.stat(tmp_path / "out" / name).st_mode) == mode, name
    assert stat.S_IMODE(os.stat(tmp_path / "out" / "sub").st_mode) == 0o777 & ~umask


def test_an_existing_output_is_replaced_only_with_force(tmp_path):
    text = "audiogp: 1\nnodes:\n  v: {use: example, name: tones, duration: 0.1}\n" \
           "  o: {use: save, input: v, path: v.wav, subtype: FLOAT}\n"
    out = tmp_path / "out"
    out.mkdir()
    (out / "v.wav").write_bytes(b"mine")
    with pytest.raises(graph.SpecError, match="exists; pass --force"):
        graph.run_text(text, out_dir=out, builtins_only=True)
    assert (out / "v.wav").read_bytes() == b"mine"
    result = graph.run_text(text, out_dir=out, builtins_only=True, force=True)
    saved, _ = soundfile.read(out / "v.wav", dtype="float32")
    np.testing.assert_array_equal(saved, result.values["v"]["signal"].y)
    assert sorted(os.listdir(out)) == ["v.wav"]
