"""Helpers for the resident-channel tests: a CSRF-aware form poster, a report as a
resident would fill it, and a case taken by staff through the whole loop."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import func, select

from app.extensions import db, limiter
from app.models import Attachment, Case, CaseEvent, Contact, OutboxMessage, Rating
from app.services import cases
from tests.factories import photo

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Each test starts with the limits on (the browser fixture turns them off for the
    session's app) and empty counters."""
    enabled = app.config.get("RATELIMIT_ENABLED")
    app.config["RATELIMIT_ENABLED"] = True
    limiter.reset()
    yield
    limiter.reset()
    app.config["RATELIMIT_ENABLED"] = enabled


def csrf(client, url: str = "/report") -> str:
    # The tests' app context outlives requests, and Flask-WTF caches the token in ``g``:
    # forget it, so that each browser (test client) gets the token of its own session.
    g.pop("csrf_token", None)
    page = client.get(url).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def report_data(city, **over) -> dict:
    """The report form as a resident fills it without a map: category, road, words."""
    data = {"category": "LD03", "area_id": str(city.area.id),
            "description": "人行道上停了一辆白色小车", "phone": "", "action": "submit"}
    data.update(over)
    # "Is it one of these?" already answered for this category and area, unless a test
    # says otherwise (or gives a point, which is a new question).
    data.setdefault("nearby_seen", f"{data.get('category')}|a{data.get('area_id')}")
    return {k: v for k, v in data.items() if v is not None}


def post_report(client, data: dict, files: list | None = None, token: str | None = None):
    body = dict(data)
    body["csrf_token"] = token or csrf(client)
    if files:
        body["photos"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/report", data=body, content_type="multipart/form-data")


def jpeg(**kw) -> tuple[bytes, str]:
    p = photo(**kw)
    return p.data, p.filename


def counts() -> dict:
    """What a failed submission must leave untouched."""
    return {name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("cases", Case), ("events", CaseEvent),
                                ("attachments", Attachment), ("contacts", Contact),
                                ("outbox", OutboxMessage), ("ratings", Rating))}


def stored_files(app) -> set[str]:
    root = Path(app.config["UPLOAD_DIR"])
    if not root.exists():
        return set()
    return {p.name for p in root.iterdir() if p.is_file()}


def the_case(code: str) -> Case:
    db.session.expire_all()
    return cases.get_case(code)


def close_by_staff(city, case: Case, at=None) -> Case:
    """Dispatch, sign for, rectify with an after-photo, verify: the case is closed."""
    case = cases.dispatch(case, city.actor(city.dispatcher))
    assignee = case.assignee_user or city.traffic_staff
    actor = city.actor(assignee) if case.assignee_user else city.actor(city.traffic_staff)
    case = cases.sign_for(case, actor)
    case = cases.rectify(case, actor, note="已拖离", photos=[photo(color=(200, 200, 200))])
    return cases.verify(case, city.actor(city.inspector), passed=True)
