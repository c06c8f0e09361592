"""«Это моя проблема»: a user hit by an open outage files a short ticket linked to it instead of a full report.

Staff do no duplicate work: the ticket carries the outage, shows it on its card, and is resolved with the outage's
resolution on restoration (core.outages.service.resolve_linked), when the requester hears of it like anyone else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.catalog import repo as catalog_repo
from core.catalog.models import User
from core.db import utcnow
from core.errors import Conflict, NotFound
from core.outages.models import Outage, OutageStatus
from core.tickets import effects, routing
from core.tickets.models import Ticket, TicketHistory
from core.uow import UnitOfWork

OPEN_TICKET = ("new", "assigned", "in_progress", "waiting_user")
PRIORITY = 2  # several users are hit by definition: high, as 003's table gives for a mass failure of a function


async def report_affected(*, uow: UnitOfWork, outage_id: int, user_id: int, service_code: str,
                          now: datetime | None = None) -> tuple[Ticket, bool]:
    """The user's ticket linked to an open outage: a new short one, or theirs from before (then False)."""
    now = now or utcnow()
    async with uow:
        s = uow.session
        o = await s.get(Outage, outage_id)
        if o is None:
            raise NotFound(f"outage {outage_id} not found")
        if o.status != OutageStatus.open:
            raise Conflict(f"outage {outage_id} is already restored")
        if service_code not in (o.services or []):
            raise NotFound(f"outage {outage_id} is not about '{service_code}'")
        before = await s.scalar(select(Ticket).where(Ticket.outage_id == o.id, Ticket.requester_id == user_id,
                                                     Ticket.status.in_(OPEN_TICKET)).limit(1))
        if before is not None:
            return before, False
        user = await s.get(User, user_id)
        service = await catalog_repo.service_by_code(s, service_code)
        if user is None or service is None:
            raise NotFound(f"unknown user {user_id} or service '{service_code}'")
        fixed = (service.type_priority or {}).get("incident")
        fields = {"description": f"Пользователя затрагивает авария «{o.title}»", "outage_id": o.id}
        if o.what:
            fields["actual"] = o.what
        line = await routing.first_group(s, service=service, request_type="incident")
        t = Ticket(type="incident", service_id=service.id, priority=fixed or PRIORITY, status="assigned", line=line,
                   requester_id=user.id, channel="telegram", title=f"Авария: {o.title}"[:300], fields=fields,
                   outage_id=o.id, created_at=now, updated_at=now)
        s.add(t)
        await s.flush()
        s.add(TicketHistory(ticket_id=t.id, at=now, actor_kind="user", actor_id=user.id, action="register",
                            from_status=None, to_status="assigned",
                            details={"channel": "telegram", "outage_id": o.id}))
        await effects.after_register(uow=uow, ticket=t, service=service, now=now)
        # the payload of core.tickets.service's registrations: the card, the line's notice and the user's push
        uow.add_event("ticket.registered", {
            "ticket_id": t.id, "number": t.number, "requester_id": t.requester_id, "line": t.line,
            "assignee_id": None, "status": t.status, "priority": t.priority, "service_id": t.service_id,
            "type": "incident", "service": service.code, "outage_id": o.id}, ticket_id=t.id)
        await uow.commit()
        return t, True
