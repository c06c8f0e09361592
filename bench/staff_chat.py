"""A burst for one line chat: 200 tickets in a minute, each taken soon after, through the strict fake Bot API.

Virtual clock: the fake Telegram's rate rules, the shared limiter and the sync schedule run on it, so the
figures are what the limits allow, not how fast this machine is. Prints messages per minute to the chat and
the lag from a ticket's last change until its card shows it.

    python -m bench.staff_chat [--tickets 200] [--seconds 60] [--sync 2]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from app.root import build_root
from bot.delivery.limiter import RateLimiter
from bot.staffchat.sync import sync_cards
from core.catalog import service as catalog
from core.settings import Settings
from core.staffdesk import chats
from core.staffdesk.models import TicketCard
from core.tickets import service as tickets
from tests.e2e.harness import FakeClock, RecordingSession
from tests.factories import INCIDENT_FIELDS

CHAT = -100_900


async def run(n: int, seconds: float, every: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'b.db'}", admin_api_token="x" * 24,
                            kb_seed_sample=False, kb_meaning=False, _env_file=None)
        session = RecordingSession()
        clock = FakeClock(0.0)
        session.rules.clock = clock
        root = build_root(settings, with_api=False, bot_session=session)
        await root.startup()

        async def sleep(s: float) -> None:
            clock.advance(s)

        limiter = RateLimiter(clock=clock, sleep=sleep)
        await chats.bind(uow=root.uow(), chat_id=CHAT, group_code="line2", service_code=None)
        member = await catalog.create_staff(uow=root.uow(), line_code="line2",
                                            user={"tg_id": 5001, "full_name": "Дежурный"})
        user = await catalog.upsert_user(uow=root.uow(), tg_id=7001, full_name="Иванов Иван", login="ivanov",
                                         email="i@example.ru", region="МРФ Центр")
        changed: dict[int, float] = {}  # ticket -> virtual time of its last change
        shown: dict[int, float] = {}
        sent_at: list[float] = []
        gap, next_sync, made = seconds / n, 0.0, []
        assert root.bot is not None
        while len(made) < n or await _dirty(root) > 0:
            if len(made) < n:
                t = await tickets.register(uow=root.uow(), service_code="nttm", request_type="incident", priority=3,
                                           requester_id=user.id, fields=dict(INCIDENT_FIELDS))
                made.append(t.id)
                changed[t.id] = clock.now
                if len(made) % 2 == 0:  # every other ticket is taken a few seconds after it came
                    take = made[-2]
                    await tickets.apply_action(uow=root.uow(), ticket_id=take, action="take",
                                               actor=tickets.Actor("staff", member.id))
                    changed[take] = clock.now
                clock.advance(gap)
            else:
                clock.advance(every)
            if clock.now >= next_sync:
                before = len(session.calls)
                await sync_cards(uow=root.uow, bot=root.bot, limiter=limiter, tz=root.tz)
                for c in session.calls[before:]:
                    if c.error is None and c.name in ("sendMessage", "editMessageText"):
                        sent_at.append(clock.now)
                await _mark_shown(root, changed, shown, clock.now)
                next_sync = clock.now + every
            if clock.now > 3600:
                break
        per_minute = Counter(int(t // 60) for t in sent_at)
        lags = [shown[t] - changed[t] for t in changed if t in shown]
        refused = sum(1 for c in session.calls if c.error is not None)
        print(f"tickets={n} in {seconds:.0f} s (virtual), sync every {every} s, one chat")
        print(f"messages to the chat: {len(sent_at)} (posts+edits), refused by the fake API: {refused}")
        print("messages per minute: " + ", ".join(f"min {m}: {k}" for m, k in sorted(per_minute.items())))
        print(f"lag until a card shows its latest state: median {statistics.median(lags):.0f} s, "
              f"max {max(lags):.0f} s, all shown: {len(shown) == n}")
        await root.shutdown()


async def _dirty(root: object) -> int:
    async with root.session_factory() as s:  # type: ignore[attr-defined]
        return int(await s.scalar(select(func.count()).select_from(TicketCard).where(TicketCard.dirty.is_(True))) or 0)


async def _mark_shown(root: object, changed: dict[int, float], shown: dict[int, float], now: float) -> None:
    async with root.session_factory() as s:  # type: ignore[attr-defined]
        clean = set((await s.scalars(select(TicketCard.ticket_id).where(TicketCard.dirty.is_(False)))).all())
    for tid, at in changed.items():
        if tid in clean and (tid not in shown or shown[tid] < at):
            shown[tid] = now


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--sync", type=float, default=2.0)
    a = ap.parse_args()
    asyncio.run(run(a.tickets, a.seconds, a.sync))


if __name__ == "__main__":
    main()
