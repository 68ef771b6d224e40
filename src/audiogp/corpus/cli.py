"""The corpus options of ``audiogp run`` (``--over``, ``--jobs``, ``--scheduler``)."""

import sys

__all__ = ["add_corpus_options", "run_corpus_command"]


def add_corpus_options(parser):
    """Add ``--over``, ``--jobs`` and ``--scheduler`` to the ``run`` subcommand's parser."""
    group = parser.add_argument_group("corpus runs (docs/corpus.md)")
    group.add_argument("--over", metavar="NODE.KEY=PATTERN",
                       help="run the spec once per file matching PATTERN (quoted; ** spans "
                       "folders), given to NODE's input-file parameter KEY; outputs go to "
                       "--out/<path below the corpus root, without suffix>/; done items are "
                       "skipped unless --force")
    group.add_argument("--jobs", type=int, metavar="N",
                       help="with --over: run items on a local Dask cluster of N processes "
                       "(needs audiogp[dask])")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="with --over: run items on the Dask cluster at ADDRESS "
                       "(tcp://host:8786)")


def run_corpus_command(args, registry_options):
    """Run ``args.spec`` over the corpus; return the exit status (2 when any item failed)."""
    from audiogp.corpus.runner import format_summary, run_corpus

    summary = run_corpus(args.spec, args.over, out_dir=args.out, overrides=args.overrides,
                         seed=args.seed, force=args.force, jobs=args.jobs,
                         scheduler=args.scheduler, registry_options=registry_options,
                         quiet=args.quiet)
    if not args.quiet or summary.failed:
        stream = sys.stdout if not summary.failed else sys.stderr
        stream.write(format_summary(summary) + "\n")
        stream.flush()
    return 2 if summary.failed else 0
