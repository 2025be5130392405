"""The residents' message channels: a text message (SMS, or WeChat) in, one short reply out.

One conversation engine for both: ``receive`` takes an ``Inbound`` from Twilio's webhook
or from the WeChat official account's callback (``app.services.wechat``), finds the
resident's contact by their identity (a phone number, or the WeChat OpenID), and:

1. a MessageSid (WeChat: MsgId) seen before gets the reply it got the first time, and
   nothing else happens (both providers retry; the same message must not make two cases);
2. a command (查询/CX <code>, 1/2/3, TD/退订/STOP, START, HELP) is answered;
3. anything else is read as a report by ``workflows.sms``: with both the problem and the
   place the case is made at once; otherwise one short question is asked and the
   conversation for that contact waits (``SMS_CONVERSATION_MINUTES``) for the answer, after
   which the case is made whatever the answer (problem still unclear: "other"; place
   still unknown: unrouted, for a dispatcher).

The message, the case and its "received" notification are committed together; the reply
is that notification's text. Nothing here calls the network: MMS and WeChat photos are
fetched and outbox messages sent by jobs (or the sweep) after commit. A WeChat location
arrives as a point (already converted to WGS-84): it places the report in the area that
holds it, and the case keeps the point.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, func, inspect, select
from sqlalchemy.exc import IntegrityError

from app import labels
from app.extensions import db
from app.models import (
    Area,
    Case,
    CaseFollower,
    Category,
    Contact,
    InboundMessage,
    Rating,
    Road,
    SmsConversation,
    SmsMedia,
    SmsOptOut,
)
from app.models.case import ADDRESS_MAX, DESCRIPTION_MAX
from app.services import cases, clock, contacts, delivery, mms, reference_data
from app.services.actors import Actor
from app.services.errors import InvalidInput, ServiceError
from app.services.message_kinds import KINDS, kind_of, tagged
from app.services.notifications import display_code, receipt_place, sms_receipt
from app.services.sms_words import category_words, sms_time
from workflows.lifecycle import State
from workflows.sms import (
    Awaiting,
    Classification,
    Classifier,
    Command,
    CommandKind,
    Gazetteer,
    Place,
    StepKind,
    detect_language,
    next_step,
    parse_command,
    prose_language,
)
from workflows.sms.dialogue import Pending, Step, dont_know
from workflows.sms.text import normalize

log = logging.getLogger(__name__)
BODY_MAX = 1600  # Twilio's own limit for one message
DEFAULT_LANGUAGE = "zh_Hans_CN"


@dataclass(frozen=True)
class Inbound:
    sid: str
    from_phone: str
    to_phone: str = ""
    body: str = ""
    media: tuple[tuple[str, str], ...] = ()
    channel: str = "sms"  # or "wechat": then ``wechat_openid`` is who wrote
    wechat_openid: str | None = None
    point: tuple[float, float] | None = None  # (lng, lat), WGS-84: a shared location
    #: A shared location: ``body`` is the label WeChat's map gives the spot (a place name,
    #: "武汉广场停车场"), read only as address words, never as the problem.
    location: bool = False
    #: The gateway takes no reply text (Tencent's callback): the answer goes as an outbox
    #: row, so a new case's "received" is its event's own outbox row, sent like any other.
    reply_in_outbox: bool = False

    @classmethod
    def from_form(cls, form: Mapping) -> Inbound:
        sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
        if not sid or len(sid) > 64:
            raise InvalidInput(_("A message needs a MessageSid."), field="MessageSid")
        return cls(sid=sid, from_phone=(form.get("From") or "").strip()[:32],
                   to_phone=(form.get("To") or "").strip()[:32],
                   body=(form.get("Body") or "")[:BODY_MAX],
                   media=tuple(mms.media_params(form)))


# -- the city's words, as plain data for workflows.sms -----------------------------------------


@dataclass(frozen=True)
class Understanding:
    classifier: Classifier
    gazetteer: Gazetteer


def understanding() -> Understanding:
    """The classifier and gazetteer built from the catalogue, the places and the landmarks,
    kept with the other reference data (an administrator's edit shows up at once)."""
    return reference_data.kept("sms-understanding", _build_understanding)


def _build_understanding() -> Understanding:
    entries = [(c.code, [c.name_zh, *(c.keywords or [])]) for c in db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort, Category.id))]
    from app.services import landmarks

    gazetteer = Gazetteer.from_data(gazetteer_data(), landmarks.gazetteer_rows())
    return Understanding(Classifier(entries, place_names=gazetteer.place_names()), gazetteer)


