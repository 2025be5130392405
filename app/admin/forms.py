"""Turning submitted forms into the plain values the admin services validate (the same
values an imported row gives), and the few choices the forms offer."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from app.services.admin.catalogue import limit_field
from workflows.routing import LimitKind, Urgency


def values(form: MultiDict, *names: str) -> dict[str, Any]:
    return {n: form.get(n, "") for n in names}


def checkbox(form: MultiDict, name: str) -> str:
    return "yes" if form.get(name) else "no"


def district_form(form: MultiDict) -> dict[str, Any]:
    return values(form, "code", "name_zh", "name_en")


def street_form(form: MultiDict) -> dict[str, Any]:
    return values(form, "code", "district", "name_zh", "name_en")


def area_form(form: MultiDict, files) -> dict[str, Any]:
    data = values(form, "code", "street", "name_zh", "name_en", "roads", "polygon")
    upload = files.get("polygon_file")
    if upload is not None and upload.filename:
        data["polygon"] = upload.read()  # an uploaded GeoJSON file wins over the text box
    return data


def user_form(form: MultiDict) -> dict[str, Any]:
    data = values(form, "username", "display_name", "role", "phone", "place", "agency",
                  "language")
    data["active"] = checkbox(form, "active")
    return data


def agency_form(form: MultiDict) -> dict[str, Any]:
    data = values(form, "code", "handler", "district", "name_zh", "name_en", "duty_phone")
    data["categories"] = form.getlist("categories")
    return data


def category_form(form: MultiDict) -> dict[str, Any]:
    data = values(form, "code", "grp", "name_zh", "name_en", "hint_zh", "hint_en", "icon",
                  "handler", "keywords", "sort", "reminder_thresholds",
                  "escalate_district_hours", "escalate_city_hours")
    data["active"] = checkbox(form, "active")
    normal = limit_field(LimitKind.RECTIFY, Urgency.NORMAL)  # asked for on a new category
    if form.get(normal + "_amount"):
        data[normal] = f"{form.get(normal + '_amount')} {form.get(normal + '_unit', '')}"
    return data
