"""Where items run: in this process (serial, the default) or on Dask.

An engine takes an iterable of :class:`~audiogp.corpus.item.Task` and yields
each item's record as it finishes (in any order). Dask is imported only
when asked for (``--jobs N``: a local cluster of N worker processes with one
thread each; ``--scheduler ADDRESS``: an existing cluster); workers receive
tasks (paths and settings) and return records, so no audio goes through the
scheduler. The workers must see the same file system paths as the client.
"""

import contextlib
import logging
import uuid

from audiogp.corpus.item import run_item
from audiogp.errors import UserError

__all__ = ["SerialEngine", "DaskEngine", "make_engine", "DASK_MISSING"]

#: A local worker is one core: its compiled kernels and BLAS use one thread each.
ONE_THREAD = {"AUDIOGP_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}

DASK_MISSING = ("{what} needs Dask, which is not installed: pip install 'audiogp[dask]' "
                "(or pip install 'dask[distributed]'); without it, leave out --jobs/--scheduler "
                "to run the items one after another in this process")


class SerialEngine:
    """Runs the items one after another in the calling process (no Dask needed)."""

    name = "serial"
    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, tasks):
        for task in tasks:
            yield task, run_item(task)


def _import_distributed(what):
    try:
        import distributed
    except ImportError:
        raise UserError(DASK_MISSING.format(what=what)) from None
    return distributed


class DaskEngine:
    """Runs items on a Dask cluster: a new LocalCluster (``jobs``) or an existing scheduler.

    Parameters
    ----------
    jobs : int, optional
        Start a LocalCluster of this many worker processes, one thread each.
    scheduler : str, optional
        Address of a running scheduler, e.g. ``tcp://host:8786``.
    max_pending : int
        Tasks submitted ahead of the results collected, to keep the client's
        memory independent of the corpus size.
    """

    name = "dask"

    def __init__(self, *, jobs=None, scheduler=None, max_pending=None):
        if (jobs is None) == (scheduler is None):
            raise ValueError("give exactly one of jobs and scheduler")
        self.jobs = jobs
        self.scheduler = scheduler
        self.max_pending = max_pending
        self.cluster = None
        self.client = None
        self.stack = contextlib.ExitStack()

    def __enter__(self):
        distributed = _import_distributed("--scheduler" if self.scheduler else "--jobs")
        try:
            if self.scheduler:
                self.client = self.stack.enter_context(
                    distributed.Client(self.scheduler, timeout="10s"))
            else:
                self.cluster = self.stack.enter_context(distributed.LocalCluster(
                    n_workers=self.jobs, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR, env=ONE_THREAD))
                self.client = self.stack.enter_context(distributed.Client(self.cluster))
        except OSError as error:
            self.stack.close()
            where = f"the scheduler at {self.scheduler}" if self.scheduler else "a local cluster"
            raise UserError(f"cannot connect to {where}: {error}; check the address "
                            "(tcp://host:port) and that the scheduler is running") from None
        return self

    def __exit__(self, *exc):
        self.stack.close()
        return False

    @property
    def workers(self):
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, tasks):
        from distributed import as_completed

        limit = self.max_pending or max(8, 4 * self.workers)
        tasks = iter(tasks)
        pending = {}
        queue = as_completed()

        def submit_next():
            for task in tasks:
                future = self.client.submit(run_item, task, pure=False,
                                            key=f"audiogp-item-{uuid.uuid4().hex}")
                pending[future.key] = task
                queue.add(future)
                return True
            return False

        for _ in range(limit):
            if not submit_next():
                break
        try:
            for future in queue:
                task = pending.pop(future.key)
                try:
                    record = future.result()
                except Exception as error:  # the worker died on it too often (KilledWorker) ...
                    from audiogp.corpus.item import describe_error

                    record = _lost(task, describe_error(error, task))
                future.release()
                yield task, record
                submit_next()
        finally:
            for key in list(pending):
                pending.pop(key)
            queue.clear()


def _lost(task, error):
    from audiogp._version import __version__

    return {"item": task.item_rel, "spec_hash": task.spec_hash, "audiogp": __version__,
            "seed": task.seed, "worker": None, "outputs": [], "metrics": {}, "input_hash": None,
            "status": "failed", "seconds": 0.0, "error": error}


def make_engine(*, jobs=None, scheduler=None):
    """The engine ``--jobs`` / ``--scheduler`` ask for (serial when neither is given)."""
    if jobs is not None and scheduler is not None:
        raise UserError("give either --jobs (a local Dask cluster) or --scheduler (an existing "
                        "one), not both")
    if jobs is not None and jobs < 1:
        raise UserError(f"--jobs {jobs}: give a number of worker processes >= 1")
    if jobs is None and scheduler is None:
        return SerialEngine()
    return DaskEngine(jobs=jobs, scheduler=scheduler)
