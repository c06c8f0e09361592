"""A repeated update_id is handled once: the id is inserted first, a duplicate key means "seen"."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import ProcessedUpdate
from core.db import utcnow

log = logging.getLogger(__name__)


class DedupMiddleware(BaseMiddleware):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        async with self._factory() as s:
            s.add(ProcessedUpdate(bot_id=data["bot"].id, update_id=event.update_id))
            try:
                await s.commit()
            except IntegrityError:
                log.info("update %s already handled, skipped", event.update_id)
                return None
        return await handler(event, data)


async def prune_processed(*, session_factory: async_sessionmaker[AsyncSession], keep: timedelta = timedelta(days=1),
                          now: Any = None) -> int:
    """Deletes processed update ids older than `keep` (Telegram never resends such old updates)."""
    cutoff = (now or utcnow()) - keep
    async with session_factory() as s:
        res = await s.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < cutoff))
        await s.commit()
        return int(res.rowcount or 0)
