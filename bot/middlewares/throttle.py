"""Per-user flood control for private chats (messages and button presses): one polite warning, then silence.

Telegram lets a bot send about one message a second into one chat (short bursts pass), and every update
a user sends makes at least one reply. So the throttle is a token bucket of the same shape: `burst`
updates at once, then `rate` per second; a user above it is warned once and muted for `cooldown` seconds.
Replies a burst still pushes over Telegram's limit wait for `retry_after` (bot/middlewares/replies.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject, Update

log = logging.getLogger(__name__)

BATCH_FREE = 9  # an album has at most 10 messages: the first takes the token, 9 more go free (so do 9 forwards)
WARNING = "Слишком много сообщений подряд, подождите пару секунд"


class ThrottlingMiddleware(BaseMiddleware):
    """`clock` is injectable (the e2e harness drives it), `enabled` lets a benchmark switch it off."""

    def __init__(self, *, burst: int = 5, rate: float = 1.0, cooldown: float = 3.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.rate, self.cooldown = burst, rate, cooldown
        self.clock = clock
        self.enabled = True
        self._tokens: dict[int, tuple[float, float]] = {}  # user -> (tokens, when counted)
        self._muted_until: dict[int, float] = {}
        # user -> the batch last counted: Telegram delivers an album of up to 10 photos (one media_group_id), or
        # several messages forwarded together (the same second), as that many messages at once; it is one thing
        # the person sent, and one token
        self._albums: dict[int, tuple[str, int]] = {}  # user -> (batch, messages of it let through free)

    def _over_limit(self, uid: int, now: float) -> str:
        """'ok', 'warn' (first excess update) or 'drop'."""
        if self._muted_until.get(uid, -1.0) > now:
            return "drop"
        tokens, at = self._tokens.get(uid, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self._tokens[uid] = (tokens - 1.0, now)
            return "ok"
        self._muted_until[uid] = now + self.cooldown
        self._tokens[uid] = (0.0, now + self.cooldown)  # the bucket refills only after the silence
        if len(self._tokens) > 10_000:  # forget idle users (a full bucket) so the maps stay small
            full = self.burst / self.rate
            self._tokens = {u: v for u, v in self._tokens.items() if v[1] > now - full}
            self._muted_until = {u: t for u, t in self._muted_until.items() if t > now}
        return "warn"

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not self.enabled or not isinstance(event, Update):
            return await handler(event, data)
        msg, cq = event.message or event.edited_message, event.callback_query  # an edit gets a reply too
        chat = msg.chat if msg is not None else (cq.message.chat if cq is not None and cq.message else None)
        sender = msg.from_user if msg is not None else (cq.from_user if cq is not None else None)
        if chat is None or chat.type != "private" or sender is None:
            return await handler(event, data)
        album = _batch(msg) if msg is not None else None
        seen = self._albums.get(sender.id)
        if album is not None and seen is not None and seen[0] == album and seen[1] < BATCH_FREE:
            self._albums[sender.id] = (album, seen[1] + 1)
            return await handler(event, data)  # the rest of an album (or of one forwarding) already counted
        verdict = self._over_limit(sender.id, self.clock())
        if album is not None and verdict == "ok" and (seen is None or seen[0] != album):
            if len(self._albums) > 10_000:
                self._albums.clear()
            self._albums[sender.id] = (album, 0)
        if verdict == "ok":
            return await handler(event, data)
        if verdict == "warn":
            i18n = data.get("i18n")
            text = i18n.gettext(WARNING) if i18n is not None else WARNING
            try:
                if cq is not None:
                    await data["bot"].answer_callback_query(callback_query_id=cq.id, text=text)
                else:
                    await data["bot"].send_message(chat_id=chat.id, text=text)
            except Exception:  # a failed warning must not turn into an error for the user
                log.warning("throttle warning to %s failed", chat.id, exc_info=True)
        return None


def _batch(msg: Message) -> str | None:
    """What a message arrived with at once: its album, or the forwarding (a second of one chat's forwards)."""
    if msg.media_group_id is not None:
        return msg.media_group_id
    if msg.forward_origin is not None:
        return f"fwd:{int(msg.date.timestamp())}"
    return None
