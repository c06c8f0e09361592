"""Regression: an edited answer to line 1's /outage or /works dialog was answered as a ticket's message («в
обращении (и у пользователя…) остался первый вариант») — no ticket and no user were involved — and an edited
answer the step had refused (a time not understood) was not taken although the step still waited for it.
Real Updates through the Dispatcher, the strict fake Bot API."""

from __future__ import annotations

from aiogram.types import Message, Update
from sqlalchemy import select

from core.outages.models import Outage
from core.planned.models import PlannedWork
from tests.e2e.harness import BotHarness, Call
from tests.e2e.staff_helpers import LINE1_CHAT, bind, staff

LEAD = 5741
IN = {"chat_type": "supergroup", "chat_id": LINE1_CHAT}


def _said(calls: list[Call]) -> list[str]:
    return [c.text or "" for c in calls if c.name == "sendMessage" and c.error is None]


async def _answer(h: BotHarness, text: str) -> Update:
    """An answer as a person's client sends it under ForceReply: a reply to the bot's last question."""
    asked = h.last_call(LINE1_CHAT, "sendMessage")
    assert asked is not None
    prompt = Message.model_validate({**asked.result.model_dump(),
                                     "chat": {"id": LINE1_CHAT, "type": "supergroup", "title": "1ЛТП"}})
    update = h.updates.message(LEAD, text, reply_to_message=prompt, **IN)
    await h.feed(update)
    return update


def _mid(update: Update) -> int:
    assert update.message is not None
    return update.message.message_id


async def _start_outage(h: BotHarness) -> None:
    await bind(h, "line1", LINE1_CHAT)
    await staff(h, LEAD, line="line1")
    await h.send_text(LEAD, "/outage", **IN)
    await h.press(LEAD, h.button(LINE1_CHAT, "NTTM"), **IN)


async def test_an_edited_outage_title_was_answered_as_a_ticket_message(harness: BotHarness) -> None:
    h = harness
    await _start_outage(h)
    title = await _answer(h, "Не открываюся наряды")
    assert "Шаг 3 из 4" in (h.last_text(LINE1_CHAT) or "")
    [told] = _said(await h.feed(h.updates.edited(_mid(title), "Не открываются наряды")))
    assert "Правка не учтена" in told and "Отмена" in told
    assert "обращении" not in told and "пользовател" not in told
    # the dialog goes on where it was: the next message answers step 3, the first title stays
    await _answer(h, "Карточка наряда")
    assert "Шаг 4 из 4" in (h.last_text(LINE1_CHAT) or "")
    await h.press(LEAD, h.button(LINE1_CHAT, "Пропустить"), **IN)
    await h.press(LEAD, h.button(LINE1_CHAT, "Объявить"), **IN)
    async with h.root.session_factory() as s:
        o = (await s.scalars(select(Outage))).one()
    assert o.title == "Не открываюся наряды" and o.what == "Карточка наряда"
    # after the announcement an edit is still answered in the dialog's words, once
    [after] = _said(await h.feed(h.updates.edited(_mid(title), "Не открываются наряды!")))
    assert "диалог уже завершён" in after and "обращении" not in after


async def test_an_edited_eta_the_step_refused_is_taken_while_the_step_waits(harness: BotHarness) -> None:
    h = harness
    await _start_outage(h)
    await _answer(h, "Не открываются наряды")
    await _answer(h, "Карточка наряда")
    eta = await _answer(h, "к вечеру")
    assert "Не понял время" in (h.last_text(LINE1_CHAT) or "")
    [summary] = _said(await h.feed(h.updates.edited(_mid(eta), "23:59")))
    assert "Проверьте и объявите" in summary and "23:59" in summary
    await h.press(LEAD, h.button(LINE1_CHAT, "Объявить"), **IN)
    async with h.root.session_factory() as s:
        o = (await s.scalars(select(Outage))).one()
    assert o.expected_at is not None and o.expected_at.astimezone(h.root.tz).strftime("%H:%M") == "23:59"


async def test_an_edited_works_answer_taken_by_its_step_is_not_applied(harness: BotHarness) -> None:
    h = harness
    await bind(h, "line1", LINE1_CHAT)
    await staff(h, LEAD, line="line1")
    await h.send_text(LEAD, "/works", **IN)
    await h.press(LEAD, h.button(LINE1_CHAT, "Плановые работы"), **IN)
    await h.press(LEAD, h.button(LINE1_CHAT, "NTTM"), **IN)
    await _answer(h, "Обновление сервера")
    what = await _answer(h, "Поиск нарядов")
    assert "Шаг 5 из 6" in (h.last_text(LINE1_CHAT) or "")
    [told] = _said(await h.feed(h.updates.edited(_mid(what), "Поиск и выгрузка нарядов")))
    assert "Правка не учтена" in told and "обращении" not in told
    assert "Шаг 6 из 6" in (await h.send_text(LEAD, "10.12.2099 22:00", **IN))[-1].text  # a new message: step 5
    async with h.root.session_factory() as s:
        assert (await s.scalars(select(PlannedWork))).all() == []
