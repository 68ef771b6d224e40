"""Shared benchmark machinery: timing against a peer in one process, the corpus, the table.

Each ``benchmarks/bench_<area>.py`` defines ``cases()``, a generator of
:class:`Row`; ``benchmarks/run.py`` runs them and writes ``docs/benchmarks.md``.
Timings are never asserted anywhere; they are reported as ratios
(ours / peer), measured interleaved in one process so that load from other
processes hits both sides alike.
"""

import dataclasses
import os
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


@dataclasses.dataclass
class Row:
    """One line of the benchmark table.

    ``ratio`` is ours / peer (time), so lower is better; ``target`` is the
    issue's bound on it (e.g. ``0.45``), or ``None``. ``quality`` holds
    named figures beside the timing (spectral convergence, STOI, ...);
    ``quality_met`` says whether the issue's quality targets among them hold
    (``None``: the row has none), so a missed quality target shows as
    MISSED in the table just as a missed time target does.
    """

    area: str
    case: str
    inputs: str
    ours_s: float
    peer: str
    peer_s: float
    target: float = None
    quality: dict = dataclasses.field(default_factory=dict)
    quality_met: bool = None

    @property
    def ratio(self):
        return self.ours_s / self.peer_s

    @property
    def meets_target(self):
        return None if self.target is None else self.ratio <= self.target

    def verdict(self):
        """``"time ok"``, ``"time MISSED; quality ok"``... for the targets the row has."""
        parts = []
        if self.meets_target is not None:
            parts.append(f"time <= {self.target:g} {'ok' if self.meets_target else 'MISSED'}")
        if self.quality_met is not None:
            parts.append(f"quality {'ok' if self.quality_met else 'MISSED'}")
        return "; ".join(parts)

    def line(self):
        target = f" ({self.verdict()})" if self.verdict() else ""
        quality = "".join(f", {k} {v}" for k, v in self.quality.items())
        return (f"{self.area:10s} {self.case:40s} ours {self.ours_s * 1e3:9.2f} ms  "
                f"{self.peer} {self.peer_s * 1e3:9.2f} ms  ratio {self.ratio:6.3f}{target}{quality}")


def time_pair(ours, peer, *, repeat=7, warmup=1, min_seconds=0.2):
    """Best-of-``repeat`` wall time of ``ours()`` and ``peer()``, interleaved.

    Each measurement repeats the call until it lasts ``min_seconds`` (so
    sub-millisecond calls are timed over many runs) and divides.

    Returns
    -------
    (float, float)
        Seconds per call for ours and for the peer.
    """
    for _ in range(warmup):
        ours()
        peer()
    loops = {ours: _loops_for(ours, min_seconds), peer: _loops_for(peer, min_seconds)}
    best = {ours: np.inf, peer: np.inf}
    for _ in range(repeat):
        for fn in (ours, peer):
            started = time.perf_counter()
            for _ in range(loops[fn]):
                fn()
            best[fn] = min(best[fn], (time.perf_counter() - started) / loops[fn])
    return best[ours], best[peer]


def _loops_for(fn, min_seconds):
    started = time.perf_counter()
    fn()
    once = time.perf_counter() - started
    return max(1, int(min_seconds / max(once, 1e-9)))


def time_once(fn, *, repeat=3):
    """Best-of-``repeat`` wall time of ``fn()`` in seconds, and its last result."""
    best, result = np.inf, None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def corpus_dir():
    """The benchmark corpus: ``$AUDIOGP_CORPUS``, else the nearest ``shared/corpus`` above the repository."""
    configured = os.environ.get("AUDIOGP_CORPUS")
    if configured:
        path = Path(configured)
    else:  # ../shared/corpus from a checkout, ../../shared/corpus from a worktree
        candidates = [parent / "shared" / "corpus" for parent in REPO.parents]
        path = next((c for c in candidates if c.is_dir()), candidates[0])
    if not path.is_dir():
        raise SystemExit(f"benchmark corpus not found at {path}; set AUDIOGP_CORPUS")
    return path


def load_corpus_file(path, sr):
    """Read a corpus file as mono float32 at ``sr`` (soxr high-quality resampling)."""
    import soundfile
    import soxr

    y, native_sr = soundfile.read(path, dtype="float32", always_2d=True)
    y = y.mean(axis=1)
    if native_sr != sr:
        y = soxr.resample(y, native_sr, sr, quality="HQ").astype(np.float32)
    return y


def speech_clip(sr=22050):
    """The project's speech benchmark: the eight corpus phrases at ``sr``, joined in name order."""
    files = sorted((corpus_dir() / "speech").glob("*.wav"))
    return np.concatenate([load_corpus_file(f, sr) for f in files]), sr


def corpus_files(folder):
    """Sorted paths of the ``.wav`` files in a corpus folder (``speech``, ``music``, ``noise``)."""
    return sorted((corpus_dir() / folder).glob("*.wav"))


def spectral_convergence_db(reference_magnitude, estimate_magnitude):
    """Plain-NumPy spectral convergence, for cross-checking the library's metric."""
    error = np.linalg.norm(reference_magnitude - estimate_magnitude)
    return float(20 * np.log10(error / np.linalg.norm(reference_magnitude)))
