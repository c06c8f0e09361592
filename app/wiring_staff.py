"""Wiring of the staff desk in Telegram: line-chat routers, the line-chat planner, the card sync job."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root

log = logging.getLogger(__name__)
JOB_ID = "staff-card-sync"


def wire(root: Root) -> None:
    """Adds the group-chat routers and planners (before the bot is built), the port and the card sync."""
    from bot.staffchat.planner import plan_card_file, plan_line_chat
    from bot.staffchat.topics import plan_topic
    from handlers import (
        card_buttons,
        card_files,
        card_reclassify,
        card_release,
        forum_topic,
        line1_edits,
        line_chat,
        news_chat,
        outage_chat,
        staff_edits,
        works_chat,
    )

    # /outage, /restore, /works and /news before the cards' routers, whose text handlers would take the dialogs'
    # answers;
    # a forum topic's messages (outside any dialog) before the replies to a plain group's card
    # the reclassify dialog's presses before card_buttons', whose catch-all refuses a button it does not know;
    # edits of those dialogs' answers before staff_edits, which would speak of a ticket
    # a topic closed or reopened by hand (its service message) is noted ahead of everything: it has no text anyway
    for router in (forum_topic.closings, line_chat.router, works_chat.router, news_chat.router, outage_chat.router,
                   forum_topic.router, card_reclassify.router, card_files.router, card_release.router,
                   card_buttons.router, card_buttons.outsiders, line1_edits.router, staff_edits.router):
        if router.parent_router is not None:  # a second root in one process (tests) takes it over
            router.parent_router.sub_routers.remove(router)
            router._parent_router = None
        root.routers.append(router)
    root.delivery_planners.extend([plan_line_chat, plan_topic, plan_card_file])
    root.startup_hooks.append(_connect_port)
    root.jobs.append(_register)


async def run_card_sync(root: Root) -> None:
    """One pass of the card sync in its own sessions; errors are logged so the job keeps its schedule."""
    from bot.staffchat.sync import sync_cards

    if root.bot is None or root.delivery is None:
        return
    try:
        stats = await sync_cards(uow=root.uow, bot=root.bot, limiter=root.delivery.limiter, tz=root.tz)
        if stats.posted or stats.edited or stats.reposted:
            log.info("card sync: %s", stats)
    except Exception:
        log.exception("card sync failed")


def _register(root: Root) -> None:
    """The card sync every CARD_SYNC_SECONDS, only with a bot; it shares the delivery worker's limiter."""
    if root.delivery is None:
        return
    root.scheduler.add_job(run_card_sync, "interval", seconds=root.settings.card_sync_seconds, args=[root],
                           id=JOB_ID, max_instances=1, coalesce=True, replace_existing=True)


async def _connect_port(root: Root) -> None:
    """The admin API reaches Telegram (invitation links, rights checks) through the bot, when there is one."""
    if root.bot is None:
        return
    from bot.staffchat.port import BotPort

    root.telegram.port = BotPort(root.bot, username=root.settings.bot_username)
