"""The runner: dependency order, concurrency, typed values, progress, errors, determinism."""

import hashlib
import io
import threading

import numpy as np
import pytest

from audiogp import graph
from audiogp.errors import ParameterError
from audiogp.graph import parse_spec
from audiogp.graph.report import ConsoleReporter, format_summary
from audiogp.graph.runner import NodeFailed, NodeRecord, RunResult
from audiogp.plugins import NodeType, OutputFile, Param, Port, hookimpl
from audiogp.plugins.manager import load_registry
from audiogp.types import Metrics, Signal


class Recorder:
    """An in-process plugin with node types that record what the runner does."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.barrier = threading.Barrier(2, timeout=20)

    def _enter(self, name):
        with self.lock:
            self.calls.append(name)
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def _leave(self):
        with self.lock:
            self.active -= 1

    def constant(self, ctx, *, value):
        self._enter(ctx.node)
        self._leave()
        return Signal(np.full(4, value, dtype=np.float32), 8000)

    def add(self, ctx, *, input):
        self._enter(ctx.node)
        self._leave()
        return Signal(sum(v.y for v in input), input[0].sr)

    def meet(self, ctx, *, input):
        """Waits until a second node is running at the same time (fails if run one at a time)."""
        self._enter(ctx.node)
        try:
            self.barrier.wait()
        finally:
            self._leave()
        return input

    def exclusive(self, ctx, *, input):
        self._enter(ctx.node)
        with self.lock:
            alone = self.active == 1
        self._leave()
        return Metrics({"alone": float(alone)})

    def slow(self, ctx, *, input, steps):
        self._enter(ctx.node)
        try:
            for step in range(steps):
                ctx.progress(step + 1, steps)
        finally:
            self._leave()
        return input

    def noise(self, ctx, *, input):
        return Signal(ctx.rng.standard_normal(8).astype(np.float32), 8000)

    def fail(self, ctx, *, input, user):
        if user:
            raise ParameterError("value=3 is too loud for this node")
        raise RuntimeError("a bug")

    def wrong_type(self, ctx, *, input):
        return Metrics({"x": 1.0})

    def half_write(self, ctx, *, input, path):
        with ctx.output(path) as temporary:
            temporary.write_bytes(b"half")
            raise KeyboardInterrupt

    def write_slowly(self, ctx, *, input, path, steps):
        with ctx.output(path) as temporary:
            temporary.write_bytes(b"partial")
            for step in range(steps):
                ctx.progress(step, steps)
                threading.Event().wait(0.01)

    @hookimpl
    def register_transforms(self, register):
        s = [Port("input", Signal)]
        out = [Port("signal", Signal)]
        register(NodeType("constant", self.constant, outputs=out, params=[Param("value", float, 1.0)]))
        register(NodeType("add", self.add, inputs=[Port("input", Signal, many=True)], outputs=out))
        register(NodeType("meet", self.meet, inputs=s, outputs=out))
        register(NodeType("exclusive", self.exclusive, inputs=s, outputs=[Port("m", Metrics)],
                          parallel_safe=False))
        register(NodeType("slow", self.slow, inputs=s, outputs=out, params=[Param("steps", int, 8)]))
        register(NodeType("noise", self.noise, inputs=s, outputs=out))
        register(NodeType("fail", self.fail, inputs=s, outputs=out, params=[Param("user", bool, True)]))
        register(NodeType("wrong_type", self.wrong_type, inputs=s, outputs=out))
        register(NodeType("half_write", self.half_write, inputs=s, params=[Param("path", OutputFile)]))
        register(NodeType("write_slowly", self.write_slowly, inputs=s,
                          params=[Param("path", OutputFile), Param("steps", int, 1000)]))


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def registry(recorder):
    return load_registry(set(), plugins=[recorder])


def run(text, registry, tmp_path, **options):
    return graph.run(parse_spec(text, source="r.yaml"), out_dir=tmp_path / "out", registry=registry,
                     **options)


def spec(*lines, seed=0):
    return f"audiogp: 1\nseed: {seed}\nnodes:\n" + "".join(f"  {line}\n" for line in lines)


def test_nodes_run_after_their_inputs_and_values_flow(recorder, registry, tmp_path):
    text = spec("total: {use: add, input: [a, b]}", "b: {use: constant, value: 2}",
                "a: {use: constant, value: 1}")
    result = run(text, registry, tmp_path, workers=1)
    assert recorder.calls.index("total") > max(recorder.calls.index("a"), recorder.calls.index("b"))
    np.testing.assert_array_equal(result.values["total"]["signal"].y, np.full(4, 3.0))
    assert [r.name for r in result.records] == ["b", "a", "total"]


def test_independent_branches_run_concurrently(recorder, registry, tmp_path):
    text = spec("a: {use: constant}", "left: {use: meet, input: a}", "right: {use: meet, input: a}")
    run(text, registry, tmp_path, workers=2)  # each 'meet' blocks until the other one runs
    assert recorder.max_active == 2


def test_nodes_that_are_not_parallel_safe_run_alone(recorder, registry, tmp_path):
    lines = ["a: {use: constant}"] + [f"s{i}: {{use: slow, input: a, steps: 200}}" for i in range(3)]
    lines += [f"x{i}: {{use: exclusive, input: a}}" for i in range(3)]
    result = run(spec(*lines), registry, tmp_path, workers=4)
    assert all(result.values[f"x{i}"]["m"].values["alone"] == 1.0 for i in range(3))


def test_results_do_not_depend_on_worker_count(registry, tmp_path):
    text = spec("a: {use: constant}", "n1: {use: noise, input: a}", "n2: {use: noise, input: a}")
    one = run(text, registry, tmp_path / "1", workers=1)
    four = run(text, registry, tmp_path / "4", workers=4)
    for name in ("n1", "n2"):
        np.testing.assert_array_equal(one.values[name]["signal"].y, four.values[name]["signal"].y)
    assert not np.array_equal(one.values["n1"]["signal"].y, one.values["n2"]["signal"].y)
    other_seed = run(text, registry, tmp_path / "s", seed=5)
    assert not np.array_equal(one.values["n1"]["signal"].y, other_seed.values["n1"]["signal"].y)


def test_user_error_in_a_node_names_node_and_location(registry, tmp_path):
    with pytest.raises(NodeFailed) as caught:
        run(spec("a: {use: constant}", "f: {use: fail, input: a}"), registry, tmp_path)
    assert str(caught.value).startswith("r.yaml:5:3: node 'f' (fail) failed: value=3 is too loud")


@pytest.mark.parametrize("workers", [1, 3])
def test_bug_in_a_node_keeps_its_exception(registry, tmp_path, workers):
    with pytest.raises(RuntimeError, match="a bug") as caught:
        run(spec("a: {use: constant}", "f: {use: fail, input: a, user: false}"), registry, tmp_path,
            workers=workers)
    assert any("in node 'f' (fail)" in note for note in getattr(caught.value, "__notes__", ["in node 'f' (fail)"]))


def test_returned_values_are_type_checked(registry, tmp_path):
    with pytest.raises(TypeError, match="returned Metrics for output 'signal', declared as Signal"):
        run(spec("a: {use: constant}", "w: {use: wrong_type, input: a}"), registry, tmp_path)


def test_interrupted_write_leaves_no_file(registry, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run(spec("a: {use: constant}", "h: {use: half_write, input: a, path: x.bin}"), registry,
            tmp_path, workers=1)
    assert not (tmp_path / "out").exists()  # as before the run: it created the folder, then removed it


def test_interrupting_a_parallel_run_stops_running_writers(registry, tmp_path):
    text = spec("a: {use: constant}", "w: {use: write_slowly, input: a, path: slow.bin, steps: 2000}",
                "m: {use: meet, input: a}", "m2: {use: meet, input: a}",
                "h: {use: half_write, input: m, path: half.bin}")
    with pytest.raises(KeyboardInterrupt):
        run(text, registry, tmp_path, workers=3)
    assert not (tmp_path / "out").exists()  # as before the run: it created the folder, then removed it


def test_progress_and_summary_are_reported(registry, tmp_path):
    stream, summary = io.StringIO(), io.StringIO()
    result = run(spec("a: {use: constant}", "s: {use: slow, input: a, steps: 8}"), registry, tmp_path,
                 reporter=ConsoleReporter(stream, summary, live=False))
    log = stream.getvalue()
    assert "[1/2] a (constant)" in log and "[2/2] s (slow)" in log
    assert "s: 4/8 steps (50.0%)" in log  # no unit given: "steps"
    table = summary.getvalue()
    assert "2 nodes in" in table and "wrote 0 files" in table
    assert [line.split()[0] for line in table.splitlines()[3:5]] == [r.name for r in result.records]


def test_summary_lists_each_node_with_its_seconds_outputs_and_warnings(tmp_path):
    # Fixed records, not a run: the table's layout is checked, never a measured time.
    records = [NodeRecord("load", "load", seconds=1.234, outputs_written=[tmp_path / "a.wav"]),
               NodeRecord("gla", "griffinlim", seconds=0.5, warnings=["quiet input"])]
    result = RunResult(values={}, records=records, written=[tmp_path / "a.wav"], seconds=2.0)
    lines = format_summary(result).splitlines()
    assert lines[3].split() == ["load", "load", "1.23", "s", str(tmp_path / "a.wav")]
    assert lines[4].split() == ["gla", "griffinlim", "0.50", "s", "-"]
    assert lines[-1] == "2 nodes in 2.00 s; wrote 1 file; 1 warning"


def test_values_can_be_dropped_as_soon_as_read(registry, tmp_path):
    result = run(spec("a: {use: constant}", "b: {use: add, input: [a]}"), registry, tmp_path,
                 keep_values=False)
    assert result.values == {}


DETERMINISTIC = """\
audiogp: 1
seed: {seed}
nodes:
  voice: {{use: example, name: vowels, duration: 0.3, seed: null}}
  spec:  {{use: stft, input: voice, n_fft: 512, hop_length: 128}}
  wave:  {{use: istft, input: spec}}
  out:   {{use: save, input: wave, path: wave.wav, subtype: FLOAT}}
  arr:   {{use: save_arrays, input: [voice, spec], path: arrays.npz}}
  pic:   {{use: plot, input: spec, path: spec.png, dpi: 40}}
"""


def test_same_spec_and_seed_give_the_same_bytes(tmp_path):
    def digests(folder, seed):
        graph.run_text(DETERMINISTIC.format(seed=seed), out_dir=folder, builtins_only=True)
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}

    first, again = digests(tmp_path / "a", 1), digests(tmp_path / "b", 1)
    assert set(first) == {"wave.wav", "arrays.npz", "spec.png"}
    assert first == again
    other = digests(tmp_path / "c", 2)
    assert other["wave.wav"] != first["wave.wav"]  # the seed reaches the example's noise
