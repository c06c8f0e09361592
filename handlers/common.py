"""Helpers shared by the dialogs: answering an event, files from messages, deadlines in words, reasons.

This module is below every dialog (report, profile, self-service), so they need not import each other.
"""

from __future__ import annotations

import importlib.util
import logging
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.keyboards import ALLOWED_EXT, AUDIO_EXT, Markup
from bot.texts import _
from core.catalog.intake import REASONS_RU, FieldSpec
from core.db import utcnow
from core.uow import UowFactory

log = logging.getLogger(__name__)
# «/nosuchcommand» is a command, not the answer to a step: those fall through to the fallback's
# «Такой команды нет» and the step stays; «/var/log is full» is text (a command is /word then a space or end)
NOT_COMMAND = ~F.text.regexp(r"^/[A-Za-z0-9_]{1,32}(@\w+)?(\s|$)")
ANSWER_TEXT = F.text & NOT_COMMAND
# what is taken as an attachment: a photo, a document, a voice note (a user dictating the problem), an audio file
# (a recording of a call); bot/delivery/planning.file_kind sends each back with its own method
FILE = F.photo | F.document | F.voice | F.audio
Event = Message | CallbackQuery
REASONS_EN = {"empty": "the field is empty", "too_short": "too short", "too_long": "too long",
              "not_email": "this does not look like an e-mail address", "bad_choice": "pick one of the options",
              "date_format": "could not read the date, use DD.MM.YYYY HH:MM",
              "date_future": "the date is in the future",
              "bad_form": "it needs the form the regulation prescribes"}


async def say(event: Event, text: str, markup: Markup = None) -> Message:
    """Answers a message, or (for a button) drops the pressed keyboard and answers below it."""
    if isinstance(event, CallbackQuery):
        await event.answer()
        msg = event.message
        if not isinstance(msg, Message):  # a button under a message too old for Telegram to return
            return await event.bot.send_message(chat_id=event.from_user.id, text=text,  # type: ignore[union-attr]
                                                reply_markup=markup)
        await drop_keyboard(msg)
        return await msg.answer(text, reply_markup=markup)
    return await event.answer(text, reply_markup=markup)


async def drop_keyboard(msg: Message) -> None:
    """Removes the pressed message's keyboard; one already gone (a retried update, an edit) is no failure."""
    if msg.reply_markup is None:
        return
    try:
        await msg.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as exc:  # already edited or deleted: the answer that follows matters more
        log.info("could not drop the keyboard of message %s: %s", msg.message_id, exc.message)


async def drop_keyboard_of(event: Message, message_id: int) -> None:
    """Removes the keyboard of an earlier bot message in this chat; one already gone is no failure."""
    if event.bot is None:
        return
    try:
        await event.bot.edit_message_reply_markup(chat_id=event.chat.id, message_id=message_id, reply_markup=None)
    except TelegramBadRequest as exc:  # deleted, too old, or already without buttons
        log.info("could not drop the keyboard of message %s: %s", message_id, exc.message)


def reason(code: str) -> str:
    """Why a value was refused, in the dialog language."""
    return (REASONS_EN if texts.locale() == "en" else REASONS_RU).get(code, code)


def field_refusal(spec: FieldSpec, code: str, text: str) -> str:
    """Why a typed answer was refused, with the field's hint and example; a too long one names the limit."""
    why = reason(code)
    if code == "too_long":
        why = _("слишком длинно: не длиннее {limit} знаков, у вас {n}").format(limit=spec.max_len,
                                                                                 n=len(text.strip()))
    loc = texts.locale()
    return _("⚠️ Не получилось: {reason}.\n{hint}\nНапример: {example}").format(
        reason=escape(why), hint=escape(spec.hint[loc]), example=escape(spec.example[loc]))


def has_file(message: Message) -> bool:
    """Whether the message carries an attachment `file_ref` takes (see FILE)."""
    return bool(message.photo or message.document or message.voice or message.audio)


def file_label(name: str) -> str:
    """How a kept file is named to the user: a voice note has no name of its own."""
    return _("голосовое сообщение") if name.startswith("voice_") else name


def file_ref(message: Message, max_mb: int) -> tuple[dict[str, Any] | None, str | None]:
    """The file of a photo/document/voice/audio message as FSM data, or the reason it is refused."""
    ref: dict[str, Any]
    if message.photo:
        p = message.photo[-1]
        ref = {"file_id": p.file_id, "file_unique_id": p.file_unique_id, "name": f"photo_{p.file_unique_id}.jpg",
               "mime": "image/jpeg", "size": p.file_size, "kind": "photo"}
    elif message.voice:  # a voice note has no file name of its own
        v = message.voice
        ref = {"file_id": v.file_id, "file_unique_id": v.file_unique_id, "name": f"voice_{v.file_unique_id}.ogg",
               "mime": v.mime_type or "audio/ogg", "size": v.file_size, "kind": "voice"}
    elif message.audio:
        a = message.audio
        ref = {"file_id": a.file_id, "file_unique_id": a.file_unique_id,
               "name": a.file_name or f"audio_{a.file_unique_id}.mp3", "mime": a.mime_type or "audio/mpeg",
               "size": a.file_size, "kind": "audio"}
    elif message.document:
        d = message.document
        name = d.file_name or "file"
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in ALLOWED_EXT and ext not in AUDIO_EXT:  # a call recording sent as a file is welcome too
            return None, _("Файлы такого типа не принимаются. Можно: {ext}.").format(
                ext=", ".join(sorted(ALLOWED_EXT | AUDIO_EXT)))
        ref = {"file_id": d.file_id, "file_unique_id": d.file_unique_id, "name": name, "mime": d.mime_type,
               "size": d.file_size, "kind": "document"}
    else:
        return None, _("Пришлите фото или файл-документ.")
    if (ref["size"] or 0) > max_mb * 1024 * 1024:
        return None, _("Файл больше {mb} МБ — пришлите файл поменьше или архив.").format(mb=max_mb)
    return ref, None


async def deadline_text(uow: UowFactory, tz: ZoneInfo, ticket_id: int) -> str:
    """«Ответим до 14:30, решим до 18:00 пятницы», or empty when the SLA clock is not installed."""
    if importlib.util.find_spec("core.sla.clock") is None:
        log.warning("core.sla.clock is missing: no deadlines shown")
        return ""
    from core.sla import clock

    due = await clock.deadlines(uow=uow(), ticket_id=ticket_id)
    return texts.deadlines_line(due, now=utcnow(), tz=tz)


MAX_ID = 2**31 - 1  # ids are int32 on PostgreSQL; a bigger number in callback data was never a button of ours


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


async def refuse_button(call: CallbackQuery, why: str) -> None:
    """A forged or replayed button: a polite refusal for the user and a log line for us."""
    log.warning("refused button %r from user %s: %s", call.data, call.from_user.id, why)
    await call.answer(_("Эта кнопка больше не действует. Откройте меню, чтобы начать заново."), show_alert=True)
