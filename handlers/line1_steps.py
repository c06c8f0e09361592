"""What the line chats' dialogs (/outage, /restore, /works, /news) share: who may declare, keyboards, times, the
length limits of their texts, and the ids of the messages they took (for their edits: handlers/line1_edits.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callbacks import OutCb
from bot.staffchat.who import chat_and_sender
from bot.texts import _
from core.outages.declarers import Declarer, declarer_in_chat
from core.uow import UowFactory
from handlers.common import drop_keyboard

GROUPS = ("group", "supergroup")
ANSWER = F.text & ~F.text.startswith("/")  # a command is not an answer to a step
TAKEN_KEPT = 20  # the last answers these dialogs took from a person in a chat, for their edits
# what the use cases (and the admin API) keep of each text: a longer one is asked again, never cut
TITLE_LIMIT, WHAT_LIMIT, NEWS_LIMIT, RESOLUTION_LIMIT = 300, 2000, 3000, 4000


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


HALF_YEAR = timedelta(days=183)


def parse_eta(text: str, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """«18:30» (today, or tomorrow when past), «03.12 18:30» (in the year that puts it nearest to now: «10.01»
    typed in December is next January), «03.12.2026 18:30»; None when not understood."""
    text = " ".join(text.split())
    local = now.astimezone(tz)
    # the year is added before parsing: strptime's default year 1900 has no 29 February
    for fmt, probe in (("%d.%m.%Y %H:%M", text), ("%d.%m %H:%M %Y", f"{text} {local.year}"), ("%H:%M", text)):
        try:
            parsed = datetime.strptime(probe, fmt)  # noqa: DTZ007 (the zone is attached right below)
        except ValueError:
            continue
        if fmt == "%H:%M":
            at = local.replace(hour=parsed.hour, minute=parsed.minute, second=0, microsecond=0)
            return at + timedelta(days=1) if at <= local else at
        at = parsed.replace(tzinfo=tz)
        return at if "%Y " in fmt else _nearest_year(at, local)
    return None


def _nearest_year(at: datetime, local: datetime) -> datetime:
    """A day and month typed without a year, moved to the next or the previous year when that is nearer now."""
    for year in (at.year + 1, at.year - 1):
        try:
            other = at.replace(year=year)
        except ValueError:  # 29 February of a year without it
            continue
        if abs(other - local) < abs(at - local):
            return other
    return at


async def say_under(cq: CallbackQuery, text: str, *, reply_markup: Any = None) -> None:
    """The next step under a pressed keyboard (which is dropped); a message too old for Telegram to send with the
    press (an InaccessibleMessage: chat and id only) still gets it, in its chat, where the dialog now waits."""
    msg = cq.message
    if isinstance(msg, Message):
        await drop_keyboard(msg)
        await msg.answer(text, reply_markup=reply_markup)
    elif msg is not None and cq.bot is not None:
        await cq.bot.send_message(chat_id=msg.chat.id, text=text, reply_markup=reply_markup)


async def took(message: Message, state: FSMContext) -> None:
    """The step took this message as its answer: an edit of it is answered as of a dialog (line1_edits.py)."""
    data = await state.get_data()
    await state.update_data(l1_taken=[*data.get("l1_taken", []), message.message_id][-TAKEN_KEPT:], l1_refused=None)


async def refused(message: Message, state: FSMContext) -> None:
    """The step refused this message and asks again: an edit of it, while the step waits, is its answer."""
    await state.update_data(l1_refused=[message.message_id, await state.get_state()])


async def end(state: FSMContext) -> None:
    """Ends a dialog; the ids of the messages the dialogs took stay, so an edit of one is still answered."""
    data = await state.get_data()
    kept = {k: data[k] for k in ("l1_taken", "card_taken") if data.get(k)}
    await state.set_state(None)
    await state.set_data(kept)


async def fits(message: Message, state: FSMContext, text: str, limit: int) -> bool:
    """Whether a step's text is within what is kept of it; else the step asks again with both numbers."""
    if len(text) <= limit:
        return True
    await refused(message, state)
    await message.answer(_("Слишком длинный текст: {n} символов, а здесь можно не больше {limit}. Сократите его и "
                           "пришлите ещё раз (ваше сообщение осталось в чате).").format(n=len(text), limit=limit))
    return False


async def ask(message: Message, text: str) -> None:
    """A dialog's next question, as a reply the client is made to answer."""
    # a reply reaches the bot in a group even with privacy mode on; ForceReply makes the client reply
    await message.answer(text, reply_markup=ForceReply(selective=True))


async def take_service(cq: CallbackQuery, code: str | None, state: FSMContext, declarer: Declarer, *,
                       next_state: State, question: str) -> None:
    """A notice dialog's service pressed: kept with its name (if the declarer may use it), the next question asked."""
    names = dict(declarer.services)
    if code not in names:
        await cq.answer(_("Этот сервис вам недоступен."), show_alert=True)
        return
    await state.update_data(svc=code, svc_name=names[code])
    await state.set_state(next_state)
    await cq.answer()
    await say_under(cq, question, reply_markup=ForceReply(selective=True))
