"""One load run on a started cluster: users' dialogs as webhook updates (some delivered twice), each ticket taken
through the admin API as soon as it is registered (its «взято в работу» notice goes out through the active
worker's outbox delivery), a web instance and the active worker SIGKILLed mid-load; then what must hold."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.scalekit.cluster import ADMIN_TOKEN, Cluster, log_time
from bench.scalekit.driver import Driver, UserRun

TAKEN = "взято в работу"
JOB_RUN = re.compile(r"job run: (\S+) scheduled (\S+)")


@dataclass
class Result:
    users: int
    finished: int = 0
    errors: list[str] = field(default_factory=list)
    updates: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    webhook: dict[str, int] = field(default_factory=dict)
    tickets: int = 0
    users_with_two_tickets: int = 0
    takes_failed: list[str] = field(default_factory=list)
    takes_retried: int = 0  # a take whose answer was lost with a killed instance, found done on the retry
    notices_missing: int = 0
    notices_twice: int = 0
    resent_uncertain: int = 0  # deliveries claimed by the killed worker and sent again after their claim went stale
    inbox_not_done: int = 0
    web_killed: str | None = None
    worker_killed: str | None = None
    takeover_s: float | None = None
    job_runs: dict[str, int] = field(default_factory=dict)  # per worker
    jobs_while_other_active: int = 0  # runs by a worker while another one led: must be 0

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q * 100) - 1]

    def lines(self) -> list[str]:
        out = [f"users {self.users}: dialogs finished {self.finished}, failed {len(self.errors)}",
               f"updates {self.updates} in {self.seconds:.1f} s = {self.per_second:.1f} updates/s; latency p50 "
               f"{self.p(0.5):.3f} s, p95 {self.p(0.95):.3f} s, max {max(self.latencies, default=0):.3f} s",
               f"webhook: {self.webhook}",
               f"tickets {self.tickets}, users with two tickets {self.users_with_two_tickets}; takes failed "
               f"{len(self.takes_failed)} (answer lost, done on retry: {self.takes_retried})",
               f"«{TAKEN}» notices: missing {self.notices_missing}, twice {self.notices_twice} "
               f"(deliveries re-sent after the kill, uncertain: {self.resent_uncertain}); inbox rows not done "
               f"{self.inbox_not_done}",
               f"killed: web {self.web_killed}, worker {self.worker_killed}; takeover "
               + (f"{self.takeover_s:.2f} s" if self.takeover_s is not None else "—"),
               f"job runs per worker {self.job_runs}; runs while another worker led: {self.jobs_while_other_active}"]
        out += [f"  error: {e}" for e in self.errors[:10]]
        out += [f"  take failed: {e}" for e in self.takes_failed[:10]]
        return out


async def _staff(api: httpx.AsyncClient) -> dict[str, int]:
    """One staff member per line, as the takes need one of the ticket's line."""
    staff: dict[str, int] = {}
    for i, line in enumerate(("line1", "line2", "line3"), 1):
        resp = await api.post("/staff", json={"line_code": line, "user": {
            "full_name": f"Специалист {line}", "login": f"scale.{line}", "tg_id": 7_000_000_000 + i}})
        resp.raise_for_status()
        staff[line] = int(resp.json()["id"])
    return staff


async def _retrying(call: Any, attempts: int = 20) -> httpx.Response:
    """An admin API call through the balancer: a killed instance's connections fail, the next one answers."""
    for i in range(attempts):
        try:
            resp: httpx.Response = await call()
            if resp.status_code < 500:
                return resp
        except httpx.HTTPError:
            pass
        await asyncio.sleep(min(2.0, 0.1 * 2 ** i))
    return resp


