"""What the card buttons' dialogs share: who may press (staff of the chat's group), the press's checks (a ticket
of this chat, the card's version), the use case with its refusals told in plain words, choice keyboards."""

from __future__ import annotations

import dataclasses
import logging
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.callbacks import PickCb
from bot.staffchat.card import staff_status
from bot.staffchat.sync import show_now
from bot.staffchat.who import chat_and_sender
from core.errors import Conflict, DomainError, ValidationFailed
from core.staffdesk import cards, chats, topics
from core.tickets import service as tickets
from core.tickets.lifecycle import Actor
from core.uow import UowFactory

log = logging.getLogger(__name__)
GROUPS = ("group", "supergroup")


class LineStaff(Filter):
    """The sender is an active member of the group this chat is bound to; gives the handler `staff_id`."""

    async def __call__(self, event: CallbackQuery | Message, uow: UowFactory) -> bool | dict[str, Any]:
        where = chat_and_sender(event)
        if where is None:
            return False
        staff_id = await chats.staff_in_chat(uow=uow(), chat_id=where[0], tg_id=where[1])
        return {"staff_id": staff_id} if staff_id is not None else False


def pick_kb(rows: list[tuple[str, PickCb]]) -> InlineKeyboardMarkup:
    """One choice a row."""
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=cb.pack())]
                                                 for t, cb in rows])


async def stale(cq: CallbackQuery, uow: UowFactory, bot: Bot, tz: ZoneInfo, ticket_id: int) -> None:
    """The press met an older card: the person is told the current state, the card shows it at once."""
    status, who = await cards.who_and_what(uow=uow(), ticket_id=ticket_id)
    extra = f" Исполнитель: {who}." if who else ""
    await cq.answer(f"Карточка устарела, вот текущая. Статус: {staff_status(status)}.{extra}", show_alert=True)
    msg = cq.message
    if isinstance(msg, Message):
        await show_now(uow=uow, bot=bot, tz=tz, ticket_id=ticket_id, chat_id=msg.chat.id, message_id=msg.message_id)


async def checked(cq: CallbackQuery, uow: UowFactory, bot: Bot, tz: ZoneInfo, t: int, v: int) -> bool:
    """A ticket of this chat, shown at its current version; else a polite refusal (and a log line)."""
    msg = cq.message
    chat_id = msg.chat.id if msg is not None else 0
    if not await chats.ticket_in_chat(uow=uow(), chat_id=chat_id, ticket_id=t):
        log.warning("card press refused: ticket %s is not a ticket of chat %s (by %s, data %r)", t, chat_id,
                    cq.from_user.id, cq.data)
        await cq.answer("Эта кнопка не относится к обращениям этого чата.", show_alert=True)
        return False
    cur = await cards.ticket_version(uow=uow(), ticket_id=t)
    if cur is None or cur[0] != v:
        await stale(cq, uow, bot, tz, t)
        return False
    return True


async def say_under(cq: CallbackQuery, uow: UowFactory, ticket_id: int, text: str, *,
                    reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Posts beside the pressed card; a card too old for Telegram to send with the press (an InaccessibleMessage:
    its chat and id only) gets it in its chat, in the ticket's topic in a forum."""
    msg = cq.message
    if isinstance(msg, Message):
        await msg.answer(text, reply_markup=reply_markup)
    elif msg is not None and cq.bot is not None:
        await cq.bot.send_message(chat_id=msg.chat.id, text=text, reply_markup=reply_markup,
                                  message_thread_id=await _thread(uow, ticket_id, msg.chat.id))


async def dialog_state(cq: CallbackQuery, uow: UowFactory, ticket_id: int, state: FSMContext) -> FSMContext:
    """The person's dialog context where its answer will be written: an old card's press carries no topic, so the
    ticket's topic is looked up (else the dialog waited in General while they answered in the topic)."""
    msg = cq.message
    if isinstance(msg, Message) or msg is None:
        return state
    thread = await _thread(uow, ticket_id, msg.chat.id)
    if thread == state.key.thread_id:
        return state
    return FSMContext(storage=state.storage, key=dataclasses.replace(state.key, thread_id=thread))


async def _thread(uow: UowFactory, ticket_id: int, chat_id: int) -> int | None:
    work = uow()
    async with work:
        return await topics.thread_of(work.session, ticket_id=ticket_id, chat_id=chat_id)


async def apply_press(event: CallbackQuery | Message, uow: UowFactory, *, ticket_id: int, action: str, staff_id: int,
                 params: dict[str, Any] | None = None) -> bool:
    """The use case of the admin API's actions; its refusals are told in plain words."""
    try:
        await tickets.apply_action(uow=uow(), ticket_id=ticket_id, action=action, actor=Actor("staff", staff_id),
                                   params=params or {})
    except Conflict:
        status, who = await cards.who_and_what(uow=uow(), ticket_id=ticket_id)
        text = f"Не применено: обращение уже изменилось (статус: {staff_status(status)}" + (
            f", исполнитель: {who})." if who else ").")
        await tell(event, text)
        return False
    except ValidationFailed as exc:
        await tell(event, "Не применено: " + "; ".join(exc.fields.values() or [exc.message]))
        return False
    except DomainError as exc:
        log.info("card action %s on %s by staff %s refused: %s", action, ticket_id, staff_id, exc.message)
        await tell(event, "Не применено: у вас нет прав на это действие или оно сейчас недоступно.")
        return False
    return True


async def tell(event: CallbackQuery | Message, text: str) -> None:
    """An alert to a press, a message to a text."""
    if isinstance(event, CallbackQuery):
        await event.answer(text[:200], show_alert=True)
    else:
        await event.answer(escape(text))
