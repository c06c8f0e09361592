"""A resolved ticket the requester does not answer closes itself after N working days — where enabled.

No regulation has auto-closing: it is a per-service setting (`Service.autoclose`), off until an administrator
turns it on, and never for a service whose tickets close only on the requester's confirmation (ТЕКОН).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from core.catalog.models import Service
from core.db import utcnow
from core.errors import DomainError
from core.sla.store import catalog
from core.tickets.models import Ticket
from core.tickets.service import SYSTEM, apply_action
from core.uow import UnitOfWork

log = logging.getLogger(__name__)
CALENDAR = "msk-business"


async def due_for_autoclose(*, uow: UnitOfWork, working_days: int, now: datetime | None = None,
                            calendar_code: str = CALENDAR, limit: int = 500) -> list[int]:
    """Ids of resolved tickets whose confirmation has waited at least `working_days` working days."""
    now = now or utcnow()
    async with uow:
        cat = await catalog(uow.session)
        cal = cat.calendars.get(calendar_code) or cat.calendars["24x7"]
        need = cal.standard_workday() * working_days
        # working time never exceeds elapsed time, so the indexed bound `resolved_at <= now - need` is safe
        # only where an administrator turned auto-closing on; never where the requester must confirm (ТЕКОН)
        services = select(Service.id).where(Service.autoclose.is_(True), Service.confirmation_only.is_(False))
        rows = (await uow.session.execute(
            select(Ticket.id, Ticket.resolved_at).where(Ticket.status == "resolved",
                                                        Ticket.resolved_at <= now - need,
                                                        Ticket.service_id.in_(services))
            .order_by(Ticket.resolved_at).limit(limit))).all()
    return [tid for tid, at in rows if at is not None and cal.working_time_between(at, now) >= need]


async def autoclose(*, uow_factory: Callable[[], UnitOfWork], working_days: int,
                    now: datetime | None = None) -> int:
    """Closes every overdue resolved ticket, each in its own transaction; returns how many were closed."""
    now = now or utcnow()
    closed = 0
    for tid in await due_for_autoclose(uow=uow_factory(), working_days=working_days, now=now):
        try:
            # closed with the closing code, solution and configuration item the resolution gave (003)
            await apply_action(uow=uow_factory(), ticket_id=tid, action="close", actor=SYSTEM, now=now,
                               params={})
            closed += 1
        except DomainError as exc:  # the user confirmed or reopened it meanwhile
            log.info("autoclose skipped ticket %s: %s", tid, exc.message)
    return closed


__all__ = ["autoclose", "due_for_autoclose"]
