"""Wiring of the staff commands (/queue, /my, /ticket, /stats, /release) and the МРФ curator's approvals."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.root import Root

log = logging.getLogger(__name__)


def wire(root: Root) -> None:
    """Group routers ahead of the cards' (whose dialog steps take text), the private one ahead of the user
    dialogs (a staff member's /my is their work; anybody else's falls through), the curator and ОП4-result planners,
    the menus."""
    from bot.staff.curator import plan_curator
    from bot.staff.op4 import plan_op4_result
    from handlers import curator_decisions, release_cmd, staff_commands

    for router in (staff_commands.group_router, release_cmd.router, staff_commands.group_outsiders,
                   staff_commands.private_router, curator_decisions.router):
        if router.parent_router is not None:  # a second root in one process (tests) takes it over
            router.parent_router.sub_routers.remove(router)
            router._parent_router = None
    root.routers[:0] = [staff_commands.group_router, release_cmd.router, staff_commands.group_outsiders]
    root.private_routers.extend([staff_commands.private_router, curator_decisions.router])
    root.delivery_planners.append(plan_curator)
    root.delivery_planners.append(plan_op4_result)  # ТЕКОН ОП4: ТП2 told the result at the user (002)
    root.startup_hooks.append(_staff_menus)


async def _staff_menus(root: Root) -> None:
    """Each staff member's private menu (the default and group menus are set by app.wiring_delivery)."""
    if root.bot is None:
        return
    import asyncio

    from app.wiring_delivery import MENU_TIMEOUT
    from bot.commands import set_staff_commands
    from core.staffdesk.queues import staff_chats

    try:  # like the default menu: a Bot API that hangs must not hold up the start
        done = await asyncio.wait_for(set_staff_commands(root.bot, root.i18n, await staff_chats(uow=root.uow())),
                                      timeout=MENU_TIMEOUT)
        log.info("staff menus set in %s private chats", done)
    except TimeoutError:
        log.warning("setMyCommands for staff chats did not answer in %s s", MENU_TIMEOUT)
