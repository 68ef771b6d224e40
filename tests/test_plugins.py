"""Plugin discovery, declarations, the registry, and the `audiogp plugins` / `audiogp nodes` commands."""

import os
import subprocess
import sys
import textwrap
from importlib import metadata

import pytest

from audiogp.plugins import DeclarationError, NodeType, Param, Port
from audiogp.plugins.manager import load_registry
from audiogp.types import Signal

GOOD_PLUGIN = '''
from audiogp.plugins import NodeType, Param, Port, hookimpl
from audiogp.types import Signal

def gain(ctx, *, input, factor):
    """Scale a signal."""
    return Signal(input.y * factor, input.sr)

@hookimpl
def register_transforms(register):
    register(NodeType("{node}", gain, inputs=[Port("input", Signal)],
                      outputs=[Port("signal", Signal)], params=[Param("factor", float, 2.0)]))
'''


def make_dist(site, dist, module, code, *, version="1.2.3", entry_point=None):
    """Install a one-module plugin distribution into ``site`` (a folder put on sys.path)."""
    site.mkdir(exist_ok=True)
    sys.modules.pop(module, None)  # an earlier test may have imported another module of that name
    (site / f"{module}.py").write_text(textwrap.dedent(code))
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[audiogp]\n{entry_point or module} = {module}\n")
    return site


def registry_from(site, monkeypatch, allowed=None):
    monkeypatch.syspath_prepend(str(site))
    entry_points = [ep for dist in metadata.distributions(path=[str(site)])
                    for ep in dist.entry_points if ep.group == "audiogp"]
    return load_registry(allowed, entry_points=entry_points)


def run_cli(*args, site=None, env=None):
    environment = dict(os.environ, **(env or {}))
    if site is not None:
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(site)] + [p for p in [environment.get("PYTHONPATH")] if p])
    return subprocess.run([sys.executable, "-m", "audiogp", *args], capture_output=True,
                          text=True, env=environment)


# -- declarations -------------------------------------------------------------------------------

def _identity(ctx, *, input):
    return input


def test_node_type_summary_comes_from_the_docstring():
    def documented(ctx, *, input):
        """First line.

        More."""
    node = NodeType("documented", documented, inputs=[Port("input", Signal)])
    assert node.doc == "First line."


@pytest.mark.parametrize("make, word", [
    (lambda: NodeType("bad name", _identity, inputs=[Port("input", Signal)]), "identifier"),
    (lambda: NodeType("n", _identity, inputs=[Port("input", Signal)],
                      params=[Param("input", int, 1)]), "declared twice"),
    (lambda: NodeType("n", _identity, inputs=[Port("input", Signal)],
                      params=[Param("missing", int, 1)]), "does not accept missing"),
    (lambda: NodeType("n", lambda ctx, *, input, extra: None, inputs=[Port("input", Signal)]),
     "requires extra"),
    (lambda: NodeType("n", lambda ctx, *, use: None, params=[Param("use", str, "")]), "reserved"),
    (lambda: Param("p", complex, 1), "type"),
    (lambda: NodeType("n", _identity, inputs=[Port("input", Signal)], kind="magic"), "kind"),
])
def test_declaration_mistakes_are_caught_when_declared(make, word):
    with pytest.raises(DeclarationError, match=word):
        make()


@pytest.mark.parametrize("param, value, expected", [
    (Param("n", int, 1, minimum=1), 4, 4),
    (Param("x", float, 1.0), 3, 3.0),
    (Param("w", (str, list), "hann"), ["kaiser", 8], ["kaiser", 8]),
    (Param("o", int, None), None, None),
])
def test_param_check_converts_valid_values(param, value, expected):
    converted = param.check(value)
    assert converted == expected and type(converted) is type(expected)


