"""One fixed statement run straight on the driver's cursor, outside a transaction: for the
two hottest requests (the tracking page's read and a resident's new report), each of
which is exactly one statement.

Through the ORM session such a statement costs two more round trips (BEGIN before it,
COMMIT or ROLLBACK after) and SQLAlchemy's execution around it (parameter processing,
result objects): on the bench machine 0.39 ms of CPU against 0.24 ms on the driver's
cursor for the tracking page's read (bench/bench_resident.py). A single statement is
atomic by itself, so running it in AUTOCOMMIT loses nothing.

The statement is built with SQLAlchemy Core and compiled once per dialect and shape; the
connection is the app's pool's (the same engine, with AUTOCOMMIT as an execution option).
A driver error that means the connection is gone throws it away, as SQLAlchemy does."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import JSON
from sqlalchemy.engine import Engine

from app.extensions import db

_engines: WeakKeyDictionary = WeakKeyDictionary()
_compiled: dict[tuple, Compiled] = {}


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement as the driver takes it: its SQL, its parameters' names in order when
    the driver takes them by position (SQLite), the parameters that hold JSON (the driver
    is given their text) and the values the statement holds itself (its literals)."""

    sql: str
    positions: tuple[str, ...] | None
    json_names: frozenset[str]
    fixed: dict

    def parameters(self, values: dict):
        values = {**self.fixed, **values}
        for name in self.json_names & values.keys():
            if values[name] is not None:
                values[name] = json.dumps(values[name], ensure_ascii=False)
        if self.positions is None:
            return values
        return tuple(values[name] for name in self.positions)


def compiled(key: Hashable, build: Callable[[], object]) -> Compiled:
    """The statement ``build()`` makes, compiled once for the app's database."""
    engine = db.engine
    found = _compiled.get((key, engine.dialect.name))
    if found is None:
        statement = build()
        done = statement.compile(dialect=engine.dialect)  # type: ignore[attr-defined]
        json_names = frozenset(name for name, bind in done.binds.items()
                               if isinstance(bind.type, JSON))
        positions = tuple(done.positiontup) if done.positional else None
        fixed = {name: bind.effective_value for name, bind in done.binds.items()
                 if not bind.required}
        found = _compiled[(key, engine.dialect.name)] = Compiled(done.string, positions,
                                                                 json_names, fixed)
    return found


def fetch_one(statement: Compiled, values: dict) -> tuple | None:
    """Run the statement outside a transaction; its first row (None when it has none).
    Raises the driver's own errors (``errors()`` names them)."""
    engine = db.engine
    with _autocommit(engine).connect() as conn:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(statement.sql, statement.parameters(values))
            return cursor.fetchone()
        except errors().Error as exc:
            if engine.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor):
                conn.invalidate()
            raise
        finally:
            cursor.close()


def errors():
    """The driver's DB-API module: ``errors().IntegrityError`` and the like."""
    return db.engine.dialect.loaded_dbapi


def _autocommit(engine: Engine) -> Engine:
    found = _engines.get(engine)
    if found is None:
        found = _engines[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found
