"""Open311 GeoReport v2: the catalogue as *services*, cases as *service requests*.

This module turns the GeoReport parameters into a call of the one door
(:func:`app.services.cases.submit`) and cases into GeoReport records. It knows nothing
about JSON or XML (see ``app/open311/formats.py``).

Decisions, where the specification leaves a choice:

- The server is *realtime*: a request becomes a case at once, so the POST answer carries
  ``service_request_id`` (the case's tracking code, e.g. ``K7QM-4D2X``). For clients built
  for deferred servers, the tracking code also serves as the ``token``:
  ``GET tokens/{code}`` answers with the same code as ``service_request_id``.
- ``address_id`` is the code of a responsibility area (e.g. ``JA01-01``).
- ``status`` is ``closed`` for closed, rejected and merged cases, ``open`` otherwise.
- ``expected_datetime`` is the case's time limit (empty until it is dispatched).
- ``agency_responsible`` is a unit (an agency, "road chief of <area>", the district
  command centre), never a person; no GET carries a reporter's contact, name or phone.
- ``description`` and the typed address are the reporter's own words (the public
  tracking page shows them to the reporter only): a GET leaves ``description`` empty and
  gives the place as the responsibility area in words.
- ``media_url`` given with a POST is kept as a link (not fetched); a GET shows the case's
  first public photo, else that link.
- Contact fields: ``phone`` makes the reporter a follower of the case (they hear about it
  by SMS, like a web reporter); ``email``, ``first_name``, ``last_name``, ``device_id``
  and ``account_id`` are accepted and not stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import labels
from app.extensions import db
from app.models import Area, Attachment, Case, CaseEvent, Category, District
from app.models.admin import ApiKey
from app.services import cases, clock, public_view
from app.services.actors import Actor
from app.services.errors import ServiceError
from app.services.notifications import display_code
from workflows.lifecycle import Action, State
from workflows.routing import Urgency

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DESCRIPTION_MAX = 4000  # the specification's limit; the door keeps a narrower one
MEDIA_URL_MAX = 500
DEFAULT_DAYS = 90  # "a span of 90 days or first 1000 requests returned"
DEFAULT_LIMIT = 1000
CLOSED_STATES = (State.CLOSED, State.REJECTED, State.MERGED)
GROUPS = {"ten_disorders": _l("Ten disorders"), "high_frequency": _l("High-frequency problems")}
URGENCY_ATTRIBUTE = "urgency"


class Open311Error(Exception):
    """An error in the specification's own format: an HTTP status and a description."""

    def __init__(self, status: int, description):
        self.status = status
        self.description = description
        super().__init__(str(description))


def from_service_error(exc: ServiceError) -> Open311Error:
    status = exc.status if exc.status in (403, 404) else 400
    return Open311Error(status, exc.message)


def _zh() -> bool:
    return not str(get_locale()).startswith("en")


def w3c(moment: datetime | None) -> str | None:
    """A W3C datetime with the city's offset, e.g. ``2026-11-25T09:00:00+08:00``."""
    if moment is None:
        return None
    return moment.astimezone(clock.zone()).isoformat(timespec="seconds")


def check_jurisdiction(value: str | None) -> None:
    if value is None or value == "":
        return
    if value != current_app.config["OPEN311_JURISDICTION_ID"]:
        raise Open311Error(404, _l("jurisdiction_id not found."))


def api_key(token: str | None) -> ApiKey:
    from app.services.admin import api_keys

    if not (token or "").strip():
        raise Open311Error(403, _l("api_key was not provided."))
    key = api_keys.authenticate(token)
    if key is None:
        raise Open311Error(403, _l("api_key is not valid or has been revoked."))
    return key


# -- discovery, services and their definitions ----------------------------------------------


def discovery(endpoint_url: str) -> dict[str, Any]:
    cfg = current_app.config
    return {
        "changeset": cfg["OPEN311_CHANGESET"],
        "contact": str(cfg["OPEN311_CONTACT"]),
        "key_service": str(cfg["OPEN311_KEY_SERVICE"]),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": endpoint_url,
            "changeset": cfg["OPEN311_CHANGESET"],
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }


