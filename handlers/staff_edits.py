"""Staff editing a message in a line chat: what the message did (a reply relayed to the user, a note, a dialog's
answer) was done with its first version, and Telegram's edit changes nothing of it. Staff are told so where the
message surely went into a ticket: in a ticket's topic, as a reply to one of the bot's messages (a card, a
prompt of the card's dialogs), or as a card dialog's answer typed without replying (the dialog keeps the ids of
the messages it took). Other chatter of the chat stays unanswered."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.texts import _
from core.staffdesk import topics
from core.uow import UowFactory
from handlers.card_buttons import answers_taken
from handlers.card_steps import GROUPS, LineStaff

router = Router(name="staff-edits")
router.edited_message.filter(F.chat.type.in_(GROUPS), LineStaff())


@router.edited_message(F.text | F.caption)
async def on_staff_edit(message: Message, uow: UowFactory, state: FSMContext) -> None:
    if message.message_id not in await answers_taken(state) and not await _went_into_a_ticket(message, uow):
        return
    await message.reply(_("✏️ Правка не учтена: в обращении (и у пользователя, если сообщение ушло ему) остался "
                          "первый вариант. Если нужно уточнить, напишите новым сообщением."))


async def _went_into_a_ticket(message: Message, uow: UowFactory) -> bool:
    text = (message.text or message.caption or "").strip()
    if message.is_topic_message and message.message_thread_id:
        if text.startswith("/") and not text.startswith("/note"):
            return False  # another command: forum_topic.py leaves it to its own handler
        return await topics.ticket_of(uow=uow(), chat_id=message.chat.id,
                                      thread_id=message.message_thread_id) is not None
    replied = message.reply_to_message
    return (replied is not None and replied.from_user is not None and message.bot is not None
            and replied.from_user.id == message.bot.id)
