"""The catalogue and its time limits.

A limit is a versioned row: changing it closes the rule in force (``valid_to = now``) and
opens a new one. ``cases.dispatch`` records the rule it applied on the case and in the
dispatch event, so an open case keeps the limit it was given and the record says which."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, Case, Category, TimeLimitRule, User
from app.models.catalogue import DEFAULT_ESCALATION_DELAYS, DEFAULT_REMINDER_THRESHOLDS
from app.services import clock
from app.services import routing as routing_service
from app.services.admin import Problems, audit, flag, integer, text, word_list
from workflows.deadlines import TimeLimit, Unit
from workflows.routing import ROAD_CHIEF, LimitKind, Urgency, default_limits

GROUPS = ("ten_disorders", "high_frequency")
CATEGORY_FIELDS = ("code", "grp", "name_zh", "name_en", "hint_zh", "hint_en", "icon",
                   "handler", "keywords", "active", "sort", "reminder_thresholds",
                   "escalation_delays")
CATEGORY_CODE = re.compile(r"^[A-Z]{2}[0-9]{2}$")
ICON = re.compile(r"^[a-z0-9_-]{0,32}$")
LIMIT_KEYS = [(k, u) for k in LimitKind for u in Urgency]
MAX_AMOUNT = {Unit.WORKING_HOURS: 2000, Unit.WORKING_DAYS: 250, Unit.CALENDAR_HOURS: 8760}


def limit_field(kind: LimitKind, urgency: Urgency) -> str:
    """The column / form field of one limit, e.g. ``rectify_normal``."""
    return f"{kind.value}_{urgency.value}"


def parse_limit(raw: Any) -> tuple[int, Unit] | None:
    """``"3 working_days"`` (or ``"3 working days"``) to (3, Unit); None if malformed."""
    match = re.fullmatch(r"\s*(\d+)\s+([a-z_ ]+?)\s*", str(raw or ""))
    if not match:
        return None
    try:
        unit = Unit(match[2].replace(" ", "_"))
    except ValueError:
        return None
    return int(match[1]), unit


def limit_text(limit: TimeLimit) -> str:
    return f"{limit.amount} {limit.unit.value}"


def handlers() -> list[str]:
    return [ROAD_CHIEF, *sorted(set(db.session.scalars(select(Agency.handler))))]


def validate_category(data: Mapping[str, Any], category: Category | None = None,
                      codes_in_file: set[str] | None = None) -> dict[str, Any]:
    problems = Problems()
    values: dict[str, Any] = {"code": text(problems, data, "code", 8, required=True).upper()}
    if values["code"] and not CATEGORY_CODE.match(values["code"]):
        problems.add("code", _l("A category code is two letters and two digits, like LD01."))
    clash = db.session.scalar(select(Category.id).where(Category.code == values["code"]))
    if clash is not None and (category is None or clash != category.id):
        problems.add("code", _l("The code %(code)s is already used.", code=values["code"]))
    if codes_in_file is not None and values["code"] in codes_in_file:
        problems.add("code", _l("The code %(code)s appears twice in this file.",
                                code=values["code"]))
    values["grp"] = text(problems, data, "grp", 20) or (category.grp if category
                                                          else "high_frequency")
    if values["grp"] not in GROUPS:
        problems.add("grp", _l("The group is ten_disorders or high_frequency."))
    values["name_zh"] = text(problems, data, "name_zh", 64, required=True)
    values["name_en"] = text(problems, data, "name_en", 128, required=True)
    values["hint_zh"] = text(problems, data, "hint_zh", 200)
    values["hint_en"] = text(problems, data, "hint_en", 300)
    values["icon"] = text(problems, data, "icon", 32).lower()
    if not ICON.match(values["icon"]):
        problems.add("icon", _l("An icon name is lower-case letters, digits, '-' or '_'."))
    values["handler"] = text(problems, data, "handler", 32, required=True).lower()
    if values["handler"] and values["handler"] not in handlers():
        problems.add("handler", _l("No agency handles %(key)s: choose road_chief or one of "
                                   "the agencies' handler keys.", key=values["handler"]))
    values["keywords"] = word_list(data.get("keywords"))
    if any(len(k) > 20 for k in values["keywords"]):
        problems.add("keywords", _l("An SMS keyword has at most 20 characters."))
    values["active"] = flag(problems, data, "active", True)
    values["sort"] = integer(problems, data, "sort", 0, 9999,
                             default=category.sort if category else 0)
    delays = category.escalation_delays if category else DEFAULT_ESCALATION_DELAYS
    values["reminder_thresholds"] = _thresholds(
        problems, data.get("reminder_thresholds"),
        category.reminder_thresholds if category else DEFAULT_REMINDER_THRESHOLDS)
    district = integer(problems, data, "escalate_district_hours", 0, 720,
                       default=delays["district"])
    city = integer(problems, data, "escalate_city_hours", 0, 2160, default=delays["city"])
    if district is not None and city is not None and city <= district:
        problems.add("escalate_city_hours", _l("The city is reached after the district."))
    values["escalation_delays"] = {"district": district, "city": city}
    values["limits"] = _limits(problems, data, category is None)
    problems.raise_if_any()
    return values


def _thresholds(problems: Problems, raw: Any, default) -> list[float]:
    """Percentages of the time limit ("50, 80") to fractions; empty keeps ``default``."""
    words = word_list(raw if not isinstance(raw, list) else [str(v) for v in raw])
    if not words:
        return list(default)
    try:
        values = [float(w.rstrip("%")) for w in words]
    except ValueError:
        problems.add("reminder_thresholds", _l("Write percentages such as 50, 80."))
        return list(DEFAULT_REMINDER_THRESHOLDS)
    fractions = [v if v < 1 else v / 100 for v in values]
    if any(not 0 < f < 1 for f in fractions) or fractions != sorted(set(fractions)):
        problems.add("reminder_thresholds", _l("Percentages between 1 and 99, rising, "
                                               "each once."))
    return [round(f, 4) for f in fractions]


def _limits(problems: Problems, data: Mapping[str, Any], new: bool
            ) -> dict[tuple[LimitKind, Urgency], TimeLimit]:
    limits = {}
    for key in LIMIT_KEYS:
        field = limit_field(*key)
        raw = data.get(field)
        if raw is None or str(raw).strip() == "":
            continue
        parsed = parse_limit(raw)
        if parsed is None:
            problems.add(field, _l("Write an amount and a unit, such as 3 working_days."))
        elif not 1 <= parsed[0] <= MAX_AMOUNT[parsed[1]]:
            problems.add(field, _l("Between 1 and %(n)s %(unit)s.", n=MAX_AMOUNT[parsed[1]],
                                   unit=parsed[1].value))
        else:
            limits[key] = TimeLimit(*parsed)
    if new and limits:
        normal = limits.get((LimitKind.RECTIFY, Urgency.NORMAL))
        if normal is None:
            problems.add(limit_field(LimitKind.RECTIFY, Urgency.NORMAL),
                         _l("A new category needs its normal rectification limit."))
    return limits


def save_category(admin: User, data: Mapping[str, Any], category: Category | None = None,
                  source: str = "form", values: dict[str, Any] | None = None) -> Category:
    """Create or update a category (staged); given limits that differ from those in force
    become new rules. A new category without limits starts from 3 working days."""
    values = dict(values or validate_category(data, category))
    limits = values.pop("limits")
    before = audit.snapshot(category, CATEGORY_FIELDS) if category is not None else None
    if category is None:
        category = Category(**values)
        db.session.add(category)
        db.session.flush()
        normal = limits.get((LimitKind.RECTIFY, Urgency.NORMAL),
                            TimeLimit(3, Unit.WORKING_DAYS))
        limits = {**default_limits(normal), **limits}
    else:
        for key, value in values.items():
            setattr(category, key, value)
        db.session.flush()
    audit.record(admin, "category", category.code, "update" if before else "create", before,
                 audit.snapshot(category, CATEGORY_FIELDS), source)
    set_limits(admin, category, limits, source)
    return category


def set_limits(admin: User, category: Category,
               limits: Mapping[tuple[LimitKind, Urgency], TimeLimit], source: str = "form"
               ) -> list[TimeLimitRule]:
    """Close each changed rule and open its successor, from now (staged)."""
    now = clock.now()
    current = routing_service.current_rules(category)
    opened = []
    for (kind, urgency), limit in limits.items():
        old = current.get((kind, urgency))
        if old is not None and old.limit == limit:
            continue
        if old is not None:
            old.valid_to = now
        rule = TimeLimitRule(category_id=category.id, kind=kind.value, urgency=urgency.value,
                             amount=limit.amount, unit=limit.unit.value, valid_from=now)
        db.session.add(rule)
        db.session.flush()
        opened.append(rule)
        audit.record(admin, "time_limit_rule", f"{category.code} {kind.value}/{urgency.value}",
                     "update" if old else "create",
                     {"rule_id": old.id, "limit": limit_text(old.limit)} if old else None,
                     {"rule_id": rule.id, "limit": limit_text(limit)}, source)
    return opened


def limits_form(data: Mapping[str, Any]) -> dict[tuple[LimitKind, Urgency], TimeLimit]:
    """The limits grid of the category page: ``<field>_amount`` and ``<field>_unit``."""
    problems = Problems()
    merged = {limit_field(*key): f"{data.get(limit_field(*key) + '_amount', '')} "
              f"{data.get(limit_field(*key) + '_unit', '')}".strip() for key in LIMIT_KEYS}
    limits = _limits(problems, {k: v for k, v in merged.items() if v}, False)
    problems.raise_if_any()
    return limits


def rule_history(category: Category) -> list[tuple[TimeLimitRule, int, int]]:
    """Every rule the category has had, newest first, with how many cases it was given
    and how many of those are still open."""
    from workflows.lifecycle import ASSIGNED_STATES

    given = dict(db.session.execute(
        select(Case.limit_rule_id, func.count()).where(Case.category_id == category.id)
        .group_by(Case.limit_rule_id)).all())
    still_open = dict(db.session.execute(
        select(Case.limit_rule_id, func.count()).where(
            Case.category_id == category.id,
            Case.state.in_([s.value for s in ASSIGNED_STATES]))
        .group_by(Case.limit_rule_id)).all())
    rules = db.session.scalars(select(TimeLimitRule).where(
        TimeLimitRule.category_id == category.id).order_by(
        TimeLimitRule.kind, TimeLimitRule.urgency, TimeLimitRule.valid_from.desc()))
    return [(r, given.get(r.id, 0), still_open.get(r.id, 0)) for r in rules]


def recent_cases(category: Category, limit: int = 20) -> list[Case]:
    """The latest dispatched cases of the category, with the rule each was given."""
    return list(db.session.scalars(
        select(Case).where(Case.category_id == category.id, Case.dispatched_at.is_not(None))
        .order_by(Case.dispatched_at.desc(), Case.id.desc()).limit(limit)))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort, Category.code)))


def category_row(category: Category) -> dict[str, Any]:
    """A category as a row of the catalogue file (the import reads the same columns)."""
    rules = routing_service.current_rules(category)
    row = {
        "code": category.code, "grp": category.grp, "name_zh": category.name_zh,
        "name_en": category.name_en, "hint_zh": category.hint_zh,
        "hint_en": category.hint_en, "icon": category.icon, "handler": category.handler,
        "keywords": "; ".join(category.keywords), "active": "yes" if category.active else "no",
        "sort": category.sort,
        "reminder_thresholds": ", ".join(f"{round(f * 100)}" for f in
                                         category.reminder_thresholds),
        "escalate_district_hours": category.escalation_delays.get("district"),
        "escalate_city_hours": category.escalation_delays.get("city"),
    }
    for key in LIMIT_KEYS:
        rule = rules.get(key)
        row[limit_field(*key)] = limit_text(rule.limit) if rule else ""
    return row


CATALOGUE_COLUMNS = (
    "code", "grp", "name_zh", "name_en", "hint_zh", "hint_en", "icon", "handler", "keywords",
    "active", "sort", "reminder_thresholds", "escalate_district_hours", "escalate_city_hours",
    *(limit_field(*key) for key in LIMIT_KEYS),
)
