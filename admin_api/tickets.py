"""Admin API: tickets routes (line-1 registration, search, detail, lifecycle actions, comments)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from admin_api.deps import Tz, Uow
from admin_api.fields import Id, PageNo, Priority, SafeStr
from admin_api.schemas_tickets import (
    ActionIn,
    CommentIn,
    CommentOut,
    TicketCreate,
    TicketDetail,
    TicketOut,
    TicketPage,
    comment_out,
    history_out,
    ticket_attrs,
    ticket_out,
)
from core.catalog import service as catalog
from core.sla import clock as sla_clock
from core.tickets import service as tickets
from core.tickets.lifecycle import Status

router = APIRouter(tags=["tickets"])


async def _service_codes(uow: Uow) -> dict[int, str]:
    # the catalog holds a handful of services: one small query beats a join in every ticket query
    return {s.id: s.code for s in await catalog.list_services(uow=uow())}


@router.post("/tickets", response_model=TicketOut, status_code=201)
async def register_ticket(uow: Uow, tz: Tz, body: TicketCreate) -> TicketOut:
    """Line 1 registers a ticket on a user's behalf after a call or an e-mail."""
    ticket = await tickets.register_on_behalf(
        uow=uow(), service_code=body.service, request_type=body.type.value, priority=body.priority,
        requester=body.requester.model_dump(), fields=body.fields, channel=body.channel, staff_id=body.staff_id,
        tz=tz)
    return ticket_out(ticket, await _service_codes(uow))


@router.get("/tickets", response_model=TicketPage)
async def list_tickets(uow: Uow, status: Status | None = None, service: SafeStr | None = None,
                       priority: Priority | None = None, line: SafeStr | None = None,
                       assignee: Annotated[Id | None, Query(description="staff id of the assignee")] = None,
                       page: PageNo = 1,
                       per_page: int = Query(default=20, ge=1, le=100)) -> TicketPage:
    """Tickets matching the filters, newest first."""
    flt = tickets.TicketFilter(status=status.value if status else None, service=service, priority=priority,
                               line=line, assignee_id=assignee)
    rows, total = await tickets.search(uow=uow.read(), flt=flt, offset=(page - 1) * per_page,
                                       limit=per_page)
    codes = await _service_codes(uow)
    return TicketPage(items=[ticket_out(t, codes) for t in rows], total=total, page=page, per_page=per_page)


@router.get("/tickets/{ticket_id}", response_model=TicketDetail)
async def get_ticket(uow: Uow, ticket_id: Id) -> TicketDetail:
    """A ticket with its history and comments."""
    ticket, history = await tickets.get(uow=uow.read(), ticket_id=ticket_id)
    notes = await tickets.comments(uow=uow.read(), ticket_id=ticket_id)
    detail = {
        **ticket_attrs(ticket, await _service_codes(uow)),
        "history": [history_out(h) for h in history],
        "comments": [comment_out(c) for c in notes],
        "sla": await sla_clock.ticket_sla(uow=uow.read(), ticket_id=ticket_id),
    }
    return TicketDetail(**detail)


@router.post("/tickets/{ticket_id}/actions", response_model=TicketOut)
async def apply_action(uow: Uow, ticket_id: Id, body: ActionIn) -> TicketOut:
    """Performs one lifecycle action (409 when the ticket's status does not allow it)."""
    ticket = await tickets.apply_action(uow=uow(), ticket_id=ticket_id, action=body.action.value,
                                        actor=body.actor(), params=body.params())
    return ticket_out(ticket, await _service_codes(uow))


@router.post("/tickets/{ticket_id}/comments", response_model=CommentOut, status_code=201)
async def add_comment(uow: Uow, ticket_id: Id, body: CommentIn) -> CommentOut:
    """Adds a public or internal comment."""
    comment = await tickets.add_comment(uow=uow(), ticket_id=ticket_id, actor=body.actor(),
                                        text=body.text, public=body.public)
    return comment_out(comment)
