"""What the shared Telegram limits cost and keep: the round trip of one decision in Redis, and the rate that
two limiters with their own clients (two processes' view) reach together against SEND_RATE.

    python -m bench.shared_limits [--url redis://127.0.0.1:6379/15] [--calls 5000] [--rate 25] [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from redis.asyncio import Redis

from bot.delivery.limiter import RateLimiter
from bot.delivery.shared import RedisLimits


async def _latency(url: str, prefix: str, calls: int) -> None:
    shared = RedisLimits.from_url(url, prefix=prefix + "lat:", rate=1e9, burst=10**9)
    await shared.take(0, gap=0)
    t0 = time.perf_counter()
    for i in range(calls):
        await shared.take(i, gap=1.0)
    dt = time.perf_counter() - t0
    print(f"one decision (Lua, loopback): {dt / calls * 1e6:.0f} µs on average over {calls} sequential calls")
    await shared.close()


async def _together(url: str, prefix: str, rate: float, seconds: float) -> None:
    burst = max(1, int(rate / 5))
    limiters = [RateLimiter(rate=rate, burst=burst, window=True,
                            shared=RedisLimits.from_url(url, prefix=prefix + "rate:", rate=rate, burst=burst))
                for _ in range(2)]
    stamps: list[float] = []

    async def send(lim: RateLimiter, first: int) -> None:
        chat, end = first, time.time() + seconds
        while time.time() < end:
            await lim.acquire(chat)
            stamps.append(time.time())
            chat += 1

    await asyncio.gather(*(send(lim, 1_000_000 * (i + 1)) for i, lim in enumerate(limiters)))
    stamps.sort()
    busiest, j = 0, 0
    for i, t in enumerate(stamps):
        while j < len(stamps) and stamps[j] < t + 1.0:
            j += 1
        busiest = max(busiest, j - i)
    print(f"two limiters, own clients, SEND_RATE {rate:g}: {len(stamps)} sends in {seconds:g} s "
          f"({len(stamps) / seconds:.1f}/s), busiest 1-second window {busiest}")
    for lim in limiters:
        assert lim.shared is not None
        await lim.shared.close()


async def main(url: str, calls: int, rate: float, seconds: float) -> None:
    prefix = f"bench-ratelimit:{uuid.uuid4().hex[:8]}:"
    try:
        await _latency(url, prefix, calls)
        await _together(url, prefix, rate, seconds)
    finally:
        r = Redis.from_url(url)
        keys = [k async for k in r.scan_iter(match=prefix + "*")]
        if keys:
            await r.delete(*keys)
        await r.aclose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="redis://127.0.0.1:6379/15")
    ap.add_argument("--calls", type=int, default=5000)
    ap.add_argument("--rate", type=float, default=25.0)
    ap.add_argument("--seconds", type=float, default=3.0)
    a = ap.parse_args()
    asyncio.run(main(a.url, a.calls, a.rate, a.seconds))
