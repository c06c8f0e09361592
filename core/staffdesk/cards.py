"""Ticket cards: marked dirty in the transaction that changes the ticket; the card sync (bot side) renders
the newest state and clears the mark only if nothing changed meanwhile (`seq`), so changes coalesce."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.models import LineGroup, Service, Staff, User
from core.db import utcnow
from core.planned.models import PlannedWork, WorkKind, WorkStatus
from core.sla import clock
from core.staffdesk.models import TicketCard
from core.tickets import closing
from core.tickets.lifecycle import FINAL
from core.tickets.models import Attachment, Comment, Ticket
from core.uow import UnitOfWork


async def mark_dirty(session: AsyncSession, *, ticket_id: int, now: datetime | None = None) -> None:
    """The ticket changed: its card is to be rendered again (in the caller's transaction)."""
    now = now or utcnow()
    res = await session.execute(update(TicketCard).where(TicketCard.ticket_id == ticket_id).values(
        dirty=True, seq=TicketCard.seq + 1, updated_at=now).execution_options(synchronize_session=False))
    if getattr(res, "rowcount", 0) == 0:
        session.add(TicketCard(ticket_id=ticket_id, dirty=True, dirty_since=now, seq=1, synced_seq=0,
                               updated_at=now))
        await session.flush()
    else:
        # the oldest waiting change keeps its place in the queue: new cards go out in order under a burst
        await session.execute(update(TicketCard).where(TicketCard.ticket_id == ticket_id,
                                                       TicketCard.dirty_since.is_(None))
                              .values(dirty_since=now).execution_options(synchronize_session=False))


async def mark_requester_dirty(session: AsyncSession, *, user_ids: set[int]) -> None:
    """The requesters became unreachable or reachable again: the cards of their unfinished tickets say so."""
    if not user_ids:
        return
    ids = (await session.scalars(select(Ticket.id).where(Ticket.requester_id.in_(user_ids),
                                                         Ticket.status.not_in(FINAL)))).all()
    for ticket_id in ids:
        await mark_dirty(session, ticket_id=ticket_id)


async def mark_group_dirty(session: AsyncSession, *, group_code: str, service_code: str | None) -> None:
    """A chat was (re)bound: the open tickets of that group get their card there."""
    q = select(Ticket.id).where(Ticket.line == group_code, Ticket.status.not_in([s.value for s in FINAL]),
                                or_(Ticket.approval.is_(None), Ticket.approval != "pending"))
    if service_code:
        q = q.join(Service, Service.id == Ticket.service_id).where(Service.code == service_code)
    for tid in (await session.scalars(q)).all():
        await mark_dirty(session, ticket_id=tid)


async def rekey_cards(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """Cards of a chat that became a supergroup: Telegram keeps the messages, under the new chat id."""
    await session.execute(update(TicketCard).where(TicketCard.chat_id == old_chat_id)
                          .values(chat_id=new_chat_id).execution_options(synchronize_session=False))


async def dirty_cards(session: AsyncSession, *, limit: int) -> list[TicketCard]:
    """The cards waiting for a render, oldest change first (an indexed read)."""
    return list((await session.scalars(select(TicketCard).where(TicketCard.dirty.is_(True))
                                       .order_by(TicketCard.dirty_since, TicketCard.ticket_id).limit(limit))).all())


async def synced(session: AsyncSession, *, ticket_id: int, seq: int, chat_id: int | None, message_id: int | None,
                 rendered_hash: str | None) -> bool:
    """Records what the chat shows now; clean only if no change came in since `seq` was read."""
    now = utcnow()
    await session.execute(update(TicketCard).where(TicketCard.ticket_id == ticket_id).values(
        chat_id=chat_id, message_id=message_id, rendered_hash=rendered_hash, synced_seq=seq, updated_at=now)
        .execution_options(synchronize_session=False))
    res = await session.execute(update(TicketCard).where(TicketCard.ticket_id == ticket_id, TicketCard.seq == seq)
                                .values(dirty=False, dirty_since=None).execution_options(synchronize_session=False))
    return getattr(res, "rowcount", 1) == 1


async def card_of(session: AsyncSession, ticket_id: int) -> TicketCard | None:
    """The card row of a ticket."""
    return await session.get(TicketCard, ticket_id)


@dataclass(frozen=True, slots=True)
class Exchange:
    author_kind: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CardFacts:
    """Everything a card shows, as plain values."""

    ticket_id: int
    number: str
    version: int
    title: str
    type: str
    status: str
    priority: int
    policy: str | None
    service_code: str
    service_name: str
    line: str
    line_name: str
    line_level: str
    assignee_id: int | None
    assignee_name: str | None
    requester_name: str
    requester_login: str | None
    requester_region: str | None
    requester_org: str | None
    fields: dict[str, Any]
    pending_question: str | None
    attachments: int
    sla: dict[str, Any]
    last_public: Exchange | None
    created_at: datetime
    closing: dict[str, str | None] = field(default_factory=dict)  # closing_code, closing_name, config_item, solution
    outage_id: int | None = None  # linked to an outage: resolved with it on restoration
    release_id: int | None = None  # linked to a release: resolved when it is installed
    release_offered: bool = False  # its service has an announced, unfinished release it is not linked to yet
    requester_unreachable: bool = False  # blocked the bot: nothing the desk sends reaches them in Telegram
    as_of: datetime | None = None  # the moment `sla` was read: what the countdowns count from


async def facts(uow: UnitOfWork, *, ticket_id: int, now: datetime | None = None) -> CardFacts | None:
    """Reads what the card of one ticket shows (inside the caller's entered unit of work)."""
    session = uow.session
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    service = await session.get(Service, ticket.service_id)
    group = await session.get(LineGroup, ticket.line)
    requester = await session.get(User, ticket.requester_id)
    assert service is not None and requester is not None  # foreign keys
    assignee = await session.get(Staff, ticket.assignee_id) if ticket.assignee_id else None
    last = await session.scalar(select(Comment).where(Comment.ticket_id == ticket_id, Comment.public.is_(True))
                                .order_by(Comment.id.desc()).limit(1))
    files = len((await session.scalars(select(Attachment.id).where(Attachment.ticket_id == ticket_id))).all())
    now = now or utcnow()
    sla = await clock.snapshot(uow=uow, ticket_id=ticket_id, priority=ticket.priority, now=now)
    code_name = await closing.code_name(session, ticket.closing_code) if ticket.closing_code else None
    offered = ticket.status == "in_progress" and await _release_offered(session, service.code, ticket.release_id)
    org = requester.organisation.name if requester.organisation is not None else None
    return CardFacts(
        ticket_id=ticket.id, number=ticket.number or "", version=ticket.version, title=ticket.title,
        type=ticket.type, status=ticket.status, priority=ticket.priority, policy=sla.get("policy"),
        service_code=service.code, service_name=service.name, line=ticket.line,
        line_name=group.name if group else ticket.line, line_level=group.level if group else "",
        assignee_id=ticket.assignee_id, assignee_name=assignee.user.full_name if assignee else None,
        requester_name=requester.full_name, requester_login=requester.login or requester.email,
        requester_region=requester.region, requester_org=org, fields=dict(ticket.fields or {}),
        pending_question=ticket.pending_question, attachments=files, sla=sla,
        last_public=Exchange(last.author_kind, last.text, last.created_at) if last is not None else None,
        created_at=ticket.created_at,
        closing={"closing_code": ticket.closing_code, "closing_name": code_name, "config_item": ticket.config_item,
                 "solution": ticket.solution},
        outage_id=ticket.outage_id, release_id=ticket.release_id, requester_unreachable=requester.unreachable,
        as_of=now, release_offered=offered)


async def _release_offered(session: AsyncSession, service_code: str, linked: int | None) -> bool:
    """An announced, unfinished release of the service other than the one the ticket waits for."""
    rows = (await session.execute(select(PlannedWork.id, PlannedWork.services).where(
        PlannedWork.kind == WorkKind.release,
        PlannedWork.status.in_([WorkStatus.scheduled, WorkStatus.started])))).all()
    return any(r.id != linked and service_code in (r.services or []) for r in rows)


async def mark_service_dirty(session: AsyncSession, *, service_codes: list[str], now: datetime) -> None:
    """A release of these services was announced or ended: the cards of their tickets in work offer it or not."""
    if not service_codes:
        return
    ids = (await session.scalars(select(Ticket.id).join(Service, Service.id == Ticket.service_id).where(
        Service.code.in_(service_codes), Ticket.status == "in_progress"))).all()
    for ticket_id in ids:
        await mark_dirty(session, ticket_id=ticket_id, now=now)


async def ticket_version(*, uow: UnitOfWork, ticket_id: int) -> tuple[int, str, str] | None:
    """(version, status, line) of a ticket, for checking a pressed button."""
    async with uow:
        t = await uow.session.get(Ticket, ticket_id)
        return (t.version, t.status, t.line) if t is not None else None


FILE_TOPIC = "card.file"  # one of a ticket's files sent into the chat whose card asked for it


async def share_files(*, uow: UnitOfWork, ticket_id: int, chat_id: int, thread_id: int | None,
                      limit: int) -> tuple[int, int]:
    """Queues the ticket's first `limit` files for the chat (one outbox event each); returns (queued, total)."""
    async with uow:
        ids = (await uow.session.scalars(select(Attachment.id).where(Attachment.ticket_id == ticket_id)
                                         .order_by(Attachment.id))).all()
        for attachment_id in ids[:limit]:
            uow.add_event(FILE_TOPIC, {"chat_id": chat_id, "thread_id": thread_id, "attachment_id": attachment_id},
                          ticket_id=ticket_id)
        await uow.commit()
        return min(len(ids), limit), len(ids)


async def ticket_by_message(*, uow: UnitOfWork, chat_id: int, message_id: int) -> int | None:
    """The ticket whose card is this message of this chat."""
    async with uow:
        return await uow.session.scalar(select(TicketCard.ticket_id).where(TicketCard.chat_id == chat_id,
                                                                            TicketCard.message_id == message_id))


async def who_and_what(*, uow: UnitOfWork, ticket_id: int) -> tuple[str, str | None]:
    """(status, assignee's name) of a ticket: what a late press is told."""
    async with uow:
        t = await uow.session.get(Ticket, ticket_id)
        if t is None:
            return "", None
        staff = await uow.session.get(Staff, t.assignee_id) if t.assignee_id else None
        return t.status, staff.user.full_name if staff else None


async def facts_of(*, uow: UnitOfWork, ticket_id: int) -> CardFacts | None:
    """The card's facts in a unit of work of its own."""
    async with uow:
        return await facts(uow, ticket_id=ticket_id)
