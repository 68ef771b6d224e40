"""The corpus options of ``audiogp run`` (``--over``, ``--jobs``, ``--scheduler``)."""

import sys

__all__ = ["add_corpus_options", "run_corpus_command", "run_with_report"]


def add_corpus_options(parser):
    """Add ``--over``, ``--jobs`` and ``--scheduler`` to the ``run`` subcommand's parser."""
    group = parser.add_argument_group("corpus runs and reports (docs/corpus.md)")
    group.add_argument("--report", action="store_true",
                       help="also write report.html into --out: graph, timings, players, "
                       "spectrograms, metrics, failures (needs matplotlib)")
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
                         quiet=args.quiet, report=args.report)
    if not args.quiet or summary.failed or summary.reduce_error:
        stream = sys.stderr if summary.failed or summary.reduce_error else sys.stdout
        stream.write(format_summary(summary) + "\n")
        stream.flush()
    return 2 if summary.failed or summary.reduce_error else 0


def run_with_report(args, registry, reporter):
    """A single run (no ``--over``) that writes ``report.html`` beside its outputs."""
    from pathlib import Path

    from audiogp import graph
    from audiogp._version import __version__
    from audiogp.corpus.manifest import spec_hash
    from audiogp.report import report_of_run, write_report

    result = graph.run(args.spec, out_dir=args.out, overrides=args.overrides, seed=args.seed,
                       force=args.force, registry=registry, reporter=reporter,
                       workers=args.workers, keep_values=True)
    checked = graph.check(args.spec, overrides=args.overrides, seed=args.seed, registry=registry)
    digest = spec_hash(Path(args.spec).read_text(encoding="utf-8"), overrides=args.overrides,
                       seed=checked.seed, version=__version__)
    path = write_report(args.out, report_of_run(checked, result, registry, spec=args.spec,
                                                spec_hash=digest))
    if not args.quiet:
        print(f"report: {path}")
    return 0
