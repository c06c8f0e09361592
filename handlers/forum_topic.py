"""Forum mode: what staff write in a ticket's topic reaches the requester as the desk's reply (through the outbox);
`/note …` or a message marked `#внутр` stays an internal note. Service messages in topics (the topic created or
edited, pins, joins) carry no text and are left alone; commands other than /note go on to their own handlers.

A ticket's topic closed or reopened by hand (its service message, from whoever did it, staff or an admin) is noted:
the bot, an admin, may still post into a closed topic, so the desk reopens it itself before posting what staff
must act on (bot/staffchat/topics.py), instead of waiting for a refusal that never comes.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.types import Message

from core.settings import Settings
from core.staffdesk import topics
from core.tickets.service import FileRef
from core.uow import UowFactory
from handlers.card_buttons import INTERNAL_TAG, comment_from_chat
from handlers.card_steps import LineStaff
from handlers.common import FILE, file_ref, has_file

log = logging.getLogger(__name__)
NOTE = "/note"

router = Router(name="forum-topics")
closings = Router(name="forum-topic-closings")
closings.message.filter(F.chat.type == "supergroup", F.message_thread_id)
# no dialog of the card's buttons running for this person (those answers belong to card_buttons)
router.message.filter(F.chat.type == "supergroup", F.is_topic_message, F.message_thread_id, StateFilter(None),
                      LineStaff())


def split_note(text: str) -> tuple[str, bool]:
    """(the text to keep, whether it is internal): `/note …` (also `/note@bot …`) or `#внутр` anywhere."""
    head, _, rest = text.partition(" ")
    if head == NOTE or head.startswith(NOTE + "@"):
        return rest.strip(), True
    return text, INTERNAL_TAG in text.lower()


@closings.message(F.forum_topic_closed)
async def on_topic_closed(message: Message, uow: UowFactory, bot: Bot) -> None:
    """Someone closed a topic: a ticket's is noted closed by hand."""
    assert message.message_thread_id is not None  # the router's filter
    if message.from_user is not None and message.from_user.id == bot.id:
        return  # the desk's own closing of a finished ticket's topic, already noted as the desk's
    ticket_id = await topics.closed_by_hand(uow=uow(), chat_id=message.chat.id, thread_id=message.message_thread_id)
    if ticket_id is not None:
        log.info("topic %s of chat %s (ticket %s) closed by hand", message.message_thread_id, message.chat.id,
                 ticket_id)


@closings.message(F.forum_topic_reopened)
async def on_topic_reopened(message: Message, uow: UowFactory) -> None:
    """Someone reopened a topic: a ticket's is noted open (a finished ticket's is closed again by the card sync)."""
    assert message.message_thread_id is not None  # the router's filter
    await topics.reopened(uow=uow(), chat_id=message.chat.id, thread_id=message.message_thread_id)


@router.message(F.text | F.caption | FILE)
async def on_topic_message(message: Message, staff_id: int, uow: UowFactory, settings: Settings) -> None:
    """A message in a ticket's topic: a public reply to the requester, or an internal note."""
    thread = message.message_thread_id
    assert thread is not None  # the router's filter
    text = (message.text or message.caption or "").strip()
    if text.startswith("/") and not text.startswith(NOTE):
        raise SkipHandler  # another command: its own router answers it
    ticket_id = await topics.ticket_of(uow=uow(), chat_id=message.chat.id, thread_id=thread)
    if ticket_id is None:
        raise SkipHandler  # a topic that is no ticket's (or of a ticket moved to another chat)
    text, internal = split_note(text)
    files: list[FileRef] = []
    if has_file(message):
        ref, problem = file_ref(message, settings.max_file_mb)
        if ref is None:
            await message.reply("⚠️ " + (problem or ""))
            return
        files.append(FileRef(**ref))
    await comment_from_chat(message, uow, ticket_id=ticket_id, staff_id=staff_id, text=text, public=not internal,
                            files=files)
