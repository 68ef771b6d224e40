"""Peak memory per minute of audio of every example spec, on long generated signals.

Each example runs as ``audiogp run`` in its own process on an N-minute input
(its ``load`` node reads a generated WAV of speech-like vowels; an
``example`` node is given ``duration: N*60``), and the peak resident memory
of that process is read from ``os.wait4``'s ``ru_maxrss``. The figure per
minute is the slope between two durations, so the interpreter and the
imports (the intercept) are reported apart.

Usage::

    python benchmarks/memory.py                      # 0.5 and 1 minute, every example
    python benchmarks/memory.py --minutes 1 4 gp_resynthesis quickstart
    python benchmarks/memory.py --write              # and record the table in docs/benchmarks.md

Every save node is given ``normalize: true`` so that a long generated input
is saved whatever its peak. The run's own memory estimates (``--max-memory``)
are left on: a refused spec is reported as such.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EXAMPLES = REPO / "examples"
MARK_BEGIN = "<!-- memory table begin -->"
MARK_END = "<!-- memory table end -->"


def example_names():
    return sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def spec_sources(spec_path):
    """``[(node, use, line)]`` of the spec's load/example/save nodes (a regex: no audiogp import)."""
    found = []
    for line in spec_path.read_text().splitlines():
        match = re.match(r"^\s+([A-Za-z_][\w-]*):\s*\{use:\s*(load|example|save)\b(.*)\}", line)
        if match:
            found.append(match.groups())
    return found


def write_input(path, minutes, sr):
    """An N-minute WAV of the built-in speech-like example (written by a child process)."""
    code = ("import sys, soundfile; from audiogp import data; "
            "y, sr = data.example('vowels', sr=int(sys.argv[2]), duration=float(sys.argv[3])); "
            "soundfile.write(sys.argv[1], y, sr, subtype='PCM_16')")
    subprocess.run([sys.executable, "-c", code, str(path), str(sr), str(minutes * 60)], check=True)


def run_example(name, minutes, folder):
    """``(peak bytes, seconds, status)`` of one example on an input of ``minutes``."""
    spec = EXAMPLES / f"{name}.yaml"
    overrides = []
    for node, use, rest in spec_sources(spec):
        if use == "load":
            sr = re.search(r"sr:\s*(\d+)", rest)
            wav = folder / f"{name}_{minutes}.wav"
            write_input(wav, minutes, int(sr.group(1)) if sr else 22050)
            overrides.append(f"{node}.path={wav}")
        elif use == "example":
            overrides.append(f"{node}.duration={minutes * 60}")
        elif use == "save":
            overrides.append(f"{node}.normalize=true")
    out = folder / f"out_{name}_{minutes}"
    command = [sys.executable, "-m", "audiogp", "run", str(spec), "--out", str(out), "--quiet",
               "--force", "--builtins-only"]
    for override in overrides:
        command += ["--set", override]
    started = time.perf_counter()
    with open(folder / f"{name}_{minutes}.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    text = (folder / f"{name}_{minutes}.log").read_text()
    outcome = "ok" if code == 0 else f"exit {code}: " + (text.strip().splitlines() or ["?"])[-1][:120]
    return usage.ru_maxrss * 1024, seconds, outcome


def measure(names, minutes):
    rows = []
    with tempfile.TemporaryDirectory(prefix="audiogp-memory-") as tmp:
        for name in names:
            results = [run_example(name, m, Path(tmp)) for m in minutes]
            for m, (peak, seconds, outcome) in zip(minutes, results):
                print(f"{name:16s} {m:5.2f} min  peak {peak / 2**20:8.1f} MiB  {seconds:7.1f} s  "
                      f"{outcome}", flush=True)
            (m0, (p0, _, _)), (m1, (p1, s1, o1)) = (minutes[0], results[0]), (minutes[-1], results[-1])
            slope = (p1 - p0) / (m1 - m0) if m1 != m0 else float("nan")
            rows.append((name, p0, m0, p1, m1, slope, s1, o1))
    return rows


def table(rows, minutes):
    lines = [f"Peak resident memory of `audiogp run` (one process per run, `ru_maxrss`) on generated "
             f"speech-like input, {minutes[0]:g} and {minutes[-1]:g} min; per minute = the slope "
             f"between them. `python benchmarks/memory.py --minutes "
             f"{' '.join(f'{m:g}' for m in minutes)} --write`.", "",
             f"| example | peak at {minutes[0]:g} min (MiB) | peak at {minutes[-1]:g} min (MiB) | "
             f"MiB per minute of audio | 1 h extrapolated (GiB) | time at {minutes[-1]:g} min (s) | "
             "outcome |",
             "|---|---|---|---|---|---|---|"]
    for name, p0, m0, p1, m1, slope, seconds, outcome in rows:
        hour = (p1 + slope * (60 - m1)) / 2**30
        lines.append(f"| {name} | {p0 / 2**20:.0f} | {p1 / 2**20:.0f} | {slope / 2**20:.0f} | "
                     f"{hour:.1f} | {seconds:.0f} | {outcome} |")
    return "\n".join(lines)


def write(text):
    docs = REPO / "docs" / "benchmarks.md"
    content = docs.read_text()
    block = f"{MARK_BEGIN}\n{text}\n{MARK_END}"
    if MARK_BEGIN in content:
        content = re.sub(re.escape(MARK_BEGIN) + ".*?" + re.escape(MARK_END), lambda m: block,
                         content, flags=re.S)
    else:
        content = content.rstrip() + "\n\n## Memory per minute of audio\n\n" + block + "\n"
    docs.write_text(content)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="examples (default: all)")
    parser.add_argument("--minutes", nargs="+", type=float, default=[0.5, 1.0])
    parser.add_argument("--write", action="store_true", help="record the table in docs/benchmarks.md")
    args = parser.parse_args(argv)
    names = args.names or example_names()
    unknown = [n for n in names if n not in example_names()]
    if unknown:
        parser.error(f"no example {', '.join(unknown)} (examples: {', '.join(example_names())})")
    rows = measure(names, sorted(args.minutes))
    text = table(rows, sorted(args.minutes))
    print(text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
