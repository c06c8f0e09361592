"""SLA alarms for staff: warnings and breaches to the ticket's group chat (P1/P2 also to the service managers),
the coordinator's ping about an unassigned ticket; several falling due together reach one chat as one message.

Batching: the sweep writes every event of one run with the same `created_at`. For each chat, the run's first event
that concerns it carries the message listing all of them; the others plan nothing for that chat. The listing is
computed from the stored events, not from what is still unpublished, so a retried send carries the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.planning import DeliveryContext, Target
from bot.staff import chats
from bot.staff.texts import Tr, ticket_head
from core.outbox.models import OutboxEvent
from core.tickets.lifecycle import FINAL
from core.tickets.models import Ticket

TOPICS = ("sla.warning", "sla.breach", "sla.ping")
URGENT = (1, 2)  # P1/P2 alarms also reach the service managers (000 «Сервис-менеджер»)
_CACHE = "staff.alarm_runs"


@dataclass(frozen=True, slots=True)
class _Item:
    event_id: int
    chat_id: int
    locale: str
    user_id: int | None  # a private chat's person (unreachable on 403); None for a group chat


async def plan_alarms(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """This event's part of its sweep run's alarms: the batched message for each chat it leads, if any."""
    if ev.topic not in TOPICS:
        return []
    runs: dict[datetime, dict[int, list[Target]]] = session.info.setdefault(_CACHE, {})
    if ev.created_at not in runs:
        runs[ev.created_at] = await _plan_run(session, ev.created_at, ctx)
    return runs[ev.created_at].get(ev.id, [])


async def _plan_run(session: AsyncSession, created_at: datetime, ctx: DeliveryContext) -> dict[int, list[Target]]:
    events = list((await session.scalars(select(OutboxEvent).where(OutboxEvent.topic.in_(TOPICS),
                                                                   OutboxEvent.created_at == created_at)
                                         .order_by(OutboxEvent.id))).all())
    ids = {e.ticket_id for e in events if e.ticket_id is not None}
    tickets = {t.id: t for t in (await session.scalars(select(Ticket).where(Ticket.id.in_(ids)))).all()}
    memo: dict[tuple[Any, ...], list[tuple[int, str, int | None]]] = {}
    per_chat: dict[int, list[tuple[_Item, OutboxEvent, Ticket]]] = {}
    for ev in events:
        ticket = tickets.get(ev.ticket_id or 0)
        if ticket is None or ticket.status in FINAL:
            continue  # closed meanwhile: nothing is urgent any more
        if ev.topic == "sla.ping" and (ticket.assignee_id is not None or ticket.status != "assigned"):
            continue  # taken meanwhile
        for chat_id, locale, user_id in await _recipients(session, ev, ticket, memo):
            per_chat.setdefault(chat_id, []).append((_Item(ev.id, chat_id, locale, user_id), ev, ticket))
    tz = ZoneInfo(ctx.settings.timezone)
    plans: dict[int, list[Target]] = {}
    for chat_id, items in per_chat.items():
        lead = items[0][0]
        text = _text([(ev, ticket) for _, ev, ticket in items], Tr(ctx.i18n, lead.locale), tz)
        plans.setdefault(lead.event_id, []).append(Target(chat_id=chat_id, text=text, user_id=lead.user_id))
    return plans


async def _recipients(session: AsyncSession, ev: OutboxEvent, ticket: Ticket,
                      memo: dict[tuple[Any, ...], list[tuple[int, str, int | None]]]
                      ) -> list[tuple[int, str, int | None]]:
    """(chat, locale, person) for one alarm: the group's chat, the managers of an urgent one, the coordinators."""
    key: tuple[Any, ...] = (ev.topic == "sla.ping", ticket.service_id, ticket.line, ticket.priority in URGENT)
    if key in memo:
        return memo[key]
    group = await chats.group_chat(session, service_id=ticket.service_id, line=ticket.line)
    out: list[tuple[int, str, int | None]] = []
    if ev.topic == "sla.ping":
        people = await chats.coordinators(session, line=ticket.line)
        out = [(p.chat_id, p.locale, p.user_id) for p in people]
        if not out and group is not None:
            out = [(group, "ru", None)]  # no coordinator to ping: the whole group sees it
    else:
        if group is not None:
            out.append((group, "ru", None))
        if ticket.priority in URGENT:
            out += [(p.chat_id, p.locale, p.user_id)
                    for p in await chats.service_managers(session, service_id=ticket.service_id)]
    memo[key] = out
    return out


def _line(ev: OutboxEvent, ticket: Ticket, tr: Tr, tz: ZoneInfo) -> str:
    p = ev.payload or {}
    due = datetime.fromisoformat(p["due_at"]) if p.get("due_at") else ev.created_at
    at = due.astimezone(tz).strftime("%H:%M %d.%m")
    head = ticket_head(ticket)
    target = tr.target(str(p.get("target", "")))
    if ev.topic == "sla.breach":
        late = ev.created_at - due
        return "🔴 " + tr("{ticket} — {target}: срок истёк в {at}, просрочено на {late}", ticket=head, target=target,
                         at=at, late=tr.duration(late)) if late >= timedelta(minutes=1) else \
            "🔴 " + tr("{ticket} — {target}: срок истёк в {at}", ticket=head, target=target, at=at)
    if ev.topic == "sla.warning":
        return "🟡 " + tr("{ticket} — {target}: осталось {left}, срок {at}", ticket=head, target=target,
                         left=tr.duration(due - ev.created_at), at=at)
    return "👤 " + tr("{ticket} — никто не взял, прошла половина времени реакции (срок {at})", ticket=head, at=at)


def _text(items: list[tuple[OutboxEvent, Ticket]], tr: Tr, tz: ZoneInfo) -> str:
    lines = [_line(ev, ticket, tr, tz) for ev, ticket in items]
    if len(lines) == 1:
        return "SLA: " + lines[0]
    return "\n".join([tr("SLA: обращений требуют внимания — {n}", n=len(lines)), *lines])
