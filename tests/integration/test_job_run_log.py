"""LOG_JOB_RUNS: one line per run of a timed job, the evidence the scale test reads to show no job ran twice."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.root import build_root
from core.settings import Settings


@pytest.mark.parametrize("on", [True, False])
async def test_each_job_run_is_logged_only_when_asked(settings: Settings, on: bool,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    root = build_root(settings.model_copy(update={"log_job_runs": on}), with_bot=False, with_api=False)
    ran = asyncio.Event()

    async def tick() -> None:
        ran.set()

    root.jobs[:] = [lambda r: r.scheduler.add_job(tick, "interval", seconds=0.2, id="test.tick")]
    caplog.set_level(logging.INFO, logger="app.root")
    try:
        root.start_jobs()
        await asyncio.wait_for(ran.wait(), 5)
        await asyncio.sleep(0.1)  # the listener runs after the job's coroutine
    finally:
        await root.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("job run: test.tick scheduled ")]
    assert bool(lines) is on
