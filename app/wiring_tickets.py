"""Wiring of the ticket part: the job that closes unconfirmed resolutions."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.tickets.autoclose import autoclose

if TYPE_CHECKING:
    from app.root import Root

log = logging.getLogger(__name__)
JOB_ID = "tickets-autoclose"


async def run_autoclose(root: Root) -> int:
    """One scheduled pass; errors are logged so the job keeps running."""
    try:
        return await autoclose(uow_factory=root.uow, working_days=root.settings.autoclose_working_days)
    except Exception:
        log.exception("autoclose failed")
        return 0


def _register(root: Root) -> None:
    root.scheduler.add_job(run_autoclose, "interval", minutes=10, args=[root], id=JOB_ID, replace_existing=True,
                           max_instances=1, coalesce=True)


def wire(root: Root) -> None:
    """Registers the autoclose job."""
    root.jobs.append(_register)
