"""Interrupted and failed runs, with real processes and real signals: --out is left as it was.

The spec's Griffin-Lim node is given far more iterations than it could finish
in the test's lifetime, so every signal lands while a node is running and an
earlier output is already staged.
"""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from audiogp import graph
from audiogp.errors import ParameterError
from audiogp.graph import parse_spec
from audiogp.graph.runner import Interrupted, NodeFailed
from audiogp.plugins import NodeType, OutputFile, Param, Port, hookimpl
from audiogp.plugins.manager import load_registry
from audiogp.types import Signal

SLOW = textwrap.dedent("""\
    audiogp: 1
    seed: 0
    nodes:
      voice: {use: example, name: vowels, sr: 8000, duration: 4}
      spec:  {use: stft, input: voice, n_fft: 256, hop_length: 64}
      wave:  {use: griffinlim, input: spec, n_iter: 1000000}
      early: {use: save, input: voice, path: early.wav}
      late:  {use: save, input: wave, path: sub/late.wav}
    """)


def _listing(folder):
    """Every entry under ``folder`` (hidden ones too) with the bytes' digest of each file."""
    entries = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            entries[os.path.relpath(os.path.join(root, name), folder)] = "dir"
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                entries[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return entries


def _start(spec_path, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "audiogp", "run", str(spec_path), "--out", str(out),
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(process, *needles):
    """Read stderr until every one of ``needles`` has appeared; return what was read."""
    seen = ""
    while not all(needle in seen for needle in needles):
        line = process.stderr.readline()
        if not line:
            process.kill()
            raise AssertionError(f"the run ended before printing {needles!r}:\n{seen}")
        seen += line
    return seen


@pytest.mark.parametrize("number, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_run_leaves_the_output_folder_as_it_was(tmp_path, number, status):
    spec_path = tmp_path / "slow.yaml"
    spec_path.write_text(SLOW)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("a file from before the run\n")
    before = _listing(out)
    process = _start(spec_path, out)
    # 'early' is written (staged) before the long node starts: wait until then.
    seen = _wait_for(process, "output ready", "wave (griffinlim)")
    process.send_signal(number)
    _, rest = process.communicate(timeout=60)  # a hang, not a speed: the run would take hours
    stderr = seen + rest
    assert process.returncode == status, stderr
    name = signal.Signals(number).name
    assert f"{name} received: stopping" in stderr
    assert "no output was written" in stderr and "Traceback" not in stderr
    assert _listing(out) == before  # no early.wav, no sub/, no staging folder, no .part


def test_a_rerun_after_an_interrupted_run_needs_no_force(tmp_path):
    spec_path = tmp_path / "slow.yaml"
    spec_path.write_text(SLOW)
    out = tmp_path / "out"
    process = _start(spec_path, out)
    _wait_for(process, "wave (griffinlim)")
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)
    assert process.returncode == 130
    assert not out.exists()  # the run created it, and took it away again
    rerun = subprocess.run([sys.executable, "-m", "audiogp", "run", str(spec_path), "--out", str(out),
                            "--quiet", "--set", "wave.n_iter=1"], capture_output=True, text=True,
                           timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(_listing(out)) == ["early.wav", "sub", os.path.join("sub", "late.wav")]


class _Plugin:
    @staticmethod
    def make(ctx, *, value):
        return Signal(np.full(16, value, dtype=np.float32), 8000)

    @staticmethod
    def fail(ctx, *, input):
        raise ParameterError("input is not loud enough for this node")

    @staticmethod
    def write(ctx, *, input, path):
        with ctx.output(path) as temporary:
            temporary.write_bytes(input.y.tobytes())

    @hookimpl
    def register_transforms(self, register):
        out = [Port("signal", Signal)]
        register(NodeType("make", self.make, outputs=out, params=[Param("value", float, 0.5)]))
        register(NodeType("fail", self.fail, inputs=[Port("input", Signal)], outputs=out))
        register(NodeType("write", self.write, inputs=[Port("input", Signal)],
                          params=[Param("path", OutputFile)]))


def _failing_spec(*extra):
    lines = ["a: {use: make}", "w: {use: write, input: a, path: first.bin}",
             "f: {use: fail, input: a}", "w2: {use: write, input: f, path: second.bin}", *extra]
    return "audiogp: 1\nnodes:\n" + "".join(f"  {line}\n" for line in lines)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failed_run_publishes_nothing_and_its_rerun_needs_no_force(tmp_path, workers):
    registry = load_registry(set(), plugins=[_Plugin()])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(NodeFailed) as caught:
        graph.run(parse_spec(_failing_spec(), source="f.yaml"), out_dir=out, registry=registry,
                  workers=workers)
    assert "not loud enough" in str(caught.value)
    assert caught.value.out_dir_unchanged == out  # what the CLI's "is as it was" reads
    assert _listing(out) == {}  # 'w' had finished, but its file was only staged
    fixed = _failing_spec().replace("use: fail, input: a", "use: make")
    graph.run(parse_spec(fixed, source="f.yaml"), out_dir=out, registry=registry, workers=workers)
    assert (out / "first.bin").read_bytes() == np.full(16, 0.5, np.float32).tobytes()


def test_the_command_line_names_the_only_file_a_failed_run_kept(tmp_path):
    import soundfile

    (tmp_path / "in").mkdir()
    soundfile.write(tmp_path / "in" / "loud.wav", np.linspace(-2, 2, 800), 8000, subtype="FLOAT")
    spec_path = tmp_path / "in" / "bad.yaml"
    spec_path.write_text(textwrap.dedent("""\
        audiogp: 1
        nodes:
          voice: {use: example, name: tones, sr: 8000, duration: 0.5}
          first: {use: save, input: voice, path: first.wav}
          loud:  {use: load, path: loud.wav, sr: null}
          out:   {use: save, input: loud, path: loud.wav, overload: error}
        """))
    result = subprocess.run([sys.executable, "-m", "audiogp", "run", str(spec_path), "--out",
                             str(tmp_path / "out"), "--quiet", "--workers", "1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "overload: error refuses" in result.stderr
    assert "the only file this run wrote" in result.stderr and "loud.unsaved.wav" in result.stderr
    assert sorted(os.listdir(tmp_path / "out")) == ["loud.unsaved.wav"]  # not first.wav


def test_the_command_line_says_when_the_folder_is_unchanged(tmp_path):
    from audiogp.cli import _what_was_kept

    error = ParameterError("a node failed")
    assert _what_was_kept(error) == ""  # no run: nothing claimed
    error.out_dir_unchanged = tmp_path
    assert _what_was_kept(error) == f"\n(no output was written: {tmp_path} is as it was before the run)"


def test_interrupted_is_a_keyboard_interrupt_that_says_what_was_kept():
    error = Interrupted("interrupted: the run stopped and no output was written")
    assert isinstance(error, KeyboardInterrupt)
    assert str(error) == "interrupted: the run stopped and no output was written"


def test_a_signal_during_publication_is_held_until_it_has_finished():
    from audiogp.graph.runner import _signals_deferred

    finished = []
    with pytest.raises(KeyboardInterrupt):
        with _signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # Python would run a handler between any of these
                finished.append(1)
    assert len(finished) == 1000
