"""The public blueprint: the resident's pages. The start page, reporting (/report),
tracking (/track), rating by signed link (/rate), and the public list of cases (/cases)."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import browse, report, routes, track  # noqa: E402,F401
