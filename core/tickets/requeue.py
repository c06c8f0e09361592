"""A staff member leaves: the record is deactivated (its history stays), their open tickets go back to the queue.

One transaction: the record, every ticket (unassigned; one in work back to «Назначено»), a history entry per
ticket, the card to refresh, and the outbox events (`ticket.requeue` per ticket, `staff.deactivated` once).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.catalog.models import Staff
from core.db import utcnow
from core.errors import NotFound
from core.staffdesk import cards
from core.tickets.lifecycle import OPEN, SYSTEM, Status
from core.tickets.models import Ticket, TicketHistory
from core.uow import UnitOfWork

REASON = "staff_deactivated"


async def deactivate_staff(*, uow: UnitOfWork, staff_id: int, now: datetime | None = None) -> list[int]:
    """Deactivates a staff member and puts their open tickets back in their groups' queues; returns those ids."""
    async with uow:
        now = now or utcnow()
        staff = await uow.session.get(Staff, staff_id)
        if staff is None or not staff.active:
            raise NotFound(f"staff member {staff_id} not found (or already removed)")
        staff.active = False
        rows = (await uow.session.scalars(select(Ticket).where(
            Ticket.assignee_id == staff_id, Ticket.status.in_([s.value for s in OPEN])).order_by(Ticket.id))).all()
        for ticket in rows:
            # a ticket waiting for the requester keeps waiting (its clock stays stopped); the answer lands unassigned
            before = ticket.status
            after = Status.assigned.value if before == Status.in_progress.value else before
            ticket.status, ticket.assignee_id, ticket.updated_at = after, None, now
            details: dict[str, Any] = {"reason": REASON, "staff_id": staff_id, "line": ticket.line}
            uow.session.add(TicketHistory(ticket_id=ticket.id, at=now, actor_kind=SYSTEM.kind, actor_id=None,
                                          action="requeue", from_status=before, to_status=after, details=details))
            await cards.mark_dirty(uow.session, ticket_id=ticket.id, now=now)
            uow.add_event("ticket.requeue", {
                "ticket_id": ticket.id, "number": ticket.number, "requester_id": ticket.requester_id,
                "line": ticket.line, "assignee_id": None, "status": after, "from_status": before,
                "priority": ticket.priority, "service_id": ticket.service_id, "action": "requeue",
                "actor_kind": SYSTEM.kind, "actor_id": None, **details}, ticket_id=ticket.id)
        ids = [t.id for t in rows]
        uow.add_event("staff.deactivated", {"staff_id": staff_id, "line": staff.line_code, "user_id": staff.user_id,
                                            "tickets": ids})
        await uow.commit()
        return ids
