"""«📎 Вложения» on a ticket card: the ticket's files (the screenshots, documents, voice notes and recordings of
the report and of later comments) sent into the line chat, each with its own kind's method, under the card.

The card showed only «📎 Вложений: 2»: nothing in Telegram let the line open them. Each file goes as it came (a
photo as a photo, a voice note as a voice note: Telegram refuses a file id with another kind's method), named in
its caption; in a forum, into the ticket's topic."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot.callbacks import CardCb
from bot.delivery.planning import file_kind
from bot.delivery.send import send_file
from bot.telegram import escape
from core.staffdesk import cards
from core.uow import UowFactory
from handlers.card_steps import GROUPS, LineStaff, checked

log = logging.getLogger(__name__)
router = Router(name="card-files")
router.callback_query.filter(F.message.chat.type.in_(GROUPS), LineStaff())
SHOWN = 10  # files sent for one press (a group takes 20 messages a minute)


@router.callback_query(CardCb.filter(F.a == "files"))
async def on_files(cq: CallbackQuery, callback_data: CardCb, uow: UowFactory, bot: Bot, tz: ZoneInfo) -> None:
    if not await checked(cq, uow, bot, tz, callback_data.t, callback_data.v):
        return
    files = await cards.ticket_files(uow=uow(), ticket_id=callback_data.t)
    msg = cq.message
    if not files or not isinstance(msg, Message):  # a card too old for Telegram to give back: nowhere to answer
        await cq.answer("Вложений нет." if not files else "Откройте карточку заново: /ticket", show_alert=True)
        return
    await cq.answer(f"Вложений: {len(files)}")
    thread = msg.message_thread_id if msg.is_topic_message else None
    refused = 0
    for kind, file_id, name, mime in files[:SHOWN]:
        try:
            await send_file(bot, msg.chat.id, file_kind(name, mime, kind), file_id,
                            caption="📎 " + escape(name)[:1000], thread=thread)
        except TelegramBadRequest as exc:  # a file id Telegram no longer knows: said, the others still go
            refused += 1
            log.warning("file %s of ticket %s refused in chat %s: %s", name, callback_data.t, msg.chat.id,
                        exc.message)
    more = [f"Показаны первые {SHOWN} из {len(files)}."] if len(files) > SHOWN else []
    if refused:
        more.append(f"Не удалось показать файлов: {refused} (Telegram их больше не отдаёт).")
    if more:
        await msg.answer(" ".join(more), message_thread_id=thread)

