"""ТЕКОН ОП4 (002 §5): line 2 (ТП2) is told the result of its solution at the user.

002, «Порядок действий ТП1»: «Отправка уведомления в ТП2 о результатах решения проблемы у пользователя»;
«Порядок действий ТП2»: «Ожидание уведомления от ТП1 о результатах предложенного решения проблемы у
пользователя; Установка инциденту соответствующего статуса». The requester's confirmation (`ticket.confirm`) or
«Не помогло» (`ticket.reject`) of a ticket opened as ОП4 goes to the chat of the service's line-2 group, with the
internal incident number, so ТП2 can set its incident's status.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.planning import DeliveryContext, Target
from bot.staff.texts import Tr
from bot.staffchat.planner import group_target
from bot.telegram import escape
from core.catalog.models import Service
from core.outbox.models import OutboxEvent
from core.tickets import routing
from core.tickets.models import Ticket

RESULTS = {
    "ticket.confirm": "✅ ОП4 <b>{number}</b> (инцидент ТП2: {incident}): пользователь подтвердил, что проблема "
                      "решена. Установите инциденту соответствующий статус.",
    "ticket.reject": "❌ ОП4 <b>{number}</b> (инцидент ТП2: {incident}): решение у пользователя не помогло, "
                     "обращение снова в работе. Ответ пользователя:\n{text}",
}


def _was_op4(ticket: Ticket, service: Service) -> bool:
    """Opened as ОП4 (`open_op4` keeps its diagnostic data) on a service of assistance levels."""
    return bool(service.type_priority) and bool((ticket.fields or {}).get("diagnostics"))


async def plan_op4_result(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """ticket.confirm / ticket.reject of an ОП4 ticket → the chat of its service's line 2 (ТП2)."""
    msgid = RESULTS.get(ev.topic)
    if msgid is None:
        return []
    p: dict[str, Any] = ev.payload or {}
    ticket = await session.get(Ticket, ev.ticket_id or p.get("ticket_id"))
    service = await session.get(Service, ticket.service_id) if ticket is not None else None
    if ticket is None or service is None or not _was_op4(ticket, service):
        return []
    line2 = await routing.group_at(session, service_code=service.code, level="line2")
    if line2 is None:
        return []
    text = Tr(ctx.i18n, "ru")(msgid, number=escape(ticket.number or ""),
                              incident=escape(ticket.internal_incident or "—"), text=escape(p.get("text") or "—"))
    return await group_target(session, group_code=line2.code, service_code=service.code, text=text)
