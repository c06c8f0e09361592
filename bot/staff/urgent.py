"""Service managers hear of a priority 1–2 incident at once: they coordinate those (000 «Сервис-менеджер»).

Before, a manager learned of one only from an SLA warning or breach, when the first deadline was already close.
Told privately when such an incident is registered, and when an incident's priority is raised into P1/P2; never the
manager who raised it. Services whose priority is an assistance level (ТЕКОН's ОП1–ОП4) are not incidents by
priority, so they are left out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.planning import DeliveryContext, Target
from bot.staff import chats
from bot.staff.texts import Tr, ticket_head
from bot.telegram import escape
from core.catalog.models import Service
from core.outbox.models import OutboxEvent
from core.tickets.lifecycle import FINAL
from core.tickets.models import Ticket

URGENT = (1, 2)
NEW = "🚨 Новый инцидент {ticket}, сервис «{service}»: он на вашей координации как сервис-менеджера."
RAISED = "🚨 Приоритет инцидента {ticket} повышен до P{p}, сервис «{service}»: он на вашей координации."


def _became_urgent(ev: OutboxEvent, p: dict[str, Any]) -> bool:
    if ev.topic == "ticket.registered":
        return p.get("priority") in URGENT
    if ev.topic == "ticket.change_priority":
        return p.get("new_priority") in URGENT and p.get("old_priority") not in URGENT
    return False


async def plan_urgent_notices(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """The private chats of the service's managers, for an incident that is P1/P2 now and was not before."""
    p: dict[str, Any] = ev.payload or {}
    if not _became_urgent(ev, p):
        return []
    ticket = await session.get(Ticket, ev.ticket_id or p.get("ticket_id"))
    service = await session.get(Service, ticket.service_id) if ticket is not None else None
    if ticket is None or service is None or ticket.type != "incident" or service.type_priority:
        return []
    if ticket.status in FINAL:
        return []  # closed before the notice went out: nothing to coordinate
    people = [m for m in await chats.service_managers(session, service_id=service.id)
              if not (p.get("actor_kind") == "staff" and p.get("actor_id") == m.staff_id)]
    head = ticket_head(ticket)
    msgid = NEW if ev.topic == "ticket.registered" else RAISED
    return [Target(chat_id=m.chat_id, user_id=m.user_id,
                   text=Tr(ctx.i18n, m.locale)(msgid, ticket=head, service=escape(service.name), p=ticket.priority))
            for m in people]