def invalidate() -> None:
    """Forget the understanding (and the rest of the reference data) in this process."""
    reference_data.invalidate()


def gazetteer_data() -> list[dict]:
    """Areas with their street, centre, roads, aliases and house numbers, in a stable
    order (by area code)."""
    from workflows.geo import parse_polygon

    areas = {}
    for a in db.session.scalars(select(Area).order_by(Area.code)):
        try:
            centre = parse_polygon(a.polygon).centroid
            center = [centre.x, centre.y]
        except Exception:  # a broken polygon only costs the nearest-landmark hint
            center = None
        areas[a.id] = {"id": a.id, "code": a.code, "name": a.name_zh, "name_en": a.name_en,
                       "street": str(a.street_id), "center": center, "roads": []}
    for road in db.session.scalars(select(Road).order_by(Road.id)):
        if road.area_id in areas:
            areas[road.area_id]["roads"].append({"name": road.name,
                                                 "aliases": road.aliases or [],
                                                 "numbers": road.numbers or []})
    return list(areas.values())


# -- one inbound message ----------------------------------------------------------------------


def receive(msg: Inbound) -> str:
    """Handle one inbound message; the reply text (one or two SMS), empty for none."""
    known = _known_reply(msg.sid)
    if known is not None:
        return known
    with delivery.no_inline_sending():
        for attempt in (1, 2):
            try:
                reply, media_ids = _handle(msg)
                break
            except IntegrityError:
                db.session.rollback()
                known = _known_reply(msg.sid)
                if known is not None:  # the same MessageSid, handled meanwhile
                    return known
                if attempt == 2:
                    raise
                # Another message from this phone opened a conversation meanwhile: once
                # more, now as the answer to it.
    mms.schedule(media_ids)
    return reply


def _known_reply(sid: str) -> str | None:
    row = db.session.execute(
        select(InboundMessage.reply, InboundMessage.reply_kind, InboundMessage.reply_params,
               InboundMessage.case_id, InboundMessage.language, InboundMessage.contact_id)
        .where(InboundMessage.message_sid == sid)).first()
    if row is None:
        return None
    if row.reply is not None:
        if row.reply_kind in KINDS and row.reply_kind != "text":
            return tagged(row.reply_kind, row.reply, **(row.reply_params or {}))
        return row.reply
    if row.case_id is not None:  # committed with its case, but not with its reply
        with force_locale(row.language):
            contact = db.session.get(Contact, row.contact_id) if row.contact_id else None
            return sms_receipt(db.session.get(Case, row.case_id), _opted_out(contact))
    return ""


def _keep_reply(inbound: InboundMessage, reply: str) -> None:
    """The reply kept with its message, with its kind and values (``_known_reply``)."""
    inbound.reply = reply
    inbound.reply_kind, inbound.reply_params = kind_of(reply)
    if inbound.reply_kind == "text":
        inbound.reply_kind = inbound.reply_params = None


def _handle(msg: Inbound) -> tuple[str, list[int]]:
    contact, new_contact = _contact(msg)
    command = parse_command(msg.body)
    known = contact.language if contact else DEFAULT_LANGUAGE
    if contact is None or new_contact:
        # A first message: the best guess, even from one word ("HELP").
        language = detect_language(command.words if command else msg.body, known)
    elif command is not None:
        language = known  # a command or a code never switches a resident's language
    else:
        language = prose_language(msg.body) or known
    if contact is not None and contact.language != language:
        contact.language = language  # later notifications follow the language they write in
    outcome = _Outcome(*_inbound(msg, contact, language), reply_in_outbox=msg.reply_in_outbox)
    inbound = outcome.inbound
    try:
        with force_locale(language):
            if command is not None:
                outcome.reply = _command(command, outcome, contact, msg.channel)
            else:
                _report(msg, outcome, contact, language, new_contact)
    except ServiceError as exc:
        # A refusal from the door (already rated, ...): the message is still recorded.
        db.session.rollback()
        contact = None if contact is None else db.session.get(Contact, contact.id)
        outcome = _Outcome(*_inbound(msg, contact, language, intent=inbound.intent))
        with force_locale(language):
            problem = str(exc.message)
            outcome.reply = tagged("reply_refused", _("[roadchief] %(problem)s",
                                                      problem=problem), problem=problem)
    if not outcome.committed:
        outcome.record()
        _keep_reply(outcome.inbound, outcome.reply)
        db.session.commit()
    # The photos that now have a case, by their keys (no reload after commit).
    return outcome.reply, [inspect(m).identity[0] for m in outcome.media] \
        if outcome.committed or outcome.linked else []


