"""Webhook inbox: a posted update is stored at once (Telegram gets its 200), then fed to the Dispatcher from the table.

- `store` keeps the raw update under its update_id (the primary key): Telegram's redelivery of it is a no-op, and
  the inbox replaces the update-id dedup middleware in webhook mode (a retried update must reach the handlers).
- `InboxFeeder.run_once` takes the due updates, the oldest first and one chat's updates in update_id order (a
  later update of a chat waits while an earlier one is not done), leases each (`claimed_until`, so several web
  instances never handle one twice), feeds it and marks it done. A failure (an exception out of the Dispatcher,
  or one the error handler logged as unexpected) is written to the row (attempts, last error) and retried after
  a capped exponential backoff; it is never dropped. After BLOCK_ATTEMPTS failures it stops holding back the
  chat's later updates, and goes on being retried at the cap. Telegram's own refusal of a reply (400 «chat not
  found», 403 blocked) would be refused again: such an update is marked done with its error kept, not retried.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import WebhookUpdate
from core.db import utcnow

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

log = logging.getLogger(__name__)

RETRY_BASE = 2.0  # seconds before the first retry; doubled at each failure
RETRY_CAP = 600.0
BLOCK_ATTEMPTS = 5  # failures after which an update no longer holds back its chat's later updates
# a process that died while handling: another one takes the update after this. Short, so a killed instance's
# chats wait seconds, not minutes; renewed every third of it while the update is being handled, so a slow one
# is never taken by a second instance
LEASE = timedelta(seconds=30)
KEEP_DONE = timedelta(days=1)
# the inbox's bookkeeping is single statements, each atomic alone: run outside a transaction, they cost one round
# trip instead of three (BEGIN, the statement, COMMIT), about a fifth of a loaded web instance's time
ONE_STATEMENT = {"isolation_level": "AUTOCOMMIT"}  # Telegram does not redeliver older updates


def chat_of(payload: dict[str, Any]) -> int | None:
    """The chat an update belongs to (the order key), or the user for a button press without its message."""
    for value in payload.values():
        if not isinstance(value, dict):
            continue
        chat = value.get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
        message = value.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            return int(message["chat"]["id"])
        sender = value.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failure."""
    return float(min(RETRY_CAP, RETRY_BASE * 2 ** max(0, attempts - 1)))


async def store(*, session_factory: async_sessionmaker[AsyncSession], payload: dict[str, Any]) -> bool:
    """Keeps a posted update; False when its update_id is already there (a redelivery)."""
    now = utcnow()
    async with session_factory() as s:
        try:
            conn = await s.connection(execution_options=ONE_STATEMENT)
            await conn.execute(insert(WebhookUpdate).values(
                update_id=int(payload["update_id"]), chat_id=chat_of(payload), payload=payload, attempts=0,
                next_try_at=now, created_at=now))
        except IntegrityError:
            log.info("webhook: update %s already stored, redelivery ignored", payload["update_id"])
            return False
    return True


