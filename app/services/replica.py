"""Heavy reads from a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``).

The supervision pages and their exports and the Open311 request list are marked (per
request, GET only) to read from the replica; everything else, every write and every flush
of the one door, goes to the primary. The session decides per statement (SQLAlchemy's
documented ``Session.get_bind`` hook), so a marked request that does write still writes to
the primary.

A replica is used only while it is healthy: reachable, in recovery, and no more than
``REPLICA_MAX_LAG_BYTES`` of WAL behind the primary. That is checked at most every
``REPLICA_CHECK_SECONDS`` per process; otherwise the reads go to the primary, so a replica
that lags or is down costs the heavy pages some speed, never their correctness."""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_sqlalchemy.session import Session
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

log = logging.getLogger(__name__)

_ENGINE = "roadchief.replica_engine"
_HEALTH = "roadchief.replica_health"  # (checked at, usable)

#: (blueprint, endpoint or None for all of it) whose GET requests read from the replica.
HEAVY_READS = {("supervise", None), ("open311", "open311.get_requests")}


class MisconfiguredReplica(RuntimeError):
    """Raised at start: DATABASE_REPLICA_URL cannot name a PostgreSQL replica."""


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, reading from the replica in a marked request."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if (bind is None and not self._flushing and has_request_context()
                and g.get("read_replica") and not getattr(clause, "is_dml", False)):
            engine = usable_engine()
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _url(raw: str) -> str:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise MisconfiguredReplica(
            f"DATABASE_REPLICA_URL={raw!r} is not a database URL (expected "
            "postgresql://user@host:port/database)") from None
    if url.get_backend_name() != "postgresql" or not url.host or not url.database:
        raise MisconfiguredReplica(
            f"DATABASE_REPLICA_URL={raw!r}: expected postgresql://user@host:port/database "
            "(a streaming replica of DATABASE_URL)")
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def init_app(app: Flask) -> None:
    raw = (app.config.get("DATABASE_REPLICA_URL") or "").strip()
    if not raw:
        return
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise MisconfiguredReplica("DATABASE_REPLICA_URL needs DATABASE_URL to be PostgreSQL")
    url = _url(raw)
    app.extensions[_ENGINE] = create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5,
        connect_args={"connect_timeout": 2})
    from app.database import custom_plans

    custom_plans(app.extensions[_ENGINE])

    @app.before_request
    def _mark_heavy_reads() -> None:
        if request.method == "GET" and (
                (request.blueprint, None) in HEAVY_READS
                or (request.blueprint, request.endpoint) in HEAVY_READS):
            g.read_replica = True


def lag_bytes(primary_lsn: str, replica_lsn: str) -> int:
    def value(lsn: str) -> int:
        high, low = lsn.split("/")
        return (int(high, 16) << 32) + int(low, 16)
    return max(value(primary_lsn) - value(replica_lsn), 0)


def check() -> bool:
    """Whether the replica can serve reads now (and remember the answer for a while)."""
    from app.extensions import db

    engine = current_app.extensions.get(_ENGINE)
    if engine is None:
        return False
    usable = False
    try:
        with engine.connect() as conn:
            recovering, replayed = conn.execute(text(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")).one()
        with db.engine.connect() as conn:
            current = conn.scalar(text("SELECT pg_current_wal_lsn()::text"))
        if not recovering or replayed is None:
            log.warning("DATABASE_REPLICA_URL is not a streaming replica: reading the primary")
        else:
            behind = lag_bytes(current, replayed)
            usable = behind <= int(current_app.config.get("REPLICA_MAX_LAG_BYTES", 0))
            if not usable:
                log.warning("replica %s bytes behind: reading the primary", behind)
    except Exception as exc:  # down, or refusing us: the primary answers meanwhile
        log.warning("replica unavailable, reading the primary: %s", exc)
    current_app.extensions[_HEALTH] = (time.monotonic(), usable)
    return usable


def usable_engine():
    if not has_app_context():
        return None
    app = current_app
    engine = app.extensions.get(_ENGINE)
    if engine is None:
        return None
    checked = app.extensions.get(_HEALTH)
    if checked is None or time.monotonic() - checked[0] > app.config.get(
            "REPLICA_CHECK_SECONDS", 5):
        check()
        checked = app.extensions[_HEALTH]
    return engine if checked[1] else None


def forget_health() -> None:
    """Check again before the next read (after the replica was stopped or resumed)."""
    current_app.extensions.pop(_HEALTH, None)
