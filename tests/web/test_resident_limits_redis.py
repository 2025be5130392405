"""The report limits against a real Redis, as in production: several workers share the
counters, only stored reports count, and a Redis that is down never stops a report."""

from types import SimpleNamespace

import pytest
from limits.storage import RedisStorage

from app.extensions import db
from app.models import Case
from app.public import report_limits
from tests.conftest import REDIS_URL, need
from tests.resident_helpers import (  # noqa: F401 - fresh_limits is an autouse fixture
    fresh_limits,
    post_report,
    report_data,
)


def _reachable() -> bool:
    if not REDIS_URL:
        return False
    try:
        return RedisStorage(REDIS_URL).check()
    except Exception:
        return False


@pytest.fixture()
def redis_limits(monkeypatch, app):
    need("Redis", _reachable())
    storage = RedisStorage(REDIS_URL, key_prefix="roadchief-test-limits")
    storage.reset()
    monkeypatch.setattr(report_limits, "limiter", SimpleNamespace(storage=storage))
    monkeypatch.setitem(app.config, "REPORT_LIMIT_PER_ADDRESS", "2 per hour; 60 per day")
    monkeypatch.setitem(app.config, "REPORT_LIMIT_PER_PHONE", "5 per hour")
    yield storage
    storage.reset()


def test_reports_are_counted_in_redis_and_the_third_is_refused(city, app, redis_limits):
    client = app.test_client()
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
    other = app.test_client()
    assert post_report(other, report_data(city)).status_code == 429
    keys = redis_limits.get_connection().keys("roadchief-test-limits:*")
    assert len(keys) == 3  # the address's two windows and the phone's one


def test_a_redis_that_is_down_never_stops_a_report(city, app, monkeypatch):
    down = RedisStorage("redis://127.0.0.1:1", socket_connect_timeout=0.2)
    monkeypatch.setattr(report_limits, "limiter", SimpleNamespace(storage=down))
    monkeypatch.setitem(app.config, "REPORT_LIMIT_PER_ADDRESS", "1 per hour")
    client = app.test_client()
    assert [post_report(client, report_data(city)).status_code for _ in range(2)] == [303, 303]
    assert db.session.query(Case).count() == 2


def test_a_report_takes_its_place_before_it_is_written_and_gives_it_back_if_not_stored(
        app, monkeypatch, redis_limits):
    """Two reports sent at the same moment cannot both take a window's last place; a
    report that was not stored (a form sent back) leaves its places free again."""
    monkeypatch.setitem(app.config, "REPORT_LIMIT_PER_ADDRESS", "1 per hour")
    with app.test_request_context("/report", method="POST", data={"phone": "13900003333"}):
        found = report_limits.windows()
        report_limits.take(found)
        with pytest.raises(report_limits.TooManyReports) as full:
            report_limits.take(found)
        assert 3500 < full.value.retry_after <= 3600
        report_limits.give_back(found)
        assert redis_limits.get_connection().keys("roadchief-test-limits:*") == []
        report_limits.take(found)  # free again
    # Full in two windows: the wait is until the later one empties.
    monkeypatch.setitem(app.config, "REPORT_LIMIT_PER_ADDRESS", "1 per hour; 1 per day")
    with app.test_request_context("/report", method="POST"):
        found = report_limits.windows()
        redis_limits.reset()
        report_limits.take(found)
        with pytest.raises(report_limits.TooManyReports) as full:
            report_limits.take(found)
        assert 86000 < full.value.retry_after <= 86400
