"""Regressions: an edited answer was silently ignored; a 5,000-character paste (4,096 + 904) was refused
without the limit and its tail taken as the answer; «📨 Отправить» dropped the keyboard twice."""

from __future__ import annotations

from datetime import timedelta

from app.root import build_root
from core.settings import Settings
from tests.e2e.dialogs import answer_every_step, fsm, onboard, tap
from tests.e2e.harness import BotHarness, RecordingSession, UpdateFactory
from tests.e2e.test_dialog_report import _tickets

STEPS = "Открыл наряд, нажал «Закрыть»"


async def _send(h: BotHarness, uid: int, text: str, **kw: object) -> int:
    """Sends a text and returns its message_id (to edit it later)."""
    update = h.updates.message(uid, text, **kw)  # type: ignore[arg-type]
    await h.feed(update)
    assert update.message is not None
    return update.message.message_id


async def _edit(h: BotHarness, message_id: int, text: str) -> list:
    return await h.feed(h.updates.edited(message_id, text))


async def _nttm_incident(h: BotHarness, uid: int) -> None:
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")


async def test_edit_of_last_answer_replaces_it(harness: BotHarness) -> None:
    h, uid = harness, 7901
    await _nttm_incident(h, uid)
    steps_mid = await _send(h, uid, STEPS)
    assert "Шаг 2" in (h.last_text(uid) or "")
    calls = await _edit(h, steps_mid, "Открыл наряд, дважды нажал «Закрыть»")
    state, data = await fsm(h, uid)
    assert (state, data["idx"]) == ("ReportSG:field", 1) and data["vals"]["steps"].startswith("Открыл наряд, дважды")
    [shown] = [c.text for c in calls if c.name == "sendMessage"]
    assert "Шаг 2" in (shown or "") and "Ожидаемый результат" in (shown or "")  # the step it is on, shown again
    await _edit(h, steps_mid, "жму")  # an edit is checked like an answer: refused, the old value stays
    assert "слишком коротко" in (h.last_text(uid) or "")
    assert (await fsm(h, uid))[1]["vals"]["steps"].startswith("Открыл наряд, дважды")

    await h.send_text(uid, "Наряд закрывается")
    await h.send_text(uid, "Ошибка ORA-00001 при закрытии наряда")
    await tap(h, uid, "Пропустить")
    extra_mid = await _send(h, uid, "Началось после обновления 21.11")
    await tap(h, uid, "Готово")
    await tap(h, uid, "Много пользователей")
    await tap(h, uid, "Да")
    await tap(h, uid, "Нет")
    await tap(h, uid, "Согласен")
    assert "Началось после обновления 21.11" in (h.last_text(uid) or "")
    first = h.last_call(uid, "sendMessage")
    assert first is not None
    calls = await _edit(h, extra_mid, "Началось после обновления 22.11")  # the last answer, edited at the summary
    summary = h.last_text(uid) or ""
    assert "Проверьте обращение" in summary and "22.11" in summary and "21.11" not in summary
    # the first summary (21.11) loses its buttons: its «📨 Отправить» would send what it no longer shows
    [dropped] = [c for c in calls if c.name == "editMessageReplyMarkup"]
    assert dropped.params["message_id"] == first.result.message_id and dropped.error is None
    await tap(h, uid, "Отправить")
    [ticket] = await _tickets(h)
    assert ticket.fields["additional"] == "Началось после обновления 22.11"
    assert ticket.fields["steps"] == "Открыл наряд, дважды нажал «Закрыть»"
    assert not h.errors


async def test_edit_of_older_answer_tells_how_to_change(harness: BotHarness) -> None:
    h, uid = harness, 7902
    await _nttm_incident(h, uid)
    refused_mid = await _send(h, uid, "жму")  # refused: it answered nothing
    steps_mid = await _send(h, uid, STEPS)
    await h.send_text(uid, "Наряд закрывается")
    calls = await _edit(h, steps_mid, "Открыл наряд, нажал «Закрыть» дважды")
    [hint] = [c.text for c in calls if c.name == "sendMessage"]
    assert "«✏️ Шаги воспроизведения»" in (hint or "") and "проверки обращения" in (hint or "")
    state, data = await fsm(h, uid)
    assert (state, data["idx"], data["vals"]["steps"]) == ("ReportSG:field", 2, STEPS)
    await _edit(h, refused_mid, "Открыл наряд и нажал")
    assert "ответьте на вопрос новым сообщением" in (h.last_text(uid) or "")
    assert (await fsm(h, uid))[1]["vals"]["steps"] == STEPS

    # the same in English
    en = 7903
    await h.send_text(en, "/start", language_code="en")
    await h.send_text(en, "Petrov Petr Petrovich", language_code="en")
    await h.send_text(en, "p.petrov2", language_code="en")
    await tap(h, en, "МРФ Волга")
    await h.send_text(en, "📝 Report a problem", language_code="en")
    await tap(h, en, "NTTM")
    await tap(h, en, "Incident")
    first = await _send(h, en, "Opened the order, pressed Close", language_code="en")
    await h.send_text(en, "The order closes", language_code="en")
    await _edit(h, first, "Opened the order, pressed Close twice")
    assert "“✏️ Steps to reproduce”" in (h.last_text(en) or "")

    # outside the report an edit changes nothing, and the person is told so (test_dialog_edits_elsewhere.py)
    await h.send_text(uid, "/cancel")
    assert (await fsm(h, uid))[0] is None
    [told] = [c.text for c in await _edit(h, steps_mid, "Что-то другое совсем") if c.name == "sendMessage"]
    assert "напишите новым сообщением" in (told or "") and (await fsm(h, uid))[0] is None
    assert not h.errors


