"""Reading planned works: lists, one with its notices and what they did, the report, the menu's view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts.ledger import counts
from core.broadcasts.models import Broadcast
from core.catalog.models import Service
from core.db import utcnow
from core.errors import NotFound
from core.planned import texts
from core.planned.models import PlannedNotice, PlannedWork
from core.planned.service import OPEN, subject
from core.tickets.models import Ticket
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class WorkView:
    work: PlannedWork
    notices: list[PlannedNotice]
    counts: dict[str, int]  # notices_sent / _failed / _blocked / _uncertain over every broadcast of the works
    tickets: list[int] = field(default_factory=list)  # a release's linked tickets (waiting or resolved by it)


async def list_works(*, uow: UnitOfWork, upcoming: bool = False) -> list[PlannedWork]:
    """Planned works by start (only scheduled or running ones when `upcoming`)."""
    async with uow:
        q = select(PlannedWork).order_by(PlannedWork.starts_at, PlannedWork.id)
        if upcoming:
            q = q.where(PlannedWork.status.in_(OPEN))
        return list((await uow.session.scalars(q)).all())


async def _view(s: AsyncSession, w: PlannedWork) -> WorkView:
    notices = list((await s.scalars(select(PlannedNotice).where(PlannedNotice.work_id == w.id)
                                    .order_by(PlannedNotice.due_at, PlannedNotice.id))).all())
    totals: dict[str, int] = {}
    for bid in (await s.scalars(select(Broadcast.id).where(Broadcast.subject == subject(w.id)))).all():
        for k, v in (await counts(s, bid)).items():
            totals[k] = totals.get(k, 0) + v
    tickets = list((await s.scalars(select(Ticket.id).where(Ticket.release_id == w.id).order_by(Ticket.id))).all())
    return WorkView(work=w, notices=notices, counts={f"notices_{k}": totals.get(k, 0)
                                                     for k in ("sent", "failed", "blocked", "uncertain")},
                    tickets=tickets)


async def detail(*, uow: UnitOfWork, work_id: int) -> WorkView:
    """One planned works with its notices."""
    async with uow:
        w = await uow.session.get(PlannedWork, work_id)
        if w is None:
            raise NotFound(f"planned works {work_id} not found")
        return await _view(uow.session, w)


async def report(*, uow: UnitOfWork, since: datetime | None = None) -> list[WorkView]:
    """Every planned works (starting since a date) with its notices."""
    async with uow:
        q = select(PlannedWork).order_by(PlannedWork.starts_at, PlannedWork.id)
        if since is not None:
            q = q.where(PlannedWork.starts_at >= since)
        return [await _view(uow.session, w) for w in (await uow.session.scalars(q)).all()]


async def menu_lines(session: AsyncSession, mine: set[str], tz: ZoneInfo) -> list[str]:
    """Upcoming and running works of these services (all when empty), for the «Аварии и работы» menu."""
    rows = (await session.scalars(select(PlannedWork).where(PlannedWork.status.in_(OPEN),
                                                            PlannedWork.ends_at > utcnow())
                                  .order_by(PlannedWork.starts_at).limit(10))).all()
    shown = [w for w in rows if not mine or mine & set(w.services or [])]
    if not shown:
        return []
    names = dict((await session.execute(select(Service.code, Service.name))).all())
    return [texts.menu_line(w, [names.get(c, c) for c in w.services or []], tz) for w in shown]
