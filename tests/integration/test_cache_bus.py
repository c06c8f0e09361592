"""The cache bus against this machine's real Redis and the test database: a committed change of a user or a
service is published for the other processes, a change published by another process drops this one's copy
within milliseconds (its own messages are not applied twice), and a Redis that is down raises nowhere."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from app.root import Root
from bot.middlewares.user_cache import UserCache
from core import cachebus
from core.catalog import service as catalog
from handlers import services
from tests import factories

URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
async def bus() -> AsyncIterator[cachebus.CacheBus]:
    b = cachebus.CacheBus.from_url(URL, channel=f"test-ratelimit:cache:{uuid.uuid4().hex[:12]}")
    b.start()
    await asyncio.wait_for(b.subscribed.wait(), 5)
    yield b
    await b.stop()


async def other_process(channel: str) -> Any:
    """A subscriber on its own connection, as another process has it."""
    r = Redis.from_url(URL)
    ps = r.pubsub()
    await ps.subscribe(channel)
    await ps.get_message(timeout=1)  # the subscribe confirmation
    return r, ps


async def next_message(ps: Any, kind: str) -> dict[str, Any]:
    """The next message about `kind` (one change may be published more than once: a drop is idempotent)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        m = await ps.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if m is not None:
            data: dict[str, Any] = json.loads(m["data"])
            if data["k"] == kind:
                return data
    raise AssertionError(f"no change of {kind} published")


async def until(check: Any, seconds: float = 3.0) -> float:
    t0 = time.monotonic()
    while not check():
        assert time.monotonic() - t0 < seconds, "not dropped in time"
        await asyncio.sleep(0.002)
    return time.monotonic() - t0


async def test_a_committed_change_here_is_published(root: Root, bus: cachebus.CacheBus) -> None:
    r, ps = await other_process(bus.channel)
    try:
        u = await factories.user(root, tg_id=771001, login="bus.user")
        await catalog.upsert_user(uow=root.uow(), tg_id=u.tg_id, full_name="Другое Имя", login="bus.user",
                                  email="bus.user@example.ru", region="МРФ Центр")
        m = await next_message(ps, "user")
        assert (m["k"], m["v"], m["o"]) == ("user", "771001", bus.origin)
        services_now = await services.all_services(root.uow)
        await catalog.update_service(uow=root.uow(), code=services_now[0].code, changes={"name": "Новое имя"})
        m = await next_message(ps, "services")
        assert (m["k"], m["v"]) == ("services", None)
    finally:
        await ps.aclose()
        await r.aclose()


async def test_a_change_made_elsewhere_drops_the_copy_here(root: Root, bus: cachebus.CacheBus) -> None:
    u = await factories.user(root, tg_id=771002, login="bus.other")
    cache = UserCache()
    cache.put(u, generation=cache.generation)
    await services.all_services(root.uow)
    assert cache.get(771002) is not None and services._state["at"] is not None
    seen: list[str | None] = []
    cachebus.register("test-ratelimit", seen.append)
    r = Redis.from_url(URL)
    try:
        await r.publish(bus.channel, json.dumps({"o": bus.origin, "k": "test-ratelimit", "v": "own"}))
        await r.publish(bus.channel, json.dumps({"o": "another-web", "k": "test-ratelimit", "v": "theirs"}))
        await r.publish(bus.channel, json.dumps({"o": "another-web", "k": "user", "v": "771002"}))
        await r.publish(bus.channel, json.dumps({"o": "another-web", "k": "services", "v": None}))
        took = await until(lambda: cache.get(771002) is None and services._state["at"] is None)
        print(f"dropped {took * 1000:.1f} ms after the other process published")
        assert seen == ["theirs"]  # this process's own message was not applied again
    finally:
        cachebus._drops.pop("test-ratelimit", None)
        await r.aclose()


async def test_redis_down_nothing_raises_and_it_is_said_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="core.cachebus")
    b = cachebus.CacheBus.from_url("redis://127.0.0.1:1/0", channel="test-ratelimit:cache:down")
    b.retry = 0.05
    b.start()
    try:
        cachebus.changed("user", "1")  # a commit while Redis is down: queued, never an error for the commit
        await asyncio.sleep(0.4)
        assert not b.subscribed.is_set()
        assert sum("unavailable" in r.message for r in caplog.records) == 1
    finally:
        await b.stop()
    assert cachebus._bus is None


async def test_webhook_instances_without_redis_share_the_fsm_table_uncached(root: Root) -> None:
    from aiogram.fsm.storage.base import StorageKey

    from bot.storage import make_storage

    key = StorageKey(bot_id=42, chat_id=771003, user_id=771003)
    one, _ = make_storage(redis_url=None, session_factory=root.session_factory, shared=True)
    two, _ = make_storage(redis_url=None, session_factory=root.session_factory, shared=True)
    await one.set_state(key, "Report:service")
    assert await two.get_state(key) == "Report:service"
    await two.set_state(key, "Report:subject")  # the next update of the dialog landed on the other instance
    await two.set_data(key, {"service": "nttm"})
    assert await one.get_state(key) == "Report:subject"
    assert await one.get_data(key) == {"service": "nttm"}
    await one.set_state(key, None)
    await one.set_data(key, {})