def _categories() -> list[Category]:
    return list(db.session.scalars(select(Category).where(Category.active.is_(True))
                                   .order_by(Category.sort, Category.code)))


def _category(code: str) -> Category:
    category = db.session.scalar(select(Category).where(
        Category.code == (code or "").strip().upper(), Category.active.is_(True)))
    if category is None:
        raise Open311Error(404, _l("service_code not found."))
    return category


def services() -> list[dict[str, Any]]:
    return [{
        "service_code": c.code,
        "service_name": c.name_zh if _zh() else c.name_en,
        "description": (c.hint_zh if _zh() else c.hint_en) or None,
        "metadata": True,  # every service has the urgency attribute
        "type": "realtime",
        "keywords": ", ".join(c.keywords or []) or None,
        "group": str(GROUPS.get(c.grp, c.grp)),
    } for c in _categories()]


def definition(code: str) -> dict[str, Any]:
    category = _category(code)
    return {
        "service_code": category.code,
        "attributes": [{
            "variable": True,
            "code": URGENCY_ATTRIBUTE,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": str(_l("One of: normal, urgent, critical (a safety "
                                           "hazard). Normal when not given.")),
            "order": 1,
            "description": str(_l("How urgent is it?")),
            "values": [{"key": u.value, "name": str(labels.URGENCY[u])} for u in Urgency],
        }],
    }


# -- POST requests ----------------------------------------------------------------------------


def _number(form, name: str, low: float, high: float) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, _l("%(name)s is not a number.", name=name)) from None
    if not (low <= value <= high):  # also refuses nan and inf
        raise Open311Error(400, _l("%(name)s is out of range.", name=name))
    return value


def _attributes(form) -> dict[str, str]:
    found = {}
    for name in form:
        match = re.fullmatch(r"attribute\[(.*)\]", name)
        if match:
            found[match.group(1)] = (form.get(name) or "").strip()
        elif name.startswith("attribute"):
            raise Open311Error(400, _l("Attributes are sent as attribute[code]."))
    return found


def submit(form, key: ApiKey) -> Case:
    """A GeoReport POST as a new case through the one door. Every check that can fail
    is made before the door is called; the door itself is all-or-nothing."""
    check_jurisdiction(form.get("jurisdiction_id"))
    if not (form.get("service_code") or "").strip():
        raise Open311Error(400, _l("service_code was not provided."))
    category = _category(form["service_code"])
    lat = _number(form, "lat", -90, 90)
    lng = _number(form, "long", -180, 180)
    if (lat is None) != (lng is None):
        raise Open311Error(400, _l("lat and long must be given together."))
    address = (form.get("address_string") or "").strip()
    area_id = None
    address_id = (form.get("address_id") or "").strip()
    if address_id:
        area_id = db.session.scalar(select(Area.id).where(Area.code == address_id))
        if area_id is None:
            raise Open311Error(400, _l("address_id is not a known area code."))
    if lat is None and not address and area_id is None:
        raise Open311Error(400, _l("A location is required: lat and long, address_string "
                                   "or address_id."))
    description = (form.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, _l("description is longer than 4000 characters."))
    if not description:
        description = category.name_zh if _zh() else category.name_en
    urgency = Urgency.NORMAL.value
    for code, value in _attributes(form).items():
        if code != URGENCY_ATTRIBUTE:
            raise Open311Error(400, _l("Unknown attribute: %(code)s.", code=code[:40]))
        if value not in {u.value for u in Urgency}:
            raise Open311Error(400, _l("Unknown value for attribute %(code)s.", code=code))
        urgency = value
    media_url = (form.get("media_url") or "").strip()
    if media_url and (len(media_url) > MEDIA_URL_MAX
                      or not re.fullmatch(r"https?://[^\s<>\"]+", media_url)):
        raise Open311Error(400, _l("media_url is not an http(s) URL."))
    try:
        return cases.submit(
            Actor.resident(None), category_code=category.code, description=description,
            lat=lat, lng=lng, address=address, area_id=area_id, urgency=urgency,
            phone=form.get("phone") or None, language=str(get_locale()), channel="open311",
            source={"api_key": key.prefix, **({"media_url": media_url} if media_url else {})},
            alone=True,
        )
    except ServiceError as exc:
        raise from_service_error(exc) from exc


