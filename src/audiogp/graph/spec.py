"""Reading a YAML spec into plain Python data, keeping where every key and value was written.

The YAML is composed with a loader derived from PyYAML's ``SafeLoader``
(only plain data: no Python objects, the same safety as ``yaml.safe_load``)
and converted here, so that each key and value keeps its line and column,
duplicate keys are reported instead of silently overwritten, and alias
bombs are refused.

Plain scalars are read with the YAML 1.2 core schema (YAML 1.2.2, section
10.3), as a user writes numbers: ``1e3``, ``1.0e12``, ``.5`` and ``-2E-3``
are floats; ``0x10`` and ``0o17`` are integers (16, 15); ``010`` is the
decimal 10 (YAML 1.1 read it as octal); only ``true``/``false`` (any case
form the schema allows) are booleans, so ``yes``, ``no``, ``on`` and ``off``
stay strings; ``null``, ``~`` and an empty value are null. Dates are not
parsed (they stay strings).

Limits, refused with a located message before anything else: a spec larger
than :data:`MAX_SPEC_BYTES`, nested deeper than :data:`MAX_DEPTH`, or
expanding (through aliases) to more than :data:`MAX_ELEMENTS` values.
"""

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from audiogp.errors import UserError

__all__ = ["Location", "SpecProblem", "SpecError", "Spec", "load_spec", "parse_spec",
           "MAX_SPEC_BYTES", "MAX_DEPTH", "MAX_ELEMENTS"]

#: Largest spec file read, in bytes (a spec of a hundred nodes is a few kilobytes).
MAX_SPEC_BYTES = 1 << 20
#: Deepest nesting of lists and mappings in a spec.
MAX_DEPTH = 64
#: Most values a spec may expand to, aliases included (stops "billion laughs" expansion).
MAX_ELEMENTS = 100_000
_MAX_ELEMENTS = MAX_ELEMENTS
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Location:
    """Where something is written: ``file:line:column`` (1-based), or a command-line argument."""

    file: str
    line: Optional[int] = None
    column: Optional[int] = None

    def __str__(self):
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"

    @classmethod
    def of_mark(cls, file, mark):
        return cls(file, mark.line + 1, mark.column + 1)


@dataclass(frozen=True)
class SpecProblem:
    """One mistake in a spec: where, which node and key, what is wrong."""

    location: Location
    message: str
    node: Optional[str] = None
    key: Optional[str] = None
    key_kind: str = "parameter"

    def __str__(self):
        subject = []
        if self.node is not None:
            subject.append(f"node {self.node!r}")
        if self.key is not None:
            subject.append(f"{self.key_kind} {self.key!r}")
        prefix = f"{self.location}: " + (", ".join(subject) + ": " if subject else "")
        return prefix + self.message


class SpecError(UserError):
    """A spec that cannot be run; carries every problem found, not just the first."""

    def __init__(self, source, problems):
        self.source = source
        self.problems = list(problems)
        count = len(self.problems)
        header = (f"{source}: {count} problem{'s' if count != 1 else ''} found; nothing was run."
                  if count > 1 else "")
        lines = [str(p) for p in self.problems]
        super().__init__("\n".join([header, *lines]) if header else lines[0])


@dataclass
class Spec:
    """A parsed spec: the data and the location of every key and value.

    Attributes
    ----------
    source : str
        The file name as given (or ``"<string>"``), used in messages.
    folder : pathlib.Path
        Where relative input paths are resolved from.
    data : object
        The document as plain Python data (dicts, lists, scalars).
    key_locations, value_locations : dict
        ``{path: Location}`` where ``path`` is a tuple of keys/indices from
        the root, e.g. ``("nodes", "spec", "n_fft")``.
    problems : list of SpecProblem
        Problems found while reading (duplicate keys...).
    from_command_line : set
        Paths of the values given by ``--set``: their file paths start at the
        current folder, not the spec's.
    """

    source: str
    folder: Path
    data: object = None
    key_locations: dict = field(default_factory=dict)
    value_locations: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    from_command_line: set = field(default_factory=set)

    def where(self, path, *, key=False):
        """Location of the value (or key) at ``path``; falls back to the nearest enclosing one."""
        table = self.key_locations if key else self.value_locations
        path = tuple(path)
        while path:
            if path in table:
                return table[path]
            if key and path in self.value_locations:
                return self.value_locations[path]
            path = path[:-1]
        return self.value_locations.get((), Location(self.source, 1, 1))


