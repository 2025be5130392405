"""Translated names of the values an administrator picks (team positions, limit kinds,
import kinds, audit entities), beside those in ``app.labels``."""

from flask_babel import lazy_gettext as _l

from app.models import TeamKind
from workflows.routing import LimitKind

TEAM_LABELS = {
    TeamKind.COMMUNITY_WORKER.value: _l("Community worker"),
    TeamKind.SHOP_SUPERVISOR.value: _l("Shop-front supervisor"),
    TeamKind.VOLUNTEER.value: _l("Volunteer"),
    TeamKind.PROPERTY_MANAGER.value: _l("Property manager"),
    TeamKind.LINKED_UNIT.value: _l("Linked unit"),
}

KIND_LABELS = {
    LimitKind.RESPONSE.value: _l("Sign for within"),
    LimitKind.RECTIFY.value: _l("Rectify within"),
    LimitKind.VERIFY.value: _l("Verify within"),
    "holiday": _l("Holiday"),
    "workday": _l("Make-up working day"),
    "ten_disorders": _l("Ten disorders"),
    "high_frequency": _l("High-frequency problems"),
}

IMPORT_LABELS = {
    "areas": _l("Responsibility areas (GeoJSON)"),
    "staff": _l("Staff accounts (CSV or XLSX)"),
    "road_chiefs": _l("Road chiefs and teams (CSV or XLSX)"),
    "catalogue": _l("Catalogue and time limits (CSV or XLSX)"),
    "calendar": _l("A calendar year (CSV)"),
}

ACTION_LABELS = {
    "create": _l("create"),
    "update": _l("update"),
    "unchanged": _l("unchanged"),
    "delete": _l("remove"),
    "view": _l("viewed the full phone number"),
    "export": _l("exported personal data"),
    "erase": _l("erased personal data"),
}
