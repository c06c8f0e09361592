"""Telegram's send limits shared by every process of one bot through Redis (REDIS_URL).

One Lua script decides each send atomically on the Redis server's clock (the processes' clocks never meet):
the global 429 pause ("not before"), the sliding 1-second window (≤ rate sends), a token bucket (≤ burst at
once) and the per-chat gap. It answers 0 (taken) or the seconds to wait, and why. Senders that wait at
normal priority (ticket notices, dialog replies) mark it for a moment; broadcasts (low) step aside then, as
they do inside one process.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

PAUSE, WINDOW, BUCKET, CHAT, URGENT = "pause", "window", "bucket", "chat", "urgent"

# KEYS: pause, window, bucket, chat (or ""), urgent. ARGV: rate, burst, gap, window seconds, low (0/1), member.
_TAKE = """
if redis.replicate_commands then redis.replicate_commands() end  -- TIME in a script: Redis < 5 needs this
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local rate, burst, gap, span = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local pause = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > now then return {tostring(pause - now), 'pause'} end
if ARGV[5] == '1' and redis.call('EXISTS', KEYS[5]) == 1 then return {tostring(1 / rate), 'urgent'} end
local chat_wait = 0
if KEYS[4] ~= '' then
  local last = tonumber(redis.call('GET', KEYS[4]) or '0')
  chat_wait = last + gap - now
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - span)
local wait = 0
if redis.call('ZCARD', KEYS[2]) >= rate then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  wait = tonumber(oldest[2]) + span - now + 0.001
end
local b = redis.call('HMGET', KEYS[3], 'tokens', 'stamp')
local tokens = math.min(burst, tonumber(b[1] or burst) + (now - tonumber(b[2] or now)) * rate)
if tokens < 1 then wait = math.max(wait, (1 - tokens) / rate) end
if chat_wait > wait then return {tostring(chat_wait), 'chat'} end
if wait > 0 then return {tostring(wait), 'window'} end
redis.call('ZADD', KEYS[2], now, ARGV[6])
redis.call('PEXPIRE', KEYS[2], math.ceil(span * 1000) + 1000)
redis.call('HSET', KEYS[3], 'tokens', tostring(tokens - 1), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[3], math.ceil(burst / rate * 1000) + 1000)
if KEYS[4] ~= '' then redis.call('SET', KEYS[4], tostring(now), 'PX', math.ceil(gap * 1000) + 1) end
return {'0', 'ok'}
"""

# KEYS: pause. ARGV: seconds. The deadline only grows; returns the seconds left.
_PAUSE = """
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local until_ = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil((until_ - now) * 1000) + 1000)
return tostring(until_ - now)
"""


class SharedLimits(Protocol):
    """What the limiter asks before each send; `RedisLimits` is the one made from REDIS_URL."""

    rate: float

    async def take(self, chat_id: int | None, *, gap: float, low: bool = False) -> tuple[float, str]:
        """Takes a send slot (returns 0, "ok") or says how long to wait and why (pause, window, chat, urgent)."""
        ...

    async def pause(self, seconds: float) -> float:
        """A 429: no process sends for `seconds`; returns the seconds left of the (maybe longer) pause."""
        ...

    async def urgent(self) -> None:
        """A normal-priority sender is waiting: broadcasts let it go first for a moment."""
        ...

    async def close(self) -> None:
        """Closes the connection."""
        ...


class RedisLimits:
    """The shared limits in Redis under `prefix` (one bot: the bot id is in the prefix)."""

    def __init__(self, redis: Redis, *, prefix: str, rate: float, burst: int, window: float = 1.05) -> None:
        self.redis, self.prefix, self.rate, self.burst, self.window = redis, prefix, rate, burst, window
        self._take = redis.register_script(_TAKE)
        self._pause = redis.register_script(_PAUSE)
        self._n = 0
        self._me = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"  # window members must be unique across processes

    @classmethod
    def from_url(cls, url: str, *, prefix: str, rate: float, burst: int, timeout: float = 0.5) -> RedisLimits:
        """A client that gives up quickly: a Redis that does not answer means the local limits, not a stall."""
        from redis.asyncio import Redis

        client = Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        return cls(client, prefix=prefix, rate=rate, burst=burst)

    def key(self, name: str) -> str:
        return self.prefix + name

    async def take(self, chat_id: int | None, *, gap: float, low: bool = False) -> tuple[float, str]:
        """Takes a send slot (returns 0, "ok") or says how long to wait and why (pause, window, chat, urgent)."""
        self._n += 1
        chat_key = self.key(f"{CHAT}:{chat_id}") if chat_id is not None and gap > 0 else ""
        keys = [self.key(PAUSE), self.key(WINDOW), self.key(BUCKET), chat_key, self.key(URGENT)]
        wait, why = await self._take(keys=keys, args=[self.rate, self.burst, gap, self.window, int(low),
                                                      f"{self._me}-{self._n}"])
        return float(wait), why.decode() if isinstance(why, bytes) else str(why)

    async def pause(self, seconds: float) -> float:
        """A 429: no process sends for `seconds`; returns the seconds left of the (maybe longer) pause."""
        return float(await self._pause(keys=[self.key(PAUSE)], args=[seconds]))

    async def urgent(self) -> None:
        """A normal-priority sender is waiting: broadcasts let it go first for a moment."""
        await self.redis.set(self.key(URGENT), b"1", px=250)

    async def close(self) -> None:
        """Closes the connection."""
        await self.redis.aclose()
