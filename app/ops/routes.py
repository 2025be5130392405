"""/ops for supervisors and administrators; /healthz for load balancers (no personal data,
only counts and times)."""

from __future__ import annotations

from datetime import datetime

from flask import abort, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.ops import bp
from app.services import ops

OPS_ROLES = ("supervisor", "admin")


@bp.get("/healthz")
def healthz():
    facts = ops.facts(failed_limit=5)
    ok = ops.healthy(facts)
    return jsonify(status="ok" if ok else "unhealthy", **facts), 200 if ok else 503


@bp.get("/ops")
@login_required
def page():
    if current_user.role not in OPS_ROLES:
        abort(403)
    facts = ops.facts()
    return render_template("ops/page.html", facts=facts, status=_status,
                           moment=lambda iso: datetime.fromisoformat(iso) if iso else None)


def _status(value: str | None) -> str:
    """A service's state in the reader's language ("down: OperationalError" keeps the
    error's class name beside the words)."""
    value = value or ""
    if value == "ok":
        return _("working")
    if value.startswith("not configured"):
        return _("not configured (jobs run in-process)")
    if value.startswith("down"):
        return _("down (%(error)s)", error=value.partition(":")[2].strip() or "?")
    return value