@dataclass
class _Outcome:
    """What handling one message produced. When the door made a case, the message, its
    reply and the case were committed together (``committed``)."""

    inbound: InboundMessage
    media: list[SmsMedia]
    reply: str = ""
    committed: bool = False
    linked: bool = False  # the photos joined an existing case (a repeated report)
    reply_in_outbox: bool = False  # see ``Inbound.reply_in_outbox``

    def record(self) -> None:
        """Add the message (and its photos) to the session: in the door's transaction when
        it makes a case, else in our own; written once, with everything already known."""
        db.session.add(self.inbound)
        db.session.add_all(self.media)


def _inbound(msg: Inbound, contact: Contact | None, language: str,
             intent: str = "help") -> tuple[InboundMessage, list[SmsMedia]]:
    """The message's row and its photos' rows, not yet in the session. A MessageSid that
    another request handled meanwhile fails at commit on the unique key, and ``receive``
    then answers with that request's reply."""
    inbound = InboundMessage(
        message_sid=msg.sid, from_phone=msg.from_phone, to_phone=msg.to_phone, body=msg.body,
        num_media=len(msg.media), language=language, intent=intent,
        contact_id=contact.id if contact else None, received_at=clock.now())
    media = [SmsMedia(inbound=inbound, position=position, url=url, content_type=content_type,
                      status="pending", attempts=0, created_at=inbound.received_at)
             for position, (url, content_type) in enumerate(msg.media)]
    return inbound, media


def _contact(msg: Inbound) -> tuple[Contact | None, bool]:
    """The resident's contact by their identity on the channel (made on first contact),
    and whether it is new."""
    try:
        if msg.channel == "wechat":
            return contacts.find_or_create_wechat(msg.wechat_openid or "", DEFAULT_LANGUAGE)
        return contacts.find_or_create(msg.from_phone, DEFAULT_LANGUAGE)
    except InvalidInput:
        return None, False


# -- commands ---------------------------------------------------------------------------------


def _command(command: Command, outcome: _Outcome, contact: Contact | None,
             channel: str = "sms") -> str:
    inbound = outcome.inbound
    inbound.intent = command.kind.value
    if command.kind is CommandKind.STOP:
        phone = contact.phone if contact else inbound.from_phone
        if db.session.scalar(select(SmsOptOut.id).where(SmsOptOut.phone == phone)) is None:
            db.session.add(SmsOptOut(phone=phone, message_sid=inbound.message_sid,
                                     at=inbound.received_at))
        return tagged("reply_stopped", _(
            "[roadchief] You will get no more messages from us. Text START to resume."))
    if command.kind is CommandKind.START:
        phone = contact.phone if contact else inbound.from_phone
        for row in db.session.scalars(select(SmsOptOut).where(SmsOptOut.phone == phone)):
            db.session.delete(row)
        return tagged("reply_resumed",
                      _("[roadchief] Messages resumed. Text HELP for how to report."))
    if command.kind is CommandKind.QUERY:
        return _query(command.code, contact)
    if command.kind is CommandKind.RATING:
        return _rate(command, outcome, contact, channel)
    return help_text()


def help_text() -> str:
    return tagged("reply_help", _(
        "[roadchief] To report a problem, text what and where, e.g. car on the pavement, "
        "Zhongshan Ave. CX + code: progress. TD: stop messages."))


def _query(code: str | None, contact: Contact | None) -> str:
    """Status and time limit of a case, by its code. Anyone may ask about any code, as on
    the public tracking page: the reply names no person, phone or address."""
    if code:
        case = db.session.scalar(select(Case).where(Case.code == code))
        if case is None:
            shown = display_code(code) if len(code) == 8 else code
            return tagged("reply_no_case", _(
                "[roadchief] No case has the code %(code)s. Please check it.", code=shown),
                code=shown)
    else:
        case = None
        if contact is not None:
            case = db.session.scalar(
                select(Case).join(CaseFollower, CaseFollower.case_id == Case.id)
                .where(CaseFollower.contact_id == contact.id)
                .order_by(Case.created_at.desc(), Case.id.desc()).limit(1))
        if case is None:
            return tagged("reply_no_report", _(
                "[roadchief] We have no report from this number. Text CX and the code of a "
                "case to ask about it."))
    return status_text(case)


