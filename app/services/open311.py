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
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ARRAY,
    DateTime,
    Integer,
    any_,
    bindparam,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import selectinload

from app import labels
from app.extensions import db
from app.models import Area, Attachment, Case, CaseEvent, Category, District
from app.models.base import UTCDateTime
from app.models.case import DESCRIPTION_MAX
from app.services import cases, catalogue_cache, clock, contacts, plain_text, public_view
from app.services.actors import Actor
from app.services.errors import ServiceError
from app.services.notifications import display_code
from workflows.lifecycle import Action, State
from workflows.routing import Urgency

if TYPE_CHECKING:
    from app.services.admin.api_keys import KeyRow

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MEDIA_URL_MAX = 500
DEFAULT_DAYS = 90  # "a span of 90 days or first 1000 requests returned"
DEFAULT_LIMIT = 1000
PAGE_SIZE_MAX = 1000  # page_size's documented maximum (and its default)
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


def w3c(moment: datetime | None, zone=None) -> str | None:
    """A W3C datetime with the city's offset, e.g. ``2026-11-25T09:00:00+08:00``."""
    if moment is None:
        return None
    return moment.astimezone(zone or clock.zone()).isoformat(timespec="seconds")


def check_jurisdiction(value: str | None) -> None:
    if value is None or value == "":
        return
    if value != current_app.config["OPEN311_JURISDICTION_ID"]:
        raise Open311Error(404, _l("jurisdiction_id not found."))


def api_key(token: str | None) -> KeyRow:
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
    """The active category with this code, from the kept catalogue (no query)."""
    category = catalogue_cache.active_category(code)
    if category is None:
        raise Open311Error(404, _l("service_code not found."))
    return category


def services() -> list[dict[str, Any]]:
    return [{
        "service_code": c.code,
        "service_name": labels.name_in(c),
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


def given(form, name: str) -> str:
    """A parameter's value, stripped; an empty parameter counts as not given."""
    return (form.get(name) or "").strip()


def _number(form, name: str, low: float, high: float) -> float | None:
    raw = given(form, name)
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
    """The ``attribute[code]`` values given (empty ones are not given). Codes this server
    does not define are ignored, as clients send their own (FixMyStreet sends every extra
    field it holds)."""
    found = {}
    for name in form:
        match = re.fullmatch(r"attribute\[(.*)\]", name)
        if match and match.group(1) == URGENCY_ATTRIBUTE and given(form, name):
            found[URGENCY_ATTRIBUTE] = given(form, name)
    return found


def media_url_of(form) -> str:
    media_url = given(form, "media_url")
    if media_url and (len(media_url) > MEDIA_URL_MAX or plain_text.has_controls(media_url)
                      or not re.fullmatch(r"https?://[^\s<>\"]+", media_url)):
        raise Open311Error(400, _l("media_url is not an http(s) URL."))
    return media_url


def usable_phone(raw: str) -> str | None:
    """The reporter's number if the door can use it; any other is dropped, never a reason
    to refuse the report (a client may send a landline or a foreign format)."""
    try:
        return contacts.normalize_phone(raw)
    except ServiceError:
        return None


def submit(form, key: KeyRow) -> Case:
    """A GeoReport POST as a new case through the one door. Every check that can fail
    is made before the door is called; the door itself is all-or-nothing."""
    check_jurisdiction(form.get("jurisdiction_id"))
    if not given(form, "service_code"):
        raise Open311Error(400, _l("service_code was not provided."))
    category = _category(form["service_code"])
    lat = _number(form, "lat", -90, 90)
    lng = _number(form, "long", -180, 180)
    if (lat is None) != (lng is None):
        raise Open311Error(400, _l("lat and long must be given together."))
    address = given(form, "address_string")
    area_id = None
    address_id = given(form, "address_id")
    if address_id:
        area_id = db.session.scalar(select(Area.id).where(Area.code == address_id))
        if area_id is None:
            raise Open311Error(400, _l("address_id is not a known area code."))
    if lat is None and not address and area_id is None:
        raise Open311Error(400, _l("A location is required: lat and long, address_string "
                                   "or address_id."))
    description = plain_text.without_controls(given(form, "description")).strip()
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, _l("description is longer than 4000 characters."))
    if not description:
        description = labels.name_in(category)
    urgency = _attributes(form).get(URGENCY_ATTRIBUTE, Urgency.NORMAL.value)
    if urgency not in {u.value for u in Urgency}:
        raise Open311Error(400, _l("Unknown value for attribute %(code)s.",
                                   code=URGENCY_ATTRIBUTE))
    media_url = media_url_of(form)
    phone = usable_phone(given(form, "phone"))
    source = {"api_key": key.prefix, **({"media_url": media_url} if media_url else {})}
    if given(form, "phone") and phone is None:
        source["phone_dropped"] = True
    try:
        return cases.submit(
            Actor.resident(None), category_code=category.code, description=description,
            lat=lat, lng=lng, address=address, area_id=area_id, urgency=urgency,
            phone=phone, language=str(get_locale()), channel="open311", source=source)
    except ServiceError as exc:
        raise from_service_error(exc) from exc


def accepted(case: Case) -> dict[str, Any]:
    return {"service_request_id": display_code(case.code),
            "service_notice": public_view.deadline(case).text or None,
            "account_id": None}


# -- GET requests ------------------------------------------------------------------------------

#: The W3C profile of ISO 8601 (https://www.w3.org/TR/NOTE-datetime): a year, a month, a
#: day, or a time to the minute, second or fraction, always with its zone (Z or ±hh:mm).
W3C = re.compile(r"\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?)?)?")


def parse_datetime(value: str | None, name: str) -> datetime | None:
    """A W3C datetime, strictly: a time needs its zone. A date alone (or a month, a year)
    is its first moment in the city's zone. A "+" left unescaped in a query string
    arrives as a space (``…T00:00:00 08:00``) and is read as the "+" it was."""
    if value is None or not value.strip():
        return None
    text = re.sub(r"^(\S+T\S+) (\d\d:\d\d)$", r"\1+\2", value.strip())
    if not W3C.fullmatch(text):
        raise Open311Error(400, _l("%(name)s is not a W3C datetime (e.g. "
                                   "2026-11-01T08:00:00+08:00).", name=name))
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=clock.zone())
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Open311Error(400, _l("%(name)s is not a W3C datetime (e.g. "
                                   "2026-11-01T08:00:00+08:00).", name=name)) from None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _whole(args, name: str, low: int, high: int, default: int) -> int:
    raw = given(args, name)
    if not raw:
        return default
    if not re.fullmatch(r"\d{1,9}", raw) or not (low <= int(raw) <= high):
        raise Open311Error(400, _l("%(name)s must be a whole number from %(low)s to "
                                   "%(high)s.", name=name, low=low, high=high))
    return int(raw)