def accepted(case: Case) -> dict[str, Any]:
    return {"service_request_id": display_code(case.code),
            "service_notice": public_view.deadline(case).text or None,
            "account_id": None}


# -- GET requests ------------------------------------------------------------------------------


def parse_datetime(value: str | None, name: str) -> datetime | None:
    """A W3C datetime; one without a zone is read in the city's zone."""
    if value is None or not value.strip():
        return None
    text = value.strip().replace("z", "Z")
    # A "+" left unescaped in a query string arrives as a space: 2026-11-01T00:00:00 08:00
    text = re.sub(r"^(\S+) (\d\d:?\d\d)$", r"\1+\2", text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, _l("%(name)s is not a W3C datetime.", name=name)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.zone())
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise Open311Error(400, _l("%(name)s is not a W3C datetime.", name=name)) from None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@dataclass
class Query:
    ids: list[str]
    service_codes: list[str]
    start: datetime | None
    end: datetime | None
    statuses: list[str]


def query_from(args) -> Query:
    check_jurisdiction(args.get("jurisdiction_id"))
    statuses = [s.lower() for s in _split(args.get("status"))]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, _l("status must be open or closed."))
    start = parse_datetime(args.get("start_date"), "start_date")
    end = parse_datetime(args.get("end_date"), "end_date")
    if start and end and start > end:
        raise Open311Error(400, _l("start_date is after end_date."))
    return Query([cases.normalize_code(i) for i in _split(args.get("service_request_id"))],
                 [c.upper() for c in _split(args.get("service_code"))], start, end, statuses)


#: What a GeoReport record needs of a case: a list reads these columns only.
LINE_COLUMNS = (Case.id, Case.code, Case.category_id, Case.state, Case.urgency, Case.channel,
                Case.limit_rule_id, Case.due_at, Case.rectified_at, Case.created_at,
                Case.updated_at, Case.assignee_user_id, Case.assignee_agency_id,
                Case.district_id, Case.area_id, Case.lat, Case.lng)


class CaseLine:
    """A case as a list of service requests sees it: its columns, its category from the
    kept catalogue, its area read only if a record asks (a thousand full ORM objects per
    answer were most of a GET's cost)."""

    def __init__(self, row, categories: dict):
        self.__dict__.update(row._mapping)
        if self.category_id not in categories:  # one copy per category per answer
            categories[self.category_id] = cases.category_facts(self.category_id)
        self.category = categories[self.category_id]

    @property
    def area(self) -> Area | None:
        return db.session.get(Area, self.area_id) if self.area_id else None


def find(q: Query) -> list[CaseLine]:
    """Service requests, newest first. ``service_request_id`` overrides every other
    filter; otherwise the default window is the last 90 days (or 90 days from, or up
    to, the date given) and at most 1000 requests."""
    base = select(*LINE_COLUMNS)
    if q.ids:
        return _lines(base.where(Case.code.in_(q.ids[:DEFAULT_LIMIT]))
                      .order_by(Case.created_at.desc()))
    start, end = q.start, q.end
    if start is None and end is None:
        end = clock.now()
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS)
    if end is None:
        end = start + timedelta(days=DEFAULT_DAYS)
    query = base.where(Case.created_at >= start, Case.created_at <= end)
    if q.service_codes:
        query = query.join(Category, Category.id == Case.category_id).where(
            Category.code.in_(q.service_codes))
    closed = [s.value for s in CLOSED_STATES]
    if q.statuses == ["open"]:
        query = query.where(Case.state.not_in(closed))
    elif q.statuses == ["closed"]:
        query = query.where(Case.state.in_(closed))
    return _lines(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(DEFAULT_LIMIT))


def _lines(query) -> list[CaseLine]:
    categories: dict = {}
    return [CaseLine(row, categories) for row in db.session.execute(query)]


def one(code: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.code == cases.normalize_code(code)))
    if case is None:
        raise Open311Error(404, _l("service_request_id not found."))
    return case


