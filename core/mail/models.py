"""E-mails planned from outbox events: one row per (event, address), sent at least once, never dropped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class MailStatus:
    pending = "pending"  # to be sent at `next_at` (first try, or again after a transient error)
    sending = "sending"  # claimed; a stale claim (the process died) is sent again
    sent = "sent"
    failed = "failed"  # refused for good by the mail server (the reason is in `error`)


class EmailNotice(Base):
    __tablename__ = "email_notices"
    __table_args__ = (UniqueConstraint("event_id", "address"), Index("ix_email_notices_due", "status", "next_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))
    sender: Mapped[str | None] = mapped_column(String(300))  # the From of a service's notice; None: SMTP_FROM
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class ServiceMailAddress(Base):
    """An address of a service's users exported from that system's database (003: «Выгрузка адресов пользователей
    осуществляется из БД Системы на регулярной основе»), loaded by an administrator; kept lowercased."""

    __tablename__ = "service_mail_addresses"
    __table_args__ = (UniqueConstraint("service_code", "address"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_code: Mapped[str] = mapped_column(String(32), index=True)
    address: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
