"""Line chats: which Telegram group serves which support group (per service or for all), and its health.

The one source of group chat ids: card sync, alarms and notices ask `chat_for`; a broken binding (the bot was
removed or lost its rights) answers None, so what is meant for that chat waits and goes out once it is bound again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.models import LineGroup, Service, Staff
from core.db import utcnow
from core.errors import Forbidden, NotFound, ValidationFailed
from core.outbox.models import HELD, Delivery, DeliveryStatus, OutboxEvent
from core.staffdesk.models import ALL_SERVICES, ChatStatus, LineChat
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class ChatView:
    id: int
    chat_id: int
    group_code: str
    service_code: str | None
    title: str
    forum: bool
    status: str
    reason: str | None
    updated_at: datetime


def view(row: LineChat) -> ChatView:
    """A plain copy of a binding."""
    return ChatView(id=row.id, chat_id=row.chat_id, group_code=row.group_code,
                    service_code=row.service_code or None, title=row.title, forum=row.forum, status=row.status,
                    reason=row.reason, updated_at=row.updated_at)


async def binding_for(session: AsyncSession, *, group_code: str, service_code: str) -> LineChat | None:
    """The chat bound to the group for this service, else the group's chat for all its services."""
    rows = (await session.scalars(select(LineChat).where(
        LineChat.group_code == group_code, LineChat.service_code.in_((service_code, ALL_SERVICES))))).all()
    rows = sorted(rows, key=lambda r: r.service_code == ALL_SERVICES)
    return rows[0] if rows else None


async def chat_for(session: AsyncSession, *, group_code: str, service_code: str) -> int | None:
    """The chat id to send to, or None when there is none or it is broken (the message waits)."""
    row = await binding_for(session, group_code=group_code, service_code=service_code)
    return row.chat_id if row is not None and row.status == ChatStatus.active else None


async def by_chat(session: AsyncSession, chat_id: int) -> LineChat | None:
    """The binding of a Telegram chat, whatever its status."""
    return await session.scalar(select(LineChat).where(LineChat.chat_id == chat_id))


async def binders(session: AsyncSession, tg_id: int) -> list[Staff]:
    """The active staff records of a Telegram account that may bind chats (coordinators and service managers)."""
    rows = (await session.scalars(select(Staff).join(Staff.user).where(Staff.active.is_(True)))).all()
    return [s for s in rows if s.user.tg_id == tg_id and (s.is_coordinator or s.is_service_manager)]


async def bind(*, uow: UnitOfWork, chat_id: int, group_code: str, service_code: str | None, title: str = "",
               forum: bool = False, by_tg_id: int | None = None, now: datetime | None = None) -> ChatView:
    """Binds a chat to a support group (for one service or all); rebinding a known chat moves it and heals it."""
    now = now or utcnow()
    async with uow:
        s = uow.session
        group = await s.get(LineGroup, group_code)
        if group is None:
            raise NotFound(f"group '{group_code}' not found")
        service = ALL_SERVICES
        if service_code:
            svc = await s.scalar(select(Service).where(Service.code == service_code))
            if svc is None:
                raise NotFound(f"unknown service '{service_code}'", service=service_code)
            if group.service_code not in (None, service_code):
                raise ValidationFailed("the group belongs to another service",
                                       fields={"group_code": f"Группа «{group.name}» — группа другого сервиса"})
            service = service_code
        bound_by = None
        if by_tg_id is not None:
            allowed = [st for st in await binders(s, by_tg_id)
                       if st.is_service_manager or st.line_code == group_code or st.group.level == "line1"]
            if not allowed:
                raise Forbidden("only a coordinator of this group, line 1's coordinator or a service manager binds")
            bound_by = allowed[0].id
        row = await by_chat(s, chat_id)
        other = await s.scalar(select(LineChat).where(LineChat.group_code == group_code,
                                                      LineChat.service_code == service))
        if other is not None and other is not row:
            await s.delete(other)  # the group moves to the new chat: one chat per group and service
            await s.flush()
        if row is None:
            row = LineChat(chat_id=chat_id, created_at=now)
            s.add(row)
        row.group_code, row.service_code, row.bound_by = group_code, service, bound_by
        row.title, row.forum = title or row.title or "", forum
        row.status, row.reason, row.updated_at = ChatStatus.active, None, now
        await s.flush()
        await _all_dirty(uow, row)
        uow.add_event("line_chat.bound", {"chat_id": chat_id, "group_code": group_code,
                                          "service_code": service or None})
        await uow.commit()
        return view(row)


async def mark_broken(*, uow: UnitOfWork, chat_id: int, reason: str, now: datetime | None = None) -> ChatView | None:
    """The bot was removed or lost its rights: the binding is kept, marked broken, and line 1 is told."""
    async with uow:
        row = await by_chat(uow.session, chat_id)
        if row is None:
            return None
        if row.status == ChatStatus.broken and row.reason == reason:
            return view(row)
        row.status, row.reason, row.updated_at = ChatStatus.broken, reason[:300], now or utcnow()
        uow.add_event("line_chat.broken", {"chat_id": chat_id, "group_code": row.group_code,
                                           "service_code": row.service_code or None, "reason": row.reason,
                                           "title": row.title})
        await uow.commit()
        return view(row)


