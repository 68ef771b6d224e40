"""Covariance kernels written as SymPy expressions in the lag ``r``.

A :class:`Kernel` is a stationary covariance k(r; θ) given as an expression
string (``"s**2 * exp(-(r/l)**2) * cos(2*pi*p*r)"``) together with a
declaration of each parameter in θ: its name, whether it is positive, its
bounds, and optionally its *role* (``"amplitude"``, ``"lengthscale"`` or
``"frequency"``), which the fit uses to initialise it. The lag ``r`` is in
seconds, frequencies in Hz.

The expression string is checked when the kernel is built, without SymPy:
it is parsed with Python's :mod:`ast`, only arithmetic, numbers, the
declared parameters, ``r`` and a fixed list of functions are accepted, and
every mistake raises :class:`KernelError` carrying the column of the
offending token so that a spec loader can point into the YAML file. SymPy is
imported only when the expression is needed (:meth:`Kernel.sympy`), which
:mod:`audiogp.gp.spectral` does to derive the spectral density.

Built-in kernels (Rasmussen & Williams, *Gaussian Processes for Machine
Learning*, MIT Press 2006, ch. 4; Wilson & Adams, "Gaussian process kernels
for pattern discovery and extrapolation", ICML 2013):

======================  ==============================================
``se``                  s² exp(−r² / (2 l²))
``matern12``            s² exp(−|r| / l)
``matern32``            s² (1 + √3 |r| / l) exp(−√3 |r| / l)
``cosine``              s² cos(2π p r)   (a line spectrum: no density)
``sm``                  s² exp(−(r / l)²) cos(2π p r)   (spectral-mixture component)
``lorentzian``          s² exp(−|r| / l) cos(2π p r)
======================  ==============================================

Kernels add (``get_kernel("sm") + get_kernel("matern12")``), which renames
clashing parameters with a numeric suffix.
"""

import ast
import dataclasses
import hashlib
import json
import keyword
import math
import numbers

from audiogp import _validate as check
from audiogp.errors import ParameterError, ParameterTypeError

ROLES = ("amplitude", "lengthscale", "frequency")
LAG = "r"

# Functions a kernel expression may call, with the SymPy name each maps to.
FUNCTIONS = {
    "exp": "exp", "log": "log", "sqrt": "sqrt", "abs": "Abs", "Abs": "Abs",
    "sin": "sin", "cos": "cos", "tan": "tan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "sinc": "sinc", "gamma": "gamma", "besselk": "besselk", "besselj": "besselj",
    "erf": "erf", "erfc": "erfc", "sign": "sign", "Heaviside": "Heaviside",
    "DiracDelta": "DiracDelta", "re": "re", "im": "im",
}
CONSTANTS = {"pi": "pi", "E": "E", "e": "E", "I": "I", "oo": "oo"}


class KernelError(ParameterError):
    """A kernel definition is invalid.

    Attributes
    ----------
    expression : str or None
        The kernel's expression string.
    column : int or None
        0-based offset in ``expression`` of the offending token, when the
        problem is at one place in it.
    symbol : str or None
        The offending name (an undeclared symbol, an unknown function, an
        unused parameter).
    parameter : str or None
        The parameter declaration at fault, when the problem is in one.
    """

    def __init__(self, message, *, expression=None, column=None, symbol=None, parameter=None):
        super().__init__(message)
        self.expression = expression
        self.column = column
        self.symbol = symbol
        self.parameter = parameter


