"""The command menu: one setMyCommands per scope/language at startup, texts from the catalog, real handlers."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BotCommandScopeDefault

from bot.commands import COMMANDS, bot_commands, set_commands
from tests.e2e.harness import BotHarness, network_error

UNKNOWN = "Такой команды нет"


def handled_commands(router: Router) -> set[str]:
    """Every /command a message handler of `router` or its sub-routers filters on."""
    found: set[str] = set()
    for handler in router.message.handlers:
        for f in handler.filters or ():
            if isinstance(f.callback, Command):
                found |= {c for c in f.callback.commands if isinstance(c, str)}
    for sub in router.sub_routers:
        found |= handled_commands(sub)
    return found


async def test_startup_sets_the_menu_for_default_ru_and_en_from_the_catalog(harness: BotHarness) -> None:
    menus = [c for c in harness.sent if c.name == "setMyCommands" and isinstance(c.params["scope"],
                                                                                 BotCommandScopeDefault)]
    assert [c.params["language_code"] for c in menus] == [None, "ru", "en"]
    names = [c for c, _ in COMMANDS]
    assert all([b.command for b in c.params["commands"]] == names for c in menus)
    default, ru, en = ({b.command: b.description for b in c.params["commands"]} for c in menus)
    assert default == ru and ru["report"] == "Сообщить о проблеме" and ru["my"] == "Мои обращения"
    assert en["report"] == "Report a problem" and en["my"] == "My requests" and en["help"] == "Help"
    assert all(en[c] != ru[c] for c in names)  # every description is translated in locales/en


async def test_menu_commands_are_exactly_the_commands_the_dialogs_handle(harness: BotHarness) -> None:
    assert handled_commands(harness.root.user_router) == {c for c, _ in COMMANDS}
    for command, _ in COMMANDS:
        calls = await harness.send_text(905, f"/{command}")
        replies = [c.text or "" for c in calls if c.name == "sendMessage"]
        assert replies and not any(r.startswith(UNKNOWN) for r in replies), command
    calls = await harness.send_text(905, "/nosuchcommand")
    assert (calls[-1].text or "").startswith(UNKNOWN)


async def test_menu_failure_is_only_logged(harness: BotHarness) -> None:
    i18n = harness.root.i18n
    harness.session.fail_next("setMyCommands", network_error())
    assert await set_commands(harness.bot, i18n) is False
    assert await set_commands(harness.bot, i18n) is True
    assert bot_commands(None, "en")[1].description == "Сообщить о проблеме"  # no catalog: the Russian ids
