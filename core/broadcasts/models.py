"""A broadcast and its recipients: each row says what happened to one chat (see RecipientStatus)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class BroadcastStatus:
    sending = "sending"  # rows are being sent
    done = "done"  # no pending row is left (the summary went to the progress chat)
    cancelled = "cancelled"


class RecipientStatus:
    pending = "pending"  # not sent yet (or given back after a transient error, see `not_before`)
    sending = "sending"  # claimed just before the API call; left so by a crash, it becomes uncertain
    sent = "sent"  # Telegram answered with `message_id`
    failed = "failed"  # refused for good, or transient errors beyond the limit (`error` says which)
    blocked = "blocked"  # 403 / chat gone: the user is marked unreachable, never retried
    uncertain = "uncertain"  # a crash interrupted the call: maybe sent, never resent (Telegram has no idempotency)
    cancelled = "cancelled"  # the broadcast was cancelled before this row was sent


FINAL = frozenset({RecipientStatus.sent, RecipientStatus.failed, RecipientStatus.blocked,
                   RecipientStatus.uncertain, RecipientStatus.cancelled})


class Broadcast(Base):
    __tablename__ = "broadcasts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="notice")  # outage, outage.update, works.reminder, …
    subject: Mapped[str | None] = mapped_column(String(64), index=True)  # e.g. "outage:3", "works:5"
    # locale -> HTML text; a recipient whose locale is missing gets "ru"
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=BroadcastStatus.sending, index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # line 1's chat: one progress message edited in place, then a summary
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class BroadcastRecipient(Base):
    __tablename__ = "broadcast_recipients"
    __table_args__ = (UniqueConstraint("broadcast_id", "chat_id"),
                      Index("ix_broadcast_recipients_work", "broadcast_id", "status", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locale: Mapped[str | None] = mapped_column(String(8))
    pin: Mapped[bool] = mapped_column(Boolean, default=False)  # a staff chat: the notice is pinned there
    unpin_message_id: Mapped[int | None] = mapped_column(BigInteger)  # unpinned once this notice is sent
    status: Mapped[str] = mapped_column(String(16), default=RecipientStatus.pending)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column()  # a transient error's backoff
    updated_at: Mapped[datetime | None] = mapped_column()
