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
        builtins_only=False, reporter=None, workers=None, keep_values=True, threaded=None,
        max_memory=None):
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
    threaded : bool, optional
        Run nodes in worker threads even with one worker (see
        :func:`audiogp.graph.runner.run_graph`).
    max_memory : str or int, optional
        Memory budget of one node (see :func:`check`).

    Outputs are published only once every node has succeeded; a failed or
    interrupted run leaves ``out_dir`` as it was (docs/specs.md, "Outputs and
    failures").
    """
    from audiogp._files import check_output_folder
    from audiogp.graph.runner import run_graph

    registry = _registry(registry, builtins_only)
    out_dir = Path(out_dir).expanduser()  # "~/results" as a shell would read it
    check_output_folder(out_dir)
    graph = check(spec, overrides=overrides, seed=seed, out_dir=out_dir, force=force,
                  registry=registry, max_memory=max_memory)
    existed = Path(out_dir).exists()
    check_output_folder(out_dir, create=True)
    try:
        return run_graph(graph, registry, force=force, reporter=reporter, workers=workers,
                         keep_values=keep_values, threaded=threaded)
    except BaseException:
        if not existed:  # the folder this run created goes too, if the run left it empty
            import contextlib

            with contextlib.suppress(OSError):
                Path(out_dir).rmdir()
        raise


def run_text(text, *, folder=".", **options):
    """Run a spec given as YAML text (input paths relative to ``folder``); see :func:`run`."""
    return run(parse_spec(text, source="<string>", folder=Path(folder).resolve()), **options)
