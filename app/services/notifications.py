"""Which event tells whom what. Called inside the door's transaction: it only writes
outbox rows, rendered in each recipient's language; delivery happens after commit.

A number that texted TD/退订/STOP gets no row. A resident who reported by SMS hears
"received" in the webhook's own reply; that row is written already sent ("twiml"), so
the record is complete and nothing is sent twice. A resident who wrote to the city's WeChat
account (a WeChat identity on their contact) hears on WeChat: their rows go on the
``wechat`` channel (a template message, see ``app.services.wechat_api``), and a report made
there hears "received" in the passive reply."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from app import labels
from app.extensions import db
from app.models import Case, CaseEvent, Contact, OutboxMessage, SmsOptOut, User
from app.services import clock, rating_links
from app.services.message_kinds import kind_of, tagged
from workflows.lifecycle import Action
from workflows.sms.text import GSM


def _is_zh() -> bool:
    from flask_babel import get_locale

    return str(get_locale()).startswith("zh")


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _followers(case: Case) -> list[tuple[Contact, bool]]:
    """The case's followers, each with whether their number opted out (one query)."""
    from app.models import CaseFollower

    rows = db.session.execute(
        select(Contact, SmsOptOut.id)
        .join(CaseFollower, CaseFollower.contact_id == Contact.id)
        .outerjoin(SmsOptOut, SmsOptOut.phone == Contact.phone)
        .where(CaseFollower.case_id == case.id)
        .order_by(CaseFollower.id)
    )
    return [(contact, stop is not None) for contact, stop in rows]


def _unit_name(case: Case) -> str:
    if case.assignee_agency is not None:
        return labels.name_in(case.assignee_agency)
    if case.area is not None:
        # English: plain hyphens (an en dash in an area's name would make the SMS UCS-2).
        area = case.area.name_zh if _is_zh() else \
            case.area.name_en.replace("–", "-").replace("—", "-")
        return _("the road chief of %(area)s", area=area)
    return _("the responsible unit")


def _when(moment) -> str:
    """Times in an SMS: plain characters (Babel's English short format would make the
    whole message UCS-2, and "12/8/26" reads differently by country)."""
    from app.services.sms_words import sms_time

    return sms_time(moment)


def _resident_text(case: Case, event: CaseEvent, contact: Contact | None = None) -> str | None:
    code = display_code(case.code)
    category = labels.name_in(case.category)
    action = Action(event.action)
    base = current_app.config["PUBLIC_BASE_URL"]
    if action is Action.SUBMIT and case.channel in ("sms", "wechat"):
        return sms_receipt(case)
    if action is Action.SUBMIT:
        link = f"{base}/track/{case.code}"
        return tagged("receipt", _(
            "[roadchief] We received your report (%(category)s). Tracking code %(code)s. "
            "Track it at %(link)s",
            category=category, code=code, link=link,
        ), code=code, category=category, link=link)
    if action is Action.DISPATCH:
        unit, due = _unit_name(case), _when(case.due_at)
        return tagged("dispatched", _(
            "[roadchief] Case %(code)s was sent to %(unit)s, to be fixed by %(due)s.",
            code=code, unit=unit, due=due,
        ), code=code, unit=unit, due=due)
    if action is Action.RECTIFY:
        unit = _unit_name(case)
        return tagged("rectified", _(
            "[roadchief] Case %(code)s has been fixed by %(unit)s and will now be checked.",
            code=code, unit=unit), code=code, unit=unit)
    if action is Action.REJECT:
        return tagged("rejected", _("[roadchief] Case %(code)s was not accepted: %(reason)s",
                                    code=code, reason=event.reason),
                      code=code, reason=event.reason)
    if action in (Action.VERIFY_PASS, Action.CLOSE):
        text = _(
            "[roadchief] Case %(code)s is fixed and closed. Please rate it: reply 1 satisfied, "
            "2 basically satisfied, 3 dissatisfied.",
            code=code,
        )
        if contact is not None:  # a signed link only this person can rate with
            link = rating_links.url_for(case, contact)
            return tagged("closed_link", text + " " + _("Or rate it here: %(link)s", link=link),
                          code=code, link=link)
        return tagged("closed", text, code=code)
    if action is Action.REOPEN:
        return tagged("reopened", _(
            "[roadchief] Case %(code)s has been reopened and will be handled again.",
            code=code), code=code)
    return None