def status_text(case: Case) -> str:
    code = display_code(case.code)
    category = category_words(case.category)
    state = State(case.state)
    if state is State.MERGED and case.merged_into is not None:
        other = display_code(case.merged_into.code)
        return tagged("reply_status_merged", _(
            "[roadchief] Case %(code)s (%(category)s) was merged into case %(other)s.",
            code=code, category=category, other=other), code=code, category=category,
            other=other)
    if state is State.CLOSED:
        date = _when(case.closed_at)
        return tagged("reply_status_closed", _(
            "[roadchief] Case %(code)s (%(category)s): closed on %(date)s.", code=code,
            category=category, date=date), code=code, category=category, date=date)
    name = str(labels.STATE[state])
    if state in (State.DISPATCHED, State.IN_PROGRESS) and case.work_due_at is not None:
        due = _when(case.work_due_at)
        return tagged("reply_status_due", _(
            "[roadchief] Case %(code)s (%(category)s): %(state)s, to be fixed by %(due)s.",
            code=code, category=category, state=name, due=due),
            code=code, category=category, state=name, due=due)
    return tagged("reply_status", _("[roadchief] Case %(code)s (%(category)s): %(state)s.",
                                    code=code, category=category, state=name),
                  code=code, category=category, state=name)


def _rate(command: Command, outcome: _Outcome, contact: Contact | None,
          channel: str = "sms") -> str:
    inbound = outcome.inbound
    case = awaiting_rating(contact, command.code) if contact else None
    if case is None:
        if command.code:
            shown = display_code(command.code) if len(command.code) == 8 else command.code
            return tagged("reply_not_awaiting_rating", _(
                "[roadchief] Case %(code)s is not waiting for your rating.", code=shown),
                code=shown)
        return tagged("reply_no_rating_due", _(
            "[roadchief] No case of yours is waiting for a rating. To report a problem, text "
            "what and where."))
    inbound.case_id = case.id
    code = display_code(case.code)
    outcome.record()  # committed with the rating
    cases.rate(case, Actor.resident(contact), score=command.score, comment=command.comment,
               channel=channel)
    if command.score == 3:
        return tagged("reply_rated_unhappy", _(
            "[roadchief] Thank you. We are sorry case %(code)s did not satisfy you: a "
            "supervisor will follow it up.", code=code), code=code)
    return tagged("reply_rated", _("[roadchief] Thank you for rating case %(code)s.",
                                   code=code), code=code)


def awaiting_rating(contact: Contact, code: str | None = None) -> Case | None:
    """The case this resident was last asked to rate: closed recently, followed by them,
    not yet rated by them since its latest closing (each closure may be rated)."""
    days = current_app.config.get("SMS_RATING_DAYS", 30)
    rated = exists().where(Rating.case_id == Case.id, Rating.contact_id == contact.id,
                           Rating.at >= Case.closed_at)
    query = (select(Case).join(CaseFollower, CaseFollower.case_id == Case.id)
             .where(CaseFollower.contact_id == contact.id, Case.state == State.CLOSED.value,
                    Case.closed_at >= clock.now() - timedelta(days=days), ~rated)
             .order_by(Case.closed_at.desc(), Case.id.desc()).limit(1))
    if code:
        query = query.where(Case.code == code)
    return db.session.scalar(query)


# -- reports and the one follow-up question ----------------------------------------------------


