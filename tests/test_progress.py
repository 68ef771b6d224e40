"""Progress in real units: what long nodes report, and how the console shows it (rate, time left)."""

import io
import math

import pytest

from audiogp import graph
from audiogp.graph import parse_spec
from audiogp.graph.report import ConsoleReporter
from audiogp.graph.runner import Reporter


class Events(Reporter):
    """Collects every progress event: ``{node: [(done, total, unit), ...]}``."""

    def __init__(self):
        self.events = {}

    def node_progress(self, name, done, total, unit=None):
        self.events.setdefault(name, []).append((done, total, unit))


def run(text, tmp_path, reporter):
    return graph.run(parse_spec(text, source="spec.yaml"), out_dir=tmp_path / "out",
                     builtins_only=True, reporter=reporter, workers=1)


SPEC = """\
audiogp: 1
nodes:
  voice: {use: example, name: vowels, sr: 8000, duration: 0.5}
  env:   {use: envelope, input: voice, frame_length: 80}
  model: {use: gp_fit, input: voice, n_components: 2, block_ms: 40, hop_ms: 20, max_iter: 3}
  synth: {use: gp_synthesize, fit: model}
  spec:  {use: stft, input: voice, n_fft: 256, hop_length: 64}
  wave:  {use: griffinlim, input: spec, init: pghi, n_iter: 5}
  phase: {use: pghi, input: spec}
  image: {use: plot, input: spec, path: s.png, width: 2, height: 1.5, dpi: 40}
"""


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    reporter = Events()
    result = run(SPEC, tmp_path_factory.mktemp("progress"), reporter)
    reporter.fit = result.values["model"]["fit"]
    return reporter


def test_griffinlim_reports_iterations_from_zero_before_the_pghi_start(events):
    wave = events.events["wave"]
    assert wave[0] == (0, 5, "iterations")
    assert [e[0] for e in wave] == [0, 1, 2, 3, 4, 5]
    assert {e[1:] for e in wave} == {(5, "iterations")}


def test_gp_fit_reports_iterations_naming_the_blocks_it_fits(events):
    model = events.events["model"]
    blocks = math.ceil(4000 / 160)  # 0.5 s at 8 kHz, hop 20 ms = 160 samples
    assert model[0] == (0, 3, f"iterations over {blocks} blocks")
    assert all(unit == f"iterations over {blocks} blocks" and total == 3
               for _, total, unit in model)
    assert events.fit.n_blocks == blocks


def test_gp_synthesize_reports_blocks_up_to_all_of_them(events):
    synth = events.events["synth"]
    assert all(unit == "blocks" for _, _, unit in synth)
    done = [d for d, _, _ in synth]
    assert done == sorted(done) and done[-1] == synth[-1][1]
    assert synth[-1][1] >= events.fit.n_blocks  # blocks of one hop, covering every sample


@pytest.mark.parametrize("node, total, unit", [("env", 2, "stages"), ("image", 2, "stages"),
                                               ("phase", 1, "spectrograms")])
def test_single_call_nodes_report_their_stages(events, node, total, unit):
    reported = events.events[node]
    assert reported[0] == (0, total, unit)
    assert {e[1:] for e in reported} == {(total, unit)}


def test_a_reporter_written_before_units_still_works(tmp_path):
    class Old(Reporter):
        def __init__(self):
            self.seen = []

        def node_progress(self, name, done, total):
            self.seen.append((name, done, total))

    old = Old()
    run("audiogp: 1\nnodes:\n  v: {use: example, duration: 0.2, sr: 8000}\n"
        "  s: {use: stft, input: v, n_fft: 256}\n  w: {use: griffinlim, input: s, n_iter: 2}\n",
        tmp_path, old)
    assert old.seen == [("w", 0, 2), ("w", 1, 2), ("w", 2, 2)]


# -- the console -------------------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_console_shows_units_rate_and_time_left():
    clock = Clock()
    console = ConsoleReporter(io.StringIO(), io.StringIO(), live=False, clock=clock)
    console.node_started("model", "gp_fit")
    console.node_progress("model", 0, 24011, "blocks")
    clock.now += 10  # 1200 blocks in 10 s: 120 blocks/s, 22811 left: 190 s
    assert console.progress_text("model", 1200, 24011, "blocks") == (
        "model: 1200/24011 blocks (5.0%), 120 blocks/s, 3 min 10 s left")
    clock.now += 7200
    text = console.progress_text("model", 1201, 1000000, "iterations over 9 blocks")
    assert "iterations/s" in text and " h " in text


def test_console_log_lines_are_sparse_quarters_and_periodic():
    clock = Clock()
    stream = io.StringIO()
    console = ConsoleReporter(stream, io.StringIO(), live=False, clock=clock, log_every=30)
    console.node_started("wave", "griffinlim")
    for done in range(0, 1001):
        clock.now += 0.01
        console.node_progress("wave", done, 1000, "iterations")
    lines = [line for line in stream.getvalue().splitlines() if "wave:" in line]
    assert [line.split()[1] for line in lines] == ["250/1000", "500/1000", "750/1000"]
    clock.now += 31
    console.node_progress("wave", 999, 1000, "iterations")  # half a minute without a line
    assert stream.getvalue().splitlines()[-1].split()[1] == "999/1000"


def test_console_updates_one_line_in_place_on_a_terminal():
    clock = Clock()
    stream = io.StringIO()
    console = ConsoleReporter(stream, io.StringIO(), live=True, clock=clock)
    console.node_started("wave", "griffinlim")
    for done in range(5):
        clock.now += 1
        console.node_progress("wave", done, 4, "iterations")
    output = stream.getvalue()
    assert output.count("\r\033[K      wave: ") == 5 and "\n      wave:" not in output
    assert "4/4 iterations (100.0%)" in output
