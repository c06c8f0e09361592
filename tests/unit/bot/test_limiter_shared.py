"""The limiter with shared limits on a fake clock: the shared answer is waited for, a shared 429 pause is
seen by wait_time(), a failing Redis leaves the local limits (logged once a minute), and dialog replies
take a slot only for messages they put in a chat."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter

from bot.delivery import limiter as limiter_mod
from bot.delivery.limiter import RateLimiter
from bot.middlewares.replies import _IN_UPDATE, RetryAfter
from tests.unit.bot.test_limiter import Clock


class FakeShared:
    """The shared limits as another process leaves them: a pause deadline and a next free slot, on `clock`."""

    rate = 10.0

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.paused_until = 0.0
        self.free_at = 0.0
        self.broken = False
        self.spacing = True  # False: every process but this one is idle
        self.takes: list[tuple[int | None, float, bool]] = []
        self.pauses: list[float] = []
        self.urgent_marks = 0

    async def take(self, chat_id: int | None, *, gap: float, low: bool = False) -> tuple[float, str]:
        if self.broken:
            raise ConnectionError("Redis is down")
        self.takes.append((chat_id, gap, low))
        now = self.clock()
        if self.paused_until > now:
            return self.paused_until - now, "pause"
        if self.free_at > now:
            return self.free_at - now, "window"
        if self.spacing:
            self.free_at = now + 1 / self.rate
        return 0.0, "ok"

    async def pause(self, seconds: float) -> float:
        if self.broken:
            raise ConnectionError("Redis is down")
        self.pauses.append(seconds)
        self.paused_until = max(self.paused_until, self.clock() + seconds)
        return self.paused_until - self.clock()

    async def urgent(self) -> None:
        self.urgent_marks += 1

    async def close(self) -> None:
        pass


def pair(**kw: Any) -> tuple[Clock, FakeShared, RateLimiter]:
    c = Clock()
    shared = FakeShared(c)
    return c, shared, RateLimiter(clock=c, sleep=c.sleep, shared=shared, **kw)


async def test_a_slot_taken_by_another_process_is_waited_for() -> None:
    c, shared, lim = pair(rate=100, burst=100)
    shared.free_at = c.now + 0.4  # another process took the last slot of this window
    waited = await lim.acquire(7)
    assert waited == pytest.approx(0.4)
    assert shared.takes[-1] == (7, 1.0, False)  # the private chat's gap goes with the question
    assert shared.urgent_marks == 1  # a ticket notice waits: broadcasts elsewhere step aside
    await lim.acquire(-100, low=True)
    assert shared.takes[-1] == (-100, 3.0, True)


async def test_a_pause_met_by_another_process_holds_every_sender_here() -> None:
    c, shared, lim = pair(rate=100, burst=100)
    shared.paused_until = c.now + 5
    start = c.now
    await lim.acquire(7)
    assert c.now - start == pytest.approx(5.0)
    assert lim.paused_until == pytest.approx(start + 5)  # wait_time() said so to every caller meanwhile
    assert lim.wait_time(9) == pytest.approx(0.0)


async def test_a_429_here_is_shared_and_the_longer_pause_wins() -> None:
    c, shared, lim = pair()
    shared.paused_until = c.now + 10  # another process was told to wait longer
    start = c.now
    await lim.pause(2)
    assert shared.pauses == [2]
    assert c.now - start == pytest.approx(10.0)
    await lim.pause(4, wait=False)  # the card sync: recorded, nobody sleeps
    assert c.now - start == pytest.approx(10.0) and lim.wait_time(1) == pytest.approx(4.0)


async def test_redis_down_the_local_limits_go_on_and_it_is_said_once_a_minute(
        caplog: pytest.LogCaptureFixture) -> None:
    c, shared, lim = pair(rate=5, burst=1, per_chat=0.0)
    shared.broken = True
    caplog.set_level(logging.WARNING, logger="bot.delivery.limiter")
    start = c.now
    for chat in range(20):
        await lim.acquire(chat)
    assert c.now - start == pytest.approx(19 / 5)  # the process's own 5 a second, never a stop
    assert sum("unavailable" in r.message for r in caplog.records) == 1
    c.now += limiter_mod.SHARED_LOG_EVERY
    await lim.acquire(99)
    assert sum("unavailable" in r.message for r in caplog.records) == 2
    shared.broken = False
    c.now += limiter_mod.SHARED_RETRY
    await lim.acquire(100)
    assert shared.takes and shared.takes[-1][0] == 100  # asked again once Redis answers
    assert any("answer again" in r.message for r in caplog.records)
    for _ in range(3):  # a flapping Redis: still at most one line a minute
        shared.broken = True
        c.now += limiter_mod.SHARED_RETRY
        await lim.acquire(200)
        shared.broken = False
        c.now += limiter_mod.SHARED_RETRY
        await lim.acquire(201)
    assert sum("unavailable" in r.message for r in caplog.records) == 2
    shared.broken = True
    await lim.pause(1, wait=False)  # a 429 while Redis is down is still kept here
    assert lim.wait_time(5) == pytest.approx(1.0)


class Method(SimpleNamespace):
    __api_method__ = "sendMessage"


async def test_dialog_replies_take_shared_slots_only_for_messages() -> None:
    c, shared, lim = pair(per_chat=0.0, per_group=0.0)
    shared.spacing = False
    calls: list[str] = []
    refuse = [True]

    async def make_request(bot: Any, method: Any) -> str:
        calls.append(method.__api_method__)
        if method.__api_method__ == "editMessageText" and refuse[0]:
            refuse[0] = False
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=3)
        return "ok"

    mw = RetryAfter(limiter=lim, sleep=c.sleep)
    token = _IN_UPDATE.set(True)
    try:
        await mw(make_request, None, Method(chat_id=5))  # type: ignore[arg-type]
        action = Method(chat_id=5)
        action.__api_method__ = "sendChatAction"
        await mw(make_request, None, action)  # type: ignore[arg-type]
        answer = Method(callback_query_id="1")
        answer.__api_method__ = "answerCallbackQuery"
        await mw(make_request, None, answer)  # type: ignore[arg-type]
        edit = Method(chat_id=5)
        edit.__api_method__ = "editMessageText"
        assert await mw(make_request, None, edit) == "ok"  # type: ignore[arg-type]
    finally:
        _IN_UPDATE.reset(token)
    assert [t[0] for t in shared.takes] == [5, 5, 5]  # the send, the edit, the edit again: not the others
    assert all(t[1] == 0.0 for t in shared.takes)
    assert shared.pauses == [3]  # the reply's 429 pauses every process
    assert calls == ["sendMessage", "sendChatAction", "answerCallbackQuery", "editMessageText", "editMessageText"]


async def test_replies_unpaced_take_no_slot_but_still_share_a_429() -> None:
    c, shared, lim = pair(per_chat=0.0, per_group=0.0)
    refused = [False]

    async def make_request(bot: Any, method: Any) -> str:
        if not refused[0]:
            refused[0] = True
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=2)
        return "ok"

    mw = RetryAfter(limiter=lim, sleep=c.sleep, pace=False)
    token = _IN_UPDATE.set(True)
    try:
        assert await mw(make_request, None, Method(chat_id=5)) == "ok"  # type: ignore[arg-type]
    finally:
        _IN_UPDATE.reset(token)
    assert shared.takes == [] and shared.pauses == [2]
