"""No input gives a 500. Every route of the app (the API has its own schemathesis run in
test_open311_schema.py) is requested with a generated set of hostile values — in each
path argument, in every query parameter and form field the app reads, signed in as a
person who may open the page — and no answer may be a server error.

The set: NUL bytes, integers out of any column's range (positive and negative), floats
that are not numbers, impossible and huge or negative dates and years, CR/LF (a header
injection in ``next``), markup, SQL, very long and empty text, wide characters."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from flask import url_for

from tests.resident_helpers import fresh_limits  # noqa: F401 - an autouse fixture
from tests.work_helpers import client_for, closed, dispatched, token_from

HOSTILE = [
    "\x00", "a\x00b", "99999999999999999999999", "-99999999999999999999999", "9223372036854775808",
    "-1", "0", "1e309", "NaN", "-inf", "1.5", "２０２６-１１", "2026-13-45", "2026-02-30",
    "99999-01-01", "-0001-01-01", "0000-00", "999999999-12", "2026-11-25T25:61",
    "\r\nSet-Cookie: x=1", "/\r\nLocation: https://evil.example", "//evil.example",
    "<img src=x onerror=alert(1)>", "' OR 1=1--", "%", "user:99999999999999999999",
    "agency:-5", "x" * 5000, "", " ", "\u202e\U0001F600", "[]", "{}",
]
PATH_VALUES = ["0", "99999999999999999999999", "9223372036854775808", "x", "..",
               "%0D%0ASet-Cookie:x", "A" * 300, "%E2%80%AE", "%F0%9F%98%80", "-1"]
#: The query parameters and form fields the app reads, wherever it reads them.
NAMES = sorted(set(re.findall(r"\S+", """action active address address_id address_string
agency anonymous api_key area area_id assignee before by categories category chief code
comment current date
description district end end_date entity file filename from grp handler held id into
jurisdiction_id key kind lang lat list lng media_url min month name name_en name_zh new
new_due_at next note page param_max params password phone place polygon preset q radius
rate_per_minute
reason rectify_normal_amount rectify_normal_unit remember repeat road_chief role score sent
service_code service_request_id sort start start_date state status street support
template_id to token
urgency user username version viewport which year weeks max_deduction weight-on_time_rate
red-size black-below points-late cap-late contractor
title spot campaign places categories first last target owner issuer issue issued publish
save""")))
#: Routes that end the tester's own session or need a provider's signature.
SKIP = {"auth.logout", "static"}


@pytest.fixture()
def scene(city, app, t0):
    from app.services import sweep

    sweep.sweep()  # /healthz answers 503 until a sweep has run
    live = dispatched(city, t0)
    done = closed(city, t0 + timedelta(hours=2), phone="13900002222")
    who = {"admin": city.admin, "supervise": city.city_supervisor, "ops": city.city_supervisor,
           "work": city.dispatcher, "sms": city.dispatcher}
    clients = {key: client_for(app, user) for key, user in who.items()}
    clients["public"] = client_for(app)
    clients["public"].csrf = token_from(clients["public"].get("/report").get_data(as_text=True))
    supervision = _supervision(city, live)
    ids = {**supervision, "case_id": live.id, "agency_id": city.traffic.id,
           "area_id": city.area2.id,
           "user_id": city.chief2.id, "category_id": 1, "member_id": city.member.id,
           "message_id": 1, "attachment_id": 1, "key_id": 1, "contact_id": 1,
           "delivery_id": 1, "landmark_id": 1, "subscriber_id": 1, "point_id": 1}
    strings = {"code": done.code, "token": "x", "key": "x", "kind": "staff", "fmt": "csv",
               "table": "cases", "day": "2026-10-01", "action_name": "add_note",
               "service_code": "LD09", "service_request_id": done.code, "anything": "x",
               "filename": "css/app.css"}
    return clients, ids, strings


def _supervision(city, case) -> dict:
    """A campaign and a task list with one task behind the live case (任务清单, 专项整治)."""
    from datetime import date

    from app.extensions import db
    from app.models.supervision_tasks import Campaign, Task, TaskCase, TaskList
    from app.services import clock

    campaign = Campaign(name="专项", district_ids=[], street_ids=[], area_ids=[],
                        category_ids=[], first=date(2026, 11, 1), last=date(2026, 11, 30),
                        target_on_time=0.98, owner_id=city.city_supervisor.id,
                        created_by_id=city.city_supervisor.id, created_at=clock.now())
    task_list = TaskList(title="清单", first=date(2026, 11, 1), last=date(2026, 11, 30),
                         created_by_id=city.city_supervisor.id, created_at=clock.now(),
                         campaign=campaign)
    task = Task(position=1, place="解放大道", problem="小广告", district_id=city.district.id,
                street_id=city.street.id, area_id=city.area.id, due_on=date(2026, 12, 20))
    task_list.tasks.append(task)
    db.session.add_all([campaign, task_list])
    db.session.flush()
    db.session.add(TaskCase(task_id=task.id, case_id=case.id))
    db.session.commit()
    return {"campaign_id": campaign.id, "list_id": task_list.id, "task_id": task.id,
            "photo_id": 1}


def _client(clients, endpoint: str):
    blueprint = endpoint.split(".")[0]
    return clients.get(blueprint, clients["public"])


def _paths(app, rule, ids, strings):
    """The rule's URL with valid arguments, and with each hostile value in each argument."""
    valid = {**ids, **strings, "fmt": "json" if rule.rule.startswith("/open311") else "csv"}
    base = {k: v for k, v in valid.items() if k in rule.arguments} | dict(rule.defaults or {})
    with app.test_request_context():
        yield url_for(rule.endpoint, **base)
        for name in rule.arguments - set(rule.defaults or {}):
            if re.search(rf"<any\([^)]*\):{name}>", rule.rule):
                continue
            sentinel = 987654321 if f"<int:{name}>" in rule.rule else "PLACEHOLDER"
            raw = url_for(rule.endpoint, **{**base, name: sentinel})
            for value in PATH_VALUES:
                yield raw.replace(str(sentinel), value)