def sms_receipt(case: Case, opted_out: bool = False) -> str:
    """"Received" for a report made by text message: one SMS, with the code, the stretch
    of road it was placed on (so the resident can correct it) and the progress command
    written so that it is copied right ("CX RCGX-CSGU"). ``opted_out``: the number texted
    TD, so no progress message follows; the receipt says so and how to turn them back on
    in place of the progress command (still one segment: a Chinese SMS holds 70
    characters)."""
    from app.services.sms_words import category_words

    code = display_code(case.code)
    category = category_words(case.category)
    if case.area_id is None:
        kind = "receipt_sms_unplaced_muted" if opted_out else "receipt_sms_unplaced"
        if opted_out:
            text = _("[roadchief] Received (%(category)s), code %(code)s. A dispatcher will "
                     "place it. Progress texts are off; text START to resume.",
                     category=category, code=code)
        else:
            text = _("[roadchief] Received (%(category)s), code %(code)s. A dispatcher will "
                     "place it. Text \"CX %(code)s\" for progress.", category=category,
                     code=code)
        return tagged(kind, text, code=code, category=category)
    place = receipt_place(case)
    if opted_out:
        text = _("[roadchief] Received (%(category)s, %(place)s), code %(code)s. Progress "
                 "texts are off; text START to resume.", category=category, place=place,
                 code=code)
    else:
        text = _("[roadchief] Received (%(category)s, %(place)s), code %(code)s. Text \"CX "
                 "%(code)s\" for progress.", category=category, place=place, code=code)
    return tagged("receipt_sms_muted" if opted_out else "receipt_sms", text, code=code,
                  category=category, place=place)


def receipt_place(case: Case) -> str:
    """The stretch of road a case was placed on, as a resident reads it: the area's name
    when it is the road's own section ("中山大道(大智路—南京路)段"), else the address and
    the area ("黄浦路, 解放大道(黄浦路—三阳路)段"). English uses the area's English name
    with plain hyphens (an en dash would make the whole SMS UCS-2)."""
    address = (case.address or "").strip()
    area = case.area
    if area is None:
        return address or "-"
    if _is_zh():
        name = area.name_zh
        if not address or address.split("与")[0] in name:
            return name
        return f"{address}，{name}"
    return (area.name_en or area.name_zh).replace("–", "-").replace("—", "-")


def staff_place(case: Case) -> str:
    """Where a case is, for the person sent to it: the responsibility area and the road
    (the reported address, else the area's roads), never a bare dash."""
    parts = []
    zh = _is_zh()
    if case.area is not None:
        parts.append(case.area.name_zh if zh or not case.area.name_en else
                     case.area.name_en.replace("–", "-").replace("—", "-"))
        road = case.address or ("、" if zh else ", ").join(
            r.name for r in case.area.roads[:2])
    else:
        road = case.address
    if road and road not in parts and (zh or not parts or all(ch in GSM for ch in road)):
        # In English, a Chinese road name next to the area's English name would make the
        # whole SMS UCS-2 (three segments instead of one): the English name says it.
        parts.append(road)
    return (" · " if zh else ", ").join(parts) or _("place to be confirmed")


def _staff_text(case: Case, event: CaseEvent) -> str | None:
    code = display_code(case.code)
    action = Action(event.action)
    if action in (Action.DISPATCH, Action.REASSIGN):
        category = labels.name_in(case.category)
        place, due = staff_place(case), _when(case.due_at)
        return tagged("staff_new_case", _(
            "[roadchief] New case %(code)s: %(category)s at %(place)s. Fix by %(due)s.",
            code=code, category=category, place=place, due=due,
        ), code=code, category=category, place=place, due=due)
    return None


