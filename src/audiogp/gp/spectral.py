"""Spectral densities of kernels, derived with SymPy and compiled to NumPy.

For a stationary covariance k(r) the spectral density is its Fourier
transform (the Wiener-Khinchin theorem; Rasmussen & Williams, *Gaussian
Processes for Machine Learning*, MIT Press 2006, sec. 4.2.1),

    S(f) = ∫ k(r) exp(−2πi f r) dr,

a two-sided density per Hz when r is in seconds. :func:`spectral_density`
asks SymPy for S (``sympy.fourier_transform``, whose convention is exactly
this one), differentiates it with respect to every parameter, and
lambdifies S, its gradient and k itself to NumPy functions.

The first time a kernel's density is derived it is checked against a
numerical Fourier transform of the covariance: k is sampled on a fine grid
over the range where it is not negligible, and its discrete Fourier
transform, which by the Poisson summation formula equals the aliased sum
Σ_m S(f + m/h) of the density for grid step h, is compared with that sum of
the symbolic S. The two must agree to 1e-6 relative wherever S is within
60 dB of its peak, or :class:`~audiogp.gp.kernels.KernelError` is raised.

Derived densities are cached in memory and on disk, keyed by the kernel's
expression (its SymPy form, so different spellings share an entry) and the
SymPy version. The disk cache lives in ``$AUDIOGP_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/audiogp`` (``~/.cache/audiogp`` when XDG_CACHE_HOME is
unset; ``~/Library/Caches/audiogp`` on macOS, ``%LOCALAPPDATA%\\audiogp`` on
Windows); entries are small JSON files holding the density as text, written
to a temporary name and renamed into place, and read back through the same
whitelisting parser as kernel strings (never ``eval``). A directory that
cannot be written is skipped silently: the cache is an optimisation.
"""

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

from audiogp.errors import ParameterError
from audiogp.gp.kernels import LAG, Kernel, KernelError, get_kernel, parse_expression, to_sympy

CACHE_FORMAT = 2
FREQUENCY = "f"
CHECK_TOLERANCE = 1e-6
CHECK_DYNAMIC_RANGE = 1e-6  # compare where S >= this fraction of its peak (60 dB)

_memory = {}
_lock = threading.Lock()


def cache_dir():
    """Directory of the on-disk cache (see the module docstring); it may not exist yet."""
    configured = os.environ.get("AUDIOGP_CACHE_DIR")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "audiogp"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "audiogp"
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "audiogp"
    return Path.home() / ".cache" / "audiogp"


def clear_cache(*, memory=True, disk=True):
    """Forget derived densities (in this process and/or on disk)."""
    if memory:
        with _lock:
            _memory.clear()
    if disk:
        folder = cache_dir() / "spectral"
        if folder.is_dir():
            for entry in folder.glob("*.json"):
                with contextlib.suppress(OSError):
                    entry.unlink()


