"""Case histories built by hand through the one door, for the metrics tests: each helper
takes the moments at which things happen (local wall-clock times in Wuhan)."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.services import cases, clock
from app.services.actors import Actor
from tests.factories import photo

PHONE = "13900002222"


def at(text: str) -> datetime:
    """An aware UTC moment from a local wall-clock time, e.g. "2026-11-25 09:00"."""
    return clock.from_local(datetime.fromisoformat(text))


def report(city, when: str, code: str = "LD09", point=None, phone: str | None = PHONE,
           **kw):
    lng, lat = point or city.POINT
    with clock.travel(at(when)):
        return cases.submit(Actor.resident(), category_code=code, lat=lat, lng=lng,
                            description="路灯杆上贴满了小广告", phone=phone, **kw)


def dispatched(city, when: str, code: str = "LD09", point=None, phone: str | None = PHONE,
               **kw):
    """Reported and dispatched at ``when`` (the clock starts then)."""
    case = report(city, when, code, point, phone, **kw)
    with clock.travel(at(when)):
        cases.dispatch(case, Actor.staff(city.dispatcher))
    return case


def assignee(city, case) -> Actor:
    """The person who acts for the case's assignee (an agency gets a duty officer)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User
    from tests.factories import user

    if case.assignee_user_id:
        return Actor.staff(db.session.get(User, case.assignee_user_id))
    staff = db.session.scalar(select(User).where(User.agency_id == case.assignee_agency_id,
                                                 User.role == "agency_staff").limit(1))
    if staff is None:
        staff = user(f"duty-{case.assignee_agency_id}", "agency_staff",
                     agency_id=case.assignee_agency_id)
        db.session.commit()
    return Actor.staff(staff)


def supervisor(city, case) -> Actor:
    return Actor.staff(city.district_supervisor)


def sign(city, case, when: str):
    with clock.travel(at(when)):
        cases.sign_for(case, assignee(city, case))


def rectify(city, case, when: str):
    with clock.travel(at(when)):
        cases.rectify(case, assignee(city, case), note="已清理", photos=[photo()])


def verify(city, case, when: str, passed: bool = True):
    with clock.travel(at(when)):
        cases.verify(case, supervisor(city, case), passed=passed, note="核查",
                     photos=[] if passed else [photo((150, 40, 40))])


def closed(city, when: str, rectified: str, verified: str, code: str = "LD09",
           signed: str | None = None, **kw):
    """A whole loop: dispatched at ``when``, signed for (at ``signed``, or a minute after
    dispatch), rectified and verified at the given times."""
    case = dispatched(city, when, code, **kw)
    sign(city, case, signed or (datetime.fromisoformat(when) + timedelta(minutes=1))
         .isoformat(sep=" "))
    rectify(city, case, rectified)
    verify(city, case, verified)
    return case


def rate(case, when: str, score: int, contact=None):
    with clock.travel(at(when)):
        cases.rate(case, Actor.resident(contact or case.reporter), score=score)
