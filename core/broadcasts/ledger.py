"""The sender's side of the recipient rows: claim before the call, settle after it, recover after a crash.

A row is `sending` only between its claim and its outcome. Claims are small (what the rate lets go within a
fraction of a second), so a crash leaves at most that many rows `sending`; the next process start turns them
into `uncertain` (maybe sent, never resent), and every other row is sent exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus, RecipientStatus
from core.catalog.models import User
from core.db import utcnow

Now = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    broadcast_id: int
    chat_id: int
    user_id: int | None
    text: str
    pin: bool
    attempts: int
    unpin: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    id: int
    status: str  # a RecipientStatus; `pending` gives the row back (after `not_before`)
    message_id: int | None = None
    error: str | None = None
    attempts: int = 0
    not_before: datetime | None = None
    chat_id: int | None = None  # a group that moved to a supergroup: its new id
    user_id: int | None = None  # marked unreachable when the row is blocked


async def recover(factory: async_sessionmaker[AsyncSession]) -> int:
    """Rows a crashed process left `sending` become `uncertain`; returns how many."""
    async with factory() as s:
        res = await s.execute(update(BroadcastRecipient).where(BroadcastRecipient.status == RecipientStatus.sending)
                              .values(status=RecipientStatus.uncertain, updated_at=utcnow(),
                                      error="interrupted by a restart during the send"))
        await s.commit()
    return int(getattr(res, "rowcount", 0) or 0)


async def active_ids(factory: async_sessionmaker[AsyncSession]) -> list[int]:
    async with factory() as s:
        return list((await s.scalars(select(Broadcast.id).where(Broadcast.status == BroadcastStatus.sending)
                                     .order_by(Broadcast.id))).all())


async def claim(factory: async_sessionmaker[AsyncSession], broadcast_ids: Sequence[int], *, limit: int,
                now: Now = utcnow) -> list[Claimed]:
    """Up to `limit` due pending rows, shared between the broadcasts in turn, marked `sending` and committed."""
    if not broadcast_ids or limit <= 0:
        return []
    share = max(1, limit // len(broadcast_ids))
    at = now()
    async with factory() as s:
        picked: list[tuple[int, int, int, int | None, str | None, bool, int, int | None]] = []
        texts: dict[int, dict[str, str]] = {}
        for bid in broadcast_ids:
            rows = (await s.execute(
                select(BroadcastRecipient.id, BroadcastRecipient.broadcast_id, BroadcastRecipient.chat_id,
                       BroadcastRecipient.user_id, BroadcastRecipient.locale, BroadcastRecipient.pin,
                       BroadcastRecipient.attempts, BroadcastRecipient.unpin_message_id)
                .where(BroadcastRecipient.broadcast_id == bid, BroadcastRecipient.status == RecipientStatus.pending,
                       or_(BroadcastRecipient.not_before.is_(None), BroadcastRecipient.not_before <= at))
                .order_by(BroadcastRecipient.id).limit(share)
                # two senders (a failover) take disjoint rows on PostgreSQL; SQLite has one writer anyway
                .with_for_update(skip_locked=True))).all()
            if rows:
                texts[bid] = (await s.scalar(select(Broadcast.texts).where(Broadcast.id == bid))) or {}
                picked.extend(tuple(r) for r in rows)  # type: ignore[misc]
        if not picked:
            return []
        ids = [p[0] for p in picked]
        res = await s.execute(update(BroadcastRecipient)
                              .where(BroadcastRecipient.id.in_(ids),
                                     BroadcastRecipient.status == RecipientStatus.pending)
                              .values(status=RecipientStatus.sending, updated_at=at)
                              .execution_options(synchronize_session=False))
        if (getattr(res, "rowcount", None) or 0) != len(ids):
            # another sender took some of them: keep only what is still ours (rare; one scheduler runs the job)
            await s.rollback()
            return []
        await s.commit()
    return [Claimed(id=i, broadcast_id=b, chat_id=c, user_id=u, pin=pin, attempts=a, unpin=unpin,
                    text=texts[b].get(loc or "ru") or texts[b].get("ru") or next(iter(texts[b].values()), ""))
            for i, b, c, u, loc, pin, a, unpin in picked]


async def settle(factory: async_sessionmaker[AsyncSession], outcomes: Sequence[Outcome]) -> None:
    """Writes the outcomes of one chunk in one transaction; blocked users are marked unreachable."""
    if not outcomes:
        return
    at = utcnow()
    async with factory() as s:
        await s.execute(update(BroadcastRecipient), [
            {"id": o.id, "status": o.status, "message_id": o.message_id, "error": (o.error or None) and o.error[:500],
             "attempts": o.attempts, "not_before": o.not_before, "updated_at": at} for o in outcomes])
        for o in outcomes:
            if o.chat_id is not None:
                await s.execute(update(BroadcastRecipient).where(BroadcastRecipient.id == o.id)
                                .values(chat_id=o.chat_id))
        unreachable = sorted({o.user_id for o in outcomes if o.status == RecipientStatus.blocked and o.user_id})
        if unreachable:
            await s.execute(update(User).where(User.id.in_(unreachable)).values(unreachable=True))
        await s.commit()


async def counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """Rows per status of one broadcast."""
    rows = (await session.execute(select(BroadcastRecipient.status, func.count())
                                  .where(BroadcastRecipient.broadcast_id == broadcast_id)
                                  .group_by(BroadcastRecipient.status))).all()
    return {status: int(n) for status, n in rows}


async def finish_if_done(factory: async_sessionmaker[AsyncSession], broadcast_id: int) -> bool:
    """Marks the broadcast done once no row is pending or sending; True when it did so now."""
    async with factory() as s:
        left = await s.scalar(select(func.count()).select_from(BroadcastRecipient).where(
            BroadcastRecipient.broadcast_id == broadcast_id,
            BroadcastRecipient.status.in_((RecipientStatus.pending, RecipientStatus.sending))))
        if left:
            return False
        res = await s.execute(update(Broadcast).where(Broadcast.id == broadcast_id,
                                                      Broadcast.status == BroadcastStatus.sending)
                              .values(status=BroadcastStatus.done, finished_at=utcnow()))
        await s.commit()
    return bool(getattr(res, "rowcount", 0))


async def note_progress(factory: async_sessionmaker[AsyncSession], broadcast_id: int, *, message_id: int | None,
                        at: datetime) -> None:
    async with factory() as s:
        await s.execute(update(Broadcast).where(Broadcast.id == broadcast_id)
                        .values(progress_message_id=message_id, progress_at=at))
        await s.commit()
