"""The Flask extensions, created unbound and initialised in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models.base import Base, render_item
from app.services.replica import RoutingSession

# No autoflush: the one door applies a whole action and then flushes once, so a query in
# the middle never writes a half-made change (nor bumps the version twice).
# The session class reads marked heavy pages from DATABASE_REPLICA_URL when it is healthy.
db = SQLAlchemy(model_class=Base,
                session_options={"autoflush": False, "class_": RoutingSession})
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_item)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
# Limits are declared where they apply (the resident channel); no default limit. Its
# headers are written only where a client reads them (see limit_headers).
limiter = Limiter(key_func=get_remote_address)


# -- whether a session's transaction has written anything yet ------------------------------
# A flush or an INSERT/UPDATE/DELETE statement marks it; the end of the transaction clears
# the mark. Objects written by our own statements (insert_now) leave the session looking
# clean, so ``new``/``dirty`` alone cannot tell (cases.submit asks, before it commits a
# report by itself).


@event.listens_for(Session, "after_flush")
def _flushed(session, flush_context) -> None:
    session.info["writes"] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["writes"] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("writes", None)


def holds_writes(session) -> bool:
    """Whether the session has changes not committed yet: pending objects, or writes
    already sent in its open transaction."""
    return bool(session.info.get("writes") or session.new or session.dirty or session.deleted)


def limit_headers(response, always: bool = True):
    """X-RateLimit-Limit/-Remaining/-Reset (and Retry-After on a 429) for the tightest
    limit of this request. Flask-Limiter would add them to every limited response, at the
    cost of one more look-up in its storage; an API client uses them, a browser does not,
    so the API asks for them and the resident pages only on a 429 (``always=False``)."""
    import time

    current = limiter.current_limit
    if current is None or (not always and response.status_code != 429):
        return response
    try:
        reset_at = int(current.reset_at)
        response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(current.remaining)
        response.headers["X-RateLimit-Reset"] = str(reset_at)
        if response.status_code == 429:
            wait = min(reset_at - int(time.time()), current.limit.get_expiry())
            response.headers["Retry-After"] = str(max(wait, 1))
    except Exception:  # the storage is down: the answer goes out without the figures
        pass
    return response


def ping_after_idle(engine, seconds: float) -> None:
    """Check a pooled connection before use only when it has sat idle for ``seconds``
    (a restarted or failed-over database closes idle connections). SQLAlchemy's
    ``pool_pre_ping`` would check on every checkout, one more round trip per request;
    a connection in steady use has just proved itself. A dead one is replaced: raising
    DisconnectionError in a checkout hook makes the pool discard it and connect anew."""
    import time

    from sqlalchemy import event
    from sqlalchemy.exc import DisconnectionError

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


def insert_now(obj, statement=None) -> bool:
    """INSERT a new ORM object at once with one plain statement and keep it in the session
    as if just loaded (persistent, nothing pending): for the hot write paths, where the
    unit of work's flush costs about three times as much (measured). Columns the object
    leaves unset take their Python default, as a flush would give them.

    ``statement``: an INSERT … RETURNING of the primary key for this table (an ON CONFLICT
    DO NOTHING variant, say); False when that skipped the row, and the object stays
    transient. Only for tables whose defaults are Python-side (none in this schema is
    computed by the server, which would leave the object short of a value)."""
    values = row_values(obj)
    key = db.session.execute(_plan(obj).statement if statement is None else statement,
                             values).scalar()
    if key is None:
        return False
    keep_as_loaded(obj, key)
    return True


def row_values(obj) -> dict:
    """A new (transient) ORM object's row as {column: value}; columns the object leaves
    unset take their Python default, set on the object too (as a flush would give them)."""
    given = obj.__dict__
    values = {}
    for attr, column, default in _plan(obj).columns:
        if attr in given:
            values[column] = given[attr]
            continue
        value = None
        if default is not None:
            value = default.arg(None) if default.is_callable else default.arg
        # Straight into the new object's state: no change history to keep for an object
        # the session does not hold yet (a flush reads the same dictionary).
        given[attr] = value
        values[column] = value
    return values


def keep_as_loaded(obj, key) -> None:
    """A new object just written by a statement of our own, with this primary key: kept
    in the session as if loaded (persistent, nothing pending)."""
    from sqlalchemy.orm import make_transient_to_detached

    setattr(obj, _plan(obj).key_attr, key)
    make_transient_to_detached(obj)
    db.session.add(obj)


def _plan(obj):
    from sqlalchemy import inspect

    mapper = inspect(obj).mapper
    return _insert_plans.get(mapper) or _insert_plan(mapper)


def _insert_plan(mapper):
    """(attribute, column, default) of every column but the key, the key's attribute and
    the plain INSERT … RETURNING key, once per mapped class."""
    from types import SimpleNamespace

    from sqlalchemy import insert

    table = mapper.local_table
    plan = SimpleNamespace(
        columns=[(prop.key, prop.columns[0].key, prop.columns[0].default)
                 for prop in mapper.column_attrs if not prop.columns[0].primary_key],
        key_attr=mapper.primary_key[0].key,
        statement=insert(table).returning(*table.primary_key.columns))
    _insert_plans[mapper] = plan
    return plan


_insert_plans: dict = {}


def upsert(table):
    """The database's own INSERT … ON CONFLICT (PostgreSQL and SQLite share the form)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
