"""Wiring of the sla part: startup hooks and periodic jobs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.sla import clock, store
from core.sla.sweep import sweep

if TYPE_CHECKING:
    from app.root import Root

log = logging.getLogger(__name__)
JOB_ID = "sla-sweep"


async def _seed(root: Root) -> None:
    added = await store.seed(uow=root.uow())
    if added:
        log.info("seeded %d SLA policies/calendars", added)


async def run_sweep(root: Root) -> int:
    """One scheduled sweep in its own unit of work; errors are logged so the job keeps running."""
    try:
        return await sweep(uow=root.uow())
    except Exception:
        log.exception("SLA sweep failed")
        return 0


def _register(root: Root) -> None:
    root.scheduler.add_job(run_sweep, "interval", seconds=root.settings.sla_sweep_seconds, args=[root],
                           id=JOB_ID, replace_existing=True, max_instances=1, coalesce=True)


def wire(root: Root) -> None:
    """Adds this part's startup hooks and jobs to the root."""
    clock.configure(warn_fraction=root.settings.sla_warn_fraction)
    root.startup_hooks.append(_seed)
    root.jobs.append(_register)
