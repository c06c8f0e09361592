"""Safe sending: escaped user input, long texts split on line boundaries, entity errors resent as plain text."""

from __future__ import annotations

import html
import logging
import re
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramBadRequest

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.types import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup

log = logging.getLogger(__name__)

LIMIT = 4096
_TAG = re.compile(r"<[^>]+>")


def escape(text: object) -> str:
    """User-supplied text made safe for parse_mode=HTML."""
    return html.escape(str(text), quote=False)


def split_text(text: str, limit: int = LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at line ends where possible (then at spaces, then hard)."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n") if rest[cut:cut + 1] == "\n" else rest[cut:].lstrip(" ")
    if rest:
        parts.append(rest)
    return parts


def to_plain(text: str) -> str:
    """HTML text without tags and entities, for a resend after Telegram refused the markup."""
    return html.unescape(_TAG.sub("", text))


def is_entity_error(exc: TelegramBadRequest) -> bool:
    msg = exc.message.lower()
    return "can't parse entities" in msg or "can't find end of the entity" in msg or "unsupported start tag" in msg


async def send_one(bot: Bot, chat_id: int, text: str, *,
                   reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
                   **kwargs: Any) -> list[Message]:
    """Sends one piece (≤ LIMIT); if Telegram refuses the markup, resends it as plain text."""
    try:
        return [await bot.send_message(chat_id=chat_id, text=text, reply_markup=reply_markup, **kwargs)]
    except TelegramBadRequest as exc:
        if not is_entity_error(exc):
            raise
        log.warning("markup refused for chat %s (%s): resending as plain text", chat_id, exc.message)
        plain = split_text(to_plain(text))
        return [await bot.send_message(chat_id=chat_id, text=p, parse_mode=None, **kwargs,
                                       reply_markup=reply_markup if i == len(plain) - 1 else None)
                for i, p in enumerate(plain)]


async def send_text(bot: Bot, chat_id: int, text: str, *,
                    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
                    **kwargs: Any) -> list[Message]:
    """Sends HTML `text` in as many messages as needed; the keyboard goes on the last one.

    A markup error never loses the message: that piece is resent as plain text.
    """
    pieces = split_text(text)
    sent: list[Message] = []
    for i, piece in enumerate(pieces):
        markup = reply_markup if i == len(pieces) - 1 else None
        sent.extend(await send_one(bot, chat_id, piece, reply_markup=markup, **kwargs))
    return sent


async def edit_text(bot: Bot, chat_id: int, message_id: int, text: str, *,
                    reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Edits a message in place (text cut to the limit); a markup error falls back to plain text."""
    if len(text) > LIMIT:
        text = split_text(text)[0]
    try:
        await bot.edit_message_text(chat_id=chat_id, message_id=message_id, text=text, reply_markup=reply_markup)
    except TelegramBadRequest as exc:
        if "message is not modified" in exc.message:
            return
        if not is_entity_error(exc):
            raise
        await bot.edit_message_text(chat_id=chat_id, message_id=message_id, text=to_plain(text)[:LIMIT],
                                    reply_markup=reply_markup, parse_mode=None)
