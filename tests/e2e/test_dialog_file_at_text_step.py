"""Regressions: a screenshot sent at a text step was refused and dropped («Файлы можно будет приложить позже»),
its caption with it, also where the request type has no files step at all (a consultation), so «позже» never came
in the dialog; a sticker at a step was answered only «Сейчас я жду другой ответ»."""

from __future__ import annotations

from aiogram.types import Location, Sticker, Voice
from sqlalchemy import select

from core.catalog import service as catalog
from core.tickets.models import Attachment
from tests.e2e.dialogs import answer_every_step, fsm, onboard, tap
from tests.e2e.harness import BotHarness
from tests.e2e.test_dialog_report import _tickets


async def test_a_screenshot_at_a_text_step_is_kept_for_the_ticket_and_the_step_stays(harness: BotHarness) -> None:
    h, uid = harness, 7971
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    await h.send_photo(uid, file_id="early-shot")
    told = h.last_text(uid) or ""
    assert "сохранён, он будет приложен к обращению" in told and "Шаги воспроизведения" in told
    state, data = await fsm(h, uid)
    assert (state, data["idx"], [f["file_id"] for f in data["files"]]) == ("ReportSG:field", 0, ["early-shot"])
    await answer_every_step(h, uid, until="ReportSG:summary")
    assert any("Уже приложено файлов: 1" in (c.text or "") for c in h.calls_to(uid, "sendMessage"))
    await tap(h, uid, "Отправить")
    [ticket] = await _tickets(h)
    async with h.root.session_factory() as s:
        files = (await s.scalars(select(Attachment.file_id).where(Attachment.ticket_id == ticket.id))).all()
    assert files == ["early-shot"]


async def test_a_file_where_the_type_has_no_files_step_points_to_my_requests(harness: BotHarness) -> None:
    h, uid = harness, 7972
    services = [s for s in await catalog.list_services(uow=h.root.uow()) if s.active and not s.requires_contract
                and "consultation" in (s.request_types or ["consultation"])]
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, services[0].name)
    await tap(h, uid, "Консультация")
    await h.send_photo(uid, file_id="question-shot")
    told = h.last_text(uid) or ""
    assert "после регистрации обращения" in told and "«Мои обращения»" in told
    state, data = await fsm(h, uid)
    assert (state, data["files"]) == ("ReportSG:field", [])


async def test_a_screenshot_with_its_description_answers_the_step_and_is_kept(harness: BotHarness) -> None:
    h, uid = harness, 7973
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    steps = "Открыл наряд, нажал «Закрыть» — вот экран"
    calls = await h.send_photo(uid, caption=steps, file_id="shot")
    said = [c.text or "" for c in calls if c.name == "sendMessage"]
    assert "сохранён, он будет приложен к обращению" in said[0] and "Шаг 2" in said[-1]
    state, data = await fsm(h, uid)
    assert (state, data["idx"], data["vals"]["steps"]) == ("ReportSG:field", 1, steps)
    assert [f["file_id"] for f in data["files"]] == ["shot"]


async def test_a_voice_note_a_sticker_or_a_location_at_a_step_is_told_what_the_step_needs(
        harness: BotHarness) -> None:
    h, uid = harness, 7974
    await onboard(h, uid)
    await h.send_text(uid, "📝 Сообщить о проблеме")
    await tap(h, uid, "NTTM")
    await tap(h, uid, "Инцидент")
    for extra in ({"sticker": Sticker(file_id="s", file_unique_id="su", type="regular", width=512, height=512,
                                      is_animated=False, is_video=False)},
                  {"location": Location(latitude=55.75, longitude=37.61)}):
        await h.feed(h.updates.message(uid, None, **extra))
        told = h.last_text(uid) or ""
        assert "Сейчас нужен текст: Шаги воспроизведения" in told and "напишите, пожалуйста, словами" in told
    # a voice note is an attachment now (tests/e2e/test_dialog_voice_and_audio.py): kept for the files step
    await h.feed(h.updates.message(uid, None, voice=Voice(file_id="v", file_unique_id="vu", duration=4)))
    told = h.last_text(uid) or ""
    assert "«голосовое сообщение» сохранён" in told and "А сейчас нужен текст: Шаги воспроизведения" in told
    assert (await fsm(h, uid))[1]["idx"] == 0
