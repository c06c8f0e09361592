"""A full report dialog for many users through the real Dispatcher (recording Bot session, temp SQLite).

    .venv/bin/python -m bench.bot [--users 200] [--concurrency 1,8] [--kb-sample]

Each user: /start and the profile, then a CLM incident from the menu to «Отправить» (~20 updates, one photo).
For each concurrency (users in flight at once; each user's updates stay in order) a fresh database is used;
prints updates/second over the whole run, the p50/p95/max time to handle one update and the process CPU time per update.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import func, select

from app.root import build_root
from core.settings import Settings
from core.tickets.models import Ticket
from sandbox.rules import RATE_RULES
from tests.e2e.harness import FakeClock, RecordingSession, UpdateFactory


class BenchSession(RecordingSession):
    """Keeps only the last inline keyboard per chat (the driver presses its buttons), not every call."""

    def __init__(self) -> None:
        super().__init__()
        # the driver sends a user's updates back to back, which no person does: Telegram's send rates would
        # make every reply wait a second (429 + retry_after) and the figures would show that pacing, not the bot
        self.rules.active -= RATE_RULES
        self.keyboards: dict[int, dict[str, str]] = {}

    async def make_request(self, bot: Any, method: TelegramMethod[Any], timeout: int | None = None) -> Any:  # noqa: ASYNC109
        result = await super().make_request(bot, method, timeout)
        call = self.calls.pop()
        markup = call.params.get("reply_markup")
        if isinstance(markup, InlineKeyboardMarkup) and call.chat_id is not None:
            self.keyboards[int(call.chat_id)] = {b.text: b.callback_data or "" for row in markup.inline_keyboard
                                                 for b in row}
        return result


class Driver:
    def __init__(self, root: Any, session: BenchSession) -> None:
        self.root, self.session = root, session
        self.updates = UpdateFactory()
        self.clock = FakeClock()
        root.throttle.clock = self.clock  # users type at human speed: one update per second of fake time
        self.times: list[float] = []

    async def feed(self, update: Any) -> None:
        self.clock.advance(1.0)
        t0 = time.perf_counter()
        await self.root.dp.feed_update(self.root.bot, update)
        self.times.append(time.perf_counter() - t0)

    def button(self, uid: int, contains: str) -> str | None:
        for text, data in self.session.keyboards.get(uid, {}).items():
            if contains in text:
                return data
        return None

    async def text(self, uid: int, text: str) -> None:
        await self.feed(self.updates.message(uid, text))

    async def tap(self, uid: int, contains: str) -> None:
        data = self.button(uid, contains)
        if data is None:
            raise RuntimeError(f"user {uid}: no button {contains!r} in {list(self.session.keyboards.get(uid, {}))}")
        await self.feed(self.updates.callback(uid, data))

    async def skip_offer(self, uid: int) -> None:
        if self.button(uid, "Не помогло") is not None:
            await self.tap(uid, "Не помогло")

    async def user(self, uid: int) -> None:
        await self.text(uid, "/start")
        await self.text(uid, f"Пользователь Номер {uid}")
        await self.text(uid, f"user{uid}")
        await self.tap(uid, "МРФ Сибирь")
        await self.text(uid, "📝 Сообщить о проблеме")
        await self.tap(uid, "CLM")  # its incident asks the default details (time, how many, examples)
        await self.tap(uid, "Инцидент")
        await self.text(uid, "Открыл наряд, нажал «Закрыть наряд»")
        await self.text(uid, "Наряд закрывается")
        await self.text(uid, "Ошибка ORA-00001 unique constraint при закрытии")
        await self.skip_offer(uid)
        await self.text(uid, "сейчас")
        await self.tap(uid, "Несколько человек")
        await self.text(uid, f"наряд {uid}")
        await self.tap(uid, "Пропустить")
        await self.feed(self.updates.message(uid, None, photo=True))
        await self.tap(uid, "Готово")
        await self.tap(uid, "Да")
        await self.tap(uid, "Нет")
        await self.tap(uid, "Согласен")
        await self.tap(uid, "Отправить")
        await self.skip_offer(uid)


async def _run(users: int, concurrency: int, kb_sample: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
                            admin_api_token="bench-admin-token-0123456789", bot_token=None,
                            kb_seed_sample=kb_sample, _env_file=None)
        session = BenchSession()
        root = build_root(settings, with_api=False, bot_session=session)
        await root.startup()
        driver = Driver(root, session)
        sem = asyncio.Semaphore(concurrency)

        async def one(uid: int) -> None:
            async with sem:
                await driver.user(uid)

        load_before = os.getloadavg()[0]
        t0, cpu0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(100_000 + i) for i in range(users)))
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        async with root.session_factory() as s:
            made = await s.scalar(select(func.count()).select_from(Ticket))
        await root.shutdown()
    n = len(driver.times)
    ms = sorted(t * 1000 for t in driver.times)
    print(f"users={users} concurrency={concurrency} kb_sample={kb_sample} updates={n} tickets={made}")
    print(f"throughput: {n / wall:.0f} updates/s (wall {wall:.2f} s)")
    print(f"handling time per update: p50 {statistics.median(ms):.1f} ms, p95 {ms[int(0.95 * (n - 1))]:.1f} ms, "
          f"max {ms[-1]:.1f} ms")
    # the machine is shared: CPU time and the load average tell how much of the wall time was waiting
    print(f"process CPU time per update {cpu / n * 1000:.2f} ms (main + aiosqlite threads); "
          f"load average before/after {load_before:.2f}/{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if made != users:
        raise SystemExit(f"expected {users} tickets, got {made}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--concurrency", default="1,8", help="comma-separated list, one run each")
    p.add_argument("--kb-sample", action="store_true", help="seed the sample knowledge base (articles are offered)")
    a = p.parse_args()
    os.environ.setdefault("TZ", "UTC")
    for c in (int(x) for x in a.concurrency.split(",")):
        asyncio.run(_run(a.users, c, a.kb_sample))


if __name__ == "__main__":
    main()
