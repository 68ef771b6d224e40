"""Gaussian-process node types: kernels, per-block kernel fits, synthesis; the KernelFit edge type.

Thin adapters over :mod:`audiogp.gp`. Kernels are looked up by name in the
plugin registry (built-ins are registered by this module through
``register_kernels``, third-party kernels by their plugins), or defined in
the spec by a ``kernel`` node with an expression string and parameter
declarations::

    kern:  {use: kernel, expression: "s**2 * exp(-abs(r)/l) * cos(2*pi*p*r)",
            params: {s: {role: amplitude}, l: {role: lengthscale, bounds: [0.001, 1]},
                     p: {role: frequency}}}
    model: {use: gp_fit, input: voice, kernel: kern, n_components: 16}
"""

from audiogp.builtin._memory import gp_fit_memory, gp_fit_sizes, gp_synthesize_memory
from audiogp.errors import ParameterError
from audiogp.plugins import (InputFile, Mismatch, NodeType, OutputFile, Param, Port, ValueType,
                             hookimpl)
from audiogp.types import Signal

KERNEL_FIT = ValueType("KernelFit", "audiogp.gp.kernelfit:KernelFit",
                       "a kernel fitted to every block of a signal (audiogp.gp.KernelFit)")
KERNEL = ValueType("Kernel", "audiogp.gp.kernels:Kernel",
                   "a covariance kernel with its parameter declarations (audiogp.gp.Kernel)")


def resolve_kernel(name):
    """A kernel by name: registered by a plugin, else a built-in of :mod:`audiogp.gp`."""
    from audiogp import gp
    from audiogp.plugins import get_registry

    try:
        kernel = get_registry().kernel(name)
    except KeyError:
        return gp.get_kernel(name)  # raises with the known names and a near miss
    if isinstance(kernel, gp.Kernel):
        return kernel
    if isinstance(kernel, dict):
        return gp.kernel_from_string(kernel.get("expression"), kernel.get("params", {}), name=name)
    raise ParameterError(f"the kernel registered as {name!r} is a {type(kernel).__name__}, "
                         "not an audiogp.gp.Kernel or an {expression, params} mapping")


# -- kernel ------------------------------------------------------------------------------------

def kernel(ctx, *, name, expression, params):
    """A covariance kernel: a registered one by name, or one written as an expression in r."""
    from audiogp import gp

    if expression is None:
        if params:
            raise ParameterError("params declares the symbols of an expression; give expression too")
        return resolve_kernel(name)
    try:
        return gp.kernel_from_string(expression, params or {}, name=ctx.node)
    except gp.KernelError as error:
        raise ParameterError(_kernel_message(error)) from None


def infer_kernel(params, inputs):
    """Check the kernel when the spec is validated: its name, or its expression and declarations.

    An expression is parsed and its spectral density derived (SymPy's
    Fourier transform, cached) here, so a missing ``r``, an undeclared
    symbol or a covariance SymPy cannot transform is reported with the
    spec's other problems, at the key at fault, before anything runs.
    """
    from audiogp import gp

    expression = params.get("expression")
    if expression is None:
        if params.get("params"):
            raise Mismatch("params", "params declares the symbols of an expression; give expression too")
        name = params.get("name")
        _check_kernel_name(name, "name")
        return {"kernel": {"name": name}}
    try:
        gp.spectral_density(gp.kernel_from_string(expression, params.get("params") or {},
                                                  name="expression"))
    except gp.KernelError as error:
        key = "params" if error.parameter is not None and error.column is None else "expression"
        raise Mismatch(key, _kernel_message(error)) from None
    return {"kernel": {"name": "expression"}}


def _check_kernel_name(name, key):
    try:
        resolve_kernel(name)
    except ParameterError as error:
        raise Mismatch(key, str(error)) from None


def _kernel_message(error):
    where = "" if error.column is None else (
        f"\n    {error.expression}\n    {' ' * error.column}^ (column {error.column + 1} of the expression)")
    return f"{error}{where}"


