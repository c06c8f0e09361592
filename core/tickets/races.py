"""Lost races between two people acting on one ticket at once, told as who acted first."""

from __future__ import annotations

from sqlalchemy import select

from core.catalog.models import Staff
from core.errors import Conflict
from core.tickets.models import TicketHistory, ticket_number
from core.uow import UnitOfWork, WriteConflict


async def who_acted_first(uow: UnitOfWork, ticket_id: int, exc: WriteConflict) -> Conflict:
    """The Conflict of a lost race, naming the latest change of the ticket (read after the rollback)."""
    async with uow:
        last = await uow.session.scalar(select(TicketHistory).where(TicketHistory.ticket_id == ticket_id)
                                        .order_by(TicketHistory.id.desc()).limit(1))
        if last is None:
            return exc
        who = last.actor_kind
        if last.actor_kind == "staff" and last.actor_id is not None:
            staff = await uow.session.get(Staff, last.actor_id)
            who = f"staff {staff.user.full_name or staff.id}" if staff is not None else f"staff {last.actor_id}"
        elif last.actor_kind == "user":
            who = "the requester"
        return Conflict(f"ticket {ticket_number(ticket_id)} was changed at the same moment by {who} "
                        f"('{last.action}' at {last.at:%H:%M:%S} UTC); reload it and try again",
                        actor_kind=last.actor_kind, actor_id=last.actor_id, action=last.action)
