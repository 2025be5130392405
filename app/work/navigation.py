"""One navigation for every staff page, by role (work, supervision, administration,
operations, the SMS outbox, password, sign-out), and the search box beside it: a
tracking code opens its case; a phone number lists that caller's cases (dispatchers,
operators and administrators only), shown masked."""

from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import or_, select

from app.auth.access import require_roles
from app.extensions import db
from app.models import Case, CaseFollower, Contact
from app.services.actors import Actor, can_see
from app.services.cases import CODE_ALPHABET, CODE_LENGTH
from app.services.contacts import normalize_phone
from app.services.errors import InvalidInput
from app.services.privacy import mask_phone
from app.work import bp
from app.work.routes import STAFF

#: (endpoint, label, roles that see it); work.home opens each role's own page.
LINKS = [
    ("work.home", _l("My work"), None),
    ("supervise.dashboard", _l("Figures and rankings"), ("supervisor", "admin")),
    ("admin.index", _l("Administration"), ("admin",)),
    ("ops.page", _l("Operations"), ("supervisor", "admin")),
    ("sms.outbox", _l("SMS outbox"), ("dispatcher", "supervisor", "admin")),
]
#: Who may look a caller up by phone number (the hotline's operators included).
PHONE_SEARCHERS = ("dispatcher", "operator", "admin")
QUERY_MAX = 40
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
PHONE_RESULTS = 50


@bp.app_context_processor
def staff_navigation():
    def staff_links():
        if not current_user.is_authenticated:
            return []
        role, here = current_user.role, request.endpoint or ""
        section = here.partition(".")[0]
        return [{"url": url_for(endpoint), "label": label,
                 "active": section == endpoint.partition(".")[0]}
                for endpoint, label, roles in LINKS if roles is None or role in roles]

    return {"staff_links": staff_links,
            "phone_search": lambda: current_user.role in PHONE_SEARCHERS}


def _code(query: str) -> str | None:
    """A tracking code as people write it: any case, with or without the dash."""
    compact = re.sub(r"[\s\-]", "", query).upper()
    return compact if _CODE.fullmatch(compact) else None


@bp.get("/search")
@require_roles(*STAFF)
def search():
    query = request.args.get("q", "")
    actor = Actor.staff(current_user)
    try:
        if not query.strip():
            raise InvalidInput(_l("Type a tracking code or a phone number."), field="q")
        if len(query) > QUERY_MAX or _CONTROL.search(query):
            raise InvalidInput(_l("That is not a tracking code or a phone number."), field="q")
        code = _code(query)
        if code is not None:
            case = db.session.scalar(select(Case).where(Case.code == code))
            if case is None or not can_see(actor, case):
                raise InvalidInput(_l("No case you may see has the code %(code)s.",
                                      code=f"{code[:4]}-{code[4:]}"), field="q")
            return redirect(url_for("work.case", case_id=case.id))
        if not re.fullmatch(r"[\d\s\-+()]+", query.strip()):
            raise InvalidInput(_l("That is not a tracking code or a phone number."), field="q")
        if current_user.role not in PHONE_SEARCHERS:
            raise InvalidInput(_l("Only dispatchers and operators look callers up by phone "
                                  "number. Type a tracking code."), field="q")
        phone = normalize_phone(query)
    except InvalidInput as exc:
        return render_template("work/search.html", query=query, error=str(exc.message),
                               found=None), 400
    found = _callers_cases(phone, actor)
    return render_template("work/search.html", query=query, error=None, found=found,
                           phone=mask_phone(phone))


def _callers_cases(phone: str, actor: Actor) -> list[Case]:
    """The cases a number reported or follows, newest first, as far as the searcher may
    see them. Anonymous reports never: a search by number must not name their reporter."""
    contact_id = db.session.scalar(select(Contact.id).where(Contact.phone == phone))
    if contact_id is None:
        return []
    followed = select(CaseFollower.case_id).where(CaseFollower.contact_id == contact_id)
    rows = db.session.scalars(
        select(Case).where(or_(Case.reporter_contact_id == contact_id, Case.id.in_(followed)),
                           ~Case.anonymous)
        .order_by(Case.id.desc()).limit(PHONE_RESULTS * 2))
    return [c for c in rows if can_see(actor, c)][:PHONE_RESULTS]