KERNEL_NODE = NodeType(
    name="kernel",
    function=kernel,
    outputs=[Port("kernel", "Kernel", "the kernel")],
    params=[
        Param("name", str, "sm", "a registered kernel (sm, lorentzian, se, matern12, matern32, "
              "cosine, or a plugin's), used when no expression is given"),
        Param("expression", str, None, "the covariance in terms of the lag r (seconds), e.g. "
              "'s**2 * exp(-abs(r)/l)'"),
        Param("params", dict, None, "declaration of each symbol of the expression: "
              "{name: {positive, bounds, role, default}}"),
    ],
    details="Errors in an expression (a missing r, an undeclared symbol, syntax, a covariance "
            "SymPy cannot transform) are found when the spec is validated and name the symbol "
            "and its column in the expression.",
    infer=infer_kernel,
)


# -- gp_fit --------------------------------------------------------------------------------------

def gp_fit(ctx, *, input, envelope, kernel, kernel_name, n_components, block_ms, hop_ms, loss,
           init, smoothness, max_iter):
    """Fit a sum of kernels to the periodogram of every block of a signal (Whittle, L-BFGS-B)."""
    import numpy as np

    from audiogp import gp

    y = np.asarray(input.y)
    if y.ndim != 1:
        raise ParameterError(f"gp_fit needs a mono signal, got shape {y.shape}; load it with mono: true")
    if envelope is not None:
        if envelope.sr != input.sr or envelope.n_samples != input.n_samples:
            raise ParameterError(f"the envelope ({envelope.n_samples} samples at {envelope.sr} Hz) "
                                 f"does not match the signal ({input.n_samples} at {input.sr} Hz)")
        envelope = np.asarray(envelope.y)
    chosen = kernel if kernel is not None else resolve_kernel(kernel_name)
    hop = int(round((block_ms / 2 if hop_ms is None else hop_ms) * input.sr / 1000.0))
    # L-BFGS-B fits every block at once: progress is its iterations, with the block count named.
    unit = f"iterations over {-(-input.n_samples // max(hop, 1))} blocks"
    ctx.progress(0, max_iter, unit)
    try:
        return gp.fit(y, input.sr, kernel=chosen, n_components=n_components, block_ms=block_ms,
                      hop_ms=hop_ms, loss=loss, init=init, smoothness=smoothness, envelope=envelope,
                      max_iter=max_iter, progress=ctx.progress_in(unit))
    except gp.KernelError as error:
        raise ParameterError(_kernel_message(error)) from None


GP_FIT = NodeType(
    name="gp_fit",
    function=gp_fit,
    inputs=[Port("input", Signal, "the signal (mono)"),
            Port("envelope", Signal, "amplitude envelope to divide out (an envelope node's "
                 "envelope output)", optional=True),
            Port("kernel", "Kernel", "the component kernel (a kernel node); default: kernel_name",
                 optional=True)],
    outputs=[Port("fit", "KernelFit", "the kernel's parameters per block, noise floor, geometry")],
    params=[
        Param("kernel_name", str, "sm", "registered component kernel when no kernel input is given"),
        Param("n_components", int, 24, "components per block", minimum=1),
        Param("block_ms", float, 50.0, "block length, ms", exclusive_minimum=0),
        Param("hop_ms", float, None, "hop between blocks, ms (default block_ms / 2)", exclusive_minimum=0),
        Param("loss", str, "whittle", "Whittle likelihood or log-spectrum least squares",
              choices=("whittle", "logls")),
        Param("init", str, "bark", "initial frequencies: peak of each Bark band, or largest peaks",
              choices=("bark", "peaks")),
        Param("smoothness", float, 0.0, "penalty tying neighbouring blocks (the original used 0.1)",
              minimum=0),
        Param("max_iter", int, 100, "most L-BFGS-B iterations", minimum=1),
    ],
    infer=lambda params, inputs: infer_gp_fit(params, inputs),
    checks=[gp_fit_sizes],
    memory=gp_fit_memory,
)


def infer_gp_fit(params, inputs):
    """Without a kernel input, ``kernel_name`` must name a registered kernel."""
    if not inputs.get("kernel"):
        _check_kernel_name(params.get("kernel_name"), "kernel_name")
    signal = inputs.get("input") or {}
    return {"fit": {key: signal[key] for key in ("sr", "length") if signal.get(key) is not None}}