@pytest.mark.parametrize("param, value, words", [
    (Param("n", int, 1, minimum=1), 0, ["integer >= 1", "got 0"]),
    (Param("n", int, 1), True, ["integer", "boolean"]),
    (Param("n", int, 1), 2.5, ["integer", "2.5"]),
    (Param("x", float, 1.0, exclusive_maximum=1), 1, ["< 1"]),
    (Param("m", str, "a", choices=("constant", "reflect")), "reflct", ["Did you mean 'reflect'"]),
    (Param("n", int, 1), None, ["got null"]),
])
def test_param_check_says_what_was_expected(param, value, words):
    with pytest.raises(ValueError) as caught:
        param.check(value)
    for word in words:
        assert word in str(caught.value)


# -- the registry -------------------------------------------------------------------------------

def test_builtins_register_through_the_hooks_with_their_kinds():
    registry = load_registry(set())
    nodes = registry.node_types
    assert {"load", "save", "save_arrays", "plot", "metrics_json", "example", "stft",
            "istft"} <= set(nodes)
    assert nodes["stft"].kind == "analysis" and nodes["istft"].kind == "inversion"
    assert nodes["load"].kind == "source" and nodes["save"].kind == "sink"
    assert registry.node_plugin("stft").distribution == "audiogp"
    assert "Signal" in registry.value_types


def test_third_party_plugin_is_discovered_through_its_entry_point(tmp_path, monkeypatch):
    site = make_dist(tmp_path / "site", "audiogp-gain", "audiogp_gain", GOOD_PLUGIN.format(node="gain"))
    registry = registry_from(site, monkeypatch)
    assert registry.node("gain").kind == "transform"
    info = registry.node_plugin("gain")
    assert (info.distribution, info.version) == ("audiogp-gain", "1.2.3")


def test_broken_plugin_is_reported_with_its_distribution_and_the_others_load(tmp_path, monkeypatch):
    site = tmp_path / "site"
    make_dist(site, "audiogp-gain", "audiogp_gain", GOOD_PLUGIN.format(node="gain"))
    make_dist(site, "audiogp-broken", "audiogp_broken", "import no_such_module_anywhere\n")
    registry = registry_from(site, monkeypatch)
    assert "gain" in registry.node_types
    (broken,) = registry.broken
    assert broken.distribution == "audiogp-broken"
    assert "no_such_module_anywhere" in broken.error


def test_misspelt_hook_fails_loudly(tmp_path, monkeypatch):
    code = GOOD_PLUGIN.format(node="gain").replace("register_transforms", "register_transfroms")
    site = make_dist(tmp_path / "site", "audiogp-typo", "audiogp_typo", code)
    registry = registry_from(site, monkeypatch)
    (broken,) = registry.broken
    assert "register_transfroms" in broken.error and "gain" not in registry.node_types


def test_hook_with_a_wrong_argument_name_fails_loudly(tmp_path, monkeypatch):
    code = GOOD_PLUGIN.format(node="gain").replace("register_transforms(register)",
                                                   "register_transforms(registrar)")
    site = make_dist(tmp_path / "site", "audiogp-args", "audiogp_args", code)
    (broken,) = registry_from(site, monkeypatch).broken
    assert "registrar" in broken.error


def test_failing_hook_drops_the_whole_plugin(tmp_path, monkeypatch):
    code = GOOD_PLUGIN.format(node="gain") + textwrap.dedent('''
        @hookimpl
        def register_sinks(register):
            register("not a node type")
        ''')
    site = make_dist(tmp_path / "site", "audiogp-half", "audiogp_half", code)
    registry = registry_from(site, monkeypatch)
    assert "gain" not in registry.node_types
    assert "NodeType" in registry.broken[0].error


