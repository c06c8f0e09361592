"""Telegram send limits: ≤ `rate` messages per second overall, ≥ `per_chat` seconds between messages to one chat.

The clock and the sleep are injectable, so tests run on a fake clock without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """A token bucket for the whole bot plus a minimal gap per chat, and a pause for 429 retry_after."""

    def __init__(self, *, rate: float = 30.0, burst: int = 30, per_chat: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.rate, self.burst, self.per_chat = rate, burst, per_chat
        self.clock, self.sleep = clock, sleep
        self._tokens = float(burst)
        self._stamp = clock()
        self._last_by_chat: dict[int, float] = {}
        self.paused_until = 0.0

    def _refill(self, now: float) -> None:
        self._tokens = min(float(self.burst), self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def wait_time(self, chat_id: int) -> float:
        """Seconds to wait before a message to `chat_id` may go (0 when it may go now)."""
        now = self.clock()
        self._refill(now)
        waits = [self.paused_until - now, 0.0]
        if self._tokens < 1.0:
            waits.append((1.0 - self._tokens) / self.rate)
        last = self._last_by_chat.get(chat_id)
        if last is not None:
            waits.append(last + self.per_chat - now)
        return max(waits)

    async def acquire(self, chat_id: int) -> float:
        """Waits until a message to `chat_id` is allowed and takes its slot; returns the seconds waited."""
        waited = 0.0
        # a tiny remainder is float noise: sleeping it would not move a fake clock at all
        while (delay := self.wait_time(chat_id)) > 1e-6:
            await self.sleep(delay)
            waited += delay
        self._refill(self.clock())
        self._tokens = max(0.0, self._tokens - 1.0)
        self._last_by_chat[chat_id] = self.clock()
        if len(self._last_by_chat) > 50_000:  # forget chats idle longer than the gap
            cutoff = self.clock() - self.per_chat
            self._last_by_chat = {c: t for c, t in self._last_by_chat.items() if t > cutoff}
        return waited

    async def pause(self, seconds: float) -> None:
        """429: nobody sends for `seconds` (the worker sleeps now, later acquires respect it too)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)
        delay = self.paused_until - self.clock()
        if delay > 0:
            await self.sleep(delay)
