"""The template mapping: which approved provider template carries each message kind, and
the values that fill its variables.

A gateway that sends only approved templates must know a template for every kind of
message before it sends anything: ``missing()`` names the kinds without one, and the
gateway is refused when it is switched on (``flask sms check-templates``, the server's
start, the admin page) — never at send time, when a resident would lose the message.

A value longer than a variable may carry is shortened by one rule (``fit``), so that no
message fails for its length: line breaks and runs of spaces become one space, and a
value still too long keeps its first ``limit - 1`` characters followed by "…" (one
character), so that its reader sees it was cut."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select

from app.extensions import db
from app.models import SmsTemplate, User
from app.services import clock
from app.services.admin import Invalid, Problems, audit, integer, word_list
from app.services.admin import text as admin_text
from app.services.message_kinds import KINDS

#: Gateways that send approved templates only.
TEMPLATE_GATEWAYS = ("tencent",)
ELLIPSIS = "…"
TEMPLATE_ID_MAX = 32


def mapping() -> dict[str, SmsTemplate]:
    return {row.kind: row for row in db.session.scalars(select(SmsTemplate))}


#: Kinds a template gateway can run without: ``text`` is the catch-all for a message known
#: only as text (rows written before kinds were kept); a template that is one variable is
#: refused by Tencent's review. Without its template such a row fails with the reason.
OPTIONAL = frozenset({"text"})


def missing(rows: dict[str, SmsTemplate] | None = None) -> list[str]:
    """The message kinds that have no template, in the order of ``KINDS`` (the optional
    ``text`` is never missing)."""
    rows = mapping() if rows is None else rows
    return [kind for kind in KINDS if kind not in OPTIONAL
            and (kind not in rows or not rows[kind].template_id)]


def table_ready() -> bool:
    """False before the migration that makes the mapping's table has run."""
    return inspect(db.engine).has_table(SmsTemplate.__tablename__)


def gateway_needs_templates(app=None) -> bool:
    cfg = (app or current_app).config
    return (cfg.get("SMS_GATEWAY") or "") in TEMPLATE_GATEWAYS


def problems() -> list[str]:
    """Why the configured template gateway may not send: kinds without a template. Empty
    when all is well (or the gateway needs no templates)."""
    if not gateway_needs_templates():
        return []
    if not table_ready():
        return ["the SMS template table does not exist yet: run flask db upgrade"]
    return [f"no template for message kind {kind!r}" for kind in missing()]


def default_limit() -> int:
    return current_app.config.get("SMS_TEMPLATE_PARAM_MAX", 12)


def fit(value: str, limit: int) -> str:
    """One value, made to fit a variable of ``limit`` characters (see the module's text)."""
    text = " ".join(str(value or "").split())
    if limit <= 0 or len(text) <= limit:
        return text
    if limit == 1:
        return text[:1]
    return text[:limit - 1] + ELLIPSIS


def render(kind: str, params: dict[str, str] | None,
           rows: dict[str, SmsTemplate] | None = None) -> tuple[str, list[str]]:
    """The template id and its variables' values for one message. Raises LookupError when
    the kind has no template (which ``missing`` refuses before any sending starts)."""
    rows = mapping() if rows is None else rows
    row = rows.get(kind)
    if row is None or not row.template_id:
        raise LookupError(f"no SMS template for message kind {kind!r}")
    limit = row.param_max or default_limit()
    params = params or {}
    return row.template_id, [fit(params.get(name, ""), limit) for name in row.params or []]


FIELDS = ("kind", "template_id", "params", "param_max")
TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def set_template(admin: User | None, kind: str, data: Mapping[str, Any],
                 source: str = "form") -> SmsTemplate | None:
    """Set one kind's template from a form (template id, parameter names in the order of
    the template's variables, optional longest value), or remove it when the template id
    is empty. Validated, staged with its audit entry; the caller commits."""
    problems = Problems()
    template_id = admin_text(problems, data, "template_id", TEMPLATE_ID_MAX)
    if template_id and not TEMPLATE_ID.match(template_id):
        problems.add("template_id", _l("Use letters, digits, '-' or '_' only."))
    allowed = KINDS[kind].params
    names = word_list(data.get("params"))
    wrong = [n for n in names if n not in allowed]
    if wrong:
        problems.add("params", _l("Unknown parameter(s) %(names)s; this message has: %(allowed)s",
                                  names=", ".join(wrong)[:200], allowed=", ".join(allowed) or "-"))
    param_max = integer(problems, data, "param_max", 1, 500, default=0) or None
    row = db.session.scalar(select(SmsTemplate).where(SmsTemplate.kind == kind))
    if not template_id and row is not None and gateway_needs_templates() \
            and kind not in OPTIONAL:
        # Removed while the gateway sends, every message of this kind would fail.
        problems.add("template_id", _l(
            "The SMS gateway in use sends only approved templates: replace this template "
            "instead of removing it."))
    problems.raise_if_any()
    before = audit.snapshot(row, FIELDS) if row is not None else None
    if not template_id:
        if row is not None:
            db.session.delete(row)
            audit.record(admin, "sms_template", kind, "delete", before, None, source)
        return None
    if row is None:
        row = SmsTemplate(kind=kind)
        db.session.add(row)
    row.template_id, row.params, row.param_max = template_id, names, param_max
    row.updated_at, row.updated_by_id = clock.now(), admin.id if admin else None
    db.session.flush()
    audit.record(admin, "sms_template", kind, "update" if before else "create", before,
                 audit.snapshot(row, FIELDS), source)
    return row


def import_csv(text: str, source: str) -> tuple[int, dict[int, str]]:
    """Set many templates from CSV (``kind,template_id,params,param_max``; a header line
    with these names). All or nothing: the rows set, or each bad line's problem (by line
    number) and nothing changed. The caller commits."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text))
    if not {"kind", "template_id"} <= set(reader.fieldnames or ()):
        return 0, {1: "the header must name kind and template_id (then params, param_max)"}
    done, bad = 0, {}
    for line, row in enumerate(reader, start=2):
        kind = (row.get("kind") or "").strip()
        if kind not in KINDS:
            bad[line] = f"unknown message kind {kind[:40]!r}"
            continue
        try:  # a refused line is refused before it changes anything
            set_template(None, kind, {k: v or "" for k, v in row.items() if k}, source)
            done += 1
        except Invalid as exc:
            bad[line] = "; ".join(f"{k}: {v}" for k, v in exc.problems.items())
    return done, bad