@dataclasses.dataclass(frozen=True)
class Parameter:
    """Declaration of one kernel parameter.

    Parameters
    ----------
    name : str
        Symbol name in the expression (a Python identifier other than ``r``).
    positive : bool
        The parameter is > 0. Positive parameters are optimised on a log
        scale, and SymPy is told they are positive (which it needs to
        evaluate most Fourier integrals).
    bounds : tuple of (float or None, float or None)
        Lower and upper bound (None: unbounded on that side).
    role : {"amplitude", "lengthscale", "frequency"} or None
        What the parameter means, used to initialise fits: an amplitude
        enters the kernel as a factor ``name**2``, a lengthscale is in
        seconds, a frequency in Hz.
    default : float or None
        A typical value (used for the numerical check of the spectral
        density and as the starting value when no role says better).
    unit : str
        Unit for documentation (``"s"``, ``"Hz"``).
    description : str
        One line for documentation.
    """

    name: str
    positive: bool = True
    bounds: tuple = (None, None)
    role: str = None
    default: float = None
    unit: str = ""
    description: str = ""

    def __post_init__(self):
        where = f"parameter {self.name!r}"
        if not isinstance(self.name, str) or not self.name.isidentifier() or keyword.iskeyword(self.name):
            raise KernelError(f"{where}: a parameter name must be an identifier",
                              parameter=str(self.name))
        if self.name == LAG or self.name in FUNCTIONS or self.name in CONSTANTS:
            raise KernelError(f"{where}: {self.name!r} is reserved (the lag r, a function or a "
                              "constant); choose another name", parameter=self.name)
        if not isinstance(self.positive, (bool,)):
            raise KernelError(f"{where}: positive must be true or false, got {self.positive!r}",
                              parameter=self.name)
        bounds = tuple(self.bounds) if self.bounds is not None else (None, None)
        if len(bounds) != 2:
            raise KernelError(f"{where}: bounds must be [lower, upper], got {self.bounds!r}",
                              parameter=self.name)
        clean = []
        for side, value in zip(("lower", "upper"), bounds):
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
                    raise KernelError(f"{where}: {side} bound must be a number or null, got {value!r}",
                                      parameter=self.name)
                value = float(value)
                if math.isinf(value):
                    value = None
            clean.append(value)
        lower, upper = clean
        if self.positive and lower is not None and lower < 0:
            raise KernelError(f"{where}: declared positive but its lower bound is {lower}",
                              parameter=self.name)
        if lower is not None and upper is not None and not lower < upper:
            raise KernelError(f"{where}: lower bound {lower} is not below upper bound {upper}",
                              parameter=self.name)
        if self.positive and upper is not None and upper <= 0:
            raise KernelError(f"{where}: declared positive but its upper bound is {upper}",
                              parameter=self.name)
        object.__setattr__(self, "bounds", (lower, upper))
        if self.role is not None and self.role not in ROLES:
            raise KernelError(f"{where}: role {self.role!r} is not one of {', '.join(ROLES)}."
                              f"{check.suggest(self.role, ROLES)}", parameter=self.name)
        if self.default is not None:
            if isinstance(self.default, bool) or not isinstance(self.default, numbers.Real):
                raise KernelError(f"{where}: default must be a number, got {self.default!r}",
                                  parameter=self.name)
            value = float(self.default)
            if not self.contains(value):
                raise KernelError(f"{where}: default {value} is outside its bounds {self.bounds}",
                                  parameter=self.name)
            object.__setattr__(self, "default", value)

    def contains(self, value):
        """Whether ``value`` satisfies the positivity and the bounds."""
        lower, upper = self.bounds
        if self.positive and not value > 0:
            return False
        return (lower is None or value >= lower) and (upper is None or value <= upper)

    def typical(self):
        """A representative value: the default, else a value inside the bounds."""
        if self.default is not None:
            return self.default
        lower, upper = self.bounds
        guess = {"amplitude": 1.0, "lengthscale": 1.0, "frequency": 1.0}.get(self.role, 1.0)
        if lower is not None and upper is not None:
            if self.positive and lower > 0:
                guess = math.sqrt(lower * upper)
            elif not lower <= guess <= upper:
                guess = 0.5 * (lower + upper)
        elif lower is not None and guess < lower:
            guess = lower * 2.0 if lower > 0 else lower + 1.0
        elif upper is not None and guess > upper:
            guess = upper / 2.0 if upper > 0 else upper - 1.0
        return guess

    def to_dict(self):
        """JSON-able form (see :meth:`from_dict`)."""
        return {"name": self.name, "positive": self.positive, "bounds": list(self.bounds),
                "role": self.role, "default": self.default, "unit": self.unit,
                "description": self.description}

    @classmethod
    def from_dict(cls, name, declaration):
        """Build from a mapping such as a spec's ``params: {l: {positive: true, ...}}`` entry."""
        if declaration is None:
            declaration = {}
        if not isinstance(declaration, dict):
            raise KernelError(f"parameter {name!r}: the declaration must be a mapping of "
                              f"positive/bounds/role/default, got {declaration!r}", parameter=name)
        known = ("name", "positive", "bounds", "role", "default", "unit", "description")
        for key in declaration:
            if key not in known:
                raise KernelError(f"parameter {name!r}: unknown key {key!r} (known: "
                                  f"{', '.join(known[1:])}).{check.suggest(key, known)}", parameter=name)
        fields = {k: v for k, v in declaration.items() if k != "name"}
        if "bounds" in fields and fields["bounds"] is not None:
            if not isinstance(fields["bounds"], (list, tuple)):
                raise KernelError(f"parameter {name!r}: bounds must be [lower, upper], got "
                                  f"{fields['bounds']!r}", parameter=name)
            fields["bounds"] = tuple(fields["bounds"])
        return cls(name=name, **fields)


