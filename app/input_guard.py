"""Refuse a NUL byte anywhere in a request, for every route of the app.

A NUL in a path, a query string, a form field's name or value, a file name or a JSON body
cannot be stored (PostgreSQL refuses it in text) nor shown, and would otherwise surface
as a 500 wherever it first reaches the database. Checked once, before any other
``before_request`` function (the rate limiter's key look-up already reads ``api_key``),
so each request is answered 400 with a message: in the Open311 error format under
``/open311/``, as JSON to a client that asks for JSON, else as the error page.
Other control characters are a matter for each field (see :mod:`app.services.plain_text`)."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _

NUL = "\x00"


def has_nul(req) -> bool:
    if NUL in req.path or b"\x00" in unquote_to_bytes(req.query_string):
        return True
    for key, values in req.args.lists():
        if NUL in key or any(NUL in v for v in values):
            return True
    if req.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in req.form.lists():
            if NUL in key or any(NUL in v for v in values):
                return True
        for key, storage in req.files.items(multi=True):
            if NUL in key or NUL in (storage.filename or ""):
                return True
    elif req.is_json:
        body = req.get_data(cache=True)
        if b"\x00" in body or b"\\u0000" in body:
            return True
    return False


def refusal():
    message = _("The request contains a NUL character, which is never accepted.")
    if request.path.startswith("/open311/"):
        from app.open311.formats import errors

        fmt = "json" if request.path.endswith(".json") else "xml"
        return errors(fmt, 400, message)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=message), 400
    return render_template("error.html", message=message), 400


def register(app: Flask) -> None:
    """Call before any extension registers its own ``before_request`` functions."""

    @app.before_request
    def refuse_nul_bytes():
        if has_nul(request):
            return refusal()
