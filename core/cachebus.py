"""In-process caches dropped in every process when one of them commits a change (REDIS_URL: Redis pub/sub).

A cache registers how to drop its copy (`register`); its session hook calls `changed` after a commit. With a
bus running (app.wiring_cachebus, only with REDIS_URL) the change is published and every other process of the
same database drops its copy within milliseconds. Messages lost while Redis was unreachable are made good by
dropping everything when the subscription is back; the caches' own TTLs stay as the last resort.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

Drop = Callable[[str | None], None]  # drops one key's copy (None: everything)
_drops: dict[str, Drop] = {}
_bus: CacheBus | None = None


def register(kind: str, drop: Drop) -> None:
    """`drop` is what another process's change of `kind` does here (it must not call `changed`)."""
    _drops[kind] = drop


def changed(kind: str, key: str | None = None) -> None:
    """A change of `kind` (one `key`, None: any) was committed here: the other processes drop their copies."""
    if _bus is not None:
        _bus.publish(kind, key)


def drop_all() -> None:
    """Every registered cache drops everything (the bus missed messages, or a test wants a clean start)."""
    for drop in list(_drops.values()):
        drop(None)


class CacheBus:
    """The Redis channel of one database; one per process (`start` makes it the current one)."""

    def __init__(self, redis: Redis, *, channel: str, retry: float = 1.0, log_every: float = 60.0) -> None:
        self.redis, self.channel, self.retry, self.log_every = redis, channel, retry, log_every
        self.origin = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"  # its own messages are not applied again
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=10_000)
        self._tasks: list[asyncio.Task[None]] = []
        self.subscribed = asyncio.Event()
        self.received = 0
        self._last_log = float("-inf")

    @classmethod
    def from_url(cls, url: str, *, channel: str) -> CacheBus:
        """A bus on its own connections (a subscription holds one)."""
        from redis.asyncio import Redis

        return cls(Redis.from_url(url, socket_connect_timeout=1.0, health_check_interval=10), channel=channel)

    def start(self) -> None:
        """Publishes this process's changes and applies the others' from now on."""
        global _bus
        _bus = self
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._publish())]

    async def stop(self) -> None:
        """Stops both tasks and closes the connections."""
        global _bus
        if _bus is self:
            _bus = None
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.redis.aclose()

    def publish(self, kind: str, key: str | None) -> None:
        message = json.dumps({"o": self.origin, "k": kind, "v": key})
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:  # Redis has been gone a long while: the TTLs are what is left
            pass

    async def _publish(self) -> None:
        while True:
            message = await self._queue.get()
            while True:
                try:
                    await self.redis.publish(self.channel, message)
                    break
                except Exception as exc:  # kept and sent again: the change still has to reach the others
                    self._failed(exc)
                    await asyncio.sleep(self.retry)

    async def _listen(self) -> None:
        while True:
            pubsub = self.redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                drop_all()  # whatever was published while this process was not listening is unknown
                self.subscribed.set()
                async for raw in pubsub.listen():
                    if raw.get("type") == "message":
                        self._apply(raw["data"])
            except Exception as exc:
                self.subscribed.clear()
                self._failed(exc)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(self.retry)

    def _apply(self, data: bytes | str) -> None:
        try:
            message = json.loads(data)
            if message["o"] == self.origin:
                return
            drop = _drops.get(message["k"])
        except (ValueError, KeyError, TypeError):
            log.warning("cache bus: an unreadable message ignored: %r", data)
            return
        self.received += 1
        if drop is not None:
            drop(message["v"])

    def _failed(self, exc: Exception) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_log >= self.log_every:
            self._last_log = loop.time()
            log.warning("cache bus: Redis unavailable (%s: %s); caches fall back to their TTLs meanwhile",
                        type(exc).__name__, exc)
