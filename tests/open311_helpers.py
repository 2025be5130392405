"""Helpers for the Open311 GeoReport v2 tests: a key, a POST, the answer's errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from app.extensions import db
from app.models import Case, CaseEvent, Contact
from app.services.admin import api_keys

BASE = "/open311/v2"


def new_token(city, rate: int = 60, name: str = "test client") -> str:
    _key, token = api_keys.create(city.admin, name, rate)
    db.session.commit()
    return token


def report_fields(city, **overrides) -> dict:
    lng, lat = city.POINT
    fields = {"service_code": "LD03", "lat": str(lat), "long": str(lng),
              "description": "一辆车停在人行道上"}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def post(client, token: str | None, fmt: str = "json", **fields):
    data = dict(fields)
    if token is not None:
        data["api_key"] = token
    return client.post(f"{BASE}/requests.{fmt}", data=data)


def errors_of(response) -> list[tuple[int, str]]:
    """(code, description) of each error, from the JSON list or the <errors> XML."""
    if response.mimetype == "application/json":
        return [(e["code"], e["description"]) for e in response.get_json()]
    root = ET.fromstring(response.data)
    assert root.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]


def xml(response) -> ET.Element:
    assert response.mimetype == "text/xml"
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.data)


def counts() -> dict:
    """What a refused request must leave untouched."""
    return {name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("cases", Case), ("events", CaseEvent),
                                ("contacts", Contact))}
