"""Access requests and the МРФ curator (003 «Предоставление доступа к системе»: the request goes through the
approval of the curator of the requester's МРФ, then line 1 grants the rights).

At registration an access request whose МРФ has a curator waits for them (`Ticket.approval = pending`: out of the
line's queue, no card, the SLA clock stopped); one whose МРФ has none goes to the queue at once and line 1 is told
(`no_curator`). The curator approves (the ticket joins its group's queue, the clock runs) or rejects with a reason
(the ticket is closed with it, the requester told). Each decision writes history and an outbox event.

A curator is of a МРФ for the systems listed for them (003: «список согласующих отличается в зависимости от
принадлежности к МРФ. Список кураторов от МРФ по Системе указан в Приложении 1»): `Staff.curator_services`.
Only a curator of the requester's МРФ for the ticket's service is asked, and only they may decide.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.catalog.intake import same_region
from core.catalog.models import Service, Staff, User
from core.db import utcnow
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.sla import clock
from core.staffdesk import cards
from core.tickets.lifecycle import Action, Actor, Status, Step
from core.tickets.models import Ticket, TicketHistory
from core.uow import UnitOfWork

PENDING, APPROVED, REJECTED, NO_CURATOR = "pending", "approved", "rejected", "no_curator"
ACCESS_REQUEST = "access_request"
REASON_MAX = 1000


async def curators_of(uow: UnitOfWork, region: str | None, service_code: str) -> list[Staff]:
    """The active curators of a МРФ for a system («МРФ Урал» and «Урал» are one; case and spaces do not count)."""
    if not region or not region.strip():
        return []
    rows = (await uow.session.scalars(select(Staff).where(Staff.curator_region.is_not(None),
                                                          Staff.active.is_(True)).order_by(Staff.id))).all()
    return [s for s in rows if same_region(s.curator_region, region) and curates(s, service_code)]


def curates(staff: Staff, service_code: str) -> bool:
    """Whether this curator approves access to this system."""
    return service_code in (staff.curator_services or [])


async def _service_code(uow: UnitOfWork, ticket: Ticket) -> str:
    return await uow.session.scalar(select(Service.code).where(Service.id == ticket.service_id)) or ""


def _payload(ticket: Ticket, **extra: object) -> dict[str, object]:
    return {"ticket_id": ticket.id, "number": ticket.number, "requester_id": ticket.requester_id,
            "line": ticket.line, "service_id": ticket.service_id, "status": ticket.status, **extra}


async def on_register(*, uow: UnitOfWork, ticket: Ticket, user: User, now: datetime) -> None:
    """An access request waits for its МРФ curator, or (none there) goes to the queue with line 1 told."""
    if ticket.type != ACCESS_REQUEST:
        return
    region = user.region or str((ticket.fields or {}).get("region") or "") or None
    found = await curators_of(uow, region, await _service_code(uow, ticket))
    if not found:
        ticket.approval = NO_CURATOR
        uow.add_event("curator.none", _payload(ticket, region=region), ticket_id=ticket.id)
        return
    ticket.approval = PENDING  # effects.after_register stops its clock and posts no card: nobody may act yet
    uow.add_event("curator.requested", _payload(ticket, region=region, curator_ids=[s.id for s in found]),
                  ticket_id=ticket.id)


async def _decided(uow: UnitOfWork, *, ticket_id: int, staff_id: int) -> tuple[Ticket, Staff, str | None]:
    s = uow.session
    ticket = await s.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found")
    staff = await s.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise NotFound(f"staff member {staff_id} not found")
    user = await s.get(User, ticket.requester_id)
    region = user.region if user is not None else None
    if not same_region(staff.curator_region, region or str((ticket.fields or {}).get("region") or "")):
        raise Forbidden("only the curator of the requester's МРФ decides on this access request")
    if not curates(staff, await _service_code(uow, ticket)):
        raise Forbidden("this curator does not approve access to this system")
    if ticket.approval != PENDING:
        raise Conflict(f"ticket {ticket.number} awaits no approval", approval=ticket.approval)
    return ticket, staff, region


async def approve(*, uow: UnitOfWork, ticket_id: int, staff_id: int, now: datetime | None = None) -> Ticket:
    """The curator approves: the request joins its group's queue (line 1 grants the rights), its clock runs."""
    async with uow:
        now = now or utcnow()
        ticket, staff, region = await _decided(uow, ticket_id=ticket_id, staff_id=staff_id)
        ticket.approval, ticket.updated_at = APPROVED, now
        await clock.on_step(uow=uow, ticket=ticket, step=Step(Action.user_answers, Status.assigned, Status.assigned),
                            actor=Actor("system"), now=now)
        uow.session.add(TicketHistory(ticket_id=ticket.id, at=now, actor_kind="staff", actor_id=staff.id,
                                      action="curator_approve", from_status=ticket.status, to_status=ticket.status,
                                      details={"region": region}))
        await cards.mark_dirty(uow.session, ticket_id=ticket.id, now=now)
        uow.add_event("curator.approved", _payload(ticket, region=region, actor_kind="staff", actor_id=staff.id),
                      ticket_id=ticket.id)
        await uow.commit()
        return ticket


async def reject(*, uow: UnitOfWork, ticket_id: int, staff_id: int, reason: str,
                 now: datetime | None = None) -> Ticket:
    """The curator rejects with a reason: the request is closed with it and the requester is told."""
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationFailed("a rejection needs its reason", fields={"reason": "Причина отказа: напишите её"})
    if len(text) > REASON_MAX:
        raise ValidationFailed("reason too long", fields={"reason": f"Причина отказа: не длиннее {REASON_MAX}"})
    async with uow:
        now = now or utcnow()
        ticket, staff, region = await _decided(uow, ticket_id=ticket_id, staff_id=staff_id)
        before = ticket.status
        ticket.approval, ticket.status, ticket.updated_at = REJECTED, Status.closed.value, now
        ticket.closing_code, ticket.solution, ticket.closed_at = "curator_rejected", text, now
        await clock.on_step(uow=uow, ticket=ticket, step=Step(Action.close, Status(before), Status.closed),
                            actor=Actor("staff", staff.id), now=now)
        uow.session.add(TicketHistory(ticket_id=ticket.id, at=now, actor_kind="staff", actor_id=staff.id,
                                      action="curator_reject", from_status=before, to_status=ticket.status,
                                      details={"region": region, "reason": text}))
        uow.add_event("curator.rejected", _payload(ticket, region=region, reason=text, actor_kind="staff",
                                                   actor_id=staff.id), ticket_id=ticket.id)
        await uow.commit()
        return ticket


async def curator_staff_id(*, uow: UnitOfWork, tg_id: int, ticket_id: int) -> int | None:
    """The staff record of this Telegram account that curates the requester's МРФ of this ticket."""
    async with uow:
        ticket = await uow.session.get(Ticket, ticket_id)
        if ticket is None:
            return None
        user = await uow.session.get(User, ticket.requester_id)
        region = (user.region if user is not None else None) or str((ticket.fields or {}).get("region") or "")
        for st in await curators_of(uow, region, await _service_code(uow, ticket)):
            if st.user.tg_id == tg_id:
                return st.id
        return None
