"""docs/plugins.md documents every hook, with the hookspec's exact signature."""

import inspect
import re
from pathlib import Path

from audiogp.plugins import hookspecs

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
HEADING = re.compile(r"^###\s+`(register_\w+|\w+)\((.*?)\)`\s*$", re.MULTILINE)


def hookspec_signatures():
    return {name: str(inspect.signature(function))[1:-1]
            for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
            if hasattr(function, "audiogp_spec")}


def documented_signatures():
    return {name: arguments for name, arguments in HEADING.findall(DOCS.read_text())}


def test_every_hook_is_documented_with_its_signature():
    specs = hookspec_signatures()
    assert specs, "no hookspecs found"
    documented = documented_signatures()
    for name, arguments in specs.items():
        assert name in documented, f"docs/plugins.md has no '### `{name}({arguments})`' section"
        assert documented[name] == arguments, (
            f"docs/plugins.md documents {name}({documented[name]}), the hookspec is {name}({arguments})")


def test_every_documented_hook_exists():
    specs = hookspec_signatures()
    for name in documented_signatures():
        assert name in specs, f"docs/plugins.md documents {name}, which is not a hook"


def test_every_hookspec_has_a_docstring_naming_its_register_call():
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(function, "audiogp_spec"):
            assert "register(" in (function.__doc__ or ""), name


# -- the rest of the page: version, signatures, facts, harness, commands, the first example ------

import dataclasses  # noqa: E402
import json  # noqa: E402
import types  # noqa: E402

import pytest  # noqa: E402

TEXT = DOCS.read_text()


def signature(cls):
    parts = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            parts.append(f.name)
            continue
        default = f.default
        shown = (json.dumps(default) if isinstance(default, str) else
                 default.__name__ if isinstance(default, type) else repr(default))
        parts.append(f"{f.name}={shown}")
    return f"{cls.__name__}({', '.join(parts)})"


def test_the_page_states_the_api_version():
    from audiogp.plugins import API_VERSION

    major, minor = API_VERSION
    assert f"**plugin API {major}.{minor}** (`audiogp.plugins.API_VERSION == ({major}, {minor})`)" in TEXT
    assert f"| {major}.{minor} |" in TEXT


@pytest.mark.parametrize("name", ["NodeType", "Param", "Port", "ValueType"])
def test_declarations_are_documented_with_their_exact_signatures(name):
    import audiogp.plugins

    assert f"`{signature(getattr(audiogp.plugins, name))}`" in TEXT


def test_the_facts_table_is_what_the_built_in_values_carry():
    from audiogp.types import BUILTIN_VALUE_TYPES

    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|$", TEXT, re.MULTILINE))
    for cls in BUILTIN_VALUE_TYPES:
        documented = rows[cls.__name__].strip()
        assert documented == (", ".join(cls.fact_names()) or "(none)"), cls.__name__


def test_every_name_of_the_harness_is_documented():
    import audiogp.testing

    for name in audiogp.testing.__all__ + ["spec_runner", "audiogp_plugins", "example_signal"]:
        assert f"`{name}" in TEXT or f" {name}`" in TEXT or f"`{name}(" in TEXT, name


def test_the_commands_documented_exist():
    from audiogp.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert "new-plugin" in commands and "audiogp new-plugin loudness" in TEXT
    for command in ("run", "validate", "graph", "nodes", "plugins"):
        options = {o for action in commands[command]._actions for o in action.option_strings}
        assert {"--plugin", "--plugins-dir"} <= options, command
    assert "--plugin" in TEXT and "--plugins-dir DIR" in TEXT


def test_the_first_example_runs_and_says_what_the_page_says(tmp_path):
    from audiogp.graph import SpecError
    from audiogp.testing import run_spec

    marker = "<!-- test: the plugin example -->\n```python\n"
    code = TEXT.split(marker, 1)[1].split("```", 1)[0]
    module = types.ModuleType("docs_gain_example")
    exec(compile(code, "docs/plugins.md", "exec"), module.__dict__)
    spec = TEXT.split(marker, 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    run = run_spec(spec, plugins=[module], folder=tmp_path, out_dir=tmp_path / "out")
    import numpy as np

    np.testing.assert_allclose(run["louder"].y, run["voice"].y * 10 ** (6 / 20), rtol=1e-6)
    assert run.facts("louder") == run.facts("voice")
    with pytest.raises(SpecError) as caught:
        run_spec(spec.replace("db: 6", "db: 60"), plugins=[module], folder=tmp_path,
                 out_dir=tmp_path / "out2")
    assert "expected a number >= -120 and <= 40, got 60" in str(caught.value)
    assert "(`expected a number >= -120 and <= 40, got 60`)" in TEXT


def test_the_ceremony_figures_are_those_the_script_prints():
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "plugin_ceremony.py"
    spec = importlib.util.spec_from_file_location("plugin_ceremony", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    counts = script.count(Path(__file__).resolve().parent.parent / "plugins" / "audiogp-lpc" / "src"
                          / "audiogp_lpc" / "__init__.py")
    table = TEXT.split("| `plugins/audiogp-lpc/src/audiogp_lpc/__init__.py` | API 1.0 | API 1.1 |")[1]
    after = [row.split("|")[3].strip().split(" ")[0] for row in table.strip().splitlines()[1:6]]
    assert after == [str(counts[k]) for k in ("code lines", "hook functions", "infer functions",
                                               "output facts copied by hand", "raise ParameterError")]
