"""The report limits against a real Redis, as in production: several workers share the
counters, only stored reports count, and a Redis that is down never stops a report."""

import pytest
from limits.storage import RedisStorage

from app import create_app
from app.extensions import db
from app.models import Case
from tests.conftest import REDIS_URL, need
from tests.resident_helpers import (  # noqa: F401 - fresh_limits is an autouse fixture
    fresh_limits,
    post_report,
    report_data,
)

PREFIX = "roadchief-test-limits"


def _reachable() -> bool:
    if not REDIS_URL:
        return False
    try:
        return RedisStorage(REDIS_URL).check()
    except Exception:
        return False


def _app_with_limits_in(app, storage_uri: str, **config):
    """An app like the tests' one whose limits are kept in ``storage_uri`` (the limiter is
    one object, set up by the last app made: the tests' app is made again afterwards)."""
    return create_app({**app.config, "RATELIMIT_STORAGE_URI": storage_uri,
                       "RATELIMIT_KEY_PREFIX": PREFIX, "RATELIMIT_ENABLED": True, **config})


@pytest.fixture()
def restore_limiter(app):
    yield
    create_app(dict(app.config))  # the limiter back on the tests' settings (memory)


@pytest.fixture()
def redis_app(app, restore_limiter):
    need("Redis", _reachable())
    connection = RedisStorage(REDIS_URL).get_connection()
    for key in connection.scan_iter(f"*{PREFIX}*"):
        connection.delete(key)
    yield _app_with_limits_in(app, REDIS_URL, REPORT_LIMIT_PER_ADDRESS="2 per hour; 60 per day",
                              REPORT_LIMIT_PER_PHONE="5 per hour")
    for key in connection.scan_iter(f"*{PREFIX}*"):
        connection.delete(key)


def test_reports_are_counted_in_redis_and_the_third_is_refused(city, redis_app):
    client = redis_app.test_client()
    assert post_report(client, report_data(city, category=None)).status_code == 422
    assert [post_report(client, report_data(city, phone="13900002222")).status_code
            for _ in range(2)] == [303, 303]
    client.get("/report?lang=en")
    refused = post_report(client, report_data(city, description="第三次"))
    assert refused.status_code == 429
    assert 3500 < int(refused.headers["Retry-After"]) <= 3600
    assert "Please wait a while" in refused.get_data(as_text=True)
    assert db.session.query(Case).count() == 2
    # Another worker (another client here) reads the same counters.
    other = redis_app.test_client()
    assert post_report(other, report_data(city)).status_code == 429
    keys = RedisStorage(REDIS_URL).get_connection().keys(f"*{PREFIX}*")
    assert len(keys) == 3  # the address's two windows and the phone's one


def test_a_redis_that_is_down_never_stops_a_report(city, app, restore_limiter):
    down = _app_with_limits_in(app, "redis://127.0.0.1:1/0?socket_connect_timeout=0.2",
                               REPORT_LIMIT_PER_ADDRESS="2 per hour")
    client = down.test_client()
    # The limits still hold, in this process's memory, while Redis is away.
    assert [post_report(client, report_data(city)).status_code for _ in range(3)] \
        == [303, 303, 429]
    assert db.session.query(Case).count() == 2
