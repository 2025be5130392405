"""The SMS template mapping: for each kind of message the city sends, the approved
template of a template gateway (Tencent Cloud SMS) and which values fill its variables.
The page names the kinds still without a template: such a gateway is refused until there
are none (services/sms_gateways)."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.common import form_page, save
from app.services import sms_gateways, sms_templates
from app.services.message_kinds import KINDS


@bp.get("/sms-templates")
def sms_template_list():
    return _page()


@bp.post("/sms-templates/<kind>")
def sms_template_save(kind: str):
    if kind not in KINDS:
        abort(404)
    _row, problem = save(lambda: sms_templates.set_template(current_user, kind, request.form),
                         _("Saved."))
    if problem is not None:
        return _page(kind, problem.problems, 422)
    return redirect(url_for(".sms_template_list") + f"#{kind}", 303)


def _page(failed: str | None = None, errors: dict | None = None, status: int = 200):
    rows = sms_templates.mapping()
    return form_page("admin/sms_templates.html", status, kinds=list(KINDS.values()),
                     rows=rows, missing=sms_templates.missing(rows),
                     gateway=sms_gateways.name(),
                     needs=sms_templates.gateway_needs_templates(),
                     default_max=sms_templates.default_limit(),
                     failed=failed, errors=errors or {}, data=request.form)
