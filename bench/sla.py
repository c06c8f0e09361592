"""SLA sweep on 100,000 open tickets in SQLite, plus the calendar figures: python -m bench.sla [--tickets N]."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text, update

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import sla_calendar
from core import migrate
from core.catalog.models import Service, User
from core.catalog.seed import seed_catalog
from core.db import make_engine, make_session_factory
from core.outbox.models import OutboxEvent
from core.sla.models import TicketSla, TicketSlaTarget
from core.sla.sweep import sweep
from core.tickets.models import Ticket
from core.uow import UowFactory

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
TARGETS = ("reaction", "diagnosis", "workaround", "resolution")
CHUNK = 20_000


async def _seed(engine, factory, tickets: int) -> None:
    await migrate.upgrade(engine)
    uow = UowFactory(factory)
    await seed_catalog(uow=uow())
    rng = random.Random(3)
    async with factory() as s:
        service_id = await s.scalar(select(Service.id).where(Service.code == "nttm"))
        s.add(User(tg_id=1, full_name="Bench"))
        await s.flush()
        user_id = await s.scalar(select(User.id))
        started = NOW - timedelta(hours=1)
        for lo in range(0, tickets, CHUNK):
            ids = range(lo + 1, min(lo + CHUNK, tickets) + 1)
            await s.execute(insert(Ticket), [
                {"id": i, "number": f"SD-{i:06d}", "type": "incident", "service_id": service_id, "priority": 3,
                 "status": "in_progress", "line": "line2", "requester_id": user_id, "title": "bench",
                 "fields": {}, "created_at": started, "updated_at": started} for i in ids])
            await s.execute(insert(TicketSla), [
                {"ticket_id": i, "policy": "nttm", "started_at": started, "pauses": []} for i in ids])
            rows = []
            for i in ids:
                for n, name in enumerate(TARGETS):
                    # every pending instant lies in the future: a sweep at NOW finds nothing
                    due = NOW + timedelta(hours=2 + 24 * n, minutes=rng.randrange(60 * 24 * 20))
                    warn = due - timedelta(minutes=15)
                    rows.append({"ticket_id": i, "target": name, "due_at": due, "warn_at": warn,
                                 "breached": False, "next_check_at": warn})
            await s.execute(insert(TicketSlaTarget), rows)
        await s.commit()


async def _make_due(factory, count: int, offset: int) -> None:
    async with factory() as s:
        ids = (await s.scalars(select(TicketSlaTarget.id).where(TicketSlaTarget.target == "reaction")
                               .order_by(TicketSlaTarget.id).offset(offset).limit(count))).all()
        past = NOW - timedelta(minutes=5)
        await s.execute(update(TicketSlaTarget).where(TicketSlaTarget.id.in_(ids))
                        .values(warn_at=past, next_check_at=past))
        await s.commit()


async def _timed(uow: UowFactory, now: datetime) -> tuple[float, int]:
    began = time.perf_counter()
    written = await sweep(uow=uow(), now=now)
    return (time.perf_counter() - began) * 1000, written


async def run(tickets: int) -> None:
    """Seeds a temporary SQLite database and times sweeps that find nothing and 1,000 due targets."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        factory = make_session_factory(engine)
        uow = UowFactory(factory)
        began = time.perf_counter()
        await _seed(engine, factory, tickets)
        async with factory() as s:
            n_targets = await s.scalar(select(func.count()).select_from(TicketSlaTarget))
            plan = (await s.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM ticket_sla_targets WHERE next_check_at <= :now "
                "ORDER BY next_check_at LIMIT 1000"), {"now": NOW.isoformat()})).all()
        print(f"seeded {tickets:,} open tickets, {n_targets:,} target rows in {time.perf_counter() - began:.1f} s")
        print("plan of the sweep's range scan:", "; ".join(str(r[-1]) for r in plan))
        await _timed(uow, NOW)  # warm the connection pool and statement caches
        empty = [await _timed(uow, NOW) for _ in range(20)]
        assert all(w == 0 for _, w in empty)
        ms = sorted(m for m, _ in empty)
        print(f"sweep, nothing due:  median {statistics.median(ms):7.2f} ms  max {ms[-1]:7.2f} ms  (20 runs)")
        for run_no in range(3):
            await _make_due(factory, 1000, offset=run_no * 1000)
            elapsed, written = await _timed(uow, NOW)
            print(f"sweep, 1,000 due:    {elapsed:7.1f} ms  ({written} sla.warning events written, run {run_no + 1})")
        again, written = await _timed(uow, NOW)
        print(f"sweep right after:   {again:7.2f} ms  ({written} events)")
        async with factory() as s:
            total = await s.scalar(select(func.count()).select_from(OutboxEvent))
        print(f"outbox rows: {total:,}")
        await engine.dispose()


def main() -> None:
    """Sweep figures, then the add_working_time figures of bench/sla_calendar.py."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(run(args.tickets))
    print()
    sla_calendar.main()


if __name__ == "__main__":
    main()
