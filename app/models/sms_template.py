"""Which approved provider template carries each kind of outbound message.

A domestic gateway (Tencent Cloud SMS) sends only templates the carrier approved in
advance: the message text is fixed in the template and only its numbered variables vary.
One row per message kind names the template and which of the kind's parameters fill its
variables, in order. Administration edits the rows (admin → SMS templates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class SmsTemplate(Base):
    __tablename__ = "sms_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), unique=True)
    template_id: Mapped[str] = mapped_column(String(32))
    # The kind's parameter names, in the order of the template's variables {1}, {2} ...
    params: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The longest value one variable may carry (characters); None: the gateway's default.
    param_max: Mapped[int | None]
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
