"""Records that keep staff accounts safe: each sign-in attempt (for the per-account-and-
address lockout, the audit of failures and the staff networks a rating should not come
from) and each signed-in session, so that signing out ends it on the server too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class SignInAttempt(Base):
    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_account", "username", "address", "at"),
        Index("ix_sign_in_attempt_network", "network", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    username: Mapped[str] = mapped_column(String(64))  # as typed, lower-cased: known or not
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    address: Mapped[str] = mapped_column(String(45))
    network: Mapped[str] = mapped_column(String(64))  # the address's /24 (IPv4) or /48 (IPv6)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(24), default="")  # of a failure, or an unlock


class StaffSession(Base):
    """A signed-in staff session. The cookie names it; signing out ends it here, so a copy
    of the cookie taken earlier opens nothing afterwards."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the cookie's key
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
