"""What the staff commands read: a group's queue by due time, one's own tickets, one ticket, the day's figures.

Every read is one indexed query (tickets by status and line, by assignee, by line and day; the next due instant
is a correlated MIN over the ticket's targets, unique per ticket and target) with LIMIT/OFFSET pages.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from core.catalog.intake import region_key
from core.catalog.models import LineGroup, Service, Staff, User
from core.db import utcnow
from core.sla.models import TicketSla, TicketSlaTarget
from core.staffdesk import chats
from core.staffdesk.models import ALL_SERVICES
from core.tickets.lifecycle import OPEN
from core.tickets.models import Ticket, parse_number
from core.uow import UnitOfWork

PENDING = "pending"  # Ticket.approval of an access request waiting for the МРФ curator


@dataclass(frozen=True, slots=True)
class GroupScope:
    """A support group, for one service or (service_code None) for all of them."""

    group_code: str
    service_code: str | None = None


@dataclass(frozen=True, slots=True)
class StaffRef:
    """A staff record of a Telegram account."""

    staff_id: int
    group_code: str
    curator_region: str | None
    locale: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    ticket_id: int
    number: str
    title: str
    status: str
    priority: int
    line: str
    assignee_name: str | None
    due_at: datetime | None  # the next target not met yet
    line_name: str = ""  # the group as the catalog names it («1ЛТП (Service Desk)»)


@dataclass(frozen=True, slots=True)
class QueuePage:
    items: list[QueueItem]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class DayStats:
    new: int
    closed: int
    breached: int
    median_reaction_seconds: int | None
    reacted: int


async def chat_scope(*, uow: UnitOfWork, chat_id: int) -> GroupScope | None:
    """The group (and service) a line chat is bound to."""
    async with uow:
        row = await chats.by_chat(uow.session, chat_id)
        if row is None:
            return None
        return GroupScope(row.group_code, row.service_code if row.service_code != ALL_SERVICES else None)


async def staff_of(*, uow: UnitOfWork, tg_id: int) -> list[StaffRef]:
    """The active staff records of a Telegram account (one per group it works in)."""
    async with uow:
        rows = (await uow.session.scalars(select(Staff).join(Staff.user).where(
            User.tg_id == tg_id, Staff.active.is_(True)).order_by(Staff.id))).all()
        return [StaffRef(s.id, s.line_code, s.curator_region, s.user.locale or "ru") for s in rows]


async def group_names(*, uow: UnitOfWork, codes: Sequence[str]) -> dict[str, str]:
    """The groups as the catalog names them, by code (a code the catalog lacks names itself)."""
    async with uow:
        return await _names_in(uow, codes)


async def _names_in(uow: UnitOfWork, codes: Sequence[str]) -> dict[str, str]:
    wanted = list(dict.fromkeys(codes))
    rows = (await uow.session.execute(select(LineGroup.code, LineGroup.name)
                                      .where(LineGroup.code.in_(wanted)))).all() if wanted else []
    found = {code: name for code, name in rows if name}
    return {code: found.get(code, code) for code in wanted}


def _in_scope(scopes: Sequence[GroupScope]) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    for sc in scopes:
        if sc.service_code is None:
            conds.append(Ticket.line == sc.group_code)
        else:
            conds.append(and_(Ticket.line == sc.group_code,
                              Ticket.service_id.in_(select(Service.id).where(Service.code == sc.service_code))))
    return or_(*conds) if conds else Ticket.id.is_(None)


def _not_pending() -> ColumnElement[bool]:
    return or_(Ticket.approval.is_(None), Ticket.approval != PENDING)


def _next_due() -> ColumnElement[datetime]:
    return (select(func.min(TicketSlaTarget.due_at))
            .where(TicketSlaTarget.ticket_id == Ticket.id, TicketSlaTarget.met_at.is_(None))
            .correlate(Ticket).scalar_subquery())


async def _page(uow: UnitOfWork, where: ColumnElement[bool], *, offset: int, limit: int) -> QueuePage:
    due = _next_due()
    async with uow:
        s = uow.session
        total = int(await s.scalar(select(func.count(Ticket.id)).where(where)) or 0)
        # no due instant (a stopped clock) after every dated one, on SQLite and PostgreSQL alike
        rows = (await s.execute(select(Ticket, due.label("due")).where(where)
                                .order_by(case((due.is_(None), 1), else_=0), due, Ticket.id)
                                .offset(offset).limit(limit))).all()
        names: dict[int, str] = {}
        ids = {t.assignee_id for t, _ in rows if t.assignee_id is not None}
        if ids:
            for st in (await s.scalars(select(Staff).where(Staff.id.in_(ids)))).all():
                names[st.id] = st.user.full_name or f"#{st.id}"
        groups = await _names_in(uow, [t.line for t, _ in rows])
        items = [QueueItem(t.id, t.number or "", t.title, t.status, t.priority, t.line,
                           names.get(t.assignee_id) if t.assignee_id else None, d, groups.get(t.line, t.line))
                 for t, d in rows]
        return QueuePage(items, total, offset, limit)


async def queue(*, uow: UnitOfWork, scopes: Sequence[GroupScope], offset: int = 0, limit: int = 10) -> QueuePage:
    """The open tickets of these groups, the nearest deadline first (access requests awaiting a curator left out)."""
    where = and_(Ticket.status.in_([s.value for s in OPEN]), _in_scope(scopes), _not_pending())
    return await _page(uow, where, offset=offset, limit=limit)


async def mine(*, uow: UnitOfWork, staff_ids: Sequence[int], offset: int = 0, limit: int = 10) -> QueuePage:
    """The open tickets assigned to these staff records, the nearest deadline first."""
    where = and_(Ticket.assignee_id.in_(list(staff_ids) or [-1]), Ticket.status.in_([s.value for s in OPEN]))
    return await _page(uow, where, offset=offset, limit=limit)


async def awaiting_curator(*, uow: UnitOfWork, staff_ids: Sequence[int], offset: int = 0,
                           limit: int = 10) -> QueuePage:
    """Access requests waiting for the decision of these staff records as МРФ curators (their МРФ, their
    systems), oldest first."""
    async with uow:
        s = uow.session
        curators = (await s.scalars(select(Staff).where(Staff.id.in_(staff_ids), Staff.curator_region.is_not(None),
                                                        Staff.active.is_(True)))).all()
        wanted = {(region_key(c.curator_region), code) for c in curators for code in (c.curator_services or [])}
        rows = (await s.execute(select(Ticket, User.region, Service.code).join(User, User.id == Ticket.requester_id)
                                .join(Service, Service.id == Ticket.service_id)
                                .where(Ticket.approval == PENDING).order_by(Ticket.id))).all()
        mine_ = [t for t, region, code in rows if (region_key(region), code) in wanted]
        shown = mine_[offset:offset + limit]
        groups = await _names_in(uow, [t.line for t in shown])
    items = [QueueItem(t.id, t.number or "", t.title, t.status, t.priority, t.line, None, None,
                       groups.get(t.line, t.line)) for t in shown]
    return QueuePage(items, len(mine_), offset, limit)


async def of_region(*, uow: UnitOfWork, staff_ids: Sequence[int], offset: int = 0, limit: int = 10) -> QueuePage:
    """The open requests of the МРФ and systems these staff records curate, the nearest deadline first (003
    «Мониторинг по разрешению обращений осуществляет Куратор МРФ»)."""
    async with uow:
        s = uow.session
        curators = (await s.scalars(select(Staff).where(Staff.id.in_(staff_ids), Staff.curator_region.is_not(None),
                                                        Staff.active.is_(True)))).all()
        wanted = {(region_key(c.curator_region), code) for c in curators for code in (c.curator_services or [])}
        codes = list({code for _, code in wanted})
        # the region as written in profiles varies («МРФ Урал», «Урал»): matched by region_key, not in SQL
        rows = (await s.execute(select(Ticket.id, User.region, Service.code)
                                .join(User, User.id == Ticket.requester_id)
                                .join(Service, Service.id == Ticket.service_id)
                                .where(Ticket.status.in_([st.value for st in OPEN]), Service.code.in_(codes))
                                )).all() if codes else []
        ids = [tid for tid, region, code in rows if (region_key(region), code) in wanted]
    return await _page(uow, Ticket.id.in_(ids or [-1]), offset=offset, limit=limit)


async def find_ticket(*, uow: UnitOfWork, number: str) -> tuple[int, str, str] | None:
    """(id, line, service code) of a ticket by its number (SD-000042, 42)."""
    ticket_id = parse_number(number.strip())
    if ticket_id is None:
        return None
    async with uow:
        t = await uow.session.get(Ticket, ticket_id)
        if t is None:
            return None
        service = await uow.session.get(Service, t.service_id)
        return t.id, t.line, service.code if service is not None else ""


async def day_stats(*, uow: UnitOfWork, scopes: Sequence[GroupScope], start: datetime, end: datetime,
                    now: datetime | None = None) -> DayStats:
    """From start to end: tickets registered and closed, tickets with a deadline (due in the span) missed, and the
    median time from registration to reaction of the tickets registered in the span that were reacted to."""
    now = now or utcnow()
    scope = _in_scope(scopes)
    until = min(end, now)
    async with uow:
        s = uow.session
        new = int(await s.scalar(select(func.count(Ticket.id)).where(
            scope, Ticket.created_at >= start, Ticket.created_at < end)) or 0)
        closed = int(await s.scalar(select(func.count(Ticket.id)).where(  # closed, not cancelled by the user
            scope, Ticket.closed_at >= start, Ticket.closed_at < end, Ticket.status == "closed")) or 0)
        late = or_(TicketSlaTarget.breached.is_(True), TicketSlaTarget.met_at > TicketSlaTarget.due_at,
                   and_(TicketSlaTarget.met_at.is_(None), TicketSla.stopped_at.is_(None),
                        TicketSla.paused_since.is_(None)))
        breached = int(await s.scalar(
            select(func.count(func.distinct(Ticket.id)))
            .join(TicketSlaTarget, TicketSlaTarget.ticket_id == Ticket.id)
            .join(TicketSla, TicketSla.ticket_id == Ticket.id)
            .where(scope, TicketSlaTarget.due_at >= start, TicketSlaTarget.due_at < until, late)) or 0)
        reactions = (await s.execute(
            select(TicketSlaTarget.met_at, Ticket.created_at)
            .join(Ticket, Ticket.id == TicketSlaTarget.ticket_id)
            .where(scope, TicketSlaTarget.target == "reaction", TicketSlaTarget.met_at.is_not(None),
                   Ticket.created_at >= start, Ticket.created_at < end))).all()
    spans = [(met - created).total_seconds() for met, created in reactions if met is not None]
    median = int(statistics.median(spans)) if spans else None
    return DayStats(new=new, closed=closed, breached=breached, median_reaction_seconds=median, reacted=len(spans))


async def staff_chats(*, uow: UnitOfWork) -> list[tuple[int, str]]:
    """(Telegram id, locale) of every active staff member linked to Telegram: where the staff menu is set."""
    async with uow:
        rows = (await uow.session.execute(select(User.tg_id, User.locale).join(Staff, Staff.user_id == User.id)
                                          .where(Staff.active.is_(True), User.tg_id.is_not(None))
                                          .order_by(User.tg_id))).all()
    return list(dict.fromkeys((int(tg), loc or "ru") for tg, loc in rows if tg is not None))
