"""Broadcast throughput and rate keeping (recording Bot session, temp SQLite).

    .venv/bin/python -m bench.broadcast [--users 100000] [--paced 2000] [--rate 25] [--database-url URL]

1. `--users` recipients with the rate limit lifted: rows written (INSERT … SELECT), messages per second, and the
   process's peak RSS before and while sending (flat: rows are claimed 500 at a time, never all loaded).
2. `--paced` recipients under the production limiter at `--rate`: the achieved rate (first to last send) and the
   most sends seen in any 1-second window (never above the rate).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram.methods import TelegramMethod
from sqlalchemy import insert, select

from app.root import build_root
from bot.broadcast import BroadcastSender
from bot.delivery.limiter import RateLimiter
from core.broadcasts import ledger, service
from core.catalog.models import User
from core.settings import Settings
from tests.e2e.harness import RecordingSession


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class CountingSession(RecordingSession):
    """Answers like the Bot API, keeps no call, counts sends per chat and stamps them."""

    def __init__(self, *, stamps: bool) -> None:
        super().__init__()
        self.sent = 0
        self.per_chat: dict[int, int] = {}
        self.stamps: list[float] | None = [] if stamps else None

    async def make_request(self, bot: Any, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109
        arrived = time.monotonic()  # when the request reaches "Telegram"
        result = await super().make_request(bot, method, timeout)
        self.calls.pop()
        if method.__api_method__ == "sendMessage":
            self.sent += 1
            chat = int(dict(method)["chat_id"])
            self.per_chat[chat] = self.per_chat.get(chat, 0) + 1
            if self.stamps is not None:
                self.stamps.append(arrived)
        return result


async def run(url: str, *, users: int, rate: float | None) -> dict[str, Any]:
    session = CountingSession(stamps=rate is not None)
    if rate is None:
        session.relax("global_rate", "chat_rate", "group_rate")
    settings = Settings(database_url=url, admin_api_token="bench-token-0123456789", bot_token=None,
                        kb_seed_sample=False, _env_file=None)
    root = build_root(settings, with_api=False, bot_session=session)
    await root.startup()
    try:
        async with root.engine.begin() as conn:
            for start in range(0, users, 5000):
                await conn.execute(insert(User), [{"tg_id": 10_000_000 + i, "full_name": f"U{i}", "login": f"b{i}",
                                                   "locale": "ru", "unreachable": False, "profile_complete": True}
                                                  for i in range(start, min(users, start + 5000))])
        t0 = time.perf_counter()
        await service.create_broadcast(uow=root.uow(), kind="notice", texts={"ru": "Плановые работы <b>NTTM</b>"},
                                       audience=service.users_audience(select(User.id)))
        written = time.perf_counter() - t0
        limiter = (RateLimiter(rate=rate, burst=max(1, int(rate / 5)), window=True) if rate is not None
                   else RateLimiter(rate=1e9, burst=10**9))
        assert root.bot is not None
        sender = BroadcastSender(bot=root.bot, session_factory=root.session_factory, limiter=limiter)
        base = rss_mb()
        peak = base

        async def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, rss_mb())
                await asyncio.sleep(0.2)

        sampler = asyncio.create_task(sample())
        t0 = time.perf_counter()
        while await ledger.active_ids(root.session_factory):
            await sender.run(budget=1e9)
        elapsed = time.perf_counter() - t0
        sampler.cancel()
        return {"session": session, "written": written, "elapsed": elapsed, "base": base, "peak": peak}
    finally:
        await root.shutdown()


def worst_window(stamps: list[float]) -> int:
    """The most sends in any half-open 1-second window starting at a send."""
    best, j = 0, 0
    for i, t in enumerate(stamps):
        while j < len(stamps) and stamps[j] < t + 1.0:
            j += 1
        best = max(best, j - i)
    return best


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--paced", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=25.0)
    ap.add_argument("--database-url", default=None, help="an EMPTY database (default: a temp SQLite file)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'a.db'}"
        r = await run(url, users=args.users, rate=None)
        s: CountingSession = r["session"]
        once = sum(1 for n in s.per_chat.values() if n == 1)
        print(f"{args.users} recipients, rate limit lifted: rows written in {r['written']:.2f} s; {s.sent} sent in "
              f"{r['elapsed']:.1f} s = {s.sent / r['elapsed']:.0f} messages/s; each told once: {once == args.users}; "
              f"RSS {r['base']:.0f} MB before sending, peak {r['peak']:.0f} MB while sending")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'b.db'}"
        r = await run(url, users=args.paced, rate=args.rate)
        s = r["session"]
        st = s.stamps or []
        achieved = (len(st) - 1) / (st[-1] - st[0]) if len(st) > 1 else 0.0
        print(f"{args.paced} recipients at {args.rate:g}/s: {s.sent} sent, achieved {achieved:.2f} messages/s "
              f"({(achieved / args.rate - 1) * 100:+.1f}% of the setting), most in any 1-second window: "
              f"{worst_window(st)}")


if __name__ == "__main__":
    asyncio.run(main())
