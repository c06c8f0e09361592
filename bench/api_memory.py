"""Peak memory of the admin API under unauthenticated large bodies, with BodyGuard and without it.

Starts the API (uvicorn, a scratch SQLite database) in a subprocess per run, sends 1 and then 4 parallel POSTs
of a 150 MB JSON body without a token, and prints how far the server's peak RSS (VmHWM) rose above its RSS
before the requests. `--no-guard` is the old code path: the same app with BodyGuard taken out of its
middleware, so FastAPI reads and parses the body before the token dependency refuses it.

    python -m bench.api_memory            # both figures
    python -m bench.api_memory --mb 50    # smaller bodies
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = """
import asyncio, sys
import uvicorn
from admin_api.guard import BodyGuard
from app.root import build_root
from core.settings import Settings

async def main(port: int, db: str, guard: bool) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", admin_api_token="bench-admin-token-0123456789",
                        bot_token=None, kb_seed_sample=False, kb_meaning=False, _env_file=None)
    root = build_root(settings, with_bot=False)
    assert root.api is not None
    if not guard:
        root.api.user_middleware = [m for m in root.api.user_middleware if m.cls is not BodyGuard]
    await root.startup()
    await uvicorn.Server(uvicorn.Config(root.api, host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="off")).serve()

asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3] == "on"))
"""
CHUNK = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


async def _post(port: int, size: int) -> str:
    """One POST of a `size`-byte JSON body without a token; the status line, or how the server cut it off."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (f"POST /api/v1/kb/articles HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n").encode()
    body_start, body_end = b'{"title": "t", "body": "', b'"}'
    filler = b"x" * CHUNK
    try:
        writer.write(head + body_start)
        left = size - len(body_start) - len(body_end)
        while left > 0:
            writer.write(filler[: min(CHUNK, left)])
            left -= CHUNK
            await writer.drain()
            if reader.at_eof():
                break
        writer.write(body_end)
        await writer.drain()
        line = await reader.readline()
    except (ConnectionError, OSError) as exc:
        try:
            line = await reader.readline()  # the answer sent before the server closed the connection
        except (ConnectionError, OSError):
            return f"cut off ({type(exc).__name__})"
    finally:
        writer.close()
    return line.decode(errors="replace").strip() or "closed"


def run(*, guard: bool, parallel: int, size: int) -> tuple[float, list[str], float]:
    """(peak RSS growth in MB, answers, seconds) of one fresh server under `parallel` bodies of `size` bytes."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(Path(tmp) / "bench.db"),
                                 "on" if guard else "off"], env={**os.environ, "PYTHONPATH": os.getcwd()})
        try:
            for _ in range(300):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            time.sleep(0.5)
            base = _status_kb(proc.pid, "VmRSS")
            t0 = time.perf_counter()

            async def all_posts() -> list[str]:
                return list(await asyncio.gather(*(_post(port, size) for _ in range(parallel))))

            answers = asyncio.run(all_posts())
            took = time.perf_counter() - t0
            time.sleep(0.3)
            peak = _status_kb(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            proc.wait(10)
    return (peak - base) / 1024, answers, took


def main() -> None:
    """Prints the peak RSS growth for 1 and 4 parallel bodies, guard on and off."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=150, help="body size in MB (default 150)")
    ap.add_argument("--only", choices=["on", "off"], help="run one configuration only")
    args = ap.parse_args()
    size = args.mb * CHUNK
    print(f"admin API, POST /api/v1/kb/articles, {args.mb} MB JSON bodies without a token")
    for guard in (True, False):
        if args.only and args.only != ("on" if guard else "off"):
            continue
        for parallel in (1, 4):
            growth, answers, took = run(guard=guard, parallel=parallel, size=size)
            label = "guard on (token before body)" if guard else "guard off (before: body read first)"
            print(f"{label:38s} x{parallel}: peak RSS +{growth:7.1f} MB in {took:5.1f} s; "
                  f"answers: {sorted(set(answers))}")


if __name__ == "__main__":
    main()
