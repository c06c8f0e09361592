"""Wires the domain parts (SLA, knowledge base, delivery) and the bot into the root.

Each part keeps its wiring in its own module with a `wire(root)` function, so the parts stay independent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiogram.client.session.base import BaseSession

    from bot.root import Root


def wire_domain(root: Root) -> None:
    """Registers startup hooks and periodic jobs of the domain parts."""
    from bot import wiring_delivery, wiring_kb, wiring_sla, wiring_tickets

    wiring_sla.wire(root)
    wiring_kb.wire(root)
    wiring_delivery.wire(root)
    wiring_tickets.wire(root)


def wire_bot(root: Root, *, bot_session: BaseSession | None = None) -> None:
    """Builds the Bot and the Dispatcher with their routers and middlewares."""
    from bot import dispatcher

    dispatcher.wire(root, bot_session=bot_session)
