"""The GeoReport v2 methods. Each reads the request, calls app.services.open311 and
renders the answer in the format named by the path's extension."""

from __future__ import annotations

from flask import current_app, jsonify, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from app.extensions import db, limiter
from app.open311 import bp
from app.open311.formats import errors, render
from app.services import open311, open311_updates
from app.services.errors import ServiceError

FMT = "<any(json, xml):fmt>"


# -- limits: each API key has its own; requests without a key share one per address ------


def _key():
    """The active key presented with this request, if any (looked up once)."""
    from app.services.admin import api_keys

    if not hasattr(request, "open311_key"):  # on the request: g may outlive it (tests)
        request.open311_key = api_keys.authenticate(request.values.get("api_key"))
    return request.open311_key


def _client() -> str:
    key = _key()
    return f"key:{key.prefix}" if key is not None else f"addr:{get_remote_address()}"


def _limit() -> str:
    from app.services.admin import api_keys

    key = _key()
    return api_keys.rate_limit(key) if key is not None else \
        current_app.config["OPEN311_PUBLIC_LIMIT"]


def _limits_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


# Clients pace themselves by X-RateLimit-* (RATELIMIT_HEADERS_ENABLED).
limiter.limit(_limit, key_func=_client, exempt_when=_limits_off, scope="open311")(bp)


@bp.after_request
def no_session_cookie(response):
    """An API answer sets no cookie: ``?lang=`` chooses this answer's language only."""
    session.modified = False
    return response


# -- errors in the specification's format --------------------------------------------------


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("json", "xml"):
        return fmt
    return "json" if request.path.endswith(".json") else "xml"


@bp.errorhandler(open311.Open311Error)
def open311_error(exc: open311.Open311Error):
    db.session.rollback()
    return errors(_fmt(), exc.status, str(exc.description))


@bp.errorhandler(ServiceError)
def service_error(exc: ServiceError):
    return open311_error(open311.from_service_error(exc))


@bp.app_errorhandler(405)
def method_not_allowed(exc: HTTPException):
    """A wrong method is found while routing, before any blueprint is chosen: under
    /open311/ it is answered in the specification's format, elsewhere as the app's own page."""
    if not request.path.startswith(bp.url_prefix + "/"):
        from app.guards import http_error as app_page

        return app_page(exc)
    db.session.rollback()
    response = errors(_fmt(), 405, str(_l("This method is not allowed here.")))
    response.headers["Allow"] = ", ".join(exc.valid_methods or ())
    return response


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if exc.code == 429:
        description = str(_l("Too many requests for this API key; try again later."))
    else:
        description = exc.description or exc.name
    return errors(_fmt(), exc.code or 400, description)


# -- the methods -----------------------------------------------------------------------------


@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str):
    url = current_app.config["PUBLIC_BASE_URL"] + url_for("open311.discovery", fmt=fmt)
    return render(fmt, "discovery", open311.discovery(url.rsplit("/", 1)[0] + "/"))


@bp.get(f"/services.{FMT}")
def services(fmt: str):
    open311.check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "services", open311.services())


@bp.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str):
    open311.check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "service_definition", open311.definition(service_code))


@bp.post(f"/requests.{FMT}")
def post_request(fmt: str):
    # the key the limiter already looked up; else the 403 that says why there is none
    key = _key() or open311.api_key(request.values.get("api_key"))
    case = open311.submit(request.values, key)
    return render(fmt, "service_requests", [open311.accepted(case)])


@bp.get(f"/requests.{FMT}")
def get_requests(fmt: str):
    found = open311.find(open311.query_from(request.args))
    return render(fmt, "service_requests", open311.records(found))


@bp.get(f"/servicerequestupdates.{FMT}")
def get_updates(fmt: str):
    found = open311_updates.find(request.args)
    return render(fmt, "service_request_updates", open311_updates.records(found))


@bp.post(f"/servicerequestupdates.{FMT}")
def post_update(fmt: str):
    key = _key() or open311.api_key(request.values.get("api_key"))
    update_id = open311_updates.submit(request.form, key)
    return render(fmt, "service_request_updates", [{"update_id": str(update_id)}])


@bp.get(f"/requests/<service_request_id>.{FMT}")
def get_request(service_request_id: str, fmt: str):
    open311.check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "service_requests", open311.records([open311.one(service_request_id)]))


@bp.get(f"/tokens/<token>.{FMT}")
def get_token(token: str, fmt: str):
    open311.check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "service_requests", open311.token(token))


@bp.get("/<path:anything>")
def unknown(anything: str):
    """Any other path under /open311/v2 (another format, a typo): 404 in the spec's format,
    JSON for a .json path, else XML (the specification's required format)."""
    raise open311.Open311Error(404, _l("No such method or format."))


@bp.get("/openapi.json")
def openapi():
    from app.open311.openapi import document

    return jsonify(document())