def _submitted_media(found: list) -> dict[int, str]:
    """The media_url given with each Open311 report (only those reports can have one)."""
    ids = [c.id for c in found if c.channel == "open311"]
    if not ids:
        return {}
    rows = db.session.execute(select(CaseEvent.case_id, CaseEvent.data).where(
        CaseEvent.case_id.in_(ids), CaseEvent.action == Action.SUBMIT.value))
    return {cid: data["media_url"] for cid, data in rows if data and data.get("media_url")}


def _photo_urls(found: list) -> dict[int, str]:
    """Each case's first public photo, as a link (one query for the whole answer)."""
    if not found:
        return {}
    rows = db.session.execute(
        select(Attachment.case_id, Attachment.storage_key)
        .join(Case, Case.id == Attachment.case_id)
        .where(Attachment.case_id.in_([c.id for c in found]), Case.dispatched_at.is_not(None),
               Attachment.kind.in_(public_view.PUBLIC_PHOTO_KINDS),
               Attachment.hidden_at.is_(None))
        .order_by(Attachment.case_id, Attachment.id))
    base, first = current_app.config["PUBLIC_BASE_URL"], {}
    for case_id, key in rows:
        if case_id not in first:
            first[case_id] = base + url_for("public.photo", key=key)
    return first


def _agency(case: Case) -> str:
    if case.assignee_user_id or case.assignee_agency_id:
        return public_view.unit_of(case, case.assignee_user_id, case.assignee_agency_id)
    if case.district_id:
        district = db.session.get(District, case.district_id)
        if district is not None:
            return str(_l("%(district)s command centre",
                          district=district.name_zh if _zh() else district.name_en))
    return str(_l("the district command centre"))


def _area_code(case: Case) -> str | None:
    if case.area_id is None:
        return None
    from app.services.places import memo

    return memo(("area-code", case.area_id),
                lambda: db.session.scalar(select(Area.code).where(Area.id == case.area_id)))


def records(found: list[Case]) -> list[dict[str, Any]]:
    """Service requests as GeoReport records, in the specification's element order.
    Nothing personal: no reporter, no staff name. Words shared by many records (state,
    unit, place, time-limit notice) are worked out once per answer."""
    media, photos = _submitted_media(found), _photo_urls(found)
    zh, now = _zh(), clock.now()
    states = {s: str(labels.STATE[s]) for s in State}
    seen: dict[tuple, Any] = {}

    def once(key: tuple, make):
        if key not in seen:
            seen[key] = make()
        return seen[key]

    out = []
    for case in found:
        state = State(case.state)
        notice_key = ("notice", case.category_id, case.urgency, case.limit_rule_id, state,
                      case.due_at, case.rectified_at is None,
                      case.rectified_at is not None and case.due_at is not None
                      and case.rectified_at <= case.due_at,
                      case.due_at is not None and now > case.due_at)
        out.append({
            "service_request_id": display_code(case.code),
            "status": "closed" if state in CLOSED_STATES else "open",
            "status_notes": states[state],
            "service_name": case.category.name_zh if zh else case.category.name_en,
            "service_code": case.category.code,
            "description": None,  # the reporter's own words: only they see them
            "agency_responsible": once(("unit", case.assignee_user_id, case.assignee_agency_id,
                                        case.district_id, case.area_id),
                                       lambda c=case: _agency(c)),
            "service_notice": once(notice_key,
                                   lambda c=case: public_view.deadline(c).text or None),
            "requested_datetime": w3c(case.created_at),
            "updated_datetime": w3c(case.updated_at),
            "expected_datetime": w3c(case.due_at),
            # the place as the public sees it, never the reporter's own words
            "address": once(("place", case.area_id),
                            lambda c=case: public_view.place_words(c)),
            "address_id": once(("area", case.area_id), lambda c=case: _area_code(c)),
            "zipcode": None,
            "lat": case.lat,
            "long": case.lng,
            "media_url": photos.get(case.id) or media.get(case.id),
        })
    return out


def token(value: str) -> list[dict[str, Any]]:
    case = db.session.scalar(select(Case).where(Case.code == cases.normalize_code(value)))
    if case is None:
        raise Open311Error(404, _l("token not found."))
    return [{"service_request_id": display_code(case.code), "token": value}]
