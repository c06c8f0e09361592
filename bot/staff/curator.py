"""Outbox planner of the МРФ curator's events (core/tickets/approval.py), through the one delivery worker:

curator.requested → each curator of the region privately, with approve / reject;
curator.none      → line 1's chat of the service: the region has no curator;
curator.approved  → the requester: approved, line 1 grants the access;
curator.rejected  → the requester: rejected, with the curator's reason.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.planning import DeliveryContext, Target
from bot.staff import chats
from bot.staff.texts import Tr
from bot.staff.views import curator_request
from bot.staffchat.planner import group_target
from bot.telegram import escape
from core.catalog.models import LineGroup, Service, User
from core.outbox.models import OutboxEvent
from core.tickets import routing
from core.tickets.models import Ticket

TOPICS = ("curator.requested", "curator.none", "curator.approved", "curator.rejected")


async def plan_curator(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """The targets of one curator event (none for any other topic)."""
    if ev.topic not in TOPICS:
        return []
    p: dict[str, Any] = ev.payload or {}
    ticket = await session.get(Ticket, ev.ticket_id or p.get("ticket_id"))
    if ticket is None:
        return []
    service = await session.get(Service, ticket.service_id)
    number = ticket.number or ""
    if ev.topic == "curator.requested":
        people = await chats.people(session, p.get("curator_ids") or [])
        out = []
        for person in people:
            text, markup = curator_request(Tr(ctx.i18n, person.locale), number=number, title=ticket.title,
                                           fields=dict(ticket.fields or {}),
                                           service=service.name if service else "", ticket_id=ticket.id)
            out.append(Target(chat_id=person.chat_id, text=text, markup=markup, user_id=person.user_id))
        return out
    if ev.topic == "curator.none":
        code = service.code if service else ""
        line1 = await routing.group_at(session, service_code=code, level="line1")
        if line1 is None:
            return []
        group = await session.get(LineGroup, ticket.line)  # the queue it waits in, as the catalog names it
        text = Tr(ctx.i18n, "ru")(
            "🔑 Запрос доступа <b>{number}</b>: у МРФ «{region}» нет куратора по этой системе, согласовать некому. "
            "Запрос в очереди группы «{line}»; назначьте куратора МРФ (PATCH /api/v1/staff/{{id}}, curator_region и "
            "curator_services) или согласуйте доступ по регламенту вручную.", number=escape(number),
            region=escape(str(p.get("region") or "—")),
            line=escape(group.name if group is not None and group.name else ticket.line))
        return await group_target(session, group_code=line1.code, service_code=code, text=text)
    user = await session.get(User, ticket.requester_id)
    if user is None or user.tg_id is None or user.unreachable:
        return []
    tr = Tr(ctx.i18n, user.locale)
    if ev.topic == "curator.approved":
        text = tr("Запрос доступа <b>{number}</b> согласован куратором МРФ и передан на выдачу доступа.",
                  number=escape(number))
    else:
        text = tr("В доступе по запросу <b>{number}</b> отказано куратором МРФ. Причина: {reason}",
                  number=escape(number), reason=escape(str(p.get("reason") or "")))
    return [Target(chat_id=user.tg_id, text=text, user_id=user.id)]
