"""What every answer of the app holds to, whatever the request: no NUL byte reaches the
code (PostgreSQL refuses one in text, which would be a 500), every error is the app's own
page in the visitor's language (never Werkzeug's), a database outage is a 503 with a
retry hint rather than a bare 500, and every response carries the browser-side defences
(Content-Security-Policy without inline script, no framing, no MIME sniffing, a strict
referrer policy, HSTS when served over HTTPS)."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from app.base_map import base_map

log = logging.getLogger(__name__)

#: How long a client is told to wait before trying again after an outage.
RETRY_AFTER_SECONDS = 30
#: Database errors that mean "the database cannot be reached now", not a bug.
OUTAGES = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
           sa_exc.DisconnectionError)


def register(app: Flask) -> None:
    if app.config.get("HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(InternalServerError, internal_error)
    for outage in OUTAGES:
        app.register_error_handler(outage, database_down)
    for unfit in (OverflowError, sa_exc.DataError):
        app.register_error_handler(unfit, value_out_of_range)
    app.register_error_handler(sa_exc.IntegrityError, already_done)
    base_map(app.config)  # a map setting that cannot work stops the app here, not a page
    app.after_request(defences)
    # Registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(end_session)


def end_session(exc: BaseException | None) -> None:
    """End the request's database session. When the connection died after the answer was
    made (the database restarted meanwhile), its ROLLBACK fails: the connection is thrown
    away instead, and the answer already made stands — never a bare 500 from the server."""
    from app.extensions import db

    try:
        db.session.remove()
    except OUTAGES as lost:
        log.warning("database connection lost at the end of a request: %s",
                    lost.__class__.__name__)
        try:
            db.session().invalidate()
        finally:
            db.session.remove()


# -- error pages ---------------------------------------------------------------------------------


def _messages() -> dict[int, str]:
    mb = current_app.config.get("MAX_CONTENT_LENGTH", 0) // (1024 * 1024)
    return {
        400: _("The request could not be understood. Please check what you entered and "
               "try again."),
        403: _("You may not open this page."),
        405: _("That cannot be done on this page."),
        413: _("That was too much to send at once (at most %(mb)s MB). Send fewer or smaller "
               "photos.", mb=mb),
        429: _("Too many requests. Please wait a little and try again."),
        500: _("Something went wrong on our side. Please try again in a moment."),
    }


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def http_error(exc: HTTPException):
    if exc.code is None:
        return exc
    message = _messages().get(exc.code) or exc.name
    if _wants_json():
        response = jsonify(error=message)
    else:
        response = current_app.response_class(_page(message, exc.code), mimetype="text/html")
    response.status_code = exc.code
    for name, value in exc.get_headers():
        if name in ("Retry-After", "Allow", "WWW-Authenticate"):
            response.headers[name] = value
    return response


def database_down(exc: Exception):
    """503 in the visitor's language, with Retry-After: the database is down or was just
    restarted. What a resident was typing on the report form is kept by their browser."""
    log.warning("database unavailable: %s", exc.__class__.__name__, exc_info=exc)
    try:
        from app.extensions import db

        db.session.rollback()
    except Exception:  # the connection is gone: the session is discarded at teardown
        pass
    message = _("The service is briefly unavailable. Please try again in a minute: nothing "
                "you typed on the report form is lost, this browser keeps it for you.")
    if _wants_json():
        response = jsonify(error=message)
    else:
        response = current_app.response_class(
            _page(message, 503, title=_("Briefly unavailable")), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def value_out_of_range(exc: Exception):
    """A number beyond any column's range (SQLite's OverflowError, PostgreSQL's
    numeric_value_out_of_range) or a text the database cannot take: the request's fault,
    answered 400 like any other input that cannot be understood."""
    log.info("input out of range: %s", exc)
    try:
        from app.extensions import db

        db.session.rollback()
    except Exception:
        pass
    return http_error(BadRequest())


def already_done(exc: Exception):
    """Two requests raced for the same unique thing (a double click on "publish"): the one
    that lost is told it was already done — 409, never a 500."""
    log.info("integrity conflict: %s", exc.__class__.__name__)
    try:
        from app.extensions import db

        db.session.rollback()
    except Exception:
        pass
    message = _("That was already done.")
    if _wants_json():
        response = jsonify(error=message)
    else:
        response = current_app.response_class(_page(message, 409), mimetype="text/html")
    response.status_code = 409
    return response


def _page(message: str, status: int, title: str | None = None) -> str:
    """The error page, rendered without the app's context processors (they may need the
    database, which may be what failed)."""
    from flask_babel import get_locale

    locale = str(get_locale())
    template = current_app.jinja_env.get_template("plain_error.html")
    return template.render(message=message, status=status, title=title or _("Sorry"),
                           is_zh=locale.startswith("zh"), locale=locale)


def internal_error(exc: InternalServerError):
    """An unhandled error, or one raised while another was being answered (an error page
    that needs the database while it is down): an outage still answers 503."""
    if isinstance(getattr(exc, "original_exception", None), OUTAGES):
        return database_down(exc.original_exception)
    return current_app.response_class(_page(_messages()[500], 500), status=500,
                                      mimetype="text/html")


# -- browser-side defences ---------------------------------------------------------------------


MAP_SETTINGS = ("MAP_PROVIDER", "MAP_TILE_URL", "MAP_LAYERS", "MAP_KEY")


def content_security_policy(config) -> str:
    # Map tiles from the configured base map's hosts only (each subdomain by name).
    images = ["'self'", "data:", "blob:", *base_map(config).image_origins()]
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        # Leaflet positions its panes with style attributes.
        "style-src 'self' 'unsafe-inline'",
        f"img-src {' '.join(images)}",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def defences(response):
    config = current_app.config
    headers = response.headers
    kept = current_app.extensions.get("roadchief.csp")
    settings = tuple(config.get(name) for name in MAP_SETTINGS)
    if kept is None or kept[0] != settings:
        kept = current_app.extensions["roadchief.csp"] = (settings,
                                                          content_security_policy(config))
    policy = kept[1]
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # A rating link carries its token in the path: no other site may see it in a Referer.
    headers.setdefault("Referrer-Policy", "same-origin")
    if config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
