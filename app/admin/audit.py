"""The audit log: every administrative change, who made it and what it changed."""

from __future__ import annotations

from flask import render_template, request

from app.admin import bp
from app.services.admin import audit


@bp.get("/audit")
def audit_log():
    page = max(request.args.get("page", 1, type=int), 1)
    entity = request.args.get("entity", "")
    username = request.args.get("user", "")
    key = request.args.get("key", "")
    entries, total = audit.entries(entity or None, username or None, key or None, page)
    return render_template("admin/audit.html", entries=entries, total=total, page=page,
                           entity=entity, username=username, key=key,
                           entities=audit.entities(), changes=audit.changes, per_page=50)
