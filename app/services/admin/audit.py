"""The audit log: every administrative change, with who, when, before and after."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, User
from app.services import clock


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of a record, as JSON."""
    return {f: _json(getattr(obj, f)) for f in fields}


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value


def record(admin: User | None, entity: str, key: Any, action: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None,
           source: str = "form") -> AuditEntry | None:
    """Stage an audit entry (committed with the change). An update that changes nothing
    is not recorded."""
    if action == "update" and before == after:
        return None
    if action == "update" and before and after:  # keep what changed, and the key fields
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    entry = AuditEntry(
        at=clock.now(), user_id=admin.id if admin else None,
        username=admin.username if admin else "system", entity=entity,
        entity_key=str(key)[:64], action=action, source=source[:120],
        before=before, after=after,
    )
    db.session.add(entry)
    return entry


def entries(entity: str | None = None, username: str | None = None, key: str | None = None,
            page: int = 1, per_page: int = 50) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if username:
        query = query.where(AuditEntry.username == username)
    if key:
        query = query.where(AuditEntry.entity_key == key)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc())
                              .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def entities() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.entity).distinct()
                                   .order_by(AuditEntry.entity)))


def changes(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field the entry mentions."""
    before, after = entry.before or {}, entry.after or {}
    return [(k, before.get(k), after.get(k)) for k in sorted(set(before) | set(after))]
