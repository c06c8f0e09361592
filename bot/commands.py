"""The bot's command menu (setMyCommands) in Russian (default) and English."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import BotCommand, BotCommandScopeDefault

log = logging.getLogger(__name__)

COMMANDS: dict[str, list[tuple[str, str]]] = {
    "ru": [("report", "Сообщить о проблеме"), ("my", "Мои обращения"), ("kb", "Поиск в базе знаний"),
           ("outages", "Аварии и плановые работы"), ("profile", "Профиль"), ("help", "Помощь")],
    "en": [("report", "Report a problem"), ("my", "My requests"), ("kb", "Search the knowledge base"),
           ("outages", "Outages and planned works"), ("profile", "Profile"), ("help", "Help")],
}


def commands(locale: str) -> list[BotCommand]:
    return [BotCommand(command=c, description=d) for c, d in COMMANDS[locale]]


async def set_commands(bot: Bot) -> bool:
    """Sets the menu for every user (Russian), Russian clients and English clients; network errors only log."""
    try:
        scope = BotCommandScopeDefault()
        await bot.set_my_commands(commands=commands("ru"), scope=scope)
        await bot.set_my_commands(commands=commands("ru"), scope=scope, language_code="ru")
        await bot.set_my_commands(commands=commands("en"), scope=scope, language_code="en")
        return True
    except (TelegramNetworkError, TelegramAPIError) as exc:
        log.warning("setMyCommands failed, the menu stays as it was: %s", exc)
        return False
