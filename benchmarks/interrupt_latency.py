"""How fast ``audiogp run`` stops on Ctrl-C and SIGTERM, against a bare Python process.

Each trial starts ``audiogp run`` on a spec whose Griffin-Lim node would run for
hours, waits until that node is running (its output of an earlier node already
staged), sends the signal, and times signal -> process exit. The peer is a
Python process that has imported NumPy and sleeps, stopped by the same signal
(its default handling): the floor any Python program pays. Informative, no target
in a test (the issue asks for <= 0.5 s); record the figures in docs/benchmarks.md.

    python benchmarks/interrupt_latency.py [trials]
"""

import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEC = """\
audiogp: 1
nodes:
  voice: {use: example, name: vowels, sr: 22050, duration: 20}
  spec:  {use: stft, input: voice, n_fft: 1024, hop_length: 256}
  wave:  {use: griffinlim, input: spec, n_iter: 1000000}
  early: {use: save, input: voice, path: early.wav}
  late:  {use: save, input: wave, path: late.wav}
"""

PEER = "import numpy, sys, time\nprint('ready', flush=True)\ntime.sleep(3600)\n"


def _stop_ours(folder, number, trial):
    process = subprocess.Popen([sys.executable, "-m", "audiogp", "run", str(folder / "slow.yaml"),
                                "--out", str(folder / f"out{trial}")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    seen = ""
    while "wave (griffinlim)" not in seen or "output ready" not in seen:
        seen += process.stderr.readline()
    time.sleep(0.5)
    started = time.perf_counter()
    process.send_signal(number)
    process.communicate()
    return time.perf_counter() - started, process.returncode


def _stop_peer(number):
    process = subprocess.Popen([sys.executable, "-c", PEER], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    process.stdout.readline()
    started = time.perf_counter()
    process.send_signal(number)
    process.communicate()
    return time.perf_counter() - started


def main(trials=5):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "slow.yaml").write_text(SPEC)
        for number in (signal.SIGINT, signal.SIGTERM):
            ours = [_stop_ours(folder, number, f"{number}-{t}") for t in range(trials)]
            peer = [_stop_peer(number) for _ in range(trials)]
            seconds = [s for s, _ in ours]
            left = sorted(p.name for p in folder.iterdir() if p.name.startswith("out"))
            print(f"{signal.Signals(number).name}: audiogp run stops in median "
                  f"{statistics.median(seconds):.3f} s (max {max(seconds):.3f} s, exit "
                  f"{sorted({code for _, code in ours})}); bare python+numpy "
                  f"{statistics.median(peer):.3f} s; ratio "
                  f"{statistics.median(seconds) / statistics.median(peer):.2f}; output folders "
                  f"left: {left or 'none'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
