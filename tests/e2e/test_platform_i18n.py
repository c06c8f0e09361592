"""aiogram's own gettext works in handlers: the bot's I18n is the class aiogram looks up, not a subclass."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message
from aiogram.utils.i18n import I18n, gettext, lazy_gettext

from bot.texts import _
from tests.e2e.harness import BotHarness


def gettext_router() -> Router:
    r = Router(name="test-gettext")

    @r.message(F.text == "which-language")
    async def answer(message: Message) -> None:
        # the three ways a handler may translate; before the fix the first raised "I18n context is not set"
        await message.answer(" | ".join([gettext("Мои обращения"), str(lazy_gettext("Помощь")), _("Сохранено.")]))

    return r


async def test_aiogram_gettext_in_a_handler_translates_for_an_english_user(harness: BotHarness) -> None:
    harness.add_router(gettext_router())
    await harness.send_text(901, "which-language", language_code="en")
    assert harness.last_text(901) == "My requests | Help | Saved."
    await harness.send_text(902, "which-language", language_code="ru")
    assert harness.last_text(902) == "Мои обращения | Помощь | Сохранено."
    assert type(harness.root.i18n) is I18n  # a subclass would have its own, unset context variable
