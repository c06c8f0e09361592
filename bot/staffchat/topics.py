"""Forum mode: each ticket's topic in a forum line chat (created once, recreated when deleted) and the relay
of what the requester writes in the bot into that topic, through the outbox worker (nothing lost in an outage).

Telegram fixes a topic's icon colour at creation (editForumTopic changes only the name and a custom emoji
icon), so the colour tells the ticket's status when its topic was created; the card in the topic tells the
current one. Custom emoji icons are not used.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.planning import DeliveryContext, Target, comment_files
from bot.staffchat.port import NO_TOPICS
from core.catalog.models import Service, User
from core.outbox.models import OutboxEvent
from core.staffdesk import chats, topics
from core.staffdesk.models import ChatStatus
from core.tickets.models import Ticket, ticket_number
from core.uow import UnitOfWork, UowFactory

log = logging.getLogger(__name__)
THREAD_GONE = "message thread not found"
TOPIC_CLOSED = "topic_closed"  # Telegram's answer to a send into a closed topic
TOPIC_SAME = "topic_not_modified"  # closing a closed topic, reopening an open one
NOT_FORUM = "в группе выключены темы, а чат привязан как группа с темами: привяжите его заново (/bind)"
NAME_LIMIT = 128
# Telegram's six topic colours (createForumTopic refuses any other): blue, yellow, violet, green, rose, red
BLUE, YELLOW, VIOLET, GREEN, ROSE, RED = 7322096, 16766590, 13338331, 9367192, 16749490, 16478047
STATUS_COLOR = {"assigned": BLUE, "in_progress": YELLOW, "waiting_user": VIOLET, "resolved": GREEN,
                "closed": ROSE, "cancelled": ROSE}
# what the requester did, as the topic shows it: the event's topic → the heading's words
RELAYED = {"ticket.comment": "комментарий", "ticket.user_answers": "ответ на вопрос",
           "ticket.reject": "решение не помогло, обращение снова в работе"}


def topic_refusal(message: str) -> str | None:
    """Why no topic can be made in a chat (the binding's reason), from Telegram's refusal; None: another one."""
    low = message.lower()
    if "not enough rights" in low:
        return NO_TOPICS
    if "not a forum" in low:
        return NOT_FORUM
    return None


def topic_name(number: str, title: str) -> str:
    """«INC-000042 · Не открывается карточка», cut to Telegram's 128 characters."""
    name = " ".join(f"{number} · {title}".split())
    return name if len(name) <= NAME_LIMIT else name[:NAME_LIMIT - 1] + "…"


def topic_color(status: str, priority: int) -> int:
    """The colour at creation: red for a critical ticket, else by its status."""
    if priority == 1 and status not in ("resolved", "closed", "cancelled"):
        return RED
    return STATUS_COLOR.get(status, BLUE)


async def ensure_topic(*, bot: Bot, uow: UowFactory, ticket_id: int, chat_id: int, name: str,
                       icon_color: int) -> tuple[int | None, bool]:
    """(thread id or None while another pass creates it, whether a topic was created now)."""
    got = await topics.claim(uow=uow(), ticket_id=ticket_id, chat_id=chat_id)
    if got.thread_id is not None or not got.mine:
        return got.thread_id, False
    try:
        topic = await bot.create_forum_topic(chat_id=chat_id, name=name, icon_color=icon_color)
    except TelegramAPIError:
        await topics.released(uow=uow(), ticket_id=ticket_id)
        raise
    await topics.created(uow=uow(), ticket_id=ticket_id, chat_id=chat_id, thread_id=topic.message_thread_id,
                         name=name, icon_color=icon_color)
    log.info("ticket %s: topic %s created in chat %s", ticket_id, topic.message_thread_id, chat_id)
    return topic.message_thread_id, True


def _forget(factory: Callable[[], UnitOfWork], chat_id: int, thread_id: int) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        ticket_id = await topics.gone(uow=factory(), chat_id=chat_id, thread_id=thread_id)
        log.warning("topic %s of chat %s is gone (ticket %s): recreated, missed messages replayed", thread_id,
                    chat_id, ticket_id)
    return run


def reopener(factory: Callable[[], UnitOfWork], chat_id: int, thread_id: int) -> Callable[[Bot], Awaitable[bool]]:
    """What a send does when Telegram answers that the ticket's topic is closed (a staff member closed it by hand,
    and the ticket has news): the topic is reopened, so the news is seen where the ticket's work is; False when
    Telegram refuses that too (the caller posts into the chat's general feed instead)."""
    async def run(bot: Bot) -> bool:
        try:
            await bot.reopen_forum_topic(chat_id=chat_id, message_thread_id=thread_id)
        except TelegramBadRequest as exc:
            if TOPIC_SAME not in exc.message.lower():  # reopened meanwhile by someone else: as good
                log.warning("closed topic %s of chat %s not reopened: %s", thread_id, chat_id, exc.message)
                return False
        ticket_id = await topics.reopened(uow=factory(), chat_id=chat_id, thread_id=thread_id)
        log.info("topic %s of chat %s (ticket %s) was closed by hand: reopened for its news", thread_id, chat_id,
                 ticket_id)
        return True
    return run


async def plan_topic(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """What the requester wrote in the bot → the ticket's topic in a forum line chat (waits for the topic)."""
    what = RELAYED.get(ev.topic)
    p: dict[str, Any] = ev.payload or {}
    if what is None or p.get("actor_kind") != "user" or (ev.topic == "ticket.comment" and not p.get("public")):
        return []
    ticket = await session.get(Ticket, ev.ticket_id or p.get("ticket_id"))
    service = await session.get(Service, ticket.service_id) if ticket is not None else None
    if ticket is None or service is None:
        return []
    row = await chats.binding_for(session, group_code=ticket.line, service_code=service.code)
    if row is None or not row.forum:
        return []  # a plain group: the card shows the newest exchange
    requester = await session.get(User, ticket.requester_id)
    who = escape(requester.full_name if requester is not None else "Пользователь")
    body = escape(str(p.get("text") or "")).strip()
    text = f"👤 <b>{who}</b> — {escape(what)}:\n{body}" if body else f"👤 <b>{who}</b> — {escape(what)}"
    files = await comment_files(session, p.get("comment_id"))
    if row.status != ChatStatus.active:
        return [Target(chat_id=row.chat_id, text=text, held=row.reason or "chat broken", files=files)]
    thread = await topics.thread_of(session, ticket_id=ticket.id, chat_id=row.chat_id)
    closed = await topics.closed_state(session, ticket_id=ticket.id, chat_id=row.chat_id)
    if thread is None:
        return [Target(chat_id=row.chat_id, text=text, wait="the ticket's topic is not created yet", files=files)]
    factory = lambda: UnitOfWork(ctx.session_factory)  # noqa: E731
    return [Target(chat_id=row.chat_id, text=text, thread_id=thread, files=files,
                   thread_gone=_forget(factory, row.chat_id, thread),
                   thread_closed=reopener(factory, row.chat_id, thread), closed_now=bool(closed),
                   outside=f"<b>{ticket_number(ticket.id)}</b> (тема обращения закрыта)\n{text}")]
