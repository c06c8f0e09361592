"""`support-bot worker` as real processes: on PostgreSQL one of two is active and the other takes over when the
active one is SIGKILLed; on SQLite (one machine, one process) a worker is active at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.e2e.sandbox_client import free_port, product_env, start, stop

ACTIVE = "this worker is now the active one"
STANDBY = "another worker is active: standing by"


def _log(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


async def _until(path: Path, needle: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while needle not in _log(path):
        assert time.monotonic() < deadline, f"«{needle}» not in {path.name}:\n{_log(path)[-2000:]}"
        await asyncio.sleep(0.2)


async def test_one_active_worker_and_failover_after_sigkill(tmp_path: Path, database_url: str) -> None:
    env = product_env(tmp_path, admin_port=free_port(), extra={"LEADER_POLL_SECONDS": "0.5"})
    env["DATABASE_URL"] = database_url
    a_log, b_log = tmp_path / "a.log", tmp_path / "b.log"
    a = start(["worker"], tmp_path, env, a_log.name)
    b = None
    try:
        await _until(a_log, ACTIVE, 90)
        if not database_url.startswith("postgresql"):
            return  # SQLite: the embedded default has one process, which leads at once
        b = start(["worker"], tmp_path, env, b_log.name)
        await _until(b_log, STANDBY, 90)
        assert ACTIVE not in _log(b_log)
        stop(a, kill=True)  # SIGKILL: its connection dies with it, PostgreSQL frees the lock
        t0 = time.monotonic()
        await _until(b_log, ACTIVE, 15)
        print(f"the standby took over {time.monotonic() - t0:.1f} s after the kill")
    finally:
        stop(a)
        if b is not None:
            stop(b)
