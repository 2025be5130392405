"""Photos sent by MMS: Twilio gives their URLs (``MediaUrl0..n``) in the webhook; they are
stored with the message, fetched afterwards by a job with the account's credentials
(HTTP basic auth), checked exactly like web uploads (``app.services.media``) and
attached to the case through the door (``cases.add_photos``: an event records them).

No download happens in the webhook. A photo that is not an image we accept is marked
rejected with the reason; a download that fails is tried again up to ``MAX_ATTEMPTS``
times, then marked failed. However many sweeps, jobs and gunicorn workers run, each photo
is fetched and attached once: a worker first claims the row with one conditional UPDATE
(``claimed_at`` set where it was empty or stale), which only one of them can win, and
keeps the claim until the photo is attached, rejected or released for a retry. A photo
that is rejected (not an image we accept) is told to the resident by SMS.

Photos sent to the WeChat official account take the same path: their row keeps the
MediaId (``wechat-media:<id>``) and is fetched through WeChat's media API."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from app.extensions import db
from app.models import Case, CaseEvent, OutboxMessage, SmsMedia
from app.services import cases, clock
from app.services import media as media_service
from app.services.actors import Actor
from app.services.errors import ServiceError

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
CLAIM_SECONDS = 300  # far longer than one download may take (TWILIO_TIMEOUT_SECONDS)


def media_params(form) -> list[tuple[str, str]]:
    """(url, content type) for each MediaUrlN of a Twilio webhook, in order."""
    try:
        count = min(int(form.get("NumMedia") or 0), 10)
    except ValueError:
        count = 0
    out = []
    for i in range(count):
        url = (form.get(f"MediaUrl{i}") or "").strip()
        if url.startswith(("https://", "http://")) and len(url) <= 500:
            out.append((url, (form.get(f"MediaContentType{i}") or "")[:100]))
    return out


def schedule(media_ids: list[int]) -> None:
    """After commit: queue the download. Without Redis the rows wait for the sweep
    (``fetch()``): the webhook itself never downloads."""
    if not media_ids or not current_app.config.get("REDIS_URL"):
        return
    from app import rq_queue

    try:
        rq_queue.enqueue("app.jobs.fetch_sms_media", media_ids)
    except Exception:
        log.warning("could not queue %d MMS photo(s); they wait for the sweep", len(media_ids),
                    exc_info=True)


def _download(url: str) -> bytes:
    import requests

    from app.services import wechat_api

    if url.startswith(wechat_api.MEDIA_PREFIX):  # a photo sent to the WeChat account
        return wechat_api.download(url)

    cfg = current_app.config
    auth = None
    if cfg.get("TWILIO_ACCOUNT_SID") and cfg.get("TWILIO_AUTH_TOKEN"):
        auth = (cfg["TWILIO_ACCOUNT_SID"], cfg["TWILIO_AUTH_TOKEN"])
    limit = cfg["MAX_PHOTO_BYTES"] + 1
    with requests.get(url, auth=auth, timeout=cfg.get("TWILIO_TIMEOUT_SECONDS", 15),
                      stream=True) as response:
        response.raise_for_status()
        data = bytearray()
        for chunk in response.iter_content(64 * 1024):
            data.extend(chunk)
            if len(data) >= limit:  # too big: stop reading; the check says why
                break
        return bytes(data)


def _claim(media_id: int) -> bool:
    """Take the photo for this worker alone: one conditional UPDATE that only one
    concurrent worker can win (the row's write lock serialises them; the loser's WHERE no
    longer holds when it re-reads the row)."""
    now = clock.now()
    won = db.session.execute(
        update(SmsMedia).where(
            SmsMedia.id == media_id, SmsMedia.status == "pending",
            SmsMedia.case_id.is_not(None),
            or_(SmsMedia.claimed_at.is_(None),
                SmsMedia.claimed_at < now - timedelta(seconds=CLAIM_SECONDS)))
        .values(attempts=SmsMedia.attempts + 1, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(won)


def fetch(media_ids: list[int] | None = None) -> int:
    """Download, check and attach pending photos whose case exists. Returns how many were
    attached."""
    query = select(SmsMedia.id).where(SmsMedia.status == "pending",
                                      SmsMedia.case_id.is_not(None))
    if media_ids is not None:
        query = query.where(SmsMedia.id.in_(media_ids))
    ids = list(db.session.scalars(query.order_by(SmsMedia.id).limit(200)))
    by_case: dict[int, list[tuple[int, media_service.Photo]]] = defaultdict(list)
    for media_id in ids:
        if not _claim(media_id):
            continue  # another worker has it
        row = db.session.get(SmsMedia, media_id, populate_existing=True)
        try:
            data = _download(row.url)
        except Exception as exc:
            row.error = f"{type(exc).__name__}: {exc}"[:1000]
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.done_at = "failed", clock.now()
            row.claimed_at = None  # released: the next sweep tries again
            db.session.commit()
            continue
        photo = media_service.Photo(data, f"mms{row.position}")
        try:
            media_service.check(photo)
        except ServiceError as exc:
            row.status, row.error, row.done_at = "rejected", str(exc.message), clock.now()
            _tell_rejected(row)
            db.session.commit()
            continue
        by_case[row.case_id].append((row.id, photo))
    attached = 0
    for case_id, items in by_case.items():
        # At most MAX_PHOTOS per event: a long MMS becomes several events.
        for start in range(0, len(items), media_service.MAX_PHOTOS):
            attached += _attach(case_id, items[start:start + media_service.MAX_PHOTOS])
    return attached


def _tell_rejected(row: SmsMedia) -> None:
    """An SMS to the resident: the photo could not be used, and why (in their language).
    Written in the same transaction as the rejection, once per photo."""
    case = db.session.get(Case, row.case_id)
    contact = case.reporter if case is not None else None
    if contact is None or not contact.phone:
        return
    from app.services.notifications import channel_of, display_code, opted_out

    if opted_out([contact.phone]):
        return
    code, reason = display_code(case.code), row.error or ""
    with force_locale(contact.language):
        body = _("[roadchief] Your photo for case %(code)s could not be added: %(reason)s "
                 "Please send a JPEG or PNG photo.", code=code, reason=reason)
    db.session.add(OutboxMessage(
        dedupe_key=f"mms{row.id}:rejected", channel=channel_of(contact),
        to_phone=contact.phone, kind="photo_rejected", params={"code": code, "reason": reason},
        contact_id=contact.id, case_id=case.id, language=contact.language, body=body,
        status="pending", created_at=clock.now()))


def _attach(case_id: int, items: list[tuple[int, media_service.Photo]]) -> int:
    case = db.session.get(Case, case_id)
    ids = [i for i, _p in items]
    contact = case.reporter
    now = clock.now()

    def mark(_case):
        for row in db.session.scalars(select(SmsMedia).where(SmsMedia.id.in_(ids))):
            row.status, row.done_at, row.error = "attached", now, None

    try:
        cases.add_photos(case, Actor.resident(contact), photos=[p for _i, p in items],
                         link=mark)
    except ServiceError as exc:
        db.session.rollback()
        db.session.execute(update(SmsMedia).where(SmsMedia.id.in_(ids)).values(
            status="rejected", error=str(exc.message), done_at=now))
        for row in db.session.scalars(select(SmsMedia).where(SmsMedia.id.in_(ids))):
            _tell_rejected(row)
        db.session.commit()
        return 0
    last_event = db.session.scalar(select(func.max(CaseEvent.id)).where(
        CaseEvent.case_id == case_id, CaseEvent.action == "add_note"))
    db.session.execute(update(SmsMedia).where(SmsMedia.id.in_(ids)).values(event_id=last_event))
    db.session.commit()
    return len(ids)
