"""One sending process for test_shared_limits: says "ready" once connected, reads the common start time
from stdin, acquires as fast as the shared limits let it, and prints the wall-clock time of every send it
was allowed (JSON).

python -m tests.integration.shared_limits_proc URL PREFIX RATE SECONDS FIRST_CHAT
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from bot.delivery.limiter import RateLimiter
from bot.delivery.shared import RedisLimits


async def main(url: str, prefix: str, rate: float, seconds: float, first_chat: int) -> None:
    shared = RedisLimits.from_url(url, prefix=prefix, rate=rate, burst=max(1, int(rate / 5)))
    limiter = RateLimiter(rate=rate, burst=max(1, int(rate / 5)), window=True, shared=shared)
    await shared.redis.ping()  # connected before the start: the first sends are not slower than the other's
    print("ready", flush=True)
    start = float(await asyncio.to_thread(sys.stdin.readline))
    await asyncio.sleep(max(0.0, start - time.time()))
    sent: list[float] = []
    chat = first_chat
    while time.time() < start + seconds:
        await limiter.acquire(chat)  # a new private chat each time: only the global rate holds it back
        sent.append(time.time())
        chat += 1
    await shared.close()
    print(json.dumps(sent))


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(a[0], a[1], float(a[2]), float(a[3]), int(a[4])))