def _report(msg: Inbound, outcome: _Outcome, contact: Contact | None, language: str,
            new_contact: bool) -> None:
    inbound = outcome.inbound
    now = inbound.received_at
    conversation = _open_conversation(contact) if contact and not new_contact else None
    if conversation is not None and conversation.expires_at <= now:
        _expire(conversation)  # it keeps its own report; this message starts afresh
        conversation = None
    seen = understanding()
    # A location's label names the spot, not the problem: a car park is no parking report.
    category = Classification(None) if msg.location else seen.classifier.classify(msg.body)
    prefer = _earlier_areas(contact) if contact is not None and not new_contact else []
    place = seen.gazetteer.locate(msg.body, prefer) if msg.point is None \
        else _place_at(msg.point, msg.body)
    pending = _pending(conversation) if conversation else None
    if pending is not None and _new_problem(pending, category, place):
        # Not the answer but a report of its own: the pending one is kept (a case with
        # what it knows, unrouted without a place) and this one starts afresh.
        _expire(conversation)
        conversation, pending = None, None
    if pending is None and contact is not None and not new_contact \
            and _correction(msg, outcome, contact, language, category, seen):
        return
    if pending is not None and pending.place is not None and pending.place.ambiguous \
            and msg.point is None:
        # The answer to "which stretch?": read it with the road it is about.
        place = seen.gazetteer.locate(" ".join((*pending.place.roads, msg.body)), prefer)
    if pending is not None and dont_know(msg.body):
        where = pending.place if pending.place and not pending.place.ambiguous else None
        step = Step(StepKind.CREATE, pending.category, where,
                    description="\n".join(p for p in (pending.description, msg.body) if p),
                    unrouted=where is None)
    else:
        step = next_step(pending, msg.body, category, place, has_media=bool(msg.media))
    inbound.intent = "answer" if conversation else "report"
    if conversation is not None:
        inbound.conversation_id = conversation.id
    if step.kind is StepKind.HELP:
        inbound.intent = "help"
        outcome.reply = help_text()
        return
    if pending is None and contact is not None and over_limit(contact, msg.channel):
        # The message is kept (sms_inbound); no case is made from it.
        outcome.reply = tagged("reply_over_limit", _(
            "[roadchief] We have received many reports from this number recently. Please try "
            "again later; for an emergency call 12345."))
        return
    if contact is None:  # no number to talk back to: keep what was said, for a dispatcher
        step = Step(StepKind.CREATE, step.category, step.place, description=step.description)
    if step.kind is StepKind.ASK and step.category and safety_category(step.category):
        # A danger (an open manhole) does not wait for an answer: a dispatcher places it.
        words = step.place.describe() if step.place is not None else ""
        step = Step(StepKind.CREATE, step.category, None, description=step.description,
                    unrouted=True)
        _create(step, contact, language, conversation, outcome, address=words,
                channel=msg.channel, point=_point(msg, conversation))
        return
    if step.kind is StepKind.ASK:
        conversation = _ask(step, contact, language, now, msg.point)
        inbound.conversation_id = conversation.id  # its photos join the case later
        if step.place is not None and step.place.ambiguous and step.category:
            outcome.reply = section_question(step.place, seen.gazetteer)
        else:
            outcome.reply = question(step.awaiting)
        if msg.channel == "wechat" and step.awaiting in (Awaiting.PLACE, Awaiting.BOTH):
            hint = _("You can also send your location (+ → Location).")
            outcome.reply += hint if _is_zh() else " " + hint
        return
    _create(step, contact, language, conversation, outcome, channel=msg.channel,
            point=_point(msg, conversation))


def _place_at(point: tuple[float, float], label: str) -> Place | None:
    """The area that holds a shared location, as a place the conversation understands
    (the label WeChat gives the spot is kept as its words); None outside every area."""
    from app.services import routing as routing_service

    area = routing_service.locate(*point)
    if area is None:
        return None
    return Place(area.id, area.code, landmark=(label or "").strip()[:ADDRESS_MAX] or None)


def _point(msg: Inbound, conversation: SmsConversation | None) -> tuple[float, float] | None:
    """The position a report is made with: this message's, else one the conversation
    was given earlier."""
    if msg.point is not None:
        return msg.point
    point = ((conversation.found or {}).get("point") if conversation is not None else None)
    return (float(point[0]), float(point[1])) if point else None


def _new_problem(pending: Pending, category, place: Place | None) -> bool:
    """A message that is a whole report of another problem, not the answer awaited: it
    names a problem and a place, and the problem or the place differs from the pending
    one's."""
    if not category.clear or place is None or place.ambiguous:
        return False
    if pending.category is not None and category.code != pending.category:
        return True
    return pending.place is not None and not pending.place.ambiguous \
        and place.area_id != pending.place.area_id


CORRECTION_WORDS = ("不对", "不是这", "错了", "搞错", "更正", "应该是", "位置错", "地址错",
                    "wrong", "not there", "actually", "correction")


