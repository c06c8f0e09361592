"""What the line chats' dialogs (/outage, /restore, /works) share: who may declare, keyboards, times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callbacks import OutCb
from bot.staffchat.who import chat_and_sender
from core.outages.declarers import declarer_in_chat
from core.uow import UowFactory

GROUPS = ("group", "supergroup")
ANSWER = F.text & ~F.text.startswith("/")  # a command is not an answer to a step


class MayDeclare(Filter):
    """The sender may declare outages from this chat; gives the handler `declarer`."""

    async def __call__(self, event: CallbackQuery | Message, uow: UowFactory) -> bool | dict[str, Any]:
        where = chat_and_sender(event)
        if where is None:
            return False
        d = await declarer_in_chat(uow=uow.read(), chat_id=where[0], tg_id=where[1])
        return {"declarer": d} if d is not None else False


def rows_kb(rows: list[tuple[str, OutCb]]) -> InlineKeyboardMarkup:
    """One button per row."""
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=cb.pack())]
                                                 for t, cb in rows])


def parse_eta(text: str, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """«18:30» (today, or tomorrow when past), «03.12 18:30», «03.12.2026 18:30»; None when not understood."""
    text = " ".join(text.split())
    local = now.astimezone(tz)
    for fmt in ("%d.%m.%Y %H:%M", "%d.%m %H:%M", "%H:%M"):
        try:
            parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 (the zone is attached right below)
        except ValueError:
            continue
        if fmt == "%H:%M":
            at = local.replace(hour=parsed.hour, minute=parsed.minute, second=0, microsecond=0)
            return at + timedelta(days=1) if at <= local else at
        year = parsed.year if "%Y" in fmt else local.year
        return parsed.replace(year=year, tzinfo=tz)
    return None
