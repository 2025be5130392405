"""Helpers for the administration tests: sign in by session, post forms with a CSRF token,
and small files to import."""

from __future__ import annotations

import io
import json
import re

from flask import g, has_app_context
from flask.sessions import SecureCookieSessionInterface

from app.services import staff_sessions
from tests.factories import box


def sign_in(client, user) -> None:
    with client.session_transaction() as s:
        s["_user_id"] = staff_sessions.start(user)
        s["_fresh"] = True
    # The tests' app context outlives a request, and Flask-Login remembers the user it
    # loaded on ``g``: forget it so the next request loads this one.
    if has_app_context():
        g.pop("_login_user", None)


def session_cookie(app, user) -> str:
    """The signed session cookie of a signed-in user (for a browser context)."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.dumps({"_user_id": staff_sessions.start(user), "_fresh": True})


def csrf(client, path: str = "/admin/api-keys") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match[1]


def post(client, path: str, data: dict | None = None, token_from: str = "/admin/api-keys",
         **kwargs):
    data = dict(data or {})
    data["csrf_token"] = csrf(client, token_from)
    return client.post(path, data=data, **kwargs)


def upload(name: str, content: str | bytes):
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return (io.BytesIO(raw), name)


def feature(code: str, street: str, lng: float, lat: float, size: float = 0.004, **props):
    return {"type": "Feature", "geometry": box(lng, lat, size),
            "properties": {"code": code, "street": street, "name_zh": f"{code}区域",
                           "name_en": f"Area {code}", **props}}


def collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)},
                      ensure_ascii=False)
