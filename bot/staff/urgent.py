"""Service managers hear of a priority 1–2 incident at once, and of how its resolution goes: they coordinate those
(000 «Сервис-менеджер»; 2ЛТП and 3ЛТП: «информирование Сервис-менеджера Системы о ходе решения инцидентов»).

Before, a manager learned of one only from an SLA warning or breach, when the first deadline was already close.
Told privately when such an incident is registered, when an incident's priority is raised into P1/P2, and of each
step of a P1/P2 incident's resolution (taken, passed to another line, diagnosis, workaround, solution, the user's
rejection, closing); never of what the manager did themselves. Services whose priority is an assistance level
(ТЕКОН's ОП1–ОП4) are not incidents by priority, so they are left out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.planning import DeliveryContext, Target
from bot.staff import chats
from bot.staff.texts import Tr, ticket_head
from bot.telegram import escape
from core.catalog.models import LineGroup, Service
from core.outbox.models import OutboxEvent
from core.tickets.lifecycle import FINAL
from core.tickets.models import Ticket

URGENT = (1, 2)
NEW = "🚨 Новый инцидент {ticket}, сервис «{service}»: он на вашей координации как сервис-менеджера."
RAISED = "🚨 Приоритет инцидента {ticket} повышен до P{p}, сервис «{service}»: он на вашей координации."
TAKEN = "ℹ️ Инцидент {ticket}, сервис «{service}»: взят в работу."
# each step of the resolution of a P1/P2 incident the managers are told of (the event topic → its text)
PROGRESS = {
    "ticket.take": TAKEN,
    "ticket.assign": TAKEN,
    "ticket.escalate": "ℹ️ Инцидент {ticket}, сервис «{service}»: передан в группу «{group}».",
    "ticket.diagnosis_done": "ℹ️ Инцидент {ticket}, сервис «{service}»: диагностика выполнена.",
    "ticket.give_workaround": "ℹ️ Инцидент {ticket}, сервис «{service}»: пользователю дано временное решение.",
    "ticket.resolve": "✅ Инцидент {ticket}, сервис «{service}»: решён, ждёт подтверждения пользователя.",
    "ticket.reject": "⚠️ Инцидент {ticket}, сервис «{service}»: пользователь отклонил решение, он снова в работе.",
    "ticket.confirm": "✅ Инцидент {ticket}, сервис «{service}»: закрыт, пользователь подтвердил решение.",
    "ticket.close": "✅ Инцидент {ticket}, сервис «{service}»: закрыт.",
}
CLOSING = frozenset({"ticket.confirm", "ticket.close"})


def _became_urgent(ev: OutboxEvent, p: dict[str, Any]) -> bool:
    if ev.topic == "ticket.registered":
        return p.get("priority") in URGENT
    if ev.topic == "ticket.change_priority":
        return p.get("new_priority") in URGENT and p.get("old_priority") not in URGENT
    return False


def _progress(ev: OutboxEvent, p: dict[str, Any]) -> bool:
    return ev.topic in PROGRESS and p.get("priority") in URGENT


async def plan_urgent_notices(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """The private chats of the service's managers, for an incident that is P1/P2 now and was not before, or for a
    step of a P1/P2 incident's resolution."""
    p: dict[str, Any] = ev.payload or {}
    became, progress = _became_urgent(ev, p), _progress(ev, p)
    if not became and not progress:
        return []
    ticket = await session.get(Ticket, ev.ticket_id or p.get("ticket_id"))
    service = await session.get(Service, ticket.service_id) if ticket is not None else None
    if ticket is None or service is None or ticket.type != "incident" or service.type_priority:
        return []
    if ticket.status in FINAL and ev.topic not in CLOSING:
        return []  # closed before the notice went out: the closing notice says it all
    people = [m for m in await chats.service_managers(session, service_id=service.id)
              if not (p.get("actor_kind") == "staff" and p.get("actor_id") == m.staff_id)]
    head = ticket_head(ticket)
    msgid = NEW if ev.topic == "ticket.registered" else RAISED if became else PROGRESS[ev.topic]
    group = ""
    if ev.topic == "ticket.escalate":
        g = await session.get(LineGroup, str(p.get("to_line") or ticket.line))
        group = escape(g.name if g is not None else str(p.get("to_line") or ticket.line))
    return [Target(chat_id=m.chat_id, user_id=m.user_id,
                   text=Tr(ctx.i18n, m.locale)(msgid, ticket=head, service=escape(service.name), p=ticket.priority,
                                               group=group))
            for m in people]
