"""Spreading GIL-free kernels over the machine's cores.

The compiled kernels release the GIL and take a ``[start, stop)`` range of
the work, so a plain thread pool runs them in parallel. Threads (rather than
OpenMP) keep the wheels free of a runtime-library dependency on every
platform.

``AUDIOGP_NUM_THREADS`` caps the number of threads (default: all cores);
``AUDIOGP_NUM_THREADS=1`` runs everything in the calling thread.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_pool = None
_pool_lock = threading.Lock()


def n_threads():
    """Number of worker threads audiogp uses (``AUDIOGP_NUM_THREADS`` or the core count)."""
    configured = os.environ.get("AUDIOGP_NUM_THREADS")
    if configured:
        try:
            return max(1, int(configured))
        except ValueError:
            pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=n_threads(), thread_name_prefix="audiogp")
        return _pool


def split_range(n, parts):
    """Split ``range(n)`` into at most ``parts`` contiguous, nearly equal ``(start, stop)`` pairs."""
    parts = max(1, min(parts, n))
    bounds = [n * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts) if bounds[i] < bounds[i + 1]]


def run_split(kernel, n, *, min_chunk=1):
    """Call ``kernel(start, stop)`` over a split of ``range(n)``, in parallel.

    Chunks are at least ``min_chunk`` long so small jobs run in the calling
    thread without pool overhead. ``kernel`` must release the GIL and write
    only to its own range.
    """
    parts = min(n_threads(), max(1, n // max(1, min_chunk)))
    ranges = split_range(n, parts)
    if len(ranges) <= 1:
        for start, stop in ranges:
            kernel(start, stop)
        return
    futures = [_executor().submit(kernel, start, stop) for start, stop in ranges[1:]]
    kernel(*ranges[0])
    for future in futures:
        future.result()