class SpectralDensity:
    """A kernel's spectral density S(f; θ), its gradient and its covariance, as NumPy functions.

    Obtain one with :func:`spectral_density`. Parameters are passed as
    keyword arrays (``S(f, s=..., l=..., p=...)``) or, in the fast methods
    used by the fit, positionally in ``kernel.parameter_names`` order; all
    broadcast together.

    Attributes
    ----------
    kernel : Kernel
    expression : sympy.Expr
        S in terms of the frequency symbol ``f`` (Hz) and the parameters.
    gradient : list of sympy.Expr
        ∂S/∂θ for each parameter, in declaration order.
    """

    def __init__(self, kernel, expression, covariance_expression, frequency_symbol, symbols,
                 base=None):
        import sympy

        self.kernel = kernel
        self.expression = expression
        names = kernel.parameter_names
        self.shifted = None if base is None else ShiftedDensity(kernel, *base, frequency_symbol, symbols)
        arguments = [frequency_symbol, *[symbols[n] for n in names]]
        self.gradient = [sympy.diff(expression, symbols[n]) for n in names]
        modules = [{"exp": _exp_floored}, "numpy", "scipy"]
        self._value = sympy.lambdify(arguments, expression, modules=modules)
        self._value_and_gradient = sympy.lambdify(arguments, [expression, *self.gradient],
                                                  modules=modules, cse=True)
        lag = [s for s in covariance_expression.free_symbols if s.name == LAG]
        self._covariance = sympy.lambdify(
            [lag[0] if lag else sympy.Symbol(LAG), *[symbols[n] for n in names]],
            covariance_expression, modules=modules)

    def _positional(self, params):
        names = self.kernel.parameter_names
        missing = [n for n in names if n not in params]
        if missing:
            raise ParameterError(f"kernel {self.kernel.name!r} needs parameter(s) {', '.join(missing)}")
        extra = [n for n in params if n not in names]
        if extra:
            raise ParameterError(f"kernel {self.kernel.name!r} has no parameter {extra[0]!r}; "
                                 f"it has {', '.join(names)}")
        return [np.asarray(params[n], dtype=np.float64) for n in names]

    def __call__(self, f, **params):
        """S(f; θ), two-sided, per Hz."""
        return self.value(np.asarray(f, dtype=np.float64), *self._positional(params))

    def value(self, f, *params):
        """S(f; θ) with the parameters given positionally."""
        shape = np.broadcast_shapes(np.shape(f), *[np.shape(p) for p in params])
        return np.broadcast_to(self._value(f, *params), shape)

    def value_and_gradient(self, f, *params):
        """``(S, [∂S/∂θ_j for each parameter])``, all of the broadcast shape."""
        shape = np.broadcast_shapes(np.shape(f), *[np.shape(p) for p in params])
        out = self._value_and_gradient(f, *params)
        return (np.broadcast_to(out[0], shape),
                [np.broadcast_to(g, shape) for g in out[1:]])

    def covariance(self, r, **params):
        """k(r; θ) for lags ``r`` in seconds."""
        positional = self._positional(params)
        r = np.asarray(r, dtype=np.float64)
        return self.covariance_positional(r, *positional)

    def covariance_positional(self, r, *params):
        """k(r; θ) with the parameters given positionally."""
        shape = np.broadcast_shapes(np.shape(r), *[np.shape(p) for p in params])
        return np.broadcast_to(self._covariance(r, *params), shape)


EXP_FLOOR = -200.0


def _exp_floored(z):
    """exp(max(z, -200)): tails far below any density of interest (e^-200 ~ 1e-87) are
    floored instead of underflowing to subnormal numbers, which make NumPy's exp and every
    product after it several times slower."""
    return np.exp(np.maximum(z, EXP_FLOOR))


class ShiftedDensity:
    """The structure S(f) = [S0(f - p) + S0(f + p)] / 2 of a modulated kernel k0(r) cos(2πpr).

    ``S0`` is the density of the envelope k0, which does not involve the
    frequency ``p``. Evaluating the two shifted copies separately lets the
    fit skip the mirror image at -p where it is negligible and keeps f - p
    together for accuracy.

    Attributes
    ----------
    frequency : str
        The parameter p.
    names : tuple of str
        The other parameters, in the kernel's order (the arguments after d).
    """

    def __init__(self, kernel, base_expression, frequency, frequency_symbol, symbols):
        import sympy

        self.frequency = frequency
        self.names = tuple(n for n in kernel.parameter_names if n != frequency)
        self.expression = base_expression
        arguments = [frequency_symbol, *[symbols[n] for n in self.names]]
        outputs = [base_expression, *[sympy.diff(base_expression, symbols[n]) for n in self.names],
                   sympy.diff(base_expression, frequency_symbol)]
        modules = [{"exp": _exp_floored}, "numpy", "scipy"]
        self._value_and_gradient = sympy.lambdify(arguments, outputs, modules=modules, cse=True)
        self._value = sympy.lambdify(arguments, base_expression, modules=modules)

    def value(self, d, *params):
        """S0 at offsets ``d`` (Hz) from the line."""
        shape = np.broadcast_shapes(np.shape(d), *[np.shape(p) for p in params])
        return np.broadcast_to(self._value(d, *params), shape)

    def value_and_gradient(self, d, *params):
        """``(S0(d), [dS0/dθ for the other parameters], dS0/dd)`` at offsets ``d`` (Hz)."""
        shape = np.broadcast_shapes(np.shape(d), *[np.shape(p) for p in params])
        out = [np.broadcast_to(v, shape) for v in self._value_and_gradient(d, *params)]
        return out[0], out[1:-1], out[-1]


