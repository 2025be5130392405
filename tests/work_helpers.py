"""Helpers for the staff-screen tests: sign a test client in as a city user (CSRF is on,
so the token is read from a real form) and post a case action the way the page does."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

from flask import g
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Case, User
from app.services import cases, clock
from app.services.actors import Actor
from tests.factories import photo

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class StaffClient(FlaskClient):
    """A test client for one person. The ``ctx`` fixture keeps an application context
    open, which every test request then shares; Flask-Login (the signed-in user) and
    Flask-WTF (the CSRF token) cache on that context's ``g``, so each request starts with
    an empty ``g``, as it would in its own context, and reads its own cookies."""

    def open(self, *args, **kwargs):
        for name in list(vars(g)):
            g.pop(name, None)
        return super().open(*args, **kwargs)


def client_for(app, user: User | None = None, lang: str = "en") -> StaffClient:
    """A fresh client, signed in as ``user`` when given."""
    client = StaffClient(app, app.response_class, use_cookies=True)
    if user is not None:
        response = sign_in(client, user, lang=lang)
        assert response.status_code == 302 and "/auth/" not in response.location, \
            response.get_data(as_text=True)
    return client


def token_from(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, user: User | str, password: str = PASSWORD, remember: bool = False,
            lang: str = "en"):
    """Sign in through the real form; the client keeps the session and its CSRF token."""
    username = user if isinstance(user, str) else user.username
    page = client.get(f"/auth/login?lang={lang}").get_data(as_text=True)
    client.csrf = token_from(page)
    data = {"csrf_token": client.csrf, "username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/auth/login", data=data)


def fresh(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def act(client, case: Case, action: str, version: int | None = None, photos: int = 0,
        **fields):
    """POST an action form for a case with the version the person saw (the current one
    unless given)."""
    data = {"csrf_token": client.csrf,
            "version": str(fresh(case).version if version is None else version)}
    data.update({k: v for k, v in fields.items() if v is not None})
    if photos:
        data["photos"] = [(photo_file(i), f"p{i}.jpg") for i in range(photos)]
    return client.post(f"/work/cases/{case.id}/{action}", data=data,
                       content_type="multipart/form-data")


def photo_file(i: int = 0):
    return io.BytesIO(photo(color=(30 + i * 40, 120, 60)).data)


def buttons(page: str) -> set[str]:
    """The actions offered in a case page's action panel."""
    start = page.index('id="actions"')
    panel = page[start:page.index("</section>", start)]
    return set(re.findall(r'data-action="([a-z_]+)"', panel))


def local_input(moment: datetime) -> str:
    """A datetime-local field value in the city's wall clock."""
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M")


# -- cases in a given state, made through the door at a given moment ---------------------------

PHONE = "13900001111"


def report(city, at, code: str = "LD09", point=None, phone: str | None = PHONE,
           photos: int = 1, **kw) -> Case:
    lng, lat = point or city.POINT
    with clock.travel(at):
        return cases.submit(Actor.resident(), category_code=code, lat=lat, lng=lng,
                            description=kw.pop("description", "解放大道路灯杆上贴满了小广告"),
                            phone=phone, photos=[photo() for _ in range(photos)], **kw)


def dispatched(city, at, code: str = "LD09", point=None, **kw) -> Case:
    case = report(city, at, code, point, **kw)
    with clock.travel(at + timedelta(minutes=5)):
        cases.dispatch(case, city.actor(city.dispatcher if case.district_id == city.district.id
                                         else city.far_dispatcher))
    return case


def assignee_of(city, case: Case):
    if case.assignee_user_id:
        return Actor.staff(db.session.get(User, case.assignee_user_id))
    return Actor.staff(db.session.scalar(
        select(User).where(User.agency_id == case.assignee_agency_id).order_by(User.id).limit(1)))


def in_progress(city, at, code: str = "LD09", point=None, **kw) -> Case:
    case = dispatched(city, at, code, point, **kw)
    with clock.travel(at + timedelta(minutes=10)):
        cases.sign_for(case, assignee_of(city, case))
    return case


def rectified(city, at, code: str = "LD09", point=None, **kw) -> Case:
    case = in_progress(city, at, code, point, **kw)
    with clock.travel(at + timedelta(minutes=40)):
        cases.rectify(case, assignee_of(city, case), note="已清理", photos=[photo()])
    return case


def closed(city, at, code: str = "LD09", point=None, **kw) -> Case:
    case = rectified(city, at, code, point, **kw)
    with clock.travel(at + timedelta(hours=1)):
        cases.verify(case, city.actor(city.inspector if case.street_id == city.street.id
                                      else city.city_supervisor), passed=True)
    return case