async def mark_active(*, uow: UnitOfWork, chat_id: int, now: datetime | None = None) -> ChatView | None:
    """The bot has its rights again: what waited for the chat goes out."""
    async with uow:
        row = await by_chat(uow.session, chat_id)
        if row is None or row.status == ChatStatus.active:
            return view(row) if row is not None else None
        row.status, row.reason, row.updated_at = ChatStatus.active, None, now or utcnow()
        await _all_dirty(uow, row)
        await uow.commit()
        return view(row)


async def migrate(*, uow: UnitOfWork, old_chat_id: int, new_chat_id: int) -> ChatView | None:
    """The group became a supergroup: its binding (and its cards) follow the new id."""
    async with uow:
        row = await by_chat(uow.session, old_chat_id)
        if row is None:
            return None
        await rekey_in(uow.session, old_chat_id, new_chat_id)
        await uow.commit()
        return view(row)


async def rekey_in(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """Moves a binding and its cards to the chat's new id (in the caller's transaction)."""
    from core.staffdesk.cards import rekey_cards

    row = await by_chat(session, old_chat_id)
    if row is None or old_chat_id == new_chat_id:
        return
    if await by_chat(session, new_chat_id) is not None:
        return  # already moved (the update and a send both told us)
    row.chat_id, row.updated_at = new_chat_id, utcnow()
    await rekey_cards(session, old_chat_id, new_chat_id)
    await session.flush()


async def list_chats(*, uow: UnitOfWork) -> list[ChatView]:
    """Every binding, broken ones first."""
    async with uow:
        rows = (await uow.session.scalars(select(LineChat).order_by(LineChat.group_code, LineChat.id))).all()
        return sorted((view(r) for r in rows), key=lambda v: v.status == ChatStatus.active)


async def _all_dirty(uow: UnitOfWork, row: LineChat) -> None:
    """A (re)bound chat gets the cards of its open tickets and what was held for it."""
    from core.staffdesk.cards import mark_group_dirty

    await mark_group_dirty(uow.session, group_code=row.group_code, service_code=row.service_code or None)
    await reopen_held(uow.session, row.chat_id)


async def reopen_held(session: AsyncSession, chat_id: int) -> int:
    """Events whose delivery to this chat was held while it was broken go to the worker again."""
    held = select(Delivery.event_id).where(Delivery.chat_id == chat_id, Delivery.status == DeliveryStatus.retry,
                                           Delivery.error.startswith(HELD))
    res = await session.execute(update(OutboxEvent)
                                .where(OutboxEvent.id.in_(held), OutboxEvent.published_at.is_not(None))
                                .values(published_at=None).execution_options(synchronize_session=False))
    return int(getattr(res, "rowcount", 0) or 0)


async def bind_choices(*, uow: UnitOfWork, service_code: str | None) -> list[tuple[str, str]]:
    """(code, name) to choose from in /bind: the active services, then the groups serving the chosen one."""
    async with uow:
        if service_code is None:
            rows = (await uow.session.scalars(select(Service).where(Service.active.is_(True))
                                              .order_by(Service.id))).all()
            return [(s.code, s.name) for s in rows]
        q = select(LineGroup).order_by(LineGroup.order, LineGroup.code)
        if service_code != ALL_SERVICES:
            q = q.where((LineGroup.service_code == service_code) | LineGroup.service_code.is_(None))
        return [(g.code, g.name) for g in (await uow.session.scalars(q)).all()]


async def may_bind(*, uow: UnitOfWork, tg_id: int) -> bool:
    """Whether this Telegram account is a coordinator or a service manager (who may bind chats)."""
    async with uow:
        return bool(await binders(uow.session, tg_id))


async def staff_in_chat(*, uow: UnitOfWork, chat_id: int, tg_id: int) -> int | None:
    """The staff id of a Telegram account in the group bound to this chat (a service manager anywhere)."""
    async with uow:
        row = await by_chat(uow.session, chat_id)
        if row is None:
            return None
        found = (await uow.session.scalars(select(Staff).join(Staff.user).where(
            Staff.active.is_(True), Staff.line_code == row.group_code))).all()
        mine = [s for s in found if s.user.tg_id == tg_id]
        return mine[0].id if mine else None


async def ticket_in_chat(*, uow: UnitOfWork, chat_id: int, ticket_id: int) -> bool:
    """Whether the ticket belongs to the group (and service) this chat is bound to."""
    from core.tickets.models import Ticket

    async with uow:
        row = await by_chat(uow.session, chat_id)
        ticket = await uow.session.get(Ticket, ticket_id)
        if row is None or ticket is None or ticket.line != row.group_code:
            return False
        if row.service_code == ALL_SERVICES:
            return True
        service = await uow.session.get(Service, ticket.service_id)
        return service is not None and service.code == row.service_code


async def members(*, uow: UnitOfWork, group_code: str) -> list[tuple[int, str]]:
    """(staff id, name) of a group's active members, to pick an assignee from."""
    async with uow:
        rows = (await uow.session.scalars(select(Staff).where(Staff.line_code == group_code,
                                                              Staff.active.is_(True)).order_by(Staff.id))).all()
        return [(s.id, s.user.full_name or f"#{s.id}") for s in rows]
