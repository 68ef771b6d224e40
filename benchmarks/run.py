"""Run the benchmarks and (with ``--write``) record the table in docs/benchmarks.md.

Usage::

    python benchmarks/run.py                 # every bench_*.py
    python benchmarks/run.py stft toeplitz   # only bench_stft.py and bench_toeplitz.py
    python benchmarks/run.py --write         # and rewrite docs/benchmarks.md

Needs the ``bench`` extra (librosa, pystoi) and the corpus (../shared/corpus
or $AUDIOGP_CORPUS). Ratios are ours / peer, lower is better.
"""

import argparse
import datetime
import importlib
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import REPO  # noqa: E402


def machine_description():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy
    import scipy

    versions = [f"Python {platform.python_version()}", f"NumPy {numpy.__version__}",
                f"SciPy {scipy.__version__}"]
    try:
        import librosa

        versions.append(f"librosa {librosa.__version__}")
    except ImportError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}; " + ", ".join(versions)


def write_table(rows, path):
    import audiogp

    lines = [
        "# Benchmarks",
        "",
        f"Recorded {datetime.date.today().isoformat()} on {machine_description()}; "
        f"audiogp {audiogp.__version__}.",
        "",
        "Produced by `python benchmarks/run.py --write`. Each ratio is ours / peer (wall time, "
        "best of several interleaved runs in one process); lower is better. Quality figures "
        "are measured on the same run. The target column judges the issue's bound on the time ratio "
        "and, where the row has them, its quality bounds (written beside the figures).",
        "",
        "| area | case | inputs | ours (ms) | peer | peer (ms) | ratio | target | quality |",
        "|---|---|---|---:|---|---:|---:|---|---|",
    ]
    for row in rows:
        target = row.verdict()
        quality = "; ".join(f"{k} {v}" for k, v in row.quality.items())
        lines.append(f"| {row.area} | {row.case} | {row.inputs} | {row.ours_s * 1e3:.2f} | {row.peer} | "
                     f"{row.peer_s * 1e3:.2f} | {row.ratio:.3f} | {target} | {quality} |")
    path.write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areas", nargs="*", help="bench_<area>.py modules to run (default: all)")
    parser.add_argument("--write", action="store_true", help="rewrite docs/benchmarks.md")
    args = parser.parse_args()
    names = args.areas or sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))
    rows = []
    for name in names:
        module = importlib.import_module(f"bench_{name}")
        for row in module.cases():
            print(row.line(), flush=True)
            rows.append(row)
    if args.write:
        if args.areas:
            raise SystemExit("--write records the whole table: run it without naming areas")
        write_table(rows, REPO / "docs" / "benchmarks.md")
        print(f"wrote {REPO / 'docs' / 'benchmarks.md'}")


if __name__ == "__main__":
    main()
