"""Export and re-import of a large knowledge base through the admin API (in process, temp SQLite or --db).

    .venv/bin/python -m bench.kb_roundtrip [--articles 10000] [--body-kb 3] [--db URL]

Imports `--articles` articles (JSON), exports them as Markdown zip and as JSON, imports each export back
and checks that nothing is created or changed; prints sizes, times and the process's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import resource
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

from app.root import build_root
from core.settings import Settings
from tests.api.test_kb_bulk import articles

TOKEN = "bench-admin-token-0123456789"
KB = "/api/v1/kb"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(n: int, body_kb: float, db: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = db or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(database_url=url, admin_api_token=TOKEN, bot_token=None, kb_seed_sample=False,
                            kb_meaning=False, _env_file=None)
        root = build_root(settings, with_bot=False)
        await root.startup()
        assert root.api is not None
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=root.api), base_url="http://bench",
                                     headers={"Authorization": f"Bearer {TOKEN}"}, timeout=1200) as c:
            t = time.perf_counter()
            r = await c.post(f"{KB}/import", json=articles(n, body_kb=body_kb, prefix="Большая статья"))
            print(f"import JSON of {n} articles: {r.status_code} {r.json()} in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            z = await c.get(f"{KB}/export", params={"format": "md"})
            with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
                unpacked = sum(i.file_size for i in zf.infolist())
            print(f"export md: {len(z.content) / 1e6:.1f} MB zip, {unpacked / 1e6:.1f} MB unpacked, "
                  f"in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            r = await c.post(f"{KB}/import", content=z.content, headers={"Content-Type": "application/zip"})
            print(f"re-import md: {r.status_code} {r.json()} in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            j = await c.get(f"{KB}/export")
            print(f"export JSON: {len(j.content) / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            r = await c.post(f"{KB}/import", content=j.content, headers={"Content-Type": "application/json"})
            print(f"re-import JSON: {r.status_code} {r.json()} in {time.perf_counter() - t:.1f} s")
        await root.shutdown()
    print(f"peak RSS {rss_mb():.0f} MB; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--body-kb", type=float, default=3.0)
    p.add_argument("--db", default=None, help="database URL (default: a temporary SQLite file)")
    a = p.parse_args()
    asyncio.run(run(a.articles, a.body_kb, a.db))


if __name__ == "__main__":
    main()
