"""The Flask extensions, created unbound and initialised in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.models.base import Base, render_item

# No autoflush: the one door applies a whole action and then flushes once, so a query in
# the middle never writes a half-made change (nor bumps the version twice).
db = SQLAlchemy(model_class=Base, session_options={"autoflush": False})
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_item)
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
# Limits are declared where they apply (the resident channel); no default limit. Its
# headers are written only where a client reads them (see limit_headers).
limiter = Limiter(key_func=get_remote_address)


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


def upsert(table):
    """The database's own INSERT … ON CONFLICT (PostgreSQL and SQLite share the form)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)
