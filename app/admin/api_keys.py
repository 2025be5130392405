"""Open311 API keys: created (the key shown once), rate-limited one by one, revoked."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.common import act, form_page, get_or_404, save
from app.models import ApiKey
from app.services.admin import api_keys


@bp.route("/api-keys", methods=["GET", "POST"])
def api_key_list():
    errors, status, token, created = {}, 200, None, None
    if request.method == "POST":
        made, problem = save(lambda: api_keys.create(
            current_user, request.form.get("name", ""), request.form.get("rate_per_minute", "")))
        if problem is None:
            created, token = made
        else:
            errors, status = problem.problems, 422
    return form_page("admin/api_keys.html", status, keys=api_keys.keys(), errors=errors,
                     token=token, created=created, data=request.form)


@bp.post("/api-keys/<int:key_id>/revoke")
def api_key_revoke(key_id: int):
    key = get_or_404(ApiKey, key_id)
    act(lambda: api_keys.revoke(current_user, key), _("Key revoked: it no longer works."))
    return redirect(url_for(".api_key_list"))


@bp.post("/api-keys/<int:key_id>/rate")
def api_key_rate(key_id: int):
    key = get_or_404(ApiKey, key_id)
    act(lambda: api_keys.set_rate(current_user, key, request.form.get("rate_per_minute", "")),
        _("Saved."))
    return redirect(url_for(".api_key_list"))
