"""Wiring of planned works: the job that sends the timed notices (reminder, start, end) when they are due."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root

log = logging.getLogger(__name__)
JOB_ID = "planned-notices"
EVERY_SECONDS = 30  # a notice goes out within this of its time (GRACE in core.planned.service is larger)


async def run_due(root: Root) -> None:
    """One pass over the due notices; errors are logged so the job keeps its schedule."""
    from core.planned.service import send_due

    try:
        if n := await send_due(uow_factory=root.uow, tz=root.tz):
            log.info("planned works: %d timed notices settled", n)
    except Exception:
        log.exception("planned works notices run failed")


def _register(root: Root) -> None:
    # the broadcasts it writes are sent by the broadcast job; without a bot they wait for one
    root.scheduler.add_job(run_due, "interval", seconds=EVERY_SECONDS, args=[root], id=JOB_ID,
                           replace_existing=True, max_instances=1, coalesce=True)


async def _catch_up(root: Root) -> None:
    # notices whose time passed while the product was down go out at start, late ones saying so
    await run_due(root)


def wire(root: Root) -> None:
    """Registers the job and a catch-up pass at startup."""
    root.jobs.append(_register)
    root.startup_hooks.append(_catch_up)