def test_duplicate_node_names_are_a_conflict_naming_both_distributions(tmp_path, monkeypatch):
    site = tmp_path / "site"
    make_dist(site, "audiogp-one", "audiogp_one", GOOD_PLUGIN.format(node="gain"))
    make_dist(site, "audiogp-two", "audiogp_two", GOOD_PLUGIN.format(node="gain"))
    make_dist(site, "audiogp-stft", "audiogp_stft", GOOD_PLUGIN.format(node="stft"))
    registry = registry_from(site, monkeypatch)
    assert "gain" not in registry.node_types and "stft" not in registry.node_types
    assert [p.distribution for p in registry.conflict("node type", "gain")] == ["audiogp-one", "audiogp-two"]
    assert [p.distribution for p in registry.conflict("node type", "stft")] == ["audiogp", "audiogp-stft"]

    from audiogp import graph
    from audiogp.graph import SpecError

    with pytest.raises(SpecError) as caught:
        graph.check(graph.parse_spec("audiogp: 1\nnodes:\n  g: {use: gain}\n"), registry=registry)
    assert "audiogp-one" in str(caught.value) and "audiogp-two" in str(caught.value)


def test_allow_list_and_builtins_only(tmp_path, monkeypatch):
    site = tmp_path / "site"
    make_dist(site, "audiogp-one", "audiogp_one", GOOD_PLUGIN.format(node="one"))
    make_dist(site, "audiogp-two", "audiogp_two", GOOD_PLUGIN.format(node="two"))
    only_two = registry_from(site, monkeypatch, allowed={"audiogp-two"})
    assert "two" in only_two.node_types and "one" not in only_two.node_types
    assert [p.distribution for p in only_two.disabled] == ["audiogp-one"]
    none = registry_from(site, monkeypatch, allowed=set())
    assert not {"one", "two"} & set(none.node_types) and "stft" in none.node_types


def test_allow_list_comes_from_the_environment(monkeypatch):
    from audiogp.plugins.manager import allow_list_from_env

    monkeypatch.setenv("AUDIOGP_PLUGINS", "audiogp-yin, Other_Plugin")
    assert allow_list_from_env() == {"audiogp-yin", "other-plugin"}
    monkeypatch.setenv("AUDIOGP_PLUGINS", "builtin")
    assert allow_list_from_env() == set()
    monkeypatch.delenv("AUDIOGP_PLUGINS")
    assert allow_list_from_env() is None


def test_a_value_type_name_cannot_be_taken_over(tmp_path, monkeypatch):
    code = GOOD_PLUGIN.format(node="gain") + textwrap.dedent('''
        class Signal:
            pass

        @hookimpl
        def register_value_types(register):
            register(Signal)
        ''')
    site = make_dist(tmp_path / "site", "audiogp-rogue", "audiogp_rogue", code)
    registry = registry_from(site, monkeypatch)
    assert "stft" in registry.node_types and "gain" not in registry.node_types
    (broken,) = registry.broken
    assert broken.distribution == "audiogp-rogue"
    assert "'Signal' is already registered by audiogp (audiogp.builtin.types)" in broken.error


def test_node_using_an_unregistered_value_type_is_dropped_and_reported():
    from audiogp.plugins import hookimpl

    class Plugin:
        @hookimpl
        def register_analysis(self, register):
            register(NodeType("needs_fit", _identity, inputs=[Port("input", "KernelFitX")]))

    registry = load_registry(set(), plugins=[Plugin()])
    assert "needs_fit" not in registry.node_types
    assert "KernelFitX" in registry.problems[0][1]


def test_plugins_can_register_value_types_lazily_and_kernels():
    from audiogp.plugins import ValueType, hookimpl

    class Plugin:
        @hookimpl
        def register_value_types(self, register):
            register(ValueType("Lazy", "fractions:Fraction", "a lazily imported class"))

        @hookimpl
        def register_kernels(self, register):
            register("my_kernel", {"expression": "exp(-r**2)"})

    registry = load_registry(set(), plugins=[Plugin()])
    from fractions import Fraction

    assert registry.is_instance(Fraction(1, 2), ("Lazy",))
    assert registry.kernel("my_kernel") == {"expression": "exp(-r**2)"}
    with pytest.raises(KeyError, match="my_kernel"):
        registry.kernel("my_kernell")


# -- the commands -------------------------------------------------------------------------------

