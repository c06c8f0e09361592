"""Callback data shared by the delivery worker and the user dialogs (one contract, one place)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

# actions of TicketCb: what a button on a ticket message asks for
TICKET_ACTIONS = ("open", "answer", "answer_ft", "confirm", "reject", "cancel", "comment")


class TicketCb(CallbackData, prefix="t"):
    """A button on a ticket: `t:<action>:<ticket_id>`; action is one of TICKET_ACTIONS."""

    action: str
    ticket_id: int


class BindCb(CallbackData, prefix="bd"):
    """/bind in a group: `s` the service code chosen ("*": all of the group's services), then `g` the group."""

    s: str
    g: str = ""


class CardCb(CallbackData, prefix="c"):
    """A button on a ticket card in a line chat: the action, the ticket and the version the card showed."""

    a: str
    t: int
    v: int


class PickCb(CallbackData, prefix="cp"):
    """A choice within a card dialog (an assignee, a priority, a line): `x` is the chosen id or code."""

    a: str
    t: int
    v: int
    x: str


class OutCb(CallbackData, prefix="og"):
    """/outage and /restore in a line chat: `a` the step (svc, skip, go, cancel, pick), `v` a service code or id."""

    a: str
    v: str = ""


class QueueCb(CallbackData, prefix="sq"):
    """A page of a staff command's list: `k` q (the queue), m (mine), a (awaiting the curator); `o` the offset."""

    k: str
    o: int


class ApproveCb(CallbackData, prefix="ap"):
    """The МРФ curator's decision on an access request: `a` ok (approve) or no (reject, a reason is asked)."""

    a: str
    t: int
