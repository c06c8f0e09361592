"""Who may file tickets: a confirmed work e-mail or line 1's approval, and the one-time codes on their way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class UserVerification(Base):
    """A person's verification: `email` (that address was confirmed by a code) or `manual` (line 1 approved them).

    An e-mail verification holds only while the profile keeps that address: changing the e-mail asks again.
    """

    __tablename__ = "user_verifications"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    method: Mapped[str] = mapped_column(String(16))  # "email" | "manual"
    email: Mapped[str | None] = mapped_column(String(300))  # the confirmed address (method "email")
    approved_by: Mapped[str | None] = mapped_column(String(200))  # who approved by hand (method "manual")
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailCode(Base):
    """The one pending code of a person: only its salted hash is kept, with its expiry and the wrong tries."""

    __tablename__ = "email_codes"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(300))  # where it was sent: written to the profile once confirmed
    code_hash: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # codes sent in the current hour (a person cannot make the desk mail a stranger a hundred times)
    sends: Mapped[int] = mapped_column(Integer, default=1)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
