"""The corpus runner in this process: items, seeds, manifest, failures, resume, reduce, CLI."""

import json
import math
import os
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audiogp.cli import main
from audiogp.corpus import manifest
from audiogp.corpus.items import corpus_root, expand, item_out_dir, parse_over
from audiogp.corpus.runner import run_corpus
from audiogp.corpus.seeds import item_seed
from audiogp.errors import UserError
from corpus_helpers import SPEC, make_corpus, tone, tree_digest, write_spec

OVER = "voice.path=corpus/**/*.wav"


def run(tmp_path, *extra, over=OVER):
    return main(["run", str(tmp_path / "spec.yaml"), "--over", over, "--out",
                 str(tmp_path / "out"), "--builtins-only", *extra])


# -- items and seeds ----------------------------------------------------------------------------

def test_items_are_named_relative_to_the_root_before_the_first_wildcard(tmp_path):
    make_corpus(tmp_path, 3)
    (tmp_path / "corpus" / ".hidden").mkdir()
    (tmp_path / "corpus" / ".hidden" / "x.wav").write_bytes(b"")
    (tmp_path / "corpus" / "notes.txt").write_text("not audio")
    assert corpus_root("corpus/**/*.wav", tmp_path) == (tmp_path / "corpus").resolve()
    assert corpus_root("corpus/a/take00.wav", tmp_path) == (tmp_path / "corpus" / "a").resolve()
    items = expand("corpus/**/*.wav", tmp_path)
    assert [i.rel for i in items] == ["a/take00.wav", "a/take02.wav", "b/take01.wav"]
    assert all(Path(i.path).is_file() and Path(i.path).is_absolute() for i in items)
    assert item_out_dir(tmp_path / "out", "a/take00.wav") == tmp_path / "out" / "a" / "take00"
    with pytest.raises(UserError, match="matches no file"):
        expand("corpus/**/*.flac", tmp_path)


@pytest.mark.parametrize("text", ["voice.path", "voice=corpus/*.wav", ".path=x", "voice.path="])
def test_a_malformed_over_is_a_user_error_with_an_example(text):
    with pytest.raises(UserError, match="expected NODE.KEY=PATTERN"):
        parse_over(text)


def test_item_seeds_depend_on_the_spec_seed_and_the_path_only():
    seeds = {item_seed(7, f"a/take{i:02d}.wav") for i in range(200)}
    assert len(seeds) == 200
    assert all(0 <= s < 2 ** 63 for s in seeds)
    assert item_seed(7, "a/x.wav") == item_seed(7, "a/x.wav")
    assert item_seed(7, "a/x.wav") != item_seed(8, "a/x.wav")
    # the path's bytes are hashed: a path that differs only in one character gets an unrelated seed
    bits = bin(item_seed(7, "a/x.wav") ^ item_seed(7, "a/y.wav")).count("1")
    assert 16 < bits < 48


# -- manifest -----------------------------------------------------------------------------------

def test_manifest_lines_stay_whole_under_concurrent_appends_and_a_torn_line_is_skipped(tmp_path):
    def writer(k):
        for i in range(50):
            manifest.append(tmp_path, {"item": f"{k}/{i}", "status": "done", "pad": "x" * 3000})

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(tmp_path / manifest.MANIFEST_NAME, "ab") as handle:
        handle.write(b'{"item": "torn", "sta')  # a client killed mid-line
    lines = (tmp_path / manifest.MANIFEST_NAME).read_bytes().split(b"\n")
    assert all(json.loads(line)["pad"] == "x" * 3000 for line in lines[:-1])
    latest = manifest.read_latest(tmp_path)
    assert len(latest) == 200 and "torn" not in latest


def test_file_hash_is_the_sha256_of_the_bytes(tmp_path):
    import hashlib

    path = tmp_path / "f.bin"
    path.write_bytes(os.urandom(3 << 20))
    assert manifest.file_hash(path) == hashlib.sha256(path.read_bytes()).hexdigest()


# -- a corpus run -------------------------------------------------------------------------------

