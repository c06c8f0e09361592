"""Regression: a step's question kept its buttons («Назад», «Отмена», «Пропустить») after the user typed the
answer: a press there was refused as «Этот шаг уже пройден», but the buttons said the step was still open."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.dialogs import fsm, onboard, tap
from tests.e2e.harness import BotHarness, bad_request


async def _nttm_incident(h: BotHarness, uid: int) -> None:
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")


def _markup(h: BotHarness, uid: int, message_id: int) -> object:
    return h.session.rules.contents[(uid, message_id)][1]  # what Telegram shows under the message now


async def test_a_typed_answer_takes_the_buttons_off_its_question(harness: BotHarness) -> None:
    h, uid = harness, 7991
    await _nttm_incident(h, uid)
    first = (await fsm(h, uid))[1]["step_mid"]
    assert _markup(h, uid, first) is not None
    calls = await h.send_text(uid, "Открыл наряд, нажал «Закрыть»")
    assert _markup(h, uid, first) is None
    [edit] = [c for c in calls if c.name == "editMessageReplyMarkup"]
    assert edit.error is None and edit.params["message_id"] == first
    second = (await fsm(h, uid))[1]["step_mid"]
    assert second != first and _markup(h, uid, second) is not None  # the new question has its buttons
    # a refused answer leaves the step, and its buttons, as they were
    refused = await h.send_text(uid, "ш" * 4100)
    assert "Не получилось" in (h.last_text(uid) or "") and _markup(h, uid, second) is not None
    assert not [c for c in refused if c.name == "editMessageReplyMarkup"]


async def test_a_question_that_cannot_be_edited_any_more_does_not_stop_the_answer(harness: BotHarness) -> None:
    h, uid = harness, 7992
    await _nttm_incident(h, uid)
    h.session.fail_next("editMessageReplyMarkup", bad_request("Bad Request: message can't be edited"))
    await h.send_text(uid, "Открыл наряд, нажал «Закрыть»")
    state, data = await fsm(h, uid)
    assert (state, data["idx"]) == ("ReportSG:field", 1) and "Шаг 2" in (h.last_text(uid) or "")
    # the next typed answer edits only its own question, once: no «message is not modified»
    calls = await h.send_text(uid, "Наряд закрывается")
    edits = [c for c in calls if c.name == "editMessageReplyMarkup"]
    assert [c.params["message_id"] for c in edits] == [data["step_mid"]] and edits[0].error is None
    assert not h.errors


async def test_a_split_paste_leaves_only_the_current_question_with_buttons(harness: BotHarness) -> None:
    h, uid = harness, 7993
    await _nttm_incident(h, uid)
    first = (await fsm(h, uid))[1]["step_mid"]
    at = h.updates._date(None)
    await h.send_text(uid, "ш " * 1550, date=at)  # taken alone, the next question asked
    second = (await fsm(h, uid))[1]["step_mid"]
    calls = await h.send_text(uid, "ш" * 500, date=at + timedelta(seconds=1))  # its tail: one answer of 3,600
    assert not [c for c in calls if c.error is not None]  # no edit refused as «message is not modified»
    state, data = await fsm(h, uid)
    assert (state, data["idx"]) == ("ReportSG:field", 1) and len(data["vals"]["steps"]) == 3600
    third = data["step_mid"]
    assert _markup(h, uid, first) is None and _markup(h, uid, second) is None
    assert _markup(h, uid, third) is not None

    # a head and a tail refused together: the step is asked again, with its buttons
    at = h.updates._date(None)
    await h.send_text(uid, "ш " * 1950, date=at)
    await h.send_text(uid, "ш" * 500, date=at)
    state, data = await fsm(h, uid)
    assert (state, data["idx"]) == ("ReportSG:field", 1)
    assert "Шаг 2" in (h.last_text(uid) or "") and _markup(h, uid, data["step_mid"]) is not None


async def test_a_step_asked_again_after_an_edit_leaves_one_question_with_buttons(harness: BotHarness) -> None:
    h, uid = harness, 7994
    await _nttm_incident(h, uid)
    await h.send_text(uid, "Открыл наряд, нажал «Закрыть»")
    answered = max(h.updates.sent)  # the user's message that answered step 1
    asked = (await fsm(h, uid))[1]["step_mid"]
    await h.feed(h.updates.edited(answered, "Открыл наряд, дважды нажал «Закрыть»"))
    again = (await fsm(h, uid))[1]["step_mid"]
    assert again != asked and "Шаг 2" in (h.last_text(uid) or "")
    assert _markup(h, uid, asked) is None and _markup(h, uid, again) is not None
