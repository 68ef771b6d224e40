"""Bounded resources: the memory budget, per-node estimates against measured peaks, located refusals,
parameter bounds, and combinations that cannot make sense — all found before anything runs."""

import json
import os
import subprocess
import sys
import textwrap
import tracemalloc

import numpy as np
import pytest

from audiogp import _resources, graph
from audiogp.graph import SpecError, parse_spec
from audiogp.graph.runner import NodeFailed

GIB = 2**30


def check(text, **options):
    return graph.check(parse_spec(text, source="spec.yaml"), builtins_only=True, **options)


def problems(text, **options):
    with pytest.raises(SpecError) as caught:
        check(text, **options)
    return caught.value.problems


# -- sizes and the budget ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("8G", 8 * GIB), ("512M", 512 * 2**20), ("1.5GiB", int(1.5 * GIB)), ("64k", 64 * 1024),
    ("2000000000", 2_000_000_000), ("1T", 2**40), (" 3 gb ", 3 * GIB), ("none", None),
    ("unlimited", None)])
def test_sizes_are_read_in_binary_units(text, expected):
    assert _resources.parse_size(text) == expected


@pytest.mark.parametrize("text", ["8X", "", "-1G", "G", "eight", "0", "1e400000G"[:6] + "Q"])
def test_a_bad_size_is_refused_naming_the_option_and_the_forms(text):
    with pytest.raises(ValueError, match=r"--max-memory.*(8G|one byte)"):
        _resources.parse_size(text)


def test_the_option_overrides_the_environment_which_overrides_the_default(monkeypatch):
    monkeypatch.setenv(_resources.ENV, "3G")
    assert _resources.resolve_budget().bytes == 3 * GIB
    assert _resources.ENV in _resources.resolve_budget().source
    assert _resources.resolve_budget("1G").bytes == GIB
    monkeypatch.delenv(_resources.ENV)
    default = _resources.resolve_budget()
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 0 < default.bytes <= _resources.DEFAULT_FRACTION * physical + 1
    assert "75%" in default.source


def test_a_bad_environment_size_is_a_located_spec_error(monkeypatch):
    monkeypatch.setenv(_resources.ENV, "lots")
    found = problems("audiogp: 1\nnodes: {voice: {use: example}}\n")
    assert "AUDIOGP_MAX_MEMORY='lots' is not a size" in found[0].message


# -- refusals, located --------------------------------------------------------------------------------

LONG_STFT = """\
audiogp: 1
nodes:
  voice: {use: example, name: tones, sr: 22050, duration: 600}
  spec:  {use: stft, input: voice, n_fft: 65536, hop_length: 64}
  wave:  {use: griffinlim, input: spec, n_iter: 4}
"""


def test_a_node_over_the_budget_is_refused_at_its_key_with_estimate_budget_and_remedy():
    found = problems(LONG_STFT, max_memory="1G")
    spec = next(p for p in found if p.node == "spec")
    assert (spec.location.line, spec.key) == (4, "n_fft")
    # 600 s at hop 64: 206719 frames of 32769 bins of complex64, independently of our helper.
    frames = 1 + 600 * 22050 // 64
    assert frames * 32769 * 8 > 50 * GIB
    assert "GiB of memory" in spec.message and "1.0 GiB (--max-memory 1G)" in spec.message
    assert "lower n_fft (now 65536)" in spec.message and "--max-memory SIZE" in spec.message
    assert not [p for p in found if p.node == "wave"]  # its input's facts are unknown now


def test_a_node_is_refused_on_the_facts_of_its_inputs():
    # The STFT fits (12920 frames x 2049 bins x 8 B = 212 MB); Griffin-Lim holds several copies.
    found = problems(LONG_STFT.replace("n_fft: 65536, hop_length: 64", "n_fft: 4096, hop_length: 1024"),
                     max_memory="1G")
    assert [(p.node, p.key) for p in found] == [("wave", "input")]
    assert "more than the memory budget of 1.0 GiB" in found[0].message
    assert found[0].location.line == 5


def test_the_same_spec_passes_with_a_larger_budget_or_none():
    check(LONG_STFT, max_memory="none")
    check(LONG_STFT, max_memory="100T")


def test_validation_allocates_nothing_of_what_it_estimates():
    tracemalloc.start()
    try:
        with pytest.raises(SpecError):
            check(LONG_STFT.replace("n_fft: 65536", "n_fft: 1048576"), max_memory="1G")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20  # the refused node would need terabytes; one window is 8 MiB