def test_plugins_command_lists_distributions_versions_and_failures(tmp_path):
    site = tmp_path / "site"
    make_dist(site, "audiogp-gain", "audiogp_gain", GOOD_PLUGIN.format(node="gain"))
    make_dist(site, "audiogp-broken", "audiogp_broken", "raise RuntimeError('boom at import')\n")
    result = run_cli("plugins", site=site)
    assert result.returncode == 0, result.stderr
    assert "audiogp-gain 1.2.3" in result.stdout and "node types: gain" in result.stdout
    assert "audiogp.builtin.stft" in result.stdout
    assert "audiogp-broken 1.2.3" in result.stdout and "boom at import" in result.stdout

    nodes = run_cli("nodes", site=site)
    assert nodes.returncode == 0
    assert "gain" in nodes.stdout and "[audiogp-gain]" in nodes.stdout
    assert "audiogp-broken" in nodes.stderr  # a warning, not a failure

    builtins = run_cli("nodes", "--builtins-only", site=site)
    assert "gain" not in builtins.stdout.split()
    env_builtins = run_cli("plugins", site=site, env={"AUDIOGP_PLUGINS": "builtin"})
    assert "installed but not loaded" in env_builtins.stdout


def test_nodes_command_documents_a_node_from_its_schema():
    result = run_cli("nodes", "stft")
    assert result.returncode == 0
    from audiogp.builtin.stft import STFT

    for param in STFT.params:
        assert param.name in result.stdout and param.doc in result.stdout
    assert "default 2048" in result.stdout and "ComplexSpectrogram" in result.stdout
    assert "kind: analysis" in result.stdout


def test_nodes_command_suggests_near_misses():
    result = run_cli("nodes", "stfft", env={"AUDIOGP_PLUGINS": "builtin"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Did you mean 'stft'" in result.stderr


def test_a_bug_in_a_node_is_an_internal_error_with_traceback(tmp_path):
    code = '''
    from audiogp.plugins import NodeType, Port, hookimpl
    from audiogp.types import Signal

    def crash(ctx, *, input):
        return 1 / 0

    @hookimpl
    def register_transforms(register):
        register(NodeType("crash", crash, inputs=[Port("input", Signal)], outputs=[Port("s", Signal)]))
    '''
    site = make_dist(tmp_path / "site", "audiogp-crash", "audiogp_crash", code)
    spec = tmp_path / "spec.yaml"
    spec.write_text("audiogp: 1\nnodes:\n  v: {use: example, duration: 0.1}\n  c: {use: crash, input: v}\n")
    result = run_cli("run", str(spec), "--out", str(tmp_path / "out"), site=site)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "ZeroDivisionError" in result.stderr
    assert "in node 'c' (crash)" in result.stderr


def test_interrupted_run_exits_130_and_leaves_no_output(tmp_path):
    import signal

    code = '''
    import time
    from audiogp.plugins import NodeType, OutputFile, Param, Port, hookimpl
    from audiogp.types import Signal

    def crawl(ctx, *, input, path):
        with ctx.output(path) as temporary:
            temporary.write_bytes(b"partial")
            for step in range(8000):
                ctx.progress(step, 8000)
                time.sleep(0.001)

    @hookimpl
    def register_sinks(register):
        register(NodeType("crawl", crawl, inputs=[Port("input", Signal)],
                          params=[Param("path", OutputFile)]))
    '''
    site = make_dist(tmp_path / "site", "audiogp-crawl", "audiogp_crawl", code)
    spec = tmp_path / "spec.yaml"
    spec.write_text("audiogp: 1\nnodes:\n  v: {use: example, name: tones, duration: 0.1}\n"
                    "  c: {use: crawl, input: v, path: slow.bin}\n")
    out = tmp_path / "out"
    environment = dict(os.environ, PYTHONPATH=str(site))
    process = subprocess.Popen([sys.executable, "-m", "audiogp", "run", str(spec), "--out", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    for line in process.stderr:
        if "c: 2000/8000 steps (25.0%)" in line:  # the node is writing
            break
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not out.exists()  # as before the run, which had created it
