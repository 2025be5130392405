"""/ops for supervisors and administrators; /healthz for load balancers (no personal data,
only counts and times)."""

from __future__ import annotations

from flask import abort, jsonify, render_template
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
    return render_template("ops/page.html", facts=ops.facts())
