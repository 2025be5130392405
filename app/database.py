"""Database plumbing shared by the services: the dialect's upsert, an insert that skips a
row whose unique key is taken, the pool's check of connections left idle, and custom plans
on PostgreSQL."""

from __future__ import annotations

import time
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import make_transient_to_detached

from app.extensions import db

M = TypeVar("M")


def upsert(table):
    """The database's own INSERT … ON CONFLICT (PostgreSQL and SQLite share the form)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_or_skip(model: type[M], values: dict[str, Any], unique: list[str]) -> M | None:
    """INSERT a row, or nothing when another row already holds its ``unique`` columns
    (``ON CONFLICT DO NOTHING``): the new row as a session object, or None. A
    concurrent transaction inserting the same key makes this one wait for it rather than
    fail, so two first reports from one number share one contact.

    The row is inserted as a table statement (built once per model and columns) and its
    returned columns become the session's object as if loaded by a query: the ORM's own
    INSERT … RETURNING of an entity costs about half as much CPU again."""
    table = model.__table__  # type: ignore[attr-defined]
    key = (db.engine.dialect.name, table.name, tuple(values), tuple(unique))
    statement = _INSERTS.get(key)
    if statement is None:
        statement = _INSERTS[key] = (upsert(table).on_conflict_do_nothing(
            index_elements=unique).returning(*table.columns))
    row = db.session.execute(statement, values).one_or_none()
    if row is None:
        return None
    made = model(**row._asdict())
    make_transient_to_detached(made)  # its columns as loaded: nothing left to write
    db.session.add(made)
    return made


_INSERTS: dict[tuple, Any] = {}


def ping_after_idle(engine, seconds: float) -> None:
    """Check a pooled connection before use only when it has sat idle for ``seconds``
    (a restarted or failed-over database closes idle connections); a connection in
    steady use has just proved itself. A dead one is replaced: raising
    DisconnectionError in a checkout hook makes the pool discard it and connect anew."""

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc


def custom_plans(engine) -> None:
    """Plan every statement for its own parameters on PostgreSQL.

    psycopg prepares a statement on the server once a connection has run it five times;
    after five more runs PostgreSQL may switch that prepared statement to a *generic*
    plan, made without the parameters' values. For the figures' range reads of the daily
    counters that plan guesses a few thousand rows where a year holds hundreds of
    thousands and walks the whole primary key instead: the same campaign page ran 2–4×
    slower from its eleventh request on a connection (a campaign's printed report, read
    after its page, was the one to pay). ``plan_cache_mode = force_custom_plan`` keeps
    the prepared statements (parsed once) but plans each run with its values."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _force_custom_plans(dbapi_connection, record):
        if getattr(dbapi_connection.info, "server_version", 0) < 120000:
            return  # the setting exists from PostgreSQL 12 on
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # a SET in a rolled-back transaction is undone
        try:
            with dbapi_connection.cursor() as cur:
                cur.execute("SET plan_cache_mode = force_custom_plan")
        finally:
            dbapi_connection.autocommit = autocommit
