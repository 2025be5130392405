"""SMS routes: thin. Twilio signs its requests (so CSRF does not apply: there is no
browser session); staff read the outbox behind a login and a role."""

from __future__ import annotations

from functools import wraps

import click
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from app.extensions import csrf, db
from app.models import Case, OutboxMessage
from app.models.outbox import STATUSES
from app.services import delivery, mms, outbox_view
from app.services import sms as sms_service
from app.services.errors import InvalidInput
from app.sms import bp

OUTBOX_ROLES = ("dispatcher", "supervisor", "admin")
STATUS_NAMES = {
    "pending": _l("Waiting to be sent"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled (number opted out)"),
}
PAGE_SIZE = 50


def signed_by_twilio() -> bool:
    """X-Twilio-Signature checked with Twilio's own validator, against the public URL the
    city gave Twilio (PUBLIC_BASE_URL + path): right behind a proxy, where the URL the
    app sees is not the one Twilio signed."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    url = current_app.config["PUBLIC_BASE_URL"] + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    return RequestValidator(token).validate(url, request.form, signature, algorithm)


@bp.post("/inbound")
@csrf.exempt
def inbound():
    if not signed_by_twilio():
        abort(403)
    try:
        message = sms_service.Inbound.from_form(request.form)
    except InvalidInput:
        abort(400)
    reply = sms_service.receive(message)
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return Response(str(twiml), mimetype="text/xml")


@bp.post("/status")
@csrf.exempt
def status():
    if not signed_by_twilio():
        abort(403)
    delivery.record_status(request.form.get("MessageSid", ""),
                           request.form.get("MessageStatus", ""),
                           request.form.get("ErrorCode"))
    return "", 204


def staff_only(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_user.role not in OUTBOX_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def _visible(query):
    """Rows of cases under the user's place (and messages without a case, such as staff
    notices, for city-level staff only); unrouted cases for every dispatcher."""
    user = current_user
    if user.level == "city":
        return query
    query = query.join(Case, Case.id == OutboxMessage.case_id)
    if user.level == "district":
        place = Case.district_id == user.district_id
    elif user.level == "street":
        place = Case.street_id == user.street_id
    else:
        place = Case.area_id == user.area_id
    if user.role == "dispatcher":
        place = or_(place, Case.district_id.is_(None))
    return query.where(place)


@bp.get("/outbox")
@staff_only
def outbox():
    wanted = request.args.get("status", "")
    page = max(1, request.args.get("page", 1, type=int))
    query = _visible(select(OutboxMessage))
    if wanted in STATUSES:
        query = query.where(OutboxMessage.status == wanted)
    counts = dict(db.session.execute(
        _visible(select(OutboxMessage.status, func.count(OutboxMessage.id)))
        .group_by(OutboxMessage.status)).all())
    rows = db.session.scalars(query.order_by(OutboxMessage.id.desc())
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    rows, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    return render_template("sms/outbox.html", rows=outbox_view.rows(rows), more=more,
                           page=page, wanted=wanted, counts=counts, statuses=STATUSES,
                           status_names=STATUS_NAMES)


@bp.post("/outbox/<int:message_id>/retry")
@staff_only
def retry(message_id: int):
    visible = db.session.scalar(_visible(select(OutboxMessage.id))
                                .where(OutboxMessage.id == message_id))
    if visible is None:
        abort(404)
    if delivery.retry(message_id):
        flash(_("The message will be sent again."))
    return redirect(url_for("sms.outbox", status=request.args.get("status", "")))


@bp.cli.command("sweep")
def sweep() -> None:
    """Deliver due outbox messages, fetch MMS photos and close timed-out conversations
    (what a scheduler runs every minute)."""
    closed = sms_service.expire_conversations()
    photos = mms.fetch()
    sent = delivery.deliver()
    click.echo(f"conversations closed {closed}, photos attached {photos}, messages sent {sent}")


@bp.cli.command("receive")
@click.option("--from", "from_phone", default="+8613800000000", show_default=True)
@click.argument("body")
def receive(from_phone: str, body: str) -> None:
    """Handle a text message as if Twilio had delivered it (for trying the channel out
    without a Twilio account); prints the reply."""
    import secrets

    sid = "SMlocal" + secrets.token_hex(13)
    click.echo(sms_service.receive(sms_service.Inbound(sid=sid, from_phone=from_phone,
                                                       body=body)))


@bp.cli.command("check-templates")
def check_templates() -> None:
    """Refuse (exit status 1) a template gateway (SMS_GATEWAY=tencent) whose settings are
    incomplete or that lacks a template for some kind of message; list what is missing."""
    from app.services import sms_gateways

    found = sms_gateways.problems()
    for problem in found:
        click.echo(f"MISSING: {problem}", err=True)
    if found:
        raise SystemExit(1)
    click.echo(f"SMS gateway {sms_gateways.name()}: ready")


@bp.cli.command("import-templates")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_templates(path: str) -> None:
    """Set the SMS template mapping from a CSV file (kind,template_id,params,param_max;
    params quoted, comma-separated, in the order of the template's variables). All or
    nothing: a bad line changes nothing (exit status 1)."""
    from app.services import sms_templates
    from app.services.admin import commit

    with open(path, encoding="utf-8-sig") as fh:
        done, bad = sms_templates.import_csv(fh.read(), f"import {path}"[:120])
    if bad:
        db.session.rollback()
        for line, problem in sorted(bad.items()):
            click.echo(f"line {line}: {problem}", err=True)
        raise SystemExit(1)
    commit()
    click.echo(f"templates set: {done}; kinds still without one: "
               f"{len(sms_templates.missing())}")
