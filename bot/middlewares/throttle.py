"""Per-user flood control for private messages: one polite warning, then silence for a short while."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

log = logging.getLogger(__name__)

WARNING = "Слишком много сообщений подряд, подождите пару секунд"


class ThrottlingMiddleware(BaseMiddleware):
    """More than `limit` messages within `window` seconds mutes the user for `cooldown` seconds.

    `clock` is injectable (the e2e harness drives it), `enabled` lets a benchmark switch it off.
    """

    def __init__(self, *, limit: int = 5, window: float = 2.0, cooldown: float = 3.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.cooldown = limit, window, cooldown
        self.clock = clock
        self.enabled = True
        self._hits: dict[int, deque[float]] = {}
        self._muted_until: dict[int, float] = {}

    def _over_limit(self, uid: int, now: float) -> str:
        """'ok', 'warn' (first excess message) or 'drop'."""
        if self._muted_until.get(uid, -1.0) > now:
            return "drop"
        hits = self._hits.setdefault(uid, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        hits.append(now)
        if len(hits) <= self.limit:
            return "ok"
        self._muted_until[uid] = now + self.cooldown
        hits.clear()
        if len(self._hits) > 10_000:  # forget idle users so the maps stay small
            self._hits = {u: h for u, h in self._hits.items() if h and h[-1] > now - self.window}
            self._muted_until = {u: t for u, t in self._muted_until.items() if t > now}
        return "warn"

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        msg = event.message if isinstance(event, Update) else None
        if not self.enabled or msg is None or msg.chat.type != "private" or msg.from_user is None:
            return await handler(event, data)
        verdict = self._over_limit(msg.from_user.id, self.clock())
        if verdict == "ok":
            return await handler(event, data)
        if verdict == "warn":
            i18n = data.get("i18n")
            text = i18n.gettext(WARNING) if i18n is not None else WARNING
            try:
                await data["bot"].send_message(chat_id=msg.chat.id, text=text)
            except Exception:  # a failed warning must not turn into an error for the user
                log.warning("throttle warning to %s failed", msg.chat.id, exc_info=True)
        return None
