"""One spec over a whole corpus: items, seeds, manifest, engines (serial or Dask), reduce.

Typical use::

    from audiogp import corpus

    summary = corpus.run_corpus("spec.yaml", over="voice.path=recordings/**/*.wav", out_dir="out")
    summary.failed        # records of the items that failed, each with its located error

A run of one item is a pure function of (spec, input file, seed), and every
item's seed derives from the spec's seed and the item's path relative to the
corpus root (:mod:`audiogp.corpus.seeds`), so the outputs do not depend on
the engine, the number of workers, or the order items finish in. See
docs/corpus.md.
"""

__all__ = ["run_corpus", "CorpusSummary"]


def __getattr__(name):
    if name in __all__:
        from audiogp.corpus import runner

        return getattr(runner, name)
    raise AttributeError(name)
