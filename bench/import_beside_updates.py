"""Bot update latency while a large knowledge-base import runs through the admin API (one process, temp SQLite).

    .venv/bin/python -m bench.import_beside_updates [--articles 5000] [--users 8] [--modes alone,one-txn,batched]

Users go through the report dialog (bench.bot's driver, recording Bot session), `--users` at once, for as long
as the import takes (mode `alone`: for a fixed number of dialogs, no import). Meanwhile a prober asks
`GET /api/v1/kb/articles?per_page=1` every 100 ms (a read: on SQLite it is served by the reader pool).
Modes:
- `alone`: no import, the baseline;
- `one-txn`: the import as one transaction (batch size above the article count: how it was before);
- `batched`: the import as shipped (kb.bulk.BATCH articles per transaction).
Prints per mode: update p50/p95/p99/max, API read p95/max, the import's wall time.
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

import httpx

from app.root import build_root
from bench.bot import BenchSession, Driver
from core.settings import Settings
from kb import bulk

TOKEN = "bench-admin-token-0123456789"


class OfferSkippingDriver(Driver):
    """bench.bot's dialog; an article offered at any step (the imported ones match its texts) is declined first."""

    async def tap(self, uid: int, contains: str) -> None:
        if self.button(uid, contains) is None and self.button(uid, "Не помогло") is not None:
            await super().tap(uid, "Не помогло")
        await super().tap(uid, contains)


def articles(n: int) -> dict[str, Any]:
    body = ("Если не открывается карточка абонента, проверьте доступ к сети и перезапустите клиент. "
            "Очистите кэш браузера, затем войдите снова. ") * 12
    return {"articles": [{"title": f"Статья номер {i}: ошибка модуля {i % 97}", "body": f"<p>{body} Код {i}.</p>",
                          "tags": [f"модуль{i % 97}", "ошибка"], "status": "published"} for i in range(n)]}


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * (len(s) - 1)))] if s else float("nan")


async def run(mode: str, n_articles: int, users: int, alone_dialogs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", admin_api_token=TOKEN,
                            bot_token=None, kb_seed_sample=True, _env_file=None)
        session = BenchSession()
        root = build_root(settings, bot_session=session)
        await root.startup()
        driver = OfferSkippingDriver(root, session)
        assert root.api is not None
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=root.api), base_url="http://bench",
                                   headers={"Authorization": f"Bearer {TOKEN}"}, timeout=600)
        done = asyncio.Event()
        reads: list[float] = []
        import_wall = float("nan")
        result: Any = None

        async def prober() -> None:
            while not done.is_set():
                t0 = time.perf_counter()
                r = await client.get("/api/v1/kb/articles", params={"per_page": 1})
                reads.append(time.perf_counter() - t0)
                r.raise_for_status()
                await asyncio.sleep(0.1)

        async def importer() -> None:
            nonlocal import_wall, result
            if mode == "one-txn":
                bulk.BATCH = n_articles + 1  # the route's default batch size: one transaction for everything
            t0 = time.perf_counter()
            r = await client.post("/api/v1/kb/import", json=articles(n_articles))
            import_wall = time.perf_counter() - t0
            result = r.json() if r.status_code == 200 else r.text
            done.set()

        counter = iter(range(10**9))

        async def user_loop() -> None:
            if mode == "alone":
                for _ in range(alone_dialogs // users):
                    await driver.user(200_000 + next(counter))
                return
            while not done.is_set():
                await driver.user(200_000 + next(counter))

        t0 = time.perf_counter()
        probe = asyncio.create_task(prober())
        jobs = [user_loop() for _ in range(users)]
        if mode != "alone":
            jobs.append(importer())
        await asyncio.gather(*jobs)
        done.set()
        await probe
        wall = time.perf_counter() - t0
        bulk.BATCH = 50
        await client.aclose()
        await root.shutdown()
    ms = [t * 1000 for t in driver.times]
    rs = [t * 1000 for t in reads]
    print(f"mode={mode} articles={n_articles if mode != 'alone' else 0} users_at_once={users} wall={wall:.1f} s "
          f"import={import_wall:.1f} s result={result}")
    print(f"  updates: n={len(ms)} p50 {statistics.median(ms):.0f} ms, p95 {pct(ms, 0.95):.0f} ms, "
          f"p99 {pct(ms, 0.99):.0f} ms, max {max(ms):.0f} ms")
    print(f"  API reads: n={len(rs)} p95 {pct(rs, 0.95):.0f} ms, max {max(rs):.0f} ms; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--articles", type=int, default=5000)
    p.add_argument("--users", type=int, default=8)
    p.add_argument("--alone-dialogs", type=int, default=40)
    p.add_argument("--modes", default="alone,one-txn,batched")
    a = p.parse_args()
    os.environ.setdefault("TZ", "UTC")
    for mode in a.modes.split(","):
        asyncio.run(run(mode, a.articles, a.users, a.alone_dialogs))


if __name__ == "__main__":
    main()
