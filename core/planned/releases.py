"""A release's linked tickets (core.tickets.releases) when it ends: installed, each one is resolved with a solution
naming the release, in the transaction that marks the release done (the requester is told «Решено» and confirms or
rejects as with any resolution; its assignee, in whose name it was resolved, is told too: `INSTALLED`); cancelled,
each one is taken off it and its assignee told it is theirs again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.catalog.models import Staff
from core.errors import DomainError
from core.planned.models import PlannedWork, WorkKind
from core.staffdesk import cards
from core.tickets import releases
from core.tickets.lifecycle import OPEN, SYSTEM, Actor, Status
from core.tickets.models import Ticket
from core.uow import UnitOfWork

INSTALLED = "ticket.release_installed"  # to the assignee: their ticket was resolved by the release's installation


async def _linked(uow: UnitOfWork, w: PlannedWork) -> list[Ticket]:
    if w.kind != WorkKind.release:
        return []
    return list((await uow.session.scalars(select(Ticket).where(
        Ticket.release_id == w.id, Ticket.status.in_([s.value for s in OPEN])).order_by(Ticket.id))).all())


async def resolve_linked(uow: UnitOfWork, w: PlannedWork, *, now: datetime) -> tuple[list[int], list[int]]:
    """Resolves every open ticket linked to the installed release, as its assignee; one nobody works on any more
    (returned to the queue, waiting for the requester, its assignee gone) is unlinked, its holder told to resolve
    it. Returns the resolved and the unlinked ids."""
    from core.tickets.service import step_in

    done: list[int] = []
    left: list[int] = []
    text, facts = releases.solution(w), releases.facts(w)
    for t in await _linked(uow, w):
        staff = await uow.session.get(Staff, t.assignee_id) if t.assignee_id is not None else None
        if t.status == Status.in_progress and staff is not None and staff.active:
            try:
                await step_in(uow, ticket_id=t.id, action="resolve", actor=Actor("staff", staff.id), now=now,
                              params={"text": text, "closing_code": "resolved"},
                              event={**facts, "why": "installed"})
                # resolved in their name by no one at the keyboard: the staff notices skip the actor, so it is said
                uow.add_event(INSTALLED, {"ticket_id": t.id, "number": t.number, "priority": t.priority,
                                          "assignee_id": staff.id, "actor_kind": SYSTEM.kind, "text": text, **facts,
                                          "why": "installed"},
                              ticket_id=t.id)
                done.append(t.id)
                continue
            except DomainError:
                pass  # refused before writing anything: unlinked below, its holder resolves it by hand
        await step_in(uow, ticket_id=t.id, action="unlink_release", actor=SYSTEM, now=now,
                      params={"text": f"{text}. Обращение не было в работе — решите его вручную",
                              "release": w.title}, event={**facts, "why": "not_in_work"})
        left.append(t.id)
    await offered(uow, w, now=now)
    return done, left


async def unlink_cancelled(uow: UnitOfWork, w: PlannedWork, *, now: datetime) -> list[int]:
    """Takes every open ticket off the cancelled release; each assignee is told (the unlink's event)."""
    from core.tickets.service import step_in

    reason = f". Причина: {w.cancel_reason}" if w.cancel_reason else ""
    out: list[int] = []
    for t in await _linked(uow, w):
        await step_in(uow, ticket_id=t.id, action="unlink_release", actor=SYSTEM, now=now,
                      params={"text": f"Релиз №{w.id} «{w.title}» отменён{reason}", "release": w.title},
                      event={**releases.facts(w), "why": "cancelled", "reason": w.cancel_reason})
        out.append(t.id)
    await offered(uow, w, now=now)
    return out


async def offered(uow: UnitOfWork, w: PlannedWork, *, now: datetime) -> None:
    """A release announced or ended: the cards of its services' tickets in work offer it (a button) or stop."""
    if w.kind == WorkKind.release:
        await cards.mark_service_dirty(uow.session, service_codes=list(w.services or []), now=now)


async def open_releases(*, uow: UnitOfWork, service_code: str) -> list[PlannedWork]:
    """The announced, not yet installed releases of one service, soonest end first (what a ticket can wait for)."""
    async with uow:
        rows = (await uow.session.scalars(select(PlannedWork).where(
            PlannedWork.kind == WorkKind.release, PlannedWork.status.in_(releases.OPEN_RELEASE))
            .order_by(PlannedWork.ends_at, PlannedWork.id))).all()
    return [w for w in rows if service_code in (w.services or [])]
