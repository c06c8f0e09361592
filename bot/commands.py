"""The bot's command menu (setMyCommands): Russian for everyone by default, English for English clients.

The descriptions are msgids of the locale catalog (locales/<lang>/LC_MESSAGES/messages.po), so the menu and
the dialogs share one translation; the commands are those handled in handlers/ (start.py, menu.py).
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat, BotCommandScopeDefault
from aiogram.utils.i18n import I18n

from bot.texts import N_

log = logging.getLogger(__name__)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Начать и показать меню")), ("report", N_("Сообщить о проблеме")), ("my", N_("Мои обращения")),
    ("kb", N_("Поиск по базе знаний")), ("outages", N_("Аварии и плановые работы")), ("profile", N_("Мой профиль")),
    ("subscriptions", N_("Уведомления по сервисам")), ("help", N_("Помощь")), ("cancel", N_("Прервать текущий диалог")),
)
LANGUAGES = ("ru", "en")
# line chats (handlers/line_chat.py, outage_chat.py, staff_commands.py, release_cmd.py): every group chat,
# Russian and English
GROUP_COMMANDS: tuple[tuple[str, str], ...] = (
    ("queue", N_("Очередь группы по срокам")), ("my", N_("Мои обращения в работе")),
    ("ticket", N_("Карточка обращения: /ticket SD-000042")), ("stats", N_("Сегодня: новые, закрытые, просрочки")),
    ("release", N_("Решить обращение установкой релиза: /release SD-000042")),
    ("bind", N_("Привязать чат к группе поддержки")), ("outage", N_("Объявить аварию")),
    ("restore", N_("Сообщить о восстановлении")), ("works", N_("Объявить плановые работы")),
    ("news", N_("Информационное сообщение пользователям")),
    ("cancel", N_("Прервать текущий диалог")),
)
# a staff member's private chat (BotCommandScopeChat): the user menu, /my as their tickets, and the staff commands
STAFF_PRIVATE_COMMANDS: tuple[tuple[str, str], ...] = (
    ("queue", N_("Очереди моих групп по срокам")), ("my", N_("Мои обращения в работе")),
    ("ticket", N_("Карточка обращения: /ticket SD-000042")), ("stats", N_("Сегодня: новые, закрытые, просрочки")),
    *((c, d) for c, d in COMMANDS if c != "my"),
)


def bot_commands(i18n: I18n | None, locale: str,
                 commands: tuple[tuple[str, str], ...] = COMMANDS) -> list[BotCommand]:
    """The /commands with descriptions in one language (the Russian msgids without a catalog)."""
    return [BotCommand(command=c, description=i18n.gettext(d, locale=locale) if i18n is not None else d)
            for c, d in commands]


async def set_commands(bot: Bot, i18n: I18n | None) -> bool:
    """Sets the default menu (Russian) and one per language; a failure is logged, the bot runs without it."""
    scope = BotCommandScopeDefault()
    try:
        await bot.set_my_commands(commands=bot_commands(i18n, "ru"), scope=scope)
        for lang in LANGUAGES:
            await bot.set_my_commands(commands=bot_commands(i18n, lang), scope=scope, language_code=lang)
        groups = BotCommandScopeAllGroupChats()
        await bot.set_my_commands(commands=bot_commands(i18n, "ru", GROUP_COMMANDS), scope=groups)
        for lang in LANGUAGES:
            await bot.set_my_commands(commands=bot_commands(i18n, lang, GROUP_COMMANDS), scope=groups,
                                      language_code=lang)
        return True
    except (TelegramNetworkError, TelegramAPIError) as exc:
        log.warning("setMyCommands failed, the menu stays as it was: %s", exc)
        return False


async def set_staff_commands(bot: Bot, i18n: I18n | None, staff: list[tuple[int, str]]) -> int:
    """The staff menu in each staff member's private chat ((Telegram id, locale)), in their language."""
    done = 0
    for tg_id, locale in staff:
        try:
            await bot.set_my_commands(commands=bot_commands(i18n, locale if locale in LANGUAGES else "ru",
                                                            STAFF_PRIVATE_COMMANDS),
                                      scope=BotCommandScopeChat(chat_id=tg_id))
            done += 1
        except TelegramNetworkError as exc:  # the Bot API is down: the rest at the next start
            log.warning("setMyCommands for staff chats stopped: %s", exc)
            break
        except TelegramAPIError as exc:  # a chat the bot cannot reach yet: next start
            log.warning("setMyCommands for staff chat %s failed: %s", tg_id, exc)
    return done