def _correction(msg: Inbound, outcome: _Outcome, contact: Contact, language: str, category,
                seen: Understanding) -> bool:
    """"不对，是秦园路那段": within the conversation window after a report, a message that
    names another stretch of road (and no other problem) moves the case, as long as no
    dispatcher has triaged it yet."""
    minutes = current_app.config.get("SMS_CONVERSATION_MINUTES", 30)
    case = db.session.scalar(
        select(Case).where(Case.reporter_contact_id == contact.id,
                           Case.channel.in_(MESSAGE_CHANNELS),
                           Case.created_at >= outcome.inbound.received_at
                           - timedelta(minutes=minutes))
        .order_by(Case.created_at.desc(), Case.id.desc()).limit(1))
    if case is None or case.state != State.SUBMITTED.value:
        return False
    norm = normalize(msg.body)
    marked = any(w in norm for w in CORRECTION_WORDS)
    if category.clear and (category.code != case.category.code or not marked):
        return False
    if seen.gazetteer.locate(msg.body) is None:
        return False
    before = seen.gazetteer.locate(case.address or "")
    road = before.road if before is not None and before.road else ""
    place = seen.gazetteer.locate(f"{road} {msg.body}") or seen.gazetteer.locate(msg.body)
    if place is None or place.ambiguous or place.area_id in (None, case.area_id):
        return False
    if not marked and road and road not in place.roads:
        return False  # another road and no word of correction: a new report
    inbound = outcome.inbound
    inbound.intent, inbound.case_id = "answer", case.id

    def link(moved: Case) -> None:
        outcome.record()
        with force_locale(language):
            code, where = display_code(moved.code), receipt_place(moved)
            outcome.reply = tagged("reply_moved", _(
                "[roadchief] Case %(code)s moved to %(place)s. Text \"CX %(code)s\" for "
                "progress.", code=code, place=where), code=code, place=where)
            _keep_reply(inbound, outcome.reply)
        outcome.committed = True

    cases.correct_place(case, Actor.resident(contact), area=db.session.get(Area, place.area_id),
                        address=place.describe()[:ADDRESS_MAX], link=link)
    return True


MESSAGE_CHANNELS = ("sms", "wechat")


def over_limit(contact: Contact, channel: str = "sms") -> bool:
    """The web form's per-phone report limit (REPORT_LIMIT_PER_PHONE), counted in the
    reports this contact made by message (SMS, or WeChat for a WeChat identity)."""
    from limits import parse_many

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return False  # as on the web form
    now = clock.now()
    for item in parse_many(current_app.config.get("REPORT_LIMIT_PER_PHONE") or ""):
        made = db.session.scalar(select(func.count()).select_from(Case).where(
            Case.reporter_contact_id == contact.id, Case.channel == channel,
            Case.created_at >= now - timedelta(seconds=item.get_expiry())))
        if made >= item.amount:
            return True
    return False


def _same_problem(contact: Contact, category: str, area_id: int | None,
                  address: str) -> Case | None:
    """This resident's open report of the same problem at the same place, recent."""
    days = current_app.config.get("SMS_DUPLICATE_DAYS", 7)
    live = (State.SUBMITTED, State.DISPATCHED, State.IN_PROGRESS, State.RETURNED,
            State.ON_HOLD)
    query = (select(Case).join(Category, Category.id == Case.category_id)
             .where(Case.reporter_contact_id == contact.id, Category.code == category,
                    Case.state.in_([s.value for s in live]),
                    Case.created_at >= clock.now() - timedelta(days=days))
             .order_by(Case.created_at.desc()).limit(1))
    if area_id is not None:
        query = query.where(Case.area_id == area_id)
    elif address:
        query = query.where(Case.area_id.is_(None), Case.address == address)
    else:
        return None
    return db.session.scalar(query)


def _opted_out(contact: Contact | None) -> bool:
    """The rule for a number that texted TD: a new report is answered (this reply), but no
    progress message follows until START; the receipt says so."""
    from app.services.notifications import opted_out

    return contact is not None and bool(opted_out([contact.phone]))


def safety_category(code: str) -> bool:
    """A category whose time limit runs in calendar hours (a missing manhole cover): it is
    a danger, handled round the clock."""
    from app.models import TimeLimitRule

    return db.session.scalar(
        select(TimeLimitRule.id).join(Category, Category.id == TimeLimitRule.category_id)
        .where(Category.code == code, TimeLimitRule.valid_to.is_(None),
               TimeLimitRule.kind == "rectify", TimeLimitRule.urgency == "normal",
               TimeLimitRule.unit == "calendar_hours").limit(1)) is not None


