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

from app.root import build_root
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


async def _run(n: int, profile: bool, without_hooks: bool, floor: bool = False) -> None:
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
            if floor:
                await _floor(root, users[0].id, n)
            if prof:
                pstats.Stats(prof).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(30)
        finally:
            await root.shutdown()


async def _floor(root, user_id: int, n: int) -> None:
    """The same seven statements written with bare SQLAlchemy Core: no ORM, no validation, no SLA arithmetic.

    It shows how much of a registration is the database driver's own cost on this machine (aiosqlite runs every
    statement on a worker thread; each hop there and back is tens of microseconds on a VM).
    """
    from sqlalchemy import insert, select

    from core.catalog.models import Service, User
    from core.db import utcnow
    from core.outbox.models import OutboxEvent
    from core.sla.models import TicketSla, TicketSlaTarget
    from core.tickets.models import Ticket, TicketHistory

    async def one() -> None:
        now = utcnow()
        async with root.session_factory() as ses:
            await ses.execute(select(User.id, Service.id).join(Service, Service.code == "nttm")
                              .where(User.id == user_id))
            tid = (await ses.execute(insert(Ticket).returning(Ticket.id), [dict(
                type="incident", service_id=1, priority=3, status="assigned", line="line2", requester_id=user_id,
                channel="telegram", title="x", fields=FIELDS, missing_fields=[], created_at=now, updated_at=now,
                version=1)])).scalar_one()
            await ses.execute(insert(TicketHistory), [dict(ticket_id=tid, at=now, actor_kind="user",
                                                           actor_id=user_id, action="register", details={})])
            await ses.execute(insert(TicketSla), [dict(ticket_id=tid, policy="nttm", started_at=now, pauses=[])])
            await ses.execute(insert(TicketSlaTarget), [dict(ticket_id=tid, target=t, due_at=now, warn_at=now,
                                                             breached=False, next_check_at=now)
                                                        for t in ("reaction", "diagnosis", "workaround", "resolution")])
            await ses.execute(insert(OutboxEvent), [dict(topic="ticket.registered", ticket_id=tid, payload={},
                                                         created_at=now, attempts=0)])
            await ses.commit()

    for _ in range(20):
        await one()
    began, cpu_began = time.perf_counter(), time.process_time()
    for _ in range(n):
        await one()
    total, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    print(f"floor, the same 7 statements in bare Core: {n / total:.0f} sets/s, "
          f"CPU {cpu / n * 1000:.2f} ms each")


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=3000, help="tickets to register (default 3000)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the measured loop")
    parser.add_argument("--without-hooks", action="store_true", help="replace effects.after_register with a no-op")
    parser.add_argument("--floor", action="store_true",
                        help="also time the same statements written with bare Core (the driver's floor)")
    args = parser.parse_args()
    asyncio.run(_run(args.n, args.profile, args.without_hooks, args.floor))


if __name__ == "__main__":
    main()
