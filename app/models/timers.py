"""What the clock has done: each reminder or escalation step taken for a case (unique, so
a step is taken once however often or concurrently the sweep runs), and the heartbeat of
scheduled jobs for the operations page and /healthz."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class CaseStep(Base):
    __tablename__ = "case_step"
    __table_args__ = (UniqueConstraint("case_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # e.g. "remind:rectify:50:20261126T1730"
    kind: Mapped[str] = mapped_column(String(10))  # remind / escalate
    at: Mapped[datetime]


class JobHeartbeat(Base):
    __tablename__ = "job_heartbeat"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
