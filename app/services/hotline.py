"""The hotline operator's console (12345 坐席): who is calling and what they reported
before, what the caller says understood as they speak (the SMS understanding engine
suggests a category and a place), a new case for the caller through the one door
(channel ``hotline``, the caller as reporter: they get the same receipts and rating
request as any resident), status answers and call notes."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Case, CaseFollower, Contact, User
from app.services import cases, contacts, intake, places, reference_data, sms
from app.services.actors import Actor
from app.services.errors import InvalidInput, NotFound
from app.services.queues import visible_clause
from workflows.routing import Urgency

CHANNEL = "hotline"
HISTORY = 20
TEXT_MAX = 2000
SUGGEST_ALTERNATIVES = 3


def caller_number(raw: str | None) -> str:
    """The caller's number in E.164, or a clear refusal: the case's receipts and rating
    request go to it by SMS, so it must be a mobile number."""
    try:
        phone = contacts.normalize_phone(raw)
    except InvalidInput:
        phone = None
    if phone is None:
        raise InvalidInput(_l("That is not a mobile phone number (11 digits, starting with "
                              "1). The caller's receipts are sent to it by SMS."),
                           field="phone")
    return phone


def caller_cases(user: User, phone: str, limit: int = HISTORY) -> list[Case]:
    """The caller's earlier cases (as reporter or supporter) that this operator may see,
    newest first. Anonymous reports are left out: a number must not name their reporter."""
    contact = db.session.scalar(select(Contact).where(Contact.phone == phone))
    if contact is None:
        return []
    return list(db.session.scalars(
        select(Case).join(CaseFollower, CaseFollower.case_id == Case.id)
        .where(CaseFollower.contact_id == contact.id, ~Case.anonymous, visible_clause(user))
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Suggestion:
    category: str | None
    alternatives: tuple[str, ...]
    area_id: int | None
    roads: tuple[str, ...]
    matched: tuple[str, ...]


def suggest(text: str) -> Suggestion:
    """What the understanding engine makes of the words typed so far. No database query:
    the classifier and gazetteer are kept for a minute."""
    text = (text or "")[:TEXT_MAX]
    seen = sms.understanding()
    found = seen.classifier.classify(text)
    ranked = sorted(found.scores, key=lambda c: -found.scores[c])
    allowed = _allowed()
    best = found.code if found.code in allowed else None
    others = tuple(c for c in ranked if c != best and c in allowed)[:SUGGEST_ALTERNATIVES]
    place = seen.gazetteer.locate(text)
    return Suggestion(best, others, place.area_id if place else None,
                      place.roads if place else (), (*found.matched,
                                                     *(place.matched if place else ())))


def _allowed() -> dict[str, tuple[str, str]]:
    """The codes the hotline may use, with their (Chinese, English) names; kept with the
    area index, so a keystroke costs no query."""
    return reference_data.kept("hotline-categories", lambda: {
        c.code: (c.name_zh, c.name_en) for c in intake.categories(CHANNEL)})


def category_name(code: str | None, locale: str) -> str | None:
    names = _allowed().get(code or "")
    if names is None:
        return None
    return names[1] if str(locale).startswith("en") else names[0]


def take(user: User, *, phone: str, description: str, category: str | None,
         lat: float | None = None, lng: float | None = None, area_id: int | None = None,
         address: str = "", urgency: str = Urgency.NORMAL.value) -> Case:
    """A new case from a call, for the caller. Checked before anything is written."""
    phone = caller_number(phone)
    chosen = intake.check_category(CHANNEL, category)
    if (lat is None or lng is None) and area_id is None:
        raise InvalidInput(_l("Confirm the place: a pin on the map or a road from the list."),
                           field="location")
    if lat is not None and lng is not None:
        if not (-90 <= lat <= 90 and -180 <= lng <= 180) or not places.in_city(lat, lng):
            raise InvalidInput(_l("That point is outside the city. Move the pin, or choose "
                                  "the road from the list."), field="location")
        area_id = None
    elif places.choice(area_id) is None:
        raise InvalidInput(_l("Unknown area."), field="location")
    case = cases.submit(Actor.staff(user), category_code=chosen.code,
                        description=description, lat=lat, lng=lng, area_id=area_id,
                        address=address, urgency=urgency, phone=phone, channel=CHANNEL,
                        language="zh_Hans_CN")
    return intake.after_report(case, CHANNEL)


def find_case(user: User, code: str) -> Case:
    case = cases.get_case(code)
    if not db.session.scalar(select(Case.id).where(Case.id == case.id, visible_clause(user))):
        raise NotFound()
    return case


def status(user: User, query: str) -> tuple[str, list[Case]]:
    """Answer "how is my case?": by the case's code, or by the caller's number. Returns
    which it was ('code' or 'phone') and the cases found."""
    query = (query or "").strip()
    code = cases.normalize_code(query)
    if len(code) == cases.CODE_LENGTH and not code.isdigit():
        try:
            return "code", [find_case(user, code)]
        except NotFound:
            return "code", []
    return "phone", caller_cases(user, caller_number(query))


def call_note(user: User, code: str, note: str, version: int | None = None) -> Case:
    """A note of what a caller said about a case, on the case's record."""
    case = find_case(user, code)
    if not (note or "").strip():
        raise InvalidInput(_l("Please write what the caller said."), field="note")
    return cases.add_note(case, Actor.staff(user), note=note, expected_version=version)
