"""Regression: several messages forwarded at once (a colleague's description of the error, in three messages) at
a text step answered that step with the first and the next steps, unseen, with the others; and forwarding more
than five at once lost the rest to the flood throttle («Слишком много сообщений подряд»)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import MessageOriginHiddenUser, Update

from tests.e2e.dialogs import fsm, onboard, tap
from tests.e2e.harness import BotHarness


def _forwards(h: BotHarness, uid: int, texts: list[str]) -> list[Update]:
    at = h.updates._date(None)  # forwarded together: one second
    origin = MessageOriginHiddenUser(date=datetime(2026, 12, 1, 9, 30, tzinfo=UTC), sender_user_name="Коллега")
    return [h.updates.message(uid, t, date=at, forward_origin=origin) for t in texts]


async def test_messages_forwarded_at_once_answer_one_step(harness: BotHarness) -> None:
    h, uid = harness, 7985
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    parts = [f"Часть {i}: открыли наряд, нажали «Закрыть», шаг {i}" for i in range(1, 8)]
    h.tick = 0.0
    h.session.relax("chat_rate")  # the replies do not wait out 429s here, so no time passes between the forwards
    for update in _forwards(h, uid, parts):
        await h.feed(update)
    state, data = await fsm(h, uid)
    assert (state, data["idx"]) == ("ReportSG:field", 1)  # the step after «Шаги воспроизведения»
    assert data["vals"] == {"steps": "\n".join(parts)}
    assert not any("Слишком много" in t for t in h.texts(uid))
    assert "Шаг 2" in (h.last_text(uid) or "")
    # a forward later on is an answer of its own, as before
    h.tick = 5.0
    for update in _forwards(h, uid, ["Наряд закрывается"]):
        await h.feed(update)
    state, data = await fsm(h, uid)
    assert (state, data["idx"], data["vals"]["expected"]) == ("ReportSG:field", 2, "Наряд закрывается")
