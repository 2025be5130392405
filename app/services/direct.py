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
A driver error that means the connection is gone throws it away, as SQLAlchemy does.
A request whose session has read something first holds that connection too while the
statement runs: two of the pool's connections (5, and 10 more when busy) per request."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine

from app.extensions import db

_engines: WeakKeyDictionary = WeakKeyDictionary()
_compiled: dict[tuple, Compiled] = {}


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement as the driver takes it: its SQL, its parameters' names in order when
    the driver takes them by position (SQLite), each parameter's conversion for the
    driver where its type has one (JSON to text, a time checked and made UTC, ...: what
    SQLAlchemy's execution would apply) and the values the statement holds itself (its
    literals)."""

    sql: str
    positions: tuple[str, ...] | None
    processors: dict[str, Callable]
    fixed: dict

    def parameters(self, values: dict):
        values = {**self.fixed, **values}
        for name, process in self.processors.items():
            if name in values:
                values[name] = process(values[name])
        if self.positions is None:
            return values
        return tuple(values[name] for name in self.positions)


def compiled(key: Hashable, build: Callable[[], object]) -> Compiled:
    """The statement ``build()`` makes, compiled once for the app's database. Every
    parameter must be given when it runs, or be a literal of the statement: one that
    SQLAlchemy would fill from a column's default is refused here (name every column an
    INSERT writes, ``include_defaults=False`` on ``from_select``)."""
    engine = db.engine
    found = _compiled.get((key, engine.dialect.name))
    if found is None:
        dialect = engine.dialect
        done = build().compile(dialect=dialect)  # type: ignore[attr-defined]
        fixed = {}
        for name, bind in done.binds.items():
            if bind.required:
                continue
            if bind.effective_value is None:
                raise ValueError(f"{name}: a value SQLAlchemy would fill as it executes")
            fixed[name] = bind.effective_value
        processors = {}
        for name, bind in done.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors[name] = process
        positions = tuple(done.positiontup) if done.positional else None
        found = _compiled[(key, dialect.name)] = Compiled(done.string, positions,
                                                          processors, fixed)
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
        except BaseException:  # interrupted midway: the connection's state is unknown
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
