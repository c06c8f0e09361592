"""Callback data shared by the delivery worker and the user dialogs (one contract, one place)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

# actions of TicketCb: what a button on a ticket message asks for
TICKET_ACTIONS = ("open", "answer", "confirm", "reject", "cancel", "comment")


class TicketCb(CallbackData, prefix="t"):
    """A button on a ticket: `t:<action>:<ticket_id>`; action is one of TICKET_ACTIONS."""

    action: str
    ticket_id: int
