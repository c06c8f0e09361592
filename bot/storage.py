"""FSM storage: the SQL database by default (state survives a restart), aiogram's RedisStorage with REDIS_URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import FsmRecord
from core.db import utcnow

_UNSET: Any = object()


def flat_key(key: StorageKey) -> str:
    """One string per FSM context: bot, chat, user, thread, business connection, destiny."""
    parts = (key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id, key.destiny)
    return ":".join("" if p is None else str(p) for p in parts)


class SqlStorage(BaseStorage):
    """FSM state and data in the `bot_fsm` table; a cleared context leaves no row behind."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._factory() as s:
            row = await s.get(FsmRecord, flat_key(key))
            return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._factory() as s:
            row = await s.get(FsmRecord, flat_key(key))
            return dict(row.data or {}) if row else {}

    async def _write(self, key: StorageKey, *, state: str | None = _UNSET, data: dict[str, Any] = _UNSET) -> None:
        k = flat_key(key)
        for attempt in range(2):
            async with self._factory() as s:
                row = await s.get(FsmRecord, k)
                if row is None:
                    if (state is _UNSET or state is None) and not (data is not _UNSET and data):
                        return
                    row = FsmRecord(key=k, state=None, data={})
                    s.add(row)
                if state is not _UNSET:
                    row.state = state
                if data is not _UNSET:
                    row.data = data
                row.updated_at = utcnow()
                if row.state is None and not row.data:
                    if row in s.new:
                        s.expunge(row)
                    else:
                        await s.delete(row)
                try:
                    await s.commit()
                    return
                except IntegrityError:
                    # a concurrent first write of the same context won; apply ours on top of it
                    await s.rollback()
                    if attempt:
                        raise

    async def close(self) -> None:
        """Nothing to close: the engine belongs to the root."""


def make_storage(*, redis_url: str | None,
                 session_factory: async_sessionmaker[AsyncSession]) -> tuple[BaseStorage, BaseEventIsolation]:
    """RedisStorage (+ Redis lock isolation) when REDIS_URL is set, else the SQL storage with in-process locks."""
    if redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        redis_storage = RedisStorage.from_url(redis_url)
        return redis_storage, redis_storage.create_isolation()
    from aiogram.fsm.storage.memory import SimpleEventIsolation

    return SqlStorage(session_factory), SimpleEventIsolation()
