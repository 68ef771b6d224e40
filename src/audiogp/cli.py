"""The ``audiogp`` command.

Imports here are kept to the standard library: every subcommand imports
what it needs when it runs, so ``audiogp --help`` stays fast.
"""

import argparse
import sys

from audiogp._version import __version__

EXIT_OK = 0
EXIT_INTERNAL_ERROR = 1
EXIT_USER_ERROR = 2


def build_parser():
    """Return the argument parser of the ``audiogp`` command."""
    parser = argparse.ArgumentParser(
        prog="audiogp",
        description="Audio analysis and resynthesis pipelines: spectrograms, phase retrieval, "
        "Gaussian-process models of audio.",
    )
    parser.add_argument("--version", action="version", version=f"audiogp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run a pipeline spec (YAML)",
                              description="Run the pipeline described by a YAML spec.")
    run.add_argument("spec", help="path of the YAML spec")
    run.add_argument("--out", default="out", help="directory for outputs (default: ./out)")
    run.add_argument("--force", action="store_true", help="overwrite existing outputs")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.set_defaults(handler=_run)
    return parser


def _run(args):
    from audiogp._quickstart import run_spec

    return run_spec(args.spec, out_dir=args.out, force=args.force, quiet=args.quiet)


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
        print("audiogp: interrupted", file=sys.stderr)
        return 130
