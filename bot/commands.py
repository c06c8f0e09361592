"""The bot's command menu (setMyCommands): Russian for everyone by default, English for English clients.

The descriptions are msgids of the locale catalog (locales/<lang>/LC_MESSAGES/messages.po), so the menu and
the dialogs share one translation; the commands are those handled in handlers/ (start.py, menu.py).
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n

from bot.texts import N_

log = logging.getLogger(__name__)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Начать и показать меню")), ("report", N_("Сообщить о проблеме")), ("my", N_("Мои обращения")),
    ("kb", N_("Поиск по базе знаний")), ("outages", N_("Аварии и плановые работы")), ("profile", N_("Мой профиль")),
    ("subscriptions", N_("Уведомления по сервисам")), ("help", N_("Помощь")), ("cancel", N_("Прервать текущий диалог")),
)
LANGUAGES = ("ru", "en")


def bot_commands(i18n: I18n | None, locale: str) -> list[BotCommand]:
    """The /commands with descriptions in one language (the Russian msgids without a catalog)."""
    return [BotCommand(command=c, description=i18n.gettext(d, locale=locale) if i18n is not None else d)
            for c, d in COMMANDS]


async def set_commands(bot: Bot, i18n: I18n | None) -> bool:
    """Sets the default menu (Russian) and one per language; a failure is logged, the bot runs without it."""
    scope = BotCommandScopeDefault()
    try:
        await bot.set_my_commands(commands=bot_commands(i18n, "ru"), scope=scope)
        for lang in LANGUAGES:
            await bot.set_my_commands(commands=bot_commands(i18n, lang), scope=scope, language_code=lang)
        return True
    except (TelegramNetworkError, TelegramAPIError) as exc:
        log.warning("setMyCommands failed, the menu stays as it was: %s", exc)
        return False
