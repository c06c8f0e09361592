"""Notices to line chats through the outbox worker: a chat that lost the bot is reported to line 1; a ticket's
file a card's «📎 Вложения» asked for goes into that chat (with the worker's limits, 429 pauses and retries).

`group_target` is how any planner addresses a support group's chat: through the one binding table, held
(kept, not dropped) while that chat is broken.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.planning import DeliveryContext, Target, file_kind
from core.catalog.models import LineGroup
from core.outbox.models import OutboxEvent
from core.staffdesk import cards, chats
from core.staffdesk.models import ChatStatus
from core.tickets import routing
from core.tickets.models import Attachment


async def _rekey(session: AsyncSession, old: int, new: int) -> None:
    await chats.rekey_in(session, old, new)


async def group_target(session: AsyncSession, *, group_code: str, service_code: str, text: str,
                       markup: InlineKeyboardMarkup | None = None) -> list[Target]:
    """The group's chat as a target (held while broken), or none when no chat is bound."""
    row = await chats.binding_for(session, group_code=group_code, service_code=service_code)
    if row is None:
        return []
    held = None if row.status == ChatStatus.active else (row.reason or "chat broken")
    return [Target(chat_id=row.chat_id, text=text, markup=markup, rekey=_rekey, held=held)]


async def plan_line_chat(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """line_chat.broken → line 1's chat of that service (unless it is the broken one)."""
    if ev.topic != "line_chat.broken":
        return []
    p: dict[str, Any] = ev.payload or {}
    group = await session.get(LineGroup, p.get("group_code"))
    service = p.get("service_code") or (group.service_code if group else None) or ""
    line1 = await routing.group_at(session, service_code=service, level="line1")
    if line1 is None:
        return []
    row = await chats.binding_for(session, group_code=line1.code, service_code=service)
    if row is None or row.chat_id == p.get("chat_id") or row.status != ChatStatus.active:
        return []
    name = group.name if group else p.get("group_code")
    text = (f"⚠️ Чат группы «{escape(str(name))}» ({escape(str(p.get('title') or p.get('chat_id')))}) не получает "
            f"сообщения бота: {escape(str(p.get('reason') or ''))}. Карточки и уведомления ждут; после исправления "
            f"прав они будут отправлены.")
    return [Target(chat_id=row.chat_id, text=text, rekey=_rekey)]


async def plan_card_file(session: AsyncSession, ev: OutboxEvent, ctx: DeliveryContext) -> list[Target]:
    """card.file → that file, with its kind's method and named in its caption, into the chat (and topic) asked."""
    if ev.topic != cards.FILE_TOPIC:
        return []
    p: dict[str, Any] = ev.payload or {}
    a = await session.get(Attachment, p.get("attachment_id"))
    chat_id = p.get("chat_id")
    if a is None or not isinstance(chat_id, int):
        return []
    thread = p.get("thread_id")
    return [Target(chat_id=chat_id, text="", files=((file_kind(a.name, a.mime, a.kind), a.file_id),),
                   captions=("📎 " + escape(a.name)[:1000],), thread_id=thread if isinstance(thread, int) else None,
                   rekey=_rekey)]