def test_good_and_bad_items_exit_2_with_located_failures_and_nothing_half_written(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    _, good, bad = make_corpus(tmp_path, 5, bad=("corrupt", "empty", "nan", "short"))
    assert run(tmp_path) == 2
    err = capsys.readouterr().err
    out = tmp_path / "out"
    records = manifest.read_all(out)
    assert sorted(r["item"] for r in records) == sorted(good + bad)
    by_item = {r["item"]: r for r in records}
    for rel in good:
        record = by_item[rel]
        assert record["status"] == "done"
        assert record["outputs"] == ["quality.json", "resynth.wav"]
        folder = item_out_dir(out, rel)
        assert sorted(p.name for p in folder.iterdir()) == ["quality.json", "resynth.wav"]
        y, sr = soundfile.read(folder / "resynth.wav")
        assert sr == 8000 and y.size > 0
    expected = {"bad/corrupt.wav": ("--over voice.path=", "cannot be read as audio"),
                "bad/empty.wav": ("--over voice.path=", "is empty (0 bytes"),
                "bad/nan.wav": ("spec.yaml:4:3", "nan at sample 300"),
                "bad/short.wav": ("spec.yaml:5:3", "fewer than n_fft=256")}
    for rel, (where, what) in expected.items():
        record = by_item[rel]
        assert record["status"] == "failed" and record["error"]["kind"] == "user"
        assert where in record["error"]["location"] and what in record["error"]["message"]
        assert rel in record["error"]["message"] and what in err  # listed in the summary
        assert not item_out_dir(out, rel).exists()  # nothing half-written
    assert not (out / ".staging").exists()
    assert "failures:" in err


def test_metrics_csv_and_summary_statistics_match_numpy(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    _, good, _ = make_corpus(tmp_path, 6)
    assert run(tmp_path) == 0
    out = tmp_path / "out"
    lines = (out / "metrics.csv").read_text().splitlines()
    assert lines[0] == "item,quality.spectral_convergence_db"
    table = {line.split(",")[0]: float(line.split(",")[1]) for line in lines[1:]}
    assert sorted(table) == sorted(good)
    for rel, value in table.items():  # the CSV holds what each item's metrics node wrote
        written = json.loads((item_out_dir(out, rel) / "quality.json").read_text())
        assert value == pytest.approx(written["quality"]["spectral_convergence_db"], rel=1e-12)
    values = np.array(list(table.values()))
    from audiogp.corpus.reduce import metric_stats

    [stats] = metric_stats(manifest.read_all(out))
    assert stats.mean == pytest.approx(values.mean(), rel=1e-12)
    assert stats.median == pytest.approx(np.median(values), rel=1e-12)
    assert stats.p90 == pytest.approx(np.percentile(values, 90), rel=1e-12)
    assert stats.largest == values.max() and table[stats.largest_item] == values.max()
    assert f"p90 {np.percentile(values, 90):.4g}" in capsys.readouterr().out


def test_rerun_skips_done_items_and_runs_only_the_one_fixed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    root, good, bad = make_corpus(tmp_path, 4, bad=("corrupt", "empty", "nan"))
    assert run(tmp_path) == 2
    out = tmp_path / "out"
    before = tree_digest(out)
    count = len(manifest.read_all(out))
    soundfile.write(root / "bad/empty.wav", tone(50), 8000, subtype="PCM_16")  # fix one file
    assert run(tmp_path) == 2  # two are still bad
    new = manifest.read_all(out)[count:]
    assert sorted(r["item"] for r in new) == ["bad/corrupt.wav", "bad/empty.wav", "bad/nan.wav"]
    assert {r["item"]: r["status"] for r in new}["bad/empty.wav"] == "done"
    after = tree_digest(out)
    assert {k: v for k, v in after.items() if not k.startswith("bad/")} == before
    # a changed input runs again; --force runs everything again with the same bytes
    soundfile.write(root / good[0], tone(77), 8000, subtype="PCM_16")
    (root / "bad/corrupt.wav").unlink()
    (root / "bad/nan.wav").unlink()
    count = len(manifest.read_all(out))
    assert run(tmp_path) == 0
    assert [r["item"] for r in manifest.read_all(out)[count:]] == [good[0]]
    digest = tree_digest(out)
    count = len(manifest.read_all(out))
    assert run(tmp_path, "--force") == 0
    assert len(manifest.read_all(out)) - count == len(good) + 1
    assert tree_digest(out) == digest


def test_forty_files_with_three_planted_bad_ones_as_the_issue_states(tmp_path, monkeypatch, capsys):
    # issue 12's target at its own size: 37 done, 3 located failures, exit 2, nothing half-written;
    # after fixing one file, only that item runs
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    root, good, bad = make_corpus(tmp_path, 37, bad=("corrupt", "empty", "nan"))
    assert len(good) + len(bad) == 40
    assert run(tmp_path) == 2
    err = capsys.readouterr().err
    out = tmp_path / "out"
    records = manifest.read_all(out)
    status = {r["item"]: r["status"] for r in records}
    assert len(records) == 40 and sorted(status) == sorted(good + bad)
    assert all(status[rel] == "done" for rel in good)
    for rel in bad:
        record = next(r for r in records if r["item"] == rel)
        assert record["status"] == "failed" and record["error"]["kind"] == "user"
        assert rel in record["error"]["message"] and record["error"]["location"]
        assert rel in err  # every failure listed in the summary
        assert not item_out_dir(out, rel).exists()
    assert not (out / ".staging").exists()
    before = tree_digest(out)
    soundfile.write(root / "bad/nan.wav", tone(51), 8000, subtype="PCM_16")  # fix one file
    count = len(records)
    assert run(tmp_path) == 2  # two are still bad
    new = manifest.read_all(out)[count:]
    ran = {r["item"]: r["status"] for r in new}
    assert ran == {"bad/nan.wav": "done", "bad/corrupt.wav": "failed", "bad/empty.wav": "failed"}
    after = tree_digest(out)
    assert {k: v for k, v in after.items() if not k.startswith("bad/")} == before
    assert sorted(k for k in after if k.startswith("bad/")) == ["bad/nan/quality.json",
                                                                "bad/nan/resynth.wav"]


def test_outputs_do_not_depend_on_item_order_and_seeds_follow_the_path(tmp_path, monkeypatch):
    from audiogp.corpus import engines

    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    root, good, _ = make_corpus(tmp_path, 4)
    # two items with the same bytes under different names get different (seeded) outputs
    (root / "a" / "copy.wav").write_bytes((root / good[0]).read_bytes())
    assert run(tmp_path) == 0
    forward = tree_digest(tmp_path / "out")
    assert forward["a/copy/resynth.wav"] != forward["a/take00/resynth.wav"]
    original_map = engines.SerialEngine.map
    monkeypatch.setattr(engines.SerialEngine, "map",
                        lambda self, tasks: original_map(self, list(tasks)[::-1]))
    run_corpus("spec.yaml", OVER, out_dir="reversed", registry_options={"builtins_only": True},
               quiet=True)
    assert tree_digest(tmp_path / "reversed") == forward


def test_an_internal_error_keeps_its_traceback_in_the_record(tmp_path, monkeypatch, capsys):
    plugin = tmp_path / "exploding.py"
    plugin.write_text(
        "from audiogp.plugins import NodeType, Port, hookimpl\n"
        "from audiogp.types import Signal\n\n"
        "def explode(ctx, *, input):\n"
        "    \"\"\"Fail like a bug on long signals.\"\"\"\n"
        "    if input.y.size > 1500:\n"
        "        raise ZeroDivisionError('planted bug')\n"
        "    return input\n\n"
        "@hookimpl\n"
        "def register_node_types(register):\n"
        "    register(NodeType('explode', explode, kind='transform', inputs=[Port('input', Signal)],\n"
        "                      outputs=[Port('signal', Signal)]))\n")
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, SPEC.replace("input: voice, n_fft", "input: boom, n_fft")
               + "  boom:    {use: explode, input: voice}\n")
    root, good, _ = make_corpus(tmp_path, 2)
    soundfile.write(root / "a" / "tiny.wav", tone(3)[:1000], 8000, subtype="PCM_16")
    assert run(tmp_path, "--plugin", str(plugin)) == 2
    records = manifest.read_latest(tmp_path / "out")
    assert records["a/tiny.wav"]["status"] == "done"
    for rel in good:
        error = records[rel]["error"]
        assert error["kind"] == "internal" and "ZeroDivisionError: planted bug" in error["message"]
        assert "exploding.py" in error["traceback"] and "raise ZeroDivisionError" in error["traceback"]
    assert "traceback is in the manifest" in capsys.readouterr().err


def test_an_interrupted_item_leaves_no_output_and_the_run_resumes(tmp_path, monkeypatch):
    from audiogp.corpus import item as item_module

    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    _, good, _ = make_corpus(tmp_path, 4)
    real = item_module._run
    calls = []

    def interrupted(task, staging):
        calls.append(task.item_rel)
        if len(calls) == 3:
            (staging / "resynth.wav").write_bytes(b"half")
            raise KeyboardInterrupt
        return real(task, staging)

    monkeypatch.setattr(item_module, "_run", interrupted)
    assert run(tmp_path) == 130
    out = tmp_path / "out"
    done = [r["item"] for r in manifest.read_all(out)]
    assert done == sorted(good)[:2]
    assert not item_out_dir(out, sorted(good)[2]).exists()
    assert not (out / ".staging").exists() or not any((out / ".staging").iterdir())
    monkeypatch.setattr(item_module, "_run", real)
    assert run(tmp_path) == 0
    assert [r["item"] for r in manifest.read_all(out)] == sorted(good)


def test_spec_problems_stop_the_run_before_any_item(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path, SPEC.replace("n_fft: 256", "n_ftt: 256"))
    make_corpus(tmp_path, 3)
    assert run(tmp_path) == 2
    err = capsys.readouterr().err
    assert "spec.yaml:5:" in err and "n_ftt" in err and "nothing was run" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("over, message", [
    ("nope.path=corpus/**/*.wav", "has no node 'nope'"),
    ("voice.sr=corpus/**/*.wav", "not an input-file parameter; it takes input files on: path"),
    ("voice.path=corpus/**/*.ogg", "matches no file"),
])
def test_a_bad_over_target_is_named(tmp_path, monkeypatch, capsys, over, message):
    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    make_corpus(tmp_path, 2)
    assert run(tmp_path, over=over) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_jobs_without_over_and_dask_missing_are_clear(tmp_path, monkeypatch, capsys):
    import sys

    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    make_corpus(tmp_path, 2)
    assert main(["run", "spec.yaml", "--jobs", "2"]) == 2
    assert "give --over" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert run(tmp_path, "--jobs", "2") == 2
    assert "pip install 'audiogp[dask]'" in capsys.readouterr().err
    assert not (tmp_path / "out" / "a").exists()


def test_a_killed_client_leaves_whole_items_and_the_rerun_finishes(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    write_spec(tmp_path)
    _, good, _ = make_corpus(tmp_path, 8)
    command = [sys.executable, "-m", "audiogp", "run", "spec.yaml", "--over", OVER, "--out", "out",
               "--builtins-only", "--quiet", "--set", "wave.n_iter=20"]
    process = subprocess.Popen(command, cwd=tmp_path)
    out = tmp_path / "out"
    deadline = time.monotonic() + 120
    while len(manifest.read_all(out)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    first = [r["item"] for r in manifest.read_all(out)]
    assert 2 <= len(first) < len(good), "the kill came too late"
    for rel in good:  # an item folder exists only if complete
        folder = item_out_dir(out, rel)
        assert not folder.exists() or sorted(p.name for p in folder.iterdir()) == [
            "quality.json", "resynth.wav"]
    assert subprocess.run(command, cwd=tmp_path).returncode == 0
    items = [r["item"] for r in manifest.read_all(out)]
    assert sorted(set(items)) == sorted(good)
    assert items[:len(first)] == first and sorted(items[len(first):]) == sorted(
        set(good) - set(first))  # the rerun ran only what the killed one had not recorded
    assert not (out / ".staging").exists()


def test_progress_in_a_log_every_5_percent_and_in_place_on_a_terminal():
    import io

    from audiogp.corpus.progress import Progress

    ticks = iter(range(1000))
    log = io.StringIO()
    progress = Progress(40, stream=log, live=False, clock=lambda: float(next(ticks)))
    for index in range(40):
        progress.update({"item": f"i{index}", "status": "failed" if index == 5 else "done",
                         "error": {"message": "i5: planted"}})
    lines = log.getvalue().splitlines()
    counts = [line for line in lines if "items:" in line]
    assert len(counts) == 20  # every 2 items of 40
    assert counts[-1].startswith("40/40 items: 39 done, 1 failed, 0 remaining")
    assert "failed: i5: planted" in lines
    assert "items/s" in counts[0] and "ETA" in counts[0]
    tty = io.StringIO()
    progress = Progress(3, stream=tty, live=True, clock=lambda: float(next(ticks)))
    for index in range(3):
        progress.update({"item": f"i{index}", "status": "done"})
    assert tty.getvalue().count("\r\033[K") == 3 and tty.getvalue().endswith("ETA -\n")


def test_run_help_with_the_corpus_options_imports_no_dask_or_matplotlib():
    import subprocess
    import sys

    code = ("import sys, contextlib, io\n"
            "from audiogp.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    try:\n        main(['run', '--help'])\n    except SystemExit:\n        pass\n"
            "assert '--over' in out.getvalue() and '--report' in out.getvalue()\n"
            "print(sorted(m for m in ('dask', 'distributed', 'matplotlib', 'numpy') "
            "if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_serial_corpus_run_does_not_import_dask(tmp_path):
    import subprocess
    import sys

    write_spec(tmp_path)
    make_corpus(tmp_path, 2)
    code = ("import sys\nfrom audiogp.cli import main\n"
            f"status = main(['run', 'spec.yaml', '--over', {OVER!r}, '--out', 'out', "
            "'--builtins-only', '--quiet'])\n"
            "print(status, sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.stdout.strip() == "0 []", result.stderr


def test_a_second_client_on_the_same_out_folder_is_refused(tmp_path, monkeypatch, capsys):
    import fcntl

    monkeypatch.chdir(tmp_path)
    write_spec(tmp_path)
    make_corpus(tmp_path, 2)
    (tmp_path / "out").mkdir()
    with open(tmp_path / "out" / ".lock", "a") as held:  # as another running client holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        assert run(tmp_path) == 2
        assert "another audiogp run is using the output folder" in capsys.readouterr().err
        assert not (tmp_path / "out" / "manifest.jsonl").exists()
    assert run(tmp_path) == 0
