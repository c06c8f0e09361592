"""Regression: a quick second press of a step's button («Пропустить», «Нет», «Назад») reached the bot after the first
had moved the dialog on and answered the next step, which the user never saw (found in the sandbox: a double tap
on «Пропустить» skipped «Дополнительная информация» too)."""

from __future__ import annotations

from bot.keyboards import RepCb
from tests.e2e.dialogs import fsm, onboard, tap
from tests.e2e.harness import BotHarness

REFUSAL = "Этот шаг уже пройден"


def _answers(calls: list) -> list[str]:
    return [str(c.params.get("text") or "") for c in calls if c.name == "answerCallbackQuery"]


async def _double_press(h: BotHarness, uid: int, label: str, text: str) -> None:
    """The newest question (it has `text`) gets two presses of its button `label`; the second is refused."""
    asked = h.last_call(uid, with_inline=True)
    assert asked is not None and text in (asked.text or "")
    button = h.button(uid, label)
    await h.press(uid, button, message_id=asked.result.message_id)
    second = await h.press(uid, button, message_id=asked.result.message_id)
    assert any(REFUSAL in a for a in _answers(second))


async def _nttm_until_external_refs(h: BotHarness, uid: int) -> int:
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    for answer in ("Открыл наряд, нажал «Закрыть»", "Наряд закрывается", "Ошибка ORA-00001 при закрытии наряда"):
        await h.send_text(uid, answer)
    prompt = h.last_call(uid, with_inline=True)
    assert prompt is not None and "Номера обращений" in (prompt.text or "")
    return int(prompt.result.message_id)


async def test_a_double_tap_on_skip_skips_one_step(harness: BotHarness) -> None:
    h, uid = harness, 7981
    mid = await _nttm_until_external_refs(h, uid)
    await h.press(uid, RepCb(a="skip"), message_id=mid)
    second = await h.press(uid, RepCb(a="skip"), message_id=mid)  # the same button, a moment later
    assert any(REFUSAL in a for a in _answers(second))
    state, data = await fsm(h, uid)
    assert (state, data["keys"][data["idx"]]) == ("ReportSG:field", "additional")  # «Дополнительная информация»
    assert "Дополнительная информация" in (h.last_text(uid) or "")


async def test_a_double_tap_on_no_answers_one_impact_question_and_back_goes_back_once(harness: BotHarness) -> None:
    h, uid = harness, 7982
    await _nttm_until_external_refs(h, uid)
    await tap(h, uid, "Пропустить")
    await tap(h, uid, "Пропустить")
    await tap(h, uid, "Готово")
    await tap(h, uid, "Только я")
    await _double_press(h, uid, "Нет", "Работа остановлена")
    state, data = await fsm(h, uid)
    assert (state, data["imp_i"], data["imp"]) == ("ReportSG:impact", 2, {"affected": "one", "blocked": False})
    await _double_press(h, uid, "Назад", "обходной путь")
    assert (await fsm(h, uid))[1]["imp_i"] == 1  # one step back, to «Работа остановлена»
