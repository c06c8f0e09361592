"""Private notices to the staff a ticket event concerns: assigned to them, returned to their coordinator,
the user's answer or comment on their ticket, a reopen after the user rejected the solution, their ticket taken
off a cancelled (or installed but not applicable) release, resolved by its release's installation; the coordinators,
of a ticket back in their queue because its assignee was removed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.planning import DeliveryContext, Target
from bot.delivery.render import release_text
from bot.staff import chats
from bot.staff.texts import Tr
from bot.telegram import escape
from core.outbox.models import OutboxEvent
from core.tickets.models import Ticket

# topic -> msgid of the notice ({ticket}: number, priority and title; {text}: what was written)
NOTICES = {
    "ticket.assign": "Вам назначено обращение {ticket}.",
    "ticket.return_to_coordinator": "Обращение {ticket} возвращено координатору. Причина: {text}",
    "ticket.user_answers": "Пользователь ответил на вопрос по обращению {ticket}:\n{text}",
    "ticket.comment": "Новый комментарий пользователя по обращению {ticket}:\n{text}",
    "ticket.reject": "Пользователь отклонил решение по обращению {ticket}, оно снова в работе:\n{text}",
    "ticket.requeue": "Обращение {ticket} вернулось в очередь группы: его исполнитель удалён из поддержки.",
    "ticket.unlink_release": "Обращение {ticket} больше не ждёт релиза и снова в работе:\n{text}",
    "ticket.release_installed": "Обращение {ticket} решено установкой релиза, пользователю отправлено решение на "
                                "подтверждение:\n{text}",
}


async def _whom(session: AsyncSession, ev: OutboxEvent, p: dict[str, Any]) -> list[chats.Person]:
    if ev.topic in ("ticket.return_to_coordinator", "ticket.requeue"):
        return await chats.coordinators(session, line=str(p.get("line") or ""))
    if ev.topic == "ticket.comment" and (p.get("actor_kind") != "user" or not p.get("public")):
        return []  # staff see their own and their colleagues' comments on the card
    return await chats.people(session, [p.get("assignee_id")])


async def plan_staff_notices(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """The private chats of the staff this ticket event concerns, never the one who acted."""
    msgid = NOTICES.get(ev.topic)
    p: dict[str, Any] = ev.payload or {}
    if msgid is None:
        return []
    people = [person for person in await _whom(session, ev, p)
              if not (p.get("actor_kind") == "staff" and p.get("actor_id") == person.staff_id)]
    if not people:
        return []
    ticket = await session.get(Ticket, ev.ticket_id or p.get("ticket_id"))
    title = f" «{escape(ticket.title)}»" if ticket is not None else ""
    head = f"<b>{escape(p.get('number', ''))}</b> P{p.get('priority', '')}{title}"
    return [Target(chat_id=person.chat_id, user_id=person.user_id,
                   text=_notice(Tr(ctx.i18n, person.locale), msgid, head, p, int(p.get("files") or 0)))
            for person in people]


def _notice(tr: Tr, msgid: str, head: str, p: dict[str, Any], files: int) -> str:
    out = tr(msgid, ticket=head, text=release_text(tr, p) or escape(p.get("text") or "—"))
    return out + "\n" + tr("📎 Приложено файлов: {n}", n=files) if files else out
