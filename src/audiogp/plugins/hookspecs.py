"""The hooks a plugin implements: this module is the plugin author's reference.

A plugin is a module (or object) with functions decorated by
``audiogp.plugins.hookimpl`` and named after the hooks below. Every hook
receives one argument, ``register``: a callback the plugin calls once for
each thing it provides, in the style of llm's and datasette's
``register_*`` hooks::

    from audiogp.plugins import hookimpl

    @hookimpl
    def register_node_types(register):
        register(YIN)          # a NodeType(..., kind="analysis")

A plugin implements only the hooks it needs. A misspelt hook name, or a
hook whose argument is not called ``register``, is an error when the plugin
loads. ``register_node_types`` (plugin API 1.1) takes node types of every
kind, each naming its kind; the per-kind hooks (``register_analysis``...)
of API 1.0 still work and set the kind themselves. The kinds only group
node types in ``audiogp nodes`` and the docs, they do not change how a node
runs. Every class a port names is registered as a value type with its node
type, so ``register_value_types`` is only needed for types no port names
by class (a ``ValueType`` imported lazily, a base class).

See ``docs/plugins.md`` for a complete walk-through; a test keeps that file
in step with the signatures here.
"""

import pluggy

hookspec = pluggy.HookspecMarker("audiogp")


@hookspec
def register_value_types(register):
    """Register value types that travel on graph edges.

    Call ``register(cls)`` with a class (named after it), or
    ``register(ValueType(name, "module:QualName", doc))`` to name a class
    without importing its module yet. Ports of node types name these types;
    a value type must be registered by some plugin before a port can use it.
    The built-in types are in :mod:`audiogp.types`.
    """


@hookspec
def register_node_types(register):
    """Register node types of any kind (plugin API 1.1).

    Call ``register(node_type)`` with a :class:`~audiogp.plugins.NodeType`
    that names its kind: ``NodeType(..., kind="analysis")``, one of
    :data:`~audiogp.plugins.KINDS`. The classes its ports name are
    registered as value types along with it. Node types registered here
    pass the facts of their main input on to their outputs unless they say
    otherwise (``NodeType.facts_from``).
    """


@hookspec
def register_sources(register):
    """Register node types that produce values from outside the graph (kind ``"source"``).

    Call ``register(node_type)`` with a :class:`~audiogp.plugins.NodeType`
    that has no required inputs: reading audio files, synthesising test
    signals, loading saved models.
    """


@hookspec
def register_sinks(register):
    """Register node types that write results out of the graph (kind ``"sink"``).

    Call ``register(node_type)`` with a :class:`~audiogp.plugins.NodeType`.
    Sinks usually have no outputs and an :class:`~audiogp.plugins.OutputFile`
    parameter; they write through ``ctx.output(path)``.
    """


@hookspec
def register_analysis(register):
    """Register analysis node types (kind ``"analysis"``).

    Call ``register(node_type)`` with a :class:`~audiogp.plugins.NodeType`
    that turns a signal into a representation: STFT, mel spectrogram, MFCC,
    block PSD, pitch, envelopes.
    """


@hookspec
def register_transforms(register):
    """Register node types that modify a value, keeping its kind (kind ``"transform"``).

    Call ``register(node_type)`` with a :class:`~audiogp.plugins.NodeType`:
    filters, resampling, gain, phase manipulation, frame reordering.
    """


@hookspec
def register_inversions(register):
    """Register inversion node types (kind ``"inversion"``).

    Call ``register(node_type)`` with a :class:`~audiogp.plugins.NodeType`
    that turns a representation back into a signal or recovers what it
    lacks: inverse STFT, phase retrieval (Griffin-Lim, PGHI), mel inversion.
    """


@hookspec
def register_synthesis(register):
    """Register synthesis node types (kind ``"synthesis"``).

    Call ``register(node_type)`` with a :class:`~audiogp.plugins.NodeType`
    that generates a signal from a model, e.g. sampling a waveform from a
    fitted Gaussian-process kernel.
    """


@hookspec
def register_kernel_fitting(register):
    """Register node types that fit models to data (kind ``"fitting"``).

    Call ``register(node_type)`` with a :class:`~audiogp.plugins.NodeType`,
    e.g. a spectral-mixture kernel fitted to each block's periodogram.
    """


@hookspec
def register_metrics(register):
    """Register node types that measure (kind ``"metric"``).

    Call ``register(node_type)`` with a :class:`~audiogp.plugins.NodeType`
    whose output is a :class:`~audiogp.types.Metrics` value, e.g. spectral
    convergence between a reference and an estimate.
    """


@hookspec
def register_kernels(register):
    """Register Gaussian-process covariance kernels by name.

    Call ``register(name, kernel)``; ``kernel`` is an object understood by
    :mod:`audiogp.gp` (see ``docs/gp.md``). Fitting nodes look kernels up by
    name with ``audiogp.plugins.get_registry().kernel(name)``, so a plugin
    can add a kernel without adding a node.
    """