async def run(cluster: Cluster, *, users: int, concurrency: int, kill_web_at: float | None = None,
              kill_worker_at: float | None = None, take: bool = True, notice_wait: float = 150.0) -> Result:
    """Runs the load; `kill_*_at` are fractions of finished dialogs at which to SIGKILL."""
    res = Result(users=users)
    takes: asyncio.Queue[UserRun | None] = asyncio.Queue()
    api = httpx.AsyncClient(base_url=cluster.api, timeout=30, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    staff = await _staff(api) if take else {}
    kill_tasks: list[asyncio.Task[None]] = []
    killed_worker_at: float | None = None

    async def kill_worker() -> None:
        nonlocal killed_worker_at
        victim = cluster.active_worker()
        standby = [p for p in cluster.worker_procs() if p is not victim and p.killed_at is None]
        killed_worker_at = await asyncio.to_thread(victim.kill)
        res.worker_killed = victim.name
        _, active_at = await cluster.until_active(60, among=standby)
        res.takeover_s = active_at - killed_worker_at

    def on_done(run: UserRun) -> None:
        if run.number is not None:
            res.finished += 1
            if take:
                takes.put_nowait(run)
        if kill_web_at is not None and res.web_killed is None and res.finished >= kill_web_at * users:
            victim = cluster.web_procs()[0]
            res.web_killed = victim.name
            victim.kill()
        if kill_worker_at is not None and res.worker_killed is None and res.finished >= kill_worker_at * users:
            res.worker_killed = "…"
            kill_tasks.append(asyncio.create_task(kill_worker()))

    async def taker() -> None:
        while (run := await takes.get()) is not None:
            try:
                got = await _retrying(lambda r=run: api.get(f"/tickets/{r.number}"))
                ticket = got.json()
                resp = await _retrying(lambda t=ticket: api.post(f"/tickets/{t['id']}/actions", json={
                    "action": "take", "staff_id": staff[t["line"]]}))
                if resp.status_code == 409:
                    # a retry after the instance died past the commit (its answer lost): the first one took it
                    now = (await _retrying(lambda t=ticket: api.get(f"/tickets/{t['id']}"))).json()
                    if now.get("status") == "in_progress":
                        res.takes_retried += 1
                        continue
                if resp.status_code != 200:
                    res.takes_failed.append(f"{run.number}: {resp.status_code} {resp.text[:200]}")
            except Exception as exc:
                res.takes_failed.append(f"{run.number}: {exc!r}")

    takers = [asyncio.create_task(taker()) for _ in range(4)]
    async with Driver(cluster.sandbox) as driver:
        driver.on_done = on_done
        t0 = time.monotonic()
        runs = await driver.run_users(users, concurrency=concurrency)
        res.seconds = time.monotonic() - t0
        res.updates = driver.updates_sent
        for _ in takers:
            takes.put_nowait(None)
        await asyncio.gather(*takers)
        await asyncio.gather(*kill_tasks)
        res.errors = [f"{r.uid}: {r.error}" for r in runs if r.error]
        res.latencies = [x for r in runs for x in r.latencies]
        if take:
            await _notices(driver, runs, res, deadline=time.monotonic() + notice_wait)
        res.webhook = {k: v for k, v in (await driver.call("GET", "/revision")).items() if k.startswith("webhook")}
    await api.aclose()
    await _database(cluster, res)
    _jobs(cluster, res, killed_worker_at)
    return res


async def _notices(driver: Driver, runs: list[UserRun], res: Result, *, deadline: float) -> None:
    """Waits until every taken ticket's user has the notice (or the time is up), then counts them per user."""
    done = [r for r in runs if r.number is not None]
    counts: dict[int, int] = {}
    while True:
        for r in done:
            if counts.get(r.uid, 0) == 0:
                counts[r.uid] = sum(TAKEN in (m.get("text") or "") for m in await driver.bot_messages(r.uid))
        if all(counts.get(r.uid) for r in done) or time.monotonic() > deadline:
            break
        await asyncio.sleep(1.0)
    await asyncio.sleep(3.0)  # a late second copy would show now
    counts = {r.uid: sum(TAKEN in (m.get("text") or "") for m in await driver.bot_messages(r.uid)) for r in done}
    res.notices_missing = sum(1 for c in counts.values() if c == 0)  # a failed take has none: counted apart
    res.notices_twice = sum(1 for c in counts.values() if c > 1)


async def _database(cluster: Cluster, res: Result) -> None:
    engine = create_async_engine(cluster.db_url)
    try:
        async with engine.connect() as conn:
            per_user = (await conn.execute(text(
                "SELECT u.tg_id, count(t.id) FROM tickets t JOIN users u ON u.id = t.requester_id "
                "GROUP BY u.tg_id"))).all()
            res.tickets = sum(n for _, n in per_user)
            res.users_with_two_tickets = sum(1 for _, n in per_user if n > 1)
            res.resent_uncertain = int(await conn.scalar(text(
                "SELECT count(*) FROM bot_deliveries WHERE attempts > 1")) or 0)
            res.inbox_not_done = int(await conn.scalar(text(
                "SELECT count(*) FROM webhook_inbox WHERE done_at IS NULL")) or 0)
    finally:
        await engine.dispose()


def _jobs(cluster: Cluster, res: Result, killed_at: float | None) -> None:
    """Job runs per worker from their logs; a run by a worker before it led, or after it was killed, is counted."""
    for proc in cluster.worker_procs():
        led_from: float | None = None
        runs = 0
        for line in proc.text().splitlines():
            at = log_time(line)
            if "this worker is now the active one" in line:
                led_from = at
            elif JOB_RUN.search(line) and at is not None:
                runs += 1
                before_lead = led_from is None or at < led_from
                after_kill = proc.killed_at is not None and at > proc.killed_at + 0.5  # log time has ms
                standby_early = killed_at is not None and proc.killed_at is None and at < killed_at
                if before_lead or after_kill or standby_early:
                    res.jobs_while_other_active += 1
        res.job_runs[proc.name] = runs

