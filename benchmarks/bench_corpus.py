"""The corpus runner: 2 local Dask workers against serial, per-item overhead, resume, client memory.

The corpus is 40 files: the 13 recordings of ../shared/corpus and 27 espeak-ng
renders (three voices, nine phrases), run through the quickstart-like
pipeline (load -> stft -> PGHI-initialised Griffin-Lim, 16 iterations ->
save + spectral convergence). Times are wall clock of the map (the cluster
is started and warmed by one run before the clock starts; its start-up is
reported beside). Local workers run with one thread each, as
``audiogp run --jobs`` starts them.
Client peak RSS is measured in a fresh process running the corpus on 2
workers, at 40 and at 400 items (the 40 files under ten names each).

Run alone: ``python benchmarks/bench_corpus.py``; in the table:
``python benchmarks/run.py corpus``.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import Row, corpus_dir

SPEC = """\
audiogp: 1
seed: 0
nodes:
  voice:   {use: load, path: placeholder.wav, sr: 22050}
  spec:    {use: stft, input: voice, n_fft: 1024, hop_length: 256}
  wave:    {use: griffinlim, input: spec, init: pghi, n_iter: 16}
  quality: {use: spectral_convergence, reference: spec, input: wave}
  out:     {use: save, input: wave, path: resynth.wav, subtype: FLOAT}
  report:  {use: metrics_json, input: quality, path: quality.json}
"""
PHRASES = ["the quick brown fox jumps over the lazy dog", "a corpus of forty files",
           "phase retrieval from the magnitude alone", "one spec over many recordings",
           "serial by default, on a cluster when asked", "every item has its own seed",
           "resume where it stopped", "nothing is half written", "the report people look at"]
VOICES = ["en+m3", "en-us+f2", "en-gb-scotland"]
OVER = "voice.path=corpus/**/*.wav"

_RSS_SCRIPT = """
import resource, sys
from audiogp.corpus.runner import run_corpus
summary = run_corpus(sys.argv[1], sys.argv[2], out_dir=sys.argv[3], jobs=2, quiet=True,
                     registry_options={"builtins_only": True})
assert not summary.failed, summary.failed[:1]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, len(summary.done))
"""


def build_corpus(folder):
    """The 40 files below ``folder/corpus`` (recordings copied, espeak-ng renders)."""
    root = Path(folder) / "corpus"
    for kind in ("speech", "music", "noise"):
        for path in sorted((corpus_dir() / kind).glob("*.wav")):
            target = root / kind / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    rendered = root / "espeak"
    rendered.mkdir(parents=True, exist_ok=True)
    for v, voice in enumerate(VOICES):
        for p, phrase in enumerate(PHRASES):
            subprocess.run(["espeak-ng", "-v", voice, "-w", str(rendered / f"v{v}_p{p}.wav"),
                           phrase], check=True, capture_output=True)
    return root


def _run(folder, out, **options):
    from audiogp.corpus.runner import run_corpus

    started = time.perf_counter()
    summary = run_corpus(Path(folder) / "spec.yaml", OVER, out_dir=Path(folder) / out,
                         quiet=True, registry_options={"builtins_only": True},
                         base=folder, **options)
    seconds = time.perf_counter() - started
    assert not summary.failed, summary.failed[:1]
    return seconds, summary


def _peak_rss(folder, out):
    result = subprocess.run([sys.executable, "-c", _RSS_SCRIPT, str(Path(folder) / "spec.yaml"),
                             OVER, str(Path(folder) / out)], cwd=folder, capture_output=True,
                            text=True, check=True)
    megabytes, count = result.stdout.split()
    return float(megabytes), int(count)


def cases():
    from audiogp.corpus.engines import DaskEngine

    with tempfile.TemporaryDirectory(prefix="audiogp-bench-corpus-") as folder:
        build_corpus(folder)
        (Path(folder) / "spec.yaml").write_text(SPEC)
        inputs = "40 files (13 recordings + 27 espeak-ng), quickstart-like pipeline"
        _run(folder, "warm")  # imports, caches
        serial, summary = _run(folder, "serial")
        n = len(summary.done)
        started = time.perf_counter()
        with DaskEngine(jobs=2) as two:
            startup = time.perf_counter() - started
            _run(folder, "warm2", engine=two)  # workers import audiogp and build the registry
            dask2, _ = _run(folder, "dask2", engine=two)
        yield Row("corpus", "2 local Dask workers vs serial", inputs, dask2, "serial", serial,
                  target=1 / 1.8, quality={"speed-up": f"{serial / dask2:.2f}x (target >= 1.8)",
                                           "cluster start-up": f"{startup:.1f} s (not timed)"},
                  quality_met=serial / dask2 >= 1.8)
        with DaskEngine(jobs=1) as one:
            _run(folder, "warm1", engine=one)
            dask1, summary1 = _run(folder, "dask1", engine=one)
        # The Dask path's own cost: the client's wall time per item minus the time the item
        # spent running inside the worker (independent of how many threads each side uses).
        inside = sum(r["seconds"] for r in summary1.done)
        overhead_ms = (dask1 - inside) / n * 1e3
        yield Row("corpus", "1 Dask worker vs serial: per-item overhead", inputs, dask1 / n,
                  "serial per item", serial / n,
                  quality={"overhead": f"{overhead_ms:.1f} ms per item (client wall time minus "
                           "time inside the worker; target <= 50)",
                           "vs serial": f"{(dask1 - serial) / n * 1e3:.1f} ms per item"},
                  quality_met=overhead_ms <= 50)
        resume, summary = _run(folder, "serial")
        assert len(summary.skipped) == n and not summary.done
        yield Row("corpus", "resume a finished corpus vs running it", inputs, resume, "serial run",
                  serial, quality={"resume": f"{resume:.2f} s (target <= 2)"},
                  quality_met=resume <= 2)
        root = Path(folder) / "corpus"
        many = Path(folder) / "many" / "corpus"
        for copy in range(10):
            for path in sorted(root.rglob("*.wav")):
                target = many / f"copy{copy}" / path.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, target)
        (Path(folder) / "many" / "spec.yaml").write_text(SPEC)
        started = time.perf_counter()
        rss40, count40 = _peak_rss(folder, "rss40")
        t40 = time.perf_counter() - started
        started = time.perf_counter()
        rss400, count400 = _peak_rss(Path(folder) / "many", "rss400")
        t400 = time.perf_counter() - started
        assert (count40, count400) == (40, 400)
        yield Row("corpus", "client of a 2-worker run: 400 items vs 40", "the 40 files, and "
                  "under 10 names each", t400, "40 items", t40,
                  quality={"client peak RSS": f"{rss40:.0f} MB at 40, {rss400:.0f} MB at 400",
                           "growth": f"{rss400 / rss40:.2f}x (target: no growth, <= 1.1x)"},
                  quality_met=rss400 <= 1.1 * rss40)


if __name__ == "__main__":
    for row in cases():
        print(row.line())
