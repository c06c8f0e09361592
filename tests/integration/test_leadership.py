"""One active worker: the advisory lock on PostgreSQL (taken over when the holder's connection dies), always the
one process on SQLite."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import text

from core.db import make_engine
from core.leader import Leadership

KEY = 0x5D_7777  # not the product's key: a worker of another test run must not interfere


async def test_one_leader_and_failover_when_its_connection_dies(database_url: str) -> None:
    a_engine, b_engine, admin = make_engine(database_url), make_engine(database_url), make_engine(database_url)
    a, b = Leadership(a_engine, key=KEY, poll=0.05), Leadership(b_engine, key=KEY, poll=0.05)
    try:
        assert await a.try_acquire()
        if not a.postgres:  # SQLite: one machine, one process; the lock is a no-op
            assert await b.try_acquire() and await a.still_held()
            return
        assert not await b.try_acquire()  # the standby
        assert await a.still_held()
        # the active worker dies: PostgreSQL ends its session (as when the process is killed)
        async with admin.connect() as conn:
            pids = (await conn.execute(text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :k AND granted"),
                {"k": KEY})).scalars().all()
            assert len(pids) == 1
            await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pids[0]})
            await conn.commit()
        assert not await a.still_held()  # it notices and stops
        gained = asyncio.Event()

        async def gain() -> None:
            gained.set()

        task = asyncio.create_task(b.lead(on_gain=gain))
        await asyncio.wait_for(gained.wait(), 5)
        assert b.held and not task.done()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await b.release()
        assert await a.try_acquire()  # released cleanly: free again at once
        await a.release()
    finally:
        for e in (a_engine, b_engine, admin):
            await e.dispose()
