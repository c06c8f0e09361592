"""Transactional outbox: domain events written in the same transaction as the change, and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "published_at", "id"), Index("ix_outbox_unmailed", "mailed_at", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # a unique key makes producers that may run twice (the SLA sweep) write an event exactly once
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()  # the Telegram delivery settled every chat
    mailed_at: Mapped[datetime | None] = mapped_column()  # the e-mail planner looked at it (core.mail.notices)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class DeliveryStatus:
    sending = "sending"  # claimed before the send; stale after a while = maybe sent, send again
    sent = "sent"
    retry = "retry"  # not sent for a transient reason (network, 5xx, 429, a paused worker): tried again, never dropped
    failed = "failed"  # refused for good by Telegram (the reason is in `error`)
    blocked = "blocked"  # the chat is gone (blocked, kicked, deactivated, not found): the user is marked unreachable


SETTLED = frozenset({DeliveryStatus.sent, DeliveryStatus.blocked, DeliveryStatus.failed})
# the `error` of a retry row kept for a group chat the bot cannot write to now (removed, demoted): rebinding
# the chat sends it (core.staffdesk.chats reopens its events); a user's chat is never held, it is blocked
HELD = "held: "


class Delivery(Base):
    """One outbox event to one chat; (event_id, chat_id) is unique so a message is sent at most once per record."""

    __tablename__ = "bot_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "chat_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.sending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
