"""The ``audiogp`` command.

Imports here are kept to the standard library: every subcommand imports
what it needs when it runs, so ``audiogp --help`` stays fast.

Exit status: 0 on success, 2 for a mistake the user can fix (the message
alone, no traceback), 1 for a bug (with its traceback), 130 when interrupted
(Ctrl-C), 143 when terminated (SIGTERM), 141 (as a process killed by SIGPIPE)
when the reader of standard output went away (``audiogp nodes | head``), quietly.
An interrupted run leaves its output folder as it was before the run.
"""

import argparse
import contextlib
import os
import sys
import threading

from audiogp._version import __version__

EXIT_OK = 0
EXIT_INTERNAL_ERROR = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


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
    _add_memory_option(run)
    from audiogp.corpus.cli import add_corpus_options

    add_corpus_options(run)
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="check a spec without running it",
                                   description="Check a spec against the installed node types; "
                                   "print every problem with its file:line:column.")
    validate.add_argument("spec", help="path of the YAML spec")
    validate.add_argument("--out", default="out", metavar="DIR",
                          help="output folder the run would use: checked to be writable, and "
                          "output names to fit in it (default: ./out)")
    _add_spec_options(validate)
    _add_memory_option(validate)
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


def _add_memory_option(parser):
    parser.add_argument("--max-memory", metavar="SIZE", dest="max_memory",
                        help="refuse, before running, a node estimated to need more memory than "
                        "SIZE (8G, 512M, or none; default: $AUDIOGP_MAX_MEMORY, else 75%% of the "
                        "available memory)")


def _add_spec_options(parser):
    parser.add_argument("--set", action="append", default=[], metavar="NODE.KEY=VALUE",
                        dest="overrides", help="override a node's parameter or input (repeatable); "
                        "the value is read as YAML")
    parser.add_argument("--builtins-only", action="store_true",
                        help="load no installed third-party plugin (also: AUDIOGP_PLUGINS=builtin)")
    _add_plugin_options(parser)


def _check_options(args):
    """Refuse option values that cannot make sense, the same way for every command."""
    from audiogp.errors import UserError

    out = getattr(args, "out", None)
    if out is not None:
        if not out.strip():
            raise UserError("--out is empty: give the output folder, e.g. --out out")
        if "\0" in out:
            raise UserError(f"--out {out!r} holds a NUL character, which no folder name can hold")
        args.out = os.path.expanduser(out)
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise UserError(f"--workers {workers}: give at least 1 (the number of nodes run at once)")
    seed = getattr(args, "seed", None)
    if seed is not None and seed < 0:
        raise UserError(f"--seed {seed}: a seed is a non-negative integer (as the spec's seed: key takes)")


def _warn(message):
    print(f"audiogp: warning: {message}", file=sys.stderr)


def _warn_unknown_allowed_plugins(registry):
    """An ``AUDIOGP_PLUGINS`` name that matches no installed plugin is a warning, with the names."""
    from audiogp.plugins.manager import ENV_ALLOW_LIST, _normal, allow_list_from_env

    asked = allow_list_from_env()
    if not asked:
        return
    infos = list(registry.plugins) + list(registry.disabled) + list(getattr(registry, "replaced", []))
    known = {_normal(name) for info in infos for name in (info.name, info.distribution)}
    for name in sorted(asked - known):
        installed = sorted({info.distribution for info in infos if not info.builtin})
        _warn(f"{ENV_ALLOW_LIST} names {name!r}, which is not an installed plugin "
              f"(installed: {', '.join(installed) or 'none'}); it is ignored")


def _warn_if_nothing_saved(checked):
    if not any(node.output_files for node in checked.nodes.values()):
        _warn(f"{checked.source} saves nothing: no node writes a file, so a run only computes "
              "and prints its summary; add a sink such as {use: save, input: NODE, path: "
              "out.wav} to keep a result")