@dataclass
class Window:
    """A span of time asked for, made whole by the specification's defaults."""

    start: datetime
    end: datetime


def window(args, start_name: str = "start_date", end_name: str = "end_date") -> Window:
    """start/end as given; a missing end is now (or 90 days after the start), a missing
    start 90 days before the end. A span over 90 days is refused: a client pages through
    a longer time in windows."""
    start = parse_datetime(args.get(start_name), start_name)
    end = parse_datetime(args.get(end_name), end_name)
    if start and end and start > end:
        raise Open311Error(400, _l("%(start)s is after %(end)s.", start=start_name,
                                   end=end_name))
    if start and end and end - start > timedelta(days=DEFAULT_DAYS):
        raise Open311Error(400, _l("%(start)s and %(end)s are more than %(days)s days apart.",
                                   start=start_name, end=end_name, days=DEFAULT_DAYS))
    if end is None:
        end = start + timedelta(days=DEFAULT_DAYS) if start else clock.now()
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS)
    return Window(start, end)


@dataclass
class Query:
    ids: list[str]
    service_codes: list[str]
    window: Window | None  # by requested_datetime
    changed: tuple[datetime | None, datetime | None] | None  # updated_after/before
    statuses: list[str]
    page: int = 1
    page_size: int = DEFAULT_LIMIT


def query_from(args) -> Query:
    check_jurisdiction(args.get("jurisdiction_id"))
    statuses = [s.lower() for s in _split(args.get("status"))]
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, _l("status must be open or closed."))
    after = parse_datetime(args.get("updated_after"), "updated_after")
    before = parse_datetime(args.get("updated_before"), "updated_before")
    if after and before and after > before:
        raise Open311Error(400, _l("%(start)s is after %(end)s.", start="updated_after",
                                   end="updated_before"))
    changed = (after, before) if after or before else None
    dates = window(args) if (changed is None or given(args, "start_date")
                             or given(args, "end_date")) else None
    ids = [cases.normalize_code(i) for i in _split(args.get("service_request_id"))]
    if len(ids) > DEFAULT_LIMIT:
        raise Open311Error(400, _l("At most %(n)s service_request_id values at once.",
                                   n=DEFAULT_LIMIT))
    return Query(ids, [c.upper() for c in _split(args.get("service_code"))], dates, changed,
                 statuses, _whole(args, "page", 1, 10**6, 1),
                 _whole(args, "page_size", 1, PAGE_SIZE_MAX, DEFAULT_LIMIT))