def load_spec(path):
    """Read the spec file at ``path``; raise :class:`SpecError` if it is not readable YAML.

    A file larger than :data:`MAX_SPEC_BYTES` is refused before it is read;
    bytes that are not UTF-8 are reported at their line and column.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError
        if size > MAX_SPEC_BYTES:
            raise UserError(f"{path}: the spec is {size / 2**20:.1f} MiB; a spec may be at most "
                            f"{MAX_SPEC_BYTES // 2**20} MiB (a spec describes a pipeline, it does "
                            "not hold data: put data in files the spec names)")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"{path}: no such spec file") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not a spec file") from None
    except (OSError, ValueError) as error:
        raise UserError(f"{path}: cannot read the spec: {getattr(error, 'strerror', None) or error}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise UserError(f"{path}: the spec is larger than {MAX_SPEC_BYTES // 2**20} MiB, the most "
                        "a spec may be")
    text = decode_spec(raw, str(path))
    return parse_spec(text, source=str(path), folder=path.resolve().parent)


def decode_spec(raw, source="<string>"):
    """Decode spec bytes as UTF-8 (a byte-order mark is allowed); raise :class:`SpecError` at
    the line and column of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start
        line = raw.count(b"\n", 0, start) + 1
        column = start - (raw.rfind(b"\n", 0, start) + 1) + 1
        raise SpecError(source, [SpecProblem(
            Location(source, line, column),
            f"byte 0x{raw[start]:02x} is not UTF-8 text; save the spec as UTF-8 "
            "(most editors: 'save with encoding')")]) from None


def parse_spec(text, *, source="<string>", folder="."):
    """Parse spec text; raise :class:`SpecError` for YAML syntax errors.

    Structural problems found while reading (duplicate keys, recursive
    aliases) are returned in ``Spec.problems`` rather than raised, so that
    validation reports them along with everything else.
    """
    if isinstance(text, bytes):
        text = decode_spec(text, source)
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(source, [SpecProblem(Location(source), (
            f"the spec is {len(text)} characters long; a spec may be at most "
            f"{MAX_SPEC_BYTES // 2**20} MiB"))])
    spec = Spec(source=source, folder=Path(folder))
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        if root is not None:
            builder = _Builder(loader, spec)
            spec.data = builder.build(root, ())
            spec.value_locations.setdefault((), Location.of_mark(source, root.start_mark))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location.of_mark(source, mark) if mark else Location(source)
        problem = " ".join(str(p) for p in (error.context, error.problem) if p)
        raise SpecError(source, [SpecProblem(where, f"not valid YAML: {problem}")]) from None
    except yaml.reader.ReaderError as error:
        position = error.position
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        raise SpecError(source, [SpecProblem(
            Location(source, line, column),
            f"the control character U+{error.character:04X} cannot appear in a YAML file; "
            "remove it")]) from None
    except yaml.YAMLError as error:
        raise SpecError(source, [SpecProblem(Location(source), f"not valid YAML: {error}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return spec


def parse_value(text):
    """One YAML value (a ``--set`` value), read with the same schema and limits as a spec.

    Raises ``yaml.YAMLError`` for text that is not YAML.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _Builder(loader, Spec("--set", Path("."))).build(node, ())
    finally:
        loader.dispose()


# -- the YAML 1.2 core schema ---------------------------------------------------------------------

_CORE_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_CORE_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                         r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's resolvers and a bounded nesting depth."""

    yaml_implicit_resolvers = {}
    yaml_constructors = dict(yaml.SafeLoader.yaml_constructors)

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        # PyYAML composes recursively: refuse deep nesting before Python's stack runs out.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"lists and mappings are nested more than {MAX_DEPTH} levels "
                    "deep; a spec needs a few", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_core_int(self, node):
        text = self.construct_scalar(node)
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)

    def construct_core_float(self, node):
        text = self.construct_scalar(node).lower()
        if text.endswith(".inf"):
            return -math.inf if text.startswith("-") else math.inf
        if text == ".nan":
            return math.nan
        return float(text)


_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                              ["~", "n", "N", ""])
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _CORE_INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _CORE_FLOAT, list("-+0123456789."))
_Loader.add_implicit_resolver(_MERGE_TAG, re.compile(r"^<<$"), ["<"])
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_core_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_core_float)
_Loader.add_constructor("tag:yaml.org,2002:bool", yaml.SafeLoader.construct_yaml_bool)


