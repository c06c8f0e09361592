"""One active worker among several: the scheduler's jobs (SLA sweep, delivery, broadcasts, timed notices) run in
the process that holds the leadership; the others stand by and take over when it dies.

PostgreSQL: a session-level advisory lock held on a connection of its own. When the holder dies, PostgreSQL
closes its connection and frees the lock, and a standby's next try (every `poll` seconds) gets it. The holder
checks its connection every `poll` seconds too: a lost connection is lost leadership. SQLite is one machine and
one process (`support-bot run`): the lock is a no-op there and the process always leads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)
LOCK_KEY = 0x5D_0001  # the advisory lock's key: one per deployment database


class Leadership:
    """Try, hold and watch the leadership lock on `engine`'s database."""

    def __init__(self, engine: AsyncEngine, *, key: int = LOCK_KEY, poll: float = 2.0) -> None:
        self.engine, self.key, self.poll = engine, key, poll
        self._conn: AsyncConnection | None = None
        self.postgres = engine.dialect.name == "postgresql"

    @property
    def held(self) -> bool:
        return self._conn is not None or not self.postgres

    async def try_acquire(self) -> bool:
        """True when this process now leads (it already did, or the lock was free)."""
        if not self.postgres:
            return True
        if self._conn is not None:
            return True
        conn = await self.engine.connect()
        try:
            got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}))
            await conn.commit()  # the lock is the session's, not the transaction's: nothing is left open
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def still_held(self) -> bool:
        """Whether the lock's connection is alive (a dead one means another process may lead now)."""
        if not self.postgres:
            return True
        if self._conn is None:
            return False
        try:
            await self._conn.scalar(text("SELECT 1"))
            await self._conn.commit()
            return True
        except Exception:
            log.exception("the leadership connection failed: leadership lost")
            await self._drop()
            return False

    async def release(self) -> None:
        """Gives the lock back (a clean shutdown: the standby takes over at its next try)."""
        if self._conn is None:
            return
        try:
            await self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            await self._conn.commit()
        except Exception:  # a connection broken by a cancelled query: closing it frees the lock all the same
            log.info("unlocking failed; the lock goes with its connection", exc_info=True)
        finally:
            await self._drop()

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:  # already broken: closing it is all that is left
                log.info("closing a broken leadership connection failed", exc_info=True)

    async def lead(self, *, on_gain: Callable[[], Awaitable[None]], sleep: Callable[[float], Awaitable[None]]
                   = asyncio.sleep) -> None:
        """Waits for the leadership, runs `on_gain`, then watches it; returns when it is lost."""
        waited = False
        while not await self.try_acquire():
            if not waited:
                log.info("another worker is active: standing by (trying every %.0f s)", self.poll)
                waited = True
            await sleep(self.poll)
        log.info("this worker is now the active one")
        await on_gain()
        while await self.still_held():
            await sleep(self.poll)
