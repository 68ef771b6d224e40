"""Reading a YAML spec into plain Python data, keeping where every key and value was written.

The YAML is composed with PyYAML's ``SafeLoader`` (only plain data: no
Python objects, the same safety as ``yaml.safe_load``) and converted here,
so that each key and value keeps its line and column, duplicate keys are
reported instead of silently overwritten, and alias bombs are refused.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from audiogp.errors import UserError

__all__ = ["Location", "SpecProblem", "SpecError", "Spec", "load_spec", "parse_spec"]

_MAX_ELEMENTS = 100_000
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")  # a spec is small; this stops "billion laughs" alias expansion


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
    """

    source: str
    folder: Path
    data: object = None
    key_locations: dict = field(default_factory=dict)
    value_locations: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

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
    """Read the spec file at ``path``; raise :class:`SpecError` if it is not readable YAML."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such spec file") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not a spec file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read the spec: {error}") from None
    return parse_spec(text, source=str(path), folder=path.resolve().parent)


def parse_spec(text, *, source="<string>", folder="."):
    """Parse spec text; raise :class:`SpecError` for YAML syntax errors.

    Structural problems found while reading (duplicate keys, recursive
    aliases) are returned in ``Spec.problems`` rather than raised, so that
    validation reports them along with everything else.
    """
    spec = Spec(source=source, folder=Path(folder))
    loader = yaml.SafeLoader(text)
    try:
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
    except yaml.YAMLError as error:
        raise SpecError(source, [SpecProblem(Location(source), f"not valid YAML: {error}")]) from None
    finally:
        loader.dispose()
    return spec


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
        if self.count > _MAX_ELEMENTS:
            raise yaml.constructor.ConstructorError(
                None, None, f"the document expands to more than {_MAX_ELEMENTS} elements "
                "(aliases nested too deep?)", node.start_mark)
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

    def mapping(self, node, path):
        self.loader.flatten_mapping(node)  # YAML merge keys (<<)
        result = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark) from None
            key_path = path + (key,)
            if key in result:
                first = self.spec.key_locations[key_path]
                what = "node name" if path == ("nodes",) else "key"
                self.spec.problems.append(SpecProblem(
                    self.where(key_node.start_mark),
                    f"duplicate {what} {key!r} (first written at line {first.line}); "
                    "YAML would silently keep only the last one"))
                continue
            self.spec.key_locations[key_path] = self.where(key_node.start_mark)
            result[key] = self.build(value_node, key_path)
        return result