class Kernel:
    """A stationary covariance k(r; θ) given by an expression string.

    Parameters
    ----------
    expression : str
        The covariance as a function of the lag ``r`` (seconds) and the
        declared parameters, in Python syntax (``**`` for powers).
        Allowed functions: ``exp, log, sqrt, abs, sin, cos, tan, sinh, cosh,
        tanh, sinc, gamma, besselk, besselj, erf, erfc, sign``; constants
        ``pi`` and ``E``.
    parameters : sequence of Parameter, or mapping of name to declaration
        Every symbol of the expression other than ``r``.
    name : str, optional
        Name used in messages and registries (default: the expression).
    description : str
        One line for documentation.

    Raises
    ------
    KernelError
        The expression does not parse, uses something other than arithmetic
        and the allowed functions, does not use ``r``, uses an undeclared
        symbol, or a declared parameter is unused. ``column`` locates the
        problem in the expression.

    Examples
    --------
    >>> k = Kernel("s**2 * exp(-abs(r)/l)", {"s": {"role": "amplitude"},
    ...                                       "l": {"role": "lengthscale", "bounds": [1e-4, 1]}})
    >>> k.parameter_names
    ('s', 'l')
    """

    def __init__(self, expression, parameters, *, name=None, description=""):
        if not isinstance(expression, str):
            raise ParameterTypeError(f"kernel expression must be a string, got {type(expression).__name__}")
        if isinstance(parameters, dict):
            parameters = [p if isinstance(p, Parameter) else Parameter.from_dict(n, p)
                          for n, p in parameters.items()]
        parameters = tuple(parameters)
        for parameter in parameters:
            if not isinstance(parameter, Parameter):
                raise ParameterTypeError(f"kernel parameters must be Parameter declarations, got {parameter!r}")
        names = [p.name for p in parameters]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate is not None:
            raise KernelError(f"parameter {duplicate!r} is declared twice", parameter=duplicate)
        self.expression = expression
        self.parameters = parameters
        self.name = name or expression
        self.description = description
        self._tree = parse_expression(expression, names)
        self._sympy = None

    @property
    def parameter_names(self):
        """Names of the parameters, in declaration order."""
        return tuple(p.name for p in self.parameters)

    def parameter(self, name):
        """The :class:`Parameter` called ``name``."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise ParameterError(f"kernel {self.name!r} has no parameter {name!r}; it has "
                             f"{', '.join(self.parameter_names)}.{check.suggest(name, self.parameter_names)}")

    def with_role(self, role):
        """Names of the parameters with the given role, in declaration order."""
        return tuple(p.name for p in self.parameters if p.role == role)

    def sympy(self):
        """The kernel as SymPy objects: ``(expression, r, {name: symbol})``.

        ``r`` is a real symbol; each parameter symbol is positive or real as
        declared. SymPy is imported here, not when the module is imported.
        """
        if self._sympy is None:
            import sympy

            lag = sympy.Symbol(LAG, real=True)
            symbols = {p.name: sympy.Symbol(p.name, positive=True) if p.positive
                       else sympy.Symbol(p.name, real=True) for p in self.parameters}
            expression = to_sympy(self._tree, {LAG: lag, **symbols})
            self._sympy = (expression, lag, symbols)
        return self._sympy

    def key(self):
        """Hex digest identifying the covariance (the expression and the symbols' assumptions).

        Two spellings of one expression (``"s**2*exp(-r)"`` and
        ``"exp(-r)*s**2"``) share a key; bounds and roles do not enter it.
        """
        import sympy

        expression = self.sympy()[0]
        return hashlib.sha256(sympy.srepr(expression).encode()).hexdigest()

    def covariance(self, r, **params):
        """k(r; θ) evaluated with NumPy (broadcasting ``r`` against the parameter arrays)."""
        from audiogp.gp.spectral import spectral_density

        return spectral_density(self).covariance(r, **params)

    def __add__(self, other):
        if not isinstance(other, Kernel):
            return NotImplemented
        return add_kernels(self, other)

    def __eq__(self, other):
        return (isinstance(other, Kernel) and self.expression == other.expression
                and self.parameters == other.parameters)

    def __hash__(self):
        return hash((self.expression, self.parameters))

    def summary(self):
        """One line for logs: name and parameters."""
        return f"Kernel({self.name}: {', '.join(self.parameter_names)})"

    def __repr__(self):
        return f"Kernel({self.expression!r}, parameters={list(self.parameter_names)}, name={self.name!r})"

    def to_dict(self):
        """JSON-able form, enough to rebuild the kernel (see :meth:`from_dict`)."""
        return {"name": self.name, "expression": self.expression, "description": self.description,
                "parameters": [p.to_dict() for p in self.parameters]}

    @classmethod
    def from_dict(cls, data):
        """Rebuild a kernel saved with :meth:`to_dict`."""
        try:
            parameters = [Parameter(**{**p, "bounds": tuple(p["bounds"])}) for p in data["parameters"]]
            return cls(data["expression"], parameters, name=data.get("name"),
                       description=data.get("description", ""))
        except (KeyError, TypeError) as error:
            raise KernelError(f"not a saved kernel: {error}") from None

    def to_json(self):
        return json.dumps(self.to_dict(), sort_keys=True)


# --------------------------------------------------------------------------------------------
# Parsing: a whitelist over Python's AST, so no string is ever evaluated.

_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_UNARY = (ast.USub, ast.UAdd)


def parse_expression(expression, parameter_names, *, lag=LAG, require_lag=True, require_all=True):
    """Check a kernel expression and return its syntax tree.

    Parameters
    ----------
    expression : str
        The expression.
    parameter_names : sequence of str
        The declared parameters.
    lag : str
        Name of the independent variable.
    require_lag : bool
        Refuse an expression that does not use ``lag``.
    require_all : bool
        Refuse a declared parameter that the expression does not use.

    Returns
    -------
    ast.Expression

    Raises
    ------
    KernelError
        With ``column`` set to the offset of the offending token.
    """
    declared = set(parameter_names)
    allowed_names = declared | {lag}
    source = expression.replace("\n", " ")
    if not source.strip():
        raise KernelError("the kernel expression is empty; write the covariance as a function of r",
                          expression=expression, column=0)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        column = None if error.offset is None else max(0, error.offset - 1) + _lead(source)
        where = "" if column is None else f" at column {column + 1}"
        raise KernelError(f"the kernel expression is not valid syntax{where}: {error.msg}",
                          expression=expression, column=column) from None
    lead = _lead(source)
    used = set()

    def fail(node, message, symbol=None):
        column = getattr(node, "col_offset", None)
        column = None if column is None else column + lead
        where = "" if column is None else f" (column {column + 1} of {expression!r})"
        raise KernelError(f"{message}{where}", expression=expression,
                          column=column, symbol=symbol)

    def visit(node):
        if isinstance(node, ast.Expression):
            return visit(node.body)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.BitXor):
                caret = source.find("^", node.left.end_col_offset + lead)
                node = ast.Constant(0, col_offset=caret - lead) if caret >= 0 else node
                fail(node, "^ is not a power here (Python reads it as exclusive or, with the wrong "
                           "precedence); write ** for powers")
            if not isinstance(node.op, _BINARY):
                fail(node, f"operator {type(node.op).__name__} is not allowed in a kernel; use + - * / **")
            visit(node.left)
            visit(node.right)
            return None
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, _UNARY):
                fail(node, f"operator {type(node.op).__name__} is not allowed in a kernel")
            visit(node.operand)
            return None
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                fail(node, f"only numbers may appear as literals, got {node.value!r}")
            return None
        if isinstance(node, ast.Name):
            if node.id in allowed_names:
                used.add(node.id)
                return None
            if node.id in CONSTANTS:
                return None
            if node.id in FUNCTIONS:
                fail(node, f"{node.id} is a function; call it, e.g. {node.id}(r)", node.id)
            hint = check.suggest(node.id, sorted(allowed_names | set(CONSTANTS)))
            listed = ", ".join(sorted(declared)) or "none"
            fail(node, f"symbol {node.id!r} is not declared: add it to the kernel's parameters "
                       f"(declared: {listed}; the lag is {lag!r}).{hint}", node.id)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = getattr(node.func, "id", None)
                hint = check.suggest(name, FUNCTIONS) if name else ""
                fail(node, f"unknown function {name or ast.unparse(node.func)!r}; allowed: "
                           f"{', '.join(sorted(set(FUNCTIONS)))}.{hint}", name)
            if node.keywords or not node.args:
                fail(node, f"{node.func.id}() takes positional arguments only")
            for argument in node.args:
                if isinstance(argument, ast.Starred):
                    fail(argument, "starred arguments are not allowed")
                visit(argument)
            return None
        fail(node, f"{type(node).__name__} is not allowed in a kernel expression; use arithmetic, "
                   "numbers, the declared parameters, r and the allowed functions")
        return None

    visit(tree)
    if require_lag and lag not in used:
        raise KernelError(f"the kernel expression {expression!r} does not use the lag {lag!r}: "
                          f"a covariance is a function of the lag r (seconds)",
                          expression=expression, symbol=lag)
    unused = [name for name in parameter_names if name not in used]
    if unused and require_all:
        raise KernelError(f"parameter {unused[0]!r} is declared but does not appear in "
                          f"{expression!r}; remove its declaration or use it",
                          expression=expression, symbol=unused[0], parameter=unused[0])
    return tree


def _lead(source):
    return len(source) - len(source.lstrip())


def to_sympy(tree, symbols):
    """Build the SymPy expression of a tree checked by :func:`parse_expression`."""
    import sympy

    def build(node):
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.BinOp):
            left, right = build(node.left), build(node.right)
            op = node.op
            if isinstance(op, ast.Add):
                return left + right
            if isinstance(op, ast.Sub):
                return left - right
            if isinstance(op, ast.Mult):
                return left * right
            if isinstance(op, ast.Div):
                return left / right
            return left ** right
        if isinstance(node, ast.UnaryOp):
            operand = build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Constant):
            if isinstance(node.value, int):
                return sympy.Integer(node.value)
            return sympy.Float(repr(node.value))
        if isinstance(node, ast.Name):
            if node.id in symbols:
                return symbols[node.id]
            return getattr(sympy, CONSTANTS[node.id])
        if isinstance(node, ast.Call):
            function = getattr(sympy, FUNCTIONS[node.func.id])
            return function(*[build(a) for a in node.args])
        raise AssertionError(f"unchecked node {node!r}")

    return build(tree)


# --------------------------------------------------------------------------------------------
# Sums of kernels.

def add_kernels(*kernels, name=None):
    """The sum of kernels, as one :class:`Kernel`.

    Parameters shared by name between the terms are renamed ``name_1``,
    ``name_2``, ... (by term) so every term keeps its own.
    """
    if not kernels:
        raise ParameterError("add_kernels needs at least one kernel")
    counts = {}
    for kernel in kernels:
        for parameter in kernel.parameters:
            counts[parameter.name] = counts.get(parameter.name, 0) + 1
    terms, parameters = [], []
    taken = {n for n, c in counts.items() if c == 1}
    for index, kernel in enumerate(kernels, 1):
        renames = {}
        for parameter in kernel.parameters:
            new_name = parameter.name
            if counts[parameter.name] > 1:
                new_name = f"{parameter.name}_{index}"
                while new_name in taken:
                    new_name += "_"
                taken.add(new_name)
            renames[parameter.name] = new_name
            parameters.append(dataclasses.replace(parameter, name=new_name))
        terms.append(_rename(kernel.expression, renames))
    expression = " + ".join(f"({term})" for term in terms)
    return Kernel(expression, parameters, name=name or " + ".join(k.name for k in kernels))


def _rename(expression, renames):
    tree = ast.parse(expression.strip(), mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in renames:
            node.id = renames[node.id]
    return ast.unparse(tree)


# --------------------------------------------------------------------------------------------
# Built-in kernels and the registry.

def _amplitude():
    return Parameter("s", positive=True, bounds=(None, None), role="amplitude", default=1.0,
                     description="standard deviation of the component")


def _lengthscale(lower=1e-4, default=0.01, description="lengthscale"):
    return Parameter("l", positive=True, bounds=(lower, 10.0), role="lengthscale", default=default,
                     unit="s", description=description)


def _frequency():
    return Parameter("p", positive=True, bounds=(None, None), role="frequency", default=440.0,
                     unit="Hz", description="centre frequency")


def _builtin_kernels():
    return {
        "se": Kernel("s**2 * exp(-r**2 / (2*l**2))", [_amplitude(), _lengthscale()], name="se",
                     description="squared exponential (RBF)"),
        "matern12": Kernel("s**2 * exp(-abs(r)/l)", [_amplitude(), _lengthscale()], name="matern12",
                           description="Matern-1/2 (exponential, Ornstein-Uhlenbeck)"),
        "matern32": Kernel("s**2 * (1 + sqrt(3)*abs(r)/l) * exp(-sqrt(3)*abs(r)/l)",
                           [_amplitude(), _lengthscale()], name="matern32", description="Matern-3/2"),
        "cosine": Kernel("s**2 * cos(2*pi*p*r)", [_amplitude(), _frequency()], name="cosine",
                         description="cosine (a line spectrum; has no spectral density)"),
        "sm": Kernel("s**2 * exp(-(r/l)**2) * cos(2*pi*p*r)",
                     [_amplitude(), _lengthscale(lower=1e-3, description="decay time of the component"),
                      _frequency()],
                     name="sm", description="spectral-mixture component (Wilson & Adams 2013)"),
        "lorentzian": Kernel("s**2 * exp(-abs(r)/l) * cos(2*pi*p*r)",
                             [_amplitude(), _lengthscale(lower=1e-3, description="decay time"),
                              _frequency()],
                             name="lorentzian", description="damped oscillator (Lorentzian line)"),
    }


_REGISTRY = {}
ALIASES = {"squared_exponential": "se", "rbf": "se", "exponential": "matern12",
           "spectral_mixture": "sm", "matern-1/2": "matern12", "matern-3/2": "matern32"}


def _registry():
    if not _REGISTRY:
        _REGISTRY.update(_builtin_kernels())
    return _REGISTRY


def register_kernel(kernel, *, name=None, replace=False):
    """Make ``kernel`` available to :func:`get_kernel` under ``name`` (default ``kernel.name``).

    Plugins register their kernels through the plugin hook, which calls this.
    """
    if not isinstance(kernel, Kernel):
        raise ParameterTypeError(f"register_kernel expects a Kernel, got {type(kernel).__name__}")
    name = name or kernel.name
    registry = _registry()
    if name in registry and not replace and registry[name] != kernel:
        raise ParameterError(f"a different kernel named {name!r} is already registered")
    registry[name] = kernel
    return kernel


def available_kernels():
    """Sorted names of the registered kernels."""
    return sorted(_registry())


def get_kernel(kernel):
    """Return a :class:`Kernel` from a name (or the kernel itself).

    Raises
    ------
    ParameterError
        For an unknown name, with the known names and a near miss.
    """
    if isinstance(kernel, Kernel):
        return kernel
    if not isinstance(kernel, str):
        raise ParameterTypeError(f"kernel must be a kernel name or a Kernel, got {type(kernel).__name__}")
    registry = _registry()
    name = ALIASES.get(kernel, kernel)
    if name not in registry:
        raise ParameterError(f"kernel={kernel!r} is not a known kernel; known: "
                             f"{', '.join(sorted(registry))}.{check.suggest(kernel, list(registry))}")
    return registry[name]


def is_lorentzian(kernel):
    """Whether ``kernel`` is s² exp(−|r|/l) cos(2πpr) in its amplitude, lengthscale and frequency.

    Returns the names ``(s, l, p)`` of those parameters, or None.
    """
    import sympy

    roles = [kernel.with_role(r) for r in ("amplitude", "lengthscale", "frequency")]
    if any(len(names) != 1 for names in roles) or len(kernel.parameters) != 3:
        return None
    expression, lag, symbols = kernel.sympy()
    s, l, p = (symbols[names[0]] for names in roles)
    reference = s**2 * sympy.exp(-sympy.Abs(lag) / l) * sympy.cos(2 * sympy.pi * p * lag)
    if expression == reference or sympy.simplify(expression - reference) == 0:
        return tuple(names[0] for names in roles)
    return None


def kernel_from_string(expression, params, *, name=None):
    """Build a :class:`Kernel` from an expression and a mapping of declarations.

    This is the form a spec uses::

        kernel:
          expression: "s**2 * exp(-abs(r)/l) * cos(2*pi*p*r)"
          params:
            s: {role: amplitude}
            l: {role: lengthscale, bounds: [0.001, 1.0]}
            p: {role: frequency, bounds: [20, 11000]}

    Parameters
    ----------
    expression : str
        The covariance in terms of ``r`` (seconds).
    params : mapping of str to mapping
        Declarations: ``positive`` (default true), ``bounds``, ``role``,
        ``default``, ``unit``, ``description``.
    name : str, optional
        The kernel's name.
    """
    if not isinstance(params, dict):
        raise KernelError(f"params must map each parameter name to its declaration, got {params!r}")
    return Kernel(expression, params, name=name)