#: When the case last changed state (its report, else its last move): a rating, a note or
#: an escalation is not a change of status.
STATUS_CHANGED_AT = select(func.max(CaseEvent.at)).where(
    CaseEvent.case_id == Case.id,
    or_(CaseEvent.from_state.is_(None), CaseEvent.from_state != CaseEvent.to_state),
).scalar_subquery().label("status_changed_at")
#: The case's first public photo (before or after, not hidden, once a dispatcher accepted it).
PHOTO_KEY = select(Attachment.storage_key).where(
    Attachment.case_id == Case.id, Case.dispatched_at.is_not(None),
    Attachment.kind.in_(public_view.PUBLIC_PHOTO_KINDS), Attachment.hidden_at.is_(None),
).order_by(Attachment.id).limit(1).scalar_subquery().label("photo_key")
#: What a GeoReport record needs of a case, in one statement: a list reads these only.
LINE_COLUMNS = (Case.id, Case.code, Case.category_id, Case.state, Case.urgency, Case.channel,
                Case.limit_rule_id, Case.due_at, Case.rectified_at, Case.created_at,
                Case.updated_at, Case.assignee_user_id, Case.assignee_agency_id,
                Case.district_id, Case.area_id, Case.lat, Case.lng, STATUS_CHANGED_AT,
                PHOTO_KEY)
LINE_NAMES = tuple(column.key for column in LINE_COLUMNS)
#: The same on PostgreSQL, its timestamps as the driver gives them (aware, in the session's
#: zone) rather than converted once more to UTC by UTCDateTime: a list reads five per record
#: and words each in the city's zone anyway. SQLite's are naive: they keep UTCDateTime.
LINE_COLUMNS_AWARE = tuple(
    type_coerce(column, DateTime(timezone=True)).label(column.key)
    if isinstance(column.type, UTCDateTime) else column for column in LINE_COLUMNS)


class CaseLine:
    """A case as a list of service requests sees it: its columns and its category from the
    kept catalogue (a thousand full ORM objects per answer were most of a GET's cost)."""

    def __init__(self, row, categories: dict):
        self.__dict__.update(zip(LINE_NAMES, row, strict=True))
        if self.category_id not in categories:  # one copy per category per answer
            categories[self.category_id] = catalogue_cache.kept_category(self.category_id)
        self.category = categories[self.category_id]


def find(q: Query) -> list[CaseLine]:
    """Service requests. ``service_request_id`` overrides every other filter (newest
    first). With ``updated_after``/``updated_before`` the cases changed in that span, in
    the order they last changed (oldest first, then by id: the order a partner syncs in);
    otherwise those requested in the window, newest first. Paged by ``page`` and
    ``page_size`` (at most PAGE_SIZE_MAX); the order is total, so pages never overlap."""
    dialect = db.engine.dialect.name
    if q.ids:
        return _lines(_statement(dialect, True, False, False, False, False, None),
                      {"ids": q.ids})
    values: dict[str, Any] = {"limit": q.page_size, "offset": (q.page - 1) * q.page_size}
    if q.window is not None:
        values.update(start=q.window.start, end=q.window.end)
    after, before = q.changed or (None, None)
    if after is not None:
        values["after"] = after
    if before is not None:
        values["before"] = before
    if q.service_codes:
        values["codes"] = q.service_codes
    status = q.statuses[0] if q.statuses in (["open"], ["closed"]) else None
    return _lines(_statement(dialect, False, q.window is not None, after is not None,
                             before is not None, bool(q.service_codes), status), values)


