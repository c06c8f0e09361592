"""Wiring of the broadcasts part: the sender job, sharing the delivery's one rate limiter."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root
    from bot.broadcast import BroadcastSender

log = logging.getLogger(__name__)
JOB_ID = "broadcasts-send"
RUN_BUDGET = 50.0  # seconds one run sends before giving the scheduler its turn (the next run continues)


def wire(root: Root) -> None:
    """Registers the sender job (only with a bot)."""
    root.jobs.append(_register)


def sender_of(root: Root) -> BroadcastSender | None:
    """The process's one sender, made with the delivery context (None without a bot)."""
    if root.delivery is None:
        return None
    if root.broadcasts is None:
        from bot.broadcast import BroadcastSender

        root.broadcasts = BroadcastSender(bot=root.delivery.bot, session_factory=root.session_factory,
                                          limiter=root.delivery.limiter, tz=root.tz,
                                          allow_paid=root.settings.allow_paid_broadcast)
    return root.broadcasts


async def run_broadcasts(root: Root) -> None:
    """One run of the sender; errors are logged so the job keeps its schedule."""
    sender_of(root)
    if root.broadcasts is None:
        return
    try:
        stats = await root.broadcasts.run(budget=RUN_BUDGET)
        if stats.claimed or stats.recovered_uncertain:
            log.info("broadcasts: %s", stats)
    except Exception:
        log.exception("broadcast run failed")


def _register(root: Root) -> None:
    if root.delivery is None:
        return
    root.scheduler.add_job(run_broadcasts, "interval", seconds=1, args=[root], id=JOB_ID, replace_existing=True,
                           max_instances=1, coalesce=True)