def _earlier_areas(contact: Contact) -> list[int]:
    """The areas of this resident's recent reports, latest first: where they usually are."""
    since = clock.now() - timedelta(days=current_app.config.get("SMS_PLACE_MEMORY_DAYS", 180))
    rows = db.session.scalars(
        select(Case.area_id).join(CaseFollower, CaseFollower.case_id == Case.id)
        .where(CaseFollower.contact_id == contact.id, Case.area_id.is_not(None),
               Case.created_at >= since)
        .order_by(Case.created_at.desc()).limit(5))
    return list(dict.fromkeys(rows))


def section_question(place: Place, gazetteer: Gazetteer) -> str:
    road = place.road if _is_zh() else gazetteer.english(place.road)
    return tagged("reply_ask_section", _(
        "[roadchief] Which part of %(road)s? Please reply with a nearby crossing, house "
        "number or landmark.", road=road), road=road)


def _ask(step: Step, contact: Contact, language: str, now: datetime,
         point: tuple[float, float] | None = None) -> SmsConversation:
    minutes = current_app.config.get("SMS_CONVERSATION_MINUTES", 30)
    place = step.place
    conversation = SmsConversation(
        phone=contact.phone, contact_id=contact.id, status="open",
        awaiting=step.awaiting.value, language=language,
        description=(step.description or "")[:DESCRIPTION_MAX], category_code=step.category,
        area_id=place.area_id if place and not place.ambiguous else None,
        place=(place.describe() if place else "")[:ADDRESS_MAX],
        found={"roads": list(place.roads), "intersection": place.intersection,
               "area_code": place.area_code, "ambiguous": place.ambiguous,
               "candidates": list(place.candidates), "landmark": place.landmark,
               "number": place.number} if place else {},
        started_at=now, expires_at=now + timedelta(minutes=minutes))
    if point is not None:  # a shared location: the case is made with it
        conversation.found = {**conversation.found, "point": list(point)}
    db.session.add(conversation)
    db.session.flush()
    return conversation


def question(awaiting: Awaiting) -> str:
    if awaiting is Awaiting.CATEGORY:
        return tagged("reply_ask_category", _(
            "[roadchief] What is the problem? Reply in a few words, e.g. car on the pavement, "
            "flyers, broken manhole cover, street stall."))
    if awaiting is Awaiting.PLACE:
        return tagged("reply_ask_place", _(
            "[roadchief] Where is it? Reply with the road, or two roads for a crossing, e.g. "
            "Zhongshan Ave and Jianghan Rd."))
    return tagged("reply_ask_both", _(
        "[roadchief] Please tell us what the problem is and on which road, e.g. car on the "
        "pavement, Zhongshan Ave."))


def _open_conversation(contact: Contact) -> SmsConversation | None:
    return db.session.scalar(select(SmsConversation).where(
        SmsConversation.phone == contact.phone, SmsConversation.status == "open"))


def _pending(conversation: SmsConversation) -> Pending:
    place = None
    found = conversation.found or {}
    if found.get("roads") or conversation.area_id is not None:
        place = Place(conversation.area_id, found.get("area_code"),
                      tuple(found.get("roads", ())), (), bool(found.get("intersection")),
                      tuple(found.get("candidates", ())),
                      ambiguous=bool(found.get("ambiguous")), landmark=found.get("landmark"),
                      number=found.get("number"))
    return Pending(Awaiting(conversation.awaiting or Awaiting.BOTH.value),
                   conversation.category_code, place, conversation.description)


def fallback_category() -> str:
    """The entry for a problem the resident could not name: "other" (HF99) by default."""
    wanted = current_app.config.get("SMS_FALLBACK_CATEGORY", "HF99")
    code = db.session.scalar(select(Category.code).where(Category.code == wanted,
                                                         Category.active.is_(True)))
    return code or db.session.scalar(select(Category.code).where(Category.active.is_(True))
                                     .order_by(Category.sort, Category.id).limit(1))


