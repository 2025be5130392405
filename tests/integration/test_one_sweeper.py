"""However many processes start a sweep (every gunicorn worker's embedded scheduler, an
``rq cron`` per host, an operator's manual run), one pass runs at a time: a PostgreSQL
advisory lock, or on the embedded SQLite database a file lock. Tested with real processes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from app.extensions import db
from app.services import sweep

PASS_SECONDS = 0.6


def _slow_pass(log_path):
    def slow(now, batch):
        with open(log_path, "a") as log:
            log.write(f"start {os.getpid()} {time.monotonic()}\n")
        time.sleep(PASS_SECONDS)
        with open(log_path, "a") as log:
            log.write(f"end {os.getpid()} {time.monotonic()}\n")
        return {"cases": 0, "reminders": 0, "escalations": 0, "messages": 0}
    return slow


def _sweeper(app, barrier, results):
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's pooled connections stay the parent's
        barrier.wait(30)
        results.put(sweep.sweep())


def _intervals(log_path) -> list[tuple[float, float]]:
    starts, out = {}, []
    for line in log_path.read_text().splitlines():
        what, pid, at = line.split()
        if what == "start":
            starts[pid] = float(at)
        else:
            out.append((starts.pop(pid), float(at)))
    return sorted(out)


@pytest.fixture()
def fork():
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    return multiprocessing.get_context("fork")


def test_six_processes_starting_a_sweep_at_once_run_one_pass(ctx, fork, tmp_path,
                                                             monkeypatch):
    log_path = tmp_path / "passes.log"
    monkeypatch.setattr(sweep, "_pass", _slow_pass(log_path))
    db.session.remove()
    barrier, results = fork.Barrier(6), fork.Queue()
    procs = [fork.Process(target=_sweeper, args=(ctx, barrier, results)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    outcomes = [results.get(timeout=5) for _ in procs]
    assert all(p.exitcode == 0 for p in procs)
    assert sum(1 for r in outcomes if not r.get("skipped")) == 1
    assert len(_intervals(log_path)) == 1


def test_passes_one_after_another_never_overlap_and_each_runs(ctx, fork, tmp_path,
                                                             monkeypatch):
    """Staggered starts: a process that finds the lock taken skips; once free, the next
    start runs. No two passes ever overlap."""
    log_path = tmp_path / "passes.log"
    monkeypatch.setattr(sweep, "_pass", _slow_pass(log_path))
    db.session.remove()
    results = fork.Queue()
    procs = []
    for _ in range(4):
        barrier = fork.Barrier(1)
        p = fork.Process(target=_sweeper, args=(ctx, barrier, results))
        p.start()
        procs.append(p)
        time.sleep(PASS_SECONDS * 0.7)
    for p in procs:
        p.join(60)
    passes = _intervals(log_path)
    assert len(passes) >= 2
    for (_, end), (start, _) in zip(passes, passes[1:], strict=False):
        assert start >= end


def test_a_sweeper_killed_mid_pass_does_not_keep_the_lock(ctx, fork, tmp_path, monkeypatch):
    log_path = tmp_path / "passes.log"

    def stuck(now, batch):
        with open(log_path, "a") as log:
            log.write(f"start {os.getpid()} {time.monotonic()}\n")
        time.sleep(600)

    monkeypatch.setattr(sweep, "_pass", stuck)
    db.session.remove()
    barrier, results = fork.Barrier(1), fork.Queue()
    victim = fork.Process(target=_sweeper, args=(ctx, barrier, results))
    victim.start()
    for _ in range(100):
        if log_path.exists():
            break
        time.sleep(0.1)
    monkeypatch.setattr(sweep, "_pass", lambda now, batch: {"cases": 0, "ran": 1})
    assert sweep.sweep().get("skipped") == 1  # the stuck pass still holds it
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(10)
    for _ in range(50):  # the database notices the closed connection within moments
        if sweep.sweep().get("ran"):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the lock outlived the process that held it")
