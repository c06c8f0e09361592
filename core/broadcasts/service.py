"""Broadcast use cases: write one row per recipient before sending starts, show progress, cancel.

Recipients are inserted by INSERT … SELECT from the audience query, so however large the audience is, it
never passes through this process's memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, false, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts.ledger import counts
from core.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus, RecipientStatus
from core.catalog.models import User
from core.db import utcnow
from core.errors import NotFound
from core.uow import UnitOfWork

Audience = Select[Any, Any, Any]  # (chat_id, user_id, locale) rows
RATE_WINDOW = timedelta(seconds=30)  # the current rate is the sends of this last window


@dataclass(frozen=True, slots=True)
class ChatTarget:
    """A chat told by name (a line's chat, a service manager): pinned when `pin`."""

    chat_id: int
    user_id: int | None = None
    locale: str | None = None
    pin: bool = False
    unpin_message_id: int | None = None  # an earlier notice pinned there, unpinned once this one is sent


@dataclass(frozen=True, slots=True)
class Progress:
    id: int
    kind: str
    subject: str | None
    status: str
    total: int
    sent: int
    failed: int
    blocked: int
    uncertain: int
    cancelled: int
    pending: int
    rate: float  # messages per second over the last RATE_WINDOW
    eta: datetime | None
    created_at: datetime
    finished_at: datetime | None


def users_audience(user_ids: Select[Any]) -> Audience:
    """(chat_id, user_id, locale) of the reachable Telegram users whose ids `user_ids` selects."""
    return (select(User.tg_id, User.id, User.locale)
            .where(User.id.in_(user_ids), User.tg_id.is_not(None), User.unreachable == false()))


async def add_broadcast(session: AsyncSession, *, kind: str, texts: dict[str, str], chats: Sequence[ChatTarget] = (),
                        audience: Audience | None = None, subject: str | None = None,
                        progress_chat_id: int | None = None, created_by: str | None = None) -> Broadcast:
    """Adds a broadcast and all its rows to the caller's transaction (the caller commits)."""
    b = Broadcast(kind=kind, texts=texts, subject=subject, progress_chat_id=progress_chat_id,
                  created_by=created_by, status=BroadcastStatus.sending)
    session.add(b)
    await session.flush()
    seen: set[int] = set()
    for c in chats:
        if c.chat_id in seen:
            continue
        seen.add(c.chat_id)
        session.add(BroadcastRecipient(broadcast_id=b.id, chat_id=c.chat_id, user_id=c.user_id, locale=c.locale,
                                       pin=c.pin, unpin_message_id=c.unpin_message_id,
                                       status=RecipientStatus.pending, attempts=0))
    await session.flush()
    if audience is not None:
        aud = audience.subquery()
        cols = list(aud.c)
        already = select(BroadcastRecipient.chat_id).where(BroadcastRecipient.broadcast_id == b.id)
        rows = (select(literal(b.id), cols[0], cols[1], cols[2], literal(False), literal(RecipientStatus.pending),
                       literal(0))
                .where(cols[0].not_in(already)))
        await session.execute(insert(BroadcastRecipient).from_select(
            ["broadcast_id", "chat_id", "user_id", "locale", "pin", "status", "attempts"], rows))
    b.total = await session.scalar(select(func.count()).select_from(BroadcastRecipient)
                                   .where(BroadcastRecipient.broadcast_id == b.id)) or 0
    if b.total == 0:
        b.status, b.finished_at = BroadcastStatus.done, utcnow()
    await session.flush()
    return b


async def create_broadcast(*, uow: UnitOfWork, kind: str, texts: dict[str, str], chats: Sequence[ChatTarget] = (),
                           audience: Audience | None = None, subject: str | None = None,
                           progress_chat_id: int | None = None, created_by: str | None = None) -> int:
    """Writes a broadcast with one pending row per recipient; returns its id."""
    async with uow:
        b = await add_broadcast(uow.session, kind=kind, texts=texts, chats=chats, audience=audience,
                                subject=subject, progress_chat_id=progress_chat_id, created_by=created_by)
        await uow.commit()
        return b.id


async def progress_of(session: AsyncSession, broadcast_id: int, *, now: datetime | None = None) -> Progress:
    """Counts, current rate and estimated finish of one broadcast."""
    b = await session.get(Broadcast, broadcast_id)
    if b is None:
        raise NotFound(f"broadcast {broadcast_id} not found")
    n = await counts(session, broadcast_id)
    now = now or utcnow()
    recent = await session.scalar(select(func.count()).select_from(BroadcastRecipient).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == RecipientStatus.sent,
        BroadcastRecipient.updated_at >= now - RATE_WINDOW)) or 0
    rate = recent / RATE_WINDOW.total_seconds()
    pending = n.get(RecipientStatus.pending, 0) + n.get(RecipientStatus.sending, 0)
    eta = now + timedelta(seconds=pending / rate) if pending and rate > 0 else (None if pending else b.finished_at)
    return Progress(id=b.id, kind=b.kind, subject=b.subject, status=b.status, total=b.total,
                    sent=n.get(RecipientStatus.sent, 0), failed=n.get(RecipientStatus.failed, 0),
                    blocked=n.get(RecipientStatus.blocked, 0), uncertain=n.get(RecipientStatus.uncertain, 0),
                    cancelled=n.get(RecipientStatus.cancelled, 0), pending=pending, rate=round(rate, 2), eta=eta,
                    created_at=b.created_at, finished_at=b.finished_at)


async def get_progress(*, uow: UnitOfWork, broadcast_id: int) -> Progress:
    """Progress of one broadcast."""
    async with uow:
        return await progress_of(uow.session, broadcast_id)


async def cancel_broadcast(*, uow: UnitOfWork, broadcast_id: int) -> Progress:
    """Stops a broadcast: rows not sent yet are cancelled (rows being sent right now finish)."""
    async with uow:
        b = await uow.session.get(Broadcast, broadcast_id)
        if b is None:
            raise NotFound(f"broadcast {broadcast_id} not found")
        if b.status == BroadcastStatus.sending:
            await uow.session.execute(update(BroadcastRecipient).where(
                BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.status == RecipientStatus.pending)
                .values(status=RecipientStatus.cancelled, updated_at=utcnow()))
            b.status, b.finished_at = BroadcastStatus.cancelled, utcnow()
        await uow.commit()
        return await progress_of(uow.session, broadcast_id)


async def cancel_subject(session: AsyncSession, subject: str) -> None:
    """Cancels the unsent rest of every running broadcast about `subject` (in the caller's transaction)."""
    ids = list((await session.scalars(select(Broadcast.id).where(Broadcast.subject == subject,
                                                                 Broadcast.status == BroadcastStatus.sending))).all())
    if ids:
        await session.execute(update(BroadcastRecipient).where(BroadcastRecipient.broadcast_id.in_(ids),
                                                               BroadcastRecipient.status == RecipientStatus.pending)
                              .values(status=RecipientStatus.cancelled, updated_at=utcnow()))
        await session.execute(update(Broadcast).where(Broadcast.id.in_(ids))
                              .values(status=BroadcastStatus.cancelled, finished_at=utcnow()))
