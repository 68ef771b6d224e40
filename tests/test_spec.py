"""Reading YAML specs: positions of every key and value, duplicate keys, safety."""

import pytest

from audiogp.errors import UserError
from audiogp.graph import SpecError, load_spec, parse_spec
from audiogp.graph.validate import parse_override

TEXT = """\
audiogp: 1
seed: 7
nodes:
  voice: {use: example, name: vowels}
  spec:
    use: stft
    input: voice
    window: [kaiser, 8.0]
"""


def position_of(text, needle, occurrence=1):
    """1-based (line, column) of the n-th occurrence of ``needle``, found by plain string search."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def test_data_is_plain_python():
    spec = parse_spec(TEXT)
    assert spec.data == {"audiogp": 1, "seed": 7, "nodes": {
        "voice": {"use": "example", "name": "vowels"},
        "spec": {"use": "stft", "input": "voice", "window": ["kaiser", 8.0]}}}


@pytest.mark.parametrize("path, needle, occurrence", [
    (("seed",), "7", 1),
    (("nodes", "voice", "name"), "vowels", 1),
    (("nodes", "spec", "use"), "stft", 1),
    (("nodes", "spec", "window", 1), "8.0", 1),
    (("nodes", "spec", "input"), "voice", 2),
])
def test_every_value_keeps_its_line_and_column(path, needle, occurrence):
    location = parse_spec(TEXT, source="s.yaml").value_locations[path]
    assert (location.line, location.column) == position_of(TEXT, needle, occurrence)
    assert str(location) == f"s.yaml:{location.line}:{location.column}"


@pytest.mark.parametrize("path, needle, occurrence", [
    (("nodes",), "nodes", 1),
    (("nodes", "spec"), "spec", 1),
    (("nodes", "spec", "window"), "window", 1),
    (("nodes", "voice", "use"), "use", 1),
])
def test_every_key_keeps_its_line_and_column(path, needle, occurrence):
    location = parse_spec(TEXT).key_locations[path]
    assert (location.line, location.column) == position_of(TEXT, needle, occurrence)


def test_duplicate_keys_are_reported_not_overwritten():
    text = "audiogp: 1\nnodes:\n  a: {use: example, sr: 8000, sr: 16000}\n  a: {use: example}\n"
    spec = parse_spec(text, source="d.yaml")
    messages = [str(p) for p in spec.problems]
    assert len(messages) == 2
    line, column = position_of(text, "sr", 2)
    assert messages[0].startswith(f"d.yaml:{line}:{column}: duplicate key 'sr' (first written at line 3)")
    line, column = position_of(text, "a:", 2)
    assert messages[1].startswith(f"d.yaml:{line}:{column}: duplicate node name 'a'")
    assert spec.data["nodes"]["a"]["sr"] == 8000  # the first one is kept


def test_yaml_syntax_errors_are_located():
    with pytest.raises(SpecError) as caught:
        parse_spec("audiogp: 1\nnodes:\n  a: {use: example\n", source="broken.yaml")
    assert str(caught.value).startswith("broken.yaml:")
    assert "not valid YAML" in str(caught.value)


def test_python_tags_are_refused_like_safe_load(tmp_path):
    marker = tmp_path / "pwned"
    text = f"audiogp: 1\nnodes: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(SpecError, match="not valid YAML"):
        parse_spec(text)
    assert not marker.exists()


def test_alias_bombs_are_refused():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefgh":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]")
    with pytest.raises(SpecError, match="more than"):
        parse_spec("\n".join(lines))


def test_merge_keys_work():
    text = "defaults: &d {n_fft: 512}\nnodes:\n  s: {<<: *d, use: stft}\n"
    assert parse_spec(text).data["nodes"]["s"] == {"n_fft": 512, "use": "stft"}


def test_missing_spec_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no such spec file"):
        load_spec(tmp_path / "nope.yaml")


def test_relative_paths_start_at_the_spec_folder(tmp_path):
    path = tmp_path / "sub" / "spec.yaml"
    path.parent.mkdir()
    path.write_text(TEXT)
    assert load_spec(path).folder == path.parent.resolve()


@pytest.mark.parametrize("text, expected", [
    ("spec.n_fft=512", ("spec", "n_fft", 512)),
    ("spec.window=[kaiser, 8]", ("spec", "window", ["kaiser", 8])),
    ("out.path=a b.wav", ("out", "path", "a b.wav")),
    ("x.hop_length=null", ("x", "hop_length", None)),
    ("x.center=false", ("x", "center", False)),
])
def test_overrides_parse_their_value_as_yaml(text, expected):
    assert parse_override(text) == expected


@pytest.mark.parametrize("text", ["n_fft=512", "spec.n_fft", ".x=1"])
def test_malformed_overrides_say_the_form(text):
    with pytest.raises(SpecError, match="NODE.KEY=VALUE"):
        parse_override(text)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_scalars = st.one_of(st.integers(-10**6, 10**6), st.booleans(), st.none(),
                     st.floats(allow_nan=False, allow_infinity=False, width=32), _names)
_documents = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_names, inner, max_size=4)), max_leaves=20)


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, path + (index,))
    else:
        yield path, value


@settings(max_examples=60, deadline=None)
@given(document=st.dictionaries(_names, _documents, min_size=1, max_size=4),
       flow=st.booleans())
def test_any_document_reads_like_safe_load_with_every_leaf_located(document, flow):
    import yaml

    text = yaml.safe_dump(document, default_flow_style=flow, sort_keys=False)
    spec = parse_spec(text)
    assert spec.data == yaml.safe_load(text) and not spec.problems
    lines = text.splitlines()
    for path, value in _leaves(spec.data):
        location = spec.value_locations[path]
        written = lines[location.line - 1][location.column - 1:]
        if isinstance(value, str) and value:
            assert written.startswith((value, f"'{value}", f'"{value}')), (path, written)
        if isinstance(value, bool):
            assert written.lower().startswith(str(value).lower())
