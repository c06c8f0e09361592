"""Dialog replies wait out Telegram's 429 instead of failing the step.

A 429 on an ordinary reply used to reach the error handler («Что-то пошло не так») although Telegram only
said «not yet». Inside an update (`ReplyScopeMiddleware` marks it) the Bot session retries a call refused
with `retry_after`, as long as the waits of that call stay within `max_wait` seconds; beyond that the 429
goes up as before. Outside updates (the delivery worker) nothing changes: the worker has its own pacing
and pauses itself on 429.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import TelegramObject

log = logging.getLogger(__name__)

_IN_UPDATE: ContextVar[bool] = ContextVar("in_update", default=False)


class ReplyScopeMiddleware(BaseMiddleware):
    """Marks the Bot API calls made while an update is handled."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        token = _IN_UPDATE.set(True)
        try:
            return await handler(event, data)
        finally:
            _IN_UPDATE.reset(token)


class RetryAfter:
    """A Bot session middleware; `sleep` is injectable (the e2e harness advances its fake clock)."""

    def __init__(self, *, max_wait: float = 30.0,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.max_wait = max_wait
        self.sleep = sleep

    async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
        if not _IN_UPDATE.get():
            return await make_request(bot, method)
        waited = 0.0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if waited + exc.retry_after > self.max_wait:
                    raise
                log.info("%s: Telegram asks to wait %s s, the reply waits", method.__api_method__, exc.retry_after)
                waited += exc.retry_after
                await self.sleep(exc.retry_after)
