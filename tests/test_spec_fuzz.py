"""Property-based fuzz of the spec loader and validator: never a traceback, never an unlocated error.

Three sources of documents: random text over YAML's punctuation and a spec's
words; random plain-data documents shaped like specs (dumped with PyYAML);
and mutations of the shipped examples (lines dropped, duplicated, swapped,
cut short; values and keys replaced by odd ones). Each goes through
``load_spec`` and ``validate`` as ``audiogp validate`` does: the outcome
must be a runnable graph, or a :class:`SpecError` every problem of which
names a file, line and column.

Bounded for CI (``MAX_EXAMPLES`` per test, derandomised by conftest's
profile); ``HYPOTHESIS_PROFILE=long`` runs 25 times as many, with fresh
random draws.
"""

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiogp.errors import UserError
from audiogp.graph.spec import SpecError, load_spec
from audiogp.graph.validate import validate
from audiogp.plugins import get_registry

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
MAX_EXAMPLES = 5000 if LONG else 200
DOCUMENT_EXAMPLES = 2500 if LONG else 100  # drawing nested documents is slow: fewer
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=not LONG,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))
TEXTS = [p.read_text() for p in EXAMPLES]

WORDS = ["audiogp", "nodes", "seed", "use", "input", "path", "example", "stft", "istft", "save",
         "load", "n_fft", "hop_length", "window", "voice", "spec", "out.wav", "defaults", "x-a",
         "griffinlim", "melspectrogram", "metrics_json", "1", "0", "-1", "1e3", ".5", "true",
         "yes", "null", "~", "hann", "[kaiser, 8]", "0x10", ".nan", "-.inf"]
PUNCTUATION = list(":-[]{},&*!|>'\"#%@`?<\n\t ") + ["<<", "&a ", "*a", "!!set", "!!binary",
                                                   "---", "...", "\\0", "\ufeff", "\x85"]
ODD_VALUES = ["-1", "0", "1", "1e3", "1e-3", ".nan", ".inf", "x", "[]", "{}", "null", "true",
              "yes", "'512'", "[1, 2]", "{a: 1}", "99999", "*a", "&a 3", "!!str 3", "''", "..",
              "/abs/path.wav", "../up.wav", ".wav", "voice.nope", "[voice, voice]", "<<", "~"]


def registry():
    return get_registry(builtins_only=True)


def check_outcome(path, tmp_path):
    """Load and validate ``path``: a graph, or a SpecError/UserError whose problems are located."""
    try:
        spec = load_spec(path)
        validate(spec, registry(), out_dir=tmp_path / "out", force=True)
    except SpecError as error:
        assert error.problems
        for problem in error.problems:
            location = problem.location
            assert location.file and location.line is not None and location.column is not None, \
                f"unlocated: {problem}"
            assert location.line >= 1 and location.column >= 1
    except UserError as error:
        assert str(path) in str(error) or "--out" in str(error), f"names no file: {error}"


def write(tmp_path, data):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return path


@FUZZ
@given(st.lists(st.sampled_from(WORDS + PUNCTUATION), max_size=60))
def test_random_yaml_text(tmp_path_factory, tokens):
    tmp_path = tmp_path_factory.mktemp("text")
    check_outcome(write(tmp_path, "".join(tokens)), tmp_path)


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes(tmp_path_factory, raw):
    tmp_path = tmp_path_factory.mktemp("bytes")
    check_outcome(write(tmp_path, raw), tmp_path)


# Integers stay small: how large a value may be is bounded elsewhere (resource limits), and a
# huge n_fft would only make each example slow here.
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 4096),
                     st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(WORDS),
                     st.text(max_size=8))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(WORDS), inner, max_size=4)),
    max_leaves=12)
_node = st.fixed_dictionaries(
    {"use": st.sampled_from(["example", "stft", "istft", "save", "load", "griffinlim",
                             "melspectrogram", "mfcc", "block_periodogram", "snr", "nope"])},
    optional={key: _values for key in ("input", "path", "n_fft", "window", "win_length", "sr",
                                       "duration", "reference", "hop_length", "name")})
_document = st.fixed_dictionaries(
    {"audiogp": st.one_of(st.just(1), _scalars),
     "nodes": st.one_of(st.dictionaries(st.sampled_from(["voice", "spec", "out", "w", "x.y", "1"]),
                                        st.one_of(_node, _values), max_size=5), _values)},
    optional={"seed": _scalars, "defaults": _values, "x-a": _values, "extra": _values})


@settings(FUZZ, max_examples=DOCUMENT_EXAMPLES)
@given(_document)
def test_random_spec_shaped_documents(tmp_path_factory, document):
    tmp_path = tmp_path_factory.mktemp("doc")
    check_outcome(write(tmp_path, yaml.safe_dump(document, allow_unicode=True)), tmp_path)


@st.composite
def mutated_example(draw):
    text = draw(st.sampled_from(TEXTS))
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        kind = draw(st.sampled_from(["drop", "duplicate", "swap", "cut", "value", "key", "indent"]))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        if kind == "drop":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, line)
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "cut":
            lines[i] = line[:draw(st.integers(0, len(line)))]
        elif kind == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "    ", "\t"])) + line.lstrip()
        else:
            colons = [k for k, c in enumerate(line) if c == ":"]
            if not colons:
                continue
            k = draw(st.sampled_from(colons))
            if kind == "value":
                end = min([e for e in (line.find(",", k), line.find("}", k)) if e > k] or [len(line)])
                lines[i] = line[:k + 1] + " " + draw(st.sampled_from(ODD_VALUES)) + line[end:]
            else:
                start = max(line.rfind(" ", 0, k), line.rfind("{", 0, k)) + 1
                lines[i] = line[:start] + draw(st.sampled_from(WORDS + ["<<", "?"])) + line[k:]
    return "".join(lines)


@FUZZ
@given(mutated_example())
def test_mutated_examples(tmp_path_factory, text):
    tmp_path = tmp_path_factory.mktemp("mut")
    check_outcome(write(tmp_path, text), tmp_path)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_unmutated_examples_validate(path, tmp_path):
    validate(load_spec(path), registry(), out_dir=tmp_path / "out", force=True)