class InboxFeeder:
    """Feeds stored updates to the Dispatcher; `wake` is set by the route when a new one was stored."""

    def __init__(self, *, session_factory: async_sessionmaker[AsyncSession], bot: Bot, dp: Dispatcher,
                 clock: Callable[[], datetime] = utcnow, batch: int = 200, lease: timedelta = LEASE) -> None:
        self._factory, self.bot, self.dp, self.clock, self.batch = session_factory, bot, dp, clock, batch
        self.lease = lease
        self.wake = asyncio.Event()
        self._inflight: set[int] = set()

    async def run_once(self) -> int:
        """Handles the updates due now (a chat's oldest first) and waits for them; returns how many were fed."""
        started = await self._start_due()
        await asyncio.gather(*started)
        return len(started)

    async def _start_due(self) -> list[asyncio.Task[None]]:
        """Claims the due updates, as many as there is room for beside those in flight, and starts them.

        No round barrier: `run` calls this again whenever an update was stored or one in flight ended, so a
        chat's next update starts as soon as its previous one is done, not when a whole batch is."""
        room = self.batch - len(self._inflight)
        if room <= 0:
            return []
        now = self.clock()
        async with self._factory() as s:
            conn = await s.connection(execution_options=ONE_STATEMENT)
            rows = (await conn.execute(
                select(WebhookUpdate.update_id, WebhookUpdate.chat_id, WebhookUpdate.next_try_at,
                       WebhookUpdate.claimed_until, WebhookUpdate.attempts)
                .where(WebhookUpdate.done_at.is_(None)).order_by(WebhookUpdate.update_id).limit(self.batch))).all()
        held: set[object] = set()
        due: list[int] = []
        for update_id, chat_id, next_try_at, claimed_until, attempts in rows:
            key: object = chat_id if chat_id is not None else ("update", update_id)
            if key in held:
                continue
            if attempts < BLOCK_ATTEMPTS:
                held.add(key)  # the chat's later updates wait for this one
            if update_id not in self._inflight and next_try_at <= now and \
                    (claimed_until is None or claimed_until < now):
                due.append(update_id)
        if not due:
            return []
        claimed = await self._claim(due[:room], now)
        tasks = []
        for update_id in sorted(claimed):
            self._inflight.add(update_id)
            task = asyncio.create_task(self._handle(update_id, claimed[update_id]))
            task.add_done_callback(functools.partial(self._done, update_id))
            tasks.append(task)
        return tasks

    def _done(self, update_id: int, _task: asyncio.Task[None]) -> None:
        self._inflight.discard(update_id)
        self.wake.set()  # the chat's next update may be due now

    async def _claim(self, update_ids: list[int], now: datetime) -> dict[int, dict[str, Any]]:
        """Leases the updates in one statement; returns the payloads of those this instance got."""
        async with self._factory() as s:
            conn = await s.connection(execution_options=ONE_STATEMENT)
            res = await conn.execute(
                update(WebhookUpdate)
                .where(WebhookUpdate.update_id.in_(update_ids), WebhookUpdate.done_at.is_(None),
                       or_(WebhookUpdate.claimed_until.is_(None), WebhookUpdate.claimed_until < now))
                .values(claimed_until=now + self.lease)
                .returning(WebhookUpdate.update_id, WebhookUpdate.payload))
            got = {int(uid): payload for uid, payload in res.all()}
            return got

    async def _renew(self, update_id: int) -> None:
        """Extends the lease while the update is handled (cancelled when it ends)."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                async with self._factory() as s:
                    conn = await s.connection(execution_options=ONE_STATEMENT)
                    await conn.execute(update(WebhookUpdate).where(WebhookUpdate.update_id == update_id,
                                                                   WebhookUpdate.done_at.is_(None))
                                       .values(claimed_until=self.clock() + self.lease))
            except Exception:  # the database is away: the handling goes on; at worst another instance retries
                log.warning("webhook: the lease of update %s could not be renewed", update_id, exc_info=True)

    async def _handle(self, update_id: int, payload: dict[str, Any]) -> None:
        from aiogram.types import Update

        error: BaseException | None = None
        sink: list[BaseException] = []
        renewal = asyncio.create_task(self._renew(update_id))
        try:
            upd = Update.model_validate(payload, context={"bot": self.bot})
            # the error handler (bot.dispatcher.on_error) puts an unexpected exception here, after the apology
            await self.dp.feed_update(self.bot, upd, error_sink=sink)
        except Exception as exc:
            error = exc
        finally:
            renewal.cancel()
        error = error or (sink[0] if sink else None)
        await self._finish(update_id, error)

    async def _finish(self, update_id: int, error: BaseException | None) -> None:
        from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

        now = self.clock()
        async with self._factory() as s:
            if error is None:  # the common case in one statement
                conn = await s.connection(execution_options=ONE_STATEMENT)
                await conn.execute(update(WebhookUpdate).where(WebhookUpdate.update_id == update_id)
                                   .values(done_at=now, claimed_until=None))
                return
            row = await s.get(WebhookUpdate, update_id)
            if row is None:
                return
            row.claimed_until = None
            if isinstance(error, TelegramBadRequest | TelegramForbiddenError):
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:2000]
                row.done_at = now  # the same request would be refused again
                log.warning("webhook: update %s refused by Telegram (%s): not retried", update_id, row.last_error)
            else:
                row.attempts += 1
                row.last_error = f"{type(error).__name__}: {error}"[:2000]
                delay = retry_delay(row.attempts)
                row.next_try_at = now + timedelta(seconds=delay)
                log.warning("webhook: update %s failed (attempt %s, %s): retrying in %.0f s",
                            update_id, row.attempts, row.last_error, delay)
            await s.commit()

    async def prune(self, *, keep: timedelta = KEEP_DONE) -> int:
        """Deletes handled updates older than `keep`."""
        async with self._factory() as s:
            res = cast(CursorResult[Any], await s.execute(delete(WebhookUpdate).where(
                WebhookUpdate.done_at.is_not(None), WebhookUpdate.done_at < self.clock() - keep)))
            await s.commit()
            return int(res.rowcount or 0)

    async def run(self, *, poll: float = 1.0, prune_every: float = 3600.0) -> None:
        """Feeds until cancelled: at once when woken, else every `poll` seconds (retries, other instances' rows)."""
        loop = asyncio.get_running_loop()
        pruned_at = loop.time()
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                self.wake.clear()
                try:
                    for task in await self._start_due():
                        running.add(task)
                        task.add_done_callback(running.discard)
                    if loop.time() - pruned_at >= prune_every:
                        pruned_at = loop.time()
                        await self.prune()
                except Exception:  # the database is down: the updates wait in it (or in Telegram's queue)
                    log.warning("webhook: the inbox could not be read", exc_info=True)
                try:
                    await asyncio.wait_for(self.wake.wait(), poll)
                except TimeoutError:
                    pass
        finally:
            for task in running:  # stopped: their leases run out and another instance (or a restart) retries
                task.cancel()
