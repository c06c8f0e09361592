"""Tables of the bot: FSM state and processed update ids (deliveries: core.outbox.models, re-exported)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
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


class WebhookUpdate(Base):
    """An update Telegram posted to the webhook, kept until handled; the primary key makes a redelivery a no-op.

    `chat_id` orders the handling (one chat's updates in update_id order); a failed one waits for `next_try_at`
    with its `attempts` and `last_error`; `claimed_until` is the lease of the process handling it.
    """

    __tablename__ = "webhook_inbox"
    __table_args__ = (Index("ix_webhook_inbox_pending", "done_at", "update_id"),)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()


# the delivery ledger moved below the API (core.outbox), which lists what was never delivered
from core.outbox.models import SETTLED, Delivery, DeliveryStatus  # noqa: E402

__all__ = ["SETTLED", "Delivery", "DeliveryStatus", "FsmRecord", "ProcessedUpdate", "WebhookUpdate"]
