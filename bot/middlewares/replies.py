"""Dialog replies wait out Telegram's 429 instead of failing the step.

A 429 on an ordinary reply used to reach the error handler («Что-то пошло не так») although Telegram only
said «not yet». Inside an update (`ReplyScopeMiddleware` marks it) the Bot session retries a call refused
with `retry_after`, as long as the waits of that call stay within `max_wait` seconds; beyond that the 429
goes up as before. Outside updates (the delivery worker) nothing changes: the worker has its own pacing
and pauses itself on 429.

With shared limits (REDIS_URL: several processes send for one bot) the session gets a `limiter` on them:
each sent or edited message of a reply takes a slot of the global rate every process shares (no per-chat
gap: a reply answers the user's own step), waits out a 429 another process met, and a 429 met by a reply
pauses every process. A reply is never held longer than `max_wait` by the limiter: then it goes, and
Telegram decides. `pace=False` (REPLIES_SHARE_RATE=false) takes no slot: only the 429s are shared.
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

from bot.delivery.limiter import RateLimiter

log = logging.getLogger(__name__)

_IN_UPDATE: ContextVar[bool] = ContextVar("in_update", default=False)
COUNTED = ("send", "copy", "forward", "edit")  # Bot API methods that put a message in a chat
UNCOUNTED = frozenset({"sendChatAction"})


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

    def __init__(self, *, max_wait: float = 30.0, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                 limiter: RateLimiter | None = None, pace: bool = True) -> None:
        self.max_wait = max_wait
        self.sleep = sleep
        self.limiter = limiter
        self.pace = pace

    async def __call__(self, make_request: Any, bot: Bot, method: Any) -> Any:
        if not _IN_UPDATE.get():
            return await make_request(bot, method)
        waited = 0.0
        while True:
            await self._slot(method)
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if self.limiter is not None:  # the other processes stop too, not only this reply
                    await self.limiter.pause(exc.retry_after, wait=False)
                if waited + exc.retry_after > self.max_wait:
                    raise
                log.info("%s: Telegram asks to wait %s s, the reply waits", method.__api_method__, exc.retry_after)
                waited += exc.retry_after
                await self.sleep(exc.retry_after)

    async def _slot(self, method: Any) -> None:
        chat = getattr(method, "chat_id", None)
        name: str = method.__api_method__
        if self.limiter is None or not self.pace or not isinstance(chat, int) or not name.startswith(COUNTED) \
                or name in UNCOUNTED:
            return
        try:
            await asyncio.wait_for(self.limiter.acquire(chat), self.max_wait)
        except TimeoutError:
            log.info("%s to %s: no send slot in %s s, the reply goes anyway", name, chat, self.max_wait)
