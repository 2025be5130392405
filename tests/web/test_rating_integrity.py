"""Only the resident rates: a rating link expires, names the closure it was sent for and
rates once; no staff screen shows a link or an anonymous reporter's number; a rating
records its channel and origin, and a supervisor sees a unit's ratings that come from a
staff network or from one network again and again."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import OutboxMessage, Rating
from app.services import cases, clock
from app.services.actors import Actor
from tests.factories import photo
from tests.resident_helpers import (
    close_by_staff,
    csrf,
    fresh_limits,  # noqa: F401 - an autouse fixture
)
from tests.work_helpers import client_for, sign_in

_LINK = re.compile(r"https://roadchief\.example\.cn(/rate/\S+)")
PHONE = "+8613900001111"


def _closed(city, phone="13900001111", anonymous=False, point=None):
    lng, lat = point or city.POINT
    case = cases.submit(Actor.resident(), category_code="LD04", description="杂物堆在人行道",
                        lat=lat, lng=lng, phone=phone, anonymous=anonymous)
    return close_by_staff(city, case)


def _link(case, phone=PHONE) -> str:
    bodies = [m.body for m in db.session.query(OutboxMessage).filter_by(
        case_id=case.id, to_phone=phone).order_by(OutboxMessage.id)]
    return [m.group(1) for b in bodies if (m := _LINK.search(b))][-1]


def _rate(client, path, score=1):
    return client.post(path, data={"csrf_token": csrf(client), "score": str(score),
                                   "comment": ""})


def test_a_link_expires_after_the_rating_window(city, client):
    path = _link(_closed(city))
    with clock.travel(clock.now() + timedelta(days=29)):
        assert client.get(path + "?lang=en").status_code == 200
    with clock.travel(clock.now() + timedelta(days=31)):
        response = client.get(path + "?lang=en")
    assert response.status_code == 410
    assert "This rating link has expired" in response.get_data(as_text=True)
    assert db.session.query(Rating).count() == 0


def test_the_link_lifetime_is_a_setting(city, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATING_LINK_DAYS", 2)
    path = _link(_closed(city))
    with clock.travel(clock.now() + timedelta(days=3)):
        response = _rate(client, path)
    assert response.status_code == 410
    assert db.session.query(Rating).count() == 0


def test_a_link_rates_once(city, client):
    path = _link(_closed(city))
    assert _rate(client, path, 1).status_code == 200
    again = _rate(client, path, 3)
    assert again.status_code == 409
    assert [r.score for r in db.session.query(Rating)] == [1]
    assert db.session.query(Rating).one().link_digest is not None


def test_a_link_for_an_earlier_closure_no_longer_rates(city, client):
    case = _closed(city)
    old = _link(case)
    cases.reopen(case, city.actor(city.district_supervisor), reason="居民反映未处理完")
    cases.rectify(case, Actor.staff(case.assignee_user), note="再次清理",
                  photos=[photo()])
    cases.verify(case, city.actor(city.inspector), passed=True)
    response = client.get(old + "?lang=en")
    assert response.status_code == 410
    new = _link(case)
    assert new != old and client.get(new).status_code == 200


def test_a_web_rating_records_its_channel_and_network_but_not_the_address(city, client):
    path = _link(_closed(city))
    client.environ_base["REMOTE_ADDR"] = "198.51.100.77"
    _rate(client, path, 2)
    rating = db.session.query(Rating).one()
    assert (rating.channel, rating.origin) == ("web", "web:198.51.100.0/24")


def test_an_sms_rating_records_the_sms_channel_as_its_origin(city):
    case = _closed(city)
    contact = cases.find_contact("13900001111")
    cases.rate(case, Actor.resident(contact), score=1, channel="sms")
    assert db.session.query(Rating).one().origin == "sms"


def test_the_outbox_shows_the_kind_and_hides_the_rating_link(city, app):
    case = _closed(city)
    assert "/rate/" in _link(case)  # the resident's message carries it ...
    page = client_for(app, city.dispatcher).get("/sms/outbox?lang=en").get_data(as_text=True)
    assert "/rate/" not in page  # ... the staff screen does not
    assert "[rating link hidden]" in page
    assert "To the resident: pass the verification" in page


def test_an_anonymous_reporters_number_is_on_no_staff_screen(city, app):
    case = _closed(city, anonymous=True)
    staff = client_for(app, city.district_supervisor)
    for url in ("/sms/outbox?lang=en", f"/work/cases/{case.id}?lang=en"):
        page = staff.get(url).get_data(as_text=True)
        assert "1111" not in page, url
    assert "anonymous reporter" in staff.get("/sms/outbox?lang=en").get_data(as_text=True)


def _origins_page(app, city) -> str:
    month = clock.to_local(clock.now()).strftime("%Y-%m")
    client = client_for(app, city.district_supervisor)
    return client.get(f"/supervise/rating-origins?month={month}&lang=en").get_data(as_text=True)


def test_a_supervisor_sees_ratings_from_a_network_staff_signed_in_from(city, app):
    office = client_for(app)
    office.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    assert sign_in(office, city.chief).status_code == 302
    rater = client_for(app)
    rater.environ_base["REMOTE_ADDR"] = "203.0.113.200"  # the same office network
    _rate(rater, _link(_closed(city)), 1)
    page = _origins_page(app, city)
    assert "203.0.113.0/24" in page and "staff signed in from this network" in page
    assert "chief" in page  # the unit: the road chief who handled it


def test_a_supervisor_sees_one_network_rating_several_cases_of_a_unit(city, app):
    rater = client_for(app)
    rater.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    for i in range(3):
        case = _closed(city, phone=f"1390000{i}000")
        _rate(rater, _link(case, f"+861390000{i}000"), 1)
    page = _origins_page(app, city)
    assert "192.0.2.0/24" in page and "one network for several cases" in page


def test_ordinary_ratings_are_not_listed(city, app):
    for i in range(2):
        rater = client_for(app)
        rater.environ_base["REMOTE_ADDR"] = f"198.51.{i}.9"
        case = _closed(city, phone=f"1390000{i}000")
        _rate(rater, _link(case, f"+861390000{i}000"), 1)
    assert "No ratings from unusual origins in this period." in _origins_page(app, city)
