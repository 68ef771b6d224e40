"""What a plugin declares: node types, their ports and parameters, value types.

A node type is a plain function plus a declaration of its typed inputs and
outputs and of its parameters. The declaration is what the spec validator
checks a YAML spec against (before any work), what ``audiogp nodes NAME``
prints, and how the runner calls the function::

    def run_stft(ctx, *, input, n_fft, hop_length):
        ...
        return ComplexSpectrogram(...)

    STFT = NodeType(
        name="stft",
        function=run_stft,
        doc="Short-time Fourier transform of a signal.",
        inputs=[Port("input", Signal, "the signal to analyse")],
        outputs=[Port("spectrogram", ComplexSpectrogram)],
        params=[Param("n_fft", int, 2048, "FFT length", minimum=1),
                Param("hop_length", int, None, "hop (default n_fft // 4)", minimum=1)],
    )

The function is called as ``function(ctx, **inputs, **params)``: ``ctx`` is
the :class:`~audiogp.plugins.context.Context`, every input port and every
parameter arrives as a keyword argument of the same name (parameters left
out of the spec arrive with their default). It returns the value of its one
output, a ``dict`` ``{port name: value}`` when it has several, or None when
it has none (a sink).
"""

import importlib.util
import inspect
import numbers
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Callable, Optional

__all__ = ["KINDS", "REQUIRED", "MAIN_INPUT", "InputFile", "OutputFile", "Param", "Port", "NodeType",
           "ValueType", "DeclarationError", "Facts", "Mismatch", "check_against", "type_name"]

#: Node kinds; each has its ``register_*`` hook (see :mod:`audiogp.plugins.hookspecs`).
KINDS = ("source", "sink", "analysis", "transform", "inversion", "synthesis", "fitting", "metric")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REQUIREMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(:[A-Za-z0-9][A-Za-z0-9._-]*)?$")
_RESERVED = frozenset({"use", "ctx"})


class DeclarationError(TypeError):
    """A node type, port, parameter or value type is declared wrongly (a plugin bug)."""


class Mismatch(ValueError):
    """Raised by a node type's ``infer`` function: a key of the node contradicts its inputs.

    ``Mismatch("n_fft", "n_fft=512 but the spectrogram was made with n_fft=1024")``
    is reported when the spec is validated, at the line and column of that key.
    """

    def __init__(self, key, message):
        super().__init__(message)
        self.key = key


class Facts(dict):
    """What ``infer`` receives for one input: ``{attribute: value}`` known before running.

    A plain ``dict`` of the facts the source's ``infer`` gave, plus ``types``:
    the value-type names its output port declares (``("Signal",)``), so that
    a node whose input takes several types knows which one it gets. ``types``
    is ``()`` when no source is connected.
    """

    __slots__ = ("types",)

    def __init__(self, known=(), types=()):
        super().__init__(known)
        self.types = tuple(types)

    def __repr__(self):
        return f"Facts({dict.__repr__(self)}, types={self.types!r})"

    @classmethod
    def of(cls, value):
        """The facts of an actual value, as a declared check sees them when the node runs."""
        from audiogp.types import facts_of

        return cls(facts_of(value), (type(value).__name__,))


def check_against(params, known, names, what="the input"):
    """Raise :class:`Mismatch` for the first of ``names`` set in ``params`` that contradicts ``known``.

    For ``infer`` functions of nodes whose parameters may repeat what their
    input already carries (``n_fft`` of a spectrogram): a parameter left at
    None, or an attribute not known statically, is no contradiction.
    """
    for name in names:
        given, actual = params.get(name), known.get(name)
        if isinstance(given, list):
            given = tuple(given)
        if isinstance(actual, list):
            actual = tuple(actual)
        if given is not None and actual is not None and given != actual:
            raise Mismatch(name, f"{name}={given!r} but {what} has {name}={actual!r}; leave "
                                 f"{name} out to use the input's")


