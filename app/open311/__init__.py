"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2: the
catalogue as services, cases as service requests, JSON and XML. An API, authenticated by
api_key on POST: no CSRF token, no session needed."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

from app.open311 import routes  # noqa: E402, F401