def _create(step: Step, contact: Contact | None, language: str,
            conversation: SmsConversation | None, outcome: _Outcome | None,
            address: str = "", channel: str = "sms",
            point: tuple[float, float] | None = None) -> Case:
    """Make the case through the door. With ``outcome`` (the webhook), the message, its
    reply (the "received" text) and the photos' link to the case are written in the
    door's own transaction: one commit, and a replay finds everything or nothing."""
    category = step.category or fallback_category()
    place = step.place
    address = address or (place.describe() if place else (
        conversation.place if conversation else ""))
    description = (step.description or "").strip() or _category_name(category, language)
    now = clock.now()
    inbound = outcome.inbound if outcome else None
    if outcome is not None and contact is not None:
        same = _same_problem(contact, category, place.area_id if place else None,
                             address[:ADDRESS_MAX])
        if same is not None:
            # Already reported: no second case; the message and its photos join it.
            if conversation is not None:
                conversation.status, conversation.case_id = "done", same.id
                conversation.closed_at, conversation.awaiting = now, None
            for row in _media_of(conversation) + outcome.media:
                row.case_id = same.id
            inbound.case_id, outcome.linked = same.id, True
            with force_locale(language):
                code, words = display_code(same.code), category_words(same.category)
                outcome.reply = tagged("reply_duplicate", _(
                    "[roadchief] You already reported this: case %(code)s (%(category)s). "
                    "Text \"CX %(code)s\" for progress.", code=code, category=words),
                    code=code, category=words)
            return same

    def link(case: Case) -> None:
        if conversation is not None:
            conversation.status, conversation.case_id = "done", case.id
            conversation.closed_at, conversation.awaiting = now, None
        rows = _media_of(conversation) + (outcome.media if outcome else [])
        for row in rows:
            row.case_id = case.id
        if outcome is not None:
            outcome.record()
            inbound.case_id = case.id
            with force_locale(language):
                outcome.reply = sms_receipt(case, _opted_out(contact))
                _keep_reply(inbound, outcome.reply)
            outcome.media = rows
            outcome.committed = True

    lng, lat = point if point is not None else (None, None)
    return cases.submit(
        Actor.resident(contact), category_code=category,
        description=description[:DESCRIPTION_MAX], address=address[:ADDRESS_MAX],
        area_id=place.area_id if place else None, lat=lat, lng=lng, language=language,
        channel=channel, link=link,
        receipt_in_reply=outcome is not None and contact is not None
        and not outcome.reply_in_outbox)


def _media_of(conversation: SmsConversation | None) -> list[SmsMedia]:
    """Photos sent earlier in the conversation, waiting for its case."""
    if conversation is None:
        return []
    return list(db.session.scalars(
        select(SmsMedia).join(InboundMessage, InboundMessage.id == SmsMedia.inbound_id)
        .where(InboundMessage.conversation_id == conversation.id, SmsMedia.case_id.is_(None))))


def expire_conversations() -> int:
    """The sweep (a scheduler calls it): conversations whose time ran out. One that knew
    the problem or the place (or carried a photo) becomes a case — unrouted if the place
    is unknown — and the resident is told by SMS; an empty one just closes."""
    now = clock.now()
    ids = list(db.session.scalars(select(SmsConversation.id).where(
        SmsConversation.status == "open", SmsConversation.expires_at <= now)))
    done = 0
    for conversation_id in ids:
        conversation = db.session.get(SmsConversation, conversation_id)
        if conversation is None or conversation.status != "open":
            continue
        try:
            _expire(conversation)
            db.session.commit()
            done += 1
        except ServiceError:
            db.session.rollback()
            log.warning("conversation %s could not be closed", conversation_id, exc_info=True)
    return done


def _expire(conversation: SmsConversation) -> Case | None:
    pending = _pending(conversation)
    media = _media_of(conversation)
    if pending.category is None and pending.place is None and not media:
        conversation.status, conversation.closed_at = "expired", clock.now()
        conversation.awaiting = None
        db.session.flush()
        return None
    contact = db.session.get(Contact, conversation.contact_id)
    place = pending.place if pending.place is not None and not pending.place.ambiguous else None
    step = Step(StepKind.CREATE, pending.category, place,
                description=pending.description, unrouted=place is None)
    channel = "wechat" if contact is not None and contact.wechat_openid else "sms"
    return _create(step, contact, conversation.language, conversation, None, channel=channel,
                   point=_point(Inbound("", ""), conversation))


# -- small helpers ----------------------------------------------------------------------------


def _category_name(code: str, language: str) -> str:
    category = db.session.scalar(select(Category).where(Category.code == code))
    return category.name(language) if category else code


def _is_zh() -> bool:
    from flask_babel import get_locale

    return str(get_locale()).startswith("zh")


def _when(moment: datetime | None) -> str:
    return sms_time(moment)
