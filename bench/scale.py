"""Updates per second and latency of the webhook deployment on this machine, for 1 and 2 `web` instances, and the
worker failover: the scale kit (bench/scalekit) with PostgreSQL and Redis, U users each onboarding and reporting a
consultation (10 updates, ~1.1 s between two actions, as a person), at most C in flight; every 7th update is
delivered twice. Everything runs on this machine's 2 cores: the sandbox (Telegram), the balancer, the driver,
PostgreSQL and Redis share them with the product.

    python -m bench.scale [--users 1000] [--concurrency 200] [--web 1|2] [--failover]
                          [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

--failover SIGKILLs web1 when 35% of the dialogs are done and the active worker at 60%, and prints the takeover.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from bench.scalekit import scenario
from bench.scalekit.cluster import Cluster


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    cluster = Cluster(tmp=tmp, database_url=args.database_url, webs=args.web, workers=2, duplicate_every=7)
    t0 = time.monotonic()
    await cluster.start()
    print(f"cluster up in {time.monotonic() - t0:.1f} s: {args.web} web, 2 workers (logs in {tmp})")
    try:
        res = await scenario.run(cluster, users=args.users, concurrency=args.concurrency,
                                 kill_web_at=0.35 if args.failover and args.web > 1 else None,
                                 kill_worker_at=0.6 if args.failover else None)
    finally:
        await cluster.stop()
    print("\n".join(res.lines()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--web", type=int, default=2, choices=(1, 2))
    parser.add_argument("--failover", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
    asyncio.run(main(parser.parse_args()))
