"""The outbox delivery worker: at least once, de-duplicated by (event id, chat), within Telegram's limits.

Per target: a `bot_deliveries` row is claimed as "sending" BEFORE the send and set to "sent" after it.
A crash between the two leaves "sending": after `stale_after` seconds it is sent again (at least once;
the only window for a duplicate). A "sent" row is never sent again, so a restart between the send
and marking the event published repeats nothing. The event is published when every target is settled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.delivery.limiter import RateLimiter, Sleep
from bot.delivery.planning import DeliveryContext, Target, planners
from bot.models import SETTLED, Delivery, DeliveryStatus
from bot.telegram import send_one, split_text
from core.catalog.models import User
from core.db import utcnow
from core.outbox.models import OutboxEvent

log = logging.getLogger(__name__)

GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid")
MAX_EVENT_ATTEMPTS = 20


@dataclass
class DeliveryStats:
    events: int = 0
    published: int = 0
    sent: int = 0
    already_sent: int = 0
    blocked: int = 0
    failed: int = 0
    deferred: int = 0
    paused_s: float = 0.0


class _Deferred(Exception):
    """Telegram stayed unavailable: leave the event for the next poll."""


@dataclass
class _Ctx:
    delivery: DeliveryContext
    limiter: RateLimiter
    sleep: Sleep
    stats: DeliveryStats
    max_attempts: int
    backoff: float
    stale_after: float


async def deliver_pending(*, delivery: DeliveryContext, limit: int = 100, sleep: Sleep = asyncio.sleep,
                          clock: Callable[[], float] | None = None, limiter: RateLimiter | None = None,
                          max_attempts: int = 4, backoff: float = 0.5, stale_after: float = 60.0) -> DeliveryStats:
    """Delivers up to `limit` unpublished outbox events in id order; returns what happened."""
    stats = DeliveryStats()
    if limiter is None:
        if clock is None and sleep is asyncio.sleep:
            limiter = delivery.limiter
        else:
            limiter = RateLimiter(clock=clock or time.monotonic, sleep=sleep)
    ctx = _Ctx(delivery, limiter, sleep, stats, max_attempts, backoff, stale_after)
    async with delivery.session_factory() as s:
        events = list((await s.scalars(select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                                       .order_by(OutboxEvent.id).limit(limit))).all())
    for ev in events:
        stats.events += 1
        async with delivery.session_factory() as s:
            targets = [t for plan in planners(delivery) for t in await plan(s, ev, delivery)]
        try:
            settled = [await _deliver(ctx, ev.id, t) for t in targets]
        except _Deferred:
            stats.deferred += 1
            await _finish(ctx, ev, published=False, failed=True)
            break  # Telegram is down for now; the rest of the batch would fail the same way
        if all(settled):
            await _finish(ctx, ev, published=True)
    return stats


async def _finish(ctx: _Ctx, ev: OutboxEvent, *, published: bool, failed: bool = False) -> None:
    """Publishes a settled event; a failed poll counts an attempt (too many: given up, so the queue moves)."""
    give_up = failed and ev.attempts + 1 >= MAX_EVENT_ATTEMPTS
    if give_up:
        log.error("outbox event %s (%s) undeliverable after %s polls: given up", ev.id, ev.topic, ev.attempts + 1)
    async with ctx.delivery.session_factory() as s:
        values = {"published_at": utcnow()} if published or give_up else {"attempts": OutboxEvent.attempts + 1}
        await s.execute(update(OutboxEvent).where(OutboxEvent.id == ev.id).values(**values))
        await s.commit()
    if published or give_up:
        ctx.stats.published += 1


async def _claim(ctx: _Ctx, event_id: int, t: Target) -> str:
    """'claimed' (we send now), 'done' (settled before) or 'busy' (being sent elsewhere, recently)."""
    now = utcnow()
    async with ctx.delivery.session_factory() as s:
        row = await s.scalar(select(Delivery).where(Delivery.event_id == event_id, Delivery.chat_id == t.chat_id))
        if row is None:
            s.add(Delivery(event_id=event_id, chat_id=t.chat_id, user_id=t.user_id, status=DeliveryStatus.sending,
                           attempts=1, created_at=now, updated_at=now))
            try:
                await s.commit()
                return "claimed"
            except IntegrityError:
                return "busy"
        if row.status in SETTLED:
            return "done"
        if row.status == DeliveryStatus.sending and row.updated_at > now - timedelta(seconds=ctx.stale_after):
            return "busy"
        row.status, row.attempts, row.updated_at = DeliveryStatus.sending, row.attempts + 1, now
        await s.commit()
        return "claimed"


async def _settle(ctx: _Ctx, event_id: int, t: Target, status: str, error: str | None = None) -> None:
    async with ctx.delivery.session_factory() as s:
        await s.execute(update(Delivery).where(Delivery.event_id == event_id, Delivery.chat_id == t.chat_id)
                        .values(status=status, error=(error or "")[:500] or None, updated_at=utcnow()))
        if status == DeliveryStatus.blocked and t.user_id is not None:
            # the ticket stays as it is; only further pushes to this user stop
            await s.execute(update(User).where(User.id == t.user_id).values(unreachable=True))
        await s.commit()


async def _deliver(ctx: _Ctx, event_id: int, t: Target) -> bool:
    """Sends one target; True when settled (sent, blocked or failed for good)."""
    claim = await _claim(ctx, event_id, t)
    if claim == "done":
        ctx.stats.already_sent += 1
        return True
    if claim == "busy":
        return False
    pieces = split_text(t.text)
    done, errors, pauses = 0, 0, 0
    bot = ctx.delivery.bot
    while done < len(pieces):
        await ctx.limiter.acquire(t.chat_id)
        markup = t.markup if done == len(pieces) - 1 else None
        try:
            await send_one(bot, t.chat_id, pieces[done], reply_markup=markup)
            done += 1  # a retry resumes after the pieces already sent
        except TelegramRetryAfter as exc:
            pauses += 1
            ctx.stats.paused_s += exc.retry_after
            log.warning("429 from Telegram: the whole worker pauses %ss", exc.retry_after)
            await ctx.limiter.pause(exc.retry_after)
            if pauses > 5:
                await _settle(ctx, event_id, t, DeliveryStatus.retry, str(exc))
                raise _Deferred from exc
        except TelegramForbiddenError as exc:
            return await _gone(ctx, event_id, t, exc.message)
        except TelegramBadRequest as exc:
            if any(g in exc.message.lower() for g in GONE):
                return await _gone(ctx, event_id, t, exc.message)
            log.error("delivery of event %s to %s refused: %s", event_id, t.chat_id, exc.message)
            ctx.stats.failed += 1
            await _settle(ctx, event_id, t, DeliveryStatus.failed, exc.message)
            return True
        except (TelegramNetworkError, TelegramServerError) as exc:
            errors += 1
            if errors >= ctx.max_attempts:
                log.warning("delivery of event %s deferred after %s errors: %s", event_id, errors, exc)
                await _settle(ctx, event_id, t, DeliveryStatus.retry, str(exc))
                raise _Deferred from exc
            await ctx.sleep(ctx.backoff * 2 ** (errors - 1))
    ctx.stats.sent += 1
    await _settle(ctx, event_id, t, DeliveryStatus.sent)
    return True


async def _gone(ctx: _Ctx, event_id: int, t: Target, reason: str) -> bool:
    log.info("chat %s unreachable (%s): user marked unreachable", t.chat_id, reason)
    ctx.stats.blocked += 1
    await _settle(ctx, event_id, t, DeliveryStatus.blocked, reason)
    return True
