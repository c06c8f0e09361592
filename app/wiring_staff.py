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
    from bot.staffchat.planner import plan_line_chat
    from handlers import line_chat

    if line_chat.router.parent_router is not None:  # a second root in one process (tests) takes it over
        line_chat.router.parent_router.sub_routers.remove(line_chat.router)
        line_chat.router._parent_router = None
    root.routers.append(line_chat.router)
    root.delivery_planners.append(plan_line_chat)
    root.startup_hooks.append(_connect_port)


async def _connect_port(root: Root) -> None:
    """The admin API reaches Telegram (invitation links, rights checks) through the bot, when there is one."""
    if root.bot is None:
        return
    from bot.staffchat.port import BotPort

    root.telegram.port = BotPort(root.bot, username=root.settings.bot_username)
