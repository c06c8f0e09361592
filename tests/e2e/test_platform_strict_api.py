"""The recording session refuses what the Bot API refuses, with Telegram's status and description."""

from __future__ import annotations

import pytest
from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from tests.e2e import strict
from tests.e2e.harness import BotHarness


def _kb(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x", callback_data=data)]])


async def test_second_and_late_callback_answers_are_refused(harness: BotHarness) -> None:
    bot, rules = harness.bot, harness.session.rules
    rules.callback_arrived("q1")
    await bot.answer_callback_query("q1")
    with pytest.raises(TelegramBadRequest) as exc:
        await bot.answer_callback_query("q1")
    assert exc.value.message == strict.QUERY_INVALID
    rules.callback_arrived("q2")
    harness.clock.advance(16)
    with pytest.raises(TelegramBadRequest) as exc:
        await bot.answer_callback_query("q2")
    assert exc.value.message == strict.QUERY_INVALID


async def test_edit_with_identical_content_is_not_modified(harness: BotHarness) -> None:
    bot = harness.bot
    msg = await bot.send_message(1, "текст", reply_markup=_kb("a"))
    with pytest.raises(TelegramBadRequest) as exc:
        await bot.edit_message_text(chat_id=1, message_id=msg.message_id, text="текст", reply_markup=_kb("a"))
    assert exc.value.message == strict.NOT_MODIFIED
    await bot.edit_message_reply_markup(chat_id=1, message_id=msg.message_id, reply_markup=None)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=1, message_id=msg.message_id, reply_markup=None)
    await bot.edit_message_text(chat_id=1, message_id=msg.message_id, text="другой")


async def test_too_long_text_bad_button_data_and_bad_html_are_refused(harness: BotHarness) -> None:
    bot = harness.bot
    await bot.send_message(2, "<b>" + "я" * 4096 + "</b>")  # tags do not count
    with pytest.raises(TelegramBadRequest) as exc:
        await bot.send_message(2, "я" * 4097)
    assert exc.value.message == "Bad Request: message is too long"
    with pytest.raises(TelegramBadRequest) as exc:
        await bot.send_message(2, "кнопка", reply_markup=_kb("x" * 65))
    assert exc.value.message == "Bad Request: BUTTON_DATA_INVALID"
    for bad, why in (("<b>жирный", 'Can\'t find end tag corresponding to start tag "b"'),
                     ("a <foo> b", 'Unsupported start tag "foo" at byte offset 2'),
                     ("1 < 2", 'Unclosed start tag at byte offset 2'),
                     ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
                     ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
                     ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0')):
        with pytest.raises(TelegramBadRequest) as exc:
            await bot.send_message(3, bad)
        assert exc.value.message == f"Bad Request: can't parse entities: {why}", bad
    await bot.send_message(3, 'Tom &amp; Jerry &lt;3 <a href="https://x.ru">x</a> <tg-spoiler>s</tg-spoiler> '
                              '<span class="tg-spoiler">s</span> <blockquote>q</blockquote> <pre><code>c</code></pre>')
    await bot.send_message(3, "1 < 2 & <foo>", parse_mode=None)  # plain text is not parsed


async def test_per_chat_and_per_group_rates_give_429_with_retry_after(harness: BotHarness) -> None:
    bot = harness.bot
    for _ in range(3):  # a small burst passes
        await bot.send_message(4, "ok")
    with pytest.raises(TelegramRetryAfter) as exc:
        await bot.send_message(4, "one too many")
    assert exc.value.retry_after == 1 and "Too Many Requests: retry after 1" in str(exc.value)
    harness.clock.advance(1)
    await bot.send_message(4, "after a second")
    for _ in range(20):
        await bot.send_message(-100500, "group")
    with pytest.raises(TelegramRetryAfter) as exc:
        await bot.send_message(-100500, "21st in a minute")
    assert exc.value.retry_after == 3


async def test_blocked_chat_gets_403_and_rules_can_be_relaxed(harness: BotHarness) -> None:
    harness.session.block(5)
    with pytest.raises(TelegramForbiddenError) as exc:
        await harness.bot.send_message(5, "hi")
    assert exc.value.message == "Forbidden: bot was blocked by the user"
    harness.session.relax("blocked", "html")
    await harness.bot.send_message(5, "<b>unclosed")
    with pytest.raises(ValueError):
        harness.session.relax("no-such-rule")


async def test_error_after_an_answered_press_apologises_with_a_message(harness: BotHarness) -> None:
    r = Router(name="test-answered-then-fails")

    @r.callback_query(F.data == "boom")
    async def boom(cq: CallbackQuery) -> None:
        await cq.answer()
        await cq.answer("второй ответ")  # the guard sends its text as a message instead
        raise RuntimeError("bug")

    harness.add_router(r)
    harness.strict = False
    calls = await harness.press(601, "boom")
    assert [(c.name, c.error) for c in calls] == [("answerCallbackQuery", None), ("sendMessage", None),
                                                   ("sendMessage", None)]
    assert harness.texts(601) == ["второй ответ", "Что-то пошло не так, попробуйте ещё раз"]
