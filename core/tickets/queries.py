"""Ticket search for line 1 and curators: filters, full-text search in the title and details, SLA state.

The text search is a portable substring match (`LIKE`, escaped) on `tickets.search_text`, the title and details
casefolded in Python (core.text.search_key): SQLite's LIKE and lower() fold ASCII only, so «ошибка» would not
find «Ошибка» there; no database's own full-text engine is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from core.catalog.models import Service, User
from core.catalog.users import regions_like
from core.db import utcnow
from core.sla.models import TicketSla, TicketSlaTarget
from core.text import search_key
from core.tickets.models import Ticket, parse_number
from core.uow import UnitOfWork


@dataclass(slots=True)
class TicketFilter:
    status: str | None = None
    service: str | None = None
    priority: int | None = None
    line: str | None = None
    assignee_id: int | None = None
    requester_id: int | None = None
    statuses: Sequence[str] = field(default_factory=tuple)
    q: str | None = None  # words in the title or the details, or a ticket number
    region: str | None = None  # the requester's МРФ
    breached: bool | None = None  # a target overdue (breached, or past due on a running clock)
    due_before: datetime | None = None  # a target not met yet is due before this instant (clock running)
    created_from: datetime | None = None
    created_to: datetime | None = None


def _targets(*conds: ColumnElement[bool]) -> ColumnElement[bool]:
    """A target of this ticket, on its clock, matching `conds` (one correlated EXISTS)."""
    joined = TicketSlaTarget.__table__.join(TicketSla.__table__, TicketSla.ticket_id == TicketSlaTarget.ticket_id)
    return exists(select(TicketSlaTarget.id).select_from(joined).where(TicketSlaTarget.ticket_id == Ticket.id, *conds))


def _overdue(now: datetime) -> ColumnElement[bool]:
    # breached (told or met late), or past due on a clock that runs
    late = and_(TicketSlaTarget.met_at.is_(None), TicketSlaTarget.due_at < now, TicketSla.stopped_at.is_(None),
                TicketSla.paused_since.is_(None))
    return _targets(or_(TicketSlaTarget.breached.is_(True), late))


def _due_before(at: datetime) -> ColumnElement[bool]:
    return _targets(TicketSlaTarget.met_at.is_(None), TicketSlaTarget.due_at < at, TicketSla.stopped_at.is_(None))


def _text(q: str) -> ColumnElement[bool]:
    key = search_key(q)
    match = Ticket.search_text.contains(key, autoescape=True)
    number = parse_number(q)
    return or_(match, Ticket.id == number) if number is not None and number < 2**31 else match


def _query(flt: TicketFilter, now: datetime, regions: list[str] | None = None) -> Select[Ticket]:
    q = select(Ticket)
    conds: list[ColumnElement[bool]] = []
    if flt.status:
        conds.append(Ticket.status == flt.status)
    if flt.statuses:
        conds.append(Ticket.status.in_(list(flt.statuses)))
    if flt.service:
        q = q.join(Service, Service.id == Ticket.service_id)
        conds.append(Service.code == flt.service)
    if regions is not None:
        q = q.join(User, User.id == Ticket.requester_id)
        conds.append(User.region.in_(regions))
    for value, column in ((flt.priority, Ticket.priority), (flt.line, Ticket.line),
                          (flt.assignee_id, Ticket.assignee_id), (flt.requester_id, Ticket.requester_id)):
        if value:
            conds.append(column == value)
    if flt.q and flt.q.strip():
        conds.append(_text(flt.q))
    if flt.breached is not None:
        conds.append(_overdue(now) if flt.breached else ~_overdue(now))
    if flt.due_before is not None:
        conds.append(_due_before(flt.due_before))
    if flt.created_from is not None:
        conds.append(Ticket.created_at >= flt.created_from)
    if flt.created_to is not None:
        conds.append(Ticket.created_at < flt.created_to)
    return q.where(*conds)


async def search(*, uow: UnitOfWork, flt: TicketFilter, offset: int = 0, limit: int = 50,
                 now: datetime | None = None) -> tuple[list[Ticket], int]:
    """Tickets matching the filter, newest first, with the total count."""
    async with uow:
        regions = await regions_like(uow.session, flt.region) if flt.region and flt.region.strip() else None
        q = _query(flt, now or utcnow(), regions)
        total = await uow.session.scalar(select(func.count()).select_from(q.subquery())) or 0
        rows = (await uow.session.scalars(q.order_by(Ticket.id.desc()).offset(offset).limit(limit))).all()
        return list(rows), total


async def requesters(*, uow: UnitOfWork, user_ids: Sequence[int]) -> dict[int, User]:
    """The requesters of some tickets by id (their name and contacts go into the ticket's body)."""
    if not user_ids:
        return {}
    async with uow:
        rows = (await uow.session.scalars(select(User).where(User.id.in_(set(user_ids))))).all()
        return {u.id: u for u in rows}
