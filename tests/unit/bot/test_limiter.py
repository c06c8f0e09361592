"""The rate limiter on a fake clock: global rate, per-chat gap and the 429 pause."""

from __future__ import annotations

import pytest

from bot.delivery.limiter import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(clock: Clock, **kw: float) -> RateLimiter:
    return RateLimiter(clock=clock, sleep=clock.sleep, **kw)


async def test_one_message_per_second_per_chat() -> None:
    c = Clock()
    lim = limiter(c)
    start = c.now
    for _ in range(4):
        await lim.acquire(7)
    assert c.now - start == pytest.approx(3.0)
    await lim.acquire(8)  # another chat is not held back by chat 7
    assert c.now - start == pytest.approx(3.0)


async def test_overall_rate_is_thirty_per_second_after_the_burst() -> None:
    c = Clock()
    lim = limiter(c, rate=30, burst=30)
    start = c.now
    for chat in range(90):
        await lim.acquire(chat)
    # 30 go at once from the full bucket, the other 60 at 30/s
    assert c.now - start == pytest.approx(2.0, abs=1e-6)
    assert 89 / (c.now - start) <= 45


async def test_pause_holds_every_chat() -> None:
    c = Clock()
    lim = limiter(c)
    await lim.acquire(1)
    await lim.pause(5)
    assert c.now == pytest.approx(105.0)
    lim.paused_until = c.now + 2  # a pause still running when another chat wants to send
    waited = await lim.acquire(2)
    assert waited == pytest.approx(2.0)


async def test_no_wait_when_idle() -> None:
    c = Clock()
    lim = limiter(c)
    assert await lim.acquire(1) == 0.0
    c.now += 1.5
    assert await lim.acquire(1) == 0.0
    assert c.slept == []
