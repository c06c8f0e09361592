"""Outbox delivery throughput: messages per second the worker sends (recording Bot session, temp SQLite).

    .venv/bin/python -m bench.delivery [--events 300] [--latency 0,0.03] [--database-url URL]

Each event goes to a different requester (so the per-chat gap never binds). For each simulated Bot API
latency (seconds per sendMessage; 0 = answers instantly) a fresh database is used; prints messages/second
under the production limiter (30/s, burst 30) and with the limiter out of the way (rate 10^6/s), which is the
worker's own ceiling (bookkeeping + planning).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram.methods import TelegramMethod

from app.root import build_root
from bot.delivery import RateLimiter, deliver_pending
from core.catalog.models import User
from core.outbox.models import OutboxEvent
from core.settings import Settings
from tests.e2e.harness import RecordingSession


class SlowSession(RecordingSession):
    """Answers after `latency` seconds (real sleeping: Telegram's round trip) and keeps no calls."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.sent = 0

    async def make_request(self, bot: Any, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109
        if self.latency:
            await asyncio.sleep(self.latency)
        result = await super().make_request(bot, method, timeout)
        self.calls.pop()
        self.sent += method.__api_method__ == "sendMessage"
        return result


async def _seed(root: Any, n: int) -> None:
    async with root.session_factory() as s:
        users = [User(tg_id=500_000 + i, full_name=f"U{i}", login=f"u{i}", locale="ru") for i in range(n)]
        s.add_all(users)
        await s.flush()
        s.add_all([OutboxEvent(topic="ticket.take", ticket_id=i + 1,
                               payload={"requester_id": u.id, "number": f"INC-{i:05d}", "ticket_id": i + 1,
                                        "actor_kind": "staff", "actor_id": 1}) for i, u in enumerate(users)])
        await s.commit()


async def run_one(url: str, *, events: int, latency: float, rate: float) -> tuple[int, float]:
    session = SlowSession(latency)
    settings = Settings(database_url=url, admin_api_token="bench-token-0123456789", bot_token=None,
                        kb_seed_sample=False, _env_file=None)
    root = build_root(settings, with_api=False, bot_session=session)
    await root.startup()
    try:
        await _seed(root, events)
        limiter = RateLimiter(rate=rate, burst=30)
        t0 = time.perf_counter()
        while session.sent < events:
            before = session.sent
            await deliver_pending(delivery=root.delivery, limit=100, limiter=limiter)
            if session.sent == before:
                raise RuntimeError("the worker sent nothing in a poll")
        return session.sent, time.perf_counter() - t0
    finally:
        await root.shutdown()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=300)
    ap.add_argument("--latency", default="0,0.03", help="comma-separated seconds per API call")
    ap.add_argument("--database-url", default=None, help="an EMPTY database (default: a temp SQLite file)")
    args = ap.parse_args()
    print(f"delivery of {args.events} notices to {args.events} chats")
    for latency in [float(x) for x in args.latency.split(",")]:
        for label, rate in (("limiter 30/s", 30.0), ("no limiter", 1e6)):
            with tempfile.TemporaryDirectory() as tmp:
                url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
                sent, elapsed = await run_one(url, events=args.events, latency=latency, rate=rate)
            print(f"  latency {latency * 1000:4.0f} ms, {label:13}: {sent} sent in {elapsed:6.2f} s = "
                  f"{sent / elapsed:7.1f} messages/s")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    asyncio.run(main())