class _Builder:
    def __init__(self, loader, spec):
        self.loader = loader
        self.spec = spec
        self.count = 0
        self.active = set()

    def where(self, mark):
        return Location.of_mark(self.spec.source, mark)

    def build(self, node, path):
        self.count += 1
        if self.count > MAX_ELEMENTS:
            raise yaml.constructor.ConstructorError(
                None, None, f"the document expands to more than {MAX_ELEMENTS} values through "
                "its aliases (*name); a spec needs far fewer", node.start_mark)
        if len(path) > MAX_DEPTH:
            raise yaml.constructor.ConstructorError(
                None, None, f"lists and mappings are nested more than {MAX_DEPTH} levels deep "
                "(through aliases); a spec needs a few", node.start_mark)
        if id(node) in self.active:
            raise yaml.constructor.ConstructorError(None, None, "recursive alias", node.start_mark)
        self.spec.value_locations[path] = self.where(node.start_mark)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
            # Only plain maps and lists: tagged collections (!!python/..., !!set) are refused.
            raise yaml.constructor.ConstructorError(
                None, None, f"unsupported tag {node.tag!r}", node.start_mark)
        if isinstance(node, yaml.MappingNode):
            self.active.add(id(node))
            try:
                return self.mapping(node, path)
            finally:
                self.active.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            self.active.add(id(node))
            try:
                return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
            finally:
                self.active.discard(id(node))
        return self.loader.construct_object(node, deep=True)

    def merged(self, key_node, value_node, path):
        """The mapping(s) of a merge key ``<<: *base`` (or ``<<: [*a, *b]``, the first winning)."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        if not sources or not all(isinstance(s, yaml.MappingNode) for s in sources):
            raise yaml.constructor.ConstructorError(
                None, None, "a merge key (<<) takes a mapping, e.g. <<: *defaults, or a list of "
                "them", value_node.start_mark)
        own = self.spec.value_locations.get(path)
        result = {}
        for source in reversed(sources):
            result.update(self.build(source, path))
        if own is not None:
            self.spec.value_locations[path] = own
        return result

    def mapping(self, node, path):
        result, explicit = {}, set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                for key, value in self.merged(key_node, value_node, path).items():
                    if key not in explicit:
                        result[key] = value
                continue
            key = self.loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark) from None
            key_path = path + (key,)
            if key in explicit:
                first = self.spec.key_locations[key_path]
                what = "node name" if path == ("nodes",) else "key"
                self.spec.problems.append(SpecProblem(
                    self.where(key_node.start_mark),
                    f"duplicate {what} {key!r} (first written at line {first.line}); "
                    "YAML would silently keep only the last one"))
                continue
            explicit.add(key)
            self.spec.key_locations[key_path] = self.where(key_node.start_mark)
            result[key] = self.build(value_node, key_path)
        return result
