"""The ``audiogp`` command.

Imports here are kept to the standard library: every subcommand imports
what it needs when it runs, so ``audiogp --help`` stays fast.

Exit status: 0 on success, 2 for a mistake the user can fix (the message
alone, no traceback), 1 for a bug (with its traceback), 130 when interrupted.
"""

import argparse
import sys

from audiogp._version import __version__

EXIT_OK = 0
EXIT_INTERNAL_ERROR = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def build_parser():
    """Return the argument parser of the ``audiogp`` command."""
    parser = argparse.ArgumentParser(
        prog="audiogp",
        description="Audio analysis and resynthesis pipelines: spectrograms, phase retrieval, "
        "Gaussian-process models of audio.",
        epilog="Specs and commands: docs/specs.md; writing plugins: docs/plugins.md.",
    )
    parser.add_argument("--version", action="version", version=f"audiogp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run a pipeline spec (YAML)",
                              description="Validate, then run, the pipeline described by a YAML spec.")
    run.add_argument("spec", help="path of the YAML spec")
    run.add_argument("--out", default="out", metavar="DIR",
                     help="folder for outputs (default: ./out)")
    _add_spec_options(run)
    run.add_argument("--seed", type=int, metavar="N", help="seed of the run (overrides the spec's)")
    run.add_argument("--force", action="store_true", help="overwrite existing outputs")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.add_argument("--workers", type=int, metavar="N",
                     help="nodes run at the same time (default: cores, at most 4)")
    from audiogp.corpus.cli import add_corpus_options

    add_corpus_options(run)
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="check a spec without running it",
                                   description="Check a spec against the installed node types; "
                                   "print every problem with its file:line:column.")
    validate.add_argument("spec", help="path of the YAML spec")
    _add_spec_options(validate)
    validate.set_defaults(handler=_validate)

    graph = commands.add_parser("graph", help="print the graph of a spec",
                                description="Print a spec's graph in execution order, or as "
                                "Graphviz DOT.")
    graph.add_argument("spec", help="path of the YAML spec")
    graph.add_argument("--dot", action="store_true", help="print Graphviz DOT")
    _add_spec_options(graph)
    graph.set_defaults(handler=_graph)

    nodes = commands.add_parser("nodes", help="list node types, or document one",
                                description="List the installed node types, or print the "
                                "documentation of one.")
    nodes.add_argument("name", nargs="?", help="node type or value type to document")
    nodes.add_argument("--builtins-only", action="store_true", help="ignore third-party plugins")
    _add_plugin_options(nodes)
    nodes.set_defaults(handler=_nodes)

    plugins = commands.add_parser("plugins", help="list installed plugins",
                                  description="List plugins: distribution, version, what each "
                                  "provides, and any that failed to load.")
    plugins.add_argument("--builtins-only", action="store_true", help="ignore third-party plugins")
    _add_plugin_options(plugins)
    plugins.set_defaults(handler=_plugins)

    new_plugin = commands.add_parser(
        "new-plugin", help="write the skeleton of a plugin distribution",
        description="Write audiogp-NAME/: a plugin distribution with one node type, a value "
        "type, tests on audiogp.testing and a README, whose tests pass as written "
        "(docs/plugins.md).")
    new_plugin.add_argument("name", help="what the plugin is about: a lower-case Python "
                            "identifier, e.g. loudness (gives audiogp-loudness, audiogp_loudness)")
    new_plugin.add_argument("--dir", default=".", metavar="DIR",
                            help="folder to write audiogp-NAME/ into (default: the current one)")
    new_plugin.set_defaults(handler=_new_plugin)
    return parser


def _add_plugin_options(parser):
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        dest="plugin_modules", help="also load this plugin module, not installed "
                        "(a module name, or a .py file or package folder; repeatable)")
    parser.add_argument("--plugins-dir", action="append", default=[], metavar="DIR",
                        dest="plugin_dirs", help="also load every plugin module (*.py, packages) "
                        "in DIR (repeatable)")


