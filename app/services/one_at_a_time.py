"""A named lock that at most one process holds, across web workers and hosts: for the
sweep, which every gunicorn worker's embedded scheduler, a ``rq cron`` on each host and an
operator's manual run may all start.

On PostgreSQL it is a session advisory lock (``pg_try_advisory_lock``) held on a connection
of its own for as long as the work runs: the database releases it when that connection
ends, so a process killed half-way never leaves it taken. On the embedded SQLite database,
which only processes of one host can share, it is an ``flock`` on a file beside the
database, released by the kernel when the process dies."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from app.extensions import db

log = logging.getLogger(__name__)


def lock_id(name: str) -> int:
    """A stable signed 64-bit number for a name (advisory locks are keyed by bigint)."""
    digest = hashlib.blake2b(f"roadchief:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def held(name: str) -> Iterator[bool]:
    """Try to take the lock without waiting; yields whether this process has it (if not,
    someone else is doing the work right now and the caller should skip it)."""
    if db.engine.dialect.name == "postgresql":
        with _advisory(name) as got:
            yield got
    else:
        with _file_lock(name) as got:
            yield got


@contextmanager
def _advisory(name: str) -> Iterator[bool]:
    key = lock_id(name)
    conn = db.engine.connect()
    try:
        got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
        conn.commit()  # the lock is the session's, not the transaction's
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    finally:
        conn.close()


@contextmanager
def _file_lock(name: str) -> Iterator[bool]:
    import fcntl

    url = db.engine.url
    beside = Path(url.database).parent if url.database and url.database != ":memory:" \
        else Path(current_app.instance_path)
    beside.mkdir(parents=True, exist_ok=True)
    with open(beside / f".{name}.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
