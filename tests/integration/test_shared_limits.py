"""The shared Telegram limits against this machine's real Redis: two processes (real subprocesses, or two
limiters with two separate clients) never send more than the rate together in any second, a 429 met by one
pauses the other, two senders to one group keep its gap, and a Redis that is down leaves the local limits."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.delivery.limiter import RateLimiter
from bot.delivery.shared import RedisLimits

URL = "redis://127.0.0.1:6379/15"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    p = f"test-ratelimit:{uuid.uuid4().hex[:12]}:"
    yield p
    r = Redis.from_url(URL)
    keys = [k async for k in r.scan_iter(match=p + "*")]
    if keys:
        await r.delete(*keys)
    await r.aclose()


def pair(prefix: str, *, rate: float, burst: int | None = None) -> tuple[RateLimiter, RateLimiter]:
    """Two limiters as two processes have them: each its own client and its own local limits."""
    burst = burst if burst is not None else max(1, int(rate / 5))
    return (RateLimiter(rate=rate, burst=burst, window=True,
                        shared=RedisLimits.from_url(URL, prefix=prefix, rate=rate, burst=burst)),
            RateLimiter(rate=rate, burst=burst, window=True,
                        shared=RedisLimits.from_url(URL, prefix=prefix, rate=rate, burst=burst)))


async def close(*limiters: RateLimiter) -> None:
    for lim in limiters:
        assert lim.shared is not None
        await lim.shared.close()


def busiest_second(stamps: list[float]) -> int:
    """The most sends in any 1-second window [t, t + 1) starting at a send."""
    stamps = sorted(stamps)
    best, j = 0, 0
    for i, t in enumerate(stamps):
        while j < len(stamps) and stamps[j] < t + 1.0:
            j += 1
        best = max(best, j - i)
    return best


async def test_two_processes_share_one_rate(prefix: str) -> None:
    rate, seconds = 20, 2.5
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.shared_limits_proc", URL, prefix, str(rate), str(seconds), str(first),
        cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE) for first in (1_000_000, 2_000_000)]
    for p in procs:  # both imported and connected: then they start at one moment
        assert p.stdout is not None
        assert (await asyncio.wait_for(p.stdout.readline(), 60)).strip() == b"ready"
    start = f"{time.time() + 0.2}\n".encode()
    outs = await asyncio.wait_for(asyncio.gather(*(p.communicate(start) for p in procs)), 60)
    assert [p.returncode for p in procs] == [0, 0]
    a, b = (json.loads(o[0]) for o in outs)
    both = a + b
    print(f"sent {len(a)} + {len(b)} in {seconds} s; busiest second {busiest_second(both)} (rate {rate})")
    assert busiest_second(both) <= rate
    # each alone would send ~rate·seconds: together they still get about that, shared between them
    assert rate * (seconds - 1) <= len(both) <= rate * seconds + max(1, rate // 5)
    assert min(len(a), len(b)) >= 0.2 * len(both)


async def test_two_limiters_in_one_loop_share_one_rate(prefix: str) -> None:
    rate = 30
    one, two = pair(prefix, rate=rate)
    stamps: list[float] = []

    async def send(lim: RateLimiter, first: int) -> None:
        for chat in range(first, first + 45):
            await lim.acquire(chat)
            stamps.append(time.time())

    t0 = time.time()
    await asyncio.gather(send(one, 10_000), send(two, 20_000))
    took = time.time() - t0
    await close(one, two)
    assert busiest_second(stamps) <= rate
    assert took >= (90 - rate) / rate - 0.1  # alone each would have sent its 45 in about a second


async def test_a_429_met_by_one_pauses_the_other(prefix: str) -> None:
    one, two = pair(prefix, rate=50)
    await one.acquire(1)
    t0 = time.monotonic()
    await one.pause(0.6, wait=False)  # the delivery worker was told retry_after
    await two.acquire(2)  # the broadcast sender of another process waits it out
    assert time.monotonic() - t0 >= 0.55
    assert two.paused_until > 0  # and its wait_time() said so meanwhile
    # a shorter 429 does not shorten a longer one that another process met
    await two.pause(1.0, wait=False)
    t1 = time.monotonic()
    await one.pause(0.1)
    assert time.monotonic() - t1 >= 0.9
    await close(one, two)


async def test_two_senders_to_one_group_keep_its_gap(prefix: str) -> None:
    one, two = pair(prefix, rate=30)
    one.per_group = two.per_group = 0.4  # Telegram's is 3 s; shortened so the test stays quick
    stamps: list[float] = []

    async def send(lim: RateLimiter) -> None:
        for _ in range(2):
            await lim.acquire(-1001)
            stamps.append(time.monotonic())

    await asyncio.gather(send(one), send(two))
    await close(one, two)
    stamps.sort()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(stamps) == 4 and min(gaps) >= 0.38


async def test_redis_down_sends_go_on_under_the_local_limits(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.delivery.limiter")
    nowhere = RedisLimits.from_url("redis://127.0.0.1:1/0", prefix="test-ratelimit:down:", rate=20, burst=4)
    lim = RateLimiter(rate=20, burst=4, window=True, shared=nowhere)
    t0 = time.monotonic()
    for chat in range(30):
        await lim.acquire(chat)
    took = time.monotonic() - t0
    await lim.pause(0.2, wait=False)  # a 429 while Redis is down still holds this process
    assert lim.wait_time(99) > 0.1
    await nowhere.close()
    assert 1.0 <= took < 3.0  # 30 sends at 20 a second: paced, never stopped
    assert sum("unavailable" in r.message for r in caplog.records) == 1