async def test_split_paste_joined_or_refused_never_tail_as_answer(harness: BotHarness) -> None:
    h, uid = harness, 7904
    await _nttm_incident(h, uid)
    # a 5,000-character paste as Telegram clients send it: 4,096 + 904, the same second or the next one
    for gap in (0, 1):
        at = h.updates._date(None)
        await h.send_text(uid, "ш" * 4096, date=at)
        assert "не длиннее 4000 знаков, у вас 4096" in (h.last_text(uid) or "")
        await h.send_text(uid, "ш" * 904, date=at + timedelta(seconds=gap))
        assert "не длиннее 4000 знаков, у вас 5000" in (h.last_text(uid) or "")
        state, data = await fsm(h, uid)
        assert (state, data["idx"], data["vals"]) == ("ReportSG:field", 0, {})  # the tail is not the answer

    # a first part short enough to pass, and its tail: back to the step, refused as one text
    at = h.updates._date(None)
    await h.send_text(uid, "ш " * 1950, date=at)
    assert (await fsm(h, uid))[1]["idx"] == 1  # taken for a moment...
    await h.send_text(uid, "ш" * 500, date=at)
    refusal, again = h.texts(uid)[-2:]  # the step asked again: its question had lost its buttons to the head
    assert "не длиннее 4000 знаков, у вас 4400" in refusal and "Шаг 1" in again
    state, data = await fsm(h, uid)
    assert (state, data["idx"], data["vals"]) == ("ReportSG:field", 0, {})

    # two short answers within a second are two answers, not a paste (no client cuts a short text):
    # a quick typist or a driver like the sandbox's must not see its answers glued together
    at = h.updates._date(None)
    await h.send_text(uid, "Открыл наряд, нажал «Закрыть»", date=at)
    await h.send_text(uid, "Наряд закрывается", date=at + timedelta(seconds=1))
    state, data = await fsm(h, uid)
    assert (state, data["idx"]) == ("ReportSG:field", 2)
    assert data["vals"] == {"steps": "Открыл наряд, нажал «Закрыть»", "expected": "Наряд закрывается"}
    assert "Шаг 3" in (h.last_text(uid) or "")
    assert not h.errors


async def test_split_paste_tail_after_a_restart_is_still_joined(harness: BotHarness, settings: Settings) -> None:
    h, uid = harness, 7905
    await _nttm_incident(h, uid)
    at = h.updates._date(None)
    await h.send_text(uid, "ш" * 4096, date=at)
    await h.root.shutdown()  # the process stops between the two parts

    session = RecordingSession()
    root2 = build_root(settings, with_api=False, bot_session=session)
    await root2.startup()
    try:
        h2 = BotHarness(root2, session)
        h2.updates = UpdateFactory(start_update_id=50_000)
        h2.updates._message_ids = iter(range(10_000, 20_000))  # the chat's message ids go on
        await h2.send_text(uid, "ш" * 904, date=at)
        assert "у вас 5000" in (h2.last_text(uid) or "")
        state, data = await fsm(h2, uid)
        assert (state, data["idx"], data["vals"]) == ("ReportSG:field", 0, {})
    finally:
        await root2.shutdown()


async def test_too_long_names_the_limit(harness: BotHarness) -> None:
    h, uid = harness, 7906
    await _nttm_incident(h, uid)
    await h.send_text(uid, "д" * 4001)
    refusal = h.last_text(uid) or ""
    assert "слишком длинно: не длиннее 4000 знаков, у вас 4001" in refusal and "Что вы делали по шагам" in refusal
    assert (await fsm(h, uid))[1]["idx"] == 0

    en = 7907
    await h.send_text(en, "/start", language_code="en")
    await h.send_text(en, "Petrov Petr Petrovich", language_code="en")
    await h.send_text(en, "p.petrov3", language_code="en")
    await tap(h, en, "МРФ Волга")
    await h.send_text(en, "📝 Report a problem", language_code="en")
    await tap(h, en, "NTTM")
    await tap(h, en, "Incident")
    await h.send_text(en, "d" * 4001, language_code="en")
    assert "too long: at most 4000 characters, yours has 4001" in (h.last_text(en) or "")


async def test_full_report_makes_no_call_telegram_refuses(harness: BotHarness) -> None:
    h, uid = harness, 7908
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    await answer_every_step(h, uid)
    assert "зарегистрировано" in (h.last_text(uid) or "")
    refused = [(c.name, str(c.error)) for c in h.sent if c.error is not None]
    assert refused == []  # «📨 Отправить» used to drop its keyboard twice: «message is not modified»


async def test_edits_are_throttled_like_messages(harness: BotHarness) -> None:
    h, uid = harness, 7909
    await _nttm_incident(h, uid)
    mid = await _send(h, uid, STEPS)
    h.session.relax("chat_rate")  # a reply waiting out a 429 advances the clock, and the bucket refills
    h.tick = 0.05
    replies = [await _edit(h, mid, f"{STEPS} {i}") for i in range(12)]
    texts = [c.text for calls in replies for c in calls]
    assert "Слишком много сообщений подряд, подождите пару секунд" in texts
    assert replies.count([]) >= 5  # the rest is dropped silently
