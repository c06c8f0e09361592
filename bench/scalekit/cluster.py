"""The processes of a scaled deployment on loopback: the sandbox (Telegram), N `support-bot web` behind the
balancer, M `support-bot worker`, on a fresh PostgreSQL database and a Redis database of their own."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

ADMIN_TOKEN = "scale-kit-admin-token-0123456789abcdef"
ACTIVE = "this worker is now the active one"
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log_time(line: str) -> float | None:
    """The wall time of a product log line (logging's asctime, local time)."""
    m = LOG_TIME.match(line)
    return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp() if m else None  # noqa: DTZ007


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int | None = None
    killed_at: float | None = None

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> float:
        """SIGKILL: no shutdown code runs, its connections die with it; returns the wall time of the kill."""
        self.killed_at = time.time()
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)
        return self.killed_at

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


@dataclass
class Cluster:
    """Start with `await cluster.start()`, stop with `await cluster.stop()`; `tmp` keeps every log."""

    tmp: Path
    database_url: str  # postgresql+asyncpg://...; a database `<name>_scale` is created fresh beside it
    redis_url: str = "redis://127.0.0.1:6379/11"
    webs: int = 2
    workers: int = 2
    duplicate_every: int = 0
    token: str = field(default_factory=lambda: f"{secrets.randbelow(9 * 10**8) + 10**9}:scale-kit-"
                                                f"{secrets.token_hex(12)}")
    procs: list[Proc] = field(default_factory=list)
    sandbox_port: int = 0
    balancer_port: int = 0

    @property
    def db_url(self) -> str:
        url = make_url(self.database_url)
        return url.set(database=f"{url.database}_scale").render_as_string(hide_password=False)

    @property
    def sandbox(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.balancer_port}/api/v1"

    def web_procs(self) -> list[Proc]:
        return [p for p in self.procs if p.name.startswith("web")]

    def worker_procs(self) -> list[Proc]:
        return [p for p in self.procs if p.name.startswith("worker")]

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "REDIS_", "WEBHOOK_", "ADMIN_"))}
        env.update(DATABASE_URL=self.db_url, REDIS_URL=self.redis_url, BOT_TOKEN=self.token,
                   TELEGRAM_API_URL=self.sandbox, ADMIN_API_TOKEN=ADMIN_TOKEN, ADMIN_API_HOST="127.0.0.1",
                   WEBHOOK_URL=f"https://127.0.0.1:{self.balancer_port}/telegram/webhook",
                   WEBHOOK_SECRET="scale-kit-webhook-secret", KB_MEANING="false", KB_SEED_SAMPLE="false",
                   # the load measures the product, not Telegram's 30 messages/s: dialog replies unpaced (the
                   # sandbox runs without rate limits); notices keep the shared SEND_RATE
                   REPLIES_SHARE_RATE="false", LEADER_POLL_SECONDS="0.5", DELIVERY_POLL_SECONDS="0.3",
                   LOG_JOB_RUNS="true", SLA_SWEEP_SECONDS="2", PYTHONUNBUFFERED="1", **extra)
        return env

    def _spawn(self, name: str, argv: list[str], env: dict[str, str], port: int | None = None) -> Proc:
        log = self.tmp / f"{name}.log"
        out = log.open("ab")
        popen = subprocess.Popen(argv, cwd=self.tmp, env=env, stdout=out, stderr=subprocess.STDOUT)
        proc = Proc(name, popen, log, port)
        self.procs.append(proc)
        return proc

    def _cli(self, name: str, args: list[str], env: dict[str, str], port: int | None = None) -> Proc:
        return self._spawn(name, [str(Path(sys.executable).parent / "support-bot"), *args], env, port)

    async def _fresh_database(self) -> None:
        url = make_url(self.db_url)
        admin = create_async_engine(url.set(database="postgres").render_as_string(hide_password=False),
                                    isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
                await conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        finally:
            await admin.dispose()

    async def _flush_redis(self) -> None:
        from redis.asyncio import Redis

        r = Redis.from_url(self.redis_url)
        try:
            await r.flushdb()
        finally:
            await r.aclose()

    async def _until_up(self, url: str, proc: Proc, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        async with httpx.AsyncClient(timeout=2) as http:
            while True:
                if proc.popen.poll() is not None:
                    raise RuntimeError(f"{proc.name} exited:\n{proc.text()[-3000:]}")
                try:
                    if (await http.get(url)).status_code < 500:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{proc.name} did not come up:\n{proc.text()[-3000:]}")
                await asyncio.sleep(0.2)

    async def until_log(self, proc: Proc, needle: str, seconds: float) -> float:
        """Waits for `needle` in the process's log; returns the wall time its line carries."""
        deadline = time.monotonic() + seconds
        while True:
            for line in proc.text().splitlines():
                if needle in line:
                    return log_time(line) or time.time()
            if time.monotonic() > deadline:
                raise RuntimeError(f"«{needle}» not in {proc.name}.log:\n{proc.text()[-3000:]}")
            await asyncio.sleep(0.05)

    async def start(self) -> None:
        """Starts everything; on a failure stops what was started (no process is left behind on the database)."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)
        await self._fresh_database()
        await self._flush_redis()
        self.sandbox_port, self.balancer_port = free_port(), free_port()
        box = self._spawn("sandbox", [sys.executable, "-m", "sandbox", "--port", str(self.sandbox_port), "--data",
                                      str(self.tmp / "sandbox"), "--token", self.token, "--no-rate-limits",
                                      "--webhook-over-http"], self.env())
        await self._until_up(f"{self.sandbox}/sandbox/api/revision", box)
        ports = [free_port() for _ in range(self.webs)]
        for i, port in enumerate(ports, 1):  # they start together: the startup lock takes turns at migrating
            self._cli(f"web{i}", ["web"], self.env(ADMIN_API_PORT=str(port)), port)
        for proc in self.web_procs():
            await self._until_up(f"http://127.0.0.1:{proc.port}/healthz", proc)
        bal = self._spawn("balancer", [sys.executable, str(Path(__file__).with_name("balancer.py")), "--port",
                                       str(self.balancer_port), "--to", ",".join(map(str, ports))], self.env())
        await self._until_up(f"http://127.0.0.1:{self.balancer_port}/healthz", bal)
        for i in range(1, self.workers + 1):
            self._cli(f"worker{i}", ["worker"], self.env(ADMIN_API_PORT=str(free_port())))
        await self.until_active(120)
        setter = self._cli("webhook-set", ["webhook", "set"], self.env(ADMIN_API_PORT=str(free_port())))
        if await asyncio.to_thread(setter.popen.wait, 120) != 0:
            raise RuntimeError(f"webhook set failed:\n{setter.text()}")
        self.procs.remove(setter)
        async with httpx.AsyncClient(base_url=self.sandbox) as http:
            await http.post("/sandbox/api/settings", json={"webhook_duplicate_every": self.duplicate_every})

    async def until_active(self, seconds: float, *, among: list[Proc] | None = None) -> tuple[Proc, float]:
        """Waits until a living worker (of `among`) says it leads; returns it and the wall time of that line."""
        deadline = time.monotonic() + seconds
        while True:
            for proc in among or self.worker_procs():
                if proc.killed_at is None:
                    for line in proc.text().splitlines():
                        if ACTIVE in line:
                            return proc, log_time(line) or time.time()
            if time.monotonic() > deadline:
                raise RuntimeError("no worker became active:\n" + "\n".join(
                    f"--- {p.name}\n{p.text()[-1500:]}" for p in self.worker_procs()))
            await asyncio.sleep(0.05)

    def active_worker(self) -> Proc:
        """The worker whose log says it leads (the last to say so, among the living)."""
        alive = [p for p in self.worker_procs() if p.killed_at is None and ACTIVE in p.text()]
        if len(alive) != 1:
            raise RuntimeError(f"{len(alive)} active workers")
        return alive[0]

    async def stop(self) -> None:
        for proc in reversed(self.procs):
            await asyncio.to_thread(proc.stop)
