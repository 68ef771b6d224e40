"""Pipelines as graphs: YAML specs, validation, and the runner.

The runner is generic: it knows node declarations and values, nothing of
audio. Typical use::

    from audiogp import graph

    result = graph.run("examples/quickstart.yaml", out_dir="out")
    graph.check("spec.yaml")            # validate only; raises SpecError listing every problem
"""

from pathlib import Path

from audiogp.graph.spec import Location, Spec, SpecError, SpecProblem, load_spec, parse_spec

__all__ = ["Location", "Spec", "SpecError", "SpecProblem", "load_spec", "parse_spec", "check",
           "run", "run_text"]


def _registry(registry, builtins_only):
    if registry is not None:
        return registry
    from audiogp.plugins import get_registry

    return get_registry(builtins_only=builtins_only)


def check(spec, *, overrides=(), seed=None, out_dir=None, force=True, registry=None,
          builtins_only=False, max_memory=None):
    """Load (if given a path) and validate a spec; return the runnable :class:`~audiogp.graph.dag.Graph`.

    ``max_memory`` (``"8G"``) is the memory one node may need (default:
    ``$AUDIOGP_MAX_MEMORY``, else 75 % of the available memory; see
    :mod:`audiogp._resources`). Raises :class:`SpecError` with every problem found.
    """
    from audiogp.graph.validate import validate

    if not isinstance(spec, Spec):
        spec = load_spec(spec)
    return validate(spec, _registry(registry, builtins_only), overrides=overrides, seed=seed,
                    out_dir=out_dir, force=force, max_memory=max_memory)


def run(spec, *, out_dir="out", overrides=(), seed=None, force=False, registry=None,
        builtins_only=False, reporter=None, workers=None, keep_values=True, max_memory=None):
    """Validate and run a spec (a path or a parsed :class:`Spec`); return a :class:`~audiogp.graph.runner.RunResult`.

    Parameters
    ----------
    spec : path-like or Spec
    out_dir : path-like
        Folder the outputs are written into (created if needed).
    overrides : sequence of str
        ``"node.key=value"`` settings, as ``--set`` takes them.
    seed : int, optional
        Overrides the spec's seed.
    force : bool
        Replace existing outputs.
    reporter : audiogp.graph.runner.Reporter, optional
        Progress display (default: none).
    workers : int, optional
        Nodes run at once.
    keep_values : bool
        Keep every node's output values in the result (``result.values``).
    max_memory : str or int, optional
        Memory budget of one node (see :func:`check`).
    """
    from audiogp.graph.runner import run_graph

    registry = _registry(registry, builtins_only)
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        from audiogp.errors import UserError

        raise UserError(f"the output folder {out_dir} is a file; give --out a folder")
    graph = check(spec, overrides=overrides, seed=seed, out_dir=out_dir, force=force,
                  registry=registry, max_memory=max_memory)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return run_graph(graph, registry, force=force, reporter=reporter, workers=workers,
                     keep_values=keep_values)


def run_text(text, *, folder=".", **options):
    """Run a spec given as YAML text (input paths relative to ``folder``); see :func:`run`."""
    return run(parse_spec(text, source="<string>", folder=Path(folder).resolve()), **options)
