"""Administration of the exchange with other systems: which staff account a partner's
API key acts as, and the webhook subscribers with their deliveries (failures shown, and
sent again on request)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.extensions import db
from app.models import ApiKey, District, WebhookDelivery, WebhookSubscriber
from app.services.admin import Invalid, api_keys, commit
from app.services.admin import webhooks as subscribers_service


def _get(model, ident):
    from flask import abort

    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


@bp.post("/api-keys/<int:key_id>/partner")
def api_key_partner(key_id: int):
    try:
        api_keys.set_partner(current_user, _get(ApiKey, key_id), request.form.get("partner"))
        commit()
        flash(_("Saved."))
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".api_key_list"))


@bp.route("/webhooks", methods=["GET", "POST"])
def webhook_list():
    errors, status, secret, created = {}, 200, None, None
    if request.method == "POST":
        try:
            created, secret = subscribers_service.create(current_user, request.form)
            commit()
        except Invalid as exc:
            db.session.rollback()
            errors, status = exc.problems, 422
    districts = list(db.session.scalars(select(District).order_by(District.code)))
    return render_template("admin/webhooks.html", subscribers=subscribers_service.subscribers(),
                           districts=districts, kinds=subscribers_service.KINDS,
                           errors=errors, secret=secret, created=created,
                           data=request.form), status


@bp.get("/webhooks/<int:subscriber_id>")
def webhook_page(subscriber_id: int):
    subscriber = _get(WebhookSubscriber, subscriber_id)
    return render_template("admin/webhook.html", subscriber=subscriber,
                           deliveries=subscribers_service.deliveries(subscriber))


@bp.post("/webhooks/<int:subscriber_id>/active")
def webhook_active(subscriber_id: int):
    subscriber = _get(WebhookSubscriber, subscriber_id)
    subscribers_service.set_active(current_user, subscriber, request.form.get("active") == "yes")
    commit()
    flash(_("Saved."))
    return redirect(url_for(".webhook_list"))


@bp.post("/webhooks/deliveries/<int:delivery_id>/resend")
def webhook_resend(delivery_id: int):
    item = _get(WebhookDelivery, delivery_id)
    try:
        subscribers_service.resend(current_user, item)
        commit()
        flash(_("The delivery will be sent again within a minute."))
    except Invalid as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for(".webhook_page", subscriber_id=item.subscriber_id))


@bp.context_processor
def partner_names_helper():
    def partner_names(keys) -> dict[int, str]:
        """The username each partner key acts as (one query for the page)."""
        from app.models import User

        ids = {k.partner_user_id for k in keys if k.partner_user_id}
        if not ids:
            return {}
        return {user_id: name for user_id, name in db.session.execute(
            select(User.id, User.username).where(User.id.in_(ids)))}

    return {"partner_names": partner_names}