class _Sentinel:
    """A named marker value that pickles as the module attribute of its name."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return self._name

    def __reduce__(self):
        return self._name


#: Default of a parameter the spec must give.
REQUIRED = _Sentinel("REQUIRED")

#: Default of ``NodeType.facts_from``: the first input that is not ``many``, for node types
#: registered through ``register_node_types`` (the per-kind hooks keep API 1.0's None).
MAIN_INPUT = _Sentinel("MAIN_INPUT")


class InputFile(str):
    """Parameter type of a file the node reads.

    In a spec it is a path, relative to the spec's folder unless absolute; it
    must exist when the spec is validated. The function receives an absolute
    :class:`pathlib.Path`. Input files are never written to.
    """


class OutputFile(str):
    """Parameter type of a file the node writes.

    In a spec it is a path relative to the run's output folder (``--out``);
    paths that lead outside it are refused, and an existing file is only
    replaced with ``--force``. The function receives the final absolute
    :class:`pathlib.Path` and writes through ``ctx.output(path)``, which
    writes under a temporary name and renames into place.
    """


_PARAM_TYPES = (int, float, str, bool, list, dict, object, InputFile, OutputFile)
_TYPE_WORDS = {int: "integer", float: "number", str: "string", bool: "boolean", list: "list",
               dict: "mapping", object: "any value", InputFile: "input file",
               OutputFile: "output file"}


def type_name(value_type):
    """Name of a value type given as a class, a name, or a tuple of those ("A or B")."""
    if isinstance(value_type, tuple):
        return " or ".join(type_name(t) for t in value_type)
    if isinstance(value_type, str):
        return value_type
    return value_type.__name__


def _value_type_names(value_type, where):
    if isinstance(value_type, (tuple, list)):
        names = tuple(n for t in value_type for n in _value_type_names(t, where))
    elif isinstance(value_type, str):
        names = (value_type,)
    elif isinstance(value_type, type):
        names = (value_type.__name__,)
    else:
        raise DeclarationError(f"{where}: type must be a value class, its name, or a tuple of "
                               f"those, got {value_type!r}")
    if not names:
        raise DeclarationError(f"{where}: empty tuple of types")
    return names


@dataclass(frozen=True)
class Port:
    """A typed input or output of a node type.

    Parameters
    ----------
    name : str
        Port name: the spec key of an input (``input: other_node``) and the
        ``node.port`` suffix of an output.
    type : class, str or tuple
        Value type(s) carried (:mod:`audiogp.types` classes or registered
        value-type names); ``"Any"`` accepts every value. For an input, a
        tuple means "any of these".
    doc : str
        One line for ``audiogp nodes NAME``.
    optional : bool
        (Inputs only.) The spec may leave it out; the function then gets None.
    many : bool
        (Inputs only.) The spec gives a list of sources; the function gets a
        list of values.
    """

    name: str
    type: Any = "Any"
    doc: str = ""
    optional: bool = False
    many: bool = False
    types: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise DeclarationError(f"port name {self.name!r} is not an identifier")
        object.__setattr__(self, "types", _value_type_names(self.type, f"port {self.name!r}"))

    @property
    def type_label(self):
        return " or ".join(self.types)


@dataclass(frozen=True)
class Param:
    """A parameter of a node type.

    Parameters
    ----------
    name : str
        The spec key and the keyword the function receives.
    type : type or tuple of types
        One of ``int``, ``float`` (ints accepted, passed as float), ``str``,
        ``bool``, ``list``, ``dict``, ``object`` (any YAML value),
        :class:`InputFile`, :class:`OutputFile`, or a tuple of these.
    default : object
        Value when the spec leaves the parameter out; :data:`REQUIRED` if
        the spec must give it. A default of None also allows an explicit
        ``null`` in the spec.
    doc : str
        One line for ``audiogp nodes NAME``.
    minimum, maximum : number, optional
        Inclusive bounds of a numeric parameter.
    exclusive_minimum, exclusive_maximum : number, optional
        Exclusive bounds.
    choices : sequence, optional
        The allowed values.
    nullable : bool, optional
        Whether ``null`` is allowed (default: when the default is None).
    suffixes : sequence of str, optional
        For file parameters: the accepted file-name endings (``(".wav", ".flac")``),
        checked case-insensitively when the spec is validated.
    """

    name: str
    type: Any = object
    default: Any = REQUIRED
    doc: str = ""
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    exclusive_minimum: Optional[float] = None
    exclusive_maximum: Optional[float] = None
    choices: Optional[tuple] = None
    nullable: Optional[bool] = None
    suffixes: Optional[tuple] = None
    #: Why the default does not fit the declaration (reported when a NodeType uses the parameter).
    default_problem: Optional[str] = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise DeclarationError(f"parameter name {self.name!r} is not an identifier")
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        for t in types:
            if t not in _PARAM_TYPES:
                raise DeclarationError(
                    f"parameter {self.name!r}: type {t!r} is not one of "
                    + ", ".join(getattr(p, "__name__", str(p)) for p in _PARAM_TYPES))
        for bound in ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum"):
            value = getattr(self, bound)
            if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                                      or value != value):
                raise DeclarationError(f"parameter {self.name!r}: {bound} must be a number, "
                                       f"got {value!r}")
        if self.choices is not None:
            object.__setattr__(self, "choices", tuple(self.choices))
        if self.suffixes is not None:
            object.__setattr__(self, "suffixes", tuple(x.lower() for x in self.suffixes))
        if self.nullable is None:
            object.__setattr__(self, "nullable", self.default is None)
        if self.default is not REQUIRED:
            # The function receives the default as it would receive the same value from a spec:
            # checked, and converted (an int default of a float parameter arrives as a float).
            try:
                object.__setattr__(self, "default", self.check(self.default))
            except ValueError as error:
                object.__setattr__(self, "default_problem",
                                   f"its default {self.default!r} does not fit its declaration: {error}")

    @property
    def required(self):
        return self.default is REQUIRED

    @property
    def types(self):
        return self.type if isinstance(self.type, tuple) else (self.type,)

    @property
    def type_label(self):
        label = " or ".join(_TYPE_WORDS[t] for t in self.types)
        return label + " or null" if self.nullable else label

    def constraint_label(self):
        """The range or choices as text (``">= 1"``, ``"one of 'a', 'b'"``), or ``""``."""
        parts = []
        if self.suffixes:
            parts.append("ending in " + " or ".join(self.suffixes))
        if self.choices is not None:
            parts.append("one of " + ", ".join(repr(c) for c in self.choices))
        if self.range_label():
            parts.append(self.range_label())
        return ", ".join(parts)

    def range_label(self):
        """Every bound of a numeric parameter as text (``">= 1 and <= 64"``), or ``""``."""
        bounds = [f"{symbol} {bound}" for bound, symbol in (
            (self.minimum, ">="), (self.exclusive_minimum, ">"),
            (self.maximum, "<="), (self.exclusive_maximum, "<")) if bound is not None]
        return " and ".join(bounds)

    def check(self, value):
        """Return ``value`` converted for the function, or raise ``ValueError`` saying what is wrong.

        The message is a sentence fragment naming what was expected, e.g.
        ``"expected an integer >= 1, got 0"``; the caller adds where.
        """
        if value is None:
            if self.nullable:
                return None
            raise ValueError(f"expected {self._expected()}, got null")
        converted = None
        for t in self.types:
            converted = _convert(value, t)
            if converted is not None:
                break
        if converted is None:
            constraint = self.constraint_label()
            expected = self._expected()
            if float in self.types and _non_finite(value):
                expected = expected.replace("a number", "a finite number", 1)
            raise ValueError(f"expected {expected}{' ' + constraint if constraint else ''}, "
                             f"got {_show(value)}")
        original, value = value, converted[0]
        if self.choices is not None and value not in self.choices:
            from audiogp._validate import suggest

            raise ValueError(f"expected one of {', '.join(repr(c) for c in self.choices)}, "
                             f"got {value!r}.{suggest(value, self.choices)}")
        if self.suffixes and isinstance(value, str) and not value.lower().endswith(self.suffixes):
            raise ValueError(f"expected a file name ending in {' or '.join(self.suffixes)}, "
                             f"got {value!r}")
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            for bound, ok, symbol in ((self.minimum, lambda v, b: v >= b, ">="),
                                      (self.exclusive_minimum, lambda v, b: v > b, ">"),
                                      (self.maximum, lambda v, b: v <= b, "<="),
                                      (self.exclusive_maximum, lambda v, b: v < b, "<")):
                if bound is not None and not ok(value, bound):
                    raise ValueError(f"expected {self._expected()} {self.range_label()}, "
                                     f"got {original!r}")
        return value

    def _expected(self):
        label = " or ".join(_TYPE_WORDS[t] for t in self.types)
        article = "an" if label[0] in "aeiou" else "a"
        if self.types == (object,):
            return label
        return f"{article} {label}"


def _non_finite(value):
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and not (value == value and abs(value) != float("inf")))


def _show(value):
    kind = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
            dict: "mapping"}.get(type(value), type(value).__name__)
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({kind})"


def _convert(value, target):
    """``(converted,)`` when ``value`` fits ``target``, else None."""
    if target is object:
        return (value,)
    if target is bool:
        return (value,) if isinstance(value, bool) else None
    if target is int:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        return (int(value),) if ok else None
    if target is float:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        return (float(value),) if ok and value == value and abs(value) != float("inf") else None
    if target in (str, InputFile, OutputFile):
        if isinstance(value, PurePath):
            value = str(value)
        return (value,) if isinstance(value, str) and (target is str or value) else None
    if target is list:
        return (list(value),) if isinstance(value, (list, tuple)) else None
    if target is dict:
        return (dict(value),) if isinstance(value, dict) else None
    return None


@dataclass(frozen=True)
class NodeType:
    """Declaration of a node type: what a spec's ``use:`` names.

    Parameters
    ----------
    name : str
        The name used in specs (``use: stft``); lower case with underscores by convention.
    function : callable
        ``function(ctx, **inputs, **params)``, see the module docstring.
    doc : str
        One-line summary (default: the first line of the function's docstring).
    inputs, outputs : sequence of Port
        Typed inputs and outputs. A node without outputs is a sink.
    params : sequence of Param
        The parameter schema.
    details : str
        Longer documentation printed by ``audiogp nodes NAME`` (optional).
    kind : str, optional
        One of :data:`KINDS`. Set by the hook the node type is registered
        through (``register_analysis`` makes it ``"analysis"``); leave it out.
    parallel_safe : bool
        Whether the runner may run this node while other nodes run (in
        threads). Set False for functions that hold global state.
    infer : callable, optional
        ``infer(params, inputs) -> {output port: {attribute: value}}``, called
        when the spec is validated, before anything runs, to pass static facts
        about values along the graph (a sample rate, an STFT geometry) and to
        catch contradictions early. ``params`` are the node's checked
        parameters; ``inputs`` maps each input port to the attributes its
        source's ``infer`` gave, as :class:`Facts` (a ``dict`` whose
        ``types`` are the source port's value-type names; a list for ``many``
        inputs; empty when nothing is known: use ``.get``). Raise
        :class:`Mismatch` to report a key that contradicts its inputs.
    requires : sequence of str
        Optional Python packages the function imports, as top-level module
        names, or ``"module:distribution"`` where the two differ
        (``"sklearn:scikit-learn"``). A spec using the node is refused when
        it is validated, before any work, if one is not installed.
    facts_from : str or None
        The input whose facts pass on to every output (each output keeps
        those its value type carries; ``infer`` may add or override them, a
        fact it sets to None is dropped). Left at its default
        (:data:`MAIN_INPUT`), it is the first input that is not ``many`` for
        node types registered through ``register_node_types``, and None
        (no pass-through, as in plugin API 1.0) for those registered through
        the per-kind hooks. None: no facts pass through.
    checks : sequence of callables
        ``check(params, inputs)``, each raising :class:`Mismatch` for a
        contradiction between the node's keys and its inputs' facts. Each runs
        when the spec is validated, with the facts known then (``infer``'s
        :class:`Facts`; a fact not known is missing, which is no
        contradiction), and again when the node runs, with the facts of the
        actual input values, before the function is called: the check is
        written once, and a mismatch is reported at the key either way.
    memory : callable, optional
        ``memory(params, inputs) -> bytes`` (or ``(bytes, key)``, or None when
        not known): the node's peak memory estimated from its parameters and
        its inputs' :class:`Facts`, called when the spec is validated. A node
        whose estimate exceeds the run's memory budget is refused before
        anything runs, at ``key`` (the parameter that drives the estimate) or
        at the node (see :mod:`audiogp._resources`). It must only compute
        (never allocate what it estimates). May raise :class:`Mismatch`.
    """

    name: str
    function: Callable
    doc: str = ""
    inputs: tuple = ()
    outputs: tuple = ()
    params: tuple = ()
    details: str = ""
    kind: Optional[str] = None
    parallel_safe: bool = True
    infer: Optional[Callable] = None
    requires: tuple = ()
    facts_from: Any = MAIN_INPUT
    checks: tuple = ()
    memory: Optional[Callable] = None

    def __post_init__(self):
        where = f"node type {self.name!r}"
        if isinstance(self.requires, str) or not all(
                isinstance(r, str) and _REQUIREMENT.match(r) for r in self.requires):
            raise DeclarationError(f"{where}: requires must be a sequence of module names "
                                   f"('pystoi', 'sklearn:scikit-learn'), got {self.requires!r}")
        object.__setattr__(self, "requires", tuple(self.requires))
        if self.infer is not None and not callable(self.infer):
            raise DeclarationError(f"{where}: infer {self.infer!r} is not callable")
        if self.memory is not None and not callable(self.memory):
            raise DeclarationError(f"{where}: memory {self.memory!r} is not callable "
                                   "(memory(params, inputs) -> bytes)")
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise DeclarationError(f"{where}: the name must be an identifier (letters, digits, _)")
        if not callable(self.function):
            raise DeclarationError(f"{where}: function {self.function!r} is not callable")
        if self.kind is not None and self.kind not in KINDS:
            raise DeclarationError(f"{where}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        for attribute, item_type in (("inputs", Port), ("outputs", Port), ("params", Param)):
            items = tuple(getattr(self, attribute))
            for item in items:
                if not isinstance(item, item_type):
                    raise DeclarationError(f"{where}: {attribute} must hold {item_type.__name__} "
                                           f"objects, got {item!r}")
            object.__setattr__(self, attribute, items)
        for port in self.outputs:
            if port.optional or port.many:
                raise DeclarationError(f"{where}: output {port.name!r} cannot be optional or many")
        for param in self.params:
            if param.default_problem:
                raise DeclarationError(f"{where}: parameter {param.name!r}: {param.default_problem}")
        if callable(self.checks) or not all(callable(c) for c in self.checks):
            raise DeclarationError(f"{where}: checks must be a sequence of functions "
                                   f"check(params, inputs), got {self.checks!r}")
        object.__setattr__(self, "checks", tuple(self.checks))
        if self.facts_from is not None and self.facts_from is not MAIN_INPUT:
            port = self.input(self.facts_from) if isinstance(self.facts_from, str) else None
            if port is None or port.many:
                names = ", ".join(p.name for p in self.inputs if not p.many) or "none"
                raise DeclarationError(f"{where}: facts_from={self.facts_from!r} must name one of "
                                       f"its inputs that is not many (inputs: {names}), or be None")
        seen = {}
        for group in ("inputs", "params"):
            for item in getattr(self, group):
                if item.name in _RESERVED:
                    raise DeclarationError(f"{where}: {item.name!r} is reserved")
                if item.name in seen:
                    raise DeclarationError(f"{where}: {item.name!r} is declared twice "
                                           f"(in {seen[item.name]} and {group})")
                seen[item.name] = group
        names = [p.name for p in self.outputs]
        if len(set(names)) != len(names):
            raise DeclarationError(f"{where}: two outputs share a name")
        if not self.doc:
            summary = (inspect.getdoc(self.function) or "").strip().splitlines()
            object.__setattr__(self, "doc", summary[0] if summary else "")
        self._check_signature(where)

    def missing_requirements(self):
        """``[(module, distribution)]`` of the packages in ``requires`` that are not installed."""
        missing = []
        for requirement in self.requires:
            module, _, distribution = requirement.partition(":")
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):  # a broken or blocked (sys.modules[m] = None) package
                found = False
            if not found:
                missing.append((module, distribution or module))
        return missing

    def _check_signature(self, where):
        try:
            signature = inspect.signature(self.function)
        except (TypeError, ValueError):
            return
        parameters = list(signature.parameters.values())
        takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters)
        positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if not positional and not any(p.kind is p.VAR_POSITIONAL for p in parameters):
            raise DeclarationError(f"{where}: the function must take the context as its first argument")
        accepted = {p.name for p in parameters[1:] if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        declared = [item.name for item in self.inputs + self.params]
        missing = [name for name in declared if name not in accepted]
        if missing and not takes_any:
            raise DeclarationError(f"{where}: the function does not accept {', '.join(missing)}")
        extra = [p.name for p in parameters[1:] if p.name not in declared and p.default is p.empty
                 and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if extra:
            raise DeclarationError(f"{where}: the function requires {', '.join(extra)}, "
                                   "which is neither an input nor a parameter")

    def main_input(self):
        """The input whose facts pass to the outputs (see ``facts_from``), or None."""
        if self.facts_from is MAIN_INPUT:
            return next((p.name for p in self.inputs if not p.many), None)
        return self.facts_from

    def input(self, name):
        """The input :class:`Port` called ``name``, or None."""
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name):
        """The output :class:`Port` called ``name``, or None."""
        return next((p for p in self.outputs if p.name == name), None)

    def param(self, name):
        """The :class:`Param` called ``name``, or None."""
        return next((p for p in self.params if p.name == name), None)

    @property
    def keys(self):
        """Every key a spec node of this type may have besides ``use``."""
        return [p.name for p in self.inputs] + [p.name for p in self.params]


@dataclass(frozen=True)
class ValueType:
    """A value type that may travel on graph edges.

    Parameters
    ----------
    name : str
        The name ports refer to (``Port("fit", "KernelFit")``); by convention
        the class name.
    cls : class or str
        The class, or ``"module:QualName"`` to import it only when a value is
        checked (keeps registration cheap when the module is heavy).
    doc : str
        One line for ``audiogp nodes`` (default: the class docstring's first line).
    """

    name: str
    cls: Any
    doc: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise DeclarationError(f"value type name {self.name!r} is not an identifier")
        if not isinstance(self.cls, (type, str)):
            raise DeclarationError(f"value type {self.name!r}: cls must be a class or "
                                   f"'module:QualName', got {self.cls!r}")
        if isinstance(self.cls, str) and ":" not in self.cls:
            raise DeclarationError(f"value type {self.name!r}: {self.cls!r} is not 'module:QualName'")
        if not self.doc and isinstance(self.cls, type):
            summary = (inspect.getdoc(self.cls) or "").strip().splitlines()
            object.__setattr__(self, "doc", summary[0] if summary else "")

    @classmethod
    def of(cls, value_class):
        """The value type of a class, named after it."""
        return cls(value_class.__name__, value_class)

    def resolve(self):
        """The class (importing it if it was given as ``"module:QualName"``)."""
        if isinstance(self.cls, type):
            return self.cls
        import importlib

        module, _, qualname = self.cls.partition(":")
        target = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
        return target
