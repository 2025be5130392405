"""Every unit under the viewer, for the rankings: a district, street or area that had
no due cases in the period is listed as such (unranked), not left out, so that a
supervisor sees the whole of what they answer for."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Area, District, Street
from app.services import metrics_dashboard as metrics
from app.supervise.query import View
from app.supervise.tables import place_name
from workflows.metrics import Totals


def members(view: View, by: str) -> dict[int, str]:
    """The places of kind ``by`` under the view's place (empty for other dimensions)."""
    if view.chief is not None or view.agency is not None or view.category is not None:
        return {}
    if by == "district" and view.district is None:
        query = select(District)
    elif by == "street" and view.street is None:
        query = select(Street)
        if view.district is not None:
            query = query.where(Street.district_id == view.district.id)
    elif by == "area" and view.area is None:
        query = select(Area)
        if view.street is not None:
            query = query.where(Area.street_id == view.street.id)
        elif view.district is not None:
            query = query.join(Street, Street.id == Area.street_id).where(
                Street.district_id == view.district.id)
    else:
        return {}
    return {p.id: place_name(p) for p in db.session.scalars(query)}


def complete(rows: list[metrics.Row], view: View, by: str) -> list[metrics.Row]:
    """The breakdown's rows plus an empty row for every member without cases."""
    seen = {r.key for r in rows}
    return rows + [metrics.Row(key, name, Totals()) for key, name in
                   sorted(members(view, by).items(), key=lambda kv: kv[1])
                   if key not in seen]
