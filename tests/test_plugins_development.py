"""Loading plugins that are not installed: --plugin MODULE and --plugins-dir DIR."""

import os
import subprocess
import sys
import textwrap

import pytest

from audiogp.plugins.development import PluginLoadError, load_development_plugins

PLUGIN = '''
from audiogp.plugins import NodeType, Param, Port, hookimpl
from audiogp.types import Signal


def gain(ctx, *, input, factor):
    """Scale a signal ({name})."""
    return input.replace(y=input.y * factor)


@hookimpl
def register_node_types(register):
    register(NodeType("{node}", gain, kind="transform", inputs=[Port("input", Signal)],
                      outputs=[Port("signal", Signal)], params=[Param("factor", float, 2.0)]))
'''

SPEC = "audiogp: 1\nnodes:\n  v: {use: example, duration: 0.1}\n  g: {use: %s, input: v, factor: 3}\n"


def write_module(folder, name, node, code=PLUGIN):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(code).format(name=name, node=node))
    sys.modules.pop(name, None)
    return path


def cli(*args, cwd=None, site=None):
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-m", "audiogp", *args], capture_output=True, text=True,
                          cwd=cwd, env=env)


def test_a_module_by_path_and_a_folder_of_modules_are_loaded(tmp_path):
    path = write_module(tmp_path / "one", "dev_gain_one", "dev_gain_one")
    write_module(tmp_path / "many", "dev_gain_two", "dev_gain_two")
    write_module(tmp_path / "many", "_private_helper", "unused")
    package = tmp_path / "many" / "dev_gain_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .nodes import register_node_types  # noqa: F401\n")
    (package / "nodes.py").write_text(PLUGIN.format(name="pkg", node="dev_gain_pkg"))
    plugins = load_development_plugins([str(path)], [tmp_path / "many"])
    assert [p.name for p in plugins] == ["dev_gain_one", "dev_gain_pkg", "dev_gain_two"]
    assert plugins[0].origin == f"--plugin {path}: {path.resolve()}"
    assert plugins[2].origin.startswith(f"--plugins-dir {tmp_path / 'many'}: ")

    from audiogp.plugins.manager import load_registry

    registry = load_registry(set(), development=plugins)
    assert {"dev_gain_one", "dev_gain_two", "dev_gain_pkg"} <= set(registry.node_types)
    assert registry.node_plugin("dev_gain_pkg").distribution == "<development>"


def test_a_module_name_is_found_on_the_path_or_in_the_current_folder(tmp_path, monkeypatch):
    write_module(tmp_path / "src", "dev_gain_src", "dev_gain_src")
    monkeypatch.chdir(tmp_path)  # a plugin distribution being worked on: src/NAME
    (plugin,) = load_development_plugins(["dev_gain_src"])
    assert plugin.module.__file__ == str((tmp_path / "src" / "dev_gain_src.py").resolve())


@pytest.mark.parametrize("given, words", [
    ("no_such_plugin_module", ["no module 'no_such_plugin_module' is importable", "src/no_such_plugin_module/"]),
    ("./missing.py", ["no such .py file or package folder"]),
    ("not a name", ["neither a module name nor the path"]),
])
def test_a_plugin_that_cannot_be_found_is_named(tmp_path, monkeypatch, given, words):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PluginLoadError) as caught:
        load_development_plugins([given])
    for word in words:
        assert word in str(caught.value)


def test_a_plugin_that_fails_to_import_says_where(tmp_path):
    path = tmp_path / "dev_broken.py"
    path.write_text("import math\n\nVALUE = math.sqrt(-1)\n")
    with pytest.raises(PluginLoadError) as caught:
        load_development_plugins([str(path)])
    message = str(caught.value)
    assert "failed to import: ValueError: math domain error" in message and f"{path}:3" in message
    assert "dev_broken" not in sys.modules
    with pytest.raises(PluginLoadError, match="is not a folder"):
        load_development_plugins(dirs=[path])


def test_the_cli_runs_validates_and_lists_with_a_development_plugin(tmp_path):
    path = write_module(tmp_path / "plugins", "dev_gain_cli", "dev_gain_cli")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC % "dev_gain_cli")
    for command in (["validate", str(spec)], ["graph", str(spec)],
                    ["run", str(spec), "--out", str(tmp_path / "out"), "--quiet"]):
        result = cli(*command, "--plugin", str(path))
        assert result.returncode == 0, (command, result.stderr)
    listed = cli("plugins", "--plugins-dir", str(tmp_path / "plugins"))
    assert f"dev_gain_cli  [<development>: --plugins-dir {tmp_path / 'plugins'}: {path}]" in listed.stdout
    documented = cli("nodes", "dev_gain_cli", "--plugin", str(path))
    assert "provided by <development> (dev_gain_cli)" in documented.stdout
    without = cli("validate", str(spec))
    assert without.returncode == 2 and "unknown node type 'dev_gain_cli'" in without.stderr


def test_the_cli_refuses_a_development_plugin_that_does_not_load(tmp_path):
    missing = cli("validate", "whatever.yaml", "--plugin", "no_such_plugin_module", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "--plugin no_such_plugin_module: no module" in missing.stderr
    bad = tmp_path / "dev_bad_hooks.py"
    bad.write_text("from audiogp.plugins import hookimpl\n\n@hookimpl\ndef register_node_typs(register):\n"
                   "    pass\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC % "gain")
    result = cli("validate", str(spec), "--plugin", str(bad))
    assert result.returncode == 2 and "register_node_typs" in result.stderr
    listed = cli("plugins", "--plugin", str(bad))
    assert listed.returncode == 0 and "failed to load" in listed.stdout


def test_a_development_copy_replaces_the_installed_plugin(tmp_path):
    from plugin_install import install_plugin

    site = install_plugin("audiogp-yin", tmp_path / "installed")
    copy = tmp_path / "work" / "audiogp_yin"
    import shutil

    shutil.copytree(site / "audiogp_yin", copy)
    result = cli("plugins", "--plugin", str(copy), site=site)
    assert result.returncode == 0, result.stderr
    assert f"audiogp_yin  [<development>: --plugin {copy}: {copy / '__init__.py'}]" in result.stdout
    assert "installed but replaced by a development copy:\n  yin  [audiogp-yin" in result.stdout
    assert "conflicts" not in result.stdout
