"""Line 1's view of a broadcast: one message edited in place at most every `progress_every` seconds, then a
summary when the last row is settled."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from aiogram.exceptions import TelegramAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.limiter import RateLimiter
from bot.telegram import edit_text, send_text
from core.broadcasts.models import Broadcast
from core.broadcasts.service import Progress, progress_of

if TYPE_CHECKING:
    from aiogram import Bot


class BroadcastSender(Protocol):
    """What the progress report needs of the sender."""

    bot: Bot
    session_factory: async_sessionmaker[AsyncSession]
    limiter: RateLimiter
    tz: ZoneInfo
    progress_every: float

    @property
    def now(self) -> Callable[[], datetime]: ...

log = logging.getLogger(__name__)

KINDS = {"outage": "авария", "outage.update": "авария: обновление", "outage.restored": "авария: восстановление",
         "works": "плановые работы", "works.reminder": "плановые работы: напоминание",
         "works.start": "плановые работы: начало", "works.end": "плановые работы: окончание",
         "works.cancelled": "плановые работы: отмена", "notice": "уведомление"}


def render(p: Progress, *, final: bool, sender: BroadcastSender) -> str:
    """The progress or summary text (Russian: line 1's chat)."""
    head = (f"Рассылка №{p.id} ({KINDS.get(p.kind, p.kind)})"
            + (" завершена" if final and p.status == "done" else " отменена" if p.status == "cancelled" else ""))
    lines = [f"<b>{head}</b>", f"Получателей: {p.total}", f"Доставлено: {p.sent}",
             f"Не доставлено: {p.failed}", f"Заблокировали бота: {p.blocked}"]
    if p.uncertain:
        lines.append(f"Под вопросом (сбой во время отправки, повторно не отправлялись): {p.uncertain}")
    if p.cancelled:
        lines.append(f"Отменено до отправки: {p.cancelled}")
    if not final:
        lines.append(f"В очереди: {p.pending}")
        if p.rate:
            lines.append(f"Скорость: {p.rate:.1f} сообщ./с")
        if p.eta is not None:
            lines.append(f"Окончание ≈ {p.eta.astimezone(sender.tz):%H:%M:%S}")
    return "\n".join(lines)


async def report(sender: BroadcastSender, broadcast_id: int, *, final: bool) -> None:
    """Sends or edits the progress message when it is due; on `final`, the last edit and a summary."""
    now = sender.now()
    async with sender.session_factory() as s:
        b = await s.get(Broadcast, broadcast_id)
        if b is None or b.progress_chat_id is None:
            return
        if not final and b.progress_at is not None and (now - b.progress_at).total_seconds() < sender.progress_every:
            return
        p = await progress_of(s, broadcast_id, now=now)
        chat, message_id = b.progress_chat_id, b.progress_message_id
    from core.broadcasts import ledger

    text = render(p, final=final, sender=sender)
    try:
        await sender.limiter.acquire(chat)
        if message_id is None or final:
            if message_id is not None:
                await edit_text(sender.bot, chat, message_id, text)
                await sender.limiter.acquire(chat)
            sent = await send_text(sender.bot, chat, text)
            message_id = message_id or (sent[0].message_id if sent else None)
        else:
            await edit_text(sender.bot, chat, message_id, text)
    except TelegramAPIError as exc:  # progress is a courtesy: the broadcast goes on without it
        log.warning("progress of broadcast %s not shown in chat %s: %s", broadcast_id, chat, exc)
    await ledger.note_progress(sender.session_factory, broadcast_id, message_id=message_id, at=now)
