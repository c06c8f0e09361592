"""Wiring of the delivery part: the outbox worker, the processed-updates prune and the bot commands."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root

log = logging.getLogger(__name__)

MENU_TIMEOUT = 10.0


def wire(root: Root) -> None:
    """Adds this part's startup hooks and jobs to the root."""
    root.startup_hooks.append(_set_commands)
    root.jobs.append(register_jobs)


async def _set_commands(root: Root) -> None:
    """The command menu from the same catalogs as the dialogs (root.i18n, set with the dispatcher)."""
    if root.bot is None:
        return
    import asyncio

    from bot.commands import set_commands

    try:  # a Bot API that hangs must not hold up the admin API's start: bot.polling sets the menu later
        await asyncio.wait_for(set_commands(root.bot, root.i18n), MENU_TIMEOUT)
    except TimeoutError:
        log.warning("setMyCommands did not answer in %s s: the menu is set once the Bot API answers", MENU_TIMEOUT)


async def run_delivery(root: Root, *, batch: int = 100, max_batches: int = 10) -> None:
    """One poll of the outbox: full batches follow each other at once (a backlog goes out at the full rate);
    errors are logged so the job keeps its schedule."""
    from bot.delivery import deliver_pending

    if root.delivery is None:
        return
    try:
        for _ in range(max_batches):
            stats = await deliver_pending(delivery=root.delivery, limit=batch)
            if stats.sent or stats.blocked or stats.failed or stats.deferred:
                log.info("delivery: %s", stats)
            if stats.events < batch or not stats.published:
                break
    except Exception:
        log.exception("delivery poll failed")


async def run_prune(root: Root) -> None:
    from bot.middlewares.dedup import prune_processed

    try:
        n = await prune_processed(session_factory=root.session_factory)
        log.info("pruned %s processed update ids", n)
    except Exception:
        log.exception("prune of processed updates failed")


def register_jobs(root: Root) -> None:
    """Delivery every DELIVERY_POLL_SECONDS (one instance at a time) and a daily prune; only with a bot."""
    if root.delivery is None:
        return
    root.scheduler.add_job(run_delivery, "interval", seconds=root.settings.delivery_poll_seconds, args=[root],
                           id="bot.delivery", max_instances=1, coalesce=True, replace_existing=True)
    root.scheduler.add_job(run_prune, "interval", hours=24, args=[root], id="bot.prune_updates",
                           max_instances=1, coalesce=True, replace_existing=True)