@lru_cache(maxsize=64)
def _statement(dialect: str, ids: bool, window: bool, after: bool, before: bool,
               codes: bool, status: str | None):
    """The statement of one shape of query, built once per process with its values as
    bound parameters: building and adapting a new statement object cost a single-record
    read more than running it."""
    query = select(*(LINE_COLUMNS_AWARE if dialect == "postgresql" else LINE_COLUMNS))
    if ids:
        return query.where(Case.code.in_(bindparam("ids", expanding=True))).order_by(
            Case.created_at.desc(), Case.id.desc())
    if window:
        query = query.where(Case.created_at >= bindparam("start"),
                            Case.created_at <= bindparam("end"))
    if after:
        query = query.where(Case.updated_at > bindparam("after"))
    if before:
        query = query.where(Case.updated_at <= bindparam("before"))
    if after or before:
        order = (Case.updated_at.asc(), Case.id.asc())
    else:
        order = (Case.created_at.desc(), Case.id.desc())
    if codes:
        query = query.join(Category, Category.id == Case.category_id).where(
            Category.code.in_(bindparam("codes", expanding=True)))
    closed = [s.value for s in CLOSED_STATES]
    if status == "open":
        query = query.where(Case.state.not_in(closed))
    elif status == "closed":
        query = query.where(Case.state.in_(closed))
    return query.order_by(*order).limit(bindparam("limit")).offset(bindparam("offset"))


def _lines(statement, values: dict) -> list[CaseLine]:
    """Rows of plain columns: run by the session's connection (the request's transaction,
    the replica when the request reads it) without the ORM's loading of each row."""
    categories: dict = {}
    return [CaseLine(row, categories)
            for row in db.session.connection().execute(statement, values)]


def one(code: str) -> CaseLine:
    found = _lines(_statement(db.engine.dialect.name, True, False, False, False, False, None),
                   {"ids": [cases.normalize_code(code)]})
    if not found:
        raise Open311Error(404, _l("service_request_id not found."))
    return found[0]


def among(column, ids: list[int]):
    """``column IN ids`` as one bound array on PostgreSQL (a thousand ids are one
    parameter, not a thousand), a plain IN elsewhere."""
    if db.engine.dialect.name == "postgresql":
        # as the array's text form: the driver sends one string, not a list to dump
        return column == any_(cast(literal("{" + ",".join(map(str, ids)) + "}"),
                                   ARRAY(Integer)))
    return column.in_(ids)


def _submitted_media(found: list) -> dict[int, str]:
    """The media_url given with each Open311 report (only those reports can have one)."""
    ids = [c.id for c in found if c.channel == "open311"]
    if not ids:
        return {}
    rows = db.session.execute(select(CaseEvent.case_id, CaseEvent.data).where(
        among(CaseEvent.case_id, ids), CaseEvent.action == Action.SUBMIT.value))
    return {cid: data["media_url"] for cid, data in rows if data and data.get("media_url")}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _endings(found: list) -> dict[int, CaseEvent]:
    """The event that rejected or merged each such case (its reason, its target)."""
    ids = [c.id for c in found if c.state in (State.REJECTED.value, State.MERGED.value)]
    if not ids:
        return {}
    rows = db.session.scalars(select(CaseEvent).where(
        among(CaseEvent.case_id, ids),
        CaseEvent.action.in_((Action.REJECT.value, Action.MERGE.value)))
        .order_by(CaseEvent.id))
    return {e.case_id: e for e in rows}


def _load_units(found: list) -> list:
    """The agencies, staff, areas and districts the answer names, read in one query each
    into the session, so that the wording below finds them without a query per record.
    The caller keeps the returned rows while it words the records: the session holds
    loaded objects only as long as something else does."""
    from app.models import Agency, User

    def load(model, ids, *options):
        ids = sorted({i for i in ids if i})
        if not ids:
            return []
        return db.session.scalars(select(model).where(among(model.id, ids))
                                  .options(*options)).all()

    from app.services.reference_data import remembered

    language, known = str(get_locale()), remembered().__contains__
    # Units already worded in the last minute (reference_data.kept) need nothing read.
    unworded = [c for c in found if (c.assignee_user_id or c.assignee_agency_id)
                and not known(("unit", language, c.area_id, c.assignee_user_id,
                               c.assignee_agency_id))]
    return [*load(Agency, [c.assignee_agency_id for c in unworded]),
            *load(User, [c.assignee_user_id for c in unworded], selectinload(User.agency)),
            *load(Area, [c.area_id for c in unworded]
                  + [c.area_id for c in found if not known(("area-code", c.area_id))]),
            *load(District, [c.district_id for c in found
                             if not (c.assignee_user_id or c.assignee_agency_id)
                             and not known(("centre", language, c.district_id))])]


def _agency(case) -> str:
    if case.assignee_user_id or case.assignee_agency_id:
        return public_view.unit_of(case, case.assignee_user_id, case.assignee_agency_id)
    if case.district_id:
        from app.services.reference_data import kept

        def centre():
            district = db.session.get(District, case.district_id)
            if district is None:
                return str(_l("the district command centre"))
            return str(_l("%(district)s command centre",
                          district=labels.name_in(district)))

        return kept(("centre", str(get_locale()), case.district_id), centre)
    return str(_l("the district command centre"))


