"""The outbox delivery worker: at least once, de-duplicated by (event id, chat), within Telegram's limits.

Per target: a `bot_deliveries` row is claimed as "sending" BEFORE the send and set to "sent" after it.
A crash between the two leaves "sending": after `stale_after` seconds it is sent again (at least once;
the only window for a duplicate). A "sent" row is never sent again, so a restart between the send
and marking the event published repeats nothing. The event is published when every target is settled;
an event waits for as long as Telegram is unavailable: nothing is given up for a transient reason.

Throughput: one poll claims all its targets in one transaction, sends them concurrently (one lane per chat,
so one chat's notices keep their order, lanes in parallel under the limiter) and settles them by group commit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery import ledger
from bot.delivery.limiter import RateLimiter, Sleep
from bot.delivery.planning import DeliveryContext, Target, planners, prefetch
from bot.delivery.send import WORKER, Poll, send_target
from core.outbox.models import HELD, SETTLED, DeliveryStatus, OutboxEvent

log = logging.getLogger(__name__)

LANE_SECONDS = 20.0  # one poll sends a chat at most this much of its per-chat budget; the rest waits a poll


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
    commits: int = 0


async def deliver_pending(*, delivery: DeliveryContext, limit: int = 100, sleep: Sleep = asyncio.sleep,
                          clock: Callable[[], float] | None = None, limiter: RateLimiter | None = None,
                          max_attempts: int = 4, backoff: float = 0.5, stale_after: float = 60.0,
                          concurrency: int = 32) -> DeliveryStats:
    """Delivers up to `limit` unpublished outbox events in id order; returns what happened."""
    stats = DeliveryStats()
    if limiter is None:
        if clock is None and sleep is asyncio.sleep:
            limiter = delivery.limiter
        else:
            limiter = RateLimiter(clock=clock or time.monotonic, sleep=sleep)
    if limiter.backoff.wait(WORKER) > 0:
        return stats  # Telegram is down or refuses the token: not before the backoff ends
    async with delivery.session_factory() as s:
        events = list((await s.scalars(select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
                                       .order_by(OutboxEvent.id).limit(limit))).all())
        plans = await _plan(delivery, s, events)
    stats.events = len(events)
    poll = Poll(bot=delivery.bot, limiter=limiter, sleep=sleep, max_attempts=max_attempts, backoff=backoff)
    wanted = _admit(limiter, plans)
    claims = await ledger.claim(delivery.session_factory, wanted, stale_after=stale_after)
    lanes: dict[int, list[tuple[int, Target, int]]] = {}
    commit = ledger.GroupCommit(delivery.session_factory)
    settled: set[tuple[int, int]] = {key for key, c in claims.items() if c == "done"}
    for event_id, t in wanted:
        claim = claims[(event_id, t.chat_id)]
        if claim == "done":
            stats.already_sent += 1
        elif isinstance(claim, int) and t.held is not None:
            # kept as pending for that chat; the event itself goes on (rebinding the chat reopens it)
            await commit.add(ledger.Outcome(event_id, t, claim, DeliveryStatus.retry, HELD + t.held))
            settled.add((event_id, t.chat_id))
        elif isinstance(claim, int) and t.wait is not None:  # not yet (its topic is being made): next poll
            await commit.add(ledger.Outcome(event_id, t, claim, DeliveryStatus.retry, t.wait))
        elif isinstance(claim, int):
            lanes.setdefault(t.chat_id, []).append((event_id, t, claim))
    gate = asyncio.Semaphore(concurrency)

    async def lane(items: list[tuple[int, Target, int]]) -> None:
        async with gate:
            for i, (event_id, t, delivery_id) in enumerate(items):
                res = await send_target(poll, event_id, t)
                await commit.add(ledger.Outcome(event_id, t, delivery_id, res.status, res.error, res.new_chat_id))
                _count(stats, res.status)
                if res.status in SETTLED or (res.error or "").startswith(HELD):
                    settled.add((event_id, t.chat_id))
                else:  # one chat's notices keep their order: the rest of this chat waits for the next poll
                    for later_event, later, later_id in items[i + 1:]:
                        await commit.add(ledger.Outcome(later_event, later, later_id, DeliveryStatus.retry,
                                                        "waits for an earlier notice to this chat"))
                    return

    await asyncio.gather(*(lane(items) for items in lanes.values()))
    await commit.flush()
    stats.commits = commit.commits
    stats.paused_s = poll.paused_s
    done = [ev.id for ev in events if ev.id in plans and all((ev.id, t.chat_id) in settled for t in plans[ev.id])]
    waiting = [ev.id for ev in events if ev.id not in done]
    await ledger.finish(delivery.session_factory, published=done, pending=waiting)
    stats.published, stats.deferred = len(done), len(waiting)
    return stats


async def _plan(ctx: DeliveryContext, s: AsyncSession, events: list[OutboxEvent]) -> dict[int, list[Target]]:
    """Targets per event (one chat once per event); an event whose planner fails is left for the next poll."""
    keep = await prefetch(s, events)  # noqa: F841 (holds the users in the identity map while planning)
    plans: dict[int, list[Target]] = {}
    for ev in events:
        try:
            targets = [t for plan in planners(ctx) for t in await plan(s, ev, ctx)]
        except Exception:
            log.exception("planning outbox event %s (%s) failed: left for the next poll", ev.id, ev.topic)
            continue
        unique: dict[int, Target] = {}
        for t in targets:
            unique.setdefault(t.chat_id, t)  # two planners naming one chat: it gets the notice once
        plans[ev.id] = list(unique.values())
    return plans


def _admit(limiter: RateLimiter, plans: dict[int, list[Target]]) -> list[tuple[int, Target]]:
    """This poll's targets: not in their own backoff, and at most LANE_SECONDS of each chat's budget."""
    per_chat: dict[int, int] = {}
    blocked_chats: set[int] = set()
    wanted: list[tuple[int, Target]] = []
    for event_id, targets in plans.items():
        for t in targets:
            if t.chat_id in blocked_chats:
                continue
            if limiter.backoff.wait((event_id, t.chat_id)) > 0:
                blocked_chats.add(t.chat_id)  # later notices to this chat wait behind it
                continue
            n = per_chat.get(t.chat_id, 0)
            if t.held is None and n * limiter.gap(t.chat_id) >= LANE_SECONDS:
                continue
            per_chat[t.chat_id] = n + (t.held is None and t.wait is None)
            wanted.append((event_id, t))
    return wanted


def _count(stats: DeliveryStats, status: str) -> None:
    if status == DeliveryStatus.sent:
        stats.sent += 1
    elif status == DeliveryStatus.blocked:
        stats.blocked += 1
    elif status == DeliveryStatus.failed:
        stats.failed += 1
