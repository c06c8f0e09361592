"""The broadcast sender: small claims, one API call per row, outcomes committed per chunk.

What each Telegram answer means for a row: sent (message id kept; a staff chat's notice is pinned); 429 →
every sender of the process waits out `retry_after` (the limiter's one flood deadline, which only grows) and
the row is given back; 403 or a gone chat → blocked, the user marked unreachable, never retried; a 400 of
the text's markup → resent once as plain text (bot.telegram.send_one); any other 400 → failed with Telegram's
reason; 5xx, network and unexpected errors → given back with a growing backoff, failed after `max_attempts`.
Broadcasts acquire the limiter at low priority: ticket notices waiting at the same moment go first.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.broadcast.progress as progress
from bot.delivery.limiter import RateLimiter
from bot.delivery.send import GONE
from bot.telegram import send_one, split_text
from core.broadcasts import ledger
from core.broadcasts.ledger import Claimed, Outcome
from core.broadcasts.models import RecipientStatus as R
from core.db import utcnow

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)
# one claim is what the rate sends in this long: fewer database round trips per send (the rate is kept within
# ~1.5% under load), and at most two claims (2 s of sends) are ever `sending` for a crash to leave uncertain
REST_PAUSES = 5  # 429s waited out on a later part of a long notice before the row is given back
CLAIM_SECONDS = 0.25  # small claims: a kill -9 leaves at most two of them (in flight or unsettled) uncertain


@dataclass
class SenderStats:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    recovered_uncertain: int = 0
    finished: list[int] = field(default_factory=list)


@dataclass
class BroadcastSender:
    """One per process (its first run turns rows a crash left `sending` into `uncertain`)."""

    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    limiter: RateLimiter
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))
    now: Callable[[], datetime] = utcnow  # the database's clock (backoff instants, progress edits)
    max_attempts: int = 5
    backoff: float = 2.0  # seconds before the first retry of a row, doubled each time
    concurrency: int = 64
    max_chunk: int = 500
    progress_every: float = 10.0
    allow_paid: bool = False
    recovered: bool = False
    _stop: str | None = None

    def chunk_size(self) -> int:
        """What the rate lets go in CLAIM_SECONDS (two of these are the most rows a crash leaves uncertain)."""
        return max(1, min(self.max_chunk, int(self.limiter.rate * CLAIM_SECONDS)))

    async def run(self, *, budget: float = 50.0, max_chunks: int | None = None) -> SenderStats:
        """Sends due rows of every running broadcast for up to `budget` seconds (or `max_chunks` chunks)."""
        stats = SenderStats()
        if not self.recovered:
            stats.recovered_uncertain = await ledger.recover(self.session_factory)
            if stats.recovered_uncertain:
                log.warning("%s broadcast rows were being sent when the process stopped: marked uncertain "
                            "(maybe delivered, never resent)", stats.recovered_uncertain)
            self.recovered = True
        started, chunks, self._stop = time.monotonic(), 0, None
        # the next chunk is claimed while the current one is being sent, so the database round trips never
        # leave the rate idle: at most two chunks are ever `sending` (what a crash can leave uncertain)
        inflight: asyncio.Task[None] | None = None
        looked = 0.0
        try:
            while time.monotonic() - started < budget and (max_chunks is None or chunks < max_chunks):
                ids = await ledger.active_ids(self.session_factory)
                if not ids:
                    break
                rows = await ledger.claim(self.session_factory, ids, limit=self.chunk_size(), now=self.now)
                if inflight is not None:
                    await inflight
                    inflight = None
                if rows:
                    chunks += 1
                    stats.claimed += len(rows)
                    inflight = asyncio.create_task(self._send_chunk(rows, stats))
                if not rows or self._stop is not None or time.monotonic() - looked >= 1.0:
                    looked = time.monotonic()
                    for bid in ids:
                        await self._after(bid, stats)
                if self._stop is not None:
                    log.warning("broadcasts paused: %s", self._stop)
                    break
                if not rows:
                    break  # only rows waiting for their backoff: the next run takes them
            if inflight is not None:
                await inflight
                inflight = None
                for bid in await ledger.active_ids(self.session_factory):
                    await self._after(bid, stats)
        finally:
            if inflight is not None and not inflight.done():
                inflight.cancel()  # the run itself was cancelled: its sends stop where they are
        return stats

    async def _send_chunk(self, rows: list[Claimed], stats: SenderStats) -> None:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(row: Claimed) -> Outcome:
            async with gate:
                return await self._send(row)

        outcomes = await asyncio.gather(*(one(r) for r in rows))
        await ledger.settle(self.session_factory, outcomes)
        for o in outcomes:
            if o.status == R.sent:
                stats.sent += 1
            elif o.status == R.failed:
                stats.failed += 1
            elif o.status == R.blocked:
                stats.blocked += 1
            else:
                stats.retried += 1

    async def _after(self, broadcast_id: int, stats: SenderStats) -> None:
        if await ledger.finish_if_done(self.session_factory, broadcast_id):
            stats.finished.append(broadcast_id)
            await progress.report(self, broadcast_id, final=True)
        else:
            await progress.report(self, broadcast_id, final=False)

    def _retry(self, row: Claimed, reason: str) -> Outcome:
        attempts = row.attempts + 1
        if attempts >= self.max_attempts:
            log.warning("broadcast row %s to %s failed after %s attempts: %s", row.id, row.chat_id, attempts, reason)
            return Outcome(row.id, R.failed, error=reason, attempts=attempts)
        delay = self.backoff * 2 ** (attempts - 1)
        return Outcome(row.id, R.pending, error=reason, attempts=attempts,
                       not_before=self.now() + timedelta(seconds=delay))

    async def _send(self, row: Claimed) -> Outcome:
        if self._stop is not None:
            return Outcome(row.id, R.pending, error=self._stop, attempts=row.attempts)
        chat, moved = row.chat_id, False
        while True:
            await self.limiter.acquire(chat, low=True, tracked=True)
            try:
                extra: dict[str, Any] = {"allow_paid_broadcast": True} if self.allow_paid else {}
                pieces = split_text(row.text)
                try:
                    first = await send_one(self.bot, chat, pieces[0], **extra)
                finally:
                    self.limiter.done()
                for piece in pieces[1:]:  # a long notice: the rest follows (rare; broadcasts are short)
                    await self._rest(chat, piece, extra)
                message_id = first[0].message_id if first else None
                if row.pin and message_id is not None:
                    await self._pin(chat, message_id)
                if row.unpin is not None:
                    await self._pin(chat, row.unpin, unpin=True)
                return Outcome(row.id, R.sent, message_id=message_id, attempts=row.attempts + 1,
                               chat_id=chat if moved else None)
            except TelegramRetryAfter as exc:
                log.warning("429 from Telegram: every sender pauses %ss", exc.retry_after)
                await self.limiter.pause(exc.retry_after)
                return Outcome(row.id, R.pending, error=exc.message, attempts=row.attempts)
            except TelegramMigrateToChat as exc:
                if moved:
                    return Outcome(row.id, R.failed, error=exc.message, attempts=row.attempts + 1)
                chat, moved = exc.migrate_to_chat_id, True
            except TelegramForbiddenError as exc:
                return Outcome(row.id, R.blocked, error=exc.message, attempts=row.attempts + 1, user_id=row.user_id)
            except TelegramBadRequest as exc:
                if any(g in exc.message.lower() for g in GONE):
                    return Outcome(row.id, R.blocked, error=exc.message, attempts=row.attempts + 1,
                                   user_id=row.user_id)
                return Outcome(row.id, R.failed, error=exc.message, attempts=row.attempts + 1)
            except (TelegramUnauthorizedError, TelegramNotFound) as exc:
                self._stop = f"Telegram refuses the bot token or the API address: {exc.message}"
                return Outcome(row.id, R.pending, error=exc.message, attempts=row.attempts)
            except (TelegramNetworkError, TelegramServerError) as exc:
                return self._retry(row, f"{type(exc).__name__}: {exc.message}")
            except TelegramAPIError as exc:
                return self._retry(row, f"{type(exc).__name__}: {exc.message}")

    async def _rest(self, chat: int, piece: str, extra: dict[str, Any]) -> None:
        """A later part of a long notice: its first part is in the chat, so a 429 is waited out here and the
        part sent again, never the row given back (the next pass would send the first part a second time)."""
        for _ in range(REST_PAUSES):
            await self.limiter.acquire(chat, low=True, tracked=True)
            try:
                await send_one(self.bot, chat, piece, **extra)
                return
            except TelegramRetryAfter as exc:
                log.warning("429 from Telegram on a later part: every sender pauses %ss", exc.retry_after)
                await self.limiter.pause(exc.retry_after)
            finally:
                self.limiter.done()
        await self.limiter.acquire(chat, low=True, tracked=True)
        try:  # the last try: what it raises settles the row as any other answer does
            await send_one(self.bot, chat, piece, **extra)
        finally:
            self.limiter.done()

    async def _pin(self, chat: int, message_id: int, *, unpin: bool = False) -> None:
        try:
            await self.limiter.acquire(chat, low=True)
            if unpin:
                await self.bot.unpin_chat_message(chat_id=chat, message_id=message_id)
            else:
                await self.bot.pin_chat_message(chat_id=chat, message_id=message_id, disable_notification=True)
        except TelegramAPIError as exc:  # no right to pin: the notice itself is there, which is what matters
            log.warning("could not pin message %s in chat %s: %s", message_id, chat, exc)
