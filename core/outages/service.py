"""Outage use cases: declare, update, restore, link tickets, record a problem; the menu's view and the report.

Each notice is a broadcast written in the same transaction as the change (core.broadcasts): the services'
chats (notice pinned) and service managers, and the audience for the declaration; every chat told before for
an update and the restoration (the restoration unpins the pinned notice). Each is also e-mailed to all the
services' addresses (core.mail.bulletins), from the same transaction's outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts.models import Broadcast
from core.broadcasts.service import ChatTarget, add_broadcast, users_audience
from core.catalog.models import Service, Staff, User
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.mail.bulletins import add_bulletin
from core.outages import audience, texts
from core.outages.models import Outage, OutageStatus
from core.tickets.models import Ticket
from core.uow import UnitOfWork, UowFactory


def subject(outage_id: int) -> str:
    return f"outage:{outage_id}"


async def _names(session: AsyncSession, codes: Sequence[str]) -> list[str]:
    found = {c: n for c, n in (await session.execute(select(Service.code, Service.name)
                                                    .where(Service.code.in_(codes)))).all()}
    return [found.get(c, c) for c in codes]


async def _outage(session: AsyncSession, outage_id: int, *, open_only: bool = False) -> Outage:
    o = await session.get(Outage, outage_id)
    if o is None:
        raise NotFound(f"outage {outage_id} not found")
    if open_only and o.status != OutageStatus.open:
        raise Conflict(f"outage {outage_id} is already restored")
    return o


async def _broadcast_ids(session: AsyncSession, outage_id: int) -> list[int]:
    return list((await session.scalars(select(Broadcast.id).where(Broadcast.subject == subject(outage_id)))).all())


async def declare(*, uow: UnitOfWork, services: Sequence[str], title: str, what: str = "",
                  started_at: datetime | None = None, expected_at: datetime | None = None,
                  declared_by: str | None = None, tz: ZoneInfo) -> tuple[Outage, int]:
    """Opens an outage and its first notice (chats pinned, managers, audience); returns it and the broadcast id."""
    codes = list(dict.fromkeys(s.strip() for s in services if s.strip()))
    problems = {**({} if codes else {"services": "Сервисы: хотя бы один код"}),
                **({} if title.strip() else {"title": "Заголовок аварии"})}
    if problems:
        raise ValidationFailed("an outage needs services and a title", fields=problems)
    async with uow:
        s = uow.session
        known = set((await s.scalars(select(Service.code).where(Service.code.in_(codes)))).all())
        if unknown := [c for c in codes if c not in known]:
            raise ValidationFailed(f"unknown services: {', '.join(unknown)}", fields={"services": ", ".join(unknown)})
        o = Outage(title=title.strip(), what=what.strip(), services=codes, started_at=started_at or utcnow(),
                   expected_at=expected_at, declared_by=declared_by, status=OutageStatus.open)
        s.add(o)
        await s.flush()
        chats = [ChatTarget(chat_id=c, pin=True) for c in await audience.service_chats(s, codes)]
        chats += await audience.managers(s, codes)
        body = texts.declared(o, await _names(s, codes), tz)
        b = await add_broadcast(s, kind="outage", texts=body, chats=chats,
                                audience=users_audience(audience.audience_ids(codes)), subject=subject(o.id),
                                progress_chat_id=await audience.line1_chat(s), created_by=declared_by)
        # 003: «Рассылка осуществляется ... на адреса всех пользователей системы» — «Внеплановой недоступности»
        add_bulletin(s, kind="outage", services=codes, texts=body, subject=subject(o.id))
        await uow.commit()
        return o, b.id


async def update_outage(*, uow: UnitOfWork, outage_id: int, details: str | None = None,
                        expected_at: datetime | None = None, problem: str | None = None, tz: ZoneInfo) -> int:
    """A new estimate or details: a short follow-up to everyone told before; returns the broadcast id."""
    async with uow:
        s = uow.session
        o = await _outage(s, outage_id, open_only=True)
        if expected_at is not None:
            o.expected_at = expected_at
        if problem is not None:
            o.problem = problem.strip() or None
        told = [ChatTarget(chat_id=c.chat_id, user_id=c.user_id, locale=c.locale)
                for c in await audience.told_before(s, await _broadcast_ids(s, outage_id))]
        body = texts.updated(o, await _names(s, o.services), details, tz)
        b = await add_broadcast(s, kind="outage.update", texts=body, chats=told,
                                subject=subject(o.id), progress_chat_id=await audience.line1_chat(s))
        add_bulletin(s, kind="outage.update", services=o.services, texts=body, subject=subject(o.id))
        await uow.commit()
        return b.id


async def restore(*, uow: UnitOfWork, outage_id: int, resolution: str, restored_by: str | None = None,
                  staff_id: int | None = None, restored_at: datetime | None = None,
                  tz: ZoneInfo) -> tuple[Outage, int, list[int]]:
    """Closes the outage: everyone told before hears it, the pinned notices are unpinned; returns the outage,
    the broadcast id and the linked open tickets (to be resolved with `resolve_linked`). Who restored it is
    `restored_by`, else the name of staff member `staff_id`, as the chat records a name."""
    if not resolution.strip():
        raise ValidationFailed("a restoration needs its resolution", fields={"resolution": "Что было сделано"})
    async with uow:
        s = uow.session
        o = await _outage(s, outage_id, open_only=True)
        o.status, o.restored_at = OutageStatus.restored, restored_at or utcnow()
        if restored_by is None and staff_id is not None:
            staff = await s.get(Staff, staff_id)
            restored_by = (staff.user.full_name or staff.user.login or f"staff:{staff_id}") if staff else None
        o.resolution, o.restored_by = resolution.strip(), restored_by
        told = await audience.told_before(s, await _broadcast_ids(s, outage_id))
        body = texts.restored(o, await _names(s, o.services), tz)
        b = await add_broadcast(s, kind="outage.restored", texts=body, chats=told,
                                subject=subject(o.id), progress_chat_id=await audience.line1_chat(s))
        add_bulletin(s, kind="outage.restored", services=o.services, texts=body, subject=subject(o.id))  # 003
        linked = list((await s.scalars(select(Ticket.id).where(
            Ticket.outage_id == outage_id, Ticket.status.in_(("assigned", "in_progress", "waiting_user")))
            .order_by(Ticket.id))).all())
        await uow.commit()
        return o, b.id, linked


async def resolve_linked(*, uow_factory: UowFactory, ticket_ids: Sequence[int], staff_id: int,
                         resolution: str) -> tuple[list[int], dict[int, str]]:
    """Resolves each linked ticket with the outage's resolution through the ticket use cases (each requester
    gets «Решено» and can confirm or reopen); returns the resolved ids and why others were not."""
    from core.errors import DomainError
    from core.tickets.closing import OUTAGE_CODE, OUTAGE_ITEM
    from core.tickets.lifecycle import Actor
    from core.tickets.service import apply_action

    actor = Actor("staff", staff_id)
    done: list[int] = []
    skipped: dict[int, str] = {}
    for tid in ticket_ids:
        try:
            async with uow_factory() as uow:
                status = await uow.session.scalar(select(Ticket.status).where(Ticket.id == tid))
            if status == "assigned":
                await apply_action(uow=uow_factory(), ticket_id=tid, action="take", actor=actor)
            # closed later with these (003 «Решение обращения»): the outage is the class of the problem
            await apply_action(uow=uow_factory(), ticket_id=tid, action="resolve", actor=actor,
                               params={"text": resolution, "closing_code": OUTAGE_CODE, "config_item": OUTAGE_ITEM})
            done.append(tid)
        except DomainError as exc:
            skipped[tid] = exc.message
    return done, skipped


async def link_ticket(*, uow: UnitOfWork, outage_id: int, ticket_id: int) -> None:
    """Links a ticket to the outage (resolved with it on restoration)."""
    async with uow:
        await _outage(uow.session, outage_id)
        t = await uow.session.get(Ticket, ticket_id)
        if t is None:
            raise NotFound(f"ticket {ticket_id} not found")
        t.outage_id = outage_id
        # the card shows the link (and drops its button) at the next sync
        from core.staffdesk.cards import mark_dirty

        await mark_dirty(uow.session, ticket_id=t.id, now=utcnow())
        await uow.commit()


async def open_outages(*, uow: UnitOfWork) -> list[Outage]:
    """Every open outage, oldest first."""
    async with uow:
        return list((await uow.session.scalars(select(Outage).where(Outage.status == OutageStatus.open)
                                               .order_by(Outage.started_at))).all())


async def open_for_service(*, uow: UnitOfWork, service_code: str) -> list[Outage]:
    """Open outages of one service (a user starting a report on it sees them first)."""
    async with uow:
        rows = (await uow.session.scalars(select(Outage).where(Outage.status == OutageStatus.open)
                                          .order_by(Outage.started_at))).all()
    return [o for o in rows if service_code in (o.services or [])]


async def menu_text(*, uow_factory: UowFactory, user: User, tz: ZoneInfo) -> str | None:
    """The «Аварии и работы» view: current outages and upcoming works of the user's services (all services when
    they have none)."""
    from core.outages.models import ServiceSubscription
    from core.planned.queries import menu_lines

    async with uow_factory.read() as uow:
        s = uow.session
        mine = set((await s.scalars(select(Service.code).join(Ticket, Ticket.service_id == Service.id)
                                    .where(Ticket.requester_id == user.id))).all())
        mine |= set((await s.scalars(select(ServiceSubscription.service_code)
                                     .where(ServiceSubscription.user_id == user.id))).all())
        rows = list((await s.scalars(select(Outage).where(Outage.status == OutageStatus.open)
                                     .order_by(Outage.started_at))).all())
        shown = [o for o in rows if not mine or mine & set(o.services or [])]
        parts: list[str] = []
        if shown:
            lines = ["<b>Текущие аварии</b>"]
            for o in shown:
                lines.append(texts.menu_line(o, await _names(s, o.services or []), tz))
            parts.append("\n\n".join(lines))
        works = await menu_lines(s, mine, tz)
        if works:
            parts.append("\n\n".join(["<b>Плановые работы</b>", *works]))
        return "\n\n".join(parts) or None


@dataclass(frozen=True, slots=True)
class OutageReportRow:
    id: int
    title: str
    services: list[str]
    status: str
    started_at: datetime
    restored_at: datetime | None
    duration_minutes: int | None
    linked_tickets: list[int]
    notices_sent: int
    notices_failed: int
    notices_blocked: int
    notices_uncertain: int
    declared_by: str | None
    restored_by: str | None
    problem: str | None


async def report(*, uow: UnitOfWork, since: datetime | None = None) -> list[OutageReportRow]:
    """Every outage (since a date): times, services, linked tickets, what its notices did, who acted."""
    from core.broadcasts.ledger import counts

    out: list[OutageReportRow] = []
    async with uow:
        s = uow.session
        q = select(Outage).order_by(Outage.started_at)
        if since is not None:
            q = q.where(Outage.started_at >= since)
        for o in (await s.scalars(q)).all():
            totals: dict[str, int] = {}
            for bid in await _broadcast_ids(s, o.id):
                for k, v in (await counts(s, bid)).items():
                    totals[k] = totals.get(k, 0) + v
            linked = list((await s.scalars(select(Ticket.id).where(Ticket.outage_id == o.id)
                                           .order_by(Ticket.id))).all())
            dur = int((o.restored_at - o.started_at).total_seconds() // 60) if o.restored_at else None
            out.append(OutageReportRow(
                id=o.id, title=o.title, services=list(o.services or []), status=o.status, started_at=o.started_at,
                restored_at=o.restored_at, duration_minutes=dur, linked_tickets=linked,
                notices_sent=totals.get("sent", 0), notices_failed=totals.get("failed", 0),
                notices_blocked=totals.get("blocked", 0), notices_uncertain=totals.get("uncertain", 0),
                declared_by=o.declared_by, restored_by=o.restored_by, problem=o.problem))
    return out