def _check(failures, response_or_exc, what):
    if isinstance(response_or_exc, Exception):
        failures.append(f"{what}: {type(response_or_exc).__name__}: {response_or_exc}"[:300])
    elif response_or_exc.status_code >= 500:
        failures.append(f"{what}: {response_or_exc.status_code}")


def _send(client, method, path, **kwargs):
    try:
        return client.open(path, method=method, **kwargs)
    except Exception as exc:  # an unhandled error: what a server would answer with a 500
        from app.extensions import db

        db.session.rollback()
        return exc


def test_no_path_argument_or_query_parameter_gives_a_server_error(app, scene):
    clients, ids, strings = scene
    failures: list[str] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or "GET" not in rule.methods:
            continue
        client = _client(clients, rule.endpoint)
        for path in _paths(app, rule, ids, strings):
            _check(failures, _send(client, "GET", path), f"GET {path[:120]}")
        valid = next(_paths(app, rule, ids, strings))
        for value in HOSTILE:
            query = "&".join(f"{name}={quote(value, safe='')}" for name in NAMES)
            _check(failures, _send(client, "GET", f"{valid}?{query}"),
                   f"GET {valid}?…={value[:40]!r}")
    assert failures == [], "\n".join(failures[:60])


def test_no_form_field_gives_a_server_error(app, scene):
    clients, ids, strings = scene
    failures: list[str] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or "POST" not in rule.methods:
            continue
        client = _client(clients, rule.endpoint)
        path = next(_paths(app, rule, ids, strings))
        for value in HOSTILE:
            form = {name: value for name in NAMES}
            form["csrf_token"] = getattr(client, "csrf", "")
            _check(failures, _send(client, "POST", path, data=form),
                   f"POST {path} …={value[:40]!r}")
    assert failures == [], "\n".join(failures[:60])


def test_every_case_action_survives_hostile_fields(app, scene):
    from workflows.lifecycle import Action

    clients, ids, _strings = scene
    client = clients["work"]
    failures: list[str] = []
    for action in Action:
        for value in HOSTILE:
            form = {name: value for name in NAMES} | {"csrf_token": client.csrf}
            path = f"/work/cases/{ids['case_id']}/{action.value}"
            _check(failures, _send(client, "POST", path, data=form), f"POST {path} {value[:30]!r}")
    assert failures == [], "\n".join(failures[:60])


@pytest.mark.parametrize("target", ["/\r\nSet-Cookie: x=1", "/work/\r\n", "/\tx",
                                    "\\\\evil.example", "/\x00x"])
def test_a_next_with_control_characters_is_ignored(city, app, target):
    client = client_for(app)
    page = client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/login", data={"csrf_token": token_from(page),
                                                "username": "chief",
                                                "password": "correct horse battery",
                                                "next": target})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert re.match(r"^(https?://localhost)?/work/?$", response.location), response.location


def test_an_encoded_line_break_in_next_stays_encoded(city, app):
    client = client_for(app)
    page = client.get("/auth/login").get_data(as_text=True)
    response = client.post("/auth/login", data={"csrf_token": token_from(page),
                                                "username": "chief",
                                                "password": "correct horse battery",
                                                "next": "/work/%0d%0aX:%20y"})
    assert response.status_code == 302
    assert "\r" not in response.location and "\n" not in response.location