def test_cli_max_memory_refuses_and_a_bad_size_is_a_user_error(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(LONG_STFT)
    command = [sys.executable, "-m", "audiogp", "validate", str(spec), "--builtins-only"]
    refused = subprocess.run(command + ["--max-memory", "1G"], capture_output=True, text=True)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "spec.yaml:4:" in refused.stderr and "more than the memory budget" in refused.stderr
    bad = subprocess.run(command + ["--max-memory", "8X"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--max-memory='8X' is not a size" in bad.stderr
    fine = subprocess.run(command + ["--max-memory", "none"], capture_output=True, text=True)
    assert fine.returncode == 0, fine.stderr
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "audiogp", "run", str(spec), "--builtins-only",
                          "--out", str(out), "--max-memory", "1G"], capture_output=True, text=True)
    assert run.returncode == 2 and "more than the memory budget" in run.stderr
    assert not out.exists() and "Traceback" not in run.stderr


def test_run_refuses_before_any_node_runs(tmp_path):
    with pytest.raises(SpecError):
        graph.run(parse_spec(LONG_STFT, source="spec.yaml"), out_dir=tmp_path / "out",
                  builtins_only=True, max_memory="1G")
    assert not (tmp_path / "out").exists()


# -- parameter bounds and impossible combinations -------------------------------------------------

@pytest.mark.parametrize("node, key, value", [
    ("{use: stft, input: voice, n_fft: 1073741824}", "n_fft", "<= 1048576"),
    ("{use: stft, input: voice, win_length: 1073741824}", "win_length", "<= 1048576"),
    ("{use: melspectrogram, input: voice, n_fft: 1073741824}", "n_fft", "<= 1048576"),
    ("{use: griffinlim, input: spec, n_iter: 1000000000000000000000}", "n_iter", "<= 1000000"),
])
def test_parameters_have_sane_maxima(node, key, value):
    text = ("audiogp: 1\nnodes:\n  voice: {use: example, duration: 0.5}\n"
            "  spec: {use: stft, input: voice, n_fft: 512}\n"
            f"  bad: {node}\n")
    found = [p for p in problems(text) if p.node == "bad"]
    assert found[0].key == key and value in found[0].message and found[0].location.line == 5


def test_load_sample_rate_is_bounded_at_5_mhz(tmp_path):
    import soundfile

    soundfile.write(tmp_path / "a.wav", np.zeros(1000, dtype=np.float32), 16000)
    text = "audiogp: 1\nnodes:\n  voice: {use: load, path: a.wav, sr: 2000000000}\n"
    spec = parse_spec(text, source="spec.yaml", folder=tmp_path)
    with pytest.raises(SpecError) as caught:
        graph.check(spec, builtins_only=True)
    problem = caught.value.problems[0]
    assert problem.key == "sr" and "<= 5000000" in problem.message


GP = "audiogp: 1\nnodes:\n  voice: {{use: example, sr: 16000, duration: {duration}}}\n  model: {model}\n"


def test_a_gp_block_longer_than_the_signal_is_refused_at_block_ms():
    found = problems(GP.format(duration=0.5, model="{use: gp_fit, input: voice, block_ms: 1000}"))
    assert found[0].key == "block_ms" and found[0].location.line == 4
    assert "16000 samples, longer than the signal (8000 samples" in found[0].message


def test_more_gp_parameters_than_periodogram_points_is_refused_at_n_components():
    # 50 ms at 16 kHz: 800-sample blocks, 401 frequencies; the sm kernel has 3 parameters each.
    found = problems(GP.format(duration=0.5, model="{use: gp_fit, input: voice, n_components: 134}"))
    assert found[0].key == "n_components"
    assert "403 parameters" in found[0].message and "401 frequencies" in found[0].message
    check(GP.format(duration=0.5, model="{use: gp_fit, input: voice, n_components: 133, "
                    "max_iter: 1}"))


def test_the_checks_also_run_on_the_actual_values(tmp_path):
    """A length not known before running (a plugin source) is checked when the node runs."""
    from audiogp.builtin._memory import gp_fit_sizes
    from audiogp.plugins import Facts, Mismatch
    from audiogp.types import Signal

    facts = Facts.of(Signal(np.zeros(4000, dtype=np.float32), 16000))
    params = {"block_ms": 500.0, "hop_ms": None, "n_components": 2, "kernel_name": "sm"}
    with pytest.raises(Mismatch, match="longer than the signal"):
        gp_fit_sizes(params, {"input": facts, "kernel": Facts()})
    assert NodeFailed  # the runner turns the Mismatch into a located NodeFailed (test_graph_runner)


def test_resampled_length_is_what_soxr_returns():
    import soxr

    from audiogp.builtin._memory import resampled_length

    rng = np.random.default_rng(3)
    for native, target in [(44100, 22050), (16000, 22050), (48000, 16000), (22050, 44100),
                           (11025, 8000)]:
        for n in rng.integers(1, 30000, 4):
            out = soxr.resample(np.zeros(int(n), dtype=np.float32), native, target)
            assert resampled_length(int(n), native, target) == out.shape[0]


# -- estimates against measured peaks -----------------------------------------------------------------

MEASURE = textwrap.dedent("""
    import json, sys, tracemalloc
    import numpy as np
    import soundfile
    from audiogp.plugins import Facts, get_registry
    from audiogp.plugins.context import Context
    from audiogp.types import Signal

    registry = get_registry(builtins_only=True)

    def call(name, inputs, params, measure=True):
        node = registry.node(name)
        full = {p.name: p.default for p in node.params}
        full.update(params)
        full = {k: node.param(k).check(v) for k, v in full.items()}
        values = {p.name: inputs.get(p.name) for p in node.inputs}
        facts = {k: (Facts() if v is None else Facts.of(v)) for k, v in values.items()}
        estimate = node.memory(full, facts)
        estimate = estimate[0] if isinstance(estimate, tuple) else estimate
        tracemalloc.start()
        out = node.function(Context(name), **values, **full)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return out, estimate, peak

    def signal(seconds, sr):
        rng = np.random.default_rng(0)
        return Signal(rng.standard_normal(int(seconds * sr)).astype(np.float32), sr)

    results = {}
    for size in ("warm", "big"):
        for name in ("vowels", "chirp", "tones"):
            _, e, p = call("example", {}, {"name": name, "sr": 16000, "duration": float(sys.argv[1])})
            results["example " + name] = (e, p)
        seconds = 0.3 if size == "warm" else float(sys.argv[1])
        y = signal(seconds, 16000)
        soundfile.write(sys.argv[2], np.stack([y.y, y.y], 1), 44100)
        _, e, p = call("load", {}, {"path": __import__("pathlib").Path(sys.argv[2]), "sr": 16000})
        results["load"] = (e, p)
        S, e, p = call("stft", {"input": y}, {"n_fft": 1024, "hop_length": 256})
        results["stft"] = (e, p)
        _, e, p = call("griffinlim", {"input": S}, {"n_iter": 2})
        results["griffinlim"] = (e, p)
        _, e, p = call("envelope", {"input": y}, {"frame_length": 160})
        results["envelope"] = (e, p)
        fit, e, p = call("gp_fit", {"input": y}, {"n_components": 24 if size == "big" else 2,
                                                  "max_iter": 2})
        results["gp_fit"] = (e, p)
        _, e, p = call("gp_synthesize", {"fit": fit}, {})
        results["gp_synthesize"] = (e, p)
    print(json.dumps(results))
""")


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    folder = tmp_path_factory.mktemp("measure")
    script = folder / "measure.py"
    script.write_text(MEASURE)
    done = subprocess.run([sys.executable, str(script), "6", str(folder / "stereo.wav")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("node", ["example vowels", "example chirp", "example tones", "load", "stft", "griffinlim", "envelope", "gp_fit",
                                  "gp_synthesize"])
def test_estimates_are_within_a_factor_of_two_of_the_measured_peak(measured, node):
    estimate, peak = measured[node]
    assert estimate is not None
    assert 0.5 <= estimate / peak <= 2.0, (node, estimate, peak)


# -- long inputs ------------------------------------------------------------------------------------

def test_pooling_for_plots_matches_a_plain_loop():
    from audiogp.builtin.plot import _pool

    x = np.random.default_rng(1).standard_normal((3, 1001))
    pooled = _pool(x, 7, np.max)
    expected = np.stack([[row[i:i + 7].max() for i in range(0, 1001, 7)] for row in x])
    np.testing.assert_array_equal(pooled, expected)


@pytest.mark.parametrize("kind", ["spectrogram", "signal"])
def test_a_long_input_is_plotted_in_memory_bounded_by_the_picture(tmp_path, kind):
    import matplotlib.image

    from audiogp.plugins import get_registry
    from audiogp.plugins.context import Context
    from audiogp.types import ComplexSpectrogram, Signal, StftGeometry

    rng = np.random.default_rng(2)
    if kind == "signal":
        value = Signal(rng.standard_normal(4_000_000).astype(np.float32), 16000)
    else:
        geometry = StftGeometry(sr=16000, n_fft=256, hop_length=64, win_length=256,
                                window="hann", center=True, length=64 * 39_999)
        S = (rng.standard_normal((129, 40_000)) + 1j).astype(np.complex64)
        value = ComplexSpectrogram(S, geometry)
    node = get_registry(builtins_only=True).node("plot")
    params = {p.name: p.default for p in node.params}
    params.update(path=tmp_path / "p.png", dpi=50, width=4.0, height=3.0)
    tracemalloc.start()
    node.function(Context("p", out_dir=tmp_path), input=value, **params)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    data = value.y.nbytes if kind == "signal" else value.S.nbytes
    assert peak < 2.5 * data  # the drawing holds ~400 columns, not one per frame or sample
    assert matplotlib.image.imread(tmp_path / "p.png").shape[:2] == (150, 200)
