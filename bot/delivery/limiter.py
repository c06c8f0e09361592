"""Telegram send limits: ≤ `rate` messages per second overall, ≥ `per_chat` seconds between messages to one
private chat, ≥ `per_group` seconds to one group (20 a minute); and the worker's backoff while Telegram is down.

With `shared` (bot/delivery/shared.py, REDIS_URL) every send also asks the limits all processes share, and a
429 pauses them all; a Redis that fails leaves this process on its own limits (logged once a minute), it never
stops sending. The clock and the sleep are injectable, so tests run on a fake clock without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from bot.delivery.shared import PAUSE, WINDOW, SharedLimits

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]


class Backoff:
    """Capped exponential backoff per key (None: the whole worker), on the limiter's clock; kept in memory."""

    def __init__(self, clock: Callable[[], float], *, base: float = 1.0, cap: float = 60.0) -> None:
        self.clock, self.base, self.cap = clock, base, cap
        self._state: dict[object, tuple[float, int]] = {}  # key -> (not before, failures in a row)

    def fail(self, key: object = None, *, at_least: float = 0.0) -> float:
        """One more failure: returns the delay before the next try (base, 2·base, … up to cap)."""
        _, failures = self._state.get(key, (0.0, 0))
        delay = max(at_least, min(self.cap, self.base * 2 ** failures))
        self._state[key] = (self.clock() + delay, failures + 1)
        return delay

    def ok(self, key: object = None) -> None:
        self._state.pop(key, None)

    def wait(self, key: object = None) -> float:
        """Seconds until `key` may be tried again (0: now)."""
        until, _ = self._state.get(key, (0.0, 0))
        return max(0.0, until - self.clock())

    def failures(self, key: object = None) -> int:
        return self._state.get(key, (0.0, 0))[1]


class _Slot:
    """One send in the 1-second window: when it was allowed, and when its request came back (None: in flight)."""

    __slots__ = ("end", "start")

    def __init__(self, start: float, end: float | None) -> None:
        self.start, self.end = start, end


_CURRENT: ContextVar[_Slot | None] = ContextVar("limiter_slot", default=None)
STALE_SLOT = 5.0  # an in-flight send older than this is counted from its start (its caller never said done)
SHARED_RETRY = 1.0  # after a Redis failure the shared limits are asked again this much later (local meanwhile)
SHARED_LOG_EVERY = 60.0


