"""Administration records: the audit log of every administrative change, and the API keys
that let other systems report through the Open311 endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AuditEntry(Base):
    """One administrative change: who, when, which record, what it was and what it became.
    Append-only, like the case events."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        # view/export/erase: staff reading, exporting or erasing a resident's personal data.
        CheckConstraint("action IN ('create', 'update', 'delete', 'view', 'export', 'erase')",
                        name="action"),
        Index("ix_audit_entry_entity", "entity", "entity_key"),
        Index("ix_audit_entry_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    username: Mapped[str] = mapped_column(String(64))  # kept readable if the account goes
    entity: Mapped[str] = mapped_column(String(32))  # "area", "user", "time_limit_rule" ...
    entity_key: Mapped[str] = mapped_column(String(64))  # its code, username or id
    action: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(120), default="")  # "form", "import staff.csv"
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(mapper, connection, target):
    raise PermissionError("the audit log is an append-only record")


class ApiKey(Base):
    """A key for the Open311 endpoint. Only a SHA-256 of the token is kept: the token is
    shown once, when the key is created."""

    __tablename__ = "api_key"
    __table_args__ = (
        CheckConstraint("rate_per_minute BETWEEN 1 AND 10000", name="rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # shown, to tell keys apart
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the whole token
    rate_per_minute: Mapped[int] = mapped_column(default=60)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    last_used_at: Mapped[datetime | None]
    #: A partner system's key (the 12345 platform, an agency's own system) acts as this
    #: staff account when it posts updates: the account's role and place are the key's
    #: scope, checked by the one door like any staff action. None: the key only reports.
    partner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    @property
    def active(self) -> bool:
        return self.revoked_at is None
