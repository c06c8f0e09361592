"""Who pressed or wrote, and where: the chat and the sender of a group-chat event (the staff filters' input)."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message


def chat_and_sender(event: CallbackQuery | Message) -> tuple[int, int] | None:
    """(chat id, sender's Telegram id) of a message or of the message under a pressed button; None if unknown."""
    msg = event.message if isinstance(event, CallbackQuery) else event
    if msg is None or event.from_user is None:
        return None
    return msg.chat.id, event.from_user.id