def _add_spec_options(parser):
    parser.add_argument("--set", action="append", default=[], metavar="NODE.KEY=VALUE",
                        dest="overrides", help="override a node's parameter or input (repeatable); "
                        "the value is read as YAML")
    parser.add_argument("--builtins-only", action="store_true",
                        help="load no installed third-party plugin (also: AUDIOGP_PLUGINS=builtin)")
    _add_plugin_options(parser)


def _registry(args, *, warn=True):
    from audiogp.plugins import get_registry

    registry = get_registry(builtins_only=args.builtins_only, plugin_modules=args.plugin_modules,
                            plugin_dirs=args.plugin_dirs)
    asked_for = [info for info in registry.broken if info.distribution == "<development>"]
    if asked_for and warn:
        from audiogp.errors import UserError

        raise UserError("; ".join(f"plugin {info.name} ({info.origin}) failed to load: {info.error}"
                                  for info in asked_for))
    if warn:
        for info in registry.broken:
            print(f"audiogp: warning: plugin {info.name} from {info.label} failed to load "
                  f"({info.error}); its node types are unavailable", file=sys.stderr)
        for (what, name), providers in registry.conflicts.items():
            print(f"audiogp: warning: {what} {name!r} is registered by both "
                  + " and ".join(p.distribution for p in providers) + "; it is unavailable",
                  file=sys.stderr)
    return registry


def _run(args):
    if args.over is not None or args.jobs is not None or args.scheduler is not None:
        return _run_corpus(args)
    from audiogp import graph
    from audiogp.graph.report import ConsoleReporter

    registry = _registry(args)
    reporter = None if args.quiet else ConsoleReporter()
    if args.report:
        from audiogp.corpus.cli import run_with_report

        return run_with_report(args, registry, reporter)
    graph.run(args.spec, out_dir=args.out, overrides=args.overrides, seed=args.seed,
              force=args.force, registry=registry, reporter=reporter, workers=args.workers,
              keep_values=False)
    return EXIT_OK


def _run_corpus(args):
    from audiogp.corpus.cli import run_corpus_command
    from audiogp.errors import UserError

    if args.over is None:
        raise UserError("--jobs and --scheduler run a corpus: give --over NODE.KEY=PATTERN too "
                        "(docs/corpus.md)")
    _registry(args)  # plugin problems are reported once, here
    return run_corpus_command(args, {"builtins_only": args.builtins_only,
                                     "plugin_modules": tuple(args.plugin_modules),
                                     "plugin_dirs": tuple(args.plugin_dirs)})


def _validate(args):
    from audiogp import graph

    checked = graph.check(args.spec, overrides=args.overrides, registry=_registry(args))
    print(f"{args.spec}: valid ({len(checked.order)} nodes)")
    return EXIT_OK


def _graph(args):
    from audiogp import graph

    checked = graph.check(args.spec, overrides=args.overrides, registry=_registry(args))
    print(checked.dot() if args.dot else checked.text())
    return EXIT_OK


def _nodes(args):
    from audiogp.plugins import describe

    registry = _registry(args)
    print(describe.node_doc(registry, args.name) if args.name else describe.node_list(registry))
    return EXIT_OK


def _plugins(args):
    from audiogp.plugins import describe

    print(describe.plugin_list(_registry(args, warn=False)))
    return EXIT_OK


def _new_plugin(args):
    from audiogp.plugins.skeleton import write_skeleton

    folder = write_skeleton(args.name, args.dir)
    print(f"wrote {folder}: pip install -e '{folder}[test]' then pytest {folder / 'tests'}; "
          f"or without installing: audiogp nodes --plugin {folder / 'src' / folder.name.replace('-', '_')}")
    return EXIT_OK


def main(argv=None):
    """Entry point of the ``audiogp`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    from audiogp.errors import UserError

    try:
        return args.handler(args) or EXIT_OK
    except UserError as error:
        print(f"audiogp: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("audiogp: interrupted; no partial output was kept", file=sys.stderr)
        return EXIT_INTERRUPTED