def opted_out(phones: list[str]) -> set[str]:
    if not phones:
        return set()
    return set(db.session.scalars(_OPTED_OUT, {"phones": phones}))


# Asked on every report: built once.
_OPTED_OUT = select(SmsOptOut.phone).where(SmsOptOut.phone.in_(bindparam("phones",
                                                                         expanding=True)))


def channel_of(contact: Contact | None) -> str:
    """How a resident hears from us: WeChat when they have a WeChat identity, else SMS."""
    return "wechat" if contact is not None and contact.wechat_openid else "sms"


def _add(key: str, phone: str, language: str, body: str, case: Case, event: CaseEvent,
         contact: Contact | None = None, user: User | None = None,
         in_reply: bool = False) -> OutboxMessage:
    now = clock.now()
    kind, params = kind_of(body)
    channel = channel_of(contact)
    message = OutboxMessage(
            dedupe_key=key, channel=channel, to_phone=phone, kind=kind,
            params=params,
            contact_id=contact.id if contact else None,
            user_id=user.id if user else None, case_id=case.id, event_id=event.id,
            language=language, body=body, created_at=now,
            # Delivered as the reply to the resident's own text (TwiML), not sent again.
            status="sent" if in_reply else "pending",
            provider_id=("passive" if channel == "wechat" else "twiml") if in_reply else None,
            sent_at=now if in_reply else None,
    )
    db.session.add(message)
    return message


def resident_key(event_id: int, contact_id: int) -> str:
    """The dedupe key of the message an event sends a resident (one per event and person)."""
    return f"e{event_id}:c{contact_id}"


def resident_body(case: Case, event: CaseEvent, contact: Contact) -> str | None:
    """What an event tells a resident, in their language."""
    with force_locale(contact.language):
        return _resident_text(case, event, contact)


def for_event(case: Case, event: CaseEvent, extra_contacts: list[Contact] = (),
              replied: Contact | None = None,
              followers: list[Contact] | None = None, fresh: bool = False
              ) -> list[OutboxMessage]:
    """Write the outbox rows an event causes (the event must already have an id) and
    return them. ``replied``: the resident whose message is being answered right now (the
    SMS webhook): their row is the reply itself. ``followers``: the case's followers when
    the caller knows them all (a case made in this transaction), saving their query;
    ``fresh``: their contacts were made in this transaction, so none has opted out."""
    extra = [c for c in extra_contacts if c is not None]
    known = [c for c in followers or [] if c is not None]
    flags = [False] * len(known) if fresh else _opted_out_flags(known)
    recipients = (_followers(case) if followers is None
                  else list(zip(known, flags, strict=True)))
    recipients += list(zip(extra, _opted_out_flags(extra), strict=True))
    rows: list[OutboxMessage] = []
    seen = set()
    for contact, stopped in recipients:
        if contact.id in seen:
            continue
        seen.add(contact.id)
        in_reply = replied is not None and contact.id == replied.id
        if stopped and not in_reply:
            continue
        body = resident_body(case, event, contact)
        if body:
            rows.append(_add(resident_key(event.id, contact.id), contact.phone, contact.language,
                             body, case, event, contact=contact, in_reply=in_reply))
    # Read through the ids first: a case with no assignee (a new report) loads nothing.
    assignee = case.assignee_user if case.assignee_user_id is not None else None
    agency = case.assignee_agency if case.assignee_agency_id is not None else None
    phone = assignee.phone if assignee else (agency.duty_phone if agency else None)
    if phone and not opted_out([phone]):
        language = assignee.language if assignee else "zh_Hans_CN"
        with force_locale(language):
            body = _staff_text(case, event)
        if body:
            rows.append(_add(f"e{event.id}:staff", phone, language, body, case, event,
                             user=assignee))
    return rows


def _opted_out_flags(contacts: list[Contact]) -> list[bool]:
    stopped = opted_out([c.phone for c in contacts])
    return [c.phone in stopped for c in contacts]
