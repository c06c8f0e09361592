"""What the broadcast tests share: many users at once, a sender on the harness's fake clock, counters."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.broadcast import BroadcastSender
from bot.delivery.limiter import RateLimiter
from core.broadcasts import service
from core.broadcasts.models import BroadcastRecipient
from core.catalog.models import User
from tests.e2e.harness import BotHarness

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def users(h: BotHarness, n: int, *, first_tg: int = 700_000) -> list[int]:
    """n reachable Telegram users; returns their chat ids."""
    async with h.root.session_factory() as s:
        s.add_all([User(tg_id=first_tg + i, full_name=f"U{i}", login=f"bc{first_tg + i}") for i in range(n)])
        await s.commit()
    return [first_tg + i for i in range(n)]


def fake_now(h: BotHarness) -> Any:
    """The database clock moving with the harness's monotonic fake clock."""
    start = h.clock.now
    return lambda: T0 + timedelta(seconds=h.clock.now - start)


def sender(h: BotHarness, *, rate: float = 25.0, limiter: RateLimiter | None = None, **kw: Any) -> BroadcastSender:
    async def sleep(seconds: float) -> None:
        h.clock.advance(seconds)
        await asyncio.sleep(0)

    lim = limiter or RateLimiter(rate=rate, burst=max(1, int(rate / 5)), clock=h.clock, sleep=sleep, window=True)
    assert h.root.bot is not None
    kw.setdefault("max_chunk", 5)  # small claims: the chunk-by-chunk tests count in fives
    return BroadcastSender(bot=h.root.bot, session_factory=h.root.session_factory, limiter=lim, tz=h.root.tz,
                           now=kw.pop("now", fake_now(h)), **kw)


async def broadcast_to_all(h: BotHarness, text: str = "Плановые работы в <b>NTTM</b> завтра", **kw: Any) -> int:
    return await service.create_broadcast(uow=h.root.uow(), kind="notice", texts={"ru": text},
                                          audience=service.users_audience(select(User.id)), **kw)


def sends(h: BotHarness) -> Counter[int]:
    """Successful sendMessage calls per chat (what Telegram delivered)."""
    return Counter(int(c.chat_id) for c in h.session.calls if c.name == "sendMessage" and c.error is None)


async def rows(h: BotHarness, broadcast_id: int) -> dict[int, BroadcastRecipient]:
    async with h.root.session_factory() as s:
        got = (await s.scalars(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)))
        return {r.chat_id: r for r in got.all()}


async def run_until_done(snd: BroadcastSender, h: BotHarness, *, rounds: int = 200) -> None:
    """Sender runs as the scheduler makes them, with the clock moving on between runs (backoffs expire)."""
    from core.broadcasts import ledger

    for _ in range(rounds):
        await snd.run(budget=1e9)
        if not await ledger.active_ids(h.root.session_factory):
            return
        h.clock.advance(1.0)
    raise AssertionError("broadcast did not finish")