def spectral_density(kernel):
    """The :class:`SpectralDensity` of ``kernel`` (a :class:`Kernel` or a registered name).

    Derived with SymPy's Fourier transform on first use, checked against a
    numerical FFT of the covariance, and cached (see the module docstring).

    Raises
    ------
    KernelError
        SymPy cannot transform the covariance; the covariance is not even in
        r, is not positive at r = 0, or does not decay (a line spectrum such
        as the bare cosine kernel has no density); or the symbolic and
        numerical transforms disagree.
    """
    kernel = get_kernel(kernel)
    key = _cache_key(kernel)
    with _lock:
        cached = _memory.get(key)
    if cached is not None and cached.kernel.parameter_names == kernel.parameter_names:
        return cached
    derived = _read_disk_cache(kernel, key)
    if derived is None:
        derived = _derive(kernel)
        density_expression = derived[0]
        try:
            result = _build(kernel, derived)
            _numerical_check(result)
        except KernelError:
            raise
        except Exception as error:  # lambdify or NumPy cannot handle what SymPy returned
            raise KernelError(f"the spectral density SymPy found for kernel {kernel.name!r} "
                              f"({kernel.expression}) cannot be evaluated with NumPy ({error}); "
                              f"it is {str(density_expression)[:200]}",
                              expression=kernel.expression) from None
        _write_disk_cache(kernel, key, derived)
    else:
        result = _build(kernel, derived)
    with _lock:
        _memory[key] = result
    return result


