"""Ticket registration through the use case on a SQLite file, one process: python -m bench.tickets [N] [--profile]."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from bot.root import build_root
from core.catalog import service as catalog
from core.settings import Settings
from core.tickets import effects
from core.tickets import service as tickets

USERS = 50
FIELDS = {
    "steps": "Открыл карточку клиента, нажал «Сохранить»",
    "expected": "Карточка сохраняется",
    "actual": "Ошибка 500 Internal Server Error",
    "occurred_at": "сейчас",
    "affected_users": "one",
    "examples": "ЛС 123456789",
}


async def _no_hook(**_: object) -> None:
    return None


async def _run(n: int, profile: bool, without_hooks: bool) -> None:
    if without_hooks:
        # isolates the cost of the core use case from what the SLA clock adds in after_register
        effects.after_register = _no_hook  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(database_url=url, admin_api_token="bench-admin-token-0123456789",
                            kb_seed_sample=False, _env_file=None)
        root = build_root(settings, with_bot=False, with_api=False)
        await root.startup()
        try:
            users = [await catalog.upsert_user(uow=root.uow(), tg_id=10_000 + i, full_name=f"Пользователь {i}",
                                               login=f"user{i}", email=f"user{i}@example.ru", region="МРФ Центр")
                     for i in range(USERS)]
            for i in range(20):  # warm-up: connection, statement caches; not measured
                await tickets.register(uow=root.uow(), service_code="nttm", request_type="incident",
                                       priority=3, requester_id=users[i % USERS].id, fields=FIELDS, tz=root.tz)
            prof = cProfile.Profile() if profile else None
            lat: list[float] = []
            if prof:
                prof.enable()
            load_before = os.getloadavg()[0]
            began, cpu_began = time.perf_counter(), time.process_time()
            for i in range(n):
                t0 = time.perf_counter()
                await tickets.register(uow=root.uow(), service_code="nttm", request_type="incident",
                                       priority=1 + i % 4, requester_id=users[i % USERS].id, fields=FIELDS,
                                       channel="telegram", tz=root.tz)
                lat.append(time.perf_counter() - t0)
            total, cpu = time.perf_counter() - began, time.process_time() - cpu_began
            if prof:
                prof.disable()
            q = statistics.quantiles(lat, n=100)
            what = " (after_register hook disabled)" if without_hooks else ""
            print(f"registered {n} incidents sequentially on SQLite (one process){what}: {n / total:.0f} tickets/s")
            print(f"per registration: p50 {q[49] * 1000:.2f} ms, p95 {q[94] * 1000:.2f} ms, "
                  f"max {max(lat) * 1000:.2f} ms")
            # the machine is shared: the load average and the CPU time tell how much of the wall time was waiting
            print(f"process CPU time per registration {cpu / n * 1000:.2f} ms (main + aiosqlite threads); "
                  f"load average before/after {load_before:.2f}/{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
            if prof:
                pstats.Stats(prof).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(30)
        finally:
            await root.shutdown()


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=3000, help="tickets to register (default 3000)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the measured loop")
    parser.add_argument("--without-hooks", action="store_true", help="replace effects.after_register with a no-op")
    args = parser.parse_args()
    asyncio.run(_run(args.n, args.profile, args.without_hooks))


if __name__ == "__main__":
    main()