def infer_gp_synthesize(params, inputs):
    """The waveform has the fitted signal's rate, and its length scaled by 1/rate (or duration)."""
    fit = inputs.get("fit") or {}
    facts = {key: fit[key] for key in ("sr", "length") if fit.get(key) is not None}
    duration, rate = params.get("duration"), params.get("rate", 1.0)
    if duration is not None:
        facts.pop("length", None)
        if "sr" in facts:
            facts["length"] = max(1, int(round(duration * facts["sr"])))
    elif rate not in (None, 1.0) and "length" in facts:
        facts["length"] = max(1, int(round(facts["length"] / rate)))
    return {"signal": facts}


# -- gp_synthesize -------------------------------------------------------------------------------

def gp_synthesize(ctx, *, fit, mode, context, rate, duration):
    """Sample a waveform from a fitted model, block by block, envelope restored."""
    from audiogp import gp

    y = gp.synthesize(fit, mode=mode, seed=ctx.seed, context=context, rate=rate, duration=duration,
                      progress=ctx.progress_in("blocks"))
    return Signal(y, fit.sr)


GP_SYNTHESIZE = NodeType(
    name="gp_synthesize",
    function=gp_synthesize,
    inputs=[Port("fit", "KernelFit", "a fitted model (gp_fit or load_kernel_fit)")],
    outputs=[Port("signal", Signal, "the sampled waveform, at the fit's sample rate")],
    params=[
        Param("mode", str, "overlap", "how blocks join: windowed overlap-add of stationary draws, "
              "continued from the previous block's innovations, pinned to zero at the ends, "
              "independent, or the Lorentzian state-space sampler",
              choices=("overlap", "previous", "zero-ends", "independent", "statespace")),
        Param("context", int, None, "innovations each block is drawn over in 'previous' mode "
              "(default one hop)", minimum=1),
        Param("rate", float, 1.0, "speed against the original: 0.5 lasts twice as long, 2 half as "
              "long; spectra and pitch are kept", minimum=0.25, maximum=4.0),
        Param("duration", float, None, "output length in seconds instead of rate (extends a "
              "stationary sound to any length)", minimum=0.001),
    ],
    infer=infer_gp_synthesize,
    memory=gp_synthesize_memory,
)


# -- saving and loading fits ---------------------------------------------------------------------

def save_kernel_fit(ctx, *, input, path):
    """Write a KernelFit to .npz (or .json) without pickle."""
    with ctx.output(path) as temporary:
        input.save(temporary, format="json" if path.suffix.lower() == ".json" else "npz")


SAVE_KERNEL_FIT = NodeType(
    name="save_kernel_fit",
    function=save_kernel_fit,
    inputs=[Port("input", "KernelFit", "the fit")],
    params=[Param("path", OutputFile, doc="file to write (.npz, or .json)")],
)


def load_kernel_fit(ctx, *, path):
    """Read a KernelFit written by save_kernel_fit or KernelFit.save."""
    from audiogp.gp import KernelFit

    return KernelFit.load(path)


LOAD_KERNEL_FIT = NodeType(
    name="load_kernel_fit",
    function=load_kernel_fit,
    outputs=[Port("fit", "KernelFit", "the fit")],
    params=[Param("path", InputFile, doc="a saved fit (.npz or .json), relative to the spec")],
)


# -- hooks ---------------------------------------------------------------------------------------

@hookimpl
def register_value_types(register):
    register(KERNEL_FIT)
    register(KERNEL)


@hookimpl
def register_kernels(register):
    from audiogp.gp import kernels

    for name in kernels.available_kernels():
        register(name, kernels.get_kernel(name))


@hookimpl
def register_sources(register):
    register(KERNEL_NODE)
    register(LOAD_KERNEL_FIT)


@hookimpl
def register_kernel_fitting(register):
    register(GP_FIT)


@hookimpl
def register_synthesis(register):
    register(GP_SYNTHESIZE)


@hookimpl
def register_sinks(register):
    register(SAVE_KERNEL_FIT)
