"""A ticket's topic in a forum line chat: claimed once (the ticket is the primary key), created by whoever
claimed it, forgotten when Telegram says it is gone (then the card is posted again into a new one).

The claim is what keeps one topic per ticket when two passes (two processes) want it at once: the row is
inserted before Telegram is asked, a second insert fails on the key, and a claim older than `stale_after`
(its creator died between the claim and the answer) may be taken over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.staffdesk import cards
from core.staffdesk.models import ForumTopic, TicketCard, TopicStatus
from core.tickets.models import Ticket
from core.uow import UnitOfWork

STALE_CLAIM = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Claim:
    """`thread_id` set: the topic exists; `mine`: the caller creates it now; neither: someone else does."""

    thread_id: int | None = None
    mine: bool = False


async def claim(*, uow: UnitOfWork, ticket_id: int, chat_id: int, now: datetime | None = None) -> Claim:
    """The ticket's topic in this chat, or the right to create it (once), or «wait»."""
    now = now or utcnow()
    try:
        async with uow:
            s = uow.session
            row = await s.get(ForumTopic, ticket_id)
            if row is None:
                s.add(ForumTopic(ticket_id=ticket_id, chat_id=chat_id, status=TopicStatus.creating, claimed_at=now,
                                 created_at=now, updated_at=now))
                await s.flush()
                await uow.commit()
                return Claim(mine=True)
            if row.chat_id == chat_id and row.status == TopicStatus.open and row.thread_id is not None:
                return Claim(thread_id=row.thread_id)
            if row.chat_id == chat_id and row.status == TopicStatus.creating and row.claimed_at > now - STALE_CLAIM:
                return Claim()
            # gone, a stale claim, or the ticket moved to another chat: taken over only if nobody did meanwhile
            res = await s.execute(update(ForumTopic).where(
                ForumTopic.ticket_id == ticket_id, ForumTopic.status == row.status,
                ForumTopic.claimed_at == row.claimed_at).values(
                chat_id=chat_id, thread_id=None, status=TopicStatus.creating, claimed_at=now, updated_at=now)
                .execution_options(synchronize_session=False))
            await uow.commit()
            return Claim(mine=getattr(res, "rowcount", 0) == 1)
    except IntegrityError:
        return Claim()  # another pass inserted the claim first


async def created(*, uow: UnitOfWork, ticket_id: int, chat_id: int, thread_id: int, name: str,
                  icon_color: int | None) -> None:
    """Telegram created the claimed topic: its thread id is kept."""
    async with uow:
        await uow.session.execute(update(ForumTopic).where(ForumTopic.ticket_id == ticket_id).values(
            chat_id=chat_id, thread_id=thread_id, status=TopicStatus.open, name=name, icon_color=icon_color,
            closed=False, closed_mark=None, updated_at=utcnow()).execution_options(synchronize_session=False))
        await uow.commit()


async def released(*, uow: UnitOfWork, ticket_id: int) -> None:
    """Telegram refused the creation: the claim is dropped, the next pass tries again."""
    async with uow:
        await uow.session.execute(update(ForumTopic).where(ForumTopic.ticket_id == ticket_id,
                                                           ForumTopic.status == TopicStatus.creating)
                                  .values(status=TopicStatus.gone, updated_at=utcnow())
                                  .execution_options(synchronize_session=False))
        await uow.commit()


async def gone(*, uow: UnitOfWork, chat_id: int, thread_id: int) -> int | None:
    """The topic was deleted in Telegram: forgotten, and its ticket's card is posted again (into a new topic)."""
    async with uow:
        s = uow.session
        ticket_id = await s.scalar(select(ForumTopic.ticket_id).where(ForumTopic.chat_id == chat_id,
                                                                      ForumTopic.thread_id == thread_id))
        if ticket_id is None:
            return None  # already recreated by another pass
        now = utcnow()
        await s.execute(update(ForumTopic).where(ForumTopic.ticket_id == ticket_id).values(
            thread_id=None, status=TopicStatus.gone, updated_at=now).execution_options(synchronize_session=False))
        await s.execute(update(TicketCard).where(TicketCard.ticket_id == ticket_id).values(
            message_id=None, rendered_hash=None).execution_options(synchronize_session=False))
        await cards.mark_dirty(s, ticket_id=ticket_id, now=now)
        await uow.commit()
        return ticket_id


