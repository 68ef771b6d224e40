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
