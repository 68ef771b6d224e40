"""The corpus runner on Dask: a LocalCluster (--jobs) and a real scheduler with two workers.

Both check the outputs byte for byte against the serial run; the cluster
test also kills a worker mid-run and checks that every item is in the
manifest exactly once.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from audiogp.corpus import manifest
from audiogp.corpus.runner import run_corpus
from corpus_helpers import make_corpus, tree_digest, write_spec

distributed = pytest.importorskip("distributed")

OVER = "voice.path=corpus/**/*.wav"
BUILTINS = {"builtins_only": True}

pytestmark = pytest.mark.slow  # worker processes take seconds to start on a loaded machine


def serial_reference(tmp_path, overrides=(), failures=0):
    summary = run_corpus("spec.yaml", OVER, out_dir="serial", overrides=overrides,
                         registry_options=BUILTINS, quiet=True)
    assert len(summary.failed) == failures
    return tree_digest(tmp_path / "serial")


def test_a_local_cluster_of_2_workers_writes_the_serial_bytes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    _, good, bad = make_corpus(tmp_path, 8, bad=("corrupt",))
    expected = serial_reference(tmp_path, failures=1)
    summary = run_corpus("spec.yaml", OVER, out_dir="dask2", jobs=2, registry_options=BUILTINS,
                         quiet=True)
    assert summary.engine == "dask"
    assert [r["item"] for r in summary.failed] == bad
    assert "cannot be read as audio" in summary.failed[0]["error"]["message"]
    assert tree_digest(tmp_path / "dask2") == expected
    workers = {r["worker"] for r in manifest.read_all(tmp_path / "dask2")}
    assert all(w.startswith("tcp://") for w in workers)  # they ran on the cluster's workers


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args, log):
    return subprocess.Popen([sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_a_real_cluster_matches_serial_and_losing_a_worker_loses_no_item(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    make_corpus(tmp_path, 12)
    slow = ("wave.n_iter=30",)  # long enough items that the kill lands mid-run
    expected = serial_reference(tmp_path, slow)
    address = f"tcp://127.0.0.1:{_free_port()}"
    log = open(tmp_path / "cluster.log", "wb")
    processes = [_start("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                        address.rsplit(":", 1)[1], "--no-dashboard", log=log)]
    try:
        for name in ("w1", "w2"):  # two worker processes, two threads each: 4 items at a time
            processes.append(_start("distributed.cli.dask_worker", address, "--nthreads", "2",
                                    "--no-dashboard", "--name", name, "--local-directory",
                                    str(tmp_path / name), log=log))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        # first a clean run on the cluster
        summary = run_corpus("spec.yaml", OVER, out_dir="cluster", overrides=slow,
                             scheduler=address, registry_options=BUILTINS, quiet=True)
        assert not summary.failed and len(summary.done) == 12
        assert tree_digest(tmp_path / "cluster") == expected
        # then a run through the command line, with one worker killed once items are done
        client_process = subprocess.Popen(
            [sys.executable, "-m", "audiogp", "run", "spec.yaml", "--over", OVER, "--out",
             "killed", "--builtins-only", "--scheduler", address, "--set", slow[0]],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while len(manifest.read_all(tmp_path / "killed")) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(manifest.read_all(tmp_path / "killed")) < 12, "the kill came too late"
        _stop(processes[1])
        output, _ = client_process.communicate(timeout=300)
        assert client_process.returncode == 0, output.decode()
        items = [r["item"] for r in manifest.read_all(tmp_path / "killed")]
        assert len(items) == len(set(items)) == 12  # none lost, none twice
        assert tree_digest(tmp_path / "killed") == expected
    finally:
        for process in reversed(processes):
            _stop(process)
        log.close()
