"""The delivery worker's bookkeeping in batches: claim targets before sending, settle them after, publish events.

One transaction claims a whole poll's targets; settling is a group commit (whatever finished while the
previous commit ran goes in the next one), so the bookkeeping costs a few commits per poll, not two per message,
and a message is marked "sent" within one commit of its send (the duplicate window after a crash).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.planning import Target
from core.catalog.models import User
from core.db import utcnow
from core.outbox.models import SETTLED, Delivery, DeliveryStatus, OutboxEvent
from core.staffdesk import cards

log = logging.getLogger(__name__)

Key = tuple[int, int]  # (event id, chat id as planned)


@dataclass
class Outcome:
    event_id: int
    target: Target
    delivery_id: int
    status: str
    error: str | None = None
    new_chat_id: int | None = None  # the group became a supergroup: where it was sent and is to be kept


async def claim(factory: async_sessionmaker[AsyncSession], wanted: list[tuple[int, Target]], *,
                stale_after: float) -> dict[Key, int | str]:
    """Per (event, chat): the delivery id claimed as "sending" (we send now), "done" (settled) or "busy"."""
    if not wanted:
        return {}
    now = utcnow()
    stale = now - timedelta(seconds=stale_after)
    result: dict[Key, int | str] = {}
    async with factory() as s:
        # PostgreSQL: rows another worker is claiming right now are skipped, not waited for (SQLite ignores it);
        # a skipped row looks new here, its insert then meets the unique key and the batch is left as "busy"
        rows = (await s.scalars(select(Delivery).where(Delivery.event_id.in_({e for e, _ in wanted}))
                                .with_for_update(skip_locked=True))).all()
        existing = {(r.event_id, r.chat_id): r for r in rows}
        fresh: list[tuple[Key, Delivery]] = []
        for event_id, t in wanted:
            key = (event_id, t.chat_id)
            row = existing.get(key)
            if row is None:
                row = Delivery(event_id=event_id, chat_id=t.chat_id, user_id=t.user_id,
                               status=DeliveryStatus.sending, attempts=1, created_at=now, updated_at=now)
                s.add(row)
                existing[key] = row
                fresh.append((key, row))
            elif row.status in SETTLED:
                result[key] = "done"
            elif row.status == DeliveryStatus.sending and row.updated_at > stale:
                result[key] = "busy"  # another worker is sending it right now (or died less than stale_after ago)
            else:
                row.status, row.attempts, row.updated_at = DeliveryStatus.sending, row.attempts + 1, now
                fresh.append((key, row))
        try:
            await s.commit()
        except IntegrityError:  # another worker claimed one of them first: leave the whole batch to the next poll
            return {(e, t.chat_id): "busy" for e, t in wanted}
        result.update({key: row.id for key, row in fresh})
    return result


async def settle(factory: async_sessionmaker[AsyncSession], batch: list[Outcome]) -> None:
    """Writes the outcomes of sent (or given back) targets in one transaction."""
    now = utcnow()
    async with factory() as s:
        await s.execute(update(Delivery), [{"id": o.delivery_id, "status": o.status, "updated_at": now,
                                            "error": (o.error or "")[:500] or None} for o in batch])
        unreachable = {o.target.user_id for o in batch if o.status == DeliveryStatus.blocked and o.target.user_id}
        if unreachable:  # the ticket stays as it is; only further pushes to this user stop
            await s.execute(update(User).where(User.id.in_(unreachable)).values(unreachable=True))
            await cards.mark_requester_dirty(s, user_ids=unreachable)  # the line sees whom it waits for in vain
        for o in batch:
            if o.new_chat_id is not None:
                await _follow(s, o)
        await s.commit()


async def _follow(s: AsyncSession, o: Outcome) -> None:
    """The group's new id goes into the ledger row and, through the planner's rekey, where the chat id is kept."""
    assert o.new_chat_id is not None
    try:
        async with s.begin_nested():
            await s.execute(update(Delivery).where(Delivery.id == o.delivery_id).values(chat_id=o.new_chat_id))
            if o.target.rekey is not None:
                await o.target.rekey(s, o.target.chat_id, o.new_chat_id)
    except Exception:
        log.exception("could not store the new chat id %s of chat %s", o.new_chat_id, o.target.chat_id)
        return
    if o.target.rekey is None:
        log.warning("chat %s moved to %s, but its planner keeps no chat id to update: later notices follow again",
                    o.target.chat_id, o.new_chat_id)


async def finish(factory: async_sessionmaker[AsyncSession], *, published: list[int], pending: list[int]) -> None:
    """Publishes the settled events; the others count a poll (kept for ever: nothing is given up)."""
    if not published and not pending:
        return
    async with factory() as s:
        if published:
            await s.execute(update(OutboxEvent).where(OutboxEvent.id.in_(published)).values(published_at=utcnow()))
        if pending:
            await s.execute(update(OutboxEvent).where(OutboxEvent.id.in_(pending))
                            .values(attempts=OutboxEvent.attempts + 1))
        await s.commit()


class GroupCommit:
    """Outcomes wait for the commit that carries them; one commit carries all that finished meanwhile."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory
        self._buffer: list[Outcome] = []
        self._lock = asyncio.Lock()
        self.commits = 0

    async def add(self, outcome: Outcome) -> None:
        self._buffer.append(outcome)
        await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            if not self._buffer:
                return  # a commit that ran while we waited carried ours
            batch, self._buffer = self._buffer, []
            await settle(self.factory, batch)
            self.commits += 1
