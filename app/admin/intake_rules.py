"""Administration of the staff intake channels: for each category, whether a patrolling
inspector or a hotline operator may report it, and whether such a report is dispatched at
once by the routing rule or waits for a dispatcher."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.extensions import db
from app.models import Category
from app.models.intake import STAFF_CHANNELS
from app.services import admin as admin_service
from app.services import intake
from app.services.admin import audit


@bp.get("/intake-rules")
def intake_rules():
    categories = list(db.session.scalars(select(Category).order_by(Category.sort, Category.id)))
    return render_template("admin/intake_rules.html", categories=categories,
                           channels=STAFF_CHANNELS,
                           rules={ch: intake.rules(ch) for ch in STAFF_CHANNELS})


@bp.post("/intake-rules")
def intake_rules_save():
    for category in db.session.scalars(select(Category)):
        for channel in STAFF_CHANNELS:
            key = f"{channel}-{category.id}"
            before = intake.rules(channel).get(category.id)
            was = (before.allowed, before.dispatch_at_once) if before else (True, False)
            allowed = bool(request.form.get(f"{key}-allowed"))
            at_once = bool(request.form.get(f"{key}-at-once")) and allowed
            if (allowed, at_once) == was:
                continue
            intake.set_rule(channel, category.id, allowed=allowed, dispatch_at_once=at_once)
            audit.record(current_user, "intake_rule", f"{channel}:{category.code}", "update",
                         {"allowed": was[0], "dispatch_at_once": was[1]},
                         {"allowed": allowed, "dispatch_at_once": at_once})
    admin_service.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("admin.intake_rules"), 303)
