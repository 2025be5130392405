"""The bulletin's masthead: issuing body, issue number and date of issue, as printed on
the paper handed out at the monthly review. Defaults from configuration (the body) and
the period (the number: the month); each can be changed on the page, checked first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.services import clock
from app.services.errors import InvalidInput
from app.supervise.query import View

TEXT_MAX = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Masthead:
    issuer: str
    issue: str
    issued: date


def _text(args, name: str, default: str, message) -> str:
    raw = args.get(name)
    if raw is None:
        return default
    value = raw.strip()
    if not value or len(value) > TEXT_MAX or _CONTROL.search(value):
        raise InvalidInput(message, field=name)
    return value


def read(args, view: View, default_issuer: str) -> Masthead:
    issuer = _text(args, "issuer", current_app.config.get("BULLETIN_ISSUER") or default_issuer,
                   _l("The issuing body is plain text of 1 to %(n)s characters.", n=TEXT_MAX))
    first = view.period.first
    issue = _text(args, "issue", str(_l("%(year)s, No. %(n)s", year=first.year,
                                        n=first.month)),
                  _l("The issue number is plain text of 1 to %(n)s characters.", n=TEXT_MAX))
    raw = (args.get("issued") or "").strip()
    if not raw:
        issued = clock.to_local(clock.now()).date()
    else:
        try:
            issued = date.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(_l("The date of issue is a date (YYYY-MM-DD)."),
                               field="issued") from None
        if not 2000 <= issued.year <= 2099:
            raise InvalidInput(_l("The date of issue is a date (YYYY-MM-DD)."), field="issued")
    return Masthead(issuer, issue, issued)