def _area_code(case: Case) -> str | None:
    if case.area_id is None:
        return None
    from app.services.reference_data import kept

    return kept(("area-code", case.area_id),
                lambda: db.session.scalar(select(Area.code).where(Area.id == case.area_id)))


def ending_words(state: State, ending: CaseEvent | None) -> str:
    """What a client shows for a case that is closed without being fixed."""
    if state is State.REJECTED:
        reason = ending.reason if ending is not None else ""
        return str(_l("Not accepted: %(reason)s", reason=reason or ""))
    into = (ending.data or {}).get("into") if ending is not None else None
    if into:
        return str(_l("Merged into %(code)s: the same problem was already reported; "
                      "follow that case.", code=display_code(into)))
    return str(_l("The same problem was already reported: follow that case."))


def records(found: list) -> list[dict[str, Any]]:
    """Service requests as GeoReport records, in the specification's element order.
    Nothing personal: no reporter, no staff name. A fixed number of queries whatever the
    number of records; words shared by many records (state, unit, place, time limit) are
    worked out once per answer, and each time-limit sentence is translated once."""
    media, endings = _submitted_media(found), _endings(found)
    base = current_app.config["PUBLIC_BASE_URL"]
    kept = _load_units(found)  # noqa: F841 - held until the records are worded
    zh, now, zone = _zh(), clock.now(), clock.zone()
    reader = str(get_locale())
    # Each state as a record words it, worked out when first met: the state, its name in
    # the reader's language, the GeoReport status, whether an ending event words its notes.
    states: dict[str, tuple[State, str, str, bool]] = {}
    # Worked out once per answer: a unit's words, a time limit, a place's words and code.
    units: dict[tuple, str] = {}
    limits: dict[tuple, str] = {}
    places: dict[int | None, tuple[str, str | None]] = {}
    notices = public_view.DeadlineWords(reader, now)

    def when(moment: datetime | None) -> str | None:  # w3c() with the zone read once
        return None if moment is None else moment.astimezone(zone).isoformat(
            timespec="seconds")

    out = []
    for case in found:
        words = states.get(case.state)
        if words is None:
            state = State(case.state)
            words = states[case.state] = (
                state, str(labels.STATE[state]),
                "closed" if state in CLOSED_STATES else "open",
                state in (State.REJECTED, State.MERGED))
        state, state_name, status, ended = words
        ending = endings.get(case.id)
        notes = ending_words(state, ending) if ended else state_name
        merged_into = (ending.data or {}).get("into") if ending is not None else None
        category = case.category
        unit_key = (case.assignee_user_id, case.assignee_agency_id, case.district_id,
                    case.area_id)
        unit = units.get(unit_key)
        if unit is None:
            unit = units[unit_key] = _agency(case)
        limit_key = (case.limit_rule_id, case.category_id, case.urgency)
        limit = limits.get(limit_key)
        if limit is None:
            limit = limits[limit_key] = public_view.rectify_limit(case, reader)
        area_id = case.area_id
        if area_id not in places:
            places[area_id] = (public_view.place_words(case), _area_code(case))
        place, area_code = places[area_id]
        out.append({
            "service_request_id": f"{case.code[:4]}-{case.code[4:]}",  # display_code
            "status": status,
            "status_notes": notes,
            "service_name": category.name_zh if zh else category.name_en,
            "service_code": category.code,
            "description": None,  # the reporter's own words: only they see them
            "agency_responsible": unit,
            "service_notice": notices.of(case, limit).text or None,
            "requested_datetime": when(case.created_at),
            "updated_datetime": when(_aware(case.status_changed_at)
                                     if case.status_changed_at else case.created_at),
            "expected_datetime": when(case.due_at),
            # the place as the public sees it, never the reporter's own words
            "address": place,
            "address_id": area_code,
            "zipcode": None,
            "lat": case.lat,
            "long": case.lng,
            "media_url": base + url_for("public.photo", key=case.photo_key)
            if case.photo_key else media.get(case.id),
            "extended_attributes": {
                "state": case.state, "state_name": state_name,
                "merged_into": display_code(merged_into) if merged_into else None,
            },
        })
    return out


def token(value: str) -> list[dict[str, Any]]:
    case = db.session.scalar(select(Case).where(Case.code == cases.normalize_code(value)))
    if case is None:
        raise Open311Error(404, _l("token not found."))
    return [{"service_request_id": display_code(case.code), "token": value}]
