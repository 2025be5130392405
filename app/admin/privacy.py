"""A resident's personal data on request (PIPL): find them by phone number, export what is
kept about them as a JSON file, or erase it. Both are audited."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.extensions import db
from app.models import Contact
from app.services import retention
from app.services.errors import InvalidInput
from app.services.privacy import mask_phone


@bp.route("/privacy", methods=["GET", "POST"])
def privacy():
    contact, error, status = None, None, 200
    if request.method == "POST":
        try:
            contact = retention.find(request.form.get("phone", ""))
        except InvalidInput as exc:
            error, status = exc.message, 422
        if contact is None and error is None:
            error, status = _("No resident with that number."), 404
    return render_template("admin/privacy.html", contact=contact, error=error,
                           masked=mask_phone(contact.phone) if contact else None,
                           summary=_summary(contact) if contact else None), status


def _summary(contact: Contact) -> dict:
    cases = db.session.scalars(retention._cases_of(contact.id)).all()
    return {"cases": len(cases), "open": sum(c.state not in retention.FINISHED for c in cases)}


@bp.post("/privacy/<int:contact_id>/export")
def privacy_export(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    data = retention.export(contact, current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename=resident-{contact.id}.json",
        "Cache-Control": "no-store"})


@bp.post("/privacy/<int:contact_id>/erase")
def privacy_erase(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    reason = (request.form.get("reason") or "").strip()
    if not reason or any(ord(ch) < 32 for ch in reason):
        flash(_("Please give the reason (the resident's request)."), "error")
        return redirect(url_for("admin.privacy"), 303)
    retention.erase(contact, current_user, reason)
    flash(_("The resident's number, messages and comments were erased; their cases stay "
            "without them."), "success")
    return redirect(url_for("admin.privacy"), 303)
