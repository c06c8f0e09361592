"""FSM storage: the SQL database by default (state survives a restart), aiogram's RedisStorage with REDIS_URL."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, cast

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey
from sqlalchemy import CursorResult, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import FsmRecord
from core.db import utcnow

# a declarative class's __table__ is a Table (typed as the wider FromClause)
_T = cast(Table, FsmRecord.__table__)
# built once, Core (not ORM) DML: a dialog step writes its context on every update, and building and
# ORM-compiling these statements each time was a visible share of that write's CPU
_UPDATE = update(_T).where(_T.c.key == bindparam("k")).values(
    state=bindparam("state"), data=bindparam("data"), updated_at=bindparam("updated_at"))
_INSERT = insert(_T).values(key=bindparam("k"), state=bindparam("state"), data=bindparam("data"),
                            updated_at=bindparam("updated_at"))
_DELETE = delete(_T).where(_T.c.key == bindparam("k"))


def flat_key(key: StorageKey) -> str:
    """One string per FSM context: bot, chat, user, thread, business connection, destiny."""
    parts = (key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id, key.destiny)
    return ":".join("" if p is None else str(p) for p in parts)


class SqlStorage(BaseStorage):
    """FSM state and data in the `bot_fsm` table, with a write-through cache of recent contexts.

    The cache is sound because one process owns the SQL storage (one polling bot per token). Several webhook
    instances without REDIS_URL share the table with `cache_size=0` (another instance may have moved the
    dialog on); with REDIS_URL they use RedisStorage. A cleared context leaves no row behind.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, cache_size: int = 10_000) -> None:
        self._factory = session_factory
        self._cache: OrderedDict[str, tuple[str | None, str]] = OrderedDict()  # key -> (state, data as JSON)
        self._cache_size = cache_size

    async def _load(self, k: str) -> tuple[str | None, str]:
        hit = self._cache.get(k)
        if hit is not None:
            self._cache.move_to_end(k)
            return hit
        async with self._factory() as s:
            row = (await s.execute(select(FsmRecord.state, FsmRecord.data).where(FsmRecord.key == k))).first()
        value = (row[0], json.dumps(row[1] or {})) if row else (None, "{}")
        self._remember(k, value)
        return value

    def _remember(self, k: str, value: tuple[str | None, str]) -> None:
        self._cache[k] = value
        self._cache.move_to_end(k)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        k = flat_key(key)
        _, data = await self._load(k)
        await self._write(k, value, data)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._load(flat_key(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        k = flat_key(key)
        state, _ = await self._load(k)
        # JSON now: the stored and the cached value are the same, and a handler cannot mutate the cache
        await self._write(k, state, json.dumps(dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((await self._load(flat_key(key)))[1])
        return data

    async def set_state_and_data(self, key: StorageKey, state: StateType, data: Mapping[str, Any]) -> None:
        """Both at once: one UPDATE in one transaction (handlers/fsm_cache.py flushes a dialog step this way)."""
        value = state.state if isinstance(state, State) else state
        await self._write(flat_key(key), value, json.dumps(dict(data)))

    async def _write(self, k: str, state: str | None, data: str) -> None:
        """One round trip in the common case: UPDATE (or DELETE when empty), INSERT when there was no row."""
        self._cache.pop(k, None)  # if the write fails, the next read goes to the database
        empty = state is None and data == "{}"
        values = {"k": k, "state": state, "data": json.loads(data), "updated_at": utcnow()}
        async with self._factory() as s:
            try:
                if empty:
                    await s.execute(_DELETE, values)
                else:
                    res = cast(CursorResult[Any], await s.execute(_UPDATE, values))  # DML: a cursor result
                    if not res.rowcount:
                        await s.execute(_INSERT, values)
                await s.commit()
            except IntegrityError:
                # a concurrent first write of the same context won; ours is newer, so apply it on top
                await s.rollback()
                await s.execute(_UPDATE, values)
                await s.commit()
        self._remember(k, (state, data))

    async def close(self) -> None:
        """Nothing to close: the engine belongs to the root."""
        self._cache.clear()


def atomic_redis_storage(redis: Any) -> BaseStorage:
    """aiogram's RedisStorage with `set_state_and_data` in one MULTI/EXEC (the FSM cache's flush uses it).

    Separately, a process killed between the two writes of a step's end (data cleared, state not yet) left the
    dialog at «summary» with no answers: the retried «Отправить» failed on every retry (bench/scale.py, SIGKILL)."""
    from aiogram.fsm.storage.redis import RedisStorage

    class AtomicRedisStorage(RedisStorage):
        async def set_state_and_data(self, key: StorageKey, state: StateType, data: Mapping[str, Any]) -> None:
            state_key, data_key = self.key_builder.build(key, "state"), self.key_builder.build(key, "data")
            async with self.redis.pipeline(transaction=True) as pipe:
                if state is None:
                    pipe.delete(state_key)
                else:
                    value = cast(str, state.state if isinstance(state, State) else state)
                    pipe.set(state_key, value, ex=self.state_ttl)
                if data:
                    pipe.set(data_key, self.json_dumps(dict(data)), ex=self.data_ttl)
                else:
                    pipe.delete(data_key)
                await pipe.execute()

    return AtomicRedisStorage(redis=redis)


def make_storage(*, redis_url: str | None, session_factory: async_sessionmaker[AsyncSession],
                 shared: bool = False, lock_seconds: float = 30.0,
                 redis_connections: int = 100) -> tuple[BaseStorage, BaseEventIsolation]:
    """RedisStorage (+ Redis lock isolation) when REDIS_URL is set, else the SQL storage with in-process locks
    (`shared`: other processes handle updates too, so nothing is cached).

    `lock_seconds`: how long a chat's lock outlives a holder killed mid-update (aiogram's default is 60 s, so
    after a SIGKILL that chat waited a minute although its update was retried after the 30 s lease).
    `redis_connections`: a pool that waits for a free connection (redis-py's default pool raises
    «Too many connections» past 100: bench/scale.py with 200 updates in flight failed ~1,200 of 10,000 that way,
    each retried 2 s later).
    """
    if redis_url:
        from aiogram.fsm.storage.redis import RedisStorage
        from redis.asyncio import BlockingConnectionPool, Redis

        pool = BlockingConnectionPool.from_url(redis_url, max_connections=redis_connections, timeout=30)
        redis_storage = cast(RedisStorage, atomic_redis_storage(Redis(connection_pool=pool)))
        return redis_storage, redis_storage.create_isolation(lock_kwargs={"timeout": lock_seconds})
    from aiogram.fsm.storage.memory import SimpleEventIsolation

    return SqlStorage(session_factory, cache_size=0 if shared else 10_000), SimpleEventIsolation()
