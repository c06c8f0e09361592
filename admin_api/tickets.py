"""Admin API: tickets routes (line-1 registration, search, detail, lifecycle actions, comments)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from admin_api.deps import Tz, Uow
from admin_api.fields import Id, PageNo, Priority, SafeStr, TicketRef
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
from core.tickets import queries
from core.tickets import service as tickets
from core.tickets.lifecycle import Status
from core.tickets.models import Ticket

router = APIRouter(tags=["tickets"])
Text = Annotated[SafeStr, Query(max_length=200, description="words of the title or the details, or a number")]


async def _service_codes(uow: Uow) -> dict[int, str]:
    # the catalog holds a handful of services: one small query beats a join in every ticket query
    return {s.id: s.code for s in await catalog.list_services(uow=uow())}


async def _out(uow: Uow, rows: Sequence[Ticket]) -> list[TicketOut]:
    codes = await _service_codes(uow)
    people = await queries.requesters(uow=uow(), user_ids=[t.requester_id for t in rows])
    return [ticket_out(t, codes, people) for t in rows]


@router.post("/tickets", response_model=TicketOut, status_code=201)
async def register_ticket(uow: Uow, tz: Tz, body: TicketCreate) -> TicketOut:
    """Line 1 registers a ticket on a caller's behalf; the person is found by login or e-mail (or created), so
    the ticket is in their «Мои обращения» and the bot tells them of every change."""
    ticket = await tickets.register_on_behalf(
        uow=uow(), service_code=body.service, request_type=body.type.value, priority=body.priority,
        requester=body.requester.model_dump(), fields=body.fields, channel=body.channel, staff_id=body.staff_id,
        tz=tz)
    return (await _out(uow, [ticket]))[0]


@router.get("/tickets", response_model=TicketPage)
async def list_tickets(uow: Uow, status: Status | None = None, service: SafeStr | None = None,
                       priority: Priority | None = None, line: SafeStr | None = None,
                       assignee: Annotated[Id | None, Query(description="staff id of the assignee")] = None,
                       requester: Annotated[Id | None, Query(description="user id of the requester")] = None,
                       region: Annotated[SafeStr | None, Query(max_length=100,
                                                               description="the requester's МРФ")] = None,
                       q: Text | None = None,
                       breached: Annotated[bool | None, Query(description="true: a target is overdue")] = None,
                       due_before: Annotated[AwareDatetime | None, Query(
                           description="a target not met yet is due before this instant")] = None,
                       created_from: AwareDatetime | None = None, created_to: AwareDatetime | None = None,
                       page: PageNo = 1,
                       per_page: int = Query(default=20, ge=1, le=100)) -> TicketPage:
    """Tickets matching the filters, newest first."""
    flt = queries.TicketFilter(status=status.value if status else None, service=service, priority=priority,
                               line=line, assignee_id=assignee, requester_id=requester, region=region, q=q,
                               breached=breached, due_before=due_before, created_from=created_from,
                               created_to=created_to)
    rows, total = await queries.search(uow=uow.read(), flt=flt, offset=(page - 1) * per_page, limit=per_page)
    return TicketPage(items=await _out(uow, rows), total=total, page=page, per_page=per_page)


@router.get("/tickets/{ticket_ref}", response_model=TicketDetail)
async def get_ticket(uow: Uow, ticket_ref: TicketRef) -> TicketDetail:
    """A ticket by id or number (`SD-000042`) with its requester, history and comments."""
    ticket_id = int(ticket_ref)
    ticket, history = await tickets.get(uow=uow.read(), ticket_id=ticket_id)
    notes = await tickets.comments(uow=uow.read(), ticket_id=ticket_id)
    people = await queries.requesters(uow=uow.read(), user_ids=[ticket.requester_id])
    detail = {
        **ticket_attrs(ticket, await _service_codes(uow), people),
        "history": [history_out(h) for h in history],
        "comments": [comment_out(c) for c in notes],
        "sla": await sla_clock.ticket_sla(uow=uow.read(), ticket_id=ticket_id),
    }
    return TicketDetail(**detail)


@router.post("/tickets/{ticket_id}/actions", response_model=TicketOut)
async def apply_action(uow: Uow, ticket_id: Id, body: ActionIn) -> TicketOut:
    """Performs one lifecycle action (409 when the ticket's status does not allow it).

    `resolve` takes the closing code, the configuration item and the solution (`text`); `close` too, unless the
    resolution gave them. `escalate` to line 3 takes `defect` and `fix_requirements`. `reclassify` (line 1)
    takes `service` and/or `type` and/or `to_line` (e.g. `dev`): the ticket is routed again, its SLA follows."""
    ticket = await tickets.apply_action(uow=uow(), ticket_id=ticket_id, action=body.action.value,
                                        actor=body.actor(), params=body.params())
    return (await _out(uow, [ticket]))[0]


@router.post("/tickets/{ticket_id}/comments", response_model=CommentOut, status_code=201)
async def add_comment(uow: Uow, ticket_id: Id, body: CommentIn) -> CommentOut:
    """Adds a public or internal comment."""
    comment = await tickets.add_comment(uow=uow(), ticket_id=ticket_id, actor=body.actor(),
                                        text=body.text, public=body.public)
    return comment_out(comment)
