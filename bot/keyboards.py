"""Keyboards and callback data of the user dialogs; button texts are msgids matched in every locale."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n.core import I18n
from aiogram.utils.keyboard import ReplyKeyboardBuilder

from bot.texts import N_, _, current_i18n
from core.catalog.intake import REGIONS as CORE_REGIONS

BTN_REPORT = N_("📝 Сообщить о проблеме")
BTN_MY = N_("📋 Мои обращения")
BTN_KB = N_("🔎 База знаний")
BTN_OUTAGES = N_("📢 Аварии и работы")
BTN_PROFILE = N_("👤 Профиль")
BTN_HELP = N_("❓ Помощь")
MENU = (BTN_REPORT, BTN_MY, BTN_KB, BTN_OUTAGES, BTN_PROFILE, BTN_HELP)

REGIONS = tuple(f"МРФ {r}" if r != "КЦ" else r for r in CORE_REGIONS)  # as CRM B2C (001) names them
ALLOWED_EXT = frozenset({"doc", "docx", "xls", "xlsx", "pdf", "jpg", "jpeg", "bmp", "png", "xml", "rar", "zip",
                         "msg", "log", "txt"})
AUDIO_EXT = frozenset({"mp3", "m4a", "ogg", "oga", "opus", "wav", "amr", "aac", "flac"})  # recordings of calls


class RepCb(CallbackData, prefix="rp"):
    a: str
    v: str = ""


class ProfCb(CallbackData, prefix="pf"):
    a: str
    v: str = ""


class VerCb(CallbackData, prefix="vf"):
    """The e-mail verification: `send` (a code to the profile's address), `resend`, `other` (another address)."""

    a: str


class SsCb(CallbackData, prefix="ss"):
    a: str
    id: int = 0


class MyCb(CallbackData, prefix="my"):
    a: str
    page: int = 0
    tid: int = 0


@lru_cache(maxsize=256)
def _variants(i18n: I18n, msgid: str) -> frozenset[str]:
    return frozenset({msgid, *(i18n.gettext(msgid, locale=loc) for loc in i18n.available_locales)})


def variants(msgid: str) -> frozenset[str]:
    """A button text in every loaded locale (the msgid alone without an i18n context)."""
    i18n = current_i18n()
    return _variants(i18n, msgid) if i18n is not None else frozenset({msgid})


class Btn(Filter):
    """Matches a reply-keyboard button in any language."""

    def __init__(self, *msgids: str) -> None:
        self.msgids = msgids

    async def __call__(self, message: Message) -> bool:
        text = message.text or ""
        return any(text in variants(m) for m in self.msgids)


def main_menu() -> ReplyKeyboardMarkup:
    """The main reply keyboard (one object per language: it is sent with most answers and never changed)."""
    i18n = current_i18n()
    return _main_menu(i18n, i18n.current_locale if i18n is not None else "ru")


@lru_cache(maxsize=16)
def _main_menu(i18n: I18n | None, locale: str) -> ReplyKeyboardMarkup:
    kb = ReplyKeyboardBuilder()
    for text in MENU:
        kb.button(text=i18n.gettext(text, locale=locale) if i18n is not None else text)
    kb.adjust(2)
    return kb.as_markup(resize_keyboard=True, is_persistent=True)


Button = tuple[str, CallbackData | str]  # (text, callback data) of one inline button
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None  # what a dialog answer may carry


def inline(rows: Iterable[Iterable[Button]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (text, callback data).

    Built directly: aiogram's InlineKeyboardBuilder deep-copies every button on export, a third of a
    millisecond per keyboard, and nearly every dialog step sends one.
    """
    return InlineKeyboardMarkup(inline_keyboard=[[_button(text, data) for text, data in row] for row in rows])


def _button(text: str, data: CallbackData | str) -> InlineKeyboardButton:
    packed = data.pack() if isinstance(data, CallbackData) else data
    return InlineKeyboardButton(text=text, callback_data=packed)


def nav_row(*, skip: bool = False, back: bool = True) -> list[tuple[str, CallbackData | str]]:
    """«Назад», «Пропустить» (optional steps) and «Отмена» of a report step."""
    row: list[tuple[str, CallbackData | str]] = []
    if back:
        row.append((_("⬅️ Назад"), RepCb(a="back")))
    if skip:
        row.append((_("Пропустить ➡️"), RepCb(a="skip")))
    row.append((_("✖️ Отмена"), RepCb(a="cancel")))
    return row


def yes_no(action: str) -> list[tuple[str, CallbackData | str]]:
    """A «Да / Нет» row."""
    return [(_("Да"), RepCb(a=action, v="1")), (_("Нет"), RepCb(a=action, v="0"))]