def _cache_key(kernel):
    import sympy

    expression = kernel.sympy()[0]
    text = json.dumps({"format": CACHE_FORMAT, "sympy": sympy.__version__,
                       "kernel": sympy.srepr(expression)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _frequency_symbol():
    import sympy

    return sympy.Symbol(FREQUENCY, real=True)


def _build(kernel, derived):
    density_expression, base = derived
    expression, _, symbols = kernel.sympy()
    return SpectralDensity(kernel, density_expression, expression, _frequency_symbol(), symbols,
                           base=base)


def _derive(kernel):
    """S(f) of the kernel by SymPy's Fourier transform, with clear errors."""
    import sympy

    expression, lag, symbols = kernel.sympy()
    f = _frequency_symbol()
    where = f"kernel {kernel.name!r} ({kernel.expression})"
    mirrored = expression.subs(lag, -lag)
    if mirrored != expression and sympy.simplify(mirrored - expression) != 0:
        raise KernelError(f"{where} is not even in r: a stationary covariance satisfies k(-r) = k(r)",
                          expression=kernel.expression)
    base = _modulation(expression, lag, f, symbols)
    density = base[2] if base is not None else _transform(expression, lag, f)
    if density is None or density.has(sympy.FourierTransform, sympy.Integral):
        raise KernelError(f"SymPy cannot find the Fourier transform of {where}, so it has no "
                          "closed-form spectral density; rewrite it (e.g. as a sum or product of "
                          "exp, cos and powers of r) or use a built-in kernel",
                          expression=kernel.expression)
    if density == 0 or density.has(sympy.DiracDelta) or density.has(sympy.nan, sympy.zoo):
        raise KernelError(f"{where} has no spectral density: its covariance does not decay, so its "
                          "spectrum is a set of lines (multiply it by a decaying kernel, e.g. "
                          "the 'sm' or 'lorentzian' kernels)", expression=kernel.expression)
    return density, (None if base is None else base[:2])


def _modulation(expression, lag, f, symbols):
    """For k = k0(r)·cos(2πpr), p a parameter not in k0: ``(S0, "p", S)``, else None."""
    import sympy

    factors = sympy.Mul.make_args(expression)
    for index, factor in enumerate(factors):
        if not isinstance(factor, sympy.cos):
            continue
        rate = sympy.diff(factor.args[0], lag)
        frequency = sympy.simplify(rate / (2 * sympy.pi))
        name = next((n for n, symbol in symbols.items() if frequency == symbol), None)
        if name is None or factor.args[0].subs(lag, 0) != 0:
            continue
        rest = sympy.Mul(*(factors[:index] + factors[index + 1:]))
        if not rest.has(lag) or rest.has(symbols[name]):
            continue
        base = _transform(rest, lag, f)
        if base is None or base.has(sympy.FourierTransform, sympy.Integral):
            return None
        shift = symbols[name]
        return base, name, (base.subs(f, f - shift) + base.subs(f, f + shift)) / 2
    return None


def _transform(expression, lag, f):
    """Fourier transform of ``expression`` in ``lag``, term by term and through modulation.

    A sum is transformed term by term. A product k0(r)·cos(ω r) is
    transformed by the modulation (shift) theorem, S(f) = [S0(f − ω/2π) +
    S0(f + ω/2π)] / 2 with S0 the transform of k0: the result keeps f − p
    together, so it evaluates accurately for narrow lines far from 0 Hz,
    where the expanded rational function SymPy gives for the product
    directly would lose every digit to cancellation. Anything else goes to
    ``sympy.fourier_transform``, then to the cosine integral on r > 0.
    Returns None when no closed form is found.
    """
    import sympy

    if expression.is_Add:
        terms = [_transform(term, lag, f) for term in expression.args]
        return None if any(t is None for t in terms) else sympy.Add(*terms)
    factors = sympy.Mul.make_args(expression)
    for index, factor in enumerate(factors):
        if isinstance(factor, sympy.cos):
            argument = factor.args[0]
            rate = sympy.diff(argument, lag)
            if rate.has(lag) or argument.subs(lag, 0) != 0:
                continue
            rest = sympy.Mul(*(factors[:index] + factors[index + 1:]))
            if not rest.has(lag):
                return sympy.nan  # a bare cosine: a line spectrum
            base = _transform(rest, lag, f)
            if base is None:
                return None
            shift = rate / (2 * sympy.pi)
            return (base.subs(f, f - shift) + base.subs(f, f + shift)) / 2
    try:
        density = sympy.fourier_transform(expression, lag, f)
    except Exception:  # SymPy raises assorted errors for integrals it cannot do
        density = None
    if density is None or density.has(sympy.FourierTransform, sympy.Integral):
        density = _cosine_route(expression, lag, f)
    if density is None or density.has(sympy.FourierTransform, sympy.Integral):
        return None
    return density


def _cosine_route(expression, lag, f):
    """S(f) = 2 ∫_0^∞ k(r) cos(2π f r) dr for an even k, on the positive half-line."""
    import sympy

    positive = sympy.Symbol("r_positive", positive=True)
    half = expression.subs(lag, positive).replace(sympy.Abs, lambda a: a)
    try:
        density = 2 * sympy.integrate(half * sympy.cos(2 * sympy.pi * f * positive),
                                      (positive, 0, sympy.oo), conds="none")
    except Exception:
        return None
    return sympy.simplify(density)


def _numerical_check(density):
    """Compare S with the DFT of k sampled finely (aliasing accounted for); raise on mismatch."""
    kernel = density.kernel
    names = kernel.parameter_names
    values = [np.float64(kernel.parameter(n).typical()) for n in names]
    where = f"kernel {kernel.name!r} ({kernel.expression})"

    def k(r):
        return np.asarray(density.covariance_positional(r, *values), dtype=np.float64)

    k0 = float(k(np.zeros(1))[0])
    if not np.isfinite(k0) or k0 <= 0:
        raise KernelError(f"{where} gives k(0) = {k0} at the typical parameter values "
                          f"{dict(zip(names, values))}: a covariance has k(0) > 0",
                          expression=kernel.expression)
    lengthscales = [v for n, v in zip(names, values) if kernel.parameter(n).role == "lengthscale"]
    extent = float(min(lengthscales)) if lengthscales else 1.0
    for _ in range(80):
        probe = np.linspace(extent, 4 * extent, 257)
        if np.max(np.abs(k(probe))) <= 1e-15 * k0:
            break
        extent *= 2
    else:
        raise KernelError(f"{where} does not decay with the lag r, so it has no spectral density "
                          "(a line spectrum); multiply it by a decaying kernel",
                          expression=kernel.expression)
    n = 1 << 16
    step = extent / n
    samples = k(np.arange(n + 1) * step)
    even = np.concatenate([samples[:n], samples[n:0:-1]])  # k(0..n-1), k(n), k(n-1..1)
    numeric = np.fft.rfft(even).real * step
    frequencies = np.arange(numeric.shape[0]) / (2 * n * step)
    symbolic = np.asarray(density.value(frequencies, *values), dtype=np.float64)
    if not np.all(np.isfinite(symbolic)):
        raise KernelError(f"the spectral density SymPy derived for {where} is not finite at "
                          f"the typical parameter values", expression=kernel.expression)
    peak = np.max(np.abs(symbolic))
    compare = np.flatnonzero(symbolic >= CHECK_DYNAMIC_RANGE * peak)
    compare = compare[:: max(1, compare.shape[0] // 2048)]
    aliased = _aliased(density, frequencies[compare], values, 1.0 / step)
    relative = np.abs(numeric[compare] - aliased) / aliased
    worst = float(np.max(relative)) if relative.size else np.inf
    if not worst <= CHECK_TOLERANCE:
        raise KernelError(f"the spectral density SymPy derived for {where} disagrees with a "
                          f"numerical Fourier transform of the covariance (largest relative "
                          f"difference {worst:.2e} > {CHECK_TOLERANCE:g}); the symbolic transform "
                          "is not trustworthy for this expression", expression=kernel.expression)
    return worst


def _aliased(density, frequencies, values, sampling_rate, terms=256):
    """Σ_m S(f + m·sampling_rate), what the DFT of k sampled at 1/sampling_rate measures.

    The terms with |m| <= ``terms`` are summed; the rest, which matter for
    slowly decaying densities (kernels with a kink at r = 0), are estimated
    by the Euler-Maclaurin integral 2·∫ S(u) du / sampling_rate from
    (terms + 1/2)·sampling_rate to infinity.
    """
    import scipy.integrate

    total = np.zeros_like(frequencies)
    shifts = np.arange(-terms, terms + 1) * sampling_rate
    for chunk in np.array_split(shifts, max(1, shifts.shape[0] // 64)):
        grid = frequencies[None, :] + chunk[:, None]
        total += np.sum(density.value(np.abs(grid), *values), axis=0)
    start = (terms + 0.5) * sampling_rate

    def integrand(t):  # u = start / t maps [start, inf) onto (0, 1]
        return float(density.value(np.float64(start / t), *values)) * start / (t * t)

    import warnings

    with warnings.catch_warnings():  # a tail that is ~0 to begin with cannot meet epsrel
        warnings.simplefilter("ignore", scipy.integrate.IntegrationWarning)
        tail, _ = scipy.integrate.quad(integrand, 0.0, 1.0, epsabs=0.0, epsrel=1e-10, limit=200)
    return total + 2.0 * tail / sampling_rate


# --------------------------------------------------------------------------------------------
# The disk cache.

def _cache_path(key):
    return cache_dir() / "spectral" / f"{key[:40]}.json"


def _read_disk_cache(kernel, key):
    path = _cache_path(key)
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    try:
        if entry.get("format") != CACHE_FORMAT or entry.get("key") != key or not entry.get("checked"):
            return None
        density = _parse_density(kernel, entry["density"])
        base = entry.get("base")
        if base is not None:
            if base["frequency"] not in kernel.parameter_names:
                return None
            base = (_parse_density(kernel, base["density"]), base["frequency"])
        return density, base
    except (KernelError, KeyError, TypeError, AttributeError):
        return None


def _parse_density(kernel, text):
    tree = parse_expression(text, list(kernel.parameter_names), lag=FREQUENCY, require_lag=False,
                            require_all=False)
    _, _, symbols = kernel.sympy()
    return to_sympy(tree, {FREQUENCY: _frequency_symbol(), **symbols})


def _write_disk_cache(kernel, key, derived):
    """Store the density as text, if it reads back identically; never fail the caller."""
    density_expression, base = derived
    texts = [str(density_expression)] + ([] if base is None else [str(base[0])])
    try:
        for text, expression in zip(texts, [density_expression] + ([] if base is None else [base[0]])):
            if _parse_density(kernel, text) != expression:
                return False
    except KernelError:
        return False
    text = texts[0]
    entry = {"format": CACHE_FORMAT, "key": key, "kernel": kernel.expression,
             "parameters": list(kernel.parameter_names), "density": text, "checked": True,
             "base": None if base is None else {"density": texts[1], "frequency": base[1]}}
    path = _cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(handle, "w") as stream:
                json.dump(entry, stream, indent=1)
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    except OSError:
        return False
    return True


__all__ = ["SpectralDensity", "spectral_density", "cache_dir", "clear_cache", "Kernel"]
