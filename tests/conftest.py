"""Test fixtures: an app on the database named by DATABASE_URL (a fresh SQLite file when
unset), the schema built by the real migrations, and a small realistic city.

Tests that need a real PostgreSQL, Redis or Chromium are skipped when that service is
absent, except under CI (CI=true), where a missing service is a failure."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="roadchief-test-"))
os.environ.setdefault("ROADCHIEF_INSTANCE", str(_TMP / "instance"))
if not os.environ.get("DATABASE_URL"):
    os.environ["ROADCHIEF_TEST_SQLITE"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite3'}"

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

IS_POSTGRES = os.environ["DATABASE_URL"].startswith(("postgres", "postgresql"))
REDIS_URL = os.environ.get("REDIS_URL")


def need(service: str, available: bool) -> None:
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{service} is required under CI but is not available")
    pytest.skip(f"needs {service}")


@pytest.fixture(scope="session")
def app():
    app = create_app(
        {
            "TESTING": True,
            "REDIS_URL": None,  # in-process delivery unless a test asks for Redis
            "UPLOAD_DIR": str(_TMP / "uploads"),
            "SMS_OUTBOX_LOG": str(_TMP / "sms.log"),
            "PUBLIC_BASE_URL": "https://roadchief.example.cn",
            "WTF_CSRF_ENABLED": True,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import text

        with db.engine.begin() as conn:
            if IS_POSTGRES:  # a clean schema, whatever an earlier run left behind
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                db.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
    yield app
    shutil.rmtree(_TMP, ignore_errors=True)


def _wipe():
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if IS_POSTGRES:
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for t in tables:
                conn.execute(t.delete())
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


@pytest.fixture()
def ctx(app):
    """An application context with empty tables (each test wipes them as it starts, so
    whatever a test leaves is there to look at after a failure)."""
    from app.extensions import limiter
    from app.services import reference_data

    with app.app_context():
        _wipe()
        reference_data.invalidate()
        limiter.reset()  # every test starts with empty rate-limit counters
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.fixture()
def city(ctx):
    from tests.factories import build_city

    return build_city()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def t0():
    """A Wednesday morning in Wuhan (01:00 UTC = 09:00 local)."""
    return datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