def _registry(args, *, warn=True):
    from audiogp.plugins import get_registry

    registry = get_registry(builtins_only=args.builtins_only, plugin_modules=args.plugin_modules,
                            plugin_dirs=args.plugin_dirs)
    asked_for = [info for info in registry.broken if info.distribution == "<development>"]
    if asked_for and warn:
        from audiogp.errors import UserError

        raise UserError("; ".join(f"plugin {info.name} ({info.origin}) failed to load: {info.error}"
                                  for info in asked_for))
    _warn_unknown_allowed_plugins(registry)
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
    from audiogp._warnings import NodeTracker, routed_warnings
    from audiogp.graph.report import ConsoleReporter

    registry = _registry(args)
    reporter = NodeTracker(None if args.quiet else ConsoleReporter())
    with routed_warnings(reporter, quiet=args.quiet):
        spec = graph.load_spec(args.spec)
        checked = graph.check(spec, overrides=args.overrides, seed=args.seed, out_dir=args.out,
                              force=args.force, registry=registry,
                              max_memory=args.max_memory)
        if not args.quiet:
            _warn_if_nothing_saved(checked)
        # The overrides are applied to ``spec`` already; graph.run checks it again, then runs.
        with _stop_on_signals():
            if args.report:
                from audiogp.corpus.cli import run_with_report

                return run_with_report(args, registry, reporter)
            graph.run(spec, out_dir=args.out, seed=args.seed,
                      force=args.force, registry=registry, reporter=reporter,
                      workers=args.workers, keep_values=False, threaded=True,
                      max_memory=args.max_memory)
    return EXIT_OK


# -- signals: Ctrl-C and SIGTERM stop a run the same way ------------------------------------------

class Terminated(KeyboardInterrupt):
    """Raised by the SIGTERM handler, so that a terminated run cleans up like an interrupted one."""


_received = []  # signal numbers received during the current command


def _on_signal(number, frame):
    import signal

    first = not _received
    _received.append(number)
    if not first:
        return  # already stopping; let the clean-up finish
    name = signal.Signals(number).name
    # os.write, not print: a signal handler may run while the main thread is inside a print.
    os.write(2, f"audiogp: {name} received: stopping...\n".encode())
    raise Terminated() if number == signal.SIGTERM else KeyboardInterrupt()


@contextlib.contextmanager
def _stop_on_signals():
    """While a run goes on, SIGINT and SIGTERM raise in the main thread (and say so at once)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = {number: signal.signal(number, _on_signal) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _interrupted_status():
    import signal

    return 128 + signal.SIGTERM if signal.SIGTERM in _received else EXIT_INTERRUPTED


def _exit_now_if_threads_linger(status):
    """A node abandoned in a compiled loop would keep the process alive: leave at once."""
    if any(t.name.startswith("audiogp-node") and t.is_alive() for t in threading.enumerate()):
        _exit_now(status)


def _exit_now(status):
    """Leave after an interruption: exit handlers run, the slow interpreter teardown does not."""
    import atexit

    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(status)


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
    from audiogp._warnings import NodeTracker, routed_warnings

    with routed_warnings(NodeTracker(None)):
        checked = graph.check(args.spec, overrides=args.overrides, registry=_registry(args),
                              out_dir=args.out, force=True,
                              max_memory=args.max_memory)
    _warn_if_nothing_saved(checked)
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


def _what_was_kept(error):
    """What a failed run left in --out, as the runner recorded it on the error."""
    kept = getattr(error, "kept_files", None)
    if kept:
        problems = "".join(f"\n({problem})" for problem in getattr(error, "keep_problems", ()))
        return ("\n(the only file this run wrote, to keep the computed result: "
                + ", ".join(str(p) for p in kept) + ")" + problems)
    unchanged = getattr(error, "out_dir_unchanged", None)
    if unchanged is not None:
        return f"\n(no output was written: {unchanged} is as it was before the run)"
    return ""


def main(argv=None):
    """Entry point of the ``audiogp`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    from audiogp.errors import UserError

    try:
        _check_options(args)
        status = args.handler(args) or EXIT_OK
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _broken_pipe()
    except UserError as error:
        print(f"audiogp: error: {error}{_what_was_kept(error)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt as interrupt:
        # The runner's Interrupted says what was kept; an interrupt outside a run wrote nothing.
        message = str(interrupt) or "interrupted"
        print(f"audiogp: {message}", file=sys.stderr)
        status = _interrupted_status()
        if argv is None:  # the console script: do not spend a second tearing the interpreter down
            _exit_now(status)
        _exit_now_if_threads_linger(status)
        return status


def _broken_pipe():
    """The reader of stdout went away (``| head``): stop quietly, as a SIGPIPE-killed tool would.

    Standard output is pointed at /dev/null so that the interpreter's final
    flush does not raise again (the recipe of Python's ``signal`` documentation).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout replaced (tests): nothing to redirect
        pass
    return EXIT_BROKEN_PIPE
