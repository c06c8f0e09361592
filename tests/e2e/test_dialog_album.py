"""Regression: an album (a media group of several photos, which Telegram delivers as that many messages at
once) sent at the files step lost its photos from the sixth on to the flood throttle («Слишком много сообщений
подряд»), and each photo got its own answer with its own «Готово» (ten messages against Telegram's 1/s a chat)."""

from __future__ import annotations

from aiogram.types import Update

from tests.e2e.dialogs import fsm, onboard, tap
from tests.e2e.harness import BotHarness
from tests.e2e.test_dialog_voice_and_audio import _to_files_step


def _album(h: BotHarness, uid: int, group: str, n: int, caption: str | None = None) -> list[Update]:
    at = h.updates._date(None)
    return [h.updates.message(uid, None, media_group_id=group, date=at, caption=caption if i == 0 else None,
                              photo=f"{group}-{i}") for i in range(n)]


async def test_an_album_at_the_files_step_is_kept_whole_with_one_answer(harness: BotHarness) -> None:
    h, uid = harness, 7995
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    await _to_files_step(h, uid)
    h.tick = 0.0  # the ten messages of an album arrive together
    calls = []
    for update in _album(h, uid, "alb1", 10):
        calls += await h.feed(update)
    _, data = await fsm(h, uid)
    assert [f["file_id"] for f in data["files"]] == [f"alb1-{i}" for i in range(10)]
    sent = [c for c in calls if c.name == "sendMessage" and c.error is None]
    assert len(sent) == 1 and "Слишком много" not in (sent[0].text or "")
    assert "принят (10)" in (h.session.rules.contents[(uid, sent[0].result.message_id)][0] or "")
    assert not [c for c in calls if c.error is not None]
    # a second album later: one new answer, and the first one's «Готово» goes
    h.tick = 5.0
    await h.feed(h.updates.message(uid, "…"))  # time passes
    h.tick = 0.0
    calls = []
    for update in _album(h, uid, "alb2", 3):
        calls += await h.feed(update)
    assert len([c for c in calls if c.name == "sendMessage"]) == 1
    assert h.session.rules.contents[(uid, sent[0].result.message_id)][1] is None
    _, data = await fsm(h, uid)
    assert len(data["files"]) == 13
    await tap(h, uid, "Готово")
    assert (await fsm(h, uid))[1]["idx"] > data["idx"]


async def test_an_album_with_a_caption_at_a_text_step_answers_it_once(harness: BotHarness) -> None:
    h, uid = harness, 7996
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    h.tick = 0.0
    calls = []
    for update in _album(h, uid, "alb3", 4, caption="Открыл наряд, нажал «Закрыть» — вот экраны"):
        calls += await h.feed(update)
    said = [c.text or "" for c in calls if c.name == "sendMessage" and c.error is None]
    assert len(said) == 2 and "сохранён" in said[0] and "Шаг 2" in said[1]
    _, data = await fsm(h, uid)
    assert len(data["files"]) == 4 and data["vals"]["steps"].startswith("Открыл наряд")