async def thread_of(session: AsyncSession, *, ticket_id: int, chat_id: int) -> int | None:
    """The open topic of a ticket in this chat (a read in the caller's session)."""
    return await session.scalar(select(ForumTopic.thread_id).where(
        ForumTopic.ticket_id == ticket_id, ForumTopic.chat_id == chat_id, ForumTopic.status == TopicStatus.open))


async def ticket_of(*, uow: UnitOfWork, chat_id: int, thread_id: int) -> int | None:
    """The ticket whose topic this thread is."""
    async with uow:
        return await uow.session.scalar(select(ForumTopic.ticket_id).where(
            ForumTopic.chat_id == chat_id, ForumTopic.thread_id == thread_id, ForumTopic.status == TopicStatus.open))


async def closed_state(session: AsyncSession, *, ticket_id: int, chat_id: int) -> bool | None:
    """Whether the ticket's open topic in this chat is closed in Telegram; None when it has no topic there."""
    return await session.scalar(select(ForumTopic.closed).where(
        ForumTopic.ticket_id == ticket_id, ForumTopic.chat_id == chat_id, ForumTopic.status == TopicStatus.open,
        ForumTopic.thread_id.is_not(None)))


async def set_closed(*, uow: UnitOfWork, ticket_id: int) -> None:
    """Telegram closed the ticket's topic."""
    async with uow:
        await uow.session.execute(update(ForumTopic).where(ForumTopic.ticket_id == ticket_id).values(
            closed=True, closed_mark=None, updated_at=utcnow()).execution_options(synchronize_session=False))
        await uow.commit()


async def reopened(*, uow: UnitOfWork, chat_id: int, thread_id: int) -> int | None:
    """Telegram reopened a ticket's topic (closed by hand): noted, and the card looked at again (a finished
    ticket's topic is closed once more by the next card pass); its ticket, or None when the topic is no ticket's."""
    async with uow:
        s = uow.session
        ticket_id = await s.scalar(select(ForumTopic.ticket_id).where(ForumTopic.chat_id == chat_id,
                                                                      ForumTopic.thread_id == thread_id))
        if ticket_id is None:
            return None
        now = utcnow()
        await s.execute(update(ForumTopic).where(ForumTopic.ticket_id == ticket_id).values(
            closed=False, closed_mark=None, updated_at=now).execution_options(synchronize_session=False))
        await cards.mark_dirty(s, ticket_id=ticket_id, now=now)
        await uow.commit()
        return ticket_id


def work_mark(status: str, assignee_id: int | None) -> str:
    """What staff act on in a ticket, as kept when its topic was closed by hand: its status and its assignee."""
    return f"{status}:{assignee_id or ''}"


async def closed_by_hand(*, uow: UnitOfWork, chat_id: int, thread_id: int) -> int | None:
    """Someone closed a ticket's topic in Telegram (its service message came): noted with the ticket's work then,
    so the desk reopens it before it posts what staff must act on; its ticket, or None when it is no ticket's."""
    async with uow:
        s = uow.session
        ticket_id = await s.scalar(select(ForumTopic.ticket_id).where(ForumTopic.chat_id == chat_id,
                                                                      ForumTopic.thread_id == thread_id))
        ticket = await s.get(Ticket, ticket_id) if ticket_id is not None else None
        if ticket is None:
            return None
        await s.execute(update(ForumTopic).where(ForumTopic.ticket_id == ticket.id).values(
            closed=True, closed_mark=work_mark(ticket.status, ticket.assignee_id), updated_at=utcnow())
            .execution_options(synchronize_session=False))
        await uow.commit()
        return ticket.id


async def closed_mark_of(session: AsyncSession, *, ticket_id: int, chat_id: int) -> str | None:
    """The ticket's work when its open topic in this chat was closed by hand; None when it is open or the desk
    closed it (a finished ticket's, never reopened by the desk)."""
    return await session.scalar(select(ForumTopic.closed_mark).where(
        ForumTopic.ticket_id == ticket_id, ForumTopic.chat_id == chat_id, ForumTopic.status == TopicStatus.open,
        ForumTopic.closed.is_(True)))
