"""«📎 Вложения» on a ticket card: the ticket's files (the screenshots, documents, voice notes and recordings of
the report and of later comments) sent into the line chat, each with its own kind's method, under the card.

The card showed only «📎 Вложений: 2»: nothing in Telegram let the line open them. Each file goes as it came (a
photo as a photo, a voice note as a voice note: Telegram refuses a file id with another kind's method), named in
its caption; in a forum, into the ticket's topic. The files go through the outbox like every other message of the
bot (one event a file, queued in one transaction): the delivery worker keeps Telegram's limits, waits out a 429,
retries a network failure and holds them for a chat that lost the bot; the press is answered once, at once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CardCb
from core.staffdesk import cards
from core.uow import UowFactory
from handlers.card_steps import GROUPS, LineStaff, checked

router = Router(name="card-files")
router.callback_query.filter(F.message.chat.type.in_(GROUPS), LineStaff())
SHOWN = 10  # files sent for one press (a group takes 20 messages a minute)


@router.callback_query(CardCb.filter(F.a == "files"))
async def on_files(cq: CallbackQuery, callback_data: CardCb, uow: UowFactory, bot: Bot, tz: ZoneInfo) -> None:
    if not await checked(cq, uow, bot, tz, callback_data.t, callback_data.v):
        return
    msg = cq.message
    if not isinstance(msg, Message):  # a card too old for Telegram to give back: nowhere to answer
        await cq.answer("Откройте карточку заново: /ticket", show_alert=True)
        return
    thread = msg.message_thread_id if msg.is_topic_message else None
    queued, total = await cards.share_files(uow=uow(), ticket_id=callback_data.t, chat_id=msg.chat.id,
                                            thread_id=thread, limit=SHOWN)
    if not total:
        await cq.answer("Вложений нет.", show_alert=True)
    elif queued < total:
        await cq.answer(f"Вложений: {total}. Показаны первые {queued}.")
    else:
        await cq.answer(f"Вложений: {total}")
