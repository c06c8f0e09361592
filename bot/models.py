"""Tables of the bot: FSM state, processed update ids and deliveries of outbox events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class FsmRecord(Base):
    """One FSM context (StorageKey flattened into `key`): the state and its data."""

    __tablename__ = "bot_fsm"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedUpdate(Base):
    """An update id already handled; the primary key makes a repeated update fail to insert."""

    __tablename__ = "bot_processed_updates"
    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DeliveryStatus:
    sending = "sending"  # claimed before the send; stale after a while = maybe sent, send again
    sent = "sent"
    retry = "retry"  # Telegram unavailable; the next poll tries again
    failed = "failed"
    blocked = "blocked"


SETTLED = frozenset({DeliveryStatus.sent, DeliveryStatus.blocked, DeliveryStatus.failed})


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
