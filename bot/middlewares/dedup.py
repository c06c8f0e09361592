"""A repeated update_id is handled once, also after a restart.

Keyed by (bot, update_id) only: an edit arrives as an `edited_message` update with its own id, so it is never
taken for a redelivery of the message it edits.

Two modes. `deferred=False` (several bot processes share the database, REDIS_URL): the id is inserted and
committed before the handler runs; a duplicate key means "seen".

`deferred=True` (one process owns the updates: the SQL FSM storage): whether an id was seen is answered from
memory (`SeenIds`), and the id is written by the FIRST transaction of the update's own work: the FSM step,
a ticket registration, a comment (a session `before_commit` hook adds the row through a context variable).
Bookkeeping transactions marked `session.info[SIDE_WRITE]` (a new user record, knowledge-base statistics)
never carry it, so a crash after them does not make the redelivery skip the real work.
So the common dialog step makes one transaction instead of two. Why that is still "handled once":
- a ticket (any domain write) commits in the same transaction as the id: a redelivery after a crash that
  followed the commit is skipped, and a crash before it leaves neither, so the redelivery does the work once;
- an update that commits nothing gets its id written when it ends (also when the handler failed: it was
  answered with an apology). A crash before that end replays only what committed nothing: at worst the
  user sees a reply twice, and the FSM step is then consistent with what they saw (the old insert-first
  order lost such an update for good, leaving the state behind the question already sent).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy import CursorResult, delete, event, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.models import ProcessedUpdate
from core.db import SIDE_WRITE, utcnow

log = logging.getLogger(__name__)


@dataclass
class PendingUpdate:
    """The id of the update being handled, until some transaction of it has committed the row."""

    bot_id: int
    update_id: int
    bind: Any  # the sync engine: only sessions of this database write the row
    recorded: bool = False


_PENDING: ContextVar[PendingUpdate | None] = ContextVar("pending_update", default=None)


@event.listens_for(Session, "before_commit")
def _record_with_commit(session: Session) -> None:
    mark = _PENDING.get()
    if mark is None or mark.recorded or session.bind is not mark.bind or session.info.get(SIDE_WRITE):
        return
    session.add(ProcessedUpdate(bot_id=mark.bot_id, update_id=mark.update_id))
    mark.recorded = True  # taken back below if this commit fails
    session.info["pending_update"] = mark


@event.listens_for(Session, "after_soft_rollback")
def _commit_failed(session: Session, _previous: Any) -> None:
    mark = session.info.pop("pending_update", None)
    if mark is not None:
        mark.recorded = False


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop("pending_update", None)


class SeenIds:
    """Ids seen by this process, plus `floor`: every id ever committed above it is in memory.

    At start the floor is the highest id in the table; evicting an id raises the floor to it. An id above the
    floor and not in memory is new without a query; one at or below it is looked up (rare: redeliveries after
    a restart).
    """

    def __init__(self, *, size: int = 100_000) -> None:
        self.size = size
        self.floor: int | None = None
        self._ids: set[int] = set()
        self._order: deque[int] = deque()

    def __contains__(self, update_id: int) -> bool:
        return update_id in self._ids

    def add(self, update_id: int) -> None:
        self._ids.add(update_id)
        self._order.append(update_id)
        while len(self._order) > self.size:
            old = self._order.popleft()
            self._ids.discard(old)
            self.floor = old if self.floor is None else max(self.floor, old)


class DedupMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, deferred: bool = False) -> None:
        self._factory = session_factory
        self.deferred = deferred
        self._seen: dict[int, SeenIds] = {}

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        bot_id = data["bot"].id
        if not self.deferred:
            if not await self._insert(bot_id, event.update_id):
                return None
            return await handler(event, data)
        if await self._seen_before(bot_id, event.update_id):
            log.info("update %s already handled, skipped", event.update_id)
            return None
        mark = PendingUpdate(bot_id, event.update_id, self._factory.kw["bind"].sync_engine)
        token = _PENDING.set(mark)
        finished = False
        try:
            result = await handler(event, data)
            finished = True
            return result
        except Exception:
            finished = True  # a failed handler was answered with an apology: it counts as handled
            raise
        finally:
            _PENDING.reset(token)
            # nothing committed during the update: record the id alone. Not when the task was cancelled
            # (shutdown): its work may be unfinished, so Telegram's redelivery must not be skipped
            if finished and not mark.recorded:
                await self._insert(bot_id, event.update_id)

    async def _seen_before(self, bot_id: int, update_id: int) -> bool:
        seen = self._seen.get(bot_id)
        if seen is None:
            async with self._factory() as s:
                top = await s.scalar(select(func.max(ProcessedUpdate.update_id))
                                     .where(ProcessedUpdate.bot_id == bot_id))
            seen = self._seen.setdefault(bot_id, SeenIds())
            if seen.floor is None:
                seen.floor = top
        if update_id in seen:
            return True
        if seen.floor is not None and update_id <= seen.floor:
            async with self._factory() as s:
                found = await s.scalar(select(ProcessedUpdate.update_id).where(
                    ProcessedUpdate.bot_id == bot_id, ProcessedUpdate.update_id == update_id))
            if found is not None or update_id in seen:  # re-checked: a twin may have been let in meanwhile
                return True
        seen.add(update_id)  # no await since the last check: a concurrent twin now sees it
        return False

    async def _insert(self, bot_id: int, update_id: int) -> bool:
        """True if the id was new; a duplicate key means another delivery of it got there first."""
        async with self._factory() as s:
            try:
                await s.execute(insert(ProcessedUpdate).values(bot_id=bot_id, update_id=update_id,
                                                               created_at=utcnow()))
                await s.commit()
            except IntegrityError:
                log.info("update %s already handled, skipped", update_id)
                return False
        return True


async def prune_processed(*, session_factory: async_sessionmaker[AsyncSession], keep: timedelta = timedelta(days=1),
                          now: Any = None) -> int:
    """Deletes processed update ids older than `keep` (Telegram never resends such old updates)."""
    cutoff = (now or utcnow()) - keep
    async with session_factory() as s:
        # DML answers a CursorResult (typed as the wider Result): it has the row count
        stmt = delete(ProcessedUpdate).where(ProcessedUpdate.created_at < cutoff)
        res = cast(CursorResult[Any], await s.execute(stmt))
        await s.commit()
        return int(res.rowcount or 0)
