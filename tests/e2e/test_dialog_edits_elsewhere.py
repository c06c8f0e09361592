"""Regression: an edit outside the report's steps (a profile answer already taken, an answer to a specialist's
question, a message after «Отправить») was silently ignored — the person believed the correction had arrived; a free
text edited before «Создать обращение» was pressed went into the report as first written."""

from __future__ import annotations

from tests.e2e.dialogs import db_user, fsm, onboard, tap
from tests.e2e.harness import BotHarness

KEPT = "Исправления этого сообщения я не учитываю"


async def _sent_id(h: BotHarness, uid: int, text: str) -> int:
    update = h.updates.message(uid, text)
    await h.feed(update)
    assert update.message is not None
    return update.message.message_id


async def test_an_edited_profile_answer_is_said_to_be_kept_as_first_written(harness: BotHarness) -> None:
    h, uid = harness, 7951
    await h.send_text(uid, "/start")
    name_mid = await _sent_id(h, uid, "Петров Пётр Петрович")
    assert "логин" in (h.last_text(uid) or "")
    calls = await h.feed(h.updates.edited(name_mid, "Петров Павел Петрович"))
    [told] = [c.text for c in calls if c.name == "sendMessage"]
    assert KEPT in (told or "") and "остаётся первый вариант" in (told or "") and "«Профиль»" in (told or "")
    await h.send_text(uid, "p.petrov")  # the step it was on goes on
    await tap(h, uid, "МРФ Волга")
    assert (await db_user(h, uid)).full_name == "Петров Пётр Петрович"


async def test_an_edit_after_the_dialog_is_said_to_be_ignored(harness: BotHarness) -> None:
    h, uid = harness, 7952
    await onboard(h, uid)
    mid = await _sent_id(h, uid, "/help")
    calls = await h.feed(h.updates.edited(mid, "/my"))
    [told] = [c.text for c in calls if c.name == "sendMessage"]
    assert KEPT in (told or "") and "напишите новым сообщением" in (told or "")


async def test_an_edited_free_text_is_the_one_the_new_report_takes(harness: BotHarness) -> None:
    h, uid = harness, 7953
    await onboard(h, uid)
    mid = await _sent_id(h, uid, "Не закрывается наряд в NTTM")
    assert "Создать обращение" in str(h.buttons(h.last_call(uid, with_inline=True)))
    calls = await h.feed(h.updates.edited(mid, "Не закрывается наряд в NTTM, ошибка ORA-00001"))
    [told] = [c.text for c in calls if c.name == "sendMessage"]
    assert "Исправление учтено" in (told or "")
    await tap(h, uid, "Создать обращение")
    assert (await fsm(h, uid))[1]["seed"] == "Не закрывается наряд в NTTM, ошибка ORA-00001"
