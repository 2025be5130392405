"""A staff member's name as rankings and exports show it: the name with the place
beside it (a responsibility area, an agency, a street or district), so that two road
chiefs both called 张伟 are told apart."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.extensions import db
from app.models import Agency, Area, District, Street, User


def staff_names(ids: Iterable[int]) -> dict[int, str]:
    from flask_babel import get_locale

    ids = [i for i in ids if i]
    if not ids:
        return {}
    english = str(get_locale() or "").startswith("en")

    def name(model):
        return model.name_en if english else model.name_zh

    rows = db.session.execute(
        select(User.id, User.display_name, name(Area), name(Agency), name(Street),
               name(District))
        .outerjoin(Area, Area.id == User.area_id)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .outerjoin(Street, Street.id == User.street_id)
        .outerjoin(District, District.id == User.district_id)
        .where(User.id.in_(ids)))
    open_, close = (" (", ")") if english else ("（", "）")
    out = {}
    for user_id, display, *places in rows:
        place = next((p for p in places if p), None)
        out[user_id] = f"{display}{open_}{place}{close}" if place else display
    return out