class RateLimiter:
    """A token bucket for the whole bot plus a minimal gap per chat, a pause for 429 retry_after, and the
    backoff of the worker and of single targets (`backoff`) while Telegram is unavailable.

    One per process, shared by the outbox delivery and the broadcasts. With `window`, no 1-second window ever
    holds more than `rate` sends (the bucket alone lets a full burst plus a second's refill through). Low
    priority callers (broadcasts) step aside while a normal one (a ticket notice) is waiting.
    """

    def __init__(self, *, rate: float = 30.0, burst: int = 30, per_chat: float = 1.0, per_group: float = 3.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep,
                 window: bool = False, shared: SharedLimits | None = None) -> None:
        self.rate, self.burst, self.per_chat, self.per_group = rate, burst, per_chat, per_group
        self.clock, self.sleep = clock, sleep
        self.backoff = Backoff(clock)
        self._tokens = float(burst)
        self._stamp = clock()
        self._last_by_chat: dict[int, float] = {}
        self.paused_until = 0.0
        self._window: deque[_Slot] | None = deque(maxlen=max(1, int(rate))) if window and rate <= 10_000 else None
        self._urgent = 0  # normal-priority callers waiting right now
        self.window_margin = 0.02
        self.shared = shared
        self._shared_down_until = float("-inf")  # Redis failed: local limits only until then
        self._shared_logged = float("-inf")
        self._shared_said_down = False  # its recovery is said only after its failure was
        self._urgent_marked = float("-inf")

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
        w = self._window
        if w is not None and w.maxlen is not None and len(w) >= w.maxlen:
            # Telegram counts a send when its request arrives, somewhere between our start and the answer. The
            # send `rate` places back must have been answered a second ago: then no second, as Telegram sees it,
            # holds rate + 1 sends, however late a request left a busy event loop
            oldest = w[0]
            if oldest.end is None and now - oldest.start < STALE_SLOT:
                waits.append(0.005)  # still in flight: look again shortly
            else:
                end = oldest.end if oldest.end is not None else oldest.start + self.window_margin
                waits.append(end + 1.0 + 0.002 - now)
        last = self._last_by_chat.get(chat_id)
        if last is not None:
            waits.append(last + self.gap(chat_id) - now)
        return max(waits)

    def gap(self, chat_id: int) -> float:
        """Telegram's per-chat minimum: groups and channels have negative ids."""
        return self.per_group if chat_id < 0 else self.per_chat

    async def acquire(self, chat_id: int, *, low: bool = False, tracked: bool = False) -> float:
        """Waits until a message to `chat_id` is allowed and takes its slot; returns the seconds waited.

        `low`: a broadcast; it lets every waiting normal caller go first. `tracked`: the caller calls `done()`
        when the request is answered (in the same task), which the 1-second window then counts from."""
        waited = 0.0
        if not low:
            self._urgent += 1
        try:
            while True:
                delay = self.wait_time(chat_id)
                if low and self._urgent and delay <= 1e-6:
                    delay = 1.0 / self.rate if self.rate < 1e6 else 1e-4  # a ticket notice takes this slot
                # a tiny remainder is float noise: sleeping it would not move a fake clock at all
                if delay <= 1e-6:
                    delay = await self._ask_shared(chat_id, low=low)  # the other processes' sends count too
                    if delay <= 1e-6:
                        break
                await self.sleep(delay)
                waited += delay
        finally:
            if not low:
                self._urgent -= 1
        self._refill(self.clock())
        self._tokens = max(0.0, self._tokens - 1.0)
        self._last_by_chat[chat_id] = self.clock()
        if self._window is not None:
            now = self.clock()
            slot = _Slot(now, None if tracked else now + self.window_margin)
            self._window.append(slot)
            _CURRENT.set(slot)
        if len(self._last_by_chat) > 50_000:  # forget chats idle longer than the gap
            cutoff = self.clock() - max(self.per_chat, self.per_group)
            self._last_by_chat = {c: t for c, t in self._last_by_chat.items() if t > cutoff}
        return waited

    def done(self) -> None:
        """The request of this task's last tracked slot was answered (or failed)."""
        slot = _CURRENT.get()
        if slot is not None and slot.end is None:
            slot.end = self.clock()

    async def pause(self, seconds: float, *, wait: bool = True) -> None:
        """429: nobody sends for `seconds`, in any process with shared limits (the caller sleeps now unless
        `wait` is False; later acquires respect it too)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)
        if self._shared_usable():
            assert self.shared is not None
            try:  # another process may already have a longer pause: wait that one out
                left = await self.shared.pause(seconds)
                self.paused_until = max(self.paused_until, self.clock() + left)
            except Exception as exc:
                self._shared_failed(exc)
        delay = self.paused_until - self.clock()
        if wait and delay > 0:
            await self.sleep(delay)

    def _shared_usable(self) -> bool:
        return self.shared is not None and self.clock() >= self._shared_down_until

    async def _ask_shared(self, chat_id: int, *, low: bool) -> float:
        """Seconds the shared limits want this send to wait (0: its slot is taken there, or Redis is unusable)."""
        if not self._shared_usable():
            return 0.0
        assert self.shared is not None
        try:
            wait, why = await self.shared.take(chat_id, gap=self.gap(chat_id), low=low)
            if why == PAUSE:  # a 429 seen by another process: wait_time() says so to this one's callers too
                self.paused_until = max(self.paused_until, self.clock() + wait)
            elif why == WINDOW and not low and self.clock() - self._urgent_marked >= 0.1:
                self._urgent_marked = self.clock()
                await self.shared.urgent()
        except Exception as exc:  # whatever Redis does, sending goes on under this process's own limits
            self._shared_failed(exc)
            return 0.0
        if self._shared_said_down:
            log.warning("shared Telegram limits in Redis answer again")
            self._shared_said_down = False
        return wait

    def _shared_failed(self, exc: Exception) -> None:
        now = self.clock()
        self._shared_down_until = now + SHARED_RETRY
        if now - self._shared_logged >= SHARED_LOG_EVERY:
            self._shared_logged, self._shared_said_down = now, True
            log.warning("shared Telegram limits unavailable (%s: %s): this process keeps to its own limits",
                        type(exc).__name__, exc)
