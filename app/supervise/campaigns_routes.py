"""Special campaigns (专项整治) for supervisors: the list with the form to start one, a
campaign's page (its figures, before and after, its task lists) and its printable report.
Routes read the request, call ``services.campaigns`` and render."""

from __future__ import annotations

from types import SimpleNamespace

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.services import campaigns, clock, tasks
from app.services import metrics_dashboard as metrics
from app.services.errors import ServiceError
from app.supervise import bp, masthead, tables
from app.supervise.query import require_supervisor
from app.supervise.routes import _hours, _pct


def _form() -> campaigns.Form:
    f = request.form
    return campaigns.Form(name=f.get("name", ""), places=f.getlist("places")[:200],
                          categories=f.getlist("categories")[:50], first=f.get("first", ""),
                          last=f.get("last", ""), target=f.get("target", ""),
                          owner=f.get("owner", ""))


def _render_index(user, status: int = 200, error=None, form=None):
    from sqlalchemy import select

    from app.models import Category

    found = campaigns.visible(user)
    today = tasks.today()
    return render_template(
        "supervise/campaigns.html", campaigns_shown=found, today=today, error=error,
        form=form or campaigns.Form(target="98"), may_draw=tasks.may_create(user),
        places=campaigns.place_choices(user) if tasks.may_create(user) else [],
        categories=list(db.session.scalars(select(Category).order_by(Category.code))),
        owners=campaigns.owners(user) if tasks.may_create(user) else [],
        scope_names=campaigns.scope_names,
    ), status


@bp.get("/campaigns")
@login_required
def campaign_index():
    return _render_index(require_supervisor())


@bp.post("/campaigns")
@login_required
def campaign_create():
    user = require_supervisor()
    form = _form()
    try:
        campaign = campaigns.create(user, form)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            raise
        return _render_index(user, exc.status, exc.message, form)
    flash(_("The campaign “%(name)s” is started.", name=campaign.name), "success")
    return redirect(url_for("supervise.campaign_page", campaign_id=campaign.id), 303)


def _page_context(campaign) -> dict:
    user = current_user._get_current_object()
    figures = campaigns.figures(campaign, user)
    places, categories = campaigns.scope_names(campaign)
    mine = tasks.district_of(user)
    lists = [tl for tl in campaign.task_lists
             if (tl.status == "published" or tasks.may_edit(user, tl))
             and (mine is None or tl.district_id in (None, mine))]
    return {
        "campaign": campaign, "figures": figures, "places": places, "categories": categories,
        "lists": lists, "progress": tasks.progress_of([tl.id for tl in lists]),
        "targets": (campaign.target_on_time, metrics.targets()[1]),
        "pct": _pct, "hours": _hours, "num": format_decimal, "now": clock.now(),
        "change": figures.change, "district_name": tasks.district_name,
        "dimension_labels": tables.DIMENSION_LABELS,
    }


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def campaign_page(campaign_id: int):
    user = require_supervisor()
    return render_template("supervise/campaign.html",
                           **_page_context(campaigns.get(user, campaign_id)))


@bp.get("/campaigns/<int:campaign_id>/report")
@login_required
def campaign_report(campaign_id: int):
    user = require_supervisor()
    campaign = campaigns.get(user, campaign_id)
    head = masthead.read(request.args, SimpleNamespace(period=SimpleNamespace(
        first=campaign.first)), _("%(place)s road-chief office",
                                  place=tasks.district_name(campaign.district_id)))
    return render_template("supervise/campaign_report.html", masthead=head,
                           **_page_context(campaign))
